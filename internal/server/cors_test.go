package server

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/datatap/datatap/internal/auth"
)

// rawDo sends req and returns the status, the headers and the body as it came
// (a preflight's answer has no body).
func rawDo(t *testing.T, req *http.Request) (int, http.Header, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func preflight(t *testing.T, url, origin string, extra ...string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodOptions, url, nil)
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
	for i := 0; i+1 < len(extra); i += 2 {
		req.Header.Set(extra[i], extra[i+1])
	}
	return rawDo(t, req)
}

func postFrom(t *testing.T, url, origin, token, body string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-ndjson")
	if origin != "" {
		req.Header.Set("Origin", origin)
		req.Header.Set("Sec-Fetch-Site", "cross-site")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return rawDo(t, req)
}

const (
	corsSecret = "0123456789abcdef0123456789abcdef"
	appOrigin  = "https://app.example.com"
)

func TestCORS(t *testing.T) {
	url, _, _ := start(t, "TAP_JWT_SECRET", corsSecret, "TAP_ACL", "alice@example.com",
		"TAP_CORS_ORIGINS", appOrigin+", http://localhost:5173",
		"TAP_MAX_BODY_BYTES", "4096", "TAP_SPOOL_MAX_BYTES", "20000", "TAP_FLUSH_BYTES", "10000", "TAP_FLUSH_AGE", "1h")
	token, _ := auth.Mint(corsSecret, "", "alice@example.com", time.Hour, "", "", time.Now())
	allowed := func(name string, h http.Header, origin string) {
		t.Helper()
		if got := h.Get("Access-Control-Allow-Origin"); got != origin {
			t.Errorf("%s: Access-Control-Allow-Origin %q, want %q", name, got, origin)
		}
		if got := h.Get("Vary"); got != "Origin" {
			t.Errorf("%s: Vary %q, want Origin", name, got)
		}
		if h.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("%s: Access-Control-Allow-Credentials set: the token is a header, not a cookie", name)
		}
	}
	refused := func(name string, status int, h http.Header, body string) {
		t.Helper()
		if status != http.StatusForbidden {
			t.Errorf("%s: %d %s, want 403", name, status, body)
		}
		if got := h.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("%s: Access-Control-Allow-Origin %q, want none", name, got)
		}
		if !strings.Contains(body, "TAP_CORS_ORIGINS") || !strings.Contains(body, "requestId") {
			t.Errorf("%s: unclear answer %s", name, body)
		}
	}

	// Preflight from an allowed origin.
	status, h, body := preflight(t, url, appOrigin)
	if status != http.StatusNoContent || body != "" {
		t.Errorf("preflight: %d %q, want 204 and no body", status, body)
	}
	allowed("preflight", h, appOrigin)
	for name, want := range map[string]string{
		"Access-Control-Allow-Methods": "POST",
		"Access-Control-Max-Age":       "7200",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("preflight: %s %q, want %q", name, got, want)
		}
	}
	for _, name := range []string{"authorization", "content-type", "content-encoding"} {
		if !strings.Contains(h.Get("Access-Control-Allow-Headers"), name) {
			t.Errorf("preflight: Access-Control-Allow-Headers %q lacks %s", h.Get("Access-Control-Allow-Headers"), name)
		}
	}
	status, h, _ = preflight(t, url, "http://localhost:5173", "Access-Control-Request-Private-Network", "true")
	if status != http.StatusNoContent || h.Get("Access-Control-Allow-Private-Network") != "true" {
		t.Errorf("preflight asking for the private network: %d, Allow-Private-Network %q", status, h.Get("Access-Control-Allow-Private-Network"))
	}
	allowed("second origin", h, "http://localhost:5173")

	// Preflight from another origin: refused, no CORS headers.
	status, h, body = preflight(t, url, "https://evil.example")
	refused("preflight from another origin", status, h, body)

	// The POST from an allowed origin, and every error it can get.
	status, h, body = postFrom(t, url, appOrigin, token, `{"a":1}`+"\n")
	if status != http.StatusAccepted {
		t.Errorf("POST: %d %s", status, body)
	}
	allowed("POST", h, appOrigin)
	if got := h.Get("Access-Control-Expose-Headers"); !strings.Contains(got, "retry-after") || !strings.Contains(got, "x-request-id") {
		t.Errorf("POST: Access-Control-Expose-Headers %q", got)
	}
	status, h, _ = postFrom(t, url, appOrigin, "", `{"a":1}`)
	if status != http.StatusUnauthorized {
		t.Errorf("POST without a token: %d", status)
	}
	allowed("401", h, appOrigin)
	status, h, _ = postFrom(t, url, appOrigin, token, strings.Repeat(`{"a":1}`+"\n", 1000))
	if status != http.StatusRequestEntityTooLarge {
		t.Errorf("POST too big: %d", status)
	}
	allowed("413", h, appOrigin)
	req, _ := http.NewRequest(http.MethodPut, url, nil) // GET / is the live page
	req.Header.Set("Origin", appOrigin)
	status, h, _ = rawDo(t, req)
	if status != http.StatusMethodNotAllowed {
		t.Errorf("PUT /: %d", status)
	}
	allowed("405", h, appOrigin)
	// Fill the spool: the 429 carries the header and exposes Retry-After.
	for i := 0; ; i++ {
		status, h, body = postFrom(t, url, appOrigin, token, strings.Repeat(`{"a":"xxxxxxxxxxxxxxxxxxxxxxxxxxxx"}`+"\n", 100))
		if status == http.StatusTooManyRequests {
			break
		}
		if status != http.StatusAccepted || i > 100 {
			t.Fatalf("filling the spool: %d %s", status, body)
		}
	}
	allowed("429", h, appOrigin)
	if h.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}

	// From another origin even a good token is refused; a program (no
	// Origin) is not concerned.
	status, h, body = postFrom(t, url, "https://evil.example", token, `{"a":1}`)
	refused("POST from another origin", status, h, body)
	status, h, _ = postFrom(t, url, "", "", `{"a":1}`)
	if status != http.StatusUnauthorized || h.Get("Access-Control-Allow-Origin") != "" || h.Get("Vary") != "Origin" {
		t.Errorf("a program without a token: %d, Allow-Origin %q, Vary %q", status, h.Get("Access-Control-Allow-Origin"), h.Get("Vary"))
	}
}

func TestCORSAnyOrigin(t *testing.T) {
	url, _, _ := start(t, "TAP_JWT_SECRET", corsSecret, "TAP_ACL", "alice@example.com", "TAP_CORS_ORIGINS", "*")
	token, _ := auth.Mint(corsSecret, "", "alice@example.com", time.Hour, "", "", time.Now())
	status, h, _ := preflight(t, url, "https://anywhere.example")
	if status != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != "*" || h.Get("Vary") != "" {
		t.Errorf("preflight: %d, Allow-Origin %q, Vary %q; want 204, *, none", status, h.Get("Access-Control-Allow-Origin"), h.Get("Vary"))
	}
	status, h, body := postFrom(t, url, "https://anywhere.example", token, `{"a":1}`)
	if status != http.StatusAccepted || h.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("POST: %d %s, Allow-Origin %q", status, body, h.Get("Access-Control-Allow-Origin"))
	}
}

// CORS off (the default) is today's behaviour: a preflight gets 405 and no
// answer carries a CORS header.
func TestCORSOff(t *testing.T) {
	url, _, _ := start(t, "TAP_JWT_SECRET", corsSecret, "TAP_ACL", "alice@example.com")
	token, _ := auth.Mint(corsSecret, "", "alice@example.com", time.Hour, "", "", time.Now())
	status, h, _ := preflight(t, url, appOrigin)
	if status != http.StatusMethodNotAllowed || h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight: %d, Allow-Origin %q; want 405 and none", status, h.Get("Access-Control-Allow-Origin"))
	}
	status, h, _ = postFrom(t, url, appOrigin, token, `{"a":1}`)
	if status != http.StatusAccepted || h.Get("Access-Control-Allow-Origin") != "" || h.Get("Vary") != "" {
		t.Errorf("POST: %d, Allow-Origin %q, Vary %q; want 202 and no CORS header", status, h.Get("Access-Control-Allow-Origin"), h.Get("Vary"))
	}
}

// A tap that takes requests without a token (loopback) takes them from the
// pages TAP_CORS_ORIGINS lists by name, and from no other page; * lists none.
func TestCORSWithoutToken(t *testing.T) {
	url, _, _ := start(t, "TAP_CORS_ORIGINS", "http://localhost:5173")
	status, h, body := postFrom(t, url, "http://localhost:5173", "", `{"a":1}`)
	if status != http.StatusAccepted || h.Get("Access-Control-Allow-Origin") != "http://localhost:5173" {
		t.Errorf("listed page: %d %s, Allow-Origin %q", status, body, h.Get("Access-Control-Allow-Origin"))
	}
	status, _, body = postFrom(t, url, "http://localhost:5174", "", `{"a":1}`)
	if status != http.StatusForbidden {
		t.Errorf("another page: %d %s", status, body)
	}
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"a":1}`))
	req.Header.Set("Origin", "http://localhost:5173")
	req.Host = "evil.example"
	if status, _, body := rawDo(t, req); status != http.StatusForbidden || !strings.Contains(body, "Host: evil.example") {
		t.Errorf("listed origin, rebound name: %d %s", status, body)
	}

	url, _, _ = start(t, "TAP_CORS_ORIGINS", "*")
	status, h, body = postFrom(t, url, "https://anywhere.example", "", `{"a":1}`)
	if status != http.StatusForbidden || !strings.Contains(body, "web page") || h.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("* without a token: %d %s, Allow-Origin %q; want 403 the page can read", status, body, h.Get("Access-Control-Allow-Origin"))
	}
}

// The 503 of a full body budget carries the header too, so the page can
// read Retry-After.
func TestCORSOnBudgetFull(t *testing.T) {
	var srv *Server
	url, _, _ := startWith(t, Options{started: func(s *Server) { srv = s }, bounds: bounds{budget: 1000, budgetWait: 200 * time.Millisecond}},
		"TAP_MAX_BODY_BYTES", "600", "TAP_CORS_ORIGINS", appOrigin)
	body := strings.Repeat(`{"a":1}`+"\n", 60) // 480 bytes
	a, b := openSlow(t, url, []byte(body), false), openSlow(t, url, []byte(body), false)
	waitFor(t, "two bodies in the budget", func() bool { return srv.budget.inUse() == 960 })
	status, h, text := postFrom(t, url, appOrigin, "", strings.Repeat(`{"a":1}`+"\n", 10))
	if status != http.StatusServiceUnavailable || h.Get("Retry-After") == "" || h.Get("Access-Control-Allow-Origin") != appOrigin {
		t.Errorf("budget full: %d %s, Retry-After %q, Allow-Origin %q; want 503 with both", status, text, h.Get("Retry-After"), h.Get("Access-Control-Allow-Origin"))
	}
	a.finish()
	b.finish()
}
