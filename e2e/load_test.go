package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/datatap/datatap/internal/testenv/duckdb"
)

// loadAttempt is one HTTP exchange of the load test.
type loadAttempt struct {
	latency time.Duration
	status  int // 0: transport error
}

// loadSender is what one sender of TestLoad did.
type loadSender struct {
	attempts  []loadAttempt
	requests  int   // acknowledged requests
	lines     int   // acknowledged lines
	bytes     int64 // acknowledged NDJSON bytes, before compression
	wireBytes int64 // bytes of every attempt's body on the wire
	idSum     int64 // sum of the acknowledged ids
	throttled int   // 429 answers
	gaveUp    int   // requests abandoned (never acknowledged) after the deadline
	errs      []string
}

// loadLine appends generated line id to b: a unique id and a few fields of
// several types, about 200 bytes.
func loadLine(b []byte, id int64, sender int) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, `,"ts":"2024-05-01T10:`...)
	b = append(b, fmt.Sprintf("%02d:%02d.%03dZ", id/60%60, id%60, id%1000)...)
	b = append(b, `","sender":`...)
	b = strconv.AppendInt(b, int64(sender), 10)
	b = append(b, `,"level":"`...)
	b = append(b, []string{"info", "warn", "error", "debug"}[id%4]...)
	b = append(b, `","status":`...)
	b = strconv.AppendInt(b, []int64{200, 201, 404, 500}[id%4], 10)
	b = append(b, `,"latency_ms":`...)
	b = strconv.AppendFloat(b, float64(id%5000)/7, 'f', 3, 64)
	b = append(b, `,"msg":"request served for user `...)
	b = strconv.AppendInt(b, id*7919%1000003, 10)
	b = append(b, `","path":"/api/v1/items/`...)
	b = strconv.AppendInt(b, id%100000, 10)
	b = append(b, `","tags":["a","b`...)
	b = strconv.AppendInt(b, id%7, 10)
	b = append(b, "\"]}\n"...)
	return b
}

// TestLoad drives `datatap serve` with 16 concurrent senders for
// DATATAP_LOAD_SECONDS (60) and reconciles the Parquet output exactly with
// what the server acknowledged. It asserts correctness only; the figures are
// logged and, with DATATAP_LOAD_REPORT=FILE, written there as Markdown.
func TestLoad(t *testing.T) {
	if os.Getenv("DATATAP_LOAD") != "1" {
		t.Skip("load test: set DATATAP_LOAD=1 (and DATATAP_LOAD_SECONDS, default 60)")
	}
	duckdb.Require(t)
	seconds := 60
	if s := os.Getenv("DATATAP_LOAD_SECONDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			t.Fatalf("DATATAP_LOAD_SECONDS=%q: want a positive number of seconds", s)
		}
		seconds = n
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "data")
	srv := startServe(t, "TAP_DIR="+out, "TAP_SPOOL_DIR="+filepath.Join(dir, "spool"), "TAP_FLUSH_AGE=5s")
	url, logs := srv.URL, srv.Logs

	const senders = 16
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders, MaxConnsPerHost: senders}}
	start := time.Now()
	deadline := start.Add(time.Duration(seconds) * time.Second)
	giveUp := deadline.Add(60 * time.Second) // a request retried on 429 past this is abandoned
	results := make([]loadSender, senders)
	var wg sync.WaitGroup
	for s := range senders {
		wg.Add(1)
		go func(s int) {
			defer wg.Done()
			res := &results[s]
			rng := rand.New(rand.NewPCG(uint64(s), 42))
			next := int64(s) * 1_000_000_000
			var raw []byte
			var zbuf bytes.Buffer
			for r := 0; time.Now().Before(deadline); r++ {
				n := 100 + rng.IntN(1901)
				raw = raw[:0]
				var sum int64
				for i := range n {
					id := next + int64(i)
					raw = loadLine(raw, id, s)
					sum += id
				}
				body, gz := raw, r%3 == 1
				if gz {
					zbuf.Reset()
					w := gzip.NewWriter(&zbuf)
					w.Write(raw)
					w.Close()
					body = zbuf.Bytes()
				}
				acked := false
				for attempt := 0; ; attempt++ {
					req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
					if gz {
						req.Header.Set("Content-Encoding", "gzip")
					}
					t0 := time.Now()
					resp, err := client.Do(req)
					var b []byte
					if err == nil {
						b, err = io.ReadAll(resp.Body)
						resp.Body.Close()
					}
					lat := time.Since(t0)
					res.wireBytes += int64(len(body))
					if err != nil {
						// The fate of these lines is unknown: reconciliation
						// cannot be exact, so this fails the test.
						res.attempts = append(res.attempts, loadAttempt{lat, 0})
						res.errs = append(res.errs, fmt.Sprintf("request %d (ids %d…): %v", r, next, err))
						return
					}
					res.attempts = append(res.attempts, loadAttempt{lat, resp.StatusCode})
					if resp.StatusCode == http.StatusTooManyRequests {
						res.throttled++
						if time.Now().After(giveUp) {
							res.gaveUp++
							break
						}
						wait := time.Second
						if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && ra >= 0 {
							wait = time.Duration(ra) * time.Second
						} else {
							res.errs = append(res.errs, fmt.Sprintf("429 without a usable Retry-After: %q", resp.Header.Get("Retry-After")))
						}
						// Jitter, so the senders do not come back all at once.
						time.Sleep(wait + time.Duration(rng.Int64N(int64(250*time.Millisecond))))
						continue
					}
					if resp.StatusCode != http.StatusAccepted {
						res.errs = append(res.errs, fmt.Sprintf("request %d (ids %d…): %d %s", r, next, resp.StatusCode, b))
						return
					}
					var got map[string]int
					if err := json.Unmarshal(b, &got); err != nil || got["accepted"] != n || got["filtered"] != 0 || got["rejected"] != 0 {
						res.errs = append(res.errs, fmt.Sprintf("request %d (ids %d…, %d lines): answer %s (%v)", r, next, n, b, err))
						return
					}
					acked = true
					break
				}
				if acked {
					res.requests++
					res.lines += n
					res.bytes += int64(len(raw))
					res.idSum += sum
				}
				// Ids of an abandoned request are not reused: it may not
				// reappear, and nothing else may take its ids.
				next += int64(n)
			}
		}(s)
	}
	wg.Wait()
	elapsed := time.Since(start)

	// SIGTERM: the server stops and flushes everything before it exits.
	state := srv.Stop(t, 3*time.Minute)
	peakRSS := int64(-1)
	if ru, ok := state.SysUsage().(*syscall.Rusage); ok {
		peakRSS = int64(ru.Maxrss) // KiB on Linux
	}

	var total loadSender
	var lat []time.Duration
	statuses := map[int]int{}
	for _, r := range results {
		total.requests += r.requests
		total.lines += r.lines
		total.bytes += r.bytes
		total.wireBytes += r.wireBytes
		total.idSum += r.idSum
		total.throttled += r.throttled
		total.gaveUp += r.gaveUp
		total.errs = append(total.errs, r.errs...)
		for _, a := range r.attempts {
			lat = append(lat, a.latency)
			statuses[a.status]++
		}
	}
	for _, e := range total.errs {
		t.Error(e)
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	secs := elapsed.Seconds()
	rows := [][2]string{
		{"duration", fmt.Sprintf("%.1f s (%d senders)", secs, senders)},
		{"requests acknowledged", fmt.Sprint(total.requests)},
		{"HTTP attempts", fmt.Sprintf("%d (statuses %v)", len(lat), statuses)},
		{"requests/s", fmt.Sprintf("%.1f", float64(total.requests)/secs)},
		{"lines/s", fmt.Sprintf("%.0f", float64(total.lines)/secs)},
		{"MB/s (NDJSON acknowledged)", fmt.Sprintf("%.2f", float64(total.bytes)/1e6/secs)},
		{"MB/s (on the wire, every third request gzip)", fmt.Sprintf("%.2f", float64(total.wireBytes)/1e6/secs)},
		{"lines acknowledged", fmt.Sprint(total.lines)},
		{"latency p50", pct(0.50).Round(10 * time.Microsecond).String()},
		{"latency p99", pct(0.99).Round(10 * time.Microsecond).String()},
		{"latency max", pct(1).Round(10 * time.Microsecond).String()},
		{"429 answers", fmt.Sprint(total.throttled)},
		{"requests abandoned after the deadline", fmt.Sprint(total.gaveUp)},
		{"server peak RSS", fmt.Sprintf("%d KiB (%.1f MiB)", peakRSS, float64(peakRSS)/1024)},
	}

	// Exact reconciliation: every acknowledged line is in the Parquet output
	// once, and nothing else is.
	pq := filepath.Join(out, "datataps", "**", "*.parquet")
	files, _ := filepath.Glob(filepath.Join(out, "datataps", "*", "*", "*", "*", "*.parquet"))
	rows = append(rows, [2]string{"Parquet files", fmt.Sprint(len(files))})
	res, err := duckdb.Run(context.Background(),
		fmt.Sprintf(`SELECT count(*), count(DISTINCT id), sum(id)::VARCHAR FROM read_parquet('%s', union_by_name = true)`, pq),
		fmt.Sprintf(`SELECT count(*) FROM (SELECT id FROM read_parquet('%s', union_by_name = true) GROUP BY id HAVING count(*) > 1)`, pq),
		fmt.Sprintf(`SELECT sender, count(*), min(id), max(id) FROM read_parquet('%s', union_by_name = true) GROUP BY sender ORDER BY sender`, pq),
	)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != "" {
			t.Fatalf("query %d: %s", i, r.Err)
		}
	}
	want := fmt.Sprintf("[%d %d %d]", total.lines, total.lines, total.idSum)
	got := fmt.Sprint(res[0].Rows[0])
	rows = append(rows, [2]string{"Parquet [rows distinct-ids sum(id)]", got + " (acknowledged " + want + ")"})
	if got != want {
		t.Errorf("Parquet [rows distinct-ids sum(id)] = %s, want %s (lines acknowledged)", got, want)
	}
	if dup := fmt.Sprint(res[1].Rows[0][0]); dup != "0" {
		t.Errorf("%s ids are in the Parquet output more than once", dup)
	}
	for _, row := range res[2].Rows {
		s, _ := strconv.Atoi(fmt.Sprint(row[0]))
		if s < 0 || s >= senders || fmt.Sprint(row[1]) != fmt.Sprint(results[s].lines) {
			t.Errorf("sender %v: %v rows in Parquet, acknowledged %d", row[0], row[1], results[s].lines)
		}
	}
	if errFiles, _ := filepath.Glob(filepath.Join(out, "datataps-errors", "*", "*", "*", "*", "*")); len(errFiles) > 0 {
		t.Errorf("error output for valid lines: %v", errFiles)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "spool", "*.seg")); len(left) > 0 {
		t.Errorf("segments left in the spool after a clean stop: %v", left)
	}

	var md strings.Builder
	md.WriteString("| metric | value |\n| --- | --- |\n")
	for _, r := range rows {
		fmt.Fprintf(&md, "| %s | %s |\n", r[0], r[1])
	}
	t.Logf("load report:\n%s", md.String())
	if path := os.Getenv("DATATAP_LOAD_REPORT"); path != "" {
		if err := os.WriteFile(path, []byte(md.String()), 0o644); err != nil {
			t.Error(err)
		}
	}
	if t.Failed() {
		t.Logf("server log:\n%s", loadTail(logs.String(), 4000))
	}
}

func loadTail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
