package parquetfile_test

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/datatap/datatap/internal/parquetfile"
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
	if late > early+early/4+(1<<20) {
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
