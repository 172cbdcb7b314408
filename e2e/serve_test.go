package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/datatap/datatap/internal/testenv"
	"github.com/datatap/datatap/internal/testenv/duckdb"
	"github.com/datatap/datatap/internal/testenv/minio"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// line returns generated line i: a unique id, and fields of several types;
// every 100th line is malformed, every 20th is filtered out by the statement.
func line(i int) string {
	if i%100 == 99 {
		return fmt.Sprintf(`{"id":%d,"broken"`, i)
	}
	kind := "event"
	if i%20 == 7 {
		kind = "skip"
	}
	return fmt.Sprintf(`{"id":%d,"kind":%q,"ts":"2024-05-01T%02d:%02d:%02d.%03dZ","n":%d,"x":%d.25,"msg":"message %d é","tags":["t%d"]}`,
		i, kind, i/3600%24, i/60%60, i%60, i%1000, i-100000, i%1000, i, i%7)
}

func TestServeToMinIO(t *testing.T) {
	duckdb.Require(t)
	store := minio.Start(t)
	bin := testenv.Binary(t)
	addr := freeAddr(t)
	spoolDir := t.TempDir()
	var logs bytes.Buffer
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), store.Env()...)
	cmd.Env = append(cmd.Env,
		"TAP_BUCKET="+store.Bucket, "TAP_ADDR="+addr, "TAP_SPOOL_DIR="+spoolDir,
		"TAP_FLUSH_BYTES=2MiB", "TAP_FLUSH_AGE=2s",
		"TAP_TRANSFORM=SELECT *, ts::TIMESTAMP AS ts WHERE kind <> 'skip'")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	url := "http://" + addr + "/"
	waitHealthy(t, url+"health", &logs)

	// Send 200,000 lines from 4 senders, 2,000 lines a request, every third
	// request gzip-encoded.
	const total, perRequest, senders = 200_000, 2_000, 4
	type sums struct{ accepted, filtered, rejected int }
	results := make(chan sums, total/perRequest)
	errs := make(chan error, senders)
	var wg sync.WaitGroup
	for s := 0; s < senders; s++ {
		wg.Add(1)
		go func(s int) {
			defer wg.Done()
			for r := s; r*perRequest < total; r += senders {
				var body bytes.Buffer
				for i := r * perRequest; i < (r+1)*perRequest; i++ {
					body.WriteString(line(i) + "\n")
				}
				got, err := send(url, body.Bytes(), r%3 == 0)
				if err != nil {
					errs <- err
					return
				}
				results <- sums{got["accepted"], got["filtered"], got["rejected"]}
			}
		}(s)
	}
	wg.Wait()
	close(results)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var sum sums
	for r := range results {
		sum.accepted += r.accepted
		sum.filtered += r.filtered
		sum.rejected += r.rejected
	}
	// 2,000 malformed (every 100th), 10,000 filtered (every 20th, none of them malformed).
	if sum.rejected != 2000 || sum.filtered != 10000 || sum.accepted != total-12000 {
		t.Fatalf("counts %+v", sum)
	}

	// SIGTERM: the server stops and flushes everything before it exits.
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("serve exited with %v\n%s", err, logs.String())
		}
	case <-time.After(2 * time.Minute):
		t.Fatalf("serve did not exit after SIGTERM\n%s", logs.String())
	}
	if left, _ := filepath.Glob(filepath.Join(spoolDir, "*.seg")); len(left) > 0 {
		t.Errorf("segments left in the spool after a clean stop: %v", left)
	}

	// Download every object and check them with DuckDB.
	local := t.TempDir()
	parquet, ndjson := download(t, store, local)
	if parquet < 2 {
		t.Errorf("%d Parquet objects; with 2 MiB flushes there should be several", parquet)
	}
	if ndjson < 1 {
		t.Errorf("no error output objects")
	}
	pq := filepath.Join(local, "datataps", "**", "*.parquet")
	ej := filepath.Join(local, "datataps-errors", "**", "*.ndjson")
	res, err := duckdb.Run(context.Background(),
		fmt.Sprintf(`SELECT count(*), count(DISTINCT id), sum(CASE WHEN kind = 'skip' THEN 1 ELSE 0 END) FROM read_parquet('%s', union_by_name = true)`, pq),
		fmt.Sprintf(`SELECT count(*), count(DISTINCT line), sum(CASE WHEN reason LIKE 'malformed JSON%%' THEN 1 ELSE 0 END) FROM read_json('%s')`, ej),
		fmt.Sprintf(`SELECT id, n, x, msg, ts, to_json(tags)::VARCHAR, typeof(tags) FROM read_parquet('%s', union_by_name = true) WHERE id IN (0, 1, 12345, 99998, 199998) ORDER BY id`, pq),
	)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != "" {
			t.Fatalf("query %d: %s", i, r.Err)
		}
	}
	accepted := fmt.Sprint(sum.accepted)
	if got := fmt.Sprint(res[0].Rows[0]); got != fmt.Sprintf("[%s %s 0]", accepted, accepted) {
		t.Errorf("Parquet rows [count distinct-ids skipped] = %s, want [%s %s 0]", got, accepted, accepted)
	}
	if got := fmt.Sprint(res[1].Rows[0]); got != "[2000 2000 2000]" {
		t.Errorf("error rows [count distinct malformed] = %s, want [2000 2000 2000]", got)
	}
	for _, row := range res[2].Rows {
		var i int
		fmt.Sscan(row[0].(string), &i)
		want := map[string]any{}
		json.Unmarshal([]byte(line(i)), &want)
		ts, _ := time.Parse(time.RFC3339Nano, want["ts"].(string))
		if row[1] != fmt.Sprint(want["n"]) || row[2] != want["x"] || row[3] != want["msg"] ||
			row[4] != fmt.Sprint(ts.UnixMicro()) || row[5] != fmt.Sprintf(`["t%d"]`, i%7) || row[6] != "VARCHAR[]" { // tags: a LIST (TAP_NESTED=native)
			t.Errorf("row %d: %v, want from %s", i, row, line(i))
		}
	}
	if len(res[2].Rows) != 5 {
		t.Errorf("sample: %d rows, want 5", len(res[2].Rows))
	}
}

// send posts body, retrying on 429 as a sender should, and returns the counts.
func send(url string, body []byte, gz bool) (map[string]int, error) {
	if gz {
		var buf bytes.Buffer
		w := gzip.NewWriter(&buf)
		w.Write(body)
		w.Close()
		body = buf.Bytes()
	}
	for attempt := 0; attempt < 100; attempt++ {
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		if gz {
			req.Header.Set("Content-Encoding", "gzip")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusAccepted:
			var got map[string]int
			return got, json.Unmarshal(b, &got)
		case http.StatusTooManyRequests:
			time.Sleep(200 * time.Millisecond)
		default:
			return nil, fmt.Errorf("POST: %d %s", resp.StatusCode, b)
		}
	}
	return nil, fmt.Errorf("POST: still 429 after 100 attempts")
}

func waitHealthy(t *testing.T, url string, logs fmt.Stringer) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
	}
	t.Fatalf("server not healthy at %s\n%s", url, logs.String())
}

// download copies every object of the bucket under dir and counts the
// Parquet and NDJSON ones.
func download(t *testing.T, m *minio.Server, dir string) (parquet, ndjson int) {
	t.Helper()
	m.Objects(t, func(key string, b []byte) {
		path := filepath.Join(dir, filepath.FromSlash(key))
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasSuffix(key, ".parquet"):
			parquet++
		case strings.HasSuffix(key, ".ndjson"):
			ndjson++
		}
	})
	return parquet, ndjson
}

// served is the real binary running `datatap serve` as a child process.
type served struct {
	URL    string              // http://host:port/
	Logs   *testenv.SyncBuffer // its standard output and error
	cmd    *exec.Cmd
	exited chan error
	done   bool
}

// startServe starts `datatap serve` on a free loopback port, with env added
// to this process's environment, and waits until it answers /health. The
// process is killed when the test ends unless Stop ended it.
func startServe(t *testing.T, env ...string) *served {
	t.Helper()
	return startServeNoFile(t, 0, env...)
}

// startServeNoFile is startServe with the child's open-file limit (soft and
// hard, so that Go's start-up cannot raise it) set to nofile, as on Lambda;
// 0 keeps this process's limit.
func startServeNoFile(t *testing.T, nofile int, env ...string) *served {
	t.Helper()
	bin := testenv.Binary(t)
	addr := freeAddr(t)
	s := &served{URL: "http://" + addr + "/", Logs: &testenv.SyncBuffer{}, exited: make(chan error, 1)}
	s.cmd = exec.Command(bin, "serve")
	if nofile > 0 { // exec keeps the PID: the signals of the test reach datatap itself
		s.cmd = exec.Command("sh", "-c", `ulimit -n "$1" && exec "$0" serve`, bin, strconv.Itoa(nofile))
	}
	s.cmd.Env = append(append(os.Environ(), "TAP_ADDR="+addr), env...)
	s.cmd.Stdout, s.cmd.Stderr = s.Logs, s.Logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.exited <- s.cmd.Wait() }()
	t.Cleanup(func() {
		if !s.done {
			s.cmd.Process.Kill()
			<-s.exited
		}
	})
	waitHealthy(t, s.URL+"health", s.Logs)
	return s
}

// Stop sends SIGTERM, which makes the server flush everything, and waits up
// to wait for a clean exit. It returns the process's final state.
func (s *served) Stop(t *testing.T, wait time.Duration) *os.ProcessState {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-s.exited:
		s.done = true
		if err != nil {
			t.Fatalf("serve exited with %v\n%s", err, s.Logs.String())
		}
	case <-time.After(wait):
		t.Fatalf("serve did not exit within %s of SIGTERM\n%s", wait, s.Logs.String())
	}
	return s.cmd.ProcessState
}

// TestServeRefusesAMissingBucket: a misspelled TAP_BUCKET stops serve at
// start, with the bucket's name, instead of acknowledging rows that could
// only wait in the spool.
func TestServeRefusesAMissingBucket(t *testing.T) {
	store := minio.Start(t)
	bin := testenv.Binary(t)
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), store.Env()...)
	cmd.Env = append(cmd.Env, "TAP_BUCKET=no-such-"+store.Bucket, "TAP_ADDR="+freeAddr(t), "TAP_SPOOL_DIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "TAP_BUCKET: s3: bucket no-such-"+store.Bucket+": no such bucket") {
		t.Errorf("serve with a missing bucket: %v\n%s", err, out)
	}
}
