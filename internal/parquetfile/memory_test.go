package parquetfile_test

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/datatap/datatap/internal/parquetfile"
	"github.com/datatap/datatap/transform"
)

// countingWriter discards what it is given and counts it.
type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}

// TestMemoryBounded writes 64 MiB worth of log rows (their size as NDJSON,
// the size of a full spool) and checks that the writer's live heap stays
// under budget and does not grow with the number of rows: row groups and
// pages are written out as they fill.
func TestMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 64 MiB of rows")
	}
	const (
		input      = 64 << 20
		sampleRows = 8192
		budget     = 40 << 20 // bytes of live heap for the writer
	)
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC() // and what earlier tests left in sync.Pools
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc

	out := &countingWriter{}
	w, err := parquetfile.NewWriter(out, logColumns, parquetfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	g := newLogGen(7)
	var line []byte
	var in int64
	var live []uint64 // live heap above base after each sample
	var peakInuse uint64
	for in < input {
		row := g.next()
		line = appendNDJSON(line[:0], logColumns, row)
		in += int64(len(line))
		if err := w.Write(row); err != nil {
			t.Fatal(err)
		}
		if w.Rows()%1024 == 0 {
			runtime.ReadMemStats(&ms)
			peakInuse = max(peakInuse, ms.HeapInuse)
		}
		if w.Rows()%sampleRows == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			live = append(live, ms.HeapAlloc-min(base, ms.HeapAlloc))
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	var peak uint64
	for _, l := range live {
		peak = max(peak, l)
	}
	series := make([]string, len(live))
	for i, l := range live {
		series[i] = strconv.FormatFloat(mib(l), 'f', 1, 64)
	}
	t.Logf("live heap every %d rows, MiB: %s", sampleRows, strings.Join(series, " "))
	// Each half holds at least one full row group (DefaultRowGroupRows).
	half := len(live) / 2
	var early, late uint64
	for _, l := range live[:half] {
		early = max(early, l)
	}
	for _, l := range live[half:] {
		late = max(late, l)
	}
	t.Logf("%d rows, %.1f MiB of NDJSON -> %.1f MiB of Parquet", w.Rows(), float64(in)/(1<<20), float64(out.n)/(1<<20))
	t.Logf("writer live heap: peak %.1f MiB (first half %.1f MiB, second half %.1f MiB); peak HeapInuse (with garbage) %.1f MiB; process VmHWM (with earlier tests) %s",
		mib(peak), mib(early), mib(late), mib(peakInuse), vmHWM())
	if peak > budget {
		t.Errorf("live heap peaked at %.1f MiB, over the %.0f MiB budget", mib(peak), mib(budget))
	}
	// Where a sample falls in a row group moves the live heap by a few MiB
	// (19.8 vs 14.7 MiB seen on a busy machine); a writer that kept rows
	// would grow by far more: 64 MiB of input, twice over the run.
	if late > early+early/2+(2<<20) {
		t.Errorf("live heap grows with rows: %.1f MiB in the first half, %.1f MiB in the second", mib(early), mib(late))
	}
}

func mib(n uint64) float64 { return float64(n) / (1 << 20) }

// vmHWM returns the process's peak resident set size as Linux reports it.
func vmHWM() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// wideHeap writes rows rows of cols columns (alternately BIGINT and VARCHAR,
// every value set) and returns the live heap of the writer just before
// Close, and the peak heap in use (garbage included) seen while writing and
// closing, both above the heap before NewWriter.
func wideHeap(t *testing.T, cols, rows int) (live, peak uint64) {
	t.Helper()
	columns := make([]parquetfile.Column, cols)
	for i := range columns {
		columns[i] = parquetfile.Column{Name: "c" + strconv.Itoa(i), Type: transform.Int64}
		if i%2 == 1 {
			columns[i].Type = transform.Varchar
		}
	}
	row := make([]transform.Value, cols)
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	sample := func() {
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse-min(base, ms.HeapInuse))
	}
	w, err := parquetfile.NewWriter(&countingWriter{}, columns, parquetfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for r := range rows {
		for i := range row {
			if i%2 == 0 {
				row[i] = transform.Value{Type: transform.Int64, I: int64(r*cols + i)}
			} else {
				row[i] = transform.Value{Type: transform.Varchar, S: "value-" + strconv.Itoa(r%100)}
			}
		}
		if err := w.Write(row); err != nil {
			t.Fatal(err)
		}
		if r%64 == 0 {
			sample()
		}
	}
	sample()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	live = ms.HeapInuse - min(base, ms.HeapInuse)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	sample()
	runtime.KeepAlive(w)
	return live, peak
}

// TestMemoryWideRows measures what a writer costs per column, each case in
// a process of its own so that its peak RSS is its own: one row of 10,000
// columns, 1,000 columns of 1 and 10,000 rows, and 10,000 rows of 500
// columns (the flush's cap on columns per file, flush.DefaultMaxColumns). The buffers that used to
// grow with the number of columns (the probe and batches, the pages being
// filled, the chunks compressed pages are kept in) are sized from it, so no
// case may pass the budget.
func TestMemoryWideRows(t *testing.T) {
	if c := os.Getenv("DATATAP_WIDE_CASE"); c != "" {
		cols, rows, _ := strings.Cut(c, "x")
		nc, _ := strconv.Atoi(cols)
		nr, _ := strconv.Atoi(rows)
		live, peak := wideHeap(t, nc, nr)
		fmt.Printf("RESULT %d %d %s\n", live, peak, vmHWM())
		return
	}
	if testing.Short() {
		t.Skip("runs a process per case")
	}
	// Budgets of peak heap in use (garbage included) for the cases a flush
	// can meet (at most flush.DefaultMaxColumns columns); 0: only measured.
	cases := []struct {
		shape  string // columns x rows
		budget uint64
	}{{"10000x1", 0}, {"1000x1", 48 << 20}, {"1000x10000", 0}, {"500x10000", 80 << 20}, {"100x10000", 48 << 20}}
	for _, cs := range cases {
		c := cs.shape
		cmd := exec.Command(os.Args[0], "-test.run=^TestMemoryWideRows$", "-test.count=1")
		cmd.Env = append(os.Environ(), "DATATAP_WIDE_CASE="+c)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", c, err, out)
		}
		var live, peak uint64
		var hwm, unit string
		i := strings.Index(string(out), "RESULT ")
		if i < 0 {
			t.Fatalf("%s: no result in\n%s", c, out)
		}
		fmt.Sscan(string(out[i+len("RESULT "):]), &live, &peak, &hwm, &unit)
		cols, _ := strconv.Atoi(c[:strings.IndexByte(c, 'x')])
		t.Logf("%s (columns x rows): live heap before Close %.1f MiB (%.1f KiB per column), peak heap in use %.1f MiB, process VmHWM %s %s",
			c, mib(live), float64(live)/1024/float64(cols), mib(peak), hwm, unit)
		if cs.budget > 0 && peak > cs.budget {
			t.Errorf("%s: peak heap in use %.1f MiB, over the %.0f MiB budget", c, mib(peak), mib(cs.budget))
		}
	}
}
