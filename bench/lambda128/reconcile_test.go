package lambda128

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go"

	"github.com/datatap/datatap/internal/spool"
	"github.com/datatap/datatap/internal/testenv/duckdb"
	"github.com/datatap/datatap/internal/testenv/minio"
)

// The exact reconciliation of the fault cases (faults128_test.go): every line
// a test sends has a unique integer "id", its first key. The ledger records
// which ids the tap acknowledged (a 2xx with counts), which it refused (a
// final non-2xx: nothing may land) and which are unknown (no answer: the
// process died mid-request; at most once). The bucket is then read back
// whole:
//
//   - Parquet objects (*.parquet): every row, counted from the row groups
//     and cross-checked against DuckDB's reading of every footer; ids from
//     the top-level "id" column, or, for rows where it is missing (a tap that
//     moved it into an overflow column), from `"id":N` in any string value;
//   - error objects (NDJSON, possibly gzip or zstd): one error row a line,
//     the id from `"id":N` in the row (the line is kept as text, so the
//     quotes may be escaped);
//   - anything else under the errors prefix is taken as a quarantined
//     segment, stored as it was: read with the spool's reader when it is one
//     (rows by their "id" field, rejected lines by their text), else counted
//     as NDJSON lines. It is reported as such.
//
// Reconciled means: every acknowledged id exactly once, in one of the three;
// no id of a refused request at all; no id that was never sent; no row or
// error row without an id.

// testingT is what the reconciliation needs of a test: a *testing.T, or one
// that also copies each error into the report.
type testingT interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Fatal(args ...any)
	TempDir() string
}

// Request outcomes.
const (
	outAcked   = "acked"
	outRefused = "refused"
	outUnknown = "unknown"
)

type sent struct {
	lo, hi   int // ids lo..hi-1
	outcome  string
	status   int // the final HTTP status (0: none)
	attempts int
	counts   map[string]int
	err      string
}

// book is the ledger of one case.
type book struct {
	mu   sync.Mutex
	reqs []*sent
	bad  []string // answers that contradict what was sent
}

func (b *book) add(s *sent) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.reqs = append(b.reqs, s)
	if s.outcome == outAcked {
		n := s.hi - s.lo
		if got := s.counts["accepted"] + s.counts["rejected"] + s.counts["filtered"]; got != n {
			b.bad = append(b.bad, fmt.Sprintf("ids %d..%d: %d lines sent, the answer counts %v", s.lo, s.hi-1, n, s.counts))
		}
	}
}

func (b *book) summary() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := map[string]int{}
	codes := map[int]int{}
	attempts := 0
	for _, r := range b.reqs {
		n[r.outcome]++
		codes[r.status]++
		attempts += r.attempts
	}
	return fmt.Sprintf("%d requests (%d attempts): %d acknowledged, %d refused, %d unknown; final statuses %v",
		len(b.reqs), attempts, n[outAcked], n[outRefused], n[outUnknown], codes)
}

func (b *book) ackedLines() (lines, rejected int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, r := range b.reqs {
		if r.outcome == outAcked {
			lines += r.hi - r.lo
			rejected += r.counts["rejected"]
		}
	}
	return
}

// landed is what the bucket holds.
type landed struct {
	parquetObjects, errorObjects, quarantineObjects, otherObjects int
	parquetBytes                                                  int64
	parquetRows, duckdbRows                                       int64
	errorRows, quarantineRecords                                  int64
	noID                                                          int64 // rows or records without a findable id
	keys                                                          []string
	where                                                         map[int][]string // id → "parquet", "error", "quarantine" for each time it was found
	quarantineNotes                                               []string
}

// idPattern finds `"id":123`, also inside a JSON string (`\"id\":123`).
var idPattern = regexp.MustCompile(`\\*"id\\*"\s*:\s*(\d+)`)

func firstID(b []byte) (int, bool) {
	m := idPattern.FindSubmatch(b)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(string(m[1]))
	return n, err == nil
}

// readBucket downloads every object and reads it as described above.
func readBucket(t testingT, m *minio.Server, errorsPrefix string) *landed {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	l := &landed{where: map[int][]string{}}
	found := func(id int, kind string) { l.where[id] = append(l.where[id], kind) }
	m.Objects(t, func(key string, b []byte) {
		l.keys = append(l.keys, key)
		switch {
		case strings.HasSuffix(key, "/_datatap/schema.json"):
			// the table schema (flush.TableSchemaName): types, no rows
		case strings.HasSuffix(key, ".parquet"):
			l.parquetObjects++
			l.parquetBytes += int64(len(b))
			local := filepath.Join(dir, "pq", fmt.Sprintf("%06d.parquet", l.parquetObjects))
			if err := os.MkdirAll(filepath.Dir(local), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(local, b, 0o644); err != nil {
				t.Fatal(err)
			}
			rows, noID, err := parquetIDs(b, func(id int) { found(id, "parquet") })
			if err != nil {
				t.Errorf("%s: parquet-go cannot read it: %v", key, err)
			}
			l.parquetRows += rows
			l.noID += noID
		case isErrorRows(key):
			l.errorObjects++
			text, err := decompress(key, b)
			if err != nil {
				t.Errorf("%s: %v", key, err)
				return
			}
			for ln := range bytes.SplitSeq(bytes.TrimSuffix(text, []byte("\n")), []byte("\n")) {
				l.errorRows++
				if id, ok := firstID(ln); ok {
					found(id, "error")
				} else {
					l.noID++
					t.Errorf("%s: an error row without an id: %.200s", key, ln)
				}
			}
		case strings.HasPrefix(key, errorsPrefixRoot(errorsPrefix)):
			l.quarantineObjects++
			local := filepath.Join(dir, "q", fmt.Sprintf("%06d", l.quarantineObjects))
			if err := os.MkdirAll(filepath.Dir(local), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(local, b, 0o644); err != nil {
				t.Fatal(err)
			}
			n, noID, how := quarantineIDs(local, b, func(id int) { found(id, "quarantine") })
			l.quarantineRecords += n
			l.noID += noID
			l.quarantineNotes = append(l.quarantineNotes, fmt.Sprintf("%s (%d B): %s", key, len(b), how))
		default:
			l.otherObjects++
			t.Errorf("unexpected object %s (%d B): neither Parquet, nor error rows, nor under the errors prefix", key, len(b))
		}
	})
	if l.parquetObjects > 0 {
		ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
		defer cancel()
		res, err := duckdb.Run(ctx, fmt.Sprintf(`SELECT coalesce(sum(num_rows), 0) FROM parquet_file_metadata('%s')`,
			filepath.Join(dir, "pq", "*.parquet")))
		switch {
		case err != nil:
			t.Errorf("duckdb: %v", err)
		case res[0].Err != "":
			t.Errorf("duckdb cannot read the Parquet footers: %s", res[0].Err)
		default:
			l.duckdbRows, _ = strconv.ParseInt(fmt.Sprint(res[0].Rows[0][0]), 10, 64)
			if l.duckdbRows != l.parquetRows {
				t.Errorf("DuckDB counts %d Parquet rows, parquet-go %d", l.duckdbRows, l.parquetRows)
			}
		}
	}
	return l
}

// errorsPrefixRoot is the part of the errors prefix before its first strftime
// verb: every error object's key starts with it.
func errorsPrefixRoot(p string) string {
	if i := strings.IndexByte(p, '%'); i >= 0 {
		return p[:i]
	}
	return p
}

func isErrorRows(key string) bool {
	for _, s := range []string{".ndjson", ".jsonl", ".json"} {
		for _, c := range []string{"", ".gz", ".zst"} {
			if strings.HasSuffix(key, s+c) {
				return true
			}
		}
	}
	return false
}

func decompress(key string, b []byte) ([]byte, error) {
	switch {
	case strings.HasSuffix(key, ".gz"):
		r, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		return io.ReadAll(r)
	case strings.HasSuffix(key, ".zst"):
		r, err := zstd.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		defer r.Close()
		return io.ReadAll(r)
	}
	return b, nil
}

// parquetIDs counts a file's rows and hands each row's id to found.
func parquetIDs(b []byte, found func(int)) (rows, noID int64, err error) {
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return 0, 0, err
	}
	leaf, hasID := f.Schema().Lookup("id")
	for _, rg := range f.RowGroups() {
		n := rg.NumRows()
		rows += n
		if hasID {
			ids, complete, err := columnIDs(rg.ColumnChunks()[leaf.ColumnIndex])
			if err != nil {
				return rows, noID, err
			}
			if complete && int64(len(ids)) == n {
				for _, id := range ids {
					found(id)
				}
				continue
			}
		}
		// Some row has no top-level id: look through whole rows.
		nid, err := rowIDs(rg, leaf.ColumnIndex, hasID, found)
		noID += nid
		if err != nil {
			return rows, noID, err
		}
	}
	return rows, noID, nil
}

// columnIDs reads the id column chunk; complete is false when a value is
// null or not an integer.
func columnIDs(cc parquet.ColumnChunk) (ids []int, complete bool, err error) {
	pages := cc.Pages()
	defer pages.Close()
	complete = true
	for {
		pg, err := pages.ReadPage()
		if err == io.EOF {
			return ids, complete, nil
		}
		if err != nil {
			return ids, false, err
		}
		vals := make([]parquet.Value, pg.NumValues())
		n, err := pg.Values().ReadValues(vals)
		parquet.Release(pg)
		if err != nil && err != io.EOF {
			return ids, false, err
		}
		for _, v := range vals[:n] {
			id, ok := valueID(v)
			if !ok {
				complete = false
				continue
			}
			ids = append(ids, id)
		}
	}
}

func valueID(v parquet.Value) (int, bool) {
	if v.IsNull() {
		return 0, false
	}
	switch v.Kind() {
	case parquet.Int64:
		return int(v.Int64()), true
	case parquet.Int32:
		return int(v.Int32()), true
	case parquet.Double:
		if d := v.Double(); d == math.Trunc(d) {
			return int(d), true
		}
	case parquet.ByteArray:
		if n, err := strconv.Atoi(string(v.ByteArray())); err == nil {
			return n, true
		}
	}
	return 0, false
}

func rowIDs(rg parquet.RowGroup, idCol int, hasID bool, found func(int)) (noID int64, err error) {
	rows := rg.Rows()
	defer rows.Close()
	buf := make([]parquet.Row, 64)
	for {
		n, err := rows.ReadRows(buf)
		for _, row := range buf[:n] {
			id, ok := 0, false
			if hasID {
				for _, v := range row {
					if v.Column() == idCol {
						id, ok = valueID(v)
						break
					}
				}
			}
			if !ok {
				for _, v := range row {
					if v.Kind() == parquet.ByteArray && !v.IsNull() {
						if id, ok = firstID(v.ByteArray()); ok {
							break
						}
					}
				}
			}
			if ok {
				found(id)
			} else {
				noID++
			}
		}
		if err == io.EOF {
			return noID, nil
		}
		if err != nil {
			return noID, err
		}
	}
}

// quarantineIDs reads an object stored under the errors prefix that is not
// error rows: a segment as the spool wrote it, or else lines of text.
func quarantineIDs(path string, b []byte, found func(int)) (records, noID int64, how string) {
	if r, err := spool.OpenReader(path); err == nil {
		defer r.Close()
		var rec spool.Record
		var rowsN, rejN int64
		var rerr error
		for {
			if rerr = r.Next(&rec); rerr != nil {
				break
			}
			switch rec.Kind {
			case spool.KindRow:
				rowsN++
				ok := false
				for _, f := range rec.Fields {
					if f.Name == "id" {
						var id int
						if id, ok = firstInt(string(f.Value.AppendText(nil))); ok {
							found(id)
						}
						break
					}
				}
				if !ok {
					noID++
				}
			case spool.KindRejected:
				rejN++
				if id, ok := firstID(rec.Line); ok {
					found(id)
				} else {
					noID++
				}
			default:
				continue
			}
			records++
		}
		how = fmt.Sprintf("a spool segment: %d rows, %d rejected lines", rowsN, rejN)
		if !errors.Is(rerr, io.EOF) {
			how += fmt.Sprintf(" (then %v)", rerr)
		}
		return records, noID, how
	}
	text, err := decompress(path, b)
	if err != nil {
		text = b
	}
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		records++
		if id, ok := firstID(sc.Bytes()); ok {
			found(id)
		} else {
			noID++
		}
	}
	return records, noID, fmt.Sprintf("not a spool segment: %d lines of text", records)
}

func firstInt(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != math.Trunc(f) {
			return 0, false
		}
		return int(f), true
	}
	return n, true
}

// reconcileBook checks the bucket against the ledger and returns a one-line
// summary; each discrepancy is a test error.
func reconcileBook(t testingT, bk *book, l *landed) string {
	t.Helper()
	for _, e := range bk.bad {
		t.Errorf("answer counts: %s", e)
	}
	type span struct {
		lo, hi  int
		outcome string
	}
	var spans []span
	bk.mu.Lock()
	for _, r := range bk.reqs {
		spans = append(spans, span{r.lo, r.hi, r.outcome})
	}
	bk.mu.Unlock()
	outcomeOf := func(id int) string {
		for _, s := range spans {
			if id >= s.lo && id < s.hi {
				return s.outcome
			}
		}
		return ""
	}
	var missing, dup, refusedLanded, strangers, unknownLanded []int
	for _, s := range spans {
		for id := s.lo; id < s.hi; id++ {
			n := len(l.where[id])
			switch {
			case s.outcome == outAcked && n == 0:
				missing = append(missing, id)
			case n > 1:
				dup = append(dup, id)
			case s.outcome == outRefused && n > 0:
				refusedLanded = append(refusedLanded, id)
			case s.outcome == outUnknown && n > 0:
				unknownLanded = append(unknownLanded, id)
			}
		}
	}
	// A request is one batch of the spool, written whole or not at all: one
	// without an answer lands all or nothing.
	for _, s := range spans {
		if s.outcome != outUnknown {
			continue
		}
		n := 0
		for id := s.lo; id < s.hi; id++ {
			if len(l.where[id]) > 0 {
				n++
			}
		}
		if n != 0 && n != s.hi-s.lo {
			t.Errorf("a request without an answer (ids %d..%d) landed in part: %d of %d lines", s.lo, s.hi-1, n, s.hi-s.lo)
		}
	}
	for id := range l.where {
		if outcomeOf(id) == "" {
			strangers = append(strangers, id)
		}
	}
	slices.Sort(strangers)
	few := func(ids []int) string {
		if len(ids) > 8 {
			return fmt.Sprintf("%v…", ids[:8])
		}
		return fmt.Sprint(ids)
	}
	if len(missing) > 0 {
		t.Errorf("LOSS: %d acknowledged lines are not in the bucket (ids %s)", len(missing), few(missing))
	}
	if len(dup) > 0 {
		t.Errorf("DUPLICATES: %d lines landed more than once (ids %s)", len(dup), few(dup))
	}
	if len(refusedLanded) > 0 {
		t.Errorf("%d lines of refused requests landed (ids %s)", len(refusedLanded), few(refusedLanded))
	}
	if len(strangers) > 0 {
		t.Errorf("%d ids landed that were never sent (%s)", len(strangers), few(strangers))
	}
	if l.noID > 0 {
		t.Errorf("%d rows or records without an id", l.noID)
	}
	acked, rejected := bk.ackedLines()
	if acked == 0 {
		t.Errorf("nothing was acknowledged: the case tested nothing")
	}
	var kinds = map[string]int{}
	for _, w := range l.where {
		for _, k := range w {
			kinds[k]++
		}
	}
	return fmt.Sprintf("%d acknowledged lines (%d rejected at ingest) vs landed %d Parquet rows (%d objects, %s; DuckDB footers %d) + %d error rows (%d objects) + %d quarantined records (%d objects); missing %d, duplicated %d, of unknown requests landed %d",
		acked, rejected, l.parquetRows, l.parquetObjects, mib(l.parquetBytes), l.duckdbRows, l.errorRows, l.errorObjects,
		l.quarantineRecords, l.quarantineObjects, len(missing), len(dup), len(unknownLanded))
}
