package flush

import (
	"bufio"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/valyala/fastjson"

	"github.com/datatap/datatap/internal/parquetfile"
	"github.com/datatap/datatap/internal/sink"
	"github.com/datatap/datatap/internal/spool"
	"github.com/datatap/datatap/transform"
)

// Bounds of one flush.
const (
	// DefaultMaxColumns caps the columns of one Parquet file, far below
	// parquet-go's 65,535: writing a file at the cap, 10,000 rows of 500
	// columns (more than a 10 MiB segment holds), peaks at 45 MiB of heap
	// in use and 62 MB RSS; at 1,000 columns it would be 78 MiB and 96 MB
	// (parquetfile.TestMemoryWideRows).
	DefaultMaxColumns = 500

	// OverflowColumn is the JSON column that holds, as one object, the
	// fields of a row past the cap.
	OverflowColumn = "_overflow"

	// DefaultUploads is how many objects of one segment are uploaded at
	// once. 900 small objects to MinIO on 2 busy cores (TestUploadsToMinIO,
	// encoding included): 4.3 s one at a time, 2.8 s 8 at a time, 2.6 s 16,
	// 1.9 s 32; S3, with more latency per PUT, gains more.
	DefaultUploads = 16

	// maxOpenSpills bounds the temporary files of a PARTITION BY segment
	// that are open at once; the others are closed and reopened for append
	// when a row comes for them. With the segment, the rejected lines, the
	// Parquet file being written and the uploads, a flush holds at most
	// maxOpenSpills + DefaultUploads + 3 descriptors, whatever the number of
	// partitions.
	maxOpenSpills = 64

	// spillMemory is how many bytes of rows the partitions of a PARTITION
	// BY segment keep in memory, all together, before the partition that
	// needs more goes to its temporary file: a segment of many small
	// partitions is split without creating a file per partition (900
	// partitions of a 2.3 MB segment: 900 fewer creates and opens).
	spillMemory = 4 << 20

	// outputMemory is how many bytes of finished Parquet files a segment
	// keeps in memory, until they are uploaded, before the next one is
	// built in a temporary file; a file larger than outputFileMemory is
	// always built in a temporary file.
	outputMemory     = 8 << 20
	outputFileMemory = 1 << 20
)

// partition is the rows of one PARTITION BY value, and what is known of
// their columns.
type partition struct {
	prefix   string // the expanded TAP_PREFIX: at the segment's creation, or the rows' event time
	path     string // name=value/… of the key
	rows     int64
	mem      []byte           // the partition's rows (when the segment has several), until spilled
	spill    string           // the partition's rows, once they no longer fit in memory
	file     *os.File         // open for append, while among the spills' open files
	w        *bufio.Writer    // buffers file
	names    []string         // columns' fields in first-seen order, up to the cap
	index    map[string]int   // into names
	types    []transform.Type // widened type of each of names
	last     []int            // the column of each place of a row, as last seen (see at)
	star     int              // star fields among names
	over     bool             // some star field is past the cap, or has no column form
	shapes   []*shapeNode     // of each of names that held JSON values, when inferring (shape.go)
	inferred []transform.Type // of each of names, the nested type inferShapes gave (Null: none)

	columns  []parquetfile.Column
	colIdx   map[string]int
	overflow int // index of the overflow column, -1 without

	overflowed int64 // values that did not fit their column (writeParquet)
}

// scanner is the state of scan.
type scanner struct {
	h         spool.Header
	tmp       string
	explicit  map[string]bool
	starMax   int          // star fields that may become columns
	open      []*partition // partitions with an open spill file, oldest first
	bufs      []*bufio.Writer
	spills    int   // temporary files created
	memUsed   int64 // bytes of rows held in partitions' mem
	memBudget int64
	// infer: JSON values of columns the statement does not declare widen
	// their column's shape (shape.go); parser parses them.
	infer    bool
	declared map[string]bool
	parser   fastjson.Parser
}

// newScanner returns the scanner of a segment with header h whose files
// have at most maxColumns columns; infer says whether JSON columns get
// native nested types (TAP_NESTED=native).
func newScanner(h spool.Header, maxColumns int, infer bool) *scanner {
	sc := &scanner{h: h, explicit: map[string]bool{}, declared: map[string]bool{}, infer: infer}
	for _, c := range h.Columns {
		sc.explicit[c.Name] = true
		if h.DeclaredType(c.Name) != transform.Null {
			sc.declared[c.Name] = true
		}
	}
	sc.starMax = max(maxColumns-len(h.Columns), 1)
	return sc
}

// scan reads the segment once: rejected lines go to an NDJSON file, rows are
// grouped by partition (into one temporary file each when the statement has
// PARTITION BY; at most maxOpenSpills of them open at once) and their column
// types inferred.
func (f *Flusher) scan(r *spool.Reader, tmp string, res *Result) ([]*partition, *rejectedFile, error) {
	h := r.Header
	sc := newScanner(h, f.maxColumns(), !f.KeepJSON)
	sc.tmp, sc.memBudget = tmp, cmp.Or(f.spillBudget, spillMemory)
	byPath := map[string]*partition{} // by prefix + path: the key but for the segment id
	var parts []*partition
	arrival, err := sink.ObjectPrefix(f.Prefix, h.Created)
	if err != nil {
		return nil, nil, permanent(fmt.Errorf("flush: %w", err))
	}
	timed := h.Time != ""
	partitioned := len(h.Partitions) > 0 || timed
	times := eventPrefixes{pattern: f.Prefix, arrival: arrival}
	rej := &rejectedFile{path: filepath.Join(tmp, "rejected.ndjson"), created: h.Created}
	fail := func(err error) ([]*partition, *rejectedFile, error) {
		sc.closeAll()
		rej.discard()
		return nil, nil, err
	}
	var rec spool.Record
	values := make([]string, len(h.Partitions))
	nulls := make([]bool, len(h.Partitions))
	var text []byte
	for {
		err := r.Next(&rec)
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(readError(err))
		}
		if rec.Kind == spool.KindCounts {
			res.Filtered += rec.Filtered
			continue
		}
		if rec.Kind == spool.KindLossy {
			res.Lossy.RoundedNumbers += rec.Lossy.RoundedNumbers
			res.Lossy.DuplicateFields += rec.Lossy.DuplicateFields
			res.Lossy.CastFailures += rec.Lossy.CastFailures
			continue
		}
		if rec.Kind == spool.KindRejected {
			if err := rej.addLine(rec.Time, rec.Reason, rec.Line); err != nil {
				return fail(err)
			}
			continue
		}
		prefix := arrival
		if timed {
			if len(rec.Partition) != len(h.Partitions)+1 {
				return fail(permanent(fmt.Errorf("flush: row with %d partition values, the statement has %d and an event time", len(rec.Partition), len(h.Partitions))))
			}
			at := rec.Partition[len(rec.Partition)-1]
			rec.Partition = rec.Partition[:len(rec.Partition)-1]
			var fell bool
			prefix, fell = times.of(at)
			if fell {
				res.TimeFallbacks++
			}
		}
		text = text[:0]
		for i, v := range rec.Partition {
			start := len(text)
			text = v.AppendText(text)
			values[i], nulls[i] = string(text[start:]), v.IsNull()
		}
		pp := ""
		if len(h.Partitions) > 0 {
			if len(rec.Partition) != len(h.Partitions) {
				return fail(permanent(fmt.Errorf("flush: row with %d partition values, the statement has %d", len(rec.Partition), len(h.Partitions))))
			}
			pp = sink.PartitionPath(h.Partitions, values, nulls)
		}
		p := byPath[prefix+pp]
		if p == nil {
			p = &partition{prefix: prefix, path: pp, index: map[string]int{}}
			byPath[prefix+pp] = p
			parts = append(parts, p)
		}
		sc.observe(p, &rec)
		if partitioned { // the partition's rows, together, for the second pass
			if err := sc.spill(p, rec.Raw); err != nil {
				return fail(err)
			}
		}
	}
	if err := sc.closeAll(); err != nil {
		return fail(err)
	}
	for _, p := range parts {
		sc.schema(p)
	}
	return parts, rej, nil
}

// MaxTimePrefixes caps the event-time prefixes of one segment: rows whose
// event time gives a prefix past the first MaxTimePrefixes the segment's
// rows gave (in the order the rows were spooled) go under the arrival-time
// prefix instead, as rows without an event time do, and are counted in
// Result.TimeFallbacks. 168 is a week of hours (the default TAP_PREFIX): a
// backfill of a week lands every row in its hour, while a sender of random
// times makes at most 169 files per PARTITION BY value, not one per row.
const MaxTimePrefixes = 168

// eventPrefixes expands TAP_PREFIX at rows' event times.
type eventPrefixes struct {
	pattern, arrival string
	seen             map[string]struct{} // the event-time prefixes given, up to MaxTimePrefixes
	bySecond         map[int64]string    // recent expansions, by unit of time
	unit             int64               // µs of the finest verb of pattern: rows of one unit share their prefix
}

// prefixUnit is the span of time, in µs, that the finest time verb of
// pattern (%S, %M, else an hour: %H and coarser verbs never split an hour
// in UTC) leaves unchanged.
func prefixUnit(pattern string) int64 {
	switch {
	case strings.Contains(pattern, "%S"):
		return 1e6
	case strings.Contains(pattern, "%M"):
		return 60e6
	}
	return 3600e6
}

// of returns the prefix of a row whose event time is at, and whether it
// fell back to the arrival prefix: at is NULL (or not a TIMESTAMP), outside
// the years 0001 to 9999 (which %Y writes in four digits, so that keys keep
// their shape and order), or its prefix is past MaxTimePrefixes.
func (e *eventPrefixes) of(at transform.Value) (string, bool) {
	if !EventTimeUsable(at) {
		return e.arrival, true
	}
	if e.unit == 0 {
		e.unit = prefixUnit(e.pattern)
	}
	sec := floorDiv(at.I, e.unit)
	if p, ok := e.bySecond[sec]; ok {
		return p, false
	}
	p, err := sink.ObjectPrefix(e.pattern, time.UnixMicro(at.I))
	if err != nil {
		return e.arrival, true // cannot be: the arrival prefix expanded with the same pattern
	}
	if _, ok := e.seen[p]; !ok {
		if len(e.seen) >= MaxTimePrefixes {
			return e.arrival, true
		}
		if e.seen == nil {
			e.seen = map[string]struct{}{}
		}
		e.seen[p] = struct{}{}
	}
	if e.bySecond == nil || len(e.bySecond) >= 4096 {
		e.bySecond = map[int64]string{}
	}
	e.bySecond[sec] = p
	return p, false
}

// EventTimeUsable reports whether a row's event time gives its prefix: a
// TIMESTAMP in the years 0001 to 9999; other rows take the arrival time.
func EventTimeUsable(at transform.Value) bool {
	return at.Type == transform.Timestamp && at.I >= minEventMicros && at.I <= maxEventMicros
}

// The event times a prefix is built from: 0001-01-01 to 9999-12-31 UTC.
var (
	minEventMicros = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	maxEventMicros = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro() - 1
)

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// observe widens the partition's column types with one row. Star fields
// past the first sc.starMax of the partition, and fields whose name cannot
// be a column (the empty name: ingest names it _empty now, but segments an
// older version spooled may hold it), only mark the partition as
// overflowing.
func (sc *scanner) observe(p *partition, rec *spool.Record) {
	p.rows++
	for k, fl := range rec.Fields {
		c, ok := p.at(k, fl.Name, p.names)
		if !ok {
			if c, ok = sc.column(p, fl.Name, fl.Value.Type); !ok {
				continue
			}
			p.remember(k, c)
		}
		if t := p.types[c]; t != fl.Value.Type {
			p.types[c] = transform.Widen(t, fl.Value.Type)
		}
		if fl.Value.Type == transform.JSON && sc.infer && !sc.declared[fl.Name] {
			sc.inferShape(p, c, fl.Value)
		}
	}
}

// column returns the partition's column for a field named name whose value
// has type t, adding it if it is new and fits; false when it does not fit
// (the partition overflows).
func (sc *scanner) column(p *partition, name string, t transform.Type) (int, bool) {
	if c, ok := p.index[name]; ok {
		return c, true
	}
	explicit := sc.explicit[name]
	if !explicit && (name == "" || p.star >= sc.starMax) {
		p.over = true
		return 0, false
	}
	name = strings.Clone(name) // the record's strings do not outlive the next read
	c := len(p.names)
	p.names = append(p.names, name)
	p.types = append(p.types, t)
	p.index[name] = c
	if !explicit {
		p.star++
	}
	return c, true
}

// scanSchemas is scan for a segment without PARTITION BY whose batches end
// with their schema (spool.SchemaVersion): it decodes only those records,
// which name every field of the batch's rows with the Widen of its types
// (the fields * produced in the order the rows first held them), so that
// applying observe's rules to them, batch after batch, gives the columns
// observe would give row after row (Widen is associative and commutative:
// it is the join of a lattice; only the order of * fields matters).
// The rows, rejected lines and counts are read once, by writeParquet. It
// returns the partition (nil when the segment holds no row) and how many
// rejected lines the segment holds.
func (f *Flusher) scanSchemas(r *spool.Reader) (*partition, int64, error) {
	h := r.Header
	sc := newScanner(h, f.maxColumns(), false)
	p := &partition{index: map[string]int{}}
	var rejected int64
	var rec spool.Record
	for {
		err := r.NextSchema(&rec)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, 0, readError(err)
		}
		p.rows += rec.Rows
		rejected += rec.RejectedLines
		for _, fl := range rec.Fields {
			c, ok := sc.column(p, fl.Name, fl.Value.Type)
			if ok && p.types[c] != fl.Value.Type {
				p.types[c] = transform.Widen(p.types[c], fl.Value.Type)
			}
		}
	}
	if p.rows == 0 {
		return nil, rejected, nil
	}
	sc.schema(p)
	return p, rejected, nil
}

// at returns the column the field at place k of a row names, when it is the
// one the field at the same place named in an earlier row: rows mostly
// repeat the fields of the row before, in the same order, and comparing
// the name with the column's is cheaper than hashing it. names are the
// columns' names.
func (p *partition) at(k int, name string, names []string) (int, bool) {
	if k < len(p.last) {
		if c := p.last[k]; c >= 0 && names[c] == name {
			return c, true
		}
	}
	return 0, false
}

// remember notes that the field at place k named column c.
func (p *partition) remember(k, c int) {
	for len(p.last) <= k {
		p.last = append(p.last, -1)
	}
	p.last[k] = c
}

// spill appends an encoded row to the partition's rows: in memory while
// every partition's rows fit in spillMemory, else in its temporary file.
func (sc *scanner) spill(p *partition, raw []byte) error {
	var n [binary.MaxVarintLen64]byte
	size := binary.PutUvarint(n[:], uint64(len(raw)))
	if p.spill == "" {
		if sc.memUsed+int64(size+len(raw)) <= sc.memBudget {
			sc.memUsed += int64(size + len(raw))
			p.mem = append(append(p.mem, n[:size]...), raw...)
			return nil
		}
	}
	if p.file == nil {
		if err := sc.openSpill(p); err != nil {
			return err
		}
	}
	if len(p.mem) > 0 { // what the partition held goes first
		p.w.Write(p.mem)
		sc.memUsed -= int64(len(p.mem))
		p.mem = nil
	}
	p.w.Write(n[:size])
	if _, err := p.w.Write(raw); err != nil {
		return fmt.Errorf("flush: %w", err)
	}
	return nil
}

// openSpill opens p's temporary file for append, first closing the oldest
// open one if maxOpenSpills are open.
func (sc *scanner) openSpill(p *partition) error {
	if len(sc.open) >= maxOpenSpills {
		old := sc.open[0]
		sc.open = sc.open[1:]
		if err := sc.closeSpill(old); err != nil {
			return err
		}
	}
	if p.spill == "" {
		p.spill = filepath.Join(sc.tmp, "rows-"+strconv.Itoa(sc.spills))
		sc.spills++
	}
	file, err := os.OpenFile(p.spill, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("flush: %w", err)
	}
	p.file = file
	if n := len(sc.bufs); n > 0 {
		p.w, sc.bufs = sc.bufs[n-1], sc.bufs[:n-1]
		p.w.Reset(file)
	} else {
		p.w = bufio.NewWriterSize(file, 32<<10)
	}
	sc.open = append(sc.open, p)
	return nil
}

// closeSpill writes out and closes p's temporary file, keeping its buffer
// for the next one opened.
func (sc *scanner) closeSpill(p *partition) error {
	err := p.w.Flush()
	if cerr := p.file.Close(); err == nil {
		err = cerr
	}
	p.file = nil
	sc.bufs = append(sc.bufs, p.w)
	p.w = nil
	if err != nil {
		return fmt.Errorf("flush: write rows: %w", err)
	}
	return nil
}

// closeAll closes every open temporary file.
func (sc *scanner) closeAll() error {
	var first error
	for _, p := range sc.open {
		if err := sc.closeSpill(p); err != nil && first == nil {
			first = err
		}
	}
	sc.open = nil
	return first
}

// schema orders the columns as the statement does: explicit columns before
// *, the fields * produced (first-seen order), explicit columns after *;
// when the partition overflows, the star fields past the cap's last but one
// give way to the overflow column, which ends the star fields.
func (sc *scanner) schema(p *partition) {
	h := sc.h
	col := func(name string) parquetfile.Column {
		seen := transform.Null // an explicit column no row held
		if c, ok := p.index[name]; ok {
			seen = p.types[c]
		}
		return parquetfile.Column{Name: name, Type: transform.ColumnType(h.DeclaredType(name), seen)}
	}
	starAt := h.StarAt
	if starAt < 0 {
		starAt = len(h.Columns)
	}
	for _, c := range h.Columns[:starAt] {
		p.columns = append(p.columns, col(c.Name))
	}
	keep := p.star
	if p.over && keep >= sc.starMax {
		keep = sc.starMax - 1 // room for the overflow column
	}
	p.overflow = -1
	for _, name := range p.names {
		if sc.explicit[name] {
			continue
		}
		if keep == 0 {
			break
		}
		keep--
		p.columns = append(p.columns, col(name))
	}
	// A Parquet file needs a column: rows that hold no field at all ({} with
	// SELECT *) get the overflow column, NULL in every row, so that they
	// are still rows.
	if p.over || len(p.columns) == 0 && starAt == len(h.Columns) {
		p.overflow = len(p.columns)
		p.columns = append(p.columns, parquetfile.Column{Type: transform.JSON})
	}
	for _, c := range h.Columns[starAt:] {
		p.columns = append(p.columns, col(c.Name))
	}
	p.last = p.last[:0] // from now on, places of a row map to p.columns (writeParquet)
	p.colIdx = make(map[string]int, len(p.columns))
	for i, c := range p.columns {
		if i != p.overflow {
			p.colIdx[c.Name] = i
		}
	}
	if p.overflow >= 0 {
		p.columns[p.overflow].Name = overflowName(p.colIdx)
	}
}

// overflowName is OverflowColumn, or when a column already has that name,
// the first of OverflowColumn_2, _3, … that none has.
func overflowName(taken map[string]int) string {
	name := OverflowColumn
	for i := 2; ; i++ {
		if _, ok := taken[name]; !ok {
			return name
		}
		name = OverflowColumn + "_" + strconv.Itoa(i)
	}
}

// rejectedFile is the NDJSON error output being built: the rejected lines
// of the segment, then the rows the Parquet writer refused. It is created
// with its first line.
type rejectedFile struct {
	path    string
	created time.Time // the segment's, the time of refused rows
	file    *os.File
	w       *bufio.Writer
	n       int64
	buf     []byte
}

func (rj *rejectedFile) addLine(at time.Time, reason string, line []byte) error {
	if rj.file == nil {
		var err error
		if rj.file, err = os.Create(rj.path); err != nil {
			return fmt.Errorf("flush: %w", err)
		}
		rj.w = bufio.NewWriterSize(rj.file, 64<<10)
	}
	rj.buf = append(rj.buf[:0], `{"time":`...)
	rj.buf = transform.Value{Type: transform.Timestamp, I: at.UnixMicro()}.AppendJSON(rj.buf)
	rj.buf = append(rj.buf, `,"reason":`...)
	rj.buf = transform.AppendJSONString(rj.buf, reason)
	rj.buf = append(rj.buf, `,"line":`...)
	rj.buf = transform.AppendJSONString(rj.buf, string(line))
	rj.buf = append(rj.buf, "}\n"...)
	if _, err := rj.w.Write(rj.buf); err != nil {
		return fmt.Errorf("flush: write rejected lines: %w", err)
	}
	rj.n++
	return nil
}

// addRow writes a row the Parquet writer refused: its fields as one JSON
// object in "line", and why in "reason".
func (rj *rejectedFile) addRow(rec *spool.Record, why error) error {
	var line []byte
	line = append(line, '{')
	for i, fl := range rec.Fields {
		if i > 0 {
			line = append(line, ',')
		}
		line = transform.AppendJSONString(line, fl.Name)
		line = append(line, ':')
		line = fl.Value.AppendJSON(line)
	}
	line = append(line, '}')
	return rj.addLine(rj.created, "flush: row refused by the Parquet writer: "+why.Error(), line)
}

// appendFile appends the lines of other, a closed rejectedFile, and
// removes it.
func (rj *rejectedFile) appendFile(other *rejectedFile) error {
	if other.n == 0 {
		return nil
	}
	src, err := os.Open(other.path)
	if err != nil {
		return fmt.Errorf("flush: %w", err)
	}
	defer os.Remove(other.path)
	defer src.Close()
	if rj.file == nil {
		if rj.file, err = os.Create(rj.path); err != nil {
			return fmt.Errorf("flush: %w", err)
		}
		rj.w = bufio.NewWriterSize(rj.file, 64<<10)
	}
	if _, err := io.Copy(rj.w, src); err != nil {
		return fmt.Errorf("flush: write rejected lines: %w", err)
	}
	rj.n += other.n
	return nil
}

func (rj *rejectedFile) close() error {
	err := rj.w.Flush()
	if cerr := rj.file.Close(); err == nil {
		err = cerr
	}
	rj.file = nil
	if err != nil {
		return fmt.Errorf("flush: write rejected lines: %w", err)
	}
	rj.w = nil
	return nil
}

// discard closes the file after a failure (its folder is removed).
func (rj *rejectedFile) discard() {
	if rj != nil && rj.file != nil {
		rj.file.Close()
		rj.file = nil
	}
}

// output is a Parquet file being built: in memory while the segment's
// outputs fit in their budget (shared, given back once uploaded), else in a
// temporary file.
type output struct {
	path   string // of the temporary file, should it be needed
	mem    []byte
	file   *os.File
	budget *atomic.Int64
	err    error // the first write error
}

func (o *output) Write(p []byte) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	if o.file == nil {
		if len(o.mem)+len(p) <= outputFileMemory {
			if o.budget.Add(-int64(len(p))) >= 0 {
				o.mem = append(o.mem, p...)
				return len(p), nil
			}
			o.budget.Add(int64(len(p)))
		}
		o.budget.Add(int64(len(o.mem)))
		if o.file, o.err = os.Create(o.path); o.err == nil {
			_, o.err = o.file.Write(o.mem)
		}
		o.mem = nil
		if o.err != nil {
			return 0, o.err
		}
	}
	n, err := o.file.Write(p)
	if err != nil {
		o.err = err
	}
	return n, err
}

// finish closes the output and returns it as an upload.
func (o *output) finish(key string) (upload, error) {
	if o.file == nil {
		size := int64(len(o.mem))
		return upload{key: key, data: o.mem, release: func() { o.budget.Add(size) }}, nil
	}
	err := o.file.Close()
	o.file = nil
	if err != nil {
		return upload{}, fmt.Errorf("flush: %w", err)
	}
	return upload{key: key, path: o.path}, nil
}

// discard gives back what an output that will not be uploaded holds.
func (o *output) discard() {
	if o.file != nil {
		o.file.Close()
		o.file = nil
	} else if o.mem != nil {
		o.budget.Add(int64(len(o.mem)))
	}
	o.mem = nil
}

// writeParquet writes the partition's rows, read back from memory or its
// temporary file, or from the segment itself when the statement has no
// PARTITION BY, to out, and returns how many it wrote. A row the writer
// refuses goes to rej. bw and br are buffers reused from one partition to
// the next.
//
// With one set (scanSchemas read the segment's schemas, not its records),
// the other records are handled here as scan does (counted into one.res,
// rejected lines to rej), and refused rows go to one.refused, so that the
// error output holds them after the rejected lines, as with scan.
func (f *Flusher) writeParquet(ctx context.Context, segment string, h spool.Header, p *partition, out *output, bw *bufio.Writer, br *bufio.Reader, rej *rejectedFile, one *onePass) (int64, error) {
	bw.Reset(out)
	pw, err := parquetfile.NewWriter(bw, p.columns, parquetfile.Options{CreatedBy: f.CreatedBy})
	if err != nil {
		return 0, permanent(fmt.Errorf("flush: %w", err))
	}
	// An error of the writer that is not about one row comes from the file
	// (transient) or from parquet-go itself (permanent).
	writerError := func(err error) error {
		if out.err != nil {
			return fmt.Errorf("flush: %w", out.err)
		}
		return permanent(fmt.Errorf("flush: %w", err))
	}
	var next func(*spool.Record) error
	if one != nil { // the reader scanSchemas read, rewound
		if err := one.r.Rewind(); err != nil {
			return 0, err
		}
		next = one.r.Next
	} else {
		var done func()
		if next, done, err = p.open(segment, h, len(h.Partitions) > 0 || h.Time != "", br); err != nil {
			return 0, err
		}
		defer done()
	}
	row := make([]transform.Value, len(p.columns))
	colNames := make([]string, len(p.columns))
	for i, c := range p.columns {
		colNames[i] = c.Name
	}
	var cast transform.State
	var rec spool.Record
	var over []byte
	// Nested columns of no declared type take only the values that fit
	// their shape (fitShape), parsed once, by one parser per column.
	strict := nestedStrict(h, p.columns)
	var parsers []fastjson.Parser
	if strict != nil {
		parsers = make([]fastjson.Parser, len(p.columns))
	}
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return 0, ctx.Err()
		}
		err := next(&rec)
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, readError(err)
		}
		if rec.Kind != spool.KindRow {
			if one != nil {
				if err := one.other(&rec, rej); err != nil {
					return 0, err
				}
			}
			continue
		}
		clear(row)
		cast.ClearScratch()
		over = over[:0]
		for k := range rec.Fields {
			fl := &rec.Fields[k] // not copied: Fields are large
			i, ok := p.at(k, fl.Name, colNames)
			if !ok {
				if i, ok = p.colIdx[fl.Name]; !ok {
					if fl.Value.IsNull() {
						continue // a column NULL in every row, left out (applyTable)
					}
					if p.overflow < 0 { // observe saw every field of the partition
						return 0, permanent(fmt.Errorf("flush: field %q has no column", fl.Name))
					}
					over = appendMember(over, *fl)
					continue
				}
				p.remember(k, i)
			}
			if t := p.columns[i].Type; fl.Value.Type == t || fl.Value.IsNull() {
				row[i] = fl.Value // what Cast returns, without the call
			} else if strict != nil && strict[i] != nil {
				if fl.Value.Type == transform.JSON && fl.Value.J == nil && pw.FitsFlat(i, fl.Value.S) {
					row[i] = fl.Value // the writer takes its text without a parse
				} else if v, ok := fitShape(&cast, &parsers[i], fl.Value, strict[i]); ok {
					row[i] = v
				} else if p.overflow < 0 { // cannot be: its type is what the values made it
					return 0, permanent(fmt.Errorf("flush: field %q does not fit its column's %s and there is no overflow column", fl.Name, t))
				} else {
					over = appendMember(over, *fl)
					p.overflowed++
				}
			} else if v, ok := fit(&cast, fl.Value, t); ok || p.overflow < 0 {
				row[i] = v
			} else {
				over = appendMember(over, *fl) // does not fit the table's type
				p.overflowed++
			}
		}
		if len(over) > 0 {
			over = append(over, '}')
			row[p.overflow] = transform.Value{Type: transform.JSON, S: string(over)}
		}
		if err := pw.Write(row); err != nil {
			var re *parquetfile.RowError
			if !errors.As(err, &re) {
				return 0, writerError(err)
			}
			refused := rej
			if one != nil {
				refused = one.refused
			}
			if err := refused.addRow(&rec, re.Err); err != nil {
				return 0, err
			}
		}
	}
	if err := pw.Close(); err != nil {
		return 0, writerError(err)
	}
	if err := bw.Flush(); err != nil {
		return 0, fmt.Errorf("flush: %w", err)
	}
	return pw.Rows(), nil
}

// onePass is what writeParquet needs to read a segment's records in the
// pass that writes its rows.
type onePass struct {
	r       *spool.Reader // the segment, read once for its schemas
	res     *Result
	refused *rejectedFile // rows the Parquet writer refused
}

// other handles a record that is not a row, as scan does.
func (one *onePass) other(rec *spool.Record, rej *rejectedFile) error {
	switch rec.Kind {
	case spool.KindCounts:
		one.res.Filtered += rec.Filtered
	case spool.KindLossy:
		one.res.Lossy.RoundedNumbers += rec.Lossy.RoundedNumbers
		one.res.Lossy.DuplicateFields += rec.Lossy.DuplicateFields
		one.res.Lossy.CastFailures += rec.Lossy.CastFailures
	case spool.KindRejected:
		return rej.addLine(rec.Time, rec.Reason, rec.Line)
	}
	return nil
}

// appendMember appends the field to the overflow object being built.
func appendMember(dst []byte, fl spool.Field) []byte {
	if len(dst) == 0 {
		dst = append(dst, '{')
	} else {
		dst = append(dst, ',')
	}
	dst = transform.AppendJSONString(dst, fl.Name)
	dst = append(dst, ':')
	return fl.Value.AppendJSON(dst)
}

// open returns an iterator over the partition's rows. br is reused to read
// a temporary file.
func (p *partition) open(segment string, h spool.Header, partitioned bool, br *bufio.Reader) (next func(*spool.Record) error, done func(), err error) {
	if !partitioned {
		r, err := spool.OpenReader(segment)
		if err != nil {
			return nil, nil, readError(err)
		}
		return r.Next, func() { r.Close() }, nil
	}
	dec := spool.NewRawDecoder(h)
	if p.spill == "" {
		rest := p.mem
		next = func(rec *spool.Record) error {
			if len(rest) == 0 {
				return io.EOF
			}
			n, k := binary.Uvarint(rest)
			if k <= 0 || uint64(len(rest)-k) < n {
				return permanent(errors.New("flush: read rows: cut short"))
			}
			raw := rest[k : k+int(n)]
			rest = rest[k+int(n):]
			return dec.Decode(raw, rec)
		}
		return next, func() { p.mem = nil }, nil
	}
	file, err := os.Open(p.spill)
	if err != nil {
		return nil, nil, fmt.Errorf("flush: %w", err)
	}
	br.Reset(file)
	var buf []byte
	next = func(rec *spool.Record) error {
		n, err := binary.ReadUvarint(br)
		if err != nil {
			return err // io.EOF at the end
		}
		if cap(buf) < int(n) {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(br, buf); err != nil {
			return fmt.Errorf("flush: read rows: %w", err)
		}
		return dec.Decode(buf, rec)
	}
	return next, func() { file.Close(); br.Reset(nil) }, nil
}
