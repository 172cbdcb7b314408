package lambda

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/datatap/datatap/internal/auth"
	"github.com/datatap/datatap/internal/config"
	"github.com/datatap/datatap/internal/spool"
)

// newTestRuntime builds a runtime on a temporary spool; S3 is never reached
// because nothing is flushed.
func newTestRuntime(t *testing.T, vars ...string) *Runtime {
	t.Helper()
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	env := map[string]string{"TAP_SPOOL_DIR": t.TempDir(), "TAP_BUCKET": "bucket", "TAP_AUTH": "none", "AWS_REGION": "us-east-1",
		"TAP_TRANSFORM": "SELECT * WHERE level <> 'debug'"}
	for i := 0; i < len(vars); i += 2 {
		env[vars[i]] = vars[i+1]
	}
	cfg, _, err := config.LoadMode(config.ModeLambda, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(context.Background(), cfg, "test", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// spooledRows counts the rows in the runtime's spool.
func spooledRows(t *testing.T, r *Runtime) int {
	t.Helper()
	path, err := r.spool.Seal()
	if err != nil || path == "" {
		return 0
	}
	rd, err := spool.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	n := 0
	var rec spool.Record
	for rd.Next(&rec) == nil {
		if rec.Kind == spool.KindRow {
			n++
		}
	}
	return n
}

func TestRecordedEvents(t *testing.T) {
	f := func(file, wantResponse, wantErr string, wantRows int) {
		t.Helper()
		r := newTestRuntime(t)
		payload, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := r.handle(context.Background(), r.log, &invocation{RequestID: "r1", Payload: payload})
		switch {
		case wantErr != "":
			if err == nil || !strings.Contains(err.Error(), wantErr) {
				t.Errorf("%s: error %v, want %q", file, err, wantErr)
			}
			return
		case err != nil:
			t.Errorf("%s: %v", file, err)
			return
		}
		var got, want any
		if err := json.Unmarshal(resp, &got); err != nil {
			t.Fatalf("%s: response is not JSON: %s", file, resp)
		}
		json.Unmarshal([]byte(wantResponse), &want)
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if string(g) != string(w) {
			t.Errorf("%s:\n got %s\nwant %s", file, g, w)
		}
		if n := spooledRows(t, r); n != wantRows {
			t.Errorf("%s: %d rows spooled, want %d", file, n, wantRows)
		}
	}
	hdr := `"headers":{"content-type":"application/json"}`
	counts := `{"statusCode":202,` + hdr + `,"body":"{\"accepted\":1,\"filtered\":1,\"rejected\":1}","isBase64Encoded":false}`
	f("function_url_text.json", counts, "", 1)
	f("function_url_base64.json", counts, "", 1)
	f("function_url_gzip.json", counts, "", 1)
	f("function_url_health.json", `{"statusCode":200,`+hdr+`,"body":"{\"status\":\"ok\",\"spool_bytes\":0}","isBase64Encoded":false}`, "", 0)
	f("function_url_put.json", `{"statusCode":405,"headers":{"content-type":"application/json","allow":"POST"},"body":"{\"error\":\"method not allowed: POST NDJSON to this URL\",\"requestId\":\"c2b6b0f3-6d7e-4b8f-9f0e-1a2b3c4d5e6f\"}","isBase64Encoded":false}`, "", 0)
	f("function_url_bad_base64.json", `{"statusCode":400,`+hdr+`,"body":"{\"error\":\"body cannot be decoded: body is not valid base64: illegal base64 data at input byte 3\",\"requestId\":\"c2b6b0f3-6d7e-4b8f-9f0e-1a2b3c4d5e6f\"}","isBase64Encoded":false}`, "", 0)
	f("kinesis.json", `{"batchItemFailures":[]}`, "", 3)
	f("sqs.json", `{"batchItemFailures":[]}`, "", 3)
	f("s3_unsupported.json", "", `unsupported event: expected a Function URL request (payload format 2.0), Kinesis or SQS records, or a CloudWatch Logs subscription event (records from "aws:s3")`, 0)
	f("unknown.json", "", "unsupported event", 0)
	f("../event.go", "", "the payload is not JSON", 0)
}

// TestBatchItemFailures fills the spool so that records fail: each failed
// record is reported by its id, and only those.
func TestBatchItemFailures(t *testing.T) {
	for _, file := range []string{"kinesis.json", "sqs.json"} {
		r := newTestRuntime(t, "TAP_SPOOL_MAX_BYTES", "300", "TAP_FLUSH_BYTES", "100")
		payload, _ := os.ReadFile(filepath.Join("testdata", file))
		resp, err := r.handle(context.Background(), r.log, &invocation{RequestID: "r1", Payload: payload})
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Failures []struct {
				ID string `json:"itemIdentifier"`
			} `json:"batchItemFailures"`
		}
		if err := json.Unmarshal(resp, &got); err != nil {
			t.Fatalf("%s: %s", file, resp)
		}
		// The spool holds the header and the first record only.
		want := map[string]string{"kinesis.json": "49590338271490256608559692540925702759324208523137515618", "sqs.json": "2e1424d4-f796-459a-8184-9c92662be6da"}[file]
		if len(got.Failures) != 1 || got.Failures[0].ID != want {
			t.Errorf("%s: failures %+v, want [%s]", file, got.Failures, want)
		}
	}
}

func TestPanicBecomesAnErrorResponse(t *testing.T) {
	r := newTestRuntime(t)
	r.tap = nil // handle will dereference it
	payload, _ := os.ReadFile(filepath.Join("testdata", "function_url_text.json"))
	_, err := r.safeHandle(context.Background(), r.log, &invocation{RequestID: "r1", Payload: payload})
	var p panicError
	if !errors.As(err, &p) {
		t.Fatalf("err %v, want a panicError", err)
	}
}

// TestFunctionURLAuth: JWT from the authorization header, IAM from the
// caller's ARN in requestContext.authorizer.iam.
func TestFunctionURLAuth(t *testing.T) {
	const secret = "0123456789abcdef0123456789abcdef"
	good, _ := auth.Mint(secret, "svc-a", "", time.Hour, "", "", time.Now())
	event := func(header, arn string) []byte {
		ev := map[string]any{
			"version": "2.0", "rawPath": "/", "body": `{"a":1}`, "isBase64Encoded": false,
			"headers":        map[string]string{"authorization": header},
			"requestContext": map[string]any{"http": map[string]string{"method": "POST"}, "requestId": "r"},
		}
		if arn != "" {
			ev["requestContext"].(map[string]any)["authorizer"] = map[string]any{"iam": map[string]string{"userArn": arn}}
		}
		b, _ := json.Marshal(ev)
		return b
	}
	f := func(r *Runtime, payload []byte, want int) {
		t.Helper()
		resp, err := r.handle(context.Background(), r.log, &invocation{RequestID: "r1", Payload: payload})
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			StatusCode int `json:"statusCode"`
		}
		json.Unmarshal(resp, &got)
		if got.StatusCode != want {
			t.Errorf("status %d, want %d: %s", got.StatusCode, want, resp)
		}
	}
	jwt := newTestRuntime(t, "TAP_AUTH", "", "TAP_JWT_SECRET", secret, "TAP_ACL", "svc-a")
	f(jwt, event("", ""), 401)
	f(jwt, event("Bearer nope", ""), 401)
	f(jwt, event("Bearer "+good, ""), 202)
	iam := newTestRuntime(t, "TAP_AUTH", "iam", "TAP_ACL", "arn:aws:iam::123456789012:role/sender-*")
	f(iam, event("", ""), 401)
	f(iam, event("", "arn:aws:iam::123456789012:role/other"), 403)
	f(iam, event("", "arn:aws:iam::123456789012:role/sender-1"), 202)
	f(iam, event("", "arn:aws:iam::999999999999:role/sender-1"), 403)
}

// TestFlushBytesFitTheShutdownWindow: at 128 MB the default segment is
// lowered to what the extension can flush in 2 s; an explicit setting stays.
func TestFlushBytesFitTheShutdownWindow(t *testing.T) {
	if r := newTestRuntime(t, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"); r.cfg.FlushBytes != 3<<19 || r.cfg.FlushPartitions != 4 {
		t.Errorf("128 MB, default: TAP_FLUSH_BYTES %d, TAP_FLUSH_PARTITIONS %d; want 1.5 MiB, 4", r.cfg.FlushBytes, r.cfg.FlushPartitions)
	}
	if r := newTestRuntime(t, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128", "TAP_FLUSH_PARTITIONS", "100"); r.cfg.FlushPartitions != 100 {
		t.Errorf("128 MB, set: TAP_FLUSH_PARTITIONS %d, want the setting kept", r.cfg.FlushPartitions)
	}
	if r := newTestRuntime(t, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024"); r.cfg.FlushBytes != 10<<20 {
		t.Errorf("1024 MB, default: TAP_FLUSH_BYTES %d, want 10 MiB", r.cfg.FlushBytes)
	}
	if r := newTestRuntime(t, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128", "TAP_FLUSH_BYTES", "10MiB"); r.cfg.FlushBytes != 10<<20 {
		t.Errorf("128 MB, set: TAP_FLUSH_BYTES %d, want the setting kept", r.cfg.FlushBytes)
	}
}

// TestInvocationWithoutADeadline: an invocation without a valid
// Lambda-Runtime-Deadline-Ms is answered with an invocation error, not
// handled under an already expired context.
func TestInvocationWithoutADeadline(t *testing.T) {
	r := newTestRuntime(t)
	var mu sync.Mutex
	var got []string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		got = append(got, req.URL.Path+" "+req.Header.Get("Lambda-Runtime-Function-Error-Type"))
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer api.Close()
	r.api = newRuntimeAPI(strings.TrimPrefix(api.URL, "http://"))
	payload, err := os.ReadFile(filepath.Join("testdata", "function_url_text.json"))
	if err != nil {
		t.Fatal(err)
	}
	r.invoke(context.Background(), &invocation{RequestID: "r1", Payload: payload})
	r.invoke(context.Background(), &invocation{RequestID: "r2", Payload: payload, Deadline: time.Now().Add(time.Minute)})
	mu.Lock()
	defer mu.Unlock()
	want := []string{"/2018-06-01/runtime/invocation/r1/error Runtime.InvalidDeadline", "/2018-06-01/runtime/invocation/r2/response "}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("posted\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestFlushStopsAtTheInvocationDeadline: the flush after a response runs
// under the invocation's deadline (less flushMargin); what it could not
// flush stays sealed and pending, for the next invocation or the extension.
func TestFlushStopsAtTheInvocationDeadline(t *testing.T) {
	r := newTestRuntime(t)
	if _, err := r.Handle(context.Background(), mustRead(t, "function_url_text.json")); err != nil {
		t.Fatal(err)
	}
	if _, err := r.spool.Seal(); err != nil {
		t.Fatal(err)
	}
	r.tap.MarkPending()
	var logs bytes.Buffer
	r.log = slog.New(slog.NewTextHandler(&logs, nil))
	r.flushAfter(context.Background(), time.Now().Add(flushMargin/2)) // already past the deadline less the margin
	if sealed, _ := r.spool.Sealed(); len(sealed) != 1 || !r.tap.Pending() {
		t.Errorf("sealed %v, pending %v: want the segment kept for later", sealed, r.tap.Pending())
	}
	if !strings.Contains(logs.String(), "flush stopped at the invocation's deadline") {
		t.Errorf("log:\n%s", logs.String())
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
