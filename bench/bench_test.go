package bench

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"strconv"
	"testing"

	"github.com/datatap/datatap/internal/config"
	"github.com/datatap/datatap/internal/flush"
	"github.com/datatap/datatap/internal/ingest"
	"github.com/datatap/datatap/internal/lambda"
	"github.com/datatap/datatap/internal/spool"
)

// Statement is the workload of the budgets: a 7-column projection with a
// 2-predicate filter.
const Statement = `SELECT ts::TIMESTAMP AS ts, level, user.id AS user_id, latency_ms::INT64 AS latency_ms,
	msg, status, service WHERE level <> 'debug' AND status >= 200`

// event wraps body in a Function URL event, as text, base64, or gzip and base64.
func event(body []byte, encoding string) []byte {
	ev := map[string]any{
		"version": "2.0", "rawPath": "/", "headers": map[string]string{"content-type": "application/x-ndjson"},
		"requestContext": map[string]any{"http": map[string]string{"method": "POST"}, "requestId": "bench"},
	}
	switch encoding {
	case "text":
		ev["body"], ev["isBase64Encoded"] = string(body), false
	case "base64":
		ev["body"], ev["isBase64Encoded"] = base64.StdEncoding.EncodeToString(body), true
	case "gzip":
		var buf bytes.Buffer
		w := gzip.NewWriter(&buf)
		w.Write(body)
		w.Close()
		ev["body"], ev["isBase64Encoded"] = base64.StdEncoding.EncodeToString(buf.Bytes()), true
		ev["headers"].(map[string]string)["content-encoding"] = "gzip"
	}
	b, _ := json.Marshal(ev)
	return b
}

// benchConfig is the benchmarks' configuration; extra holds more
// variables (name, value, name, value…).
func benchConfig(b *testing.B, extra ...string) config.Config {
	b.Helper()
	b.Setenv("AWS_REGION", "us-east-1")
	env := map[string]string{"TAP_SPOOL_DIR": b.TempDir(), "TAP_BUCKET": "bench", "TAP_AUTH": "none", "AWS_REGION": "us-east-1",
		"TAP_TRANSFORM": benchStatement(), "TAP_SPOOL_MAX_BYTES": "4GiB"}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		b.Fatal(err)
	}
	return cfg
}

// drain empties the spool, outside the timer, so that a long benchmark
// neither fills the disk nor measures a full spool.
func drain(b *testing.B, sp *spool.Spool) {
	if sp.Stats().TotalBytes < 256<<20 {
		return
	}
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

var sizes = []struct {
	name string
	size int
}{
	{"1KiB", 1 << 10}, {"4KiB", 4 << 10}, {"64KiB", 64 << 10}, {"244KiB", 244 << 10},
	{"1MiB", 1 << 20}, {"6MiB", 6<<20 - 1<<10},
}

// BenchmarkInvocation is one invocation of the runtime, minus the Runtime
// API's HTTP: the Function URL event is decoded, the body split, parsed,
// filtered and projected, and appended to the spool. MB/s is of NDJSON.
func BenchmarkInvocation(b *testing.B) {
	for _, sz := range sizes {
		body := Lines(sz.size)
		lines := bytes.Count(body, []byte("\n"))
		for _, enc := range []string{"text", "base64", "gzip"} {
			b.Run(sz.name+"/"+enc, func(b *testing.B) {
				r, err := lambda.New(context.Background(), benchConfig(b), "bench", slog.New(slog.NewTextHandler(io.Discard, nil)))
				if err != nil {
					b.Fatal(err)
				}
				payload := event(body, enc)
				if resp, err := r.Handle(context.Background(), payload); err != nil || !bytes.Contains(resp, []byte(`"statusCode":202`)) {
					b.Fatalf("%s %v", resp, err)
				}
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					if _, err := r.Handle(context.Background(), payload); err != nil {
						b.Fatal(err)
					}
					drain(b, r.Spool())
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(lines), "ns/line")
			})
		}
	}
}

// BenchmarkEventTimeInvocation is BenchmarkInvocation's 244KiB text case
// with an event time (TAP_TIME): what evaluating and spooling it costs.
func BenchmarkEventTimeInvocation(b *testing.B) {
	body := Lines(244 << 10)
	lines := bytes.Count(body, []byte("\n"))
	for _, tm := range []string{"", "ts::TIMESTAMP"} {
		name := "none"
		if tm != "" {
			name = "ts"
		}
		b.Run(name, func(b *testing.B) {
			r, err := lambda.New(context.Background(), benchConfig(b, "TAP_TIME", tm), "bench", slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				b.Fatal(err)
			}
			payload := event(body, "text")
			if resp, err := r.Handle(context.Background(), payload); err != nil || !bytes.Contains(resp, []byte(`"statusCode":202`)) {
				b.Fatalf("%s %v", resp, err)
			}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := r.Handle(context.Background(), payload); err != nil {
					b.Fatal(err)
				}
				drain(b, r.Spool())
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(lines), "ns/line")
		})
	}
}

// BenchmarkReference is the yardstick of the benchmark guard (bench/guard):
// work that none of our code does, encoding/json.Valid over the same
// Function URL event as BenchmarkInvocation's text case, so that the guard
// can tell a slow machine from slow code. It must not change: the guard's
// reference figures were measured with it.
func BenchmarkReference(b *testing.B) {
	for _, sz := range sizes {
		payload := event(Lines(sz.size), "text")
		b.Run(sz.name, func(b *testing.B) {
			b.SetBytes(int64(len(payload)))
			for b.Loop() {
				if !json.Valid(payload) {
					b.Fatal("the event is not JSON")
				}
			}
		})
	}
}

// discard is a sink that keeps nothing: the flush benchmark measures
// encoding, not storage.
type discard struct{ n int64 }

func (d *discard) Put(_ context.Context, _ string, body io.ReadSeeker, _ int64) error {
	n, err := io.Copy(io.Discard, body)
	d.n += n
	return err
}
func (d *discard) String() string { return "discard" }

// BenchmarkFlush turns a sealed segment holding 1, 10 or 64 MB of NDJSON
// into ZSTD Parquet. MB/s is of the NDJSON those rows came from.
func BenchmarkFlush(b *testing.B) {
	for _, mb := range []int{1, 10, 64} {
		b.Run(strconv.Itoa(mb)+"MB", func(b *testing.B) { benchFlush(b, mb, false) })
	}
}

// BenchmarkFlushStar is BenchmarkFlush's 10 MB segment with SELECT *: every
// field of the lines, names spooled with each row, 10 columns.
func BenchmarkFlushStar(b *testing.B) {
	b.Run("10MB", func(b *testing.B) { benchFlush(b, 10, false, "TAP_TRANSFORM", "SELECT *") })
}

// BenchmarkFlushNewTable is BenchmarkFlush/10MB with a new Flusher, so a
// new table schema, per flush: the JSON column user (an object) is not in
// the table, so with TAP_NESTED=native the segment is read twice to infer
// its shape (flush/shape.go); BenchmarkFlush flushes into a table that
// knows it after the first round, read once.
func BenchmarkFlushNewTable(b *testing.B) {
	for _, nested := range []string{"native", "json"} {
		b.Run(nested, func(b *testing.B) { benchFlush(b, 10, true, "TAP_NESTED", nested) })
	}
}

// benchFlush flushes a segment of mb MB of NDJSON, into one Flusher or, if
// fresh, a new one (a new table schema) each time; extra are more
// variables for benchConfig.
func benchFlush(b *testing.B, mb int, fresh bool, extra ...string) {
	cfg := benchConfig(b, extra...)
	sp, err := spool.Open(cfg.SpoolDir, spool.HeaderFor(cfg.Program), cfg.SpoolMaxBytes)
	if err != nil {
		b.Fatal(err)
	}
	in := ingest.New(cfg.Program, sp, ingest.Limits{MaxBodyBytes: cfg.MaxBodyBytes, MaxLineBytes: cfg.MaxLineBytes})
	body := Lines(mb << 20)
	lines := bytes.Count(body, []byte("\n"))
	for off := 0; off < len(body); {
		end := min(off+244<<10, len(body))
		if i := bytes.LastIndexByte(body[off:end], '\n'); end < len(body) && i >= 0 {
			end = off + i + 1
		}
		if _, err := in.Ingest(body[off:end], ""); err != nil {
			b.Fatal(err)
		}
		off = end
	}
	seg, err := sp.Seal()
	if err != nil {
		b.Fatal(err)
	}
	sink := &discard{}
	tmp := b.TempDir()
	newFlusher := func() *flush.Flusher {
		return &flush.Flusher{Sink: sink, Prefix: cfg.Prefix, ErrorsPrefix: cfg.ErrorsPrefix, TempDir: tmp, CreatedBy: "bench", KeepJSON: cfg.KeepJSON()}
	}
	f := newFlusher()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if fresh {
			f = newFlusher()
		}
		if _, err := f.Segment(context.Background(), seg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(lines), "ns/line")
	b.ReportMetric(float64(sink.n)/float64(b.N), "parquet-bytes")
}

// benchStatement is Statement, or $DATATAP_BENCH_TRANSFORM to profile another.
func benchStatement() string {
	if s := os.Getenv("DATATAP_BENCH_TRANSFORM"); s != "" {
		return s
	}
	return Statement
}
