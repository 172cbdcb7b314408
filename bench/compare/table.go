package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// table is everything the report shows.
type table struct {
	inBytes, inLines   int
	runs               int
	seal               string
	files              int    // Parquet files datatap wrote
	spoolBytes         int64  // datatap's spool segments
	load               string // /proc/loadavg before the runs
	our, their, idle   measure
	ourRows, theirRows int64
	ourOut, theirOut   int64
	check              check
}

func printTable(w io.Writer, t table) {
	mb := float64(t.inBytes) / 1e6
	mib := func(kib int64) float64 { return float64(kib) / 1024 }
	segment := fmt.Sprintf("one spool segment (%.1f MB), one Parquet file", float64(t.spoolBytes)/1e6)
	if t.seal != "0" {
		segment = fmt.Sprintf("segments sealed and flushed at %s (%.1f MB in all), Parquet files: %d", t.seal, float64(t.spoolBytes)/1e6, t.files)
	}

	fmt.Fprintf(w, "### datatap vs DuckDB, one thread, %s\n\n", time.Now().UTC().Format("2006-01-02"))
	fmt.Fprintf(w, "- machine: %s, %d CPUs (nproc), %s; %s, node %s, DuckDB %s\n", cpuModel(), runtime.NumCPU(), runtime.GOARCH, runtime.Version(), nodeVersion(), t.check.version)
	fmt.Fprintf(w, "- input: %.1f MB of NDJSON, %s lines (go run ./bench/compare/gen)\n", mb, thousands(int64(t.inLines)))
	fmt.Fprintf(w, "- datatap: bench/compare/pipeline, GOMAXPROCS=1, 244 KiB requests through internal/ingest, %s\n", segment)
	fmt.Fprintf(w, "- DuckDB: bench/compare/duckdb.mjs, `SET threads = 1`, `COPY (SELECT … FROM read_json(…) WHERE …) TO … (FORMAT parquet, COMPRESSION zstd)`\n")
	fmt.Fprintf(w, "- median of %d runs each (by CPU time), measured by /usr/bin/time -v; load average before the runs: %s\n\n", t.runs, t.load)

	ratio := func(a, b float64) string {
		if b == 0 {
			return "–"
		}
		return fmt.Sprintf("%.2f", a/b)
	}
	row := func(name, ours, theirs, r string) {
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", name, ours, theirs, r)
	}
	fmt.Fprintln(w, "| | datatap | DuckDB | datatap / DuckDB |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: |")
	row("rows out", thousands(t.ourRows), thousands(t.theirRows), ratio(float64(t.ourRows), float64(t.theirRows)))
	row("wall time (s)", f2(t.our.wall), f2(t.their.wall), ratio(t.our.wall, t.their.wall))
	row("CPU time, user + system (s)", f2(t.our.cpu), f2(t.their.cpu), ratio(t.our.cpu, t.their.cpu))
	row("**throughput per CPU second (MB/s)**", f1(mb/t.our.cpu), f1(mb/t.their.cpu), "**"+ratio(t.their.cpu, t.our.cpu)+"**")
	row("throughput per wall second (MB/s)", f1(mb/t.our.wall), f1(mb/t.their.wall), ratio(t.their.wall, t.our.wall))
	row("**peak RSS (MiB)**", f1(mib(t.our.rssKiB)), f1(mib(t.their.rssKiB))+" ¹", "**"+ratio(float64(t.our.rssKiB), float64(t.their.rssKiB))+"**")
	row("**output (bytes)**", thousands(t.ourOut), thousands(t.theirOut), "**"+fmt.Sprintf("%.3f", float64(t.ourOut)/float64(t.theirOut))+"**")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "¹ DuckDB's RSS includes node's own: node with DuckDB loaded and idle (`duckdb.mjs --idle`) peaks at %.1f MiB, so the statement itself adds about %.1f MiB (datatap / that: %s). Starting and stopping node and DuckDB takes %.2f CPU s, included in DuckDB's column.\n\n",
		mib(t.idle.rssKiB), mib(t.their.rssKiB-t.idle.rssKiB), ratio(float64(t.our.rssKiB), float64(t.their.rssKiB-t.idle.rssKiB)), t.idle.cpu)

	c := t.check
	verdict := "**the same rows**"
	if !c.same {
		verdict = "**DIFFERENT ROWS**"
	}
	fmt.Fprintf(w, "Read back by DuckDB: datatap's output holds %s rows, DuckDB's %s; EXCEPT ALL on the common columns (timestamps as epoch µs): %d rows only in datatap's, %d only in DuckDB's: %s.\n",
		thousands(c.ourCount), thousands(c.theirCount), c.onlyOurs, c.onlyTheirs, verdict)
	fmt.Fprintf(w, "Schemas: datatap `%s`; DuckDB `%s`.\n", strings.Join(c.ourCols, ", "), strings.Join(c.theirCols, ", "))
	for _, e := range c.examples {
		fmt.Fprintf(w, "    %s\n", e)
	}
	fmt.Fprintln(w)

	holds := func(ok bool) string {
		if ok {
			return "holds"
		}
		return "**does not hold**"
	}
	speedup := t.their.cpu / t.our.cpu
	rss := float64(t.our.rssKiB) / float64(t.their.rssKiB)
	fmt.Fprintln(w, "Goals:")
	fmt.Fprintf(w, "- at least 2× DuckDB's single-thread throughput (per CPU second): %.2f×, %s\n", speedup, holds(speedup >= 2))
	fmt.Fprintf(w, "- at most ⅓ of DuckDB's peak RSS: %.2f, %s\n", rss, holds(rss <= 1.0/3))
	fmt.Fprintf(w, "- output no larger than DuckDB's: %+.1f%%, %s\n", 100*(float64(t.ourOut)/float64(t.theirOut)-1), holds(t.ourOut <= t.theirOut))
}

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
func f2(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

// thousands writes n with comma separators.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// cpuModel is the first "model name" of /proc/cpuinfo.
func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, line := range strings.Split(string(b), "\n") {
		if name, value, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return "unknown CPU"
}

// loadAverage is the 1, 5 and 15 minute load averages: other work on the
// machine slows the wall times (less so the CPU times).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

func nodeVersion() string {
	out, err := exec.Command("node", "--version").Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(out))
}
