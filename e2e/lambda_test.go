package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/datatap/datatap/internal/testenv"
	"github.com/datatap/datatap/internal/testenv/duckdb"
	"github.com/datatap/datatap/internal/testenv/lambda"
	"github.com/datatap/datatap/internal/testenv/minio"
)

// functionURLEvent wraps body in a Function URL event (payload format 2.0),
// as text, base64, or gzip and base64.
func functionURLEvent(body []byte, encoding string) []byte {
	ev := map[string]any{
		"version": "2.0", "routeKey": "$default", "rawPath": "/", "rawQueryString": "",
		"headers": map[string]string{"content-type": "application/x-ndjson"},
		"requestContext": map[string]any{
			"http":      map[string]string{"method": "POST", "path": "/", "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7"},
			"requestId": fmt.Sprintf("req-%d", time.Now().UnixNano()),
		},
		"isBase64Encoded": encoding != "text",
	}
	switch encoding {
	case "text":
		ev["body"] = string(body)
	case "base64":
		ev["body"] = base64.StdEncoding.EncodeToString(body)
	case "gzip":
		var buf bytes.Buffer
		w := gzip.NewWriter(&buf)
		w.Write(body)
		w.Close()
		ev["body"] = base64.StdEncoding.EncodeToString(buf.Bytes())
		ev["headers"].(map[string]string)["content-encoding"] = "gzip"
	}
	b, _ := json.Marshal(ev)
	return b
}

// lambdaEnv is one Lambda execution environment: the fake Lambda service,
// the extension and the runtime, both the real binary.
type lambdaEnv struct {
	lambda   *lambda.Server
	minio    *minio.Server
	spoolDir string
}

func startLambda(t *testing.T, vars ...string) *lambdaEnv {
	t.Helper()
	bin := testenv.Binary(t)
	e := &lambdaEnv{minio: minio.Start(t), spoolDir: t.TempDir()}
	e.lambda = lambda.Start(t, lambda.Options{})
	env := append(os.Environ(), e.minio.Env()...)
	env = append(env, "TAP_BUCKET="+e.minio.Bucket, "TAP_SPOOL_DIR="+e.spoolDir, "TAP_AUTH=none")
	env = append(env, vars...)
	x := exec.Command(bin, "-extension")
	x.Env = env
	e.lambda.StartExtension(t, "datatap", x)
	rt := exec.Command(bin)
	rt.Env = env
	e.lambda.StartRuntime(t, rt)
	return e
}

// invoke sends one batch of lines and returns the counts the tap answered.
func (e *lambdaEnv) invoke(t *testing.T, body []byte, encoding string) (accepted, rejected int) {
	t.Helper()
	res, err := e.lambda.Invoke(context.Background(), functionURLEvent(body, encoding))
	if err != nil {
		t.Fatalf("invoke: %v\n%s", err, e.lambda.Logs())
	}
	if res.Error != nil {
		t.Fatalf("invoke: %v\n%s", res.Error, e.lambda.Logs())
	}
	var resp struct {
		StatusCode int    `json:"statusCode"`
		Body       string `json:"body"`
	}
	if err := json.Unmarshal(res.Response, &resp); err != nil || resp.StatusCode != 202 {
		t.Fatalf("response %s (%v)", res.Response, err)
	}
	var c struct{ Accepted, Rejected int }
	json.Unmarshal([]byte(resp.Body), &c)
	return c.Accepted, c.Rejected
}

// shutdown ends the environment and checks that the extension flushed in time.
func (e *lambdaEnv) shutdown(t *testing.T) {
	t.Helper()
	rep := e.lambda.Shutdown("spindown")
	x, ok := rep.Extension("datatap")
	if !ok || !x.GotShutdown || !x.Ended || x.Killed || x.ExitCode != 0 {
		t.Errorf("extension did not flush and exit in time: %s\n%s", x.ProcessExit, e.lambda.Logs())
	}
	t.Logf("shutdown: %s; %s", rep.Runtime, x.ProcessExit)
	if left, _ := filepath.Glob(filepath.Join(e.spoolDir, "*")); len(left) > 0 {
		t.Errorf("left in the spool after shutdown: %v", left)
	}
}

// check downloads everything and compares it with what was acknowledged.
func (e *lambdaEnv) check(t *testing.T, accepted, rejected int) {
	t.Helper()
	local := t.TempDir()
	download(t, e.minio, local)
	q := []string{fmt.Sprintf(`SELECT count(*), count(DISTINCT id) FROM read_parquet('%s', union_by_name = true)`,
		filepath.Join(local, "datataps", "**", "*.parquet"))}
	if rejected > 0 {
		q = append(q, fmt.Sprintf(`SELECT count(*), count(DISTINCT line) FROM read_json('%s')`, filepath.Join(local, "datataps-errors", "**", "*.ndjson")))
	}
	res, err := duckdb.Run(context.Background(), q...)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != "" {
			t.Fatalf("%s\n%s", r.Err, e.lambda.Logs())
		}
	}
	if got, want := fmt.Sprint(res[0].Rows[0]), fmt.Sprintf("[%d %d]", accepted, accepted); got != want {
		t.Errorf("Parquet rows [count distinct-id] = %s, want %s (every accepted row exactly once)", got, want)
	}
	if rejected > 0 {
		if got, want := fmt.Sprint(res[1].Rows[0]), fmt.Sprintf("[%d %d]", rejected, rejected); got != want {
			t.Errorf("error rows = %s, want %s", got, want)
		}
	}
}

// batch returns lines [from, from+n): unique ids, three partitions, every
// 100th malformed; pad makes lines bigger.
func batch(from, n int, pad string) []byte {
	var b bytes.Buffer
	for i := from; i < from+n; i++ {
		if i%100 == 42 {
			fmt.Fprintf(&b, "{\"id\":%d,oops\n", i)
			continue
		}
		fmt.Fprintf(&b, `{"id":%d,"svc":%q,"v":%d.5,"msg":"event %d%s"}`+"\n", i, []string{"api", "db", "web/x"}[i%3], i, i, pad)
	}
	return b.Bytes()
}

var encodings = []string{"text", "base64", "gzip"}

func TestLambdaFlushAtShutdown(t *testing.T) {
	duckdb.Require(t)
	e := startLambda(t, "TAP_FLUSH_BYTES=64MiB", "TAP_FLUSH_AGE=1h")
	accepted, rejected := 0, 0
	for i := 0; i < 2000; i++ {
		a, r := e.invoke(t, batch(i*20, 20, ""), encodings[i%3])
		accepted, rejected = accepted+a, rejected+r
	}
	if got, _ := filepath.Glob(filepath.Join(e.spoolDir, "*.seg")); len(got) != 0 {
		t.Fatalf("the runtime sealed a segment below TAP_FLUSH_BYTES: %v", got)
	}
	e.shutdown(t) // everything is flushed by the extension
	e.check(t, accepted, rejected)
}

func TestLambdaFlushesBetweenInvocations(t *testing.T) {
	duckdb.Require(t)
	e := startLambda(t, "TAP_FLUSH_BYTES=64KiB", "TAP_FLUSH_AGE=1h", "TAP_TRANSFORM=SELECT * PARTITION BY svc")
	accepted, rejected := 0, 0
	for i := 0; i < 1000; i++ {
		a, r := e.invoke(t, batch(i*20, 20, ""), encodings[i%3])
		accepted, rejected = accepted+a, rejected+r
	}
	e.shutdown(t)
	if n := strings.Count(e.lambda.Logs(), `"msg":"flushed"`); n < 10 {
		t.Errorf("%d flushes logged; with 64 KiB segments there should be many", n)
	}
	e.check(t, accepted, rejected)
}

// TestLambdaSIGTERMDuringFlush shuts the environment down while the runtime
// is in the middle of a flush (between a response and its next request):
// the runtime stops at once, the extension flushes the segment again, and
// every row still lands exactly once (same keys, overwritten).
func TestLambdaSIGTERMDuringFlush(t *testing.T) {
	duckdb.Require(t)
	// The flush may still win the race against SIGTERM; every attempt checks
	// that nothing is lost or doubled, and one must catch a flush mid-way.
	for attempt := 1; attempt <= 3; attempt++ {
		e := startLambda(t, "TAP_FLUSH_BYTES=3MiB", "TAP_FLUSH_AGE=1h", "TAP_TRANSFORM=SELECT * PARTITION BY svc")
		pad := strings.Repeat("x", 400)
		accepted, rejected := 0, 0
		caught := false
		for i := 0; i < 200 && !caught; i++ {
			a, r := e.invoke(t, batch(i*2000, 2000, pad), encodings[i%3])
			accepted, rejected = accepted+a, rejected+r
			// The runtime seals right after answering; catch the sealed segment.
			for deadline := time.Now().Add(20 * time.Millisecond); time.Now().Before(deadline); {
				if seg, _ := filepath.Glob(filepath.Join(e.spoolDir, "*.seg")); len(seg) > 0 {
					caught = true
					break
				}
			}
		}
		if !caught {
			t.Fatal("never saw a flush in progress")
		}
		e.shutdown(t)
		e.check(t, accepted, rejected)
		logs := e.lambda.Logs()
		if strings.Contains(logs, "flush interrupted by SIGTERM") && strings.Contains(logs, `"Mode":"extension"`) {
			return
		}
		t.Logf("attempt %d: the runtime's flush finished before SIGTERM arrived; trying again", attempt)
	}
	t.Error("in 3 attempts SIGTERM never interrupted the runtime's flush (want the extension to flush the segment again)")
}

func TestLambdaBadTransformIsAnInitError(t *testing.T) {
	bin := testenv.Binary(t)
	svc := lambda.Start(t, lambda.Options{})
	rt := exec.Command(bin)
	rt.Env = append(os.Environ(), "TAP_TRANSFORM=SELECT lowr(msg)", "TAP_BUCKET=b", "TAP_AUTH=none", "TAP_SPOOL_DIR="+t.TempDir())
	svc.StartRuntime(t, rt)
	ie, ok := svc.WaitInitError(20 * time.Second)
	if !ok {
		t.Fatalf("no init error\n%s", svc.Logs())
	}
	want := "TAP_TRANSFORM: unknown function 'lowr' (did you mean lower?) at 1:8\n  SELECT lowr(msg)\n         ^"
	if !strings.Contains(ie.Message, want) || ie.Type != "Runtime.ConfigError" {
		t.Errorf("init error %q (%s), want the positioned message %q", ie.Message, ie.Type, want)
	}
}

// TestLambdaSync: with TAP_SYNC=true every accepted batch is in S3 when the
// response (200) comes back.
func TestLambdaSync(t *testing.T) {
	duckdb.Require(t)
	e := startLambda(t, "TAP_SYNC=true")
	for i := 0; i < 5; i++ {
		res, err := e.lambda.Invoke(context.Background(), functionURLEvent(batch(i*10, 10, ""), "text"))
		if err != nil || res.Error != nil {
			t.Fatalf("invoke: %v %v", err, res.Error)
		}
		if !strings.HasPrefix(string(res.Response), `{"statusCode":200,`) {
			t.Fatalf("response %s, want 200", res.Response)
		}
		if n, _ := download(t, e.minio, t.TempDir()); n != i+1 {
			t.Fatalf("after %d synchronous invocations, %d Parquet objects", i+1, n)
		}
	}
	e.shutdown(t)
	e.check(t, 49, 1) // line 42 is malformed
}
