package flush

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fastjson"

	"github.com/datatap/datatap/internal/sink/dir"
	"github.com/datatap/datatap/internal/spool"
	"github.com/datatap/datatap/internal/testenv/duckdb"
	"github.com/datatap/datatap/transform"
)

// timedSegment spools lines through stmt with the event time expr, as
// ingest does, and returns the sealed segment's path.
func timedSegment(t *testing.T, stmt, expr string, lines ...string) string {
	t.Helper()
	prog, err := transform.Compile(stmt)
	if err != nil {
		t.Fatal(err)
	}
	if prog, err = prog.WithTime(expr); err != nil {
		t.Fatal(err)
	}
	h := spool.HeaderFor(prog)
	if h.Time != expr {
		t.Fatalf("header time %q, want %q", h.Time, expr)
	}
	sp, err := spool.Open(t.TempDir(), h, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	b := spool.NewBatch(prog)
	st := prog.NewState()
	var p fastjson.Parser
	for _, l := range lines {
		rec, err := transform.ParseRecord(&p, []byte(l))
		if err != nil {
			t.Fatal(err)
		}
		if prog.Eval(st, rec) {
			b.AddRowAt(st.Row, st.Partition, st.Time)
		}
	}
	if err := sp.Append(b); err != nil {
		t.Fatal(err)
	}
	path, err := sp.Seal()
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// flushTimed flushes seg under prefix p/%Y/%m/%d/%H/ into out and returns
// the result with its objects' rows by key.
func flushTimed(t *testing.T, seg, out string) (Result, map[string]int64) {
	t.Helper()
	sk, err := dir.New(out)
	if err != nil {
		t.Fatal(err)
	}
	f := &Flusher{Sink: sk, Prefix: "p/%Y/%m/%d/%H/", ErrorsPrefix: "e/%Y/", TempDir: t.TempDir(), CreatedBy: "test"}
	res, err := f.Segment(context.Background(), seg)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]int64{}
	for i, k := range res.Objects {
		rows[k] = res.ObjectRows[i]
	}
	return res, rows
}

// arrivalPrefix is the prefix of the segment's creation time, which its id
// starts with.
func arrivalPrefix(t *testing.T, seg string) string {
	t.Helper()
	id := strings.TrimSuffix(filepath.Base(seg), spool.ExtSealed)
	created, err := time.Parse("20060102T150405", id[:15])
	if err != nil {
		t.Fatal(err)
	}
	return created.UTC().Format("p/2006/01/02/15/")
}

func TestEventTimePrefixes(t *testing.T) {
	seg := timedSegment(t, "SELECT v", "ts",
		`{"ts":"2024-05-01T10:15:00Z","v":1}`,
		`{"ts":"2024-05-01T11:59:59Z","v":2}`,
		`{"ts":"2024-05-01T10:45:00+00:00","v":3}`,
		`{"ts":1714564800,"v":4}`,             // 2024-05-01T12:00:00Z, epoch seconds
		`{"ts":"2019-12-31T23:00:00Z","v":5}`, // very late: still its own hour
		`{"ts":null,"v":6}`,
		`{"v":7}`,
		`{"ts":"yesterday","v":8}`,
		`{"ts":"0000-06-01T00:00:00Z","v":9}`, // year 0: %Y cannot write it in four digits
	)
	id := strings.TrimSuffix(filepath.Base(seg), spool.ExtSealed)
	arrival := arrivalPrefix(t, seg)
	res, rows := flushTimed(t, seg, t.TempDir())
	want := map[string]int64{
		"p/2024/05/01/10/" + id + ".parquet": 2,
		"p/2024/05/01/11/" + id + ".parquet": 1,
		"p/2024/05/01/12/" + id + ".parquet": 1,
		"p/2019/12/31/23/" + id + ".parquet": 1,
		arrival + id + ".parquet":            4,
	}
	if fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Errorf("objects and rows\n got %v\nwant %v", rows, want)
	}
	if res.Rows != 9 || res.TimeFallbacks != 4 {
		t.Errorf("rows %d, time fallbacks %d; want 9 and 4", res.Rows, res.TimeFallbacks)
	}
}

func TestEventTimeWithPartitionsAndRetry(t *testing.T) {
	var lines []string
	for i := range 40 {
		lines = append(lines, fmt.Sprintf(`{"ts":"2024-05-0%dT%02d:30:00Z","k":"%c","v":%d}`, 1+i%2, i%3, 'a'+i%2, i))
	}
	lines = append(lines, `{"k":"a","v":100}`)
	seg := timedSegment(t, "SELECT * EXCLUDE (k) PARTITION BY k", "ts::TIMESTAMP", lines...)
	out1, out2 := t.TempDir(), t.TempDir()
	res1, rows1 := flushTimed(t, seg, out1)
	res2, rows2 := flushTimed(t, seg, out2)
	if !slices.Equal(res1.Objects, res2.Objects) {
		t.Fatalf("a retry wrote other keys:\n%v\n%v", res1.Objects, res2.Objects)
	}
	for _, k := range res1.Objects {
		a, _ := os.ReadFile(filepath.Join(out1, k))
		b, _ := os.ReadFile(filepath.Join(out2, k))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s differs between two flushes of the same segment", k)
		}
	}
	id := strings.TrimSuffix(filepath.Base(seg), spool.ExtSealed)
	// k=a are the even i: day 1; k=b the odd: day 2; hours i%3.
	want := map[string]int64{}
	for i := range 40 {
		want[fmt.Sprintf("p/2024/05/0%d/%02d/k=%c/%s.parquet", 1+i%2, i%3, 'a'+i%2, id)]++
	}
	want[arrivalPrefix(t, seg)+"k=a/"+id+".parquet"]++
	if fmt.Sprint(rows1) != fmt.Sprint(want) || fmt.Sprint(rows2) != fmt.Sprint(want) {
		t.Errorf("objects and rows\n got %v\nwant %v", rows1, want)
	}

	// DuckDB reads every row back from its hour.
	duckdb.Require(t)
	glob := filepath.ToSlash(out1) + "/p/**/*.parquet"
	rs, err := duckdb.Run(context.Background(), fmt.Sprintf(
		`SELECT count(*) AS n, count(*) FILTER (WHERE filename LIKE '%%/' || strftime(ts::TIMESTAMP, '%%Y/%%m/%%d/%%H') || '/%%') AS in_hour FROM read_parquet('%s', filename = true, union_by_name = true)`, glob))
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Err != "" {
		t.Fatal(rs[0].Err)
	}
	got := fmt.Sprint(rs[0].Rows)
	if got != "[[41 40]]" {
		t.Errorf("DuckDB: %s, want 41 rows of which the 40 with a time in their hour's folder", got)
	}
}

func TestEventTimeCap(t *testing.T) {
	var lines []string
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range MaxTimePrefixes + 10 {
		lines = append(lines, fmt.Sprintf(`{"ts":"%s","v":%d}`, base.Add(time.Duration(i)*time.Hour).Format(time.RFC3339), i))
	}
	// The first hour again after the cap: it has its prefix already.
	lines = append(lines, fmt.Sprintf(`{"ts":"%s","v":-1}`, base.Format(time.RFC3339)))
	seg := timedSegment(t, "SELECT v", "ts", lines...)
	res, rows := flushTimed(t, seg, t.TempDir())
	id := strings.TrimSuffix(filepath.Base(seg), spool.ExtSealed)
	if len(rows) != MaxTimePrefixes+1 {
		t.Errorf("%d objects, want %d event-time prefixes and the arrival one", len(rows), MaxTimePrefixes)
	}
	if n := rows[base.Format("p/2006/01/02/15/")+id+".parquet"]; n != 2 {
		t.Errorf("first hour: %d rows, want 2", n)
	}
	if n := rows[arrivalPrefix(t, seg)+id+".parquet"]; n != 10 || res.TimeFallbacks != 10 {
		t.Errorf("arrival prefix: %d rows, %d fallbacks; want 10 past the cap", n, res.TimeFallbacks)
	}
}
