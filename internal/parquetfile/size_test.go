package parquetfile_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/datatap/datatap/internal/parquetfile"
	"github.com/datatap/datatap/internal/testenv/duckdb"
)

// TestNoLargerThanDuckDB holds the budget "output no larger than DuckDB's for
// the same rows": 250,000 log rows are written by the Writer and, from the
// same rows as NDJSON, by DuckDB's COPY ... (FORMAT parquet, COMPRESSION
// zstd). Both files must also hold the same rows.
func TestNoLargerThanDuckDB(t *testing.T) {
	duckdb.Require(t)
	if testing.Short() {
		t.Skip("writes 250,000 rows twice")
	}
	const n = 250_000
	dir := t.TempDir()
	input := filepath.Join(dir, "rows.ndjson")
	ours := filepath.Join(dir, "ours.parquet")
	theirs := filepath.Join(dir, "duckdb.parquet")

	nd, err := os.Create(input)
	if err != nil {
		t.Fatal(err)
	}
	pq, err := os.Create(ours)
	if err != nil {
		t.Fatal(err)
	}
	ndw, pqw := bufio.NewWriter(nd), bufio.NewWriter(pq)
	w, err := parquetfile.NewWriter(pqw, logColumns, parquetfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	g := newLogGen(11)
	var line []byte
	for range n {
		row := g.next()
		line = appendNDJSON(line[:0], logColumns, row)
		if _, err := ndw.Write(line); err != nil {
			t.Fatal(err)
		}
		if err := w.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{ndw.Flush(), nd.Close(), pqw.Flush(), pq.Close()} {
		if err != nil {
			t.Fatal(err)
		}
	}

	rows := "SELECT * FROM read_json(" + lit(input) + ", format = 'newline_delimited', columns = " + logDuckDBColumns + ")"
	res := query(t,
		"COPY ("+rows+") TO "+lit(theirs)+" (FORMAT parquet, COMPRESSION zstd)",
		"SELECT count(*) FROM (SELECT * FROM read_parquet("+lit(ours)+") EXCEPT ALL "+rows+")",
		"SELECT count(*) FROM ("+rows+" EXCEPT ALL SELECT * FROM read_parquet("+lit(ours)+"))",
		"SELECT count(*) FROM read_parquet("+lit(ours)+")",
	)
	if got := fmt.Sprint(res[1].Rows, res[2].Rows, res[3].Rows); got != fmt.Sprintf("[[0]] [[0]] [[%d]]", n) {
		t.Errorf("rows only in ours, rows only in the input, rows in ours = %s; want none, none, %d", got, n)
	}
	size := func(path string) int64 {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return st.Size()
	}
	in, o, d := size(input), size(ours), size(theirs)
	t.Logf("%d rows, %d bytes of NDJSON: ours %d bytes, DuckDB's %d bytes (%+.1f%%)", n, in, o, d, 100*float64(o-d)/float64(d))
	if o > d {
		t.Errorf("our file is %d bytes, larger than DuckDB's %d", o, d)
	}
}
