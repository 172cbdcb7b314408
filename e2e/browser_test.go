package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/datatap/datatap/internal/auth"
	"github.com/datatap/datatap/internal/testenv"
	"github.com/datatap/datatap/internal/testenv/duckdb"
)

// requireChromium returns the path of Debian's chromium, or skips the test
// without it (make chromium installs it); with DATATAP_REQUIRE_CHROMIUM=1 it
// fails instead.
func requireChromium(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err == nil {
		return path
	}
	if os.Getenv("DATATAP_REQUIRE_CHROMIUM") == "1" {
		t.Fatalf("chromium is not installed (make chromium): %v", err)
	}
	t.Skipf("chromium is not installed (make chromium): %v", err)
	return ""
}

// pageResult is what the page's script reports back to the page server.
type pageResult struct {
	Status    int             `json:"status"`
	Body      json.RawMessage `json:"body"`
	RequestID string          `json:"requestId"`
	Error     string          `json:"error"`
}

// The page a browser loads: it POSTs NDJSON with a bearer token to the tap,
// as the README's example does, writes the outcome into the DOM and posts
// it back to the server it came from.
var senderPage = template.Must(template.New("page").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>sender</title></head><body><pre id="result">pending</pre>
<script>
const lines = [];
for (let i = {{.First}}; i < {{.First}} + {{.Count}}; i++) lines.push(JSON.stringify({id: i, page: location.origin, msg: "from a browser é"}));
async function run() {
  let result;
  try {
    const resp = await fetch({{.Tap}}, {
      method: "POST",
      headers: {"Authorization": "Bearer " + {{.Token}}, "Content-Type": "application/x-ndjson"},
      body: lines.join("\n") + "\n",
    });
    result = {status: resp.status, body: await resp.json(), requestId: resp.headers.get("X-Request-Id") || ""};
  } catch (e) {
    result = {error: String(e)};
  }
  document.getElementById("result").textContent = JSON.stringify(result);
  await fetch("/result", {method: "POST", body: JSON.stringify(result)});
}
run();
</script></body></html>`))

type page struct {
	Tap, Token   string
	First, Count int
}

// servePage serves p at / on a new loopback origin and returns its URL and
// the channel its result arrives on.
func servePage(t *testing.T, ln net.Listener, p page) (string, <-chan pageResult) {
	t.Helper()
	results := make(chan pageResult, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		senderPage.Execute(w, p)
	})
	mux.HandleFunc("POST /result", func(w http.ResponseWriter, r *http.Request) {
		var res pageResult
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &res); err != nil {
			res.Error = fmt.Sprintf("result is not JSON: %q", b)
		}
		select {
		case results <- res:
		default:
		}
	})
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	srv := httptest.NewUnstartedServer(mux)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL + "/", results
}

// chromiumCommand is headless Chromium with args, its own profile and no
// background networking, writing to out, in a process group of its own (so
// that its helpers can be killed with it).
func chromiumCommand(t *testing.T, chromium string, out io.Writer, args ...string) *exec.Cmd {
	profile := t.TempDir()
	cmd := exec.Command(chromium, append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--disable-background-networking", "--no-first-run", "--no-default-browser-check",
		"--user-data-dir=" + profile}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+profile)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

// runChromium runs chromiumCommand to its end (at most 90 s) and returns
// what it printed.
func runChromium(t *testing.T, chromium string, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	cmd := chromiumCommand(t, chromium, &out, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-exited:
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // its helpers, in the group of the process started here
	case <-time.After(90 * time.Second):
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
		t.Errorf("chromium did not end in 90 s")
	}
	return out.String()
}

// loadPage runs headless Chromium on url until the page reports its result.
// --dump-dom alone would print the page at its load event, before the
// fetches end; --virtual-time-budget keeps it waiting while they are in
// flight. Chromium gets its own process group, killed when done.
func loadPage(t *testing.T, chromium, url string, results <-chan pageResult) pageResult {
	t.Helper()
	var out bytes.Buffer
	cmd := chromiumCommand(t, chromium, &out, "--virtual-time-budget=30000", "--dump-dom", url)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // the group of the process started here
		<-exited
	}
	select {
	case res := <-results:
		stop()
		return res
	case err := <-exited:
		// --dump-dom exits after the page settles; its result may still be
		// on the way. Its helpers (zygote, renderer) go with the group.
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		select {
		case res := <-results:
			return res
		case <-time.After(5 * time.Second):
		}
		t.Fatalf("chromium exited (%v) without the page's result; output:\n%s", err, tail(out.String(), 4000))
	case <-time.After(90 * time.Second):
		stop()
		t.Fatalf("no result from the page in 90 s; chromium output:\n%s", tail(out.String(), 4000))
	}
	return pageResult{}
}

// TestBrowserSends: a page on one loopback origin POSTs NDJSON with a bearer
// token to `datatap serve` on another, in headless Chromium: the preflight
// passes, the page reads the answer and its X-Request-Id, and every row
// lands in Parquet; a page on an origin TAP_CORS_ORIGINS does not list is
// stopped by the browser and lands nothing.
//
// Both origins are loopback addresses, so Chromium's Private Network Access
// checks (for a page on a less private address space calling a more private
// one) do not come in: the two origins differ by port only, which is enough
// for CORS. A public page calling a tap on loopback would add
// Access-Control-Request-Private-Network to its preflight (package cors
// answers it; TestCheck covers it).
func TestBrowserSends(t *testing.T) {
	chromium := requireChromium(t)
	duckdb.Require(t)
	bin := testenv.Binary(t)
	// Both pages' origins are known before the tap starts.
	allowedLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	otherLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	allowedOrigin := "http://" + allowedLn.Addr().String()

	const secret = "browser-test-secret-0123456789abcdef"
	addr := freeAddr(t)
	out := t.TempDir()
	var logs bytes.Buffer
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "TAP_ADDR="+addr, "TAP_DIR="+out, "TAP_SPOOL_DIR="+t.TempDir(),
		"TAP_FLUSH_AGE=1h", "TAP_JWT_SECRET="+secret, "TAP_ACL=page@example.com",
		"TAP_CORS_ORIGINS="+allowedOrigin)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	tap := "http://" + addr + "/"
	waitHealthy(t, tap+"health", &logs)

	// A short-lived token, as a page should carry.
	token, err := auth.Mint(secret, "", "page@example.com", 10*time.Minute, "", "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	const count = 250
	url, results := servePage(t, allowedLn, page{Tap: tap, Token: token, First: 0, Count: count})
	res := loadPage(t, chromium, url, results)
	if res.Error != "" || res.Status != http.StatusAccepted {
		t.Fatalf("the allowed page: %+v\ntap logs:\n%s", res, logs.String())
	}
	var counts struct{ Accepted, Filtered, Rejected int }
	if err := json.Unmarshal(res.Body, &counts); err != nil || counts.Accepted != count || counts.Rejected != 0 {
		t.Errorf("the allowed page read %s (%v), want %d accepted", res.Body, err, count)
	}
	if len(res.RequestID) != 16 {
		t.Errorf("the page could not read X-Request-Id (Access-Control-Expose-Headers): %q", res.RequestID)
	}

	// The same page, token and tap, from an origin not listed: the browser
	// refuses to send after the preflight's 403.
	url, results = servePage(t, otherLn, page{Tap: tap, Token: token, First: 100000, Count: 10})
	res = loadPage(t, chromium, url, results)
	if res.Error == "" || !strings.Contains(res.Error, "TypeError") {
		t.Errorf("the page on an origin not listed: %+v, want the fetch refused by the browser (TypeError)", res)
	}

	// Stop the tap (it flushes) and read what landed.
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v\n%s", err, logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not stop\n%s", logs.String())
	}
	files, _ := filepath.Glob(filepath.Join(out, "datataps", "*", "*", "*", "*", "*.parquet"))
	if len(files) == 0 {
		t.Fatalf("no Parquet under %s\n%s", out, logs.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rs, err := duckdb.Run(ctx, fmt.Sprintf(
		"SELECT count(*), count(DISTINCT id), min(id), max(id), min(page), max(page), min(msg) FROM read_parquet('%s/datataps/**/*.parquet')", out))
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Err != "" {
		t.Fatal(rs[0].Err)
	}
	got := fmt.Sprint(rs[0].Rows[0])
	want := fmt.Sprint([]any{fmt.Sprint(count), fmt.Sprint(count), "0", fmt.Sprint(count - 1), allowedOrigin, allowedOrigin, "from a browser é"})
	if got != want {
		t.Errorf("rows in Parquet: %s, want %s", got, want)
	}
}
