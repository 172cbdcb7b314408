package flush

import (
	"github.com/datatap/datatap/internal/testenv/fixture"

	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/datatap/datatap/internal/sink/dir"
	"github.com/datatap/datatap/internal/spool"
	"github.com/datatap/datatap/transform"
)

// batchOf is one request: lines through the statement, then, when set,
// rows added as they are (fields ingest would not produce) and counts.
type batchOf struct {
	lines []string
	rows  [][]transform.Field
	lossy spool.Lossy
}

// spoolBatches writes batches into a new segment whose header has the given
// version (2: batches without their schema, as an older tap wrote them).
func spoolBatches(t *testing.T, prog *transform.Program, version int, batches []batchOf) string {
	t.Helper()
	h := spool.HeaderFor(prog)
	h.Version = version
	sp, err := spool.Open(t.TempDir(), h, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	b := spool.NewBatch(prog)
	for _, bt := range batches {
		b.Reset()
		filtered := fixture.AddLines(b, prog, bt.lines...)
		for _, r := range bt.rows {
			b.AddRow(r, nil)
		}
		if filtered > 0 {
			b.AddFiltered(filtered)
		}
		b.AddLossy(bt.lossy)
		if err := sp.Append(b); err != nil {
			t.Fatal(err)
		}
	}
	seg, err := sp.Seal()
	if err != nil {
		t.Fatal(err)
	}
	return seg
}

// flushed flushes seg and returns the result and each object's bytes, in
// the order of Result.Objects; the times of refused rows (the segment's
// creation) are left out of the error output.
func flushed(t *testing.T, seg string, maxColumns int) (Result, [][]byte) {
	t.Helper()
	out := t.TempDir()
	sk, err := dir.New(out)
	if err != nil {
		t.Fatal(err)
	}
	f := &Flusher{Sink: sk, Prefix: "p/", ErrorsPrefix: "e/", TempDir: t.TempDir(), CreatedBy: "test", MaxColumns: maxColumns}
	res, err := f.Segment(context.Background(), seg)
	if err != nil {
		t.Fatal(err)
	}
	return res, flushedObjects(t, out, res)
}

// flushedObjects reads the objects of res from the folder out.
func flushedObjects(t *testing.T, out string, res Result) [][]byte {
	t.Helper()
	var objects [][]byte
	for _, key := range res.Objects {
		b, err := os.ReadFile(filepath.Join(out, key))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(key, ".ndjson") {
			var lines []string
			for _, l := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
				s := string(l)
				if strings.Contains(s, `"reason":"flush:`) {
					s = s[strings.Index(s, `,"reason"`):]
				}
				lines = append(lines, s)
			}
			b = []byte(strings.Join(lines, "\n"))
		}
		objects = append(objects, b)
	}
	return objects
}

// TestOnePassMatchesTwoPasses: a segment whose batches carry their schema
// (read once) flushes to the same bytes, counts and error lines as the same
// batches in a version 2 segment (read twice, scan inferring the columns),
// across batches that widen types, add fields, overflow the column cap,
// hold rows without fields, rows the writer refuses, fields that cannot be
// columns, and no rows at all.
func TestOnePassMatchesTwoPasses(t *testing.T) {
	i64 := func(n int64) transform.Value { return transform.Value{Type: transform.Int64, I: n} }
	cases := []struct {
		stmt       string
		maxColumns int
		batches    []batchOf
	}{
		{"SELECT *", 0, []batchOf{
			{lines: []string{`{"a":1,"b":"x"}`, `{"c":{"k":1}}`, `not json`, `{"b":"y","a":2}`}},
			{lines: []string{`{"a":2.5,"d":true}`, `{}`, `{"d":"2024-01-01","e":null}`}, lossy: spool.Lossy{RoundedNumbers: 2}},
			{lines: []string{`{"e":"2024-01-01T00:00:00Z","b":3,"a":"s"}`, `{"e":"2024-01-02"}`}},
			{rows: [][]transform.Field{
				{{Name: "n", Value: i64(1)}, {Name: "j", Value: transform.Value{Type: transform.JSON, S: `{"a":`}}},
				{{Name: "", Value: i64(2)}, {Name: "a", Value: i64(3)}},
			}, lines: []string{`{oops`}},
			{lines: []string{`[bad`, `{"a":null}`}}, // a rejected line after the refused row
		}},
		{"SELECT n::INT64 AS n, *, x WHERE keep IS NULL", 0, []batchOf{
			{lines: []string{`{"n":"1","a":1,"x":1}`, `{"keep":1}`, `{"b":2,"a":2.5,"c":true}`}},
			{lines: []string{`{"keep":2}`, `{"x":"s","z":[1]}`, `{}`}, lossy: spool.Lossy{CastFailures: 1, DuplicateFields: 3}},
		}},
		{"SELECT *", 4, []batchOf{
			{lines: []string{`{"a":1,"b":2}`, `{"c":3,"_overflow":4}`}},
			{lines: []string{`{"d":1,"e":2,"a":"x"}`, `{"f":{"g":1},"a":5}`, `{}`}},
		}},
		{"SELECT a, * EXCLUDE (a), b::DOUBLE AS bb", 3, []batchOf{
			{lines: []string{`{"a":1,"b":2,"c":3,"d":4}`}},
			{lines: []string{`{"e":1}`, `{"a":"x","c":"y"}`}},
		}},
		{"SELECT *", 0, []batchOf{{lines: []string{`{}`, `{}`}}, {lines: []string{`{}`}}}},
		{"SELECT * EXCLUDE (a)", 0, []batchOf{{lines: []string{`{"a":1}`, `{}`}}}},
		{"SELECT *", 0, []batchOf{{lines: []string{`nope`, `[`}}, {lossy: spool.Lossy{RoundedNumbers: 1}}}},
		{"SELECT * WHERE false", 0, []batchOf{{lines: []string{`{"a":1}`, `x`}}}},
	}
	for i, c := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			prog, err := transform.Compile(c.stmt)
			if err != nil {
				t.Fatal(err)
			}
			old := spoolBatches(t, prog, 2, c.batches)
			seg := spoolBatches(t, prog, spool.HeaderVersion, c.batches)
			if r, err := spool.OpenReader(seg); err != nil || r.Header.Version < spool.SchemaVersion {
				t.Fatalf("segment of version %d (%v), want a schema per batch", r.Header.Version, err)
			} else {
				r.Close()
			}
			wantRes, want := flushed(t, old, c.maxColumns)
			gotRes, got := flushed(t, seg, c.maxColumns)
			if len(want) == 0 {
				t.Fatalf("%s: the old path wrote nothing", c.stmt)
			}
			if gotRes.Rows != wantRes.Rows || gotRes.Filtered != wantRes.Filtered || gotRes.Rejected != wantRes.Rejected ||
				gotRes.Lossy != wantRes.Lossy || !slices.Equal(gotRes.ObjectRows, wantRes.ObjectRows) {
				t.Errorf("%s: result %+v\nwant %+v", c.stmt, gotRes, wantRes)
			}
			if len(got) != len(want) {
				t.Fatalf("%s: %d objects, want %d", c.stmt, len(got), len(want))
			}
			for k := range want {
				if !bytes.Equal(got[k], want[k]) {
					t.Errorf("%s: object %s differs (%d bytes, want %d)\n%.400q\nwant\n%.400q", c.stmt, gotRes.Objects[k], len(got[k]), len(want[k]), got[k], want[k])
				}
			}
		})
	}
}

// FuzzOnePassMatchesTwoPasses is TestOnePassMatchesTwoPasses for arbitrary
// lines: data is split into batches at "\n\n" and into lines at "\n"; the
// first byte picks the statement and the column cap.
func FuzzOnePassMatchesTwoPasses(f *testing.F) {
	f.Add([]byte("\x00" + `{"a":1,"b":"x"}` + "\n" + `{"b":2.5,"c":[1]}` + "\n\n" + `{"a":"s"}` + "\n" + `nope` + "\n" + `{}`))
	f.Add([]byte("\x05" + `{"a":1,"b":2,"c":3,"d":4,"e":5}` + "\n\n" + `{"f":1,"a":{"x":1}}` + "\n" + `{"":1}`))
	f.Add([]byte("\x02" + `{"n":"7","keep":true,"x":1}` + "\n" + `{"keep":false}` + "\n\n" + `{"x":"2024-01-01","z":null}`))
	stmts := []string{"SELECT *", "SELECT * EXCLUDE (a)", "SELECT n::INT64 AS n, *, x WHERE keep IS NOT false", "SELECT a, b::DOUBLE AS b2"}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 || len(data) > 4096 {
			return
		}
		pick := int(data[0])
		prog, err := transform.Compile(stmts[pick%len(stmts)])
		if err != nil {
			t.Fatal(err)
		}
		maxColumns := 2 + pick/len(stmts)%5
		var batches []batchOf
		for _, chunk := range strings.Split(string(data[1:]), "\n\n") {
			batches = append(batches, batchOf{lines: strings.Split(chunk, "\n")})
		}
		old := spoolBatches(t, prog, 2, batches)
		seg := spoolBatches(t, prog, spool.HeaderVersion, batches)
		wantRes, want, wantErr := flushedOrError(t, old, maxColumns)
		gotRes, got, gotErr := flushedOrError(t, seg, maxColumns)
		if (wantErr == nil) != (gotErr == nil) {
			t.Fatalf("errors: two passes %v, one pass %v", wantErr, gotErr)
		}
		if wantErr != nil {
			return
		}
		if gotRes.Rows != wantRes.Rows || gotRes.Filtered != wantRes.Filtered || gotRes.Rejected != wantRes.Rejected ||
			gotRes.Lossy != wantRes.Lossy || !slices.Equal(gotRes.ObjectRows, wantRes.ObjectRows) || len(got) != len(want) {
			t.Fatalf("result %+v\nwant %+v", gotRes, wantRes)
		}
		for k := range want {
			if !bytes.Equal(got[k], want[k]) {
				t.Fatalf("object %s differs", gotRes.Objects[k])
			}
		}
	})
}

// flushedOrError is flushed, returning the error instead of failing.
func flushedOrError(t *testing.T, seg string, maxColumns int) (res Result, objects [][]byte, err error) {
	t.Helper()
	out := t.TempDir()
	sk, err := dir.New(out)
	if err != nil {
		t.Fatal(err)
	}
	f := &Flusher{Sink: sk, Prefix: "p/", ErrorsPrefix: "e/", TempDir: t.TempDir(), CreatedBy: "test", MaxColumns: maxColumns}
	if res, err = f.Segment(context.Background(), seg); err != nil {
		return res, nil, err
	}
	return res, flushedObjects(t, out, res), nil
}
