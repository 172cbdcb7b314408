package parquetfile_test

import (
	"github.com/datatap/datatap/internal/testenv/fixture"

	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/valyala/fastjson"

	"github.com/datatap/datatap/internal/parquetfile"
	"github.com/datatap/datatap/internal/testenv/duckdb"
	"github.com/datatap/datatap/transform"
)

// query runs statements in DuckDB and fails the test on any error.
func query(t testing.TB, statements ...string) []duckdb.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := duckdb.Run(ctx, statements...)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != "" {
			t.Fatalf("duckdb: %s\n%s", statements[i], r.Err)
		}
	}
	return res
}

// lit quotes s as an SQL string literal.
func lit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// writeFile writes rows to a new file in a temporary folder and returns its
// path.
func writeFile(t testing.TB, cols []parquetfile.Column, opt parquetfile.Options, rows [][]transform.Value) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "out.parquet")
	if err := os.WriteFile(path, fixture.Parquet(t, cols, opt, rows), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// cell is how duckdb.Run reports a value (see duckdb.Result).
type cell = any

// roundTripCase is one column of the round-trip test: values written and the
// cells DuckDB must read back, NULL included.
type roundTripCase struct {
	col    parquetfile.Column
	values []transform.Value
	want   []cell
}

func roundTripCases(t *testing.T) []roundTripCase {
	null := transform.Value{}
	b := func(v bool) transform.Value {
		if v {
			return transform.Value{Type: transform.Boolean, I: 1}
		}
		return transform.Value{Type: transform.Boolean}
	}
	i32 := func(i int64) transform.Value { return transform.Value{Type: transform.Int32, I: i} }
	i64 := func(i int64) transform.Value { return transform.Value{Type: transform.Int64, I: i} }
	f64 := func(f float64) transform.Value { return transform.Value{Type: transform.Double, F: f} }
	str := func(s string) transform.Value { return transform.Value{Type: transform.Varchar, S: s} }
	ts := func(us int64) transform.Value { return transform.Value{Type: transform.Timestamp, I: us} }
	date := func(d int64) transform.Value { return transform.Value{Type: transform.Date, I: d} }
	jsonText := func(s string) transform.Value { return transform.Value{Type: transform.JSON, S: s} }
	clock := func(us int64) transform.Value { return transform.Value{Type: transform.Time, I: us} }
	uuid := func(s string) transform.Value { return transform.Value{Type: transform.UUID, S: s} }
	typed := func(t transform.Type, i int64) transform.Value { return transform.Value{Type: t, I: i} }
	f32 := func(f float64) transform.Value { return transform.Value{Type: transform.Float, F: float64(float32(f))} }
	var p fastjson.Parser
	parsed, err := p.Parse(`{"a": {"b": [1, 2.5, {"c": null}]}, "t": true, "s": "x\"y"}`)
	if err != nil {
		t.Fatal(err)
	}
	jsonParsed := transform.Value{Type: transform.JSON, J: parsed}
	itoa := func(i int64) cell { return strconv.FormatInt(i, 10) }
	long := strings.Repeat("long value é ", 2000)

	return []roundTripCase{
		{
			parquetfile.Column{Name: "bool", Type: transform.Boolean},
			[]transform.Value{b(true), b(false), null},
			[]cell{true, false, nil},
		},
		{
			parquetfile.Column{Name: "int32", Type: transform.Int32},
			[]transform.Value{i32(math.MinInt32), i32(math.MaxInt32), i32(0), i32(-1), null},
			[]cell{itoa(math.MinInt32), itoa(math.MaxInt32), "0", "-1", nil},
		},
		{
			parquetfile.Column{Name: "int64", Type: transform.Int64},
			[]transform.Value{i64(math.MinInt64), i64(math.MaxInt64), i64(1<<53 + 1), i64(-(1<<53 + 1)), i64(0), null},
			[]cell{itoa(math.MinInt64), itoa(math.MaxInt64), "9007199254740993", "-9007199254740993", "0", nil},
		},
		{
			parquetfile.Column{Name: "double", Type: transform.Double},
			[]transform.Value{f64(math.Copysign(0, -1)), f64(5e-324), f64(math.MaxFloat64), f64(-1.5), f64(0.1), f64(math.NaN()), f64(math.Inf(1)), f64(math.Inf(-1)), null},
			[]cell{math.Copysign(0, -1), 5e-324, math.MaxFloat64, -1.5, 0.1, "NaN", "Infinity", "-Infinity", nil},
		},
		{
			parquetfile.Column{Name: "varchar", Type: transform.Varchar},
			[]transform.Value{str(""), str("héllo wörld"), str("duck 🦆, family 👩‍👩‍👧, flag 🇫🇷"), str("e\u0301 combining, a\u0308\u0301 two"), str("tab\t nl\n quote' dq\" bs\\"), str(long), str("bad \xff utf-8 \xc3"), null},
			[]cell{"", "héllo wörld", "duck 🦆, family 👩‍👩‍👧, flag 🇫🇷", "e\u0301 combining, a\u0308\u0301 two", "tab\t nl\n quote' dq\" bs\\", long, "bad \ufffd utf-8 \ufffd", nil},
		},
		{
			parquetfile.Column{Name: "timestamp", Type: transform.Timestamp},
			[]transform.Value{ts(-62135596800000000), ts(-1), ts(0), ts(1718000000123456), ts(253402300799999999), null},
			[]cell{"-62135596800000000", "-1", "0", "1718000000123456", "253402300799999999", nil},
		},
		{
			parquetfile.Column{Name: "date", Type: transform.Date},
			[]transform.Value{date(-719162), date(-1), date(0), date(19884), date(2932896), null},
			[]cell{"0001-01-01", "1969-12-31", "1970-01-01", "2024-06-10", "9999-12-31", nil},
		},
		{
			parquetfile.Column{Name: "time", Type: transform.Time},
			[]transform.Value{clock(0), clock(1), clock(36_671_500_000), clock(86_399_999_999), clock(86_400_000_000), null},
			[]cell{"00:00:00", "00:00:00.000001", "10:11:11.5", "23:59:59.999999", "24:00:00", nil},
		},
		{
			parquetfile.Column{Name: "uuid", Type: transform.UUID},
			[]transform.Value{uuid("00000000-0000-0000-0000-000000000000"), uuid("550e8400-e29b-41d4-a716-446655440000"), uuid("ffffffff-ffff-ffff-ffff-ffffffffffff"), null},
			[]cell{"00000000-0000-0000-0000-000000000000", "550e8400-e29b-41d4-a716-446655440000", "ffffffff-ffff-ffff-ffff-ffffffffffff", nil},
		},
		{
			parquetfile.Column{Name: "json", Type: transform.JSON},
			[]transform.Value{jsonParsed, jsonText(`{"nested":{"deep":[[],{}],"u":"é🦆"}}`), jsonText(`[1,"two",null]`), jsonText(`"str"`), jsonText(`-12.5e3`), null},
			[]cell{`{"a":{"b":[1,2.5,{"c":null}]},"t":true,"s":"x\"y"}`, `{"nested":{"deep":[[],{}],"u":"é🦆"}}`, `[1,"two",null]`, `"str"`, `-12.5e3`, nil},
		},
		{
			parquetfile.Column{Name: "tinyint", Type: transform.TinyInt},
			[]transform.Value{typed(transform.TinyInt, math.MinInt8), typed(transform.TinyInt, math.MaxInt8), typed(transform.TinyInt, 0), null},
			[]cell{"-128", "127", "0", nil},
		},
		{
			parquetfile.Column{Name: "smallint", Type: transform.SmallInt},
			[]transform.Value{typed(transform.SmallInt, math.MinInt16), typed(transform.SmallInt, math.MaxInt16), null},
			[]cell{"-32768", "32767", nil},
		},
		{
			parquetfile.Column{Name: "utinyint", Type: transform.UTinyInt},
			[]transform.Value{typed(transform.UTinyInt, 0), typed(transform.UTinyInt, math.MaxUint8), null},
			[]cell{"0", "255", nil},
		},
		{
			parquetfile.Column{Name: "usmallint", Type: transform.USmallInt},
			[]transform.Value{typed(transform.USmallInt, 0), typed(transform.USmallInt, math.MaxUint16), null},
			[]cell{"0", "65535", nil},
		},
		{
			parquetfile.Column{Name: "uinteger", Type: transform.UInteger},
			[]transform.Value{typed(transform.UInteger, 0), typed(transform.UInteger, math.MaxUint32), typed(transform.UInteger, 1<<31), null},
			[]cell{"0", "4294967295", "2147483648", nil},
		},
		{
			parquetfile.Column{Name: "ubigint", Type: transform.UBigInt},
			[]transform.Value{typed(transform.UBigInt, 0), typed(transform.UBigInt, -1), typed(transform.UBigInt, math.MinInt64), null},
			[]cell{"0", "18446744073709551615", "9223372036854775808", nil},
		},
		{
			parquetfile.Column{Name: "float", Type: transform.Float},
			[]transform.Value{f32(0.1), f32(-1.5), f32(math.MaxFloat32), f32(math.Inf(-1)), null},
			[]cell{float64(float32(0.1)), -1.5, float64(math.MaxFloat32), "-Infinity", nil},
		},
		{
			parquetfile.Column{Name: "decimal9", Type: mustType(t, "DECIMAL(9,2)")},
			[]transform.Value{typed(mustType(t, "DECIMAL(9,2)"), 999999999), typed(mustType(t, "DECIMAL(9,2)"), -5), null},
			[]cell{"9999999.99", "-0.05", nil},
		},
		{
			parquetfile.Column{Name: "decimal18", Type: mustType(t, "DECIMAL(18,3)")},
			[]transform.Value{typed(mustType(t, "DECIMAL(18,3)"), -999999999999999999), typed(mustType(t, "DECIMAL(18,3)"), 1500), null},
			[]cell{"-999999999999999.999", "1.500", nil},
		},
		{
			// Names may hold anything Parquet allows.
			parquetfile.Column{Name: "Ünïcode name.with dot", Type: transform.Varchar},
			[]transform.Value{str("x"), null},
			[]cell{"x", nil},
		},
	}
}

// TestRoundTrip writes every type, edge values and NULLs included, and checks
// that DuckDB reads back exactly what was written, with the expected types.
func TestRoundTrip(t *testing.T) {
	duckdb.Require(t)
	cases := roundTripCases(t)
	cols := []parquetfile.Column{{Name: "n", Type: transform.Int64}}
	nrows := 0
	for _, c := range cases {
		cols = append(cols, c.col)
		nrows = max(nrows, len(c.values))
	}
	// Row i holds each column's value i, or NULL past its end.
	rows := make([][]transform.Value, nrows)
	want := make([][]cell, nrows)
	for i := range rows {
		rows[i] = []transform.Value{{Type: transform.Int64, I: int64(i)}}
		want[i] = []cell{strconv.Itoa(i)}
		for _, c := range cases {
			if i < len(c.values) {
				rows[i] = append(rows[i], c.values[i])
				want[i] = append(want[i], c.want[i])
			} else {
				rows[i] = append(rows[i], transform.Value{})
				want[i] = append(want[i], nil)
			}
		}
	}
	path := writeFile(t, cols, parquetfile.Options{CreatedBy: "datatap test"}, rows)

	res := query(t, "SELECT * FROM read_parquet("+lit(path)+")")[0]
	wantNames := make([]string, len(cols))
	for i, c := range cols {
		wantNames[i] = c.Name
	}
	if !equal(res.Columns, wantNames) {
		t.Errorf("columns = %q, want %q", res.Columns, wantNames)
	}
	wantTypes := []string{"BIGINT", "BOOLEAN", "INTEGER", "BIGINT", "DOUBLE", "VARCHAR", "TIMESTAMP WITH TIME ZONE", "DATE", "TIME", "UUID", "JSON",
		"TINYINT", "SMALLINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "FLOAT", "DECIMAL(9,2)", "DECIMAL(18,3)", "VARCHAR"}
	if !equal(res.Types, wantTypes) {
		t.Errorf("types = %q, want %q", res.Types, wantTypes)
	}
	if len(res.Rows) != nrows {
		t.Fatalf("read %d rows, want %d", len(res.Rows), nrows)
	}
	for i, row := range res.Rows {
		for j, got := range row {
			if !sameCell(got, want[i][j]) {
				t.Errorf("row %d, column %q: got %#v, want %#v", i, cols[j].Name, got, want[i][j])
			}
		}
	}
}

// sameCell compares DuckDB cells, telling -0 from 0.
func sameCell(got, want cell) bool {
	if g, ok := got.(float64); ok {
		w, ok := want.(float64)
		return ok && g == w && math.Signbit(g) == math.Signbit(w)
	}
	return got == want
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestSchema checks the file's schema and metadata as DuckDB reports them:
// column order, physical and logical types, OPTIONAL, ZSTD everywhere, and
// the creator.
func TestSchema(t *testing.T) {
	duckdb.Require(t)
	// Names out of alphabetical order, so a sorted schema would show.
	cols := []parquetfile.Column{
		{Name: "z_json", Type: transform.JSON},
		{Name: "y_ts", Type: transform.Timestamp},
		{Name: "x_str", Type: transform.Varchar},
		{Name: "w_date", Type: transform.Date},
		{Name: "v_i32", Type: transform.Int32},
		{Name: "u_i64", Type: transform.Int64},
		{Name: "t_double", Type: transform.Double},
		{Name: "s_bool", Type: transform.Boolean},
	}
	row := []transform.Value{
		{Type: transform.JSON, S: `{}`},
		{Type: transform.Timestamp, I: 1},
		{Type: transform.Varchar, S: "a"},
		{Type: transform.Date, I: 1},
		{Type: transform.Int32, I: 1},
		{Type: transform.Int64, I: 1},
		{Type: transform.Double, F: 1},
		{Type: transform.Boolean, I: 1},
	}
	path := writeFile(t, cols, parquetfile.Options{CreatedBy: "datatap 1.2.3"}, [][]transform.Value{row, make([]transform.Value, len(cols))})
	res := query(t,
		"SELECT name, type, repetition_type, converted_type, logical_type, duckdb_type FROM parquet_schema("+lit(path)+") WHERE name <> 'datatap'",
		"SELECT DISTINCT path_in_schema, compression FROM parquet_metadata("+lit(path)+")",
		"SELECT created_by, num_rows, num_row_groups FROM parquet_file_metadata("+lit(path)+")",
	)

	type schemaRow struct{ physical, converted, logical, duckdb string }
	want := []schemaRow{
		{"BYTE_ARRAY", "JSON", "JsonType()", "JSON"},
		{"INT64", "TIMESTAMP_MICROS", "TimestampType(isAdjustedToUTC=1, unit=TimeUnit(MILLIS=<null>, MICROS=MicroSeconds(), NANOS=<null>))", "TIMESTAMP WITH TIME ZONE"},
		{"BYTE_ARRAY", "UTF8", "StringType()", "VARCHAR"},
		{"INT32", "DATE", "DateType()", "DATE"},
		{"INT32", "INT_32", "IntType(", "INTEGER"}, // DuckDB prints bitWidth as a byte
		{"INT64", "INT_64", "IntType(", "BIGINT"},
		{"DOUBLE", "", "", "DOUBLE"},
		{"BOOLEAN", "", "", "BOOLEAN"},
	}
	rows := res[0].Rows
	if len(rows) != len(cols) {
		t.Fatalf("parquet_schema has %d columns, want %d: %v", len(rows), len(cols), rows)
	}
	str := func(c cell) string { s, _ := c.(string); return s }
	for i, r := range rows {
		name, physical, repetition, converted, logical, duck := str(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), str(r[5])
		w := want[i]
		if name != cols[i].Name {
			t.Errorf("column %d is %q, want %q (order must be as given)", i, name, cols[i].Name)
		}
		if physical != w.physical || converted != w.converted || duck != w.duckdb || !strings.HasPrefix(logical, w.logical) || (w.logical == "" && logical != "") {
			t.Errorf("column %q: type %s, converted %q, logical %q, duckdb %s; want %s, %q, %q, %s", name, physical, converted, logical, duck, w.physical, w.converted, w.logical, w.duckdb)
		}
		if repetition != "OPTIONAL" {
			t.Errorf("column %q is %s, want OPTIONAL", name, repetition)
		}
	}
	if len(res[1].Rows) != len(cols) {
		t.Errorf("parquet_metadata: %v, want one row per column", res[1].Rows)
	}
	for _, r := range res[1].Rows {
		if r[1] != "ZSTD" {
			t.Errorf("column %v is compressed with %v, want ZSTD", r[0], r[1])
		}
	}
	if got, want := fmt.Sprint(res[2].Rows), "[[datatap 1.2.3 2 1]]"; got != want {
		t.Errorf("parquet_file_metadata: created_by, num_rows, num_row_groups = %s, want %s", got, want)
	}
}

// TestRowGroups checks that row groups end at RowGroupRows rows, or earlier
// at RowGroupBytes, and that no row is lost at their edges.
func TestRowGroups(t *testing.T) {
	duckdb.Require(t)
	cols := []parquetfile.Column{{Name: "i", Type: transform.Int64}, {Name: "s", Type: transform.Varchar}}
	// Row i's string is width bytes of hex, distinct and poorly compressible.
	makeRows := func(n, width int) [][]transform.Value {
		rows := make([][]transform.Value, n)
		for i := range rows {
			var s []byte
			for j := 0; len(s) < width; j++ {
				sum := md5.Sum(fmt.Appendf(nil, "%d-%d", i, j))
				s = hex.AppendEncode(s, sum[:])
			}
			rows[i] = []transform.Value{{Type: transform.Int64, I: int64(i)}, {Type: transform.Varchar, S: string(s[:width])}}
		}
		return rows
	}
	for _, tc := range []struct {
		name   string
		opt    parquetfile.Options
		rows   [][]transform.Value
		groups func(sizes []int) error
	}{
		{
			name: "by rows",
			opt:  parquetfile.Options{RowGroupRows: 1000},
			rows: makeRows(4500, 10),
			groups: func(sizes []int) error {
				if fmt.Sprint(sizes) != "[1000 1000 1000 1000 500]" {
					return fmt.Errorf("row group sizes %v, want [1000 1000 1000 1000 500]", sizes)
				}
				return nil
			},
		},
		{
			name: "by rows, fewer than the probe",
			opt:  parquetfile.Options{RowGroupRows: 3},
			rows: makeRows(10, 10),
			groups: func(sizes []int) error {
				if fmt.Sprint(sizes) != "[3 3 3 1]" {
					return fmt.Errorf("row group sizes %v, want [3 3 3 1]", sizes)
				}
				return nil
			},
		},
		{
			name: "by bytes",
			opt:  parquetfile.Options{RowGroupBytes: 1 << 20},
			rows: makeRows(20000, 512), // 10 MB of text, 5 MB compressed
			groups: func(sizes []int) error {
				if len(sizes) < 5 {
					return fmt.Errorf("%d row groups (%v) for 5 MB at 1 MB each", len(sizes), sizes)
				}
				return nil
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, cols, tc.opt, tc.rows)
			res := query(t,
				"SELECT row_group_id, any_value(row_group_num_rows) FROM parquet_metadata("+lit(path)+") GROUP BY 1 ORDER BY 1",
				"SELECT count(*), count(DISTINCT i), min(i), max(i), sum(i), count(DISTINCT s) FILTER (WHERE length(s) = "+strconv.Itoa(len(tc.rows[0][1].S))+") FROM read_parquet("+lit(path)+")",
			)
			var sizes []int
			for _, r := range res[0].Rows {
				n, _ := strconv.Atoi(r[1].(string))
				sizes = append(sizes, n)
			}
			if err := tc.groups(sizes); err != nil {
				t.Error(err)
			}
			n := len(tc.rows)
			want := fmt.Sprint([]cell{strconv.Itoa(n), strconv.Itoa(n), "0", strconv.Itoa(n - 1), strconv.Itoa(n * (n - 1) / 2), strconv.Itoa(n)})
			if got := fmt.Sprint(res[1].Rows[0]); got != want {
				t.Errorf("count, distinct i, min, max, sum, distinct s of the right length = %s, want %s", got, want)
			}
		})
	}
}

// TestManyRows writes 300,000 log rows (three row groups) and checks the count,
// aggregates computed as the rows were written, and a sample of rows at
// batch, probe and row group edges.
func TestManyRows(t *testing.T) {
	duckdb.Require(t)
	if testing.Short() {
		t.Skip("writes 300,000 rows")
	}
	const n = 300_000
	samples := []int{0, 1, 255, 256, 4095, 4096, 4097, 122879, 122880, 245760, n - 1}
	wantRows := map[int][]cell{}
	var sumUser, nullUsers, sumStatus int64
	var sumLatency float64

	var buf bytes.Buffer
	w, err := parquetfile.NewWriter(&buf, logColumns, parquetfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	g := newLogGen(3)
	next := 0
	for i := range n {
		row := g.next()
		if row[5].IsNull() {
			nullUsers++
		} else {
			sumUser += row[5].I
		}
		sumStatus += row[3].I
		sumLatency += row[4].F
		if next < len(samples) && samples[next] == i {
			wantRows[i] = logCells(row)
			next++
		}
		if err := w.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "many.parquet")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	list := strings.Trim(strings.Join(strings.Fields(fmt.Sprint(samples)), ","), "[]")
	res := query(t,
		"SELECT count(*), sum(user_id), count(*) - count(user_id), sum(status), sum(latency_ms) FROM read_parquet("+lit(path)+")",
		"SELECT file_row_number, * EXCLUDE (file_row_number) FROM read_parquet("+lit(path)+", file_row_number = true) WHERE file_row_number IN ("+list+") ORDER BY 1",
		"SELECT count(DISTINCT row_group_id) FROM parquet_metadata("+lit(path)+")",
	)
	agg := res[0].Rows[0]
	if got, want := fmt.Sprint(agg[:4]), fmt.Sprint([]cell{strconv.Itoa(n), strconv.FormatInt(sumUser, 10), strconv.FormatInt(nullUsers, 10), strconv.FormatInt(sumStatus, 10)}); got != want {
		t.Errorf("count, sum(user_id), NULL user_ids, sum(status) = %s, want %s", got, want)
	}
	if got, _ := agg[4].(float64); math.Abs(got-sumLatency) > 1e-6*sumLatency {
		t.Errorf("sum(latency_ms) = %v, want %v", got, sumLatency)
	}
	if len(res[1].Rows) != len(samples) {
		t.Fatalf("read %d sample rows, want %d", len(res[1].Rows), len(samples))
	}
	for _, r := range res[1].Rows {
		i, _ := strconv.Atoi(r[0].(string))
		if got, want := fmt.Sprint(r[1:]), fmt.Sprint(wantRows[i]); got != want {
			t.Errorf("row %d = %s, want %s", i, got, want)
		}
	}
	if got := res[2].Rows[0][0]; got != "3" {
		t.Errorf("%v row groups, want 3", got)
	}
}

// logCells is row as DuckDB reports it.
func logCells(row []transform.Value) []cell {
	cells := make([]cell, len(row))
	for i, v := range row {
		switch v.Type {
		case transform.Null:
			cells[i] = nil
		case transform.Double:
			cells[i] = v.F
		case transform.Varchar:
			cells[i] = v.S
		default:
			cells[i] = strconv.FormatInt(v.I, 10)
		}
	}
	return cells
}

// TestStringsAreCopied writes strings that, like the transform's, live in a
// buffer the caller overwrites for the next row, and checks that every row
// keeps its own value.
func TestStringsAreCopied(t *testing.T) {
	duckdb.Require(t)
	cols := []parquetfile.Column{{Name: "s", Type: transform.Varchar}, {Name: "j", Type: transform.JSON}}
	var buf bytes.Buffer
	w, err := parquetfile.NewWriter(&buf, cols, parquetfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const n = 5000 // more than the probe and many batches
	scratch := make([]byte, 0, 64)
	row := make([]transform.Value, 2)
	for i := range n {
		scratch = fmt.Appendf(scratch[:0], "value %06d {\"i\":%d}", i, i)
		s := unsafe.String(unsafe.SliceData(scratch), len(scratch)) // valid until the next row
		row[0] = transform.Value{Type: transform.Varchar, S: s[:12]}
		row[1] = transform.Value{Type: transform.JSON, S: s[13:]}
		if err := w.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "copied.parquet")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	res := query(t, `SELECT count(*), count(*) FILTER (WHERE s = printf('value %06d', file_row_number) AND CAST(j AS VARCHAR) = printf('{"i":%d}', file_row_number)) FROM read_parquet(`+lit(path)+`, file_row_number = true)`)
	if got, want := fmt.Sprint(res[0].Rows[0]), fmt.Sprintf("[%d %d]", n, n); got != want {
		t.Errorf("rows, rows with their own value = %s, want %s", got, want)
	}
}

// TestEmpty checks that a file without rows is valid and keeps its schema.
func TestEmpty(t *testing.T) {
	duckdb.Require(t)
	path := writeFile(t, logColumns, parquetfile.Options{}, nil)
	res := query(t, "SELECT * FROM read_parquet("+lit(path)+")")[0]
	if len(res.Rows) != 0 || len(res.Columns) != len(logColumns) || res.Columns[0] != "ts" || res.Types[0] != "TIMESTAMP WITH TIME ZONE" {
		t.Errorf("got columns %q, types %q, %d rows; want the log columns and no rows", res.Columns, res.Types, len(res.Rows))
	}
}

// TestEncodings checks the probe's choices on log rows through DuckDB:
// dictionaries for low-cardinality columns, PLAIN for nearly unique ones.
func TestEncodings(t *testing.T) {
	duckdb.Require(t)
	rows, _ := genLogRows(20000)
	path := writeFile(t, logColumns, parquetfile.Options{}, rows)
	res := query(t, "SELECT DISTINCT path_in_schema, encodings FROM parquet_metadata("+lit(path)+") ORDER BY 1")
	got := map[string]bool{}
	for _, r := range res[0].Rows {
		got[r[0].(string)] = strings.Contains(r[1].(string), "RLE_DICTIONARY")
	}
	want := map[string]bool{"ts": false, "level": true, "service": true, "status": true, "latency_ms": false, "user_id": true, "msg": false, "path": true}
	for col, dict := range want {
		if got[col] != dict {
			t.Errorf("column %s: dictionary %v, want %v", col, got[col], dict)
		}
	}
}

// TestNewWriterErrors pins the errors for columns and options that cannot
// make a file.
func TestNewWriterErrors(t *testing.T) {
	f := func(cols []parquetfile.Column, opt parquetfile.Options, want string) {
		t.Helper()
		w, err := parquetfile.NewWriter(&bytes.Buffer{}, cols, opt)
		if err == nil || err.Error() != want {
			t.Errorf("NewWriter(%v, %+v) = %v, %v; want error %q", cols, opt, w, err, want)
		}
	}
	ok := []parquetfile.Column{{Name: "a", Type: transform.Int64}}
	f(nil, parquetfile.Options{}, "parquetfile: no columns")
	f([]parquetfile.Column{{Name: "", Type: transform.Int64}}, parquetfile.Options{}, "parquetfile: column 1: empty name")
	f([]parquetfile.Column{{Name: "a", Type: transform.Int64}, {Name: "a", Type: transform.Varchar}}, parquetfile.Options{}, `parquetfile: column 2: duplicate name "a"`)
	f([]parquetfile.Column{{Name: "a", Type: transform.Null}}, parquetfile.Options{}, `parquetfile: column "a": unsupported type NULL`)
	f([]parquetfile.Column{{Name: "a", Type: transform.Type(0x3f0)}}, parquetfile.Options{}, `parquetfile: column "a": unsupported type Type(1008)`)
	f(ok, parquetfile.Options{RowGroupRows: -1}, "parquetfile: RowGroupRows -1 is negative")
	f(ok, parquetfile.Options{RowGroupBytes: -1}, "parquetfile: RowGroupBytes -1 is negative")
}

// TestWriteErrors checks that a bad row is refused with an error naming the
// column, leaves nothing behind, and does not stop the writer.
func TestWriteErrors(t *testing.T) {
	cols := []parquetfile.Column{{Name: "id", Type: transform.Int64}, {Name: "small", Type: transform.Int32}, {Name: "name", Type: transform.Varchar}}
	var buf bytes.Buffer
	w, err := parquetfile.NewWriter(&buf, cols, parquetfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	good := []transform.Value{{Type: transform.Int64, I: 1}, {Type: transform.Int32, I: 2}, {Type: transform.Varchar, S: "ok"}}
	f := func(row []transform.Value, want string) {
		t.Helper()
		if err := w.Write(row); err == nil || err.Error() != want {
			t.Errorf("Write(%v) = %v, want %q", row, err, want)
		}
	}
	if err := w.Write(good); err != nil {
		t.Fatal(err)
	}
	f([]transform.Value{{Type: transform.Int64, I: 1}, {Type: transform.Int32, I: 2}, {Type: transform.Int64, I: 3}}, `parquetfile: write row 1: column "name": INT64 value in a VARCHAR column`)
	f([]transform.Value{{Type: transform.Varchar, S: "x"}, {}, {}}, `parquetfile: write row 1: column "id": VARCHAR value in a INT64 column`)
	f([]transform.Value{{Type: transform.Int64, I: 1}, {Type: transform.Int32, I: math.MaxInt32 + 1}, {}}, `parquetfile: write row 1: column "small": INT32 value 2147483648 out of range`)
	f(good[:2], "parquetfile: write row 1: 2 values for 3 columns")
	f([]transform.Value{{Type: transform.Int64, I: 1}, {Type: transform.Int32, I: 2}, {Type: transform.JSON, S: "{}"}}, `parquetfile: write row 1: column "name": JSON value in a VARCHAR column`)
	if err := w.Write(good); err != nil {
		t.Fatalf("Write after refused rows: %v", err)
	}
	if w.Rows() != 2 {
		t.Errorf("Rows() = %d, want 2", w.Rows())
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	if err := w.Write(good); err == nil || err.Error() != "parquetfile: write after Close" {
		t.Errorf("Write after Close = %v", err)
	}

	if duckdb.Available() == nil {
		path := filepath.Join(t.TempDir(), "errors.parquet")
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		res := query(t, "SELECT * FROM read_parquet("+lit(path)+")")
		if got, want := fmt.Sprint(res[0].Rows), "[[1 2 ok] [1 2 ok]]"; got != want {
			t.Errorf("file holds %s, want %s (the refused rows must leave nothing)", got, want)
		}
	}
}

// TestInvalidJSONText checks that JSON text that is not JSON is refused
// (DuckDB would refuse the whole file).
func TestInvalidJSONText(t *testing.T) {
	w, err := parquetfile.NewWriter(&bytes.Buffer{}, []parquetfile.Column{{Name: "j", Type: transform.JSON}}, parquetfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"", "{", "000", "{'a':1}", "[1,]"} {
		err := w.Write([]transform.Value{{Type: transform.JSON, S: text}})
		if err == nil || !strings.HasPrefix(err.Error(), `parquetfile: write row 0: column "j": invalid JSON text: `) {
			t.Errorf("Write(JSON %q) = %v, want an invalid JSON error", text, err)
		}
	}
	if err := w.Write([]transform.Value{{Type: transform.JSON, S: ` {"ok": [1, 2]} `}}); err != nil {
		t.Errorf("Write(valid JSON) = %v", err)
	}
}

// failingWriter fails every write after the first n bytes.
type failingWriter struct{ n int }

var errDiskFull = errors.New("disk full")

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		n := w.n
		w.n = 0
		return n, errDiskFull
	}
	w.n -= len(p)
	return len(p), nil
}

// TestOutputError checks that an error from the io.Writer is returned,
// wrapped, and sticks.
func TestOutputError(t *testing.T) {
	w, err := parquetfile.NewWriter(&failingWriter{n: 100}, logColumns, parquetfile.Options{RowGroupRows: 1000})
	if err != nil {
		t.Fatal(err)
	}
	g := newLogGen(1)
	var werr error
	for range 5000 {
		if werr = w.Write(g.next()); werr != nil {
			break
		}
	}
	// parquet-go buffers 32 KiB of output, so the error may surface at a
	// later row group than the first.
	if !errors.Is(werr, errDiskFull) || !strings.HasPrefix(werr.Error(), "parquetfile: write row group ending at row ") {
		t.Fatalf("Write = %v, want the output's error, wrapped", werr)
	}
	if err := w.Write(g.next()); err != werr {
		t.Errorf("Write after the error = %v, want %v", err, werr)
	}
	if err := w.Close(); err != werr {
		t.Errorf("Close after the error = %v, want %v", err, werr)
	}
}
