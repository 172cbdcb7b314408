package e2e

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/datatap/datatap/internal/testenv"
	"github.com/datatap/datatap/internal/testenv/duckdb"
)

// TestTokenAndSend is the owner-to-sender story: serve with a secret and an
// ACL, `datatap token` mints a token for a sender, `datatap send` posts a
// 50 MB file through it while a small spool makes the tap answer 429 now and
// then, and every line is in the Parquet output exactly once.
func TestTokenAndSend(t *testing.T) {
	duckdb.Require(t)
	bin := testenv.Binary(t)
	dir := t.TempDir()
	input := filepath.Join(dir, "events.ndjson")
	lines := writeEvents(t, input, 50<<20)

	secret := "e2e-secret-0123456789abcdef0123456789"
	out := filepath.Join(dir, "data")
	srv := startServe(t, "TAP_DIR="+out, "TAP_SPOOL_DIR="+filepath.Join(dir, "spool"),
		"TAP_JWT_SECRET="+secret, "TAP_ACL=sender@example.com",
		"TAP_SPOOL_MAX_BYTES=8MiB", "TAP_FLUSH_BYTES=1MiB", "TAP_FLUSH_AGE=1s")
	logs := srv.Logs

	mint := exec.Command(bin, "token", "-email", "sender@example.com", "-ttl", "1h")
	mint.Env = append(os.Environ(), "TAP_JWT_SECRET="+secret)
	tok, err := mint.Output()
	if err != nil {
		t.Fatalf("token: %v", err)
	}

	// A wrong token: send stops at once and says so.
	bad := exec.Command(bin, "send", "-token", "not-a-token", srv.URL, input)
	if msg, err := bad.CombinedOutput(); err == nil || !strings.Contains(string(msg), "refused the token") {
		t.Errorf("send with a bad token: %v\n%s", err, msg)
	}

	snd := exec.Command(bin, "send", srv.URL, input)
	snd.Env = append(os.Environ(), "TAP_TOKEN="+strings.TrimSpace(string(tok)))
	summary, err := snd.CombinedOutput()
	if err != nil {
		t.Fatalf("send: %v\n%s\nserver:\n%s", err, summary, logs.String())
	}
	t.Logf("send: %s", strings.TrimSpace(string(summary)))
	m := regexp.MustCompile(`accepted (\d+), filtered 0, rejected 0, failed 0, retries (\d+)`).FindStringSubmatch(string(summary))
	if m == nil || m[1] != strconv.Itoa(lines) {
		t.Fatalf("summary %q, want %d accepted", summary, lines)
	}
	if m[2] == "0" {
		t.Errorf("no retries: the small spool should have answered 429 at least once")
	}
	if !strings.Contains(logs.String(), "flushed") {
		t.Errorf("no flush while sending")
	}

	srv.Stop(t, time.Minute)
	res, err := duckdb.Run(context.Background(), fmt.Sprintf(
		`SELECT count(*), count(DISTINCT id), max(id) FROM read_parquet('%s/datataps/**/*.parquet')`, out))
	if err != nil || res[0].Err != "" {
		t.Fatal(err, res)
	}
	if got, want := fmt.Sprint(res[0].Rows[0]), fmt.Sprintf("[%d %d %d]", lines, lines, lines-1); got != want {
		t.Errorf("Parquet [count distinct max] = %s, want %s", got, want)
	}
}

// writeEvents writes about size bytes of log lines with ids 0… and returns
// how many lines it wrote.
func writeEvents(t *testing.T, path string, size int) int {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	n, written := 0, 0
	for ; written < size; n++ {
		k, _ := fmt.Fprintf(w, `{"id":%d,"ts":"2024-05-01T10:%02d:%02d.%03dZ","level":%q,"service":%q,"status":%d,"latency_ms":%d.%d,"msg":"request %d served for user %d","path":"/api/v1/items/%d"}`+"\n",
			n, n/60%60, n%60, n%1000, []string{"info", "warn", "error"}[n%3], []string{"checkout", "search"}[n%2],
			[]int{200, 201, 404, 500}[n%4], n%250, n%1000, n, n*7919%1000003, n%100000)
		written += k
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return n
}
