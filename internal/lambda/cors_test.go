package lambda

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/datatap/datatap/internal/auth"
)

// urlEvent is a Function URL event with the given method and headers.
func urlEvent(method, body string, headers map[string]string) []byte {
	ev := map[string]any{
		"version": "2.0", "rawPath": "/", "body": body, "isBase64Encoded": false,
		"headers":        headers,
		"requestContext": map[string]any{"http": map[string]string{"method": method}, "requestId": "req-1"},
	}
	b, _ := json.Marshal(ev)
	return b
}

type urlAnswer struct {
	StatusCode int               `json:"statusCode"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body"`
}

func answer(t *testing.T, r *Runtime, payload []byte) urlAnswer {
	t.Helper()
	resp, err := r.handle(context.Background(), r.log, &invocation{RequestID: "r1", Payload: payload})
	if err != nil {
		t.Fatal(err)
	}
	var a urlAnswer
	if err := json.Unmarshal(resp, &a); err != nil {
		t.Fatalf("response is not JSON: %s", resp)
	}
	return a
}

func TestFunctionURLCORS(t *testing.T) {
	const secret = "0123456789abcdef0123456789abcdef"
	const app = "https://app.example.com"
	token, _ := auth.Mint(secret, "svc-a", "", time.Hour, "", "", time.Now())
	r := newTestRuntime(t, "TAP_AUTH", "", "TAP_JWT_SECRET", secret, "TAP_ACL", "svc-a", "TAP_CORS_ORIGINS", app,
		"TAP_SPOOL_MAX_BYTES", "2000", "TAP_FLUSH_BYTES", "1000")
	allowed := func(name string, a urlAnswer, status int) {
		t.Helper()
		if a.StatusCode != status {
			t.Errorf("%s: status %d, want %d: %+v", name, a.StatusCode, status, a)
		}
		if a.Headers["Access-Control-Allow-Origin"] != app || a.Headers["Vary"] != "Origin" {
			t.Errorf("%s: headers %v, want Access-Control-Allow-Origin %s and Vary: Origin", name, a.Headers, app)
		}
	}
	preflight := map[string]string{"origin": app, "access-control-request-method": "POST", "access-control-request-headers": "authorization"}

	a := answer(t, r, urlEvent("OPTIONS", "", preflight))
	allowed("preflight", a, 204)
	if a.Headers["Access-Control-Allow-Methods"] != "POST" || !strings.Contains(a.Headers["Access-Control-Allow-Headers"], "authorization") ||
		a.Headers["Access-Control-Max-Age"] == "" || a.Body != "" || a.Headers["content-type"] != "" {
		t.Errorf("preflight: %+v", a)
	}
	preflight["origin"] = "https://evil.example"
	a = answer(t, r, urlEvent("OPTIONS", "", preflight))
	if a.StatusCode != 403 || a.Headers["Access-Control-Allow-Origin"] != "" || !strings.Contains(a.Body, "TAP_CORS_ORIGINS") {
		t.Errorf("preflight from another origin: %+v", a)
	}

	a = answer(t, r, urlEvent("POST", `{"a":1}`, map[string]string{"origin": app, "authorization": "Bearer " + token}))
	allowed("POST", a, 202)
	if !strings.Contains(a.Headers["Access-Control-Expose-Headers"], "retry-after") {
		t.Errorf("POST: Access-Control-Expose-Headers %q", a.Headers["Access-Control-Expose-Headers"])
	}
	a = answer(t, r, urlEvent("POST", `{"a":1}`, map[string]string{"origin": app}))
	allowed("POST without a token", a, 401)
	if a.Headers["www-authenticate"] != "Bearer" {
		t.Errorf("401 without www-authenticate: %v", a.Headers)
	}
	a = answer(t, r, urlEvent("PUT", `{"a":1}`, map[string]string{"origin": app}))
	allowed("PUT", a, 405)
	a = answer(t, r, urlEvent("POST", `{"a":1}`, map[string]string{"origin": "https://evil.example", "authorization": "Bearer " + token}))
	if a.StatusCode != 403 || a.Headers["Access-Control-Allow-Origin"] != "" {
		t.Errorf("POST from another origin: %+v", a)
	}
	// Fill the spool: the 429 carries the header and Retry-After.
	line := `{"level":"info","a":"` + strings.Repeat("x", 100) + `"}` + "\n"
	for i := 0; ; i++ {
		a = answer(t, r, urlEvent("POST", strings.Repeat(line, 5), map[string]string{"origin": app, "authorization": "Bearer " + token}))
		if a.StatusCode == 429 {
			break
		}
		if a.StatusCode != 202 || i > 50 {
			t.Fatalf("filling the spool: %+v", a)
		}
	}
	allowed("429", a, 429)
	if a.Headers["retry-after"] == "" {
		t.Errorf("429 without retry-after: %v", a.Headers)
	}
}

// Without TAP_CORS_ORIGINS the handler is as it was: OPTIONS gets 405, no
// answer carries a CORS header.
func TestFunctionURLCORSOff(t *testing.T) {
	r := newTestRuntime(t)
	a := answer(t, r, urlEvent("OPTIONS", "", map[string]string{"origin": "https://app.example.com", "access-control-request-method": "POST"}))
	if a.StatusCode != 405 || a.Headers["Access-Control-Allow-Origin"] != "" {
		t.Errorf("preflight: %+v", a)
	}
	a = answer(t, r, urlEvent("POST", `{"level":"info"}`, map[string]string{"origin": "https://app.example.com"}))
	if a.StatusCode != 202 || len(a.Headers) != 1 {
		t.Errorf("POST: %+v, want 202 with content-type only", a)
	}
}

// CORS costs no allocation when off, and at most the Origin's copy when on.
func TestFunctionURLCORSAllocs(t *testing.T) {
	allocs := func(r *Runtime, payload []byte) float64 {
		return testing.AllocsPerRun(50, func() {
			if _, err := r.handle(context.Background(), r.log, &invocation{Payload: payload}); err != nil {
				t.Fatal(err)
			}
			r.spool.Seal()
		})
	}
	plain := urlEvent("POST", `{"level":"info"}`, map[string]string{"content-type": "application/x-ndjson"})
	fromPage := urlEvent("POST", `{"level":"info"}`, map[string]string{"content-type": "application/x-ndjson", "origin": "https://app.example.com"})
	off := allocs(newTestRuntime(t), fromPage)
	if on := allocs(newTestRuntime(t, "TAP_CORS_ORIGINS", "https://app.example.com"), plain); on != off {
		t.Errorf("CORS on, a program's request: %v allocations, CORS off: %v; want the same", on, off)
	}
	if on := allocs(newTestRuntime(t, "TAP_CORS_ORIGINS", "https://app.example.com"), fromPage); on > off+1 {
		t.Errorf("CORS on, a page's request: %v allocations, CORS off: %v; want at most one more (the Origin)", on, off)
	}
}
