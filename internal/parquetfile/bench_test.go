package parquetfile_test

import (
	"io"
	"runtime"
	"testing"

	"github.com/datatap/datatap/internal/parquetfile"
)

// BenchmarkWriteLogRows writes 100,000 typical log rows (see logGen) to
// io.Discard per iteration. SetBytes is the rows' size as NDJSON, so MB/s
// compares with the flush budget (150 MB/s of input per core).
func BenchmarkWriteLogRows(b *testing.B) {
	const n = 100_000
	rows, ndjson := genLogRows(n)
	b.ReportAllocs()
	b.SetBytes(ndjson)
	for b.Loop() {
		w, err := parquetfile.NewWriter(io.Discard, logColumns, parquetfile.Options{})
		if err != nil {
			b.Fatal(err)
		}
		for _, row := range rows {
			if err := w.Write(row); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// TestWriteAllocations checks that writing a row does not allocate, past the
// first row group: values are batched in reused buffers and strings copied
// to a reused arena. (What does allocate is per page or per row group.)
func TestWriteAllocations(t *testing.T) {
	rows, _ := genLogRows(150_000)
	w, err := parquetfile.NewWriter(io.Discard, logColumns, parquetfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	i := 0
	write := func() {
		if err := w.Write(rows[i]); err != nil {
			t.Fatal(err)
		}
		i++
	}
	for range parquetfile.DefaultRowGroupRows + 1000 {
		write() // through the probe and one row group
	}
	// Not testing.AllocsPerRun: it rounds down to whole allocations per run.
	const n = 20_000
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range n {
		write()
	}
	runtime.ReadMemStats(&after)
	allocs := float64(after.Mallocs-before.Mallocs) / n
	t.Logf("%.4f allocations, %.2f bytes allocated per row", allocs, float64(after.TotalAlloc-before.TotalAlloc)/n)
	if allocs > 0.05 {
		t.Errorf("%.4f allocations per row, want ~0", allocs)
	}
}
