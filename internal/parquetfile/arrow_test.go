package parquetfile_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/datatap/datatap/internal/parquetfile"
	"github.com/datatap/datatap/internal/testenv/fixture"
	"github.com/datatap/datatap/transform"
)

// TestNestedColumnsArrow reads the nested columns back with Apache Arrow's
// Go Parquet reader, a second reader independent of DuckDB: it must see
// STRUCT and LIST arrays holding the values written, value for value.
func TestNestedColumnsArrow(t *testing.T) {
	cols := []parquetfile.Column{
		{Name: "u", Type: mustType(t, "STRUCT(id BIGINT, name VARCHAR, tags VARCHAR[])")},
		{Name: "n", Type: mustType(t, "BIGINT[][]")},
		{Name: "p", Type: mustType(t, "STRUCT(x DOUBLE)[]")},
	}
	rows := nestedRows(6000)
	var buf bytes.Buffer
	w, err := parquetfile.NewWriter(&buf, cols, parquetfile.Options{RowGroupRows: 2500})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		row := make([]transform.Value, 3)
		for c := range row {
			if r[c] != "" {
				row[c] = transform.Value{Type: transform.JSON, S: r[c]}
			}
		}
		if err := w.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	tbl := fixture.ArrowTable(t, buf.Bytes())
	defer tbl.Release()
	wantTypes := []string{
		"struct<id: int64 nullable, name: utf8 nullable, tags: list<element: utf8, nullable> nullable>",
		"list<element: list<element: int64, nullable>, nullable>",
		"list<element: struct<x: float64 nullable>, nullable>",
	}
	for c := range cols {
		col := tbl.Column(c)
		if got := col.DataType().String(); got != wantTypes[c] {
			t.Errorf("column %s: Arrow type %s, want %s", cols[c].Name, got, wantTypes[c])
		}
		i := 0
		for _, arr := range col.Data().Chunks() {
			for j := 0; j < arr.Len(); j++ {
				got, err := json.Marshal(arr.GetOneForMarshal(j))
				if err != nil {
					t.Fatal(err)
				}
				want := rows[i][c]
				if want == "" {
					want = "null"
				}
				if !sameJSON(t, got, []byte(want)) {
					t.Errorf("row %d column %s: Arrow reads %s, want %s", i, cols[c].Name, got, want)
				}
				i++
			}
		}
		if i != len(rows) {
			t.Errorf("column %s: %d rows, want %d", cols[c].Name, i, len(rows))
		}
	}
}

// sameJSON reports whether a and b are the same JSON value (objects
// compared as maps: Arrow's structs marshal as Go maps, in key order).
func sameJSON(t *testing.T, a, b []byte) bool {
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(fmt.Errorf("%s: %w", a, err))
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(fmt.Errorf("%s: %w", b, err))
	}
	return reflect.DeepEqual(x, y)
}
