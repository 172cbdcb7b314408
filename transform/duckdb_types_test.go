package transform_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/datatap/datatap/internal/parquetfile"
	"github.com/datatap/datatap/internal/testenv/duckdb"
	"github.com/datatap/datatap/transform"
	"github.com/valyala/fastjson"
)

// narrowCorpus holds, one per record, the values a cast to a narrow type
// must take or refuse: integers (i, BIGINT), doubles (d, DOUBLE) and text
// (s, VARCHAR), around every type's edges. A DOUBLE in [max+0.5, max+1)
// is left out for the narrow integer types: DuckDB wraps it around
// (127.5::TINYINT is -128), ours is NULL (see intendedDifferences).
var narrowCorpus = func() []string {
	var lines []string
	add := func(field, json string) {
		lines = append(lines, fmt.Sprintf(`{"id":%d,%q:%s}`, len(lines)+1, field, json))
	}
	for _, i := range []string{"-9223372036854775808", "-32769", "-32768", "-129", "-128", "-1", "0", "1", "127", "128", "255", "256",
		"32767", "32768", "65535", "65536", "2147483647", "2147483648", "4294967295", "4294967296", "16777217", "9223372036854775807", "null"} {
		add("i", i)
	}
	for _, d := range []string{"-2.5", "-1.5", "-0.5", "-0.4", "0.5", "1.5", "2.5", "0.1", "127.4", "127.49", "-128.5", "255.49", "65535.49",
		"4294967295.49", "32767.49", "-32768.5", "65535.49", "1e19", "1.8446744073709552e19", "3.4028234e38", "3.5e38", "1e-50", "-0.0", "123456.789",
		"1e30", "-1e37", "9.99999999999999e37", "1e38", "-1.7e38", "0.1", "null"} {
		add("d", d)
	}
	for _, s := range []string{"42", " 7 ", "+5", "-0", "2.5", "-2.5", "0.5", "1e3", "x", "", "127", "128", "-129", "65535", "65536",
		"4294967295", "4294967296", "18446744073709551615", "18446744073709551616", "-1", "0.1", "3.4028235e38", "3.5e38",
		"nan", "inf", "-Infinity", "1.5e2", "0x10", "1e-5", "1e-50", "1000e-3", "0.0012e3", "-0e3", "-0.0", "-00", "-1.25e1", "0.05", "-0.05", "12345678.125", "9.995", "99999999999999999.5",
		"12345678901234567890.123456789", "-99999999999999999999999999999999999999", "99999999999999999999999999999999999999.5",
		"99999999999999999999999999999999999999.49", "1e37", "-1e38", "0.00000000000000000000000000000000000005", "-0.000000000000000000000000000000000000005",
		"170141183460469231731687303715884105727", "-9223372036854775809", "1.5e-30", "-1e-38"} {
		add("s", fmt.Sprintf("%q", s))
	}
	return lines
}()

// TestDuckDBReadsNarrowColumns: a cast to one of DuckDB's narrow number
// types at the top of a select item writes the Parquet type DuckDB writes
// for it. Each statement runs through our engine, its rows cast to the
// column types as the flush does and written by our Parquet writer; DuckDB
// reads the file back, and typeof and the text of every cell must be what
// DuckDB's own TRY_CAST gives over the same corpus.
func TestDuckDBReadsNarrowColumns(t *testing.T) {
	duckdb.Require(t)
	dir := t.TempDir()
	corpus := filepath.Join(dir, "narrow.ndjson")
	if err := os.WriteFile(corpus, []byte(strings.Join(narrowCorpus, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	types := []string{"INTEGER", "BIGINT", "TINYINT", "INT1", "SMALLINT", "INT2", "SHORT", "UTINYINT", "UINT8", "USMALLINT", "UINT16",
		"UINTEGER", "UINT32", "UBIGINT", "UINT64", "FLOAT", "REAL", "FLOAT4",
		"DECIMAL(1,1)", "DECIMAL(4,1)", "DECIMAL(9,2)", "NUMERIC(10,0)", "DECIMAL(18,3)", "DECIMAL", "DECIMAL(18,18)", "DECIMAL(5)",
		"DECIMAL(19,0)", "DECIMAL(19,1)", "DECIMAL(20,2)", "NUMERIC(30,5)", "DECIMAL(38,0)", "DECIMAL(38,10)", "DECIMAL(38,37)", "DECIMAL(38,38)"}
	var queries []string
	for k, typ := range types {
		path := filepath.Join(dir, fmt.Sprintf("t%d.parquet", k))
		ourSQL := fmt.Sprintf("SELECT id::BIGINT AS id, i::%[1]s AS a, d::%[1]s AS b, CAST(s AS %[1]s) AS c, (i // 3)::%[1]s AS e", typ)
		writeOurs(t, ourSQL, path)
		read := "SELECT id, typeof(a), a::VARCHAR, typeof(b), b::VARCHAR, typeof(c), c::VARCHAR, typeof(e), e::VARCHAR FROM read_parquet('" + path + "') ORDER BY id"
		duck := fmt.Sprintf("SELECT id, typeof(TRY_CAST(i AS %[1]s)), TRY_CAST(i AS %[1]s)::VARCHAR, typeof(TRY_CAST(d AS %[1]s)), TRY_CAST(d AS %[1]s)::VARCHAR, "+
			"typeof(TRY_CAST(s AS %[1]s)), TRY_CAST(s AS %[1]s)::VARCHAR, typeof(TRY_CAST(i // 3 AS %[1]s)), TRY_CAST(i // 3 AS %[1]s)::VARCHAR "+
			"FROM read_json('%[2]s', columns={id: 'BIGINT', i: 'BIGINT', d: 'DOUBLE', s: 'VARCHAR'}) ORDER BY id", typ, corpus)
		queries = append(queries, read, duck)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := duckdb.Run(ctx, queries...)
	if err != nil {
		t.Fatal(err)
	}
	for k, typ := range types {
		ours, theirs := res[2*k], res[2*k+1]
		if ours.Err != "" || theirs.Err != "" {
			t.Fatalf("%s: DuckDB failed: %s %s", typ, ours.Err, theirs.Err)
		}
		if len(ours.Rows) != len(theirs.Rows) || len(ours.Rows) != len(narrowCorpus) {
			t.Fatalf("%s: %d rows read back, DuckDB %d, corpus %d", typ, len(ours.Rows), len(theirs.Rows), len(narrowCorpus))
		}
		for r := range ours.Rows {
			for c := range ours.Rows[r] {
				if got, want := ours.Rows[r][c], theirs.Rows[r][c]; got != want {
					t.Errorf("%s, %s, column %s: read back %v, DuckDB %v", typ, narrowCorpus[r], ours.Columns[c], got, want)
				}
			}
		}
	}
}

// writeOurs runs sql over narrowCorpus and writes its rows to path, each
// value cast to its column's type (as internal/flush does).
func writeOurs(t *testing.T, sql, path string) {
	t.Helper()
	prog, err := transform.Compile(sql)
	if err != nil {
		t.Fatal(err)
	}
	var cols []parquetfile.Column
	for _, c := range prog.Columns() {
		cols = append(cols, parquetfile.Column{Name: c.Name, Type: c.Type})
	}
	var buf bytes.Buffer
	w, err := parquetfile.NewWriter(&buf, cols, parquetfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st, cast := prog.NewState(), prog.NewState()
	var p fastjson.Parser
	row := make([]transform.Value, len(cols))
	for _, line := range narrowCorpus {
		rec, err := p.Parse(line)
		if err != nil {
			t.Fatal(err)
		}
		if !prog.Eval(st, rec) {
			t.Fatalf("%s dropped %s", sql, line)
		}
		cast.ClearScratch()
		for i, f := range st.Row {
			row[i] = cast.Cast(f.Value, cols[i].Type)
		}
		if err := w.Write(row); err != nil {
			t.Fatalf("%s: %s: %v", sql, line, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDuckDBUnsignedArithmetic: + - * // % of UBIGINT operands, or of one
// and an integer literal, is UBIGINT arithmetic as in DuckDB (typeof
// UBIGINT, exact up to 2^64 - 1); where DuckDB fails the statement with an
// overflow, ours is NULL (see intendedDifferences).
func TestDuckDBUnsignedArithmetic(t *testing.T) {
	duckdb.Require(t)
	exprs := []string{"u + 1", "u - 1", "u * 2", "u // 3", "u % 7", "u + u", "1 + u", "u - u", "(u + 1) * 2", "u * u", "5 - u", "u // 0"}
	values := []string{"0", "1", "3", "9223372036854775807", "9223372036854775808", "18446744073709551614", "18446744073709551615"}
	var queries []string
	for _, e := range exprs {
		for _, v := range values {
			queries = append(queries, "SELECT typeof(x), x::VARCHAR FROM (SELECT "+e+" AS x FROM (SELECT '"+v+"'::UBIGINT AS u))")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := duckdb.Run(ctx, queries...)
	if err != nil {
		t.Fatal(err)
	}
	var p fastjson.Parser
	k := 0
	for _, e := range exprs {
		prog, err := transform.Compile("SELECT " + strings.ReplaceAll(e, "u", "u::UBIGINT") + " AS x")
		if err != nil {
			t.Fatal(err)
		}
		if typ := prog.Columns()[0].Type; typ != transform.UBigInt {
			t.Errorf("%s: column type %s, want UBIGINT", e, typ)
		}
		st := prog.NewState()
		for _, v := range values {
			r := res[k]
			k++
			rec, err := p.Parse(`{"u":"` + v + `"}`)
			if err != nil {
				t.Fatal(err)
			}
			prog.Eval(st, rec)
			got := st.Cast(st.Row[0].Value, transform.UBigInt) // as the flush does
			switch {
			case r.Err != "":
				if !got.IsNull() || !strings.Contains(r.Err, "Overflow") {
					t.Errorf("%s, u = %s: ours %s, DuckDB fails: %s", e, v, got.AppendText(nil), r.Err)
				}
			case r.Rows[0][1] == nil:
				if !got.IsNull() || r.Rows[0][0] != "UBIGINT" {
					t.Errorf("%s, u = %s: ours %s, DuckDB NULL (%v)", e, v, got.AppendText(nil), r.Rows[0][0])
				}
			default:
				if r.Rows[0][0] != "UBIGINT" || got.Type != transform.UBigInt || string(got.AppendText(nil)) != r.Rows[0][1] {
					t.Errorf("%s, u = %s: ours %s %s, DuckDB %v %v", e, v, got.Type, got.AppendText(nil), r.Rows[0][0], r.Rows[0][1])
				}
			}
		}
	}
}
