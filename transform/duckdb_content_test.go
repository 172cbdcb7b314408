package transform_test

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

	"github.com/datatap/datatap/internal/parquetfile"
	"github.com/datatap/datatap/internal/testenv/duckdb"
	"github.com/datatap/datatap/transform"
	"github.com/parquet-go/parquet-go"
	"github.com/valyala/fastjson"
)

// TestHostileLinesReadByDuckDB is "accepted means writable" at the level of
// the transform: each hostile line, through ParseRecord and a statement, then
// stored the way the spool does (JSON as text) and written by the Parquet
// writer, gives a file that parquet-go reads back and DuckDB reads whole with
// SELECT *. All lines together in one file, too (columns widen across lines).
func TestHostileLinesReadByDuckDB(t *testing.T) {
	duckdb.Require(t)
	dir := t.TempDir()
	stmts := []string{
		"SELECT *",
		"SELECT *, user AS u, user.region AS r",
		"SELECT user, user.region AS r, user::VARCHAR AS uv, o, o::VARCHAR AS ov, n::VARCHAR AS nv, n::JSON AS nj, s, substr(s, 1, 1) AS s1",
	}
	var queries, what []string
	for si, stmt := range stmts {
		prog, err := transform.Compile(stmt)
		if err != nil {
			t.Fatal(err)
		}
		var all [][]transform.Field
		for li, line := range transform.HostileLines {
			rows := evalRows(t, prog, []string{line})
			all = append(all, rows...)
			path := filepath.Join(dir, fmt.Sprintf("s%d-l%d.parquet", si, li))
			if writeFile(t, path, prog, rows) {
				queries = append(queries, "SELECT * FROM '"+path+"'")
				what = append(what, fmt.Sprintf("%s on %q", stmt, line))
			}
		}
		path := filepath.Join(dir, fmt.Sprintf("s%d-all.parquet", si))
		if writeFile(t, path, prog, all) {
			queries = append(queries, "SELECT * FROM '"+path+"'")
			what = append(what, stmt+" on every hostile line")
		}
	}
	// What DuckDB makes of the names and of the values, for a few pinned cases.
	pin := filepath.Join(dir, "pin.parquet")
	prog, _ := transform.Compile("SELECT *, user AS u, n::VARCHAR AS nv")
	writeFile(t, pin, prog, evalRows(t, prog, []string{
		`{"":1,"_empty":2,"a":1,"a":2,"k\u0000":3,"user":{"region":"eu\u0007","q":"\"\u007f"},"o":["\ud800"],"n":18446744073709551615}`,
	}))
	queries = append(queries, "SELECT * FROM '"+pin+"'",
		"SELECT u->>'region' = 'eu' || chr(7), u->>'q' = '\"' || chr(127), (o->>0) = chr(65533), nv FROM '"+pin+"'")

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := duckdb.Run(ctx, queries...)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res[:len(what)] {
		if r.Err != "" {
			t.Errorf("%s: DuckDB cannot read the file: %s", what[i], r.Err)
		} else if len(r.Rows) != 1 && !strings.Contains(what[i], "every") {
			t.Errorf("%s: DuckDB reads %d rows, want 1", what[i], len(r.Rows))
		}
	}
	names, check := res[len(what)], res[len(what)+1]
	if want := []string{"_empty", "a", "k\uFFFD", "user", "o", "n", "u", "nv"}; !slices.Equal(names.Columns, want) {
		t.Errorf("DuckDB names the columns %q, want %q (%s)", names.Columns, want, names.Err)
	}
	if names.Err == "" && len(names.Rows) == 1 {
		if got := fmt.Sprint(names.Rows[0][:3]); got != "[1 1 3]" {
			t.Errorf("_empty, a, k: DuckDB reads %s, want [1 1 3] (the first of equal names wins)", got)
		}
	}
	if check.Err != "" || len(check.Rows) != 1 || fmt.Sprint(check.Rows[0]) != "[true true true 18446744073709551615]" {
		t.Errorf("DuckDB reads the values as %v (%s), want [true true true 18446744073709551615]", check.Rows, check.Err)
	}
}

// evalRows runs prog over lines and returns the kept rows, copied out of the
// State and with JSON as text, the way the spool keeps them.
func evalRows(t *testing.T, prog *transform.Program, lines []string) [][]transform.Field {
	t.Helper()
	st := prog.NewState()
	var p fastjson.Parser
	var rows [][]transform.Field
	for _, line := range lines {
		rec, err := transform.ParseRecord(&p, []byte(line))
		if err != nil {
			t.Fatalf("ParseRecord(%q): %v", line, err)
		}
		if !prog.Eval(st, rec) {
			continue
		}
		row := make([]transform.Field, len(st.Row))
		for i, f := range st.Row {
			v := f.Value
			switch v.Type {
			case transform.Varchar:
				v.S = strings.Clone(v.S)
			case transform.JSON:
				v = transform.Value{Type: transform.JSON, S: string(v.AppendText(nil))}
			case transform.Double:
				v.S = ""
			}
			row[i] = transform.Field{Name: strings.Clone(f.Name), Value: v}
		}
		rows = append(rows, row)
	}
	return rows
}

// writeFile writes rows as a Parquet file with columns in order of first
// appearance and types inferred as the flush does, reads it back with
// parquet-go, and reports whether there was anything to write.
func writeFile(t *testing.T, path string, prog *transform.Program, rows [][]transform.Field) bool {
	t.Helper()
	declared := map[string]transform.Type{}
	for _, c := range prog.Columns() {
		declared[c.Name] = c.Type
	}
	index := map[string]int{}
	var names []string
	var types []transform.Type
	for _, row := range rows {
		for _, f := range row {
			i, ok := index[f.Name]
			if !ok {
				i = len(names)
				index[f.Name] = i
				names = append(names, f.Name)
				types = append(types, transform.Null)
			}
			types[i] = transform.Widen(types[i], f.Value.Type)
		}
	}
	if len(names) == 0 {
		return false
	}
	cols := make([]parquetfile.Column, len(names))
	for i, n := range names {
		cols[i] = parquetfile.Column{Name: n, Type: transform.ColumnType(declared[n], types[i])}
	}
	var buf bytes.Buffer
	w, err := parquetfile.NewWriter(&buf, cols, parquetfile.Options{})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var cast transform.State
	for _, row := range rows {
		vals := make([]transform.Value, len(cols))
		for _, f := range row {
			i := index[f.Name]
			vals[i] = cast.Cast(f.Value, cols[i].Type)
		}
		if err := w.Write(vals); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		cast.ClearScratch()
	}
	if err := w.Close(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatalf("%s: parquet-go cannot open it: %v", path, err)
	}
	if f.NumRows() != int64(len(rows)) {
		t.Fatalf("%s: parquet-go reads %d rows, want %d", path, f.NumRows(), len(rows))
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return true
}
