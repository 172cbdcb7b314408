package duckdb

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// run is Run with a deadline, failing the test on harness errors.
func run(t *testing.T, statements ...string) []Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	results, err := Run(ctx, statements...)
	if err != nil {
		t.Fatal(err)
	}
	return results
}

// micros is the expected encoding of a timestamp cell: microseconds since
// the Unix epoch, as decimal digits.
func micros(rfc3339 string) string {
	ts, err := time.Parse(time.RFC3339Nano, rfc3339)
	if err != nil {
		panic(err)
	}
	return strconv.FormatInt(ts.UnixMicro(), 10)
}

func TestCellKinds(t *testing.T) {
	Require(t)
	res := run(t, `SELECT
		9007199254740993::BIGINT AS big,
		-5::INTEGER AS int,
		1.5::DOUBLE AS dbl,
		'é'::VARCHAR AS str,
		NULL AS nul,
		TRUE AS bool,
		TIMESTAMP '2024-01-02 03:04:05.123456' AS ts,
		DATE '2024-01-02' AS d,
		'{"a":1}'::JSON AS js,
		[1,2] AS list,
		TIMESTAMPTZ '2024-01-02 03:04:05.5+02:00' AS tstz,
		'2024-01-02 03:04:05.123456789'::TIMESTAMP_NS AS tsns,
		'2024-01-02 03:04:05.123'::TIMESTAMP_MS AS tsms,
		'2024-01-02 03:04:05'::TIMESTAMP_S AS tss,
		'infinity'::TIMESTAMP AS tsinf,
		18446744073709551615::UBIGINT AS ubig,
		'-170141183460469231731687303715884105728'::HUGEINT AS huge,
		1.50::DECIMAL(5,2) AS dec,
		0.1::FLOAT AS flt,
		'nan'::DOUBLE AS nan,
		'-inf'::DOUBLE AS neginf,
		-0.0::DOUBLE AS negzero,
		'\x00\xff'::BLOB AS blob,
		{'k': 'a b', 'n': [NULL]} AS struct,
		INTERVAL 90 MINUTE AS iv`)
	r := res[0]
	if r.Err != "" {
		t.Fatal(r.Err)
	}
	want := []struct {
		name, typ string
		val       any
	}{
		{"big", "BIGINT", "9007199254740993"},
		{"int", "INTEGER", "-5"},
		{"dbl", "DOUBLE", 1.5},
		{"str", "VARCHAR", "é"},
		{"nul", "INTEGER", nil}, // DuckDB types a bare NULL literal as INTEGER
		{"bool", "BOOLEAN", true},
		{"ts", "TIMESTAMP", micros("2024-01-02T03:04:05.123456Z")},
		{"d", "DATE", "2024-01-02"},
		{"js", "JSON", `{"a":1}`},
		{"list", "INTEGER[]", "[1, 2]"},
		{"tstz", "TIMESTAMP WITH TIME ZONE", micros("2024-01-02T01:04:05.5Z")},
		{"tsns", "TIMESTAMP_NS", micros("2024-01-02T03:04:05.123456Z")},
		{"tsms", "TIMESTAMP_MS", micros("2024-01-02T03:04:05.123Z")},
		{"tss", "TIMESTAMP_S", micros("2024-01-02T03:04:05Z")},
		{"tsinf", "TIMESTAMP", strconv.FormatInt(math.MaxInt64, 10)},
		{"ubig", "UBIGINT", "18446744073709551615"},
		{"huge", "HUGEINT", "-170141183460469231731687303715884105728"},
		{"dec", "DECIMAL(5,2)", "1.50"},
		{"flt", "FLOAT", float64(float32(0.1))},
		{"nan", "DOUBLE", "NaN"},
		{"neginf", "DOUBLE", "-Infinity"},
		{"negzero", "DOUBLE", math.Copysign(0, -1)},
		{"blob", "BLOB", "AP8="},
		{"struct", `STRUCT("k" VARCHAR, "n" INTEGER[])`, "{'k': a b, 'n': [NULL]}"},
		{"iv", "INTERVAL", "01:30:00"},
	}
	if len(r.Columns) != len(want) || len(r.Types) != len(want) || len(r.Rows) != 1 || len(r.Rows[0]) != len(want) {
		t.Fatalf("shape: %d columns, %d types, rows %v; want %d columns and 1 row", len(r.Columns), len(r.Types), r.Rows, len(want))
	}
	for i, w := range want {
		got := r.Rows[0][i]
		if r.Columns[i] != w.name || r.Types[i] != w.typ || !reflect.DeepEqual(got, w.val) {
			t.Errorf("column %d: got %s %s = %#v, want %s %s = %#v", i, r.Columns[i], r.Types[i], got, w.name, w.typ, w.val)
		}
	}
	// DeepEqual cannot tell -0 from 0.
	if f, ok := r.Rows[0][21].(float64); !ok || !math.Signbit(f) {
		t.Errorf("negzero = %#v, want -0", r.Rows[0][21])
	}
}

func TestFailingStatementDoesNotStopLaterOnes(t *testing.T) {
	Require(t)
	res := run(t,
		"CREATE TABLE t AS SELECT 42 AS answer",
		"SELEC nonsense",
		"SELECT answer FROM t",
	)
	if len(res) != 3 {
		t.Fatalf("got %d results, want 3", len(res))
	}
	if res[0].Err != "" {
		t.Errorf("CREATE failed: %s", res[0].Err)
	}
	if !strings.Contains(res[1].Err, "syntax error") || len(res[1].Rows) != 0 {
		t.Errorf("bad statement: Err = %q, want a syntax error", res[1].Err)
	}
	want := Result{Columns: []string{"answer"}, Types: []string{"INTEGER"}, Rows: [][]any{{"42"}}}
	if !reflect.DeepEqual(res[2], want) {
		t.Errorf("statement after the failure: got %+v, want %+v", res[2], want)
	}
}

func TestReadsNDJSONFile(t *testing.T) {
	Require(t)
	path := filepath.Join(t.TempDir(), "rows.ndjson")
	data := `{"id": 1, "name": "ä", "at": "2024-01-02T03:04:05+02:00", "score": 1.5, "tags": ["x"]}
{"id": 9007199254740993, "name": null, "at": "2024-01-02T03:04:05-07:00", "score": 2, "tags": []}
`
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	sqlPath := strings.ReplaceAll(path, "'", "''")
	res := run(t, "SELECT * FROM read_json('"+sqlPath+"', format='newline_delimited') ORDER BY id")
	r := res[0]
	if r.Err != "" {
		t.Fatal(r.Err)
	}
	want := Result{
		Columns: []string{"id", "name", "at", "score", "tags"},
		// read_json infers ISO-8601 strings with an offset as TIMESTAMP
		// (not TIMESTAMPTZ), shifted to UTC. It needs one format for the
		// whole column: mixing "+02:00" and "Z" rows gives VARCHAR.
		Types: []string{"BIGINT", "VARCHAR", "TIMESTAMP", "DOUBLE", "VARCHAR[]"},
		Rows: [][]any{
			{"1", "ä", micros("2024-01-02T01:04:05Z"), 1.5, "[x]"},
			{"9007199254740993", nil, micros("2024-01-02T10:04:05Z"), 2.0, "[]"},
		},
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("got  %+v\nwant %+v", r, want)
	}
}

func TestUsageErrorIsAHarnessError(t *testing.T) {
	Require(t)
	t.Setenv("DUCKDB_THREADS", "lots")
	if _, err := Run(context.Background(), "SELECT 1"); err == nil || !strings.Contains(err.Error(), "DUCKDB_THREADS") {
		t.Errorf("Run with a bad DUCKDB_THREADS: err = %v, want a usage error", err)
	}
}
