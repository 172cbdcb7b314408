// Package duckdb lets tests check datatap's output with an independent reader.
//
// A writer tested only by its own reader can be wrong in ways both agree on.
// DuckDB shares no code with datatap, so tests write a file and ask DuckDB
// (through the Node package @duckdb/node-api, driven by query.mjs in this
// folder) what it contains. The Go DuckDB driver would add cgo and a module
// dependency; a Node process kept in test-only tooling adds neither.
//
// Install the Node side once with `make duckdb`, which runs
//
//	npm ci --prefix internal/testenv/duckdb --no-audit --no-fund
//
// Tests call Require first, so they skip when it is missing, or fail when
// DATATAP_REQUIRE_DUCKDB=1 (set that in CI so the checks cannot silently
// vanish).
//
// Cells come back as JSON decoded into any, so they are nil, bool, string or
// float64. Integers, timestamps, decimals and everything without an exact
// JSON form are strings (see Result), so nothing is rounded on the way.
package duckdb

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// installHint is the one fix for every "not installed" error.
const installHint = "run `make duckdb` (npm ci --prefix internal/testenv/duckdb --no-audit --no-fund)"

// Dir returns the absolute path of this package's folder, where query.mjs and
// node_modules live. It uses the source file's compile-time path, so it is
// right whatever package's test calls it (tests run in their own folder).
// Under -trimpath the path is not absolute; Available reports that.
func Dir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return ""
	}
	return filepath.Dir(file)
}

// Available reports why DuckDB cannot be used, or nil if it can: node must be
// on PATH and the npm package must be installed in Dir()/node_modules. It
// does not start node, so it is cheap enough to call from every test.
func Available() error {
	dir := Dir()
	if !filepath.IsAbs(dir) {
		return fmt.Errorf("duckdb: cannot locate internal/testenv/duckdb (source path %q is not absolute; built with -trimpath?)", dir)
	}
	if _, err := exec.LookPath("node"); err != nil {
		return fmt.Errorf("duckdb: node is not on PATH (%v); install Node.js 20+, then %s", err, installHint)
	}
	pkg := filepath.Join(dir, "node_modules", "@duckdb", "node-api", "package.json")
	if _, err := os.Stat(pkg); err != nil {
		return fmt.Errorf("duckdb: @duckdb/node-api is not installed in %s; %s", dir, installHint)
	}
	return nil
}

// Require skips the test when DuckDB is not Available, so `go test ./...`
// works on a machine without Node. With DATATAP_REQUIRE_DUCKDB=1 it fails the
// test instead, so CI notices a broken install rather than skipping quietly.
func Require(t testing.TB) {
	t.Helper()
	err := Available()
	if err == nil {
		return
	}
	if os.Getenv("DATATAP_REQUIRE_DUCKDB") == "1" {
		t.Fatal(err)
	}
	t.Skip(err)
}

// Result is what DuckDB returned for one statement.
//
// Each cell in Rows is one of:
//   - nil: SQL NULL;
//   - bool: BOOLEAN;
//   - float64: FLOAT or DOUBLE (a FLOAT is its float32 value widened
//     exactly; -0 keeps its sign);
//   - string: everything else, namely
//     the decimal digits of any integer type (exact beyond 2^53),
//     "NaN", "Infinity" or "-Infinity" for FLOAT/DOUBLE,
//     the text of VARCHAR and JSON,
//     base64 of a BLOB,
//     the decimal digits of microseconds since the Unix epoch (UTC) for
//     every TIMESTAMP variant, including WITH TIME ZONE (TIMESTAMP_NS is
//     truncated toward zero, and ±infinity is ±9223372036854775807, both
//     as in DuckDB's CAST(x AS TIMESTAMP)),
//     and DuckDB's own CAST(x AS VARCHAR) for all other types, e.g.
//     "2024-01-02" for a DATE, "1.50" for a DECIMAL(5,2), "[1, 2]" for
//     a LIST.
type Result struct {
	// Columns are the result's column names as DuckDB chose them.
	Columns []string `json:"columns"`
	// Types are DuckDB type names per column, e.g. "BIGINT", "JSON",
	// "TIMESTAMP WITH TIME ZONE", "DECIMAL(5,2)", "INTEGER[]".
	Types []string `json:"types"`
	// Rows holds the cells, row by row, encoded as described above.
	Rows [][]any `json:"rows"`
	// Err is DuckDB's error message if the statement failed, else "".
	// The statements after a failed one still run.
	Err string `json:"error"`
}

// Run executes statements in order in one fresh in-memory DuckDB database
// (one connection, so CREATE/SET in one statement affect the next ones) and
// returns one Result per statement. The session TimeZone starts as UTC so
// results do not depend on the machine. Relative file paths in SQL resolve
// against the caller's working directory (a test's package folder).
//
// Run returns an error only when the harness itself fails (node missing,
// crash, bad output); a failing statement is reported in its Result.Err.
// The environment is passed on, so DUCKDB_THREADS=n sets DuckDB's threads.
func Run(ctx context.Context, statements ...string) ([]Result, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	if statements == nil {
		statements = []string{} // query.mjs wants an array, not null
	}
	input, err := json.Marshal(statements)
	if err != nil {
		return nil, fmt.Errorf("duckdb: encoding statements: %w", err)
	}

	cmd := exec.CommandContext(ctx, "node", filepath.Join(Dir(), "query.mjs"))
	cmd.Stdin = bytes.NewReader(input)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	cmd.WaitDelay = 5 * time.Second // don't hang on a child holding the pipes after cancel
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = errors.Join(ctxErr, err)
		}
		return nil, fmt.Errorf("duckdb: node query.mjs: %w: %s", err, msg)
	}

	var results []Result
	if err := json.Unmarshal(stdout.Bytes(), &results); err != nil {
		return nil, fmt.Errorf("duckdb: decoding query.mjs output: %w (stderr: %s)", err, strings.TrimSpace(stderr.String()))
	}
	if len(results) != len(statements) {
		return nil, fmt.Errorf("duckdb: query.mjs returned %d results for %d statements", len(results), len(statements))
	}
	return results, nil
}
