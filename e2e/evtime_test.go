package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/datatap/datatap/internal/testenv/duckdb"
)

// TestServeEventTime: with TAP_TIME, serve writes each row under the hour
// of its own time (the default TAP_PREFIX), rows without one under the
// arrival hour, and DuckDB reads the folders back as the rows' hours.
func TestServeEventTime(t *testing.T) {
	duckdb.Require(t)
	out := t.TempDir()
	srv := startServe(t, "TAP_DIR="+out, "TAP_SPOOL_DIR="+t.TempDir(), "TAP_TIME=ts",
		"TAP_TRANSFORM=SELECT id, ts::TIMESTAMP AS ts, msg")
	var body strings.Builder
	hours := []string{"2024-05-01T09", "2024-05-01T10", "2024-05-02T23", "2019-01-01T00"}
	n := 0
	for i := range 200 {
		fmt.Fprintf(&body, `{"id":%d,"ts":"%s:%02d:00Z","msg":"m"}`+"\n", n, hours[i%len(hours)], i%60)
		n++
	}
	for range 5 { // no event time: the arrival hour
		fmt.Fprintf(&body, `{"id":%d,"msg":"late"}`+"\n", n)
		n++
	}
	before := time.Now().UTC()
	got, err := send(srv.URL, []byte(body.String()), true)
	if err != nil {
		t.Fatal(err)
	}
	if got["accepted"] != n {
		t.Fatalf("accepted %v, want %d", got, n)
	}
	srv.Stop(t, 20*time.Second)
	after := time.Now().UTC()

	// The folders' values are cast: DuckDB reads "05" as VARCHAR.
	glob := filepath.ToSlash(out) + "/datataps/**/*.parquet"
	res, err := duckdb.Run(context.Background(), fmt.Sprintf(`SELECT
		count(*),
		count(*) FILTER (WHERE ts IS NOT NULL AND year::INT = year(ts) AND month::INT = month(ts) AND day::INT = day(ts) AND hour::INT = hour(ts)),
		count(*) FILTER (WHERE ts IS NULL AND make_timestamp(year::INT, month::INT, day::INT, hour::INT, 0, 0.0) BETWEEN TIMESTAMP '%s' AND TIMESTAMP '%s'),
		count(DISTINCT filename)
		FROM read_parquet('%s', hive_partitioning = true, filename = true)`,
		before.Truncate(time.Hour).Format("2006-01-02 15:04:05"), after.Format("2006-01-02 15:04:05"), glob))
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err != "" {
		t.Fatalf("%s\n%s", res[0].Err, srv.Logs.String())
	}
	if g := fmt.Sprint(res[0].Rows); g != fmt.Sprintf("[[%d 200 5 5]]", n) {
		t.Errorf("DuckDB: [rows, rows in their hour, rows without time in the arrival hour, files] = %s, want [[%d 200 5 5]]", g, n)
	}
}
