package ingest_test

// The property test of issue 11 ("accepted means writable"), over the whole
// local data path in one process: a body goes through ingest into a spool, the
// spool is sealed and flushed by the real Flusher into a folder sink, and what
// landed is read back with parquet-go's reader, every row of every file.
//
// The promise checked is the one RELIABILITY.md makes to a sender: every line
// ingest acknowledged lands exactly once, as a Parquet row or an error row,
// in files every reader can read, and nothing a sender posts stops the flush.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/datatap/datatap/internal/testenv/fixture"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/datatap/datatap/internal/config"
	"github.com/datatap/datatap/internal/ingest"
	"github.com/datatap/datatap/internal/spool"
	"github.com/datatap/datatap/internal/tap"
	"github.com/datatap/datatap/transform"
)

// propertyStatements are the statements a fuzzed byte picks from: the
// default, explicit columns that read inside an object (the re-marshalling
// path), PARTITION BY on a nested field (partition paths and one file per
// value), and casts of every kind that can fail or widen.
var propertyStatements = []string{
	"SELECT *",
	"SELECT *, user AS u, user.region AS r",
	"SELECT * PARTITION BY user.region",
	"SELECT *, n::INT64 AS n, ts::TIMESTAMP AS ts, user.id::VARCHAR AS uid, o::JSON AS o, n::DOUBLE AS d, d::DATE AS day",
}

// Indexes into propertyStatements, for the seeds.
const (
	stmtStar = iota
	stmtNested
	stmtPartition
	stmtCasts
)

// flushLimit is how long a flush of one small body may take before the test
// calls it blocked. It is not a timing assertion: a healthy flush of any seed
// takes well under a second, and the limit only turns "never returns" into a
// failure with a message.
const flushLimit = 2 * time.Minute

// FuzzAcceptedIsStored: for any body and any of propertyStatements, the
// flush returns nil, the spool is empty afterwards, every object is a
// Parquet file parquet-go reads whole (with valid UTF-8 names and strings,
// and valid JSON in JSON columns), an NDJSON file of valid JSON lines, and
// the rows add up exactly (see reconcile).
func FuzzAcceptedIsStored(f *testing.F) {
	for _, s := range hostileSeeds() {
		f.Add(s.body, s.stmt)
	}
	for _, stmt := range propertyStatements {
		if _, err := transform.Compile(stmt); err != nil {
			f.Fatalf("%s: %v", stmt, err)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, which byte) {
		checkStored(t, propertyStatements[int(which)%len(propertyStatements)], body)
	})
}

type seed struct {
	body []byte
	stmt byte
}

// hostileSeeds is every case of issue 11 that the local path can see, and a
// few more of the same families. Each is small or a single line, so the seed
// corpus stays fast enough for `make test`.
func hostileSeeds() []seed {
	var seeds []seed
	add := func(body string, stmts ...byte) {
		if len(stmts) == 0 {
			stmts = []byte{stmtStar, stmtNested, stmtPartition, stmtCasts}
		}
		for _, s := range stmts {
			seeds = append(seeds, seed{[]byte(body), s})
		}
	}
	// Plain lines first: the property holds for ordinary data.
	add(`{"id":1,"n":"7","ts":"2024-05-01T10:00:00Z","d":"2024-05-01","user":{"id":5,"region":"eu"},"o":{"x":[1,2]}}` + "\n" +
		`{"id":2,"n":8,"user":{"region":"us"}}` + "\nnot json\n[1]\n")

	// Nested keys that differ only in case (one to Athena), or repeat.
	add(`{"o":{"a":1,"A":2},"user":{"id":1,"ID":"x"}}` + "\n" + `{"o":{"a":3}}`)
	add(`{"o":{"k":1,"k":2},"user":[{"r":1,"r":"x"}]}`)
	// An empty key, at the top and nested.
	add(`{"":1}`)
	add(`{"":{"":""},"user":{"":1,"region":""}}`)
	// Keys with invalid UTF-8 (raw bytes), escaped lone surrogates, an
	// encoded surrogate (CESU-8) and an overlong encoding.
	add("{\"k\xff\":1}\n{\"\xc3\":2}\n{\"\xed\xa0\x80\":3}\n{\"\xc0\xaf\":4}")
	add(`{"\ud800":1,"a\udc00b":2,"user":{"\udbff":1,"region":"x"}}`)
	add("{\"user\":{\"region\":\"\xff\xfe\",\"id\":\"\xe2\x82\"}}")
	// Nested strings with control characters, read by the statement and
	// written back as JSON.
	add(`{"user":{"region":"eu\u0007"}}`)
	add(`{"user":{"region":"eu\u0000","name":"a\u0000b\u001fc\u007f"},"o":{"s":"\u0000"}}`)
	add(`{"o":["\u007f","\"\u007f","\\\u0007","\b\f\n\r\t"],"user":{"id":"\u2028\u2029"}}`)
	// Lone surrogates inside nested JSON; a valid pair for contrast.
	add(`{"o":["\ud800"]}`)
	add(`{"o":{"x":"\udfff\ud800","y":"\ud83d\ude00","z":"\ud83d"},"user":{"region":"\udc00"}}`)
	// Partition values a path must not take literally.
	add(`{"user":{"region":"../.."}}`+"\n"+`{"user":{"region":"a/b"}}`+"\n"+`{"user":{"region":"%2F"}}`+"\n"+
		`{"user":{"region":"__HIVE_DEFAULT_PARTITION__"}}`+"\n"+`{"user":{"region":null}}`+"\n"+`{"user":{"region":""}}`+"\n"+
		`{"user":{"region":"."}}`+"\n"+`{"user":{"region":"a=b"}}`+"\n"+`{"user":{"region":{"x":1}}}`+"\n"+`{"user":{"region":1e400}}`,
		stmtPartition)
	add(`{"user":{"region":"`+strings.Repeat("x", 3000)+`"}}`, stmtPartition) // longer than an S3 key
	add(`{"user":{"region":"`+strings.Repeat("é", 600)+`"}}`, stmtPartition)
	// One line with 10,000 keys (issue 11: the flush was OOM-killed at 128 MB).
	add(manyKeysLine(10000), stmtStar)
	// Many distinct keys over many lines (one column each).
	var many strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&many, `{"k%04d":%d,"user":{"region":"r%d"}}`+"\n", i, i, i%7)
	}
	add(many.String(), stmtStar, stmtPartition)
	// Numbers beyond INT64 and DOUBLE.
	add(`{"n":18446744073709551615}` + "\n" + `{"n":1e400}` + "\n" + `{"n":123456789012345678901234567890}` + "\n" +
		`{"n":-9223372036854775809}` + "\n" + `{"n":9007199254740993}` + "\n" + `{"n":-1e400}` + "\n" + `{"n":1e-400}` + "\n" +
		`{"n":-0}` + "\n" + `{"n":-0.0}`)
	add(`{"o":{"big":18446744073709551615,"inf":1e400,"neg":-1e400,"tiny":1e-400},"user":{"id":123456789012345678901234567890}}`)
	// One column with every type in turn, so widening goes all the way.
	add(`{"v":1}` + "\n" + `{"v":18446744073709551615}` + "\n" + `{"v":1.5}` + "\n" + `{"v":true}` + "\n" +
		`{"v":"s"}` + "\n" + `{"v":{"x":1}}` + "\n" + `{"v":[1]}` + "\n" + `{"v":null}`)
	// Duplicate keys, and keys that differ only in case.
	add(`{"a":1,"a":"x","user":{"region":"a","region":"b"}}` + "\n" + `{"a":1,"A":2,"KEY":3,"key":4,"Key":5}`)
	// Deep nesting.
	add(`{"o":`+strings.Repeat(`{"a":`, 500)+`1`+strings.Repeat(`}`, 500)+`}`, stmtStar, stmtCasts)
	add(`{"o":`+strings.Repeat(`[`, 1000)+strings.Repeat(`]`, 1000)+`}`, stmtStar, stmtCasts)
	// Byte order marks, NULs, CRLF, a lone CR.
	add("\xef\xbb\xbf{\"a\":1}\r\n\xef\xbb\xbf{\"a\":2}\r\n{\"a\":3}\r")
	add("{\"a\":1}\x00\n\x00\x00\n{\"a\":\"\x00\"}\n{\"a\x00b\":1}\n\x00{\"a\":2}")
	add("{\"a\":1}\r\n\r\n\r{\"b\":2}\r\n")
	// Keys that look like paths, internal names or reserved words.
	add(`{"a.b":1,"a/b":2,"..":3,".":4,"/":5,"a\\b":6,"datatap":7,"_partition":8,"__HIVE_DEFAULT_PARTITION__":9,` +
		`"schema":10,"select":11,"year":12,"filename":13,"file_row_number":14,"*":15,"%Y":16}`)
	// Emoji, combining characters only, RTL and other invisible marks.
	add(`{"😀":"🏳️‍🌈","\u0301\u0301":"\u0301\u0302\u0303","\u202e":"\u200f\u202b","\ufeff":"\ufeff","\u200b":"x"}`)
	// A very long key and a very long string.
	add(`{"`+strings.Repeat("k", 70000)+`":1,"s":"`+strings.Repeat("s", 200000)+`"}`, stmtStar)
	// Cast inputs at and beyond the ends of their types.
	add(`{"ts":"9999-12-31T23:59:59.999999999Z","d":"0001-01-01"}`+"\n"+`{"ts":1e30,"d":"9999-12-31"}`+"\n"+
		`{"ts":"0000-01-01T00:00:00Z","d":"-1-01-01"}`+"\n"+`{"ts":-1e20,"d":1e400}`+"\n"+`{"ts":"2024-02-30T00:00:00Z"}`+"\n"+
		`{"n":"18446744073709551615","user":{"id":1e400}}`, stmtCasts)
	// Shapes the statements do not expect.
	add(`{"user":"notobj"}` + "\n" + `{"user":[1,2]}` + "\n" + `{"user":null}` + "\n" + `{"user":{"region":["a"]}}` + "\n" +
		`1` + "\n" + `"x"` + "\n" + `null` + "\n" + `{` + "\n" + `{}`)
	return seeds
}

// manyKeysLine is one object with n distinct keys.
func manyKeysLine(n int) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"key_%05d":%d`, i, i)
	}
	b.WriteByte('}')
	return b.String()
}

// FuzzShapesAreStored is FuzzAcceptedIsStored for the other body shapes
// (shape.go): the lines of a body wrapped into a JSON array, a TAP_UNNEST
// envelope, NDJSON of envelopes, or left as they are with TAP_UNNEST set.
// Elements go through the same strictness and U+FFFD rules as lines, so the
// promise is the same: everything accepted or rejected lands exactly once,
// readable.
func FuzzShapesAreStored(f *testing.F) {
	for i, s := range hostileSeeds() {
		f.Add(s.body, s.stmt, byte(i))
	}
	f.Add([]byte(`{"a":1}`+"\n"+`2`+"\n"+`"x"`+"\n"+`{"a":`), byte(stmtStar), byte(0))
	f.Add([]byte(`[{"a":1},[{"b":2}]]`), byte(stmtNested), byte(1))
	f.Fuzz(func(t *testing.T, body []byte, which, shape byte) {
		checkStored(t, propertyStatements[int(which)%len(propertyStatements)], wrap(body, shape), "TAP_UNNEST", "logs")
	})
}

// wrap puts the non-blank lines of body into one of four shapes.
func wrap(body []byte, shape byte) []byte {
	var lines [][]byte
	for _, l := range bytes.Split(body, []byte("\n")) {
		if l = bytes.TrimSpace(l); len(l) > 0 {
			lines = append(lines, l)
		}
	}
	array := append(append([]byte("["), bytes.Join(lines, []byte(",\n"))...), ']')
	switch shape % 4 {
	case 0:
		return array
	case 1:
		return append(append([]byte(`{"source":"fuzz","logs":`), array...), '}')
	case 2:
		var b []byte
		for _, l := range lines {
			b = append(append(append(b, `{"logs":[`...), l...), "]}\n"...)
		}
		return b
	}
	return body
}

// checkStored runs body through ingest and a flush, and checks what landed.
// vars are more settings, as name, value pairs.
func checkStored(t *testing.T, stmt string, body []byte, vars ...string) {
	t.Helper()
	defer func() {
		if t.Failed() {
			t.Logf("statement %q, body (%d bytes): %q", stmt, len(body), clip(body))
		}
	}()
	// Wired as serve wires it (internal/server): the configuration with
	// every default but the statement and the two folders, the Flusher it
	// describes (a folder sink, as TAP_BUCKET is not set), and the spool.
	spoolDir, outDir := t.TempDir(), t.TempDir()
	env := map[string]string{"TAP_TRANSFORM": stmt, "TAP_DIR": outDir, "TAP_SPOOL_DIR": spoolDir}
	for i := 0; i+1 < len(vars); i += 2 {
		env[vars[i]] = vars[i+1]
	}
	cfg, err := config.Load(func(name string) (string, bool) { v, ok := env[name]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), flushLimit)
	defer cancel()
	fl, err := tap.NewFlusher(ctx, cfg, "datatap property test")
	if err != nil {
		t.Fatal(err)
	}
	sp, err := spool.Open(cfg.SpoolDir, spool.HeaderFor(cfg.Program), cfg.SpoolMaxBytes)
	if err != nil {
		t.Fatal(err)
	}
	in := ingest.New(cfg.Program, sp, ingest.Limits{MaxBodyBytes: cfg.MaxBodyBytes, MaxLineBytes: cfg.MaxLineBytes}, ingest.ShapesOf(cfg))
	var c ingest.Counts
	if err := noPanic(func() error { c, err = in.Ingest(body, ""); return err }); err != nil {
		if errors.Is(err, ingest.ErrTooLarge) {
			return // refused whole: nothing was accepted, nothing to store
		}
		t.Fatalf("%s: ingest: %v", stmt, err)
	}

	// The flush must return, and return nil: a line ingest accepted is
	// never a reason for the flush to fail (issue 11, "no poison pills").
	done := make(chan error, 1)
	go func() {
		done <- noPanic(func() error {
			if _, err := sp.Seal(); err != nil {
				return fmt.Errorf("seal: %w", err)
			}
			return fl.All(ctx, sp)
		})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("%s: flush failed after ingest accepted %d and rejected %d lines: %v", stmt, c.Accepted, c.Rejected, err)
		}
	case <-time.After(flushLimit + 10*time.Second):
		t.Fatalf("%s: flush did not return within %v (blocked)", stmt, flushLimit)
	}

	// The spool is empty: no segment waits, no temporary folder is left.
	if left := fixture.SpoolLeftovers(t, spoolDir); len(left) > 0 {
		t.Errorf("%s: left in the spool after the flush: %v", stmt, left)
	}

	st := readStored(t, outDir)
	reconcile(t, stmt, c, st)
}

// noPanic runs fn and turns a panic into an error with its stack, so that
// one seed that crashes the flush is reported as that seed failing (and the
// other seeds still run) instead of ending the test binary.
func noPanic(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	return fn()
}

// stored is what a folder sink holds after the flush.
type stored struct {
	parquetRows int64    // rows read back from every Parquet file
	errorLines  int64    // lines of every NDJSON error file
	quarantined int64    // records (rows and rejected lines) of quarantined segments
	objects     []string // every object, for messages
}

// readStored reads every object under root: Parquet files whole with
// parquet-go, NDJSON files line by line, and anything else as a quarantined
// spool segment. Every problem is reported with the object's key.
func readStored(t *testing.T, root string) stored {
	t.Helper()
	var st stored
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && d.Name() == "_datatap" {
			return fs.SkipDir // the table schema (flush.TableSchemaName)
		}
		if err != nil || d.IsDir() {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") { // a sink's temporary file; readers skip these
			return nil
		}
		key, _ := filepath.Rel(root, path)
		key = filepath.ToSlash(key)
		st.objects = append(st.objects, key)
		if msg := checkKey(key); msg != "" {
			t.Errorf("%s: %s", key, msg)
		}
		switch {
		case strings.HasSuffix(key, ".parquet"):
			n, err := readParquet(path)
			if err != nil {
				t.Errorf("%s: %v", key, err)
			}
			st.parquetRows += n
		case strings.HasSuffix(key, ".ndjson"):
			n, err := readNDJSON(path)
			if err != nil {
				t.Errorf("%s: %v", key, err)
			}
			st.errorLines += n
		default:
			n, err := readQuarantined(path)
			if err != nil {
				t.Errorf("%s: neither Parquet, NDJSON nor a whole spool segment: %v", key, err)
			}
			st.quarantined += n
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// checkKey says what a reader would refuse in an object key, or "". Keys
// must be UTF-8 (S3 requires it), and Hive-style readers (DuckDB's
// hive_partitioning, on by default for such paths) URL-decode the value of
// every name=value folder and refuse one that decodes to invalid UTF-8.
func checkKey(key string) string {
	if !utf8.ValidString(key) {
		return "key is not valid UTF-8"
	}
	for _, seg := range strings.Split(key, "/") {
		_, value, ok := strings.Cut(seg, "=")
		if !ok {
			continue
		}
		if v, err := url.PathUnescape(value); err == nil && !utf8.ValidString(v) {
			return fmt.Sprintf("partition folder %q decodes to invalid UTF-8 (DuckDB: \"Failed to decode string using URL decoding\")", seg)
		}
	}
	return ""
}

// reconcile checks the counts. Ingest accepted c.Accepted rows and rejected
// c.Rejected lines (kept for the error output); the flush may move a row it
// cannot write to the error output as an error row with its reason (issue
// 11, "a row that cannot be written goes to the error output"), and may store
// a segment it cannot flush at all whole under the errors prefix (a
// quarantine object). The error output's lines cannot be told apart by
// origin without knowing each reason's wording, so the check is on totals:
//
//   - every acknowledged line is stored exactly once, somewhere:
//     Parquet rows + error lines + quarantined records = accepted + rejected;
//   - an error line is never invented from nothing and no row is written
//     twice: Parquet rows ≤ accepted and error lines ≥ rejected when nothing
//     was quarantined.
//
// A quarantine counts as stored for the first check (nothing is lost), but
// it still fails this test: here the sink is a local folder and the segment
// was made by ingest from one body a moment ago, so nothing can be
// transient, and a quarantine means ingest accepted content the flush cannot
// write, which is what "accepted means writable" forbids.
func reconcile(t *testing.T, stmt string, c ingest.Counts, st stored) {
	t.Helper()
	want := int64(c.Accepted + c.Rejected)
	got := st.parquetRows + st.errorLines + st.quarantined
	if got != want {
		what := "LOSS"
		if got > want {
			what = "DUPLICATES"
		}
		t.Errorf("%s: %s: ingest accepted %d rows and rejected %d lines (%d to store) but %d landed: %d Parquet rows, %d error lines, %d quarantined records; objects %v",
			stmt, what, c.Accepted, c.Rejected, want, got, st.parquetRows, st.errorLines, st.quarantined, st.objects)
	}
	if st.quarantined > 0 {
		t.Errorf("%s: QUARANTINED %d records: the flush could not write what ingest accepted; objects %v", stmt, st.quarantined, st.objects)
	} else if got == want && (st.parquetRows > int64(c.Accepted) || st.errorLines < int64(c.Rejected)) {
		t.Errorf("%s: %d Parquet rows for %d accepted, %d error lines for %d rejected", stmt, st.parquetRows, c.Accepted, st.errorLines, c.Rejected)
	}
}

// leafKind is what a reader checks in a column's values.
type leafKind int

const (
	kindOther  leafKind = iota
	kindString          // STRING: valid UTF-8
	kindJSON            // JSON: one valid JSON text in valid UTF-8
)

// readParquet opens a file with parquet-go, checks its schema names, reads
// every row of every row group (decoding every page) and checks every string
// and JSON value. It returns the rows the footer declares, so that a file
// with a bad value is reported as unreadable rather than as lost rows; rows
// read that differ from the footer's count are an error.
func readParquet(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return 0, err
	}
	pf, err := parquet.OpenFile(f, info.Size())
	if err != nil {
		return 0, fmt.Errorf("parquet-go cannot open it: %w", err)
	}
	return pf.NumRows(), readRows(pf)
}

func readRows(pf *parquet.File) error {
	var kinds []leafKind
	var problems []string
	var walk func(n parquet.Node, path []string)
	walk = func(n parquet.Node, path []string) {
		if n.Leaf() {
			k := kindOther
			if lt := n.Type().LogicalType(); lt != nil {
				switch lt.Value.(type) {
				case *format.StringType:
					k = kindString
				case *format.JsonType:
					k = kindJSON
				}
			}
			kinds = append(kinds, k)
			return
		}
		for _, fl := range n.Fields() {
			name := fl.Name()
			switch {
			case name == "":
				problems = append(problems, fmt.Sprintf("column %q has an empty name", strings.Join(append(path, name), ".")))
			case !utf8.ValidString(name):
				problems = append(problems, fmt.Sprintf("column name %q is not valid UTF-8", name))
			}
			walk(fl, append(path, name))
		}
	}
	walk(pf.Schema(), nil)
	if len(problems) > 0 {
		return fmt.Errorf("schema: %s", strings.Join(problems[:min(5, len(problems))], "; "))
	}

	var total int64
	buf := make([]parquet.Row, 64)
	for g, rg := range pf.RowGroups() {
		rows := rg.Rows()
		var n int64
		for {
			k, err := rows.ReadRows(buf)
			for _, row := range buf[:k] {
				for _, v := range row {
					if v.IsNull() || v.Column() < 0 || v.Column() >= len(kinds) || kinds[v.Column()] == kindOther {
						continue
					}
					if msg := checkValue(kinds[v.Column()], v.ByteArray()); msg != "" {
						rows.Close()
						return fmt.Errorf("row group %d, row %d, column %d: %s", g, n, v.Column(), msg)
					}
				}
				n++
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				rows.Close()
				return fmt.Errorf("row group %d: reading rows: %w", g, err)
			}
		}
		rows.Close()
		if n != rg.NumRows() {
			return fmt.Errorf("row group %d: read %d rows, footer says %d", g, n, rg.NumRows())
		}
		total += n
	}
	if total != pf.NumRows() {
		return fmt.Errorf("read %d rows, footer says %d", total, pf.NumRows())
	}
	return nil
}

// checkValue says what a reader would refuse in one value, or "".
func checkValue(k leafKind, b []byte) string {
	switch k {
	case kindString:
		if !utf8.Valid(b) {
			return fmt.Sprintf("STRING value is not valid UTF-8: %q", clip(b))
		}
	case kindJSON:
		if msg := strictJSON(b); msg != "" {
			return fmt.Sprintf("JSON value %s: %q", msg, clip(b))
		}
	}
	return ""
}

// strictJSON says why b is not a JSON text DuckDB's reader accepts, or "".
// encoding/json's grammar check lets invalid UTF-8 and lone surrogate
// escapes through; DuckDB refuses both ("Invalid unicode"), so they are
// checked here too.
func strictJSON(b []byte) string {
	if !json.Valid(b) {
		return "is not valid JSON"
	}
	if !utf8.Valid(b) {
		return "is not valid UTF-8"
	}
	if i := loneSurrogate(b); i >= 0 {
		return fmt.Sprintf("has a lone surrogate escape at byte %d", i)
	}
	return ""
}

// loneSurrogate returns the offset of the first \uD800–\uDFFF escape in the
// valid JSON text b that is not half of a high-low pair, or -1.
func loneSurrogate(b []byte) int {
	hex4 := func(i int) (rune, bool) { // the 4 hex digits after "\u" at b[i]
		if i+6 > len(b) || b[i] != '\\' || b[i+1] != 'u' {
			return 0, false
		}
		var r rune
		for _, c := range b[i+2 : i+6] {
			switch {
			case '0' <= c && c <= '9':
				r = r<<4 | rune(c-'0')
			case 'a' <= c && c <= 'f':
				r = r<<4 | rune(c-'a'+10)
			case 'A' <= c && c <= 'F':
				r = r<<4 | rune(c-'A'+10)
			default:
				return 0, false
			}
		}
		return r, true
	}
	inString := false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			inString = !inString
		case inString && c == '\\':
			r, ok := hex4(i)
			if !ok {
				i++ // a two-character escape such as \" or \\
				continue
			}
			switch {
			case 0xD800 <= r && r <= 0xDBFF:
				lo, ok := hex4(i + 6)
				if !ok || lo < 0xDC00 || lo > 0xDFFF {
					return i
				}
				i += 11
			case 0xDC00 <= r && r <= 0xDFFF:
				return i
			default:
				i += 5
			}
		}
	}
	return -1
}

// readNDJSON counts the lines of an error file and checks that each is one
// valid JSON object a reader accepts.
func readNDJSON(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	if len(b) > 0 && b[len(b)-1] != '\n' {
		return 0, errors.New("does not end with a newline")
	}
	var n int64
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		line := b[:i]
		b = b[i+1:]
		n++
		if msg := strictJSON(line); msg != "" {
			return n, fmt.Errorf("line %d %s: %q", n, msg, clip(line))
		}
		if len(line) == 0 || line[0] != '{' {
			return n, fmt.Errorf("line %d is not a JSON object: %q", n, clip(line))
		}
	}
	return n, nil
}

// readQuarantined reads an object that is neither Parquet nor NDJSON as a
// spool segment stored whole ("as it is", issue 11) and counts its rows and
// rejected lines: each is one acknowledged line, stored.
func readQuarantined(path string) (int64, error) {
	r, err := spool.OpenReader(path)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	var n int64
	var rec spool.Record
	for {
		err := r.Next(&rec)
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if rec.Kind == spool.KindRow || rec.Kind == spool.KindRejected {
			n++
		}
	}
}

func clip(b []byte) []byte {
	if len(b) > 120 {
		return b[:120]
	}
	return b
}
