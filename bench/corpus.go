// Package bench measures datatap where the budgets of DESIGN.md live: one
// invocation (Function URL event bytes in, spool append done) and one flush
// (spool segment → ZSTD Parquet). `make bench` runs everything; `make
// bench-guard` checks the per-invocation budgets on one core.
package bench

import (
	"fmt"
	"math/rand/v2"
)

// Lines returns realistic log lines (about 300 bytes each) until they fill
// size bytes, the same on every run.
func Lines(size int) []byte {
	r := rand.New(rand.NewPCG(7, 11))
	levels := []string{"info", "info", "info", "warn", "error", "debug"}
	services := []string{"checkout", "search", "auth", "inventory"}
	out := make([]byte, 0, size+512)
	for i := 0; ; i++ {
		line := fmt.Appendf(nil, `{"ts":"2024-05-01T10:%02d:%02d.%03dZ","level":%q,"service":%q,"status":%d,`+
			`"latency_ms":%.3f,"user":{"id":%d,"name":"user-%d"},"msg":"request served in time for user %d",`+
			`"request_id":"%016x","path":"/api/v1/items/%d","ua":"Mozilla/5.0 (X11; Linux x86_64)"}`+"\n",
			i/60%60, i%60, r.IntN(1000), levels[r.IntN(len(levels))], services[r.IntN(len(services))],
			[]int{200, 200, 201, 204, 301, 404, 500, 199}[r.IntN(8)], r.Float64()*250, r.IntN(1e6), r.IntN(1e6),
			r.IntN(1e6), r.Uint64(), r.IntN(1e5))
		if len(out)+len(line) > size {
			if len(out) == 0 {
				return line
			}
			return out
		}
		out = append(out, line...)
	}
}
