package cost

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkRead reads each fixture that holds reports, one sub-benchmark
// per shape; bytes/s is the throughput on a large export of that shape.
func BenchmarkRead(b *testing.B) {
	for _, name := range []string{
		"report.log", "cloudwatch-export.log", "logs-tail.log",
		"filter-log-events.json", "json-format.ndjson", "json-in-export.ndjson", "mixed.log",
	} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := Read(bytes.NewReader(data), DefaultPrices()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
