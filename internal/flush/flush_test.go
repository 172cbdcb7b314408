package flush

import (
	"github.com/datatap/datatap/internal/testenv/fixture"

	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/datatap/datatap/internal/sink/dir"
	"github.com/datatap/datatap/internal/spool"
	"github.com/datatap/datatap/internal/testenv/duckdb"
	"github.com/datatap/datatap/transform"
)

// segment spools lines through stmt and returns the sealed segment's path.
func segment(t *testing.T, stmt string, lines ...string) string {
	t.Helper()
	prog, err := transform.Compile(stmt)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := spool.Open(t.TempDir(), spool.HeaderFor(prog), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	return fixture.Segment(t, sp, prog, lines...)
}

// flushTo flushes seg into a new folder and returns the folder and the keys.
func flushTo(t *testing.T, seg string) (string, []string) {
	t.Helper()
	out := t.TempDir()
	sk, err := dir.New(out)
	if err != nil {
		t.Fatal(err)
	}
	f := &Flusher{Sink: sk, Prefix: "p/%Y/", ErrorsPrefix: "e/%Y/", TempDir: t.TempDir(), CreatedBy: "test"}
	res, err := f.Segment(context.Background(), seg)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	filepath.WalkDir(out, func(path string, d fs.DirEntry, err error) error {
		if d.IsDir() && d.Name() == "_datatap" {
			return fs.SkipDir // the table schema (table_test.go)
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(out, path)
			keys = append(keys, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(keys)
	got := slices.Clone(res.Objects)
	slices.Sort(got)
	if !slices.Equal(keys, got) {
		t.Errorf("Result.Objects %v, files %v", got, keys)
	}
	return out, keys
}

func TestFlushTwiceWritesTheSameObjects(t *testing.T) {
	seg := segment(t, "SELECT * PARTITION BY k",
		`{"k":"a","v":1}`, `{"k":"b/../c","v":2}`, `{"k":null,"v":3}`, `{"v":4}`, `oops`, `{"k":"a","v":5}`)
	out1, keys1 := flushTo(t, seg)
	out2, keys2 := flushTo(t, seg)
	if !slices.Equal(keys1, keys2) {
		t.Fatalf("keys differ:\n%v\n%v", keys1, keys2)
	}
	id := filepath.Base(seg[:len(seg)-len(spool.ExtSealed)])
	year := id[:4]
	want := []string{
		"e/" + year + "/" + id + ".ndjson",
		"p/" + year + "/k=__HIVE_DEFAULT_PARTITION__/" + id + ".parquet",
		"p/" + year + "/k=a/" + id + ".parquet",
		"p/" + year + "/k=b%2F%2E%2E%2Fc/" + id + ".parquet",
	}
	if !slices.Equal(keys1, want) {
		t.Errorf("keys\n got %v\nwant %v", keys1, want)
	}
	for _, k := range keys1 {
		a, _ := os.ReadFile(filepath.Join(out1, k))
		b, _ := os.ReadFile(filepath.Join(out2, k))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two flushes of the same segment", k)
		}
	}
}

func TestSchemaFollowsTheStatement(t *testing.T) {
	duckdb.Require(t)
	seg := segment(t, "SELECT n::INT32 AS first, *, lower(s) AS last, mixed",
		`{"s":"A","n":1,"mixed":1,"num":1,"obj":{"x":1}}`,
		`{"s":"B","n":2,"mixed":"two","num":2.5,"late":true}`,
		`{"s":"C","n":3,"mixed":3.5,"num":3,"obj":null}`)
	out, keys := flushTo(t, seg)
	res, err := duckdb.Run(context.Background(),
		"SELECT name, type, logical_type IS NOT NULL FROM parquet_schema('"+filepath.Join(out, keys[0])+"') WHERE name <> 'datatap'",
		"SELECT first, s, last, mixed, num, late FROM read_parquet('"+filepath.Join(out, keys[0])+"') ORDER BY first")
	if err != nil || res[0].Err != "" || res[1].Err != "" {
		t.Fatal(err, res)
	}
	var got []string
	for _, r := range res[0].Rows {
		typ, _ := r[1].(string)
		if typ == "" {
			typ = "group"
		}
		got = append(got, r[0].(string)+":"+typ)
	}
	// Explicit columns keep their places around *; * adds the record's other
	// fields in first-seen order; an explicit column is not repeated by *.
	// The object is a group (TAP_NESTED=native, shape.go) of its one field.
	want := []string{"first:INT32", "s:BYTE_ARRAY", "n:INT64", "num:DOUBLE", "obj:group", "x:INT64", "late:BOOLEAN", "last:BYTE_ARRAY", "mixed:BYTE_ARRAY"}
	if !slices.Equal(got, want) {
		t.Errorf("schema\n got %v\nwant %v", got, want)
	}
	rows := res[1].Rows
	if len(rows) != 3 || rows[0][3] != "1" || rows[1][3] != "two" || rows[2][3] != "3.5" || rows[1][4] != 2.5 || rows[0][4] != 1.0 || rows[1][5] != true || rows[0][5] != nil {
		t.Errorf("rows %v", rows)
	}
}
