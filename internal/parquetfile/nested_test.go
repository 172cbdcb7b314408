package parquetfile_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/datatap/datatap/internal/parquetfile"
	"github.com/datatap/datatap/internal/testenv/duckdb"
	"github.com/datatap/datatap/transform"
)

func mustType(t *testing.T, name string) transform.Type {
	t.Helper()
	typ, ok := transform.ParseType(name)
	if !ok {
		t.Fatalf("ParseType(%q) failed", name)
	}
	return typ
}

// nestedRows are the JSON texts of the nested test's rows, column by
// column, in the compact form DuckDB's to_json prints ("" is NULL).
func nestedRows(n int) [][3]string {
	rows := [][3]string{
		{`{"id":1,"name":"ann","tags":["a","b"]}`, `[[1,2],[3]]`, `[{"x":1.5},{"x":null},null]`},
		{`{"id":null,"name":null,"tags":null}`, `[]`, `[]`},
		{``, ``, ``},
		{`{"id":2,"name":"bob","tags":[]}`, `[[],null,[null,4]]`, `[{"x":-2.0}]`},
		{`{"id":3,"name":"é \"q\"","tags":[null,"z"]}`, `[null]`, `[null]`},
	}
	for i := len(rows); i < n; i++ {
		tags := make([]string, i%4)
		for k := range tags {
			tags[k] = fmt.Sprintf(`"t%d"`, (i+k)%7)
		}
		rows = append(rows, [3]string{
			fmt.Sprintf(`{"id":%d,"name":"user %d","tags":[%s]}`, i, i%13, strings.Join(tags, ",")),
			fmt.Sprintf(`[[%d],[%d,%d]]`, i, i*2, -i),
			fmt.Sprintf(`[{"x":%d.5}]`, i%100),
		})
	}
	return rows
}

// TestNestedColumnsDuckDB writes STRUCT and LIST columns (with NULLs at
// every level, empty lists, more rows than a probe and a batch) and checks
// that DuckDB reads them as STRUCT and LIST, value for value.
func TestNestedColumnsDuckDB(t *testing.T) {
	duckdb.Require(t)
	cols := []parquetfile.Column{
		{Name: "k", Type: transform.Int64},
		{Name: "u", Type: mustType(t, "STRUCT(id BIGINT, name VARCHAR, tags VARCHAR[])")},
		{Name: "n", Type: mustType(t, "BIGINT[][]")},
		{Name: "p", Type: mustType(t, "STRUCT(x DOUBLE)[]")},
		{Name: "last", Type: transform.Varchar},
	}
	rows := nestedRows(9000)
	var buf bytes.Buffer
	w, err := parquetfile.NewWriter(&buf, cols, parquetfile.Options{RowGroupRows: 4000})
	if err != nil {
		t.Fatal(err)
	}
	val := func(s string) transform.Value {
		if s == "" {
			return transform.Value{}
		}
		return transform.Value{Type: transform.JSON, S: s}
	}
	for i, r := range rows {
		if i == 3 {
			// A row whose value does not fit is refused whole, and the
			// writer goes on.
			bad := []transform.Value{{Type: transform.Int64, I: -1}, val(`{"id":1}`), val(`[[1]]`), val(`{"x":1}`), {}}
			var re *parquetfile.RowError
			if err := w.Write(bad); !errors.As(err, &re) {
				t.Fatalf("a LIST column given an object: %v, want a RowError", err)
			}
		}
		row := []transform.Value{{Type: transform.Int64, I: int64(i)}, val(r[0]), val(r[1]), val(r[2]), {Type: transform.Varchar, S: fmt.Sprint("last", i)}}
		if err := w.Write(row); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "nested.parquet")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	// datatap cat's reader gives each nested column back as its JSON.
	pf, err := parquetfile.Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var gotTypes []string
	for _, c := range pf.Columns() {
		gotTypes = append(gotTypes, c.Type)
	}
	if g := strings.Join(gotTypes, "|"); g != "BIGINT|STRUCT(id BIGINT, name VARCHAR, tags VARCHAR[])|BIGINT[][]|STRUCT(x DOUBLE)[]|VARCHAR" {
		t.Errorf("read back types %s", g)
	}
	k := 0
	err = pf.Rows(func(row []parquet.Value) error {
		for c := range 3 {
			got := string(pf.Columns()[c+1].AppendJSON(nil, row[c+1]))
			want := rows[k][c]
			if want == "" {
				want = "null"
			}
			if got != strings.ReplaceAll(want, ".0}", "}") {
				t.Errorf("Rows: row %d column %d = %s, want %s", k, c+1, got, want)
			}
		}
		k++
		return nil
	})
	if err != nil || k != len(rows) {
		t.Fatalf("Rows: %d rows, %v", k, err)
	}
	res := query(t,
		"SELECT typeof(u), typeof(n), typeof(p) FROM "+lit(path)+" LIMIT 1",
		"SELECT k, to_json(u)::VARCHAR, to_json(n)::VARCHAR, to_json(p)::VARCHAR, last FROM "+lit(path)+" ORDER BY k",
	)
	wantTypes := []cell{"STRUCT(id BIGINT, \"name\" VARCHAR, tags VARCHAR[])", "BIGINT[][]", "STRUCT(x DOUBLE)[]"}
	for i, got := range res[0].Rows[0] {
		if got != wantTypes[i] {
			t.Errorf("type of column %d: %v, want %v", i+1, got, wantTypes[i])
		}
	}
	if len(res[1].Rows) != len(rows) {
		t.Fatalf("%d rows read, want %d", len(res[1].Rows), len(rows))
	}
	for i, got := range res[1].Rows {
		for c := range 3 {
			var want cell
			if rows[i][c] != "" {
				want = rows[i][c]
			}
			if got[c+1] != want {
				t.Errorf("row %d column %s: %v, want %v", i, cols[c+1].Name, got[c+1], want)
			}
		}
		if got[4] != fmt.Sprint("last", i) {
			t.Errorf("row %d: last = %v", i, got[4])
		}
	}
}

// TestNestedNumberTypes: struct fields and list elements of the narrow
// number types and DECIMAL keep DuckDB's types and exact values.
func TestNestedNumberTypes(t *testing.T) {
	duckdb.Require(t)
	typ := mustType(t, "STRUCT(a TINYINT, b UBIGINT, c DECIMAL(18,2), d REAL, e USMALLINT[])")
	cols := []parquetfile.Column{{Name: "s", Type: typ}}
	var buf bytes.Buffer
	w, err := parquetfile.NewWriter(&buf, cols, parquetfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write([]transform.Value{{Type: transform.JSON, S: `{"a":-7,"b":18446744073709551615,"c":1234567890123456.78,"d":0.1,"e":[0,65535]}`}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "n.parquet")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	res := query(t, "SELECT typeof(s), s.a::VARCHAR, s.b::VARCHAR, s.c::VARCHAR, s.d::VARCHAR, s.e::VARCHAR FROM read_parquet("+lit(path)+")")[0]
	want := "[[STRUCT(a TINYINT, b UBIGINT, c DECIMAL(18,2), d FLOAT, e USMALLINT[]) -7 18446744073709551615 1234567890123456.78 0.1 [0, 65535]]]"
	if got := fmt.Sprint(res.Rows); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
