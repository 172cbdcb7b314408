package cli

import (
	"github.com/datatap/datatap/internal/testenv/fixture"

	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/datatap/datatap/internal/parquetfile"
	"github.com/datatap/datatap/internal/testenv/duckdb"
	"github.com/datatap/datatap/internal/testenv/minio"
	"github.com/datatap/datatap/transform"
)

// catColumns is one column of every type the tap writes, with edge values;
// row i of the file holds value i of each column, NULL past its end.
func catColumns() ([]parquetfile.Column, [][]transform.Value) {
	b := func(v int64) transform.Value { return transform.Value{Type: transform.Boolean, I: v} }
	i32 := func(i int64) transform.Value { return transform.Value{Type: transform.Int32, I: i} }
	i64 := func(i int64) transform.Value { return transform.Value{Type: transform.Int64, I: i} }
	f64 := func(f float64) transform.Value { return transform.Value{Type: transform.Double, F: f} }
	str := func(s string) transform.Value { return transform.Value{Type: transform.Varchar, S: s} }
	ts := func(us int64) transform.Value { return transform.Value{Type: transform.Timestamp, I: us} }
	date := func(d int64) transform.Value { return transform.Value{Type: transform.Date, I: d} }
	js := func(s string) transform.Value { return transform.Value{Type: transform.JSON, S: s} }
	cols := []parquetfile.Column{
		{Name: "bool", Type: transform.Boolean},
		{Name: "int32", Type: transform.Int32},
		{Name: "int64", Type: transform.Int64},
		{Name: "double", Type: transform.Double},
		{Name: "varchar", Type: transform.Varchar},
		{Name: "timestamp", Type: transform.Timestamp},
		{Name: "date", Type: transform.Date},
		{Name: "json", Type: transform.JSON},
		{Name: "név \"quoted\"\n", Type: transform.Varchar},
	}
	values := [][]transform.Value{
		{b(1), b(0)},
		{i32(math.MinInt32), i32(math.MaxInt32), i32(0), i32(-1)},
		{i64(math.MinInt64), i64(math.MaxInt64), i64(1<<53 + 1), i64(0)},
		{f64(math.Copysign(0, -1)), f64(5e-324), f64(math.MaxFloat64), f64(0.1), f64(math.NaN()), f64(math.Inf(1)), f64(math.Inf(-1))},
		{str(""), str("héllo 🦆"), str("tab\t nl\n quote' dq\" bs\\ \u2028"), str("<&>")},
		{ts(-62135596800000000), ts(-1), ts(0), ts(1718000000123456), ts(253402300799999999)},
		{date(-719162), date(-1), date(0), date(19884), date(2932896)},
		{js(`{"a":{"b":[1,2.5,{"c":null}]},"s":"x\"y"}`), js(`[1,"two",null]`), js(`"str"`), js(`-12.5e3`), js(`true`)},
		{str("x")},
	}
	n := 0
	for _, v := range values {
		n = max(n, len(v))
	}
	rows := make([][]transform.Value, n+1) // and a row of NULLs only
	for i := range rows {
		rows[i] = make([]transform.Value, len(cols))
		for c := range cols {
			if i < len(values[c]) {
				rows[i][c] = values[c][i]
			}
		}
	}
	return cols, rows
}

func writeParquet(t *testing.T, path string, cols []parquetfile.Column, rows [][]transform.Value) []byte {
	t.Helper()
	b := fixture.Parquet(t, cols, parquetfile.Options{}, rows)
	if path != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

func runCat(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Cat(context.Background(), args, Streams{Stdout: &out, Stderr: &errOut})
	return out.String(), err
}

// TestCatRoundTrip prints a file holding every type the tap writes and
// checks each cell against what DuckDB reads from the same file.
func TestCatRoundTrip(t *testing.T) {
	duckdb.Require(t)
	cols, rows := catColumns()
	path := filepath.Join(t.TempDir(), "all.parquet")
	writeParquet(t, path, cols, rows)
	out, err := runCat(t, path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(rows) {
		t.Fatalf("cat printed %d lines, want %d:\n%s", len(lines), len(rows), out)
	}
	res, err := duckdb.Run(context.Background(), "SELECT * FROM read_parquet('"+path+"')")
	if err != nil || res[0].Err != "" {
		t.Fatal(err, res[0].Err)
	}
	if len(res[0].Rows) != len(rows) {
		t.Fatalf("duckdb read %d rows, want %d", len(res[0].Rows), len(rows))
	}
	for i, line := range lines {
		d := json.NewDecoder(strings.NewReader(line))
		d.UseNumber()
		var got map[string]any
		if err := d.Decode(&got); err != nil {
			t.Fatalf("line %d is not a JSON object: %v\n%s", i+1, err, line)
		}
		if len(got) != len(cols) {
			t.Errorf("line %d has %d fields, want %d: %s", i+1, len(got), len(cols), line)
		}
		for c, col := range cols {
			g, ok := got[col.Name]
			if !ok {
				t.Errorf("line %d: no field %q: %s", i+1, col.Name, line)
				continue
			}
			want := res[0].Rows[i][c]
			if a, b := canonical(t, col.Type, g, false), canonical(t, col.Type, want, true); a != b {
				t.Errorf("row %d, column %q: cat printed %s, DuckDB read %s", i+1, col.Name, a, b)
			}
		}
	}
}

// canonical renders a cell of type ty, as cat printed it (decoded JSON) or
// as DuckDB read it (see duckdb.Result), in one form for both.
func canonical(t *testing.T, ty transform.Type, v any, fromDuckDB bool) string {
	t.Helper()
	if v == nil {
		return "NULL"
	}
	switch ty {
	case transform.Double:
		switch x := v.(type) {
		case float64:
			return strconv.FormatFloat(x, 'g', -1, 64) + fmt.Sprint(math.Signbit(x))
		case json.Number:
			f, err := strconv.ParseFloat(string(x), 64)
			if err != nil {
				t.Fatal(err)
			}
			return strconv.FormatFloat(f, 'g', -1, 64) + fmt.Sprint(math.Signbit(f))
		case string: // NaN, Infinity, -Infinity in both
			return x
		}
	case transform.Timestamp:
		if fromDuckDB {
			return v.(string) // microseconds since the epoch
		}
		ts, err := time.Parse(time.RFC3339Nano, v.(string))
		if err != nil {
			t.Fatalf("timestamp %v: %v", v, err)
		}
		return strconv.FormatInt(ts.UnixMicro(), 10)
	case transform.JSON:
		text := v
		if fromDuckDB {
			text = json.RawMessage(v.(string))
		}
		b, err := json.Marshal(text)
		if err != nil {
			t.Fatal(err)
		}
		var x any
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		if err := d.Decode(&x); err != nil {
			t.Fatal(err)
		}
		b, _ = json.Marshal(x)
		return string(b)
	}
	return fmt.Sprint(v) // bool, integers (json.Number or DuckDB's digits), text, dates
}

func TestCatTableAndSchema(t *testing.T) {
	dir := t.TempDir()
	writeParquet(t, filepath.Join(dir, "a", "1.parquet"),
		[]parquetfile.Column{{Name: "msg", Type: transform.Varchar}, {Name: "n", Type: transform.Int64}},
		[][]transform.Value{{{Type: transform.Varchar, S: "hello\nworld"}, {Type: transform.Int64, I: 7}}, {{Type: transform.Varchar, S: strings.Repeat("é", 60)}, {}}})
	writeParquet(t, filepath.Join(dir, "b", "2.parquet"),
		[]parquetfile.Column{{Name: "n", Type: transform.Int64}, {Name: "extra", Type: transform.Boolean}},
		[][]transform.Value{{{Type: transform.Int64, I: 12345}, {Type: transform.Boolean, I: 1}}})
	if err := os.WriteFile(filepath.Join(dir, "a", "notes.txt"), []byte("not parquet"), 0o644); err != nil {
		t.Fatal(err)
	}
	whole := writeParquet(t, "", []parquetfile.Column{{Name: "n", Type: transform.Int64}}, [][]transform.Value{{{Type: transform.Int64, I: 1}}})
	cut := filepath.Join(t.TempDir(), "cut.parquet")
	if err := os.WriteFile(cut, whole[:len(whole)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := runCat(t, cut); err == nil || !strings.Contains(err.Error(), "cut.parquet: not a Parquet file, or cut short") {
		t.Errorf("a file cut short: %v", err)
	}

	out, err := runCat(t, "-table", filepath.Join(dir, "**", "*.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	want := "msg" + strings.Repeat(" ", 37) + "      n  extra\n" +
		"────────────────────────────────────────  ─────  ─────\n" +
		"hello world                                   7\n" +
		strings.Repeat("é", 39) + "…   NULL\n" +
		"                                          12345  true\n" +
		"(3 rows)\n"
	if out != want {
		t.Errorf("-table printed\n%s\nwant\n%s", out, want)
	}

	out, err = runCat(t, "-table", "-n", "1", dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(out, "(1 rows shown, more left out: -n ROWS to see more)\n") || strings.Count(out, "\n") != 4 {
		t.Errorf("-table -n 1 printed\n%s", out)
	}

	out, err = runCat(t, "-schema", dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"1.parquet: 2 rows\n  msg  VARCHAR\n  n    BIGINT\n", "2.parquet: 1 rows\n  n      BIGINT\n  extra  BOOLEAN\n"} {
		if !strings.Contains(out, w) {
			t.Errorf("-schema printed\n%s\nwant it to hold\n%s", out, w)
		}
	}

	// What a sender wrote cannot drive the terminal: control characters
	// are escaped in a table (NDJSON escapes them as JSON does).
	writeParquet(t, filepath.Join(dir, "c", "3.parquet"), []parquetfile.Column{{Name: "e", Type: transform.Varchar}},
		[][]transform.Value{{{Type: transform.Varchar, S: "\x1b[31mR\x1b]0;p\x07\x00\u009b"}}})
	out, err = runCat(t, "-table", filepath.Join(dir, "c"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsFunc(out, func(r rune) bool { return unicode.IsControl(r) && r != '\n' }) ||
		!strings.Contains(out, `\u001b[31mR\u001b]0;p\u0007\u0000\u009b`) {
		t.Errorf("-table printed %q", out)
	}

	// A file that is not Parquet, and a path that names nothing, are errors
	// that name them; the other paths are still printed.
	out, err = runCat(t, "-n", "1", filepath.Join(dir, "a", "notes.txt"), filepath.Join(dir, "none"), filepath.Join(dir, "b"))
	if err == nil || !strings.Contains(err.Error(), "notes.txt") || !strings.Contains(err.Error(), "none") || ExitCode(err) != 1 {
		t.Errorf("err = %v, want one naming notes.txt and none, exit code 1", err)
	}
	if out != "{\"n\":12345,\"extra\":true}\n" {
		t.Errorf("printed %q", out)
	}
}

func TestGlobMatch(t *testing.T) {
	f := func(pattern, name string, want bool) {
		t.Helper()
		if got := globMatch(pattern, name); got != want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", pattern, name, got, want)
		}
	}
	f("data/**/*.parquet", "data/x.parquet", true)
	f("data/**/*.parquet", "data/a/b/c/x.parquet", true)
	f("data/**/*.parquet", "data/a/x.ndjson", false)
	f("data/*/x.parquet", "data/a/b/x.parquet", false)
	f("data/*/x.parquet", "data/a/x.parquet", true)
	f("**", "anything/at/all", true)
	f("a/day=0?/*", "a/day=01/f", true)
	f("a/[", "a/[", false) // a bad pattern matches nothing
}

// TestCatS3 reads objects back from a real S3 server (MinIO) through the
// sink's signer: a prefix, and a glob within it.
func TestCatS3(t *testing.T) {
	srv := minio.Start(t)
	for _, kv := range srv.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	cols := []parquetfile.Column{{Name: "i", Type: transform.Int64}}
	ctx := context.Background()
	// More than one ListObjectsV2 page would need 1,000 keys; a few show the
	// order, the prefix and the glob.
	for i, key := range []string{"t/day=02/b.parquet", "t/day=01/a.parquet", "t/day=01/skip.ndjson", "other/c.parquet"} {
		body := writeParquet(t, "", cols, [][]transform.Value{{{Type: transform.Int64, I: int64(i)}}})
		if _, err := srv.Client().PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(srv.Bucket), Key: aws.String(key), Body: bytes.NewReader(body)}); err != nil {
			t.Fatal(err)
		}
	}
	out, err := runCat(t, "s3://"+srv.Bucket+"/t/")
	if err != nil {
		t.Fatal(err)
	}
	if want := "{\"i\":1}\n{\"i\":0}\n"; out != want {
		t.Errorf("s3 prefix: printed %q, want %q", out, want)
	}
	out, err = runCat(t, "s3://"+srv.Bucket+"/t/day=02/*.parquet")
	if err != nil {
		t.Fatal(err)
	}
	if want := "{\"i\":0}\n"; out != want {
		t.Errorf("s3 glob: printed %q, want %q", out, want)
	}
	if _, err := runCat(t, "s3://"+srv.Bucket+"/nothing/"); err == nil || !strings.Contains(err.Error(), "no Parquet files") {
		t.Errorf("empty prefix: err = %v", err)
	}
}
