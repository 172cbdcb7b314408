package table_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/datatap/datatap/internal/flush"
	"github.com/datatap/datatap/internal/ingest"
	"github.com/datatap/datatap/internal/sink/dir"
	"github.com/datatap/datatap/internal/spool"
	"github.com/datatap/datatap/internal/table"
	"github.com/datatap/datatap/internal/testenv/duckdb"
	"github.com/datatap/datatap/internal/testenv/moto"
	"github.com/datatap/datatap/transform"
)

const (
	statement = "SELECT *, n::INT64 AS n, ts::TIMESTAMP AS ts PARTITION BY level"
	prefix    = "events/year=%Y/month=%m/day=%d/hour=%H/"
)

// TestDuckDBViewReadsWhatTheTapWrote: the view of a folder the flush wrote
// (three flushes, two PARTITION BY values) sees every row, with the
// prefix's folders and the PARTITION BY item as columns.
func TestDuckDBViewReadsWhatTheTapWrote(t *testing.T) {
	duckdb.Require(t)
	prog, in, sp, f, out := tapInto(t, statement, prefix)
	want := map[string]int{}
	for flushNo := range 3 {
		var body strings.Builder
		for i := range 10 + flushNo {
			level := []string{"info", "error"}[i%2]
			want[level]++
			fmt.Fprintf(&body, `{"n":%d,"ts":"2024-05-01T10:00:00Z","level":%q,"msg":"m%d"}`+"\n", i, level, flushNo)
		}
		if _, err := in.Ingest([]byte(body.String()), ""); err != nil {
			t.Fatal(err)
		}
		seg, err := sp.Seal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Segment(context.Background(), seg); err != nil {
			t.Fatal(err)
		}
	}
	tb, err := table.Build(table.Options{Dir: out, Prefix: prefix, Program: prog})
	if err != nil {
		t.Fatal(err)
	}
	res, err := duckdb.Run(context.Background(), tb.DuckDBView(),
		`SELECT level, count(*), count(DISTINCT msg), sum(n), min(year), count(DISTINCT hour) FROM "datatap"."events" GROUP BY level ORDER BY level`)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != "" {
			t.Fatalf("DuckDB: %s\n%s", r.Err, tb.DuckDBView())
		}
	}
	rows := res[len(res)-1].Rows
	if len(rows) != 2 {
		t.Fatalf("rows %v", rows)
	}
	for _, r := range rows {
		level := r[0].(string)
		if r[1] != fmt.Sprint(want[level]) || r[2] != "3" || r[5] != "1" {
			t.Errorf("%s: count %v (want %d), distinct msg %v (want 3), hours %v", level, r[1], want[level], r[2], r[5])
		}
		if r[4] == nil {
			t.Errorf("%s: no year column from the prefix's folders", level)
		}
	}
}

// TestGlueTakesTheTable: moto's Glue creates the table from the
// TableInput that the DDL is rendered from, and gives it back unchanged.
func TestGlueTakesTheTable(t *testing.T) {
	srv := moto.Start(t)
	prog, err := transform.Compile(statement)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := table.Build(table.Options{Bucket: "my-bucket", Prefix: prefix, Program: prog, Name: "events"})
	if err != nil {
		t.Fatal(err)
	}
	srv.Call(t, "glue", "AWSGlue.CreateDatabase", fmt.Sprintf(`{"DatabaseInput":{"Name":%q}}`, tb.Database))
	body, err := json.Marshal(map[string]any{"DatabaseName": tb.Database, "TableInput": tb.Input})
	if err != nil {
		t.Fatal(err)
	}
	srv.Call(t, "glue", "AWSGlue.CreateTable", string(body))
	var got struct{ Table table.TableInput }
	out := srv.Call(t, "glue", "AWSGlue.GetTable", fmt.Sprintf(`{"DatabaseName":%q,"Name":%q}`, tb.Database, tb.Input.Name))
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Table, tb.Input) {
		t.Errorf("Glue has\n%+v\nwant\n%+v", got.Table, tb.Input)
	}
	if len(got.Table.StorageDescriptor.Columns) != 2 || len(got.Table.PartitionKeys) != 5 {
		t.Errorf("columns %v, partition keys %v", got.Table.StorageDescriptor.Columns, got.Table.PartitionKeys)
	}
}

// tapInto opens what a tap writes a folder with: the statement compiled,
// a spool, its ingester and a flusher to a new folder out under prefix.
func tapInto(t *testing.T, stmt, prefix string) (*transform.Program, *ingest.Ingester, *spool.Spool, *flush.Flusher, string) {
	t.Helper()
	prog, err := transform.Compile(stmt)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	sk, err := dir.New(out)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := spool.Open(t.TempDir(), spool.HeaderFor(prog), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	in := ingest.New(prog, sp, ingest.Limits{MaxBodyBytes: 1 << 20, MaxLineBytes: 1 << 20})
	return prog, in, sp, &flush.Flusher{Sink: sk, Prefix: prefix, ErrorsPrefix: "errors/", TempDir: t.TempDir()}, out
}
