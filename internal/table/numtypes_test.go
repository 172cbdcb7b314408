package table_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/datatap/datatap/internal/testenv/duckdb"
)

// TestNumberTypesThroughTheTap: columns cast to the narrow number types and
// DECIMAL go through ingest, the spool and the flush exactly (a UBIGINT
// beyond BIGINT, an 18-digit DECIMAL, a 38-digit one), and DuckDB reads back its own types.
func TestNumberTypesThroughTheTap(t *testing.T) {
	duckdb.Require(t)
	const stmt = "SELECT v::TINYINT AS a, v::USMALLINT AS b, u::UBIGINT AS c, f::REAL AS d, x::DECIMAL(18,3) AS e, x::DECIMAL(5,2) AS g, x::DECIMAL(38,10) AS h, u::DECIMAL(20,0) AS i"
	_, in, sp, f, out := tapInto(t, stmt, "p/")
	body := `{"v":-5,"u":"18446744073709551615","f":0.1,"x":"123456789012345.6785"}
{"v":300,"u":10000000000000000001,"f":"3.5e38","x":"1.005"}
`
	if _, err := in.Ingest([]byte(body), ""); err != nil {
		t.Fatal(err)
	}
	seg, err := sp.Seal()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Segment(context.Background(), seg); err != nil {
		t.Fatal(err)
	}
	var files []string
	_ = filepath.Walk(out, func(path string, info os.FileInfo, err error) error {
		if err == nil && strings.HasSuffix(path, ".parquet") {
			files = append(files, path)
		}
		return nil
	})
	if len(files) != 1 {
		t.Fatalf("files %v", files)
	}
	res, err := duckdb.Run(context.Background(),
		"SELECT typeof(a), typeof(b), typeof(c), typeof(d), typeof(e), typeof(g), typeof(h), typeof(i) FROM read_parquet('"+files[0]+"') LIMIT 1",
		"SELECT a::VARCHAR, b::VARCHAR, c::VARCHAR, d::VARCHAR, e::VARCHAR, g::VARCHAR, h::VARCHAR, i::VARCHAR FROM read_parquet('"+files[0]+"') ORDER BY a NULLS LAST")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != "" {
			t.Fatal(r.Err)
		}
	}
	if got, want := fmt.Sprint(res[0].Rows), "[[TINYINT USMALLINT UBIGINT FLOAT DECIMAL(18,3) DECIMAL(5,2) DECIMAL(38,10) DECIMAL(20,0)]]"; got != want {
		t.Errorf("types %s, want %s", got, want)
	}
	if got, want := fmt.Sprint(res[1].Rows), "[[-5 <nil> 18446744073709551615 0.1 123456789012345.679 <nil> 123456789012345.6785000000 18446744073709551615] [<nil> 300 10000000000000000001 inf 1.005 1.01 1.0050000000 10000000000000000001]]"; got != want {
		t.Errorf("rows %s\nwant %s", got, want)
	}
}
