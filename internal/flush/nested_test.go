package flush

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/datatap/datatap/internal/testenv/duckdb"
)

// TestDeclaredNestedColumns flushes a statement that casts to STRUCT and
// LIST types, with and without PARTITION BY (the two ways a segment is
// read), and checks that DuckDB reads native nested columns back.
func TestDeclaredNestedColumns(t *testing.T) {
	duckdb.Require(t)
	lines := []string{
		`{"k":1,"user":{"id":"7","name":"ann","extra":true},"tags":["a","b"],"pts":[{"x":1},{"x":"2.5"}]}`,
		`{"k":2,"user":null,"tags":[],"pts":"not a list"}`,
		`{"k":3,"tags":[1,"two"]}`,
	}
	for _, part := range []string{"", " PARTITION BY k % 2 AS odd"} {
		stmt := `SELECT k, user::STRUCT(id INT, name VARCHAR) AS u, tags::VARCHAR[] AS tags, pts::STRUCT(x DOUBLE)[] AS pts` + part
		out, keys := flushTo(t, segment(t, stmt, lines...))
		glob := filepath.Join(out, "p", "**", "*.parquet")
		if len(keys) == 0 {
			t.Fatal("no objects")
		}
		res, err := duckdb.Run(context.Background(),
			"SELECT k, typeof(u), typeof(tags), typeof(pts), to_json(u)::VARCHAR, to_json(tags)::VARCHAR, to_json(pts)::VARCHAR FROM read_parquet('"+glob+"') ORDER BY k")
		if err != nil {
			t.Fatal(err)
		}
		if res[0].Err != "" {
			t.Fatal(res[0].Err)
		}
		want := [][]any{
			{"1", `STRUCT(id INTEGER, "name" VARCHAR)`, "VARCHAR[]", "STRUCT(x DOUBLE)[]", `{"id":7,"name":"ann"}`, `["a","b"]`, `[{"x":1.0},{"x":2.5}]`},
			{"2", `STRUCT(id INTEGER, "name" VARCHAR)`, "VARCHAR[]", "STRUCT(x DOUBLE)[]", nil, `[]`, nil},
			{"3", `STRUCT(id INTEGER, "name" VARCHAR)`, "VARCHAR[]", "STRUCT(x DOUBLE)[]", nil, `["1","two"]`, nil},
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
	}
}
