package flush

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/datatap/datatap/internal/parquetfile"
	"github.com/datatap/datatap/internal/sink"
	"github.com/datatap/datatap/internal/spool"
	"github.com/datatap/datatap/transform"
)

// The table schema: under one table prefix (TablePrefix of TAP_PREFIX) a
// column keeps the Parquet type its first file gave it, across flushes,
// partitions and processes. The types live in a JSON object beside the data,
// TablePrefix + TableSchemaName:
//
//	{"version":1,"columns":[{"name":"id","type":"INT64"},{"name":"_overflow","type":"JSON"}]}
//
// Its folder starts with "_", which Hive, Spark, Athena and Glue skip as
// hidden, and it does not end in .parquet, so that globs of *.parquet skip it.
//
// A flush reads it once per process (then trusts its copy: a type, once
// there, never changes, so the copy can only miss columns); a flush that
// has columns the copy lacks adds them with a conditional write (sink.Versioned:
// If-Match on S3), and when another writer got there first, reads it again
// and retries, so that concurrent writers agree. A sink without Versioned
// keeps the schema in the Flusher only.
//
// Rules, per column of a file:
//   - known to the table: the table's type, whatever this flush inferred or
//     the statement declared; a value that does not fit it (see fit) goes,
//     with its field name, into the overflow JSON column, and is counted in
//     Result.Overflowed;
//   - new: the statement's declared type, else the Widen of its values over
//     every partition of the flush, added to the table;
//   - new and NULL in every row: left out of the file (and of the table)
//     until a row gives it a type.
//
// There is no widening once written: Athena and Spark read a Parquet column
// only as the type the table declares (an INT32 file under a BIGINT column
// fails in Spark), so an INT64 column stays INT64.

// TableSchemaName is the key, under the table prefix, of the table schema.
const TableSchemaName = "_datatap/schema.json"

// tableSchemaAttempts bounds the conditional writes of one flush.
const tableSchemaAttempts = 20

// TablePrefix is the fixed part of a TAP_PREFIX pattern up to its last "/"
// before the first strftime directive: the folder every key of the table
// starts with ("datataps/year=%Y/" gives "datataps/").
func TablePrefix(pattern string) string {
	fixed := pattern
	if i := strings.IndexByte(pattern, '%'); i >= 0 {
		fixed = pattern[:i]
	}
	return fixed[:strings.LastIndexByte(fixed, '/')+1]
}

// tableFile is the JSON form of the table schema.
type tableFile struct {
	Version int           `json:"version"`
	Columns []tableColumn `json:"columns"`
}

type tableColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// table is a process's copy of the table schema.
type table struct {
	mu      sync.Mutex
	loaded  bool
	version string // of the object the copy is
	file    tableFile
	types   map[string]transform.Type
}

func (f *Flusher) tableState() *table {
	f.tableMu.Lock()
	defer f.tableMu.Unlock()
	if f.table == nil {
		f.table = &table{types: map[string]transform.Type{}}
	}
	return f.table
}

// parseType reads a type name as Type.String writes it.
// Only that spelling: an alias (INT, NUMERIC(5,2)) is no type name there.
func parseType(s string) (transform.Type, bool) {
	if t, ok := transform.ParseType(s); ok && t.String() == s {
		return t, true
	}
	return transform.Null, false
}

// set replaces the copy with data at version.
func (tb *table) set(data []byte, version string) error {
	var tf tableFile
	if err := json.Unmarshal(data, &tf); err != nil {
		return fmt.Errorf("table schema: %w", err)
	}
	types := make(map[string]transform.Type, len(tf.Columns))
	for _, c := range tf.Columns {
		t, ok := parseType(c.Type)
		if !ok {
			return fmt.Errorf("table schema: column %q: unknown type %q", c.Name, c.Type)
		}
		types[c.Name] = t
	}
	tb.file, tb.types, tb.version, tb.loaded = tf, types, version, true
	return nil
}

// proposal is a column a flush would add to the table.
type proposal struct {
	name string
	typ  transform.Type
}

// proposals returns the typed columns of the flush's files, in the order
// of the first file that has each, with their declared type or the Widen
// of what every partition saw (columns NULL everywhere are not proposed),
// and the overflow column as JSON.
func proposals(h spool.Header, parts []*partition) []proposal {
	var out []proposal
	at := map[string]int{}
	for _, p := range parts {
		for i, c := range p.columns {
			if i == p.overflow {
				continue
			}
			t := h.DeclaredType(c.Name)
			if t == transform.Null {
				if k, ok := p.index[c.Name]; ok {
					t = p.seen(k)
				}
			}
			if k, ok := at[c.Name]; ok {
				if h.DeclaredType(c.Name) == transform.Null {
					out[k].typ = transform.Widen(out[k].typ, t)
				}
				continue
			}
			at[c.Name] = len(out)
			out = append(out, proposal{c.Name, t})
		}
	}
	kept := out[:0]
	for _, pr := range out {
		if pr.typ != transform.Null {
			kept = append(kept, pr)
		}
	}
	if _, ok := at[OverflowColumn]; !ok {
		kept = append(kept, proposal{OverflowColumn, transform.JSON})
	}
	return kept
}

// resolve makes sure the table has a type for every column of the flush's
// files, adding the new ones, and returns the types.
func (f *Flusher) resolve(ctx context.Context, h spool.Header, parts []*partition) (map[string]transform.Type, error) {
	tb := f.tableState()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	props := proposals(h, parts)
	vs, remote := f.Sink.(sink.Versioned)
	key := TablePrefix(f.Prefix) + TableSchemaName
	if remote && sink.ValidKey(key) != nil {
		remote = false
	}
	get := func() error {
		data, version, err := vs.GetVersion(ctx, key)
		if errors.Is(err, sink.ErrNotFound) {
			tb.file, tb.types, tb.version, tb.loaded = tableFile{Version: 1}, map[string]transform.Type{}, "", true
			return nil
		}
		if err != nil {
			return fmt.Errorf("flush: %w", err)
		}
		if err := tb.set(data, version); err != nil {
			// Not the segment's fault: it stays in the spool (and every
			// flush fails, logged) until the object is fixed or removed.
			return fmt.Errorf("flush: %s: %w", key, err)
		}
		return nil
	}
	if remote && !tb.loaded {
		if err := get(); err != nil {
			return nil, err
		}
	}
	for range tableSchemaAttempts {
		var missing []tableColumn
		for _, pr := range props {
			if _, ok := tb.types[pr.name]; !ok {
				missing = append(missing, tableColumn{pr.name, pr.typ.String()})
			}
		}
		if len(missing) == 0 {
			return tb.types, nil
		}
		next := tableFile{Version: 1, Columns: append(append([]tableColumn(nil), tb.file.Columns...), missing...)}
		data, err := json.Marshal(next)
		if err != nil {
			return nil, err
		}
		if !remote {
			if err := tb.set(data, ""); err != nil {
				return nil, err
			}
			continue
		}
		version, err := vs.PutIf(ctx, key, data, tb.version)
		if errors.Is(err, sink.ErrConflict) {
			if err := get(); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("flush: %w", err)
		}
		if err := tb.set(data, version); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("flush: %s: still changed by other writers after %d attempts", key, tableSchemaAttempts)
}

// applyTable gives every partition's columns the table's types: columns
// NULL in every row that the table does not know are left out, and a
// partition with values that may not fit their column's type gets the
// overflow column.
func (f *Flusher) applyTable(ctx context.Context, h spool.Header, parts []*partition) error {
	if len(parts) == 0 {
		return nil
	}
	inferShapes(h, parts, f.maxColumns())
	types, err := f.resolve(ctx, h, parts)
	if err != nil {
		return err
	}
	for _, p := range parts {
		var cols []parquetfile.Column
		needOver := p.overflow >= 0
		overAt := -1
		for i, c := range p.columns {
			if i == p.overflow {
				overAt = len(cols)
				cols = append(cols, c)
				continue
			}
			seen := h.DeclaredType(c.Name)
			if seen == transform.Null {
				if k, ok := p.index[c.Name]; ok {
					seen = p.seen(k)
				}
			}
			T, ok := types[c.Name]
			if !ok {
				if seen == transform.Null {
					continue // NULL in every row, and untyped: left out
				}
				T = c.Type
			}
			if !alwaysFits(seen, T) {
				needOver = true
			}
			c.Type = T
			cols = append(cols, c)
		}
		if needOver && overAt < 0 || len(cols) == 0 {
			overAt = len(cols)
			cols = append(cols, parquetfile.Column{Type: transform.JSON})
		}
		p.columns, p.overflow = cols, overAt
		p.colIdx = make(map[string]int, len(cols))
		for i, c := range cols {
			if i != overAt {
				p.colIdx[c.Name] = i
			}
		}
		if overAt >= 0 {
			taken := make(map[string]int, len(p.colIdx))
			for name, i := range p.colIdx {
				taken[name] = i
			}
			for name, t := range types {
				if t != transform.JSON {
					taken[name] = 0
				}
			}
			cols[overAt].Name = overflowName(taken)
		}
	}
	return nil
}

// alwaysFits says whether every value of type seen (or of a type that
// Widens to it) fits a column of type t.
func alwaysFits(seen, t transform.Type) bool {
	switch {
	case seen == t, seen == transform.Null, t == transform.Varchar, t == transform.JSON:
		return true
	case t == transform.Double:
		return seen == transform.Int32 || seen == transform.Int64
	case t == transform.Int64:
		return seen == transform.Int32
	case t == transform.Timestamp:
		return seen == transform.Date
	}
	return false
}

// fit converts v to a column of type t when that keeps its value: same
// type; any value as text (VARCHAR) or as JSON; integers of either width
// in range, and DOUBLE (rounded beyond 2^53, counted as ever); a DOUBLE
// with no fraction as an integer; a DATE as a TIMESTAMP; an integer or a
// DECIMAL of no greater scale as a DECIMAL, in range. Anything else
// does not fit: it goes to the overflow column.
func fit(st *transform.State, v transform.Value, t transform.Type) (transform.Value, bool) {
	if v.Type == t || v.IsNull() {
		return v, true
	}
	ok := false
	switch t {
	case transform.Varchar, transform.JSON:
		ok = true
	case transform.Int32, transform.Int64, transform.TinyInt, transform.SmallInt,
		transform.UTinyInt, transform.USmallInt, transform.UInteger, transform.UBigInt:
		// the cast gives NULL, so the overflow, for a value out of range
		ok = v.Type == transform.Int32 || v.Type == transform.Int64 ||
			v.Type == transform.Double && v.F == math.Trunc(v.F)
	case transform.Double:
		ok = v.Type == transform.Int32 || v.Type == transform.Int64
	case transform.Timestamp:
		ok = v.Type == transform.Date
	default:
		_, scale, decimal := t.Decimal()
		_, vscale, vdecimal := v.Type.Decimal()
		ok = decimal && (v.Type == transform.Int32 || v.Type == transform.Int64) || // exact, or NULL out of range
			decimal && vdecimal && vscale <= scale || // DECIMAL(18,2) into DECIMAL(38,10): exact, or NULL out of range
			t.IsNested() && (v.Type == transform.JSON || v.Type == transform.Varchar) // shaped by the cast to it
	}
	if !ok {
		return transform.Value{}, false
	}
	before := st.CastFailures
	r := st.Cast(v, t)
	if r.IsNull() {
		st.CastFailures = before // not lost: it goes to the overflow
		return r, false
	}
	return r, true
}

// LearnedColumns reads the table schema the flushes under the TAP_PREFIX
// pattern learned, from s: its columns in the order they were added, with
// their types. No schema yet is (nil, nil). It is what `datatap table
// -from-data` describes the columns of SELECT * with.
func LearnedColumns(ctx context.Context, s sink.Versioned, pattern string) ([]transform.Column, error) {
	key := TablePrefix(pattern) + TableSchemaName
	data, _, err := s.GetVersion(ctx, key)
	if errors.Is(err, sink.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("flush: table schema %s: %w", key, err)
	}
	var tb table
	if err := tb.set(data, ""); err != nil {
		return nil, fmt.Errorf("flush: %s: %w", key, err)
	}
	cols := make([]transform.Column, len(tb.file.Columns))
	for i, c := range tb.file.Columns {
		cols[i] = transform.Column{Name: c.Name, Type: tb.types[c.Name]}
	}
	return cols, nil
}
