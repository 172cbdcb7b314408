package ingest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"testing"
)

// BenchmarkShapes ingests the same 2,000 rows as NDJSON, a JSON array, a
// TAP_UNNEST envelope, NDJSON with TAP_UNNEST set (the scan of its first
// line), and a Firehose request (one record per line, base64).
func BenchmarkShapes(b *testing.B) {
	var lines [][]byte
	for i := range 2000 {
		lines = append(lines, fmt.Appendf(nil, `{"ts":"2026-12-02T05:31:%02dZ","level":"info","n":%d,"msg":"request served","user":{"id":%d}}`, i%60, i, i%97))
	}
	ndjson := append(bytes.Join(lines, []byte("\n")), '\n')
	array := append(append([]byte("["), bytes.Join(lines, []byte(","))...), ']')
	envelope := append(append([]byte(`{"logs":`), array...), '}')
	fh := []byte(`{"requestId":"r","timestamp":0,"records":[`)
	for i, l := range lines {
		if i > 0 {
			fh = append(fh, ',')
		}
		fh = append(append(append(fh, `{"data":"`...), base64.StdEncoding.EncodeToString(append(l, '\n'))...), `"}`...)
	}
	fh = append(fh, "]}"...)
	cases := []struct {
		name   string
		unnest string
		body   []byte
		fh     bool
	}{
		{"ndjson", "", ndjson, false},
		{"ndjson-unnest-set", "logs", ndjson, false},
		{"array", "", array, false},
		{"envelope", "logs", envelope, false},
		{"firehose", "", fh, true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			in, sp := newShaped(b, "SELECT *", Shapes{Unnest: c.unnest, FirehoseAccessKey: "0123456789abcdef"})
			in.limits.MaxLineBytes = 1 << 20
			in.limits.MaxBodyBytes = 64 << 20
			b.ReportAllocs()
			b.SetBytes(int64(len(c.body)))
			for b.Loop() {
				if sp.Stats().TotalBytes > 256<<20 { // keep the spool small
					b.StopTimer()
					sp.Seal()
					paths, _ := sp.Sealed()
					for _, p := range paths {
						if c, err := sp.Claim(p); err == nil {
							c.Done()
						}
					}
					b.StartTimer()
				}
				if c.fh {
					if ans := in.Firehose(FirehoseRequest{RequestID: "r", AccessKey: "0123456789abcdef", Body: c.body}); ans.Status != 200 {
						b.Fatalf("%d %s", ans.Status, ans.Body)
					}
					continue
				}
				if n, err := in.Ingest(c.body, ""); err != nil || n.Accepted != 2000 {
					b.Fatalf("%+v %v", n, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*2000), "ns/row")
		})
	}
}
