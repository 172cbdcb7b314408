package server

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

// slowBody is a request whose headers and first bytes were sent and whose
// body then stalls, as a slow or hostile sender's does.
type slowBody struct {
	conn net.Conn
	rest []byte // what completes the body
}

// openSlow starts a POST of the lines in body: with its Content-Length, or
// chunked when chunked is set, sending only the first few bytes.
func openSlow(t *testing.T, url string, body []byte, chunked bool) *slowBody {
	t.Helper()
	addr := strings.TrimPrefix(url, "http://")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	const first = 3
	var head bytes.Buffer
	fmt.Fprintf(&head, "POST / HTTP/1.1\r\nHost: %s\r\n", addr)
	sb := &slowBody{conn: c}
	if chunked {
		head.WriteString("Transfer-Encoding: chunked\r\n\r\n")
		fmt.Fprintf(&head, "%x\r\n%s\r\n", first, body[:first])
		sb.rest = fmt.Appendf(nil, "%x\r\n%s\r\n0\r\n\r\n", len(body)-first, body[first:])
	} else {
		fmt.Fprintf(&head, "Content-Length: %d\r\n\r\n%s", len(body), body[:first])
		sb.rest = body[first:]
	}
	if _, err := c.Write(head.Bytes()); err != nil {
		t.Fatal(err)
	}
	return sb
}

// finish sends the rest of the body.
func (sb *slowBody) finish() error {
	_, err := sb.conn.Write(sb.rest)
	return err
}

// reply reads the answer; status 0 when the connection ends without one.
func (sb *slowBody) reply(t *testing.T) (int, string) {
	t.Helper()
	sb.conn.SetReadDeadline(time.Now().Add(60 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(sb.conn), nil)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitFor polls cond until it holds, failing the test after a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
	}
}

// idLines is n NDJSON lines with ids from lo.
func idLines(lo, n int) []byte {
	var b bytes.Buffer
	for i := lo; i < lo+n; i++ {
		fmt.Fprintf(&b, `{"id":%d,"pad":"%s"}`+"\n", i, strings.Repeat("x", 40))
	}
	return b.Bytes()
}

// flushedIDs reads every Parquet file under out (written by `SELECT id`)
// and counts each id.
func flushedIDs(t *testing.T, out string) map[int64]int {
	t.Helper()
	ids := map[int64]int{}
	err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".parquet") {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		st, _ := f.Stat()
		pf, err := parquet.OpenFile(f, st.Size())
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		r := parquet.NewReader(pf)
		defer r.Close()
		rows := make([]parquet.Row, 64)
		for {
			n, err := r.ReadRows(rows)
			for _, row := range rows[:n] {
				ids[row[0].Int64()]++
			}
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// Eight slow bodies (four with a Content-Length of the largest body, four
// chunked) are open and being read; every other sender must still be served.
// Before, four slow bodies took every ingest slot, unread.
func TestSlowBodiesDoNotHoldTheTap(t *testing.T) {
	var srv *Server
	// The budget serve has with no memory limit (go test may run under a
	// GOMEMLIMIT): sixteen bodies of the default largest size.
	url, out, stop := startWith(t, Options{started: func(s *Server) { srv = s }, bounds: bounds{budget: bodyBudget(6<<20, math.MaxInt64)}},
		"TAP_TRANSFORM", "SELECT id", "TAP_FLUSH_AGE", "1h")
	maxBody := int(srv.cfg.MaxBodyBytes)
	big := append(idLines(1_000_000, 1), bytes.Repeat([]byte(" "), maxBody-len(idLines(1_000_000, 1)))...)
	var slow []*slowBody
	for i := range 8 {
		slow = append(slow, openSlow(t, url, big, i%2 == 1))
	}
	// Each reserves the largest body (its length, or the most a chunked
	// one may be) before reading.
	waitFor(t, "the slow bodies being read", func() bool { return srv.budget.inUse() == int64(8*maxBody) })

	const senders, perReq = 16, 50
	var wg sync.WaitGroup
	statuses := make([]int, senders)
	client := &http.Client{Timeout: time.Minute}
	for i := range senders {
		wg.Go(func() {
			resp, err := client.Post(url, "application/x-ndjson", bytes.NewReader(idLines(i*perReq, perReq)))
			if err != nil {
				t.Errorf("sender %d: %v", i, err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		})
	}
	wg.Wait()
	for i, st := range statuses {
		if st != http.StatusAccepted {
			t.Errorf("sender %d: status %d while slow bodies were open, want 202", i, st)
		}
	}
	if got := srv.budget.inUse(); got != int64(8*maxBody) {
		t.Errorf("budget in use %d after the senders, want the slow bodies' %d", got, 8*maxBody)
	}
	// The slow ones, once they finish, are served too.
	for i, sb := range slow {
		if err := sb.finish(); err != nil {
			t.Fatal(err)
		}
		if st, body := sb.reply(t); st != http.StatusAccepted {
			t.Errorf("slow body %d, finished: %d %s", i, st, body)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	ids := flushedIDs(t, out)
	for i := range senders * perReq {
		if ids[int64(i)] != 1 {
			t.Fatalf("id %d flushed %d times, want once", i, ids[int64(i)])
		}
	}
	if ids[1_000_000] != 8 {
		t.Errorf("the slow bodies' line flushed %d times, want 8", ids[1_000_000])
	}
}

// A body that falls below the minimum rate after the grace period is cut
// with 408; one that keeps it, however long it takes, is accepted.
func TestSlowBodyIsCut(t *testing.T) {
	url, out, stop := startWith(t, Options{bounds: bounds{grace: 300 * time.Millisecond, minRate: 100}},
		"TAP_TRANSFORM", "SELECT id", "TAP_FLUSH_AGE", "1h")
	for _, chunked := range []bool{false, true} {
		sb := openSlow(t, url, idLines(0, 10), chunked)
		st, body := sb.reply(t)
		if st != http.StatusRequestTimeout || !strings.Contains(body, "body too slow") {
			t.Errorf("stalled body (chunked %t): %d %s, want 408", chunked, st, body)
		}
	}
	// 1,000 bytes/s, ten times the minimum, for 1.5 s: past the grace period.
	lines := idLines(100, 30)
	pr, pw := io.Pipe()
	go func() {
		for b := lines; len(b) > 0; b = b[min(100, len(b)):] {
			time.Sleep(100 * time.Millisecond)
			pw.Write(b[:min(100, len(b))])
		}
		pw.Close()
	}()
	req, _ := http.NewRequest(http.MethodPost, url, pr)
	req.ContentLength = int64(len(lines))
	if r := do(t, req); r.status != http.StatusAccepted {
		t.Errorf("a slow body that keeps the rate: %d %v", r.status, r.body)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	ids := flushedIDs(t, out)
	if len(ids) != 30 || ids[100] != 1 || ids[129] != 1 {
		t.Errorf("flushed %d ids (%v), want the 30 of the paced body only", len(ids), ids)
	}
}

// Bodies being read hold the memory budget: when it is full, a request
// waits, unread, and gets 503 with Retry-After when the wait is over. A
// chunked body over the largest size is refused as one with a length is.
func TestBodyBudget(t *testing.T) {
	var srv *Server
	url, _, _ := startWith(t, Options{started: func(s *Server) { srv = s }, bounds: bounds{budget: 1000, budgetWait: 200 * time.Millisecond}},
		"TAP_MAX_BODY_BYTES", "600")
	body := bytes.Repeat([]byte(`{"a":1}`+"\n"), 60) // 480 bytes
	a, b := openSlow(t, url, body, false), openSlow(t, url, body, false)
	waitFor(t, "two bodies in the budget", func() bool { return srv.budget.inUse() == 960 })
	r := post(t, url, "", []byte(`{"a":1}`+"\n"+`{"a":2}`+"\n"+`{"a":3}`+"\n"+`{"a":4}`+"\n"+`{"a":5}`+"\n"+`{"a":6}`))
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
		t.Errorf("budget full: %d (Retry-After %q) %v, want 503 with Retry-After", r.status, r.header.Get("Retry-After"), r.body)
	}
	if r := post(t, url, "", []byte(`{"a":1}`)); r.status != http.StatusAccepted {
		t.Errorf("a body that fits the room left: %d %v", r.status, r.body)
	}
	a.finish()
	if st, body := a.reply(t); st != http.StatusAccepted {
		t.Errorf("first held body: %d %s", st, body)
	}
	b.finish()
	if st, body := b.reply(t); st != http.StatusAccepted {
		t.Errorf("second held body: %d %s", st, body)
	}
	waitFor(t, "the budget given back", func() bool { return srv.budget.inUse() == 0 })

	big := openSlow(t, url, bytes.Repeat([]byte(" "), 700), true)
	big.finish()
	if st, body := big.reply(t); st != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked body over the limit: %d %s, want 413", st, body)
	}
	waitFor(t, "the budget given back", func() bool { return srv.budget.inUse() == 0 })
}

// SIGTERM (here: the context) with slow bodies open returns within the
// shutdown wait plus the flush, answers none of the cut requests with 2xx,
// answers a body that completes during the wait, and flushes every
// acknowledged line.
func TestShutdownWithSlowBodiesOpen(t *testing.T) {
	var srv *Server
	url, out, stop := startWith(t, Options{started: func(s *Server) { srv = s }},
		"TAP_TRANSFORM", "SELECT id", "TAP_FLUSH_AGE", "1h")
	if r := post(t, url, "", idLines(0, 100)); r.status != http.StatusAccepted {
		t.Fatalf("post: %d %v", r.status, r.body)
	}
	var slow []*slowBody
	for i := range 8 {
		slow = append(slow, openSlow(t, url, idLines(1000+10*i, 10), i%2 == 1))
	}
	late := openSlow(t, url, idLines(5000, 10), false)
	waitFor(t, "the slow bodies being read", func() bool { return srv.budget.inUse() > 0 && srv.tap.Ingesting() == 0 && inFlight(srv) == 9 })

	began := time.Now()
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	time.Sleep(300 * time.Millisecond) // within the wait: this one completes and is answered
	if err := late.finish(); err != nil {
		t.Fatal(err)
	}
	lateStatus, lateBody := late.reply(t)
	var err error
	select {
	case err = <-stopped:
	case <-time.After(4 * ShutdownWait):
		t.Fatalf("Run did not return within %s of the stop", 4*ShutdownWait)
	}
	took := time.Since(began)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("stopped in %s with 8 slow bodies open (wait %s)", took.Round(time.Millisecond), ShutdownWait)
	if lateStatus != http.StatusAccepted {
		t.Errorf("body completed during the shutdown wait: %d %s, want 202", lateStatus, lateBody)
	}
	for i, sb := range slow {
		if st, body := sb.reply(t); st >= 200 && st < 300 {
			t.Errorf("slow body %d cut at shutdown was answered %d %s", i, st, body)
		}
	}
	ids := flushedIDs(t, out)
	for _, id := range append(seq(0, 100), seq(5000, 10)...) {
		if ids[int64(id)] != 1 {
			t.Errorf("acknowledged id %d flushed %d times, want once", id, ids[int64(id)])
		}
	}
	if len(ids) != 110 {
		t.Errorf("flushed %d ids, want the 110 acknowledged", len(ids))
	}
}

func seq(lo, n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = lo + i
	}
	return s
}

// inFlight is the number of requests in the handler.
func inFlight(s *Server) int64 { return s.active.Load() }

func TestBodyBudgetFigures(t *testing.T) {
	const mib = 1 << 20
	f := func(maxBody, goLimit, want int64) {
		t.Helper()
		if got := bodyBudget(maxBody, goLimit); got != want {
			t.Errorf("bodyBudget(%d, %d) = %d, want %d", maxBody, goLimit, got, want)
		}
	}
	f(6*mib, math.MaxInt64, 96*mib) // no limit: 16 bodies
	f(6*mib, 96*mib, 24*mib)        // 128 MiB cgroup: a quarter of 75%
	f(6*mib, 8*mib, 6*mib)          // tiny: still one whole body
	f(6*mib, 4096*mib, 96*mib)      // large: 16 bodies at most
}

func TestBudgetIsFirstComeFirstServed(t *testing.T) {
	b := newBudget(10)
	ctx := context.Background()
	if err := b.acquire(ctx, 8); err != nil {
		t.Fatal(err)
	}
	bigGot := make(chan struct{})
	go func() { b.acquire(ctx, 5); close(bigGot) }()
	// Queued: 2 bytes are free, yet even 1 cannot be had without waiting.
	waitFor(t, "the large request queued", func() bool {
		if b.sem.TryAcquire(1) {
			b.sem.Release(1)
			return false
		}
		return true
	})
	// 2 bytes are free, but a small request must not pass the queued one.
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := b.acquire(short, 1); err == nil {
		t.Error("a small request passed a queued larger one")
	}
	b.release(8)
	<-bigGot
	if got := b.inUse(); got != 5 {
		t.Errorf("in use %d, want 5", got)
	}
	// Asking for more than the whole budget takes the whole budget.
	b.release(5)
	if err := b.acquire(ctx, 1000); err != nil || b.inUse() != 10 {
		t.Errorf("oversized acquire: %v, in use %d", err, b.inUse())
	}
}
