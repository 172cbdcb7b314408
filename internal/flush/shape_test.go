package flush

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/datatap/datatap/internal/spool"
	"github.com/datatap/datatap/internal/testenv/duckdb"
	"github.com/datatap/datatap/internal/testenv/fixture"
	"github.com/datatap/datatap/transform"
)

// TestShapeRules pins the inference rules of shape.go, one column at a
// time: the values observed, and the column type they give.
func TestShapeRules(t *testing.T) {
	prog, err := transform.Compile("SELECT *")
	if err != nil {
		t.Fatal(err)
	}
	h := spool.HeaderFor(prog)
	f := func(want string, values ...string) {
		t.Helper()
		s := NewSchema(h, false)
		for _, v := range values {
			val := transform.Value{Type: transform.JSON, S: v}
			if v == "null" {
				val = transform.Value{}
			}
			s.Observe([]spool.Field{{Name: "c", Value: val}})
		}
		cols := s.Columns()
		if len(cols) != 1 || cols[0].Type.String() != want {
			t.Errorf("%v: columns %v, want c %s", values, cols, want)
		}
	}
	f("STRUCT(id INT64, name VARCHAR)", `{"id":1,"name":"a"}`, `{"id":2}`, `{"name":"b"}`)
	f("STRUCT(a INT64, b DOUBLE, c VARCHAR, d BOOLEAN)", `{"a":1,"b":1,"c":1,"d":true}`, `{"b":1.5,"c":"x","d":false}`)
	f("INT64[]", `[1,2]`, `[]`, `null`, `[null,3]`)
	f("DOUBLE[]", `[1]`, `[2.5]`)
	f("VARCHAR[]", `[1,"a"]`) // scalars widen as columns do
	f("STRUCT(x INT64[])[]", `[{"x":[1]},{"x":[]}]`, `[{}]`)
	f("STRUCT(a INT64[][])", `{"a":[[1],[2,3]]}`)
	// JSON at the place that has no shape, and only there.
	f("STRUCT(a JSON, b INT64)", `{"a":{"x":1},"b":1}`, `{"a":[1],"b":2}`) // object here, array there
	f("STRUCT(a JSON, b INT64)", `{"a":null,"b":1}`)                       // NULL in every row
	f("STRUCT(a JSON, b INT64)", `{"a":[],"b":1}`)                         // empty in every row
	f("STRUCT(a JSON, b INT64)", `{"a":[1,{"y":2}],"b":1}`)                // elements of two kinds
	f("JSON", `[1,{"a":2}]`)                                               // the same as a column
	f("JSON", `{"a":1}`, `[1]`)                                            // objects and arrays
	f("JSON", `{}`)                                                        // no field
	f("JSON", `[]`, `[]`)                                                  // no element
	f("JSON", `5`, `{"a":1}`)                                              // a JSON scalar
	f("JSON", `{"":1}`)                                                    // a field with no name
	f("JSON", `{"a":1}`, `{"A":2}`)                                        // names one to Athena, which ignores case
	f("STRUCT(o JSON, p INT64)", `{"o":{"id":1,"ID":2},"p":1}`)            // only there
	deep := strings.Repeat(`{"a":`, maxShapeDepth+1) + "1" + strings.Repeat("}", maxShapeDepth+1)
	s := NewSchema(h, false)
	s.Observe([]spool.Field{{Name: "c", Value: transform.Value{Type: transform.JSON, S: deep}}})
	if got := s.Columns()[0].Type.String(); !strings.Contains(got, "JSON") || !strings.HasPrefix(got, "STRUCT(") {
		t.Errorf("deep object: %s, want STRUCTs down to a JSON field", got)
	}
	// TAP_NESTED=json keeps the column JSON.
	s = NewSchema(h, true)
	s.Observe([]spool.Field{{Name: "c", Value: transform.Value{Type: transform.JSON, S: `{"a":1}`}}})
	if got := s.Columns()[0].Type; got != transform.JSON {
		t.Errorf("keepJSON: %s", got)
	}
}

// TestShapeLeafBudget: the nested columns one flush infers have at most
// MaxColumns leaves together; the column past them stays JSON.
func TestShapeLeafBudget(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := range 300 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"f` + strings.Repeat("x", i%3) + string(rune('a'+i%26)) + `_` + strconv.Itoa(i) + `":1`)
	}
	b.WriteString("}")
	prog, _ := transform.Compile("SELECT *")
	s := NewSchema(spool.HeaderFor(prog), false)
	v := transform.Value{Type: transform.JSON, S: b.String()}
	s.Observe([]spool.Field{{Name: "a", Value: v}, {Name: "b", Value: v}})
	cols := s.Columns()
	if len(cols) != 2 || !cols[0].Type.IsNested() || cols[1].Type != transform.JSON {
		t.Errorf("300 + 300 leaves: %s, %s; want a STRUCT, then JSON", cols[0].Type, cols[1].Type)
	}
}

// TestInferredNestedColumns flushes objects and arrays that no cast shapes,
// with and without PARTITION BY (two reads, and the one-pass path giving
// way to them), and reads them back with DuckDB and with Arrow's Go reader
// as STRUCT and LIST, value for value.
func TestInferredNestedColumns(t *testing.T) {
	duckdb.Require(t)
	lines := []string{
		`{"k":1,"user":{"id":7,"name":"ann"},"tags":["a","b"],"pts":[{"x":1},{"x":2.5,"y":true}],"mixed":[1,{"a":2}]}`,
		`{"k":2,"user":null,"tags":[],"pts":[],"mixed":[]}`,
		`{"k":3,"user":{"name":"bo","extra":{"deep":[1,2]}},"tags":null,"mixed":[3]}`,
	}
	for _, part := range []string{"", " PARTITION BY k % 2 AS odd"} {
		stmt := `SELECT *` + part
		out, keys := flushTo(t, segment(t, stmt, lines...))
		if len(keys) == 0 {
			t.Fatal("no objects")
		}
		glob := filepath.Join(out, "p", "**", "*.parquet")
		res, err := duckdb.Run(context.Background(),
			"SELECT k, typeof(\"user\"), typeof(tags), typeof(pts), typeof(mixed), to_json(\"user\")::VARCHAR, to_json(tags)::VARCHAR, to_json(pts)::VARCHAR, mixed::VARCHAR, \"user\".extra.deep[2] FROM read_parquet('"+glob+"') ORDER BY k")
		if err != nil {
			t.Fatal(err)
		}
		if res[0].Err != "" {
			t.Fatal(res[0].Err)
		}
		user := `STRUCT(id BIGINT, "name" VARCHAR, extra STRUCT(deep BIGINT[]))`
		pts := `STRUCT(x DOUBLE, y BOOLEAN)[]`
		want := [][]any{
			{"1", user, "VARCHAR[]", pts, "JSON", `{"id":7,"name":"ann","extra":null}`, `["a","b"]`, `[{"x":1.0,"y":null},{"x":2.5,"y":true}]`, `[1,{"a":2}]`, nil},
			{"2", user, "VARCHAR[]", pts, "JSON", nil, `[]`, `[]`, `[]`, nil},
			{"3", user, "VARCHAR[]", pts, "JSON", `{"id":null,"name":"bo","extra":{"deep":[1,2]}}`, nil, nil, `[3]`, "2"},
		}
		if len(res[0].Rows) != len(want) {
			t.Fatalf("%s: %d rows, want %d", stmt, len(res[0].Rows), len(want))
		}
		for i, row := range res[0].Rows {
			for c := range row {
				if row[c] != want[i][c] {
					t.Errorf("%s: row %d column %d = %v, want %v", stmt, i, c, row[c], want[i][c])
				}
			}
		}
		if part != "" {
			continue
		}
		// Arrow's Go reader: structs and lists, the same values.
		data, err := os.ReadFile(filepath.Join(out, keys[0]))
		if err != nil {
			t.Fatal(err)
		}
		tbl := fixture.ArrowTable(t, data)
		wantArrow := map[string][]string{
			"user": {`{"extra":null,"id":7,"name":"ann"}`, `null`, `{"extra":{"deep":[1,2]},"id":null,"name":"bo"}`},
			"tags": {`["a","b"]`, `[]`, `null`},
			"pts":  {`[{"x":1,"y":null},{"x":2.5,"y":true}]`, `[]`, `null`},
		}
		wantType := map[string]string{
			"user": "struct<id: int64 nullable, name: utf8 nullable, extra: struct<deep: list<element: int64, nullable> nullable> nullable>",
			"tags": "list<element: utf8, nullable>",
			"pts":  "list<element: struct<x: float64 nullable, y: bool nullable>, nullable>",
		}
		for c := 0; c < int(tbl.NumCols()); c++ {
			name := tbl.Schema().Field(c).Name
			w, ok := wantArrow[name]
			if !ok {
				continue
			}
			delete(wantArrow, name)
			col := tbl.Column(c)
			if got := col.DataType().String(); got != wantType[name] {
				t.Errorf("Arrow: %s is %s, want %s", name, got, wantType[name])
			}
			i := 0
			for _, arr := range col.Data().Chunks() {
				for j := 0; j < arr.Len(); j++ {
					got, _ := json.Marshal(arr.GetOneForMarshal(j))
					if i < len(w) && string(got) != w[i] {
						t.Errorf("Arrow: %s row %d = %s, want %s", name, i, got, w[i])
					}
					i++
				}
			}
			if i != len(w) {
				t.Errorf("Arrow: %s has %d rows, want %d", name, i, len(w))
			}
		}
		tbl.Release()
		if len(wantArrow) > 0 {
			t.Errorf("Arrow: columns %v missing", wantArrow)
		}
	}
}

// TestNestedTypeStays: once the table has a STRUCT or LIST column, a later
// flush (read once: the table knows the column) writes the values that fit
// and sends the others whole to the overflow, counted: a new field, an
// element of another type, a string where the STRUCT is.
func TestNestedTypeStays(t *testing.T) {
	duckdb.Require(t)
	ts := newTestSpool(t, "SELECT *")
	ts.add(t, `{"i":1,"u":{"a":1},"l":[1]}`)
	if err := ts.f.All(context.Background(), ts.sp); err != nil {
		t.Fatal(err)
	}
	ts.add(t, `{"i":2,"u":{"a":2,"b":"new"},"l":[2]}`, `{"i":3,"u":{"a":3},"l":["x"]}`, `{"i":4,"u":"text","l":[]}`, `{"i":5,"u":{"a":5.0},"l":[5.0]}`)
	if err := ts.f.All(context.Background(), ts.sp); err != nil {
		t.Fatal(err)
	}
	if len(ts.res) != 2 || ts.res[0].Overflowed != 0 || ts.res[1].Overflowed != 3 {
		t.Fatalf("results %+v, want 0 then 3 overflowed", ts.res)
	}
	schema, err := os.ReadFile(filepath.Join(ts.out, "p", filepath.FromSlash(TableSchemaName)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(schema), `{"name":"u","type":"STRUCT(a INT64)"},{"name":"l","type":"INT64[]"}`) {
		t.Errorf("table schema %s", schema)
	}
	glob := filepath.Join(ts.out, "p", "**", "*.parquet")
	res, err := duckdb.Run(context.Background(),
		"SELECT i, typeof(u), to_json(u)::VARCHAR, to_json(l)::VARCHAR, _overflow::VARCHAR FROM read_parquet('"+glob+"', union_by_name = true) ORDER BY i")
	if err != nil || res[0].Err != "" {
		t.Fatal(err, res)
	}
	want := [][]any{
		{"1", "STRUCT(a BIGINT)", `{"a":1}`, `[1]`, nil},
		{"2", "STRUCT(a BIGINT)", nil, `[2]`, `{"u":{"a":2,"b":"new"}}`},
		{"3", "STRUCT(a BIGINT)", `{"a":3}`, nil, `{"l":["x"]}`},
		{"4", "STRUCT(a BIGINT)", nil, `[]`, `{"u":"text"}`},
		{"5", "STRUCT(a BIGINT)", `{"a":5}`, `[5]`, nil},
	}
	if len(res[0].Rows) != len(want) {
		t.Fatalf("rows %v", res[0].Rows)
	}
	for i, row := range res[0].Rows {
		for c := range row {
			if row[c] != want[i][c] {
				t.Errorf("row %d column %d = %v, want %v", i, c, row[c], want[i][c])
			}
		}
	}
}
