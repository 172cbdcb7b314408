// Command compare measures datatap's pipeline against DuckDB on the same
// NDJSON file and the same statement, one thread each, and prints a Markdown
// table (see README.md in this folder):
//
//	go run ./bench/compare -corpus .tools/compare/corpus.ndjson -work .tools/compare
//
// Each side runs under /usr/bin/time -v, -runs times, alternating; the run
// with the median CPU time is reported. Both outputs are then read back by
// DuckDB, which must find the same rows in them (counts, and EXCEPT ALL both
// ways, timestamps compared as microseconds since the epoch). The exit
// status is 1 when they differ or a side fails.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/datatap/datatap/internal/testenv/duckdb"
)

// ourStatement is the transform, in datatap's dialect.
const ourStatement = `SELECT ts::TIMESTAMP AS ts, level, service, status::INT64 AS status, latency_ms::DOUBLE AS latency_ms, user.id AS user_id, msg, path WHERE level <> 'debug' AND status >= 200`

// duckdbCopy is the same statement for DuckDB, with the input and output
// paths to fill in. read_json infers the column types from a sample (the
// corpus is uniform: see gen), as a user of DuckDB would let it.
const duckdbCopy = `COPY (SELECT ts::TIMESTAMP AS ts, level, service, status::INT64 AS status, latency_ms::DOUBLE AS latency_ms, "user".id AS user_id, msg, path FROM read_json(%s, format = 'newline_delimited') WHERE level <> 'debug' AND status >= 200) TO %s (FORMAT parquet, COMPRESSION zstd)`

func main() {
	corpus := flag.String("corpus", "", "the NDJSON input (make one with go run ./bench/compare/gen)")
	work := flag.String("work", filepath.Join(os.TempDir(), "datatap-compare"), "folder for the binaries and outputs")
	runs := flag.Int("runs", 3, "runs per side; the one with the median CPU time is reported")
	seal := flag.String("seal", "0", "passed to the pipeline: seal and flush a segment at this size (0: one segment)")
	profile := flag.String("profile", "", "after the runs, profile the pipeline once more into this file and print its top functions")
	flag.Parse()
	if *corpus == "" || *runs < 1 || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: compare -corpus FILE [-work DIR] [-runs N] [-seal SIZE] [-profile FILE]")
		os.Exit(2)
	}
	if err := run(*corpus, *work, *runs, *seal, *profile); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

// here is this program's source folder, where duckdb.mjs and pipeline/ are.
func here() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

// measure is one run of one side.
type measure struct {
	wall, cpu float64 // seconds; cpu is user + system
	rssKiB    int64   // peak resident set size
	stdout    string
}

func run(corpus, work string, runs int, seal, profile string) error {
	if err := duckdb.Available(); err != nil {
		return err
	}
	corpus, _ = filepath.Abs(corpus)
	work, _ = filepath.Abs(work)
	input, err := os.ReadFile(corpus)
	if err != nil {
		return err
	}
	inBytes, inLines := len(input), bytes.Count(input, []byte{'\n'})
	input = nil
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}

	pipeline := filepath.Join(work, "pipeline")
	build := exec.Command("go", "build", "-o", pipeline, ".")
	build.Dir = filepath.Join(here(), "pipeline")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building the pipeline: %w", err)
	}
	ourDir := filepath.Join(work, "ours")
	theirFile := filepath.Join(work, "duckdb.parquet")
	mjs := filepath.Join(here(), "duckdb.mjs")
	ours := []string{"env", "GOMAXPROCS=1", pipeline, "-t", ourStatement, "-seal", seal, corpus, ourDir}
	theirs := []string{"node", mjs, fmt.Sprintf(duckdbCopy, lit(corpus), lit(theirFile))}

	load := loadAverage()
	idle, err := timed(work, "node", mjs, "--idle")
	if err != nil {
		return fmt.Errorf("duckdb idle: %w", err)
	}
	var ourRuns, theirRuns []measure
	for i := range runs {
		fmt.Fprintf(os.Stderr, "run %d/%d: datatap", i+1, runs)
		os.RemoveAll(ourDir)
		m, err := timed(work, ours...)
		if err != nil {
			return fmt.Errorf("datatap: %w", err)
		}
		ourRuns = append(ourRuns, m)
		fmt.Fprintf(os.Stderr, " %.2f s, DuckDB", m.wall)
		os.Remove(theirFile)
		if m, err = timed(work, theirs...); err != nil {
			return fmt.Errorf("duckdb: %w", err)
		}
		theirRuns = append(theirRuns, m)
		fmt.Fprintf(os.Stderr, " %.2f s\n", m.wall)
	}
	our, their := median(ourRuns), median(theirRuns)

	// The outputs on disk are the last run's (every run writes the same rows
	// under new names).
	var ourFiles []string
	var ourOut int64
	for _, line := range strings.Split(ourRuns[runs-1].stdout, "\n") {
		if key, ok := strings.CutPrefix(line, "object "); ok && strings.HasSuffix(key, ".parquet") {
			path := filepath.Join(ourDir, filepath.FromSlash(key))
			info, err := os.Stat(path)
			if err != nil {
				return err
			}
			ourFiles = append(ourFiles, path)
			ourOut += info.Size()
		}
	}
	info, err := os.Stat(theirFile)
	if err != nil {
		return err
	}
	theirOut := info.Size()
	if len(ourFiles) == 0 {
		return errors.New("datatap wrote no Parquet file")
	}

	check, err := compareOutputs(ourFiles, theirFile)
	if err != nil {
		return err
	}

	printTable(os.Stdout, table{
		inBytes: inBytes, inLines: inLines, runs: runs, seal: seal, files: len(ourFiles),
		spoolBytes: field(our.stdout, "spool_bytes"), load: load,
		our: our, their: their, idle: idle,
		ourRows: field(our.stdout, "rows"), theirRows: field(their.stdout, "rows"),
		ourOut: ourOut, theirOut: theirOut, check: check,
	})

	if profile != "" {
		profile, _ = filepath.Abs(profile)
		os.RemoveAll(ourDir)
		args := append([]string{"-cpuprofile", profile}, ours[3:]...)
		cmd := exec.Command(pipeline, args...)
		cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("profile run: %w: %s", err, out)
		}
		top := exec.Command("go", "tool", "pprof", "-top", "-nodecount=30", pipeline, profile)
		top.Stdout, top.Stderr = os.Stdout, os.Stderr
		fmt.Println("\n```")
		if err := top.Run(); err != nil {
			return err
		}
		fmt.Println("```")
	}
	if !check.same {
		return errors.New("the outputs hold different rows (see the table)")
	}
	return nil
}

// timed runs args under /usr/bin/time -v in dir and parses what it reports.
func timed(dir string, args ...string) (measure, error) {
	stats := filepath.Join(dir, "time.txt")
	cmd := exec.Command("/usr/bin/time", append([]string{"-v", "-o", stats}, args...)...)
	cmd.Dir = dir
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return measure{}, err
	}
	text, err := os.ReadFile(stats)
	if err != nil {
		return measure{}, err
	}
	m := measure{stdout: stdout.String()}
	for _, line := range strings.Split(string(text), "\n") {
		name, value, ok := strings.Cut(strings.TrimSpace(line), ": ")
		if !ok {
			continue
		}
		switch {
		case name == "User time (seconds)", name == "System time (seconds)":
			s, _ := strconv.ParseFloat(value, 64)
			m.cpu += s
		case strings.HasPrefix(name, "Elapsed (wall clock) time"):
			m.wall = clock(value)
		case name == "Maximum resident set size (kbytes)":
			m.rssKiB, _ = strconv.ParseInt(value, 10, 64)
		}
	}
	if m.wall == 0 || m.rssKiB == 0 {
		return m, fmt.Errorf("cannot read /usr/bin/time's report:\n%s", text)
	}
	return m, nil
}

// clock reads [h:]mm:ss.ss as seconds.
func clock(s string) float64 {
	var secs float64
	for _, part := range strings.Split(s, ":") {
		v, _ := strconv.ParseFloat(part, 64)
		secs = secs*60 + v
	}
	return secs
}

func median(ms []measure) measure {
	sorted := append([]measure(nil), ms...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].cpu < sorted[j].cpu })
	return sorted[len(sorted)/2]
}

// field returns the number after "name " on a line of out, or -1.
func field(out, name string) int64 {
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
				return n
			}
		}
	}
	return -1
}

// lit quotes s as a SQL string literal.
func lit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// check is what DuckDB found reading both outputs back.
type check struct {
	ourCount, theirCount int64
	onlyOurs, onlyTheirs int64    // rows of one side missing from the other (EXCEPT ALL)
	ourCols, theirCols   []string // "name TYPE"
	examples             []string // a few differing rows
	same                 bool
	version              string // DuckDB's
}

// compareOutputs reads both outputs with DuckDB and compares their rows on
// the columns they share.
func compareOutputs(ourFiles []string, theirFile string) (check, error) {
	quoted := make([]string, len(ourFiles))
	for i, f := range ourFiles {
		quoted[i] = lit(f)
	}
	ourScan := "read_parquet([" + strings.Join(quoted, ", ") + "], hive_partitioning = false)"
	theirScan := "read_parquet(" + lit(theirFile) + ")"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	res, err := duckdb.Run(ctx, "DESCRIBE SELECT * FROM "+ourScan, "DESCRIBE SELECT * FROM "+theirScan, "SELECT version()")
	if err != nil {
		return check{}, err
	}
	var c check
	theirTypes := map[string]string{}
	for i, r := range res {
		if r.Err != "" {
			return c, fmt.Errorf("duckdb: %s", r.Err)
		}
		if i == 2 {
			c.version = r.Rows[0][0].(string)
			continue
		}
		for _, row := range r.Rows {
			name, typ := row[0].(string), row[1].(string)
			if i == 0 {
				c.ourCols = append(c.ourCols, name+" "+typ)
			} else {
				c.theirCols = append(c.theirCols, name+" "+typ)
				theirTypes[name] = typ
			}
		}
	}
	// The common columns, in our order; timestamps of either kind (ours are
	// UTC-adjusted, DuckDB's are not) compared as instants.
	var cols []string
	for _, nt := range c.ourCols {
		name, typ, _ := strings.Cut(nt, " ")
		if _, ok := theirTypes[name]; !ok {
			continue
		}
		q := `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
		if strings.HasPrefix(typ, "TIMESTAMP") || strings.HasPrefix(theirTypes[name], "TIMESTAMP") {
			q = "epoch_us(" + q + ") AS " + q
		}
		cols = append(cols, q)
	}
	sel := strings.Join(cols, ", ")
	ourRows := "SELECT " + sel + " FROM " + ourScan
	theirRows := "SELECT " + sel + " FROM " + theirScan
	res, err = duckdb.Run(ctx,
		"SELECT count(*) FROM "+ourScan,
		"SELECT count(*) FROM "+theirScan,
		"SELECT count(*) FROM ("+ourRows+" EXCEPT ALL "+theirRows+")",
		"SELECT count(*) FROM ("+theirRows+" EXCEPT ALL "+ourRows+")",
		"SELECT 'only datatap' AS side, * FROM ("+ourRows+" EXCEPT ALL "+theirRows+") LIMIT 3",
		"SELECT 'only DuckDB' AS side, * FROM ("+theirRows+" EXCEPT ALL "+ourRows+") LIMIT 3",
	)
	if err != nil {
		return c, err
	}
	counts := make([]int64, 4)
	for i, r := range res {
		if r.Err != "" {
			return c, fmt.Errorf("duckdb: %s", r.Err)
		}
		if i < 4 {
			counts[i], _ = strconv.ParseInt(r.Rows[0][0].(string), 10, 64)
			continue
		}
		for _, row := range r.Rows {
			c.examples = append(c.examples, fmt.Sprint(row))
		}
	}
	c.ourCount, c.theirCount, c.onlyOurs, c.onlyTheirs = counts[0], counts[1], counts[2], counts[3]
	c.same = c.ourCount == c.theirCount && c.onlyOurs == 0 && c.onlyTheirs == 0 && len(cols) == len(c.ourCols) && len(cols) == len(c.theirCols)
	return c, nil
}
