package e2e

// Helpers for the fault tests (fault_test.go): a MinIO that can be killed and
// started again on the same address and data, a datatap child process, a
// sender that keeps a ledger of what the tap acknowledged, and the exact
// reconciliation of that ledger against what landed in S3.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/datatap/datatap/internal/testenv"
	"github.com/datatap/datatap/internal/testenv/duckdb"
	"github.com/datatap/datatap/internal/testenv/minio"
)

// faultTransform drops every 20th line (kind = 'skip'); every 100th line is
// malformed (see line), so each request exercises all three outcomes.
const faultTransform = "SELECT * WHERE kind <> 'skip'"

func requireFaults(t *testing.T) {
	t.Helper()
	if os.Getenv("DATATAP_FAULTS") != "1" {
		t.Skip("fault tests run with DATATAP_FAULTS=1")
	}
	duckdb.Require(t)
	if _, err := os.Stat(minio.Binary()); err != nil {
		if os.Getenv("DATATAP_REQUIRE_MINIO") == "1" {
			t.Fatalf("no minio binary: %v", err)
		}
		t.Skipf("no minio binary: %v", err)
	}
}

// faultMinIO is a MinIO server on a fixed address and data folder that a test
// may kill and start again.
type faultMinIO struct {
	*minio.Server
	t      *testing.T
	addr   string
	data   string
	cmd    *exec.Cmd
	exited chan error
	log    testenv.SyncBuffer
}

func startFaultMinIO(t *testing.T) *faultMinIO {
	t.Helper()
	dir := t.TempDir()
	m := &faultMinIO{t: t, addr: freeAddr(t), data: filepath.Join(dir, "data")}
	m.Server = &minio.Server{
		Endpoint: "http://" + m.addr, AccessKey: "datatap-test", SecretKey: "datatap-test-secret",
		Bucket: "datatap-test", Dir: dir,
	}
	m.start()
	t.Cleanup(func() {
		m.stop(syscall.SIGTERM)
		if t.Failed() {
			t.Logf("minio output (tail):\n%s", tail(m.log.String(), 3000))
		}
	})
	return m
}

func (m *faultMinIO) start() {
	m.t.Helper()
	console := freeAddr(m.t)
	cmd := exec.Command(minio.Binary(), "server", m.data, "--address", m.addr, "--console-address", console, "--quiet")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MINIO_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "MINIO_ROOT_USER="+m.AccessKey, "MINIO_ROOT_PASSWORD="+m.SecretKey,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off")
	cmd.Stdout, cmd.Stderr = &m.log, &m.log
	var err error
	for attempt := 0; attempt < 50; attempt++ { // the old process may still hold the port a moment
		if err = cmd.Start(); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		m.t.Fatalf("start minio: %v", err)
	}
	m.cmd = cmd
	m.exited = make(chan error, 1)
	go func(c *exec.Cmd, ch chan error) { ch <- c.Wait() }(cmd, m.exited)
	// Ready when the bucket can be created (or already exists).
	client := m.Client()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		_, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(m.Bucket)})
		cancel()
		if err == nil || strings.Contains(err.Error(), "BucketAlreadyOwnedByYou") || strings.Contains(err.Error(), "BucketAlreadyExists") {
			return
		}
		select {
		case e := <-m.exited:
			m.cmd = nil
			m.t.Fatalf("minio exited: %v\n%s", e, tail(m.log.String(), 3000))
		default:
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("minio not ready: %v\n%s", err, tail(m.log.String(), 3000))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop sends sig (SIGKILL for a crash) and waits for the process to exit.
func (m *faultMinIO) stop(sig syscall.Signal) {
	if m.cmd == nil {
		return
	}
	_ = m.cmd.Process.Signal(sig)
	select {
	case <-m.exited:
	case <-time.After(15 * time.Second):
		_ = m.cmd.Process.Kill()
		<-m.exited
	}
	m.cmd = nil
}

// tap is one datatap serve child process.
type tap struct {
	t      *testing.T
	cmd    *exec.Cmd
	url    string
	spool  string
	logs   *testenv.SyncBuffer
	exited chan error
}

// startTap starts `datatap serve` with the given spool and extra env, and
// waits until it is healthy.
func startTap(t *testing.T, endpoint *minio.Server, s3Endpoint, spool string, logs *testenv.SyncBuffer, extra ...string) *tap {
	t.Helper()
	bin := testenv.Binary(t)
	addr := freeAddr(t)
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), endpoint.Env()...)
	if s3Endpoint != "" {
		cmd.Env = append(cmd.Env, "AWS_ENDPOINT_URL_S3="+s3Endpoint)
	}
	cmd.Env = append(cmd.Env, "TAP_BUCKET="+endpoint.Bucket, "TAP_ADDR="+addr, "TAP_SPOOL_DIR="+spool,
		"TAP_FLUSH_BYTES=4MiB", "TAP_FLUSH_AGE=1s", "TAP_TRANSFORM="+faultTransform)
	cmd.Env = append(cmd.Env, extra...)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tp := &tap{t: t, cmd: cmd, url: "http://" + addr + "/", spool: spool, logs: logs, exited: make(chan error, 1)}
	go func() { tp.exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(tp.url + "health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return tp
			}
		}
		select {
		case err := <-tp.exited:
			t.Fatalf("serve exited at start: %v\n%s", err, tail(logs.String(), 4000))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve not healthy\n%s", tail(logs.String(), 4000))
		}
	}
}

func (tp *tap) kill() {
	_ = tp.cmd.Process.Signal(syscall.SIGKILL)
	<-tp.exited
}

// term sends SIGTERM and fails the test unless the process exits cleanly
// within limit.
func (tp *tap) term(limit time.Duration) {
	tp.t.Helper()
	_ = tp.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-tp.exited:
		if err != nil {
			tp.t.Fatalf("serve exited with %v after SIGTERM\n%s", err, tail(tp.logs.String(), 4000))
		}
	case <-time.After(limit):
		_ = tp.cmd.Process.Kill()
		tp.t.Fatalf("serve did not exit within %v of SIGTERM\n%s", limit, tail(tp.logs.String(), 4000))
	}
}

func spoolFiles(dir string) []string {
	var out []string
	for _, pat := range []string{"*.seg", "*.open"} {
		m, _ := filepath.Glob(filepath.Join(dir, pat))
		out = append(out, m...)
	}
	return out
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// Request outcomes in the ledger.
const (
	acked   = "acked"   // 202 with counts: every line must land exactly once
	refused = "refused" // a definite non-2xx answer: nothing may land
	unknown = "unknown" // no answer (connection reset by a kill): all or nothing
)

type reqRec struct {
	r, lo, hi int
	status    string
}

// ledger hands out unique line ranges and records what became of them.
type ledger struct {
	mu       sync.Mutex
	next     int
	reqs     []reqRec
	status   map[int]int // HTTP status → count
	countErr []string
}

func newLedger() *ledger { return &ledger{status: map[int]int{}} }

func (l *ledger) take(n int) (r, lo int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, lo = len(l.reqs), l.next
	l.next += n
	l.reqs = append(l.reqs, reqRec{r: r, lo: lo, hi: lo + n, status: unknown})
	return r, lo
}

func (l *ledger) set(r int, status string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs[r].status = status
}

func (l *ledger) sawStatus(code int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.status[code]++
}

func (l *ledger) summary() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := map[string]int{}
	for _, r := range l.reqs {
		s[r.status]++
	}
	return s
}

// expectedCounts is what a 202 must report for lines lo..hi-1.
func expectedCounts(lo, hi int) (accepted, filtered, rejected int) {
	for i := lo; i < hi; i++ {
		switch {
		case i%100 == 99:
			rejected++
		case i%20 == 7:
			filtered++
		default:
			accepted++
		}
	}
	return
}

var faultClient = &http.Client{Timeout: 60 * time.Second}

// pump runs senders until ctx is done; each posts requests of perReq lines.
// A sender stops at its first transport error (the server is gone) unless
// keepGoing is set. A 429 is retried (same lines) until ctx is done.
func pump(ctx context.Context, url string, l *ledger, senders, perReq int, keepGoing bool) {
	var wg sync.WaitGroup
	for s := 0; s < senders; s++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var body bytes.Buffer
			for ctx.Err() == nil {
				r, lo := l.take(perReq)
				body.Reset()
				for i := lo; i < lo+perReq; i++ {
					body.WriteString(line(i))
					body.WriteByte('\n')
				}
				ok := sendOnce(ctx, url, l, r, lo, perReq, body.Bytes())
				if !ok && !keepGoing {
					return
				}
				if !ok {
					time.Sleep(50 * time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
}

// sendOnce posts one request, retrying 429s, and records the outcome. It
// reports false on a transport error.
func sendOnce(ctx context.Context, url string, l *ledger, r, lo, n int, body []byte) bool {
	for {
		// The request is not tied to ctx: cancelling a request in flight
		// would make its outcome unknown for no reason.
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		resp, err := faultClient.Do(req)
		if err != nil {
			l.set(r, unknown)
			return false
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			l.set(r, unknown)
			return false
		}
		l.sawStatus(resp.StatusCode)
		switch {
		case resp.StatusCode == http.StatusAccepted:
			var got map[string]int
			if err := json.Unmarshal(b, &got); err != nil {
				l.set(r, unknown)
				return false
			}
			a, f, j := expectedCounts(lo, lo+n)
			if got["accepted"] != a || got["filtered"] != f || got["rejected"] != j {
				l.mu.Lock()
				l.countErr = append(l.countErr, fmt.Sprintf("request %d: got %v, want %d/%d/%d", r, got, a, f, j))
				l.mu.Unlock()
			}
			l.set(r, acked)
			return true
		case resp.StatusCode == http.StatusTooManyRequests:
			if resp.Header.Get("Retry-After") == "" {
				l.mu.Lock()
				l.countErr = append(l.countErr, "429 without Retry-After")
				l.mu.Unlock()
			}
			l.set(r, refused)
			if ctx.Err() != nil {
				return true
			}
			time.Sleep(time.Duration(50+rand.IntN(100)) * time.Millisecond)
		default:
			l.set(r, refused)
			return true
		}
	}
}

// reconcile downloads the bucket and checks, with DuckDB, that every
// acknowledged line is exactly once a Parquet row or an error row, that no
// line landed twice, and that every unacknowledged request landed all or
// nothing (refused ones: nothing).
func reconcile(t *testing.T, m *minio.Server, l *ledger) {
	t.Helper()
	start := time.Now()
	for _, e := range l.countErr {
		t.Errorf("response counts: %s", e)
	}
	dir := t.TempDir()
	local := filepath.Join(dir, "objects")
	parquet, ndjson := download(t, m, local)
	var csv strings.Builder
	csv.WriteString("r,lo,hi,status\n")
	l.mu.Lock()
	for _, r := range l.reqs {
		fmt.Fprintf(&csv, "%d,%d,%d,%s\n", r.r, r.lo, r.hi, r.status)
	}
	l.mu.Unlock()
	ledgerPath := filepath.Join(dir, "ledger.csv")
	if err := os.WriteFile(ledgerPath, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	pqSQL := "CREATE TABLE pq AS SELECT NULL::BIGINT AS id WHERE false"
	if parquet > 0 {
		pqSQL = fmt.Sprintf("CREATE TABLE pq AS SELECT id::BIGINT AS id FROM read_parquet('%s', union_by_name = true)",
			filepath.Join(local, "**", "*.parquet"))
	}
	erSQL := "CREATE TABLE er AS SELECT NULL::BIGINT AS id WHERE false"
	if ndjson > 0 {
		erSQL = fmt.Sprintf(`CREATE TABLE er AS SELECT regexp_extract(line, '"id":(\d+)', 1)::BIGINT AS id FROM read_json('%s', columns = {line: 'VARCHAR', reason: 'VARCHAR'})`,
			filepath.Join(local, "**", "*.ndjson"))
	}
	stmts := []string{
		fmt.Sprintf("CREATE TABLE req AS SELECT * FROM read_csv('%s', header = true, columns = {'r': 'BIGINT', 'lo': 'BIGINT', 'hi': 'BIGINT', 'status': 'VARCHAR'})", ledgerPath),
		`CREATE TABLE exp AS SELECT r, status, id, CASE WHEN id % 100 = 99 THEN 'err' WHEN id % 20 = 7 THEN 'skip' ELSE 'pq' END AS dest
		 FROM (SELECT r, status, unnest(range(lo, hi)) AS id FROM req)`,
		pqSQL,
		erSQL,
		"CREATE TABLE got AS SELECT id, 'pq' AS dest FROM pq UNION ALL SELECT id, 'err' FROM er",
		// 5: totals and duplicates
		"SELECT count(*), count(DISTINCT id), (SELECT count(*) FROM pq), (SELECT count(*) FROM er) FROM got",
		// 6: acknowledged but missing
		"SELECT count(*), min(id), max(id) FROM (SELECT id, dest FROM exp WHERE status = 'acked' AND dest <> 'skip' EXCEPT SELECT id, dest FROM got)",
		// 7: present but never sent, filtered, or in the wrong output
		"SELECT count(*), min(id), max(id) FROM (SELECT id, dest FROM got EXCEPT SELECT id, dest FROM exp WHERE dest <> 'skip')",
		// 8: requests not acknowledged that landed in part (or refused that landed at all)
		`SELECT r, status, count(*) AS want, count(g.id) AS have FROM exp e LEFT JOIN (SELECT DISTINCT id, dest FROM got) g USING (id, dest)
		 WHERE status <> 'acked' AND e.dest <> 'skip' GROUP BY r, status
		 HAVING (status = 'unknown' AND count(g.id) NOT IN (0, count(*))) OR (status = 'refused' AND count(g.id) > 0) ORDER BY r LIMIT 20`,
		// 9: unacknowledged requests that landed in full
		`SELECT count(*) FROM (SELECT r FROM exp e JOIN (SELECT DISTINCT id, dest FROM got) g USING (id, dest) WHERE status = 'unknown' GROUP BY r)`,
		// 10: expected acknowledged lines
		"SELECT count(*) FROM exp WHERE status = 'acked' AND dest <> 'skip'",
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := duckdb.Run(ctx, stmts...)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != "" {
			t.Fatalf("statement %d: %s", i, r.Err)
		}
	}
	tot := res[5].Rows[0]
	if tot[0] != tot[1] {
		t.Errorf("DUPLICATES: %v rows in total but %v distinct ids (parquet %v, errors %v)", tot[0], tot[1], tot[2], tot[3])
	}
	if miss := res[6].Rows[0]; miss[0] != "0" {
		t.Errorf("LOSS: %v acknowledged lines missing (ids %v..%v)", miss[0], miss[1], miss[2])
	}
	if extra := res[7].Rows[0]; extra[0] != "0" {
		t.Errorf("%v unexpected lines present (ids %v..%v)", extra[0], extra[1], extra[2])
	}
	for _, row := range res[8].Rows {
		t.Errorf("request %v (%v) landed %v of its %v lines; refused must land none, unknown all or none", row[0], row[1], row[3], row[2])
	}
	t.Logf("reconciled in %v: requests %v, HTTP statuses %v; %d parquet + %d error objects; rows %v (parquet %v, errors %v) = acknowledged %v + %v unacknowledged requests landed whole",
		time.Since(start).Round(time.Millisecond), l.summary(), l.statusCopy(), parquet, ndjson, tot[0], tot[2], tot[3], res[10].Rows[0][0], res[9].Rows[0][0])
	if l.summary()[acked] == 0 {
		t.Errorf("no request was acknowledged: the test tested nothing")
	}
}

func (l *ledger) statusCopy() map[int]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := map[int]int{}
	for k, v := range l.status {
		c[k] = v
	}
	return c
}
