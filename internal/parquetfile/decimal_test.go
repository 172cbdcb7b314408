package parquetfile_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/datatap/datatap/internal/parquetfile"
	"github.com/datatap/datatap/internal/testenv/duckdb"
	"github.com/datatap/datatap/transform"
)

// TestWideDecimalDuckDB: a DECIMAL(19..38) column is FIXED_LEN_BYTE_ARRAY(16)
// as DuckDB writes it, flat or inside a list; DuckDB and datatap cat read
// the values back, and the column has no bounds (parquet-go would order
// them as unsigned bytes: -1 the maximum), so a filter skips nothing.
func TestWideDecimalDuckDB(t *testing.T) {
	duckdb.Require(t)
	dec, list := mustType(t, "DECIMAL(38,10)"), mustType(t, "DECIMAL(38,10)[]")
	cols := []parquetfile.Column{{Name: "k", Type: transform.Int64}, {Name: "d", Type: dec}, {Name: "l", Type: list}}
	prog, err := transform.Compile("SELECT 1 AS x")
	if err != nil {
		t.Fatal(err)
	}
	st := prog.NewState()
	texts := []string{"1.5", "-1", "9999999999999999999999999999.9999999999", "-9999999999999999999999999999.9999999999", "", "0.0000000001", "-12345678901234567890.5"}
	var buf bytes.Buffer
	w, err := parquetfile.NewWriter(&buf, cols, parquetfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range texts {
		d := transform.Value{}
		if s != "" {
			d = st.Cast(transform.Value{Type: transform.Varchar, S: s}, dec)
			if d.IsNull() {
				t.Fatalf("%s is no DECIMAL(38,10)", s)
			}
		}
		l := st.Cast(transform.Value{Type: transform.JSON, S: "[" + strings.TrimPrefix(s+",", ",") + "null]"}, list)
		if err := w.Write([]transform.Value{{Type: transform.Int64, I: int64(i)}, d, l}); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "dec.parquet")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	res := query(t,
		"SELECT name, type, type_length, logical_type FROM parquet_schema("+lit(path)+") WHERE name IN ('d', 'element') ORDER BY name",
		"SELECT k, typeof(d), d::VARCHAR, typeof(l), l::VARCHAR FROM "+lit(path)+" ORDER BY k",
		"SELECT count(*) FROM "+lit(path)+" WHERE d < 0",
		"SELECT count(*) FROM parquet_metadata("+lit(path)+") WHERE path_in_schema <> 'k' AND (stats_min_value IS NOT NULL OR stats_max_value IS NOT NULL)",
	)
	schema := res[0].Rows
	if len(schema) != 2 || schema[0][1] != "FIXED_LEN_BYTE_ARRAY" || schema[0][2] != "16" || schema[0][3] != "DecimalType(scale=10, precision=38)" ||
		schema[1][1] != "FIXED_LEN_BYTE_ARRAY" || schema[1][2] != "16" {
		t.Errorf("schema %v", schema)
	}
	want := [][]string{
		{"1.5000000000", "[1.5000000000, NULL]"},
		{"-1.0000000000", "[-1.0000000000, NULL]"},
		{"9999999999999999999999999999.9999999999", "[9999999999999999999999999999.9999999999, NULL]"},
		{"-9999999999999999999999999999.9999999999", "[-9999999999999999999999999999.9999999999, NULL]"},
		{"", "[NULL]"},
		{"0.0000000001", "[0.0000000001, NULL]"},
		{"-12345678901234567890.5000000000", "[-12345678901234567890.5000000000, NULL]"},
	}
	for i, r := range res[1].Rows {
		got := []any{r[1], r[2], r[3], r[4]}
		var d any = want[i][0]
		if want[i][0] == "" {
			d = nil
		}
		if got[0] != "DECIMAL(38,10)" || got[1] != d || got[2] != "DECIMAL(38,10)[]" || got[3] != want[i][1] {
			t.Errorf("row %d: DuckDB reads %v, want %v", i, got, want[i])
		}
	}
	if res[2].Rows[0][0] != "3" {
		t.Errorf("%v rows below zero, want 3", res[2].Rows[0][0])
	}
	if res[3].Rows[0][0] != "0" {
		t.Errorf("%v column chunks with bounds, want none", res[3].Rows[0][0])
	}
	// datatap cat's reader.
	pf, err := parquetfile.Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if c := pf.Columns(); c[1].Type != "DECIMAL(38,10)" || c[2].Type != "DECIMAL(38,10)[]" {
		t.Errorf("read back types %s, %s", c[1].Type, c[2].Type)
	}
	k := 0
	err = pf.Rows(func(row []parquet.Value) error {
		want := want[k][0]
		if want == "" {
			want = "null"
		}
		if got := string(pf.Columns()[1].AppendJSON(nil, row[1])); got != want {
			t.Errorf("cat: row %d: %s, want %s", k, got, want)
		}
		k++
		return nil
	})
	if err != nil || k != len(texts) {
		t.Fatalf("Rows: %d rows, %v", k, err)
	}
}
