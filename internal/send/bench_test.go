package send

import (
	"bytes"
	"testing"

	"github.com/datatap/datatap/bench"
)

// BenchmarkBuilder is what send spends per request body: 1 MiB of NDJSON
// added line by line and compressed. MB/s is of NDJSON; body-bytes is the
// compressed size.
func BenchmarkBuilder(b *testing.B) {
	body := bench.Lines(1 << 20)
	lines := bytes.SplitAfter(body, []byte("\n"))
	for _, enc := range []string{"gzip", "zstd"} {
		b.Run(enc, func(b *testing.B) {
			bl := newBuilder(Options{Encoding: enc, MaxBodyBytes: 6 << 20, MaxRequestBytes: 6 << 20})
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			var size int
			for b.Loop() {
				for _, l := range lines {
					if err := bl.add(l); err != nil {
						b.Fatal(err)
					}
				}
				c, err := bl.finish()
				if err != nil {
					b.Fatal(err)
				}
				size = len(c.body)
			}
			b.ReportMetric(float64(size), "body-bytes")
		})
	}
}
