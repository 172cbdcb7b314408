package server

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/datatap/datatap/internal/auth"
)

// A page on another site can make a browser POST text/plain to the loopback
// tap with no preflight; without a token required, the tap must refuse what
// a browser marks as sent by such a page, and take what programs send.
func TestCrossSiteRefusedWithoutToken(t *testing.T) {
	url, _, _ := start(t)
	host := strings.TrimPrefix(url, "http://")
	f := func(name string, headers map[string]string, hostHeader string, status int) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"a":1}`))
		req.Header.Set("Content-Type", "text/plain")
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		if hostHeader != "" {
			req.Host = hostHeader
		}
		r := do(t, req)
		if r.status != status {
			t.Errorf("%s: %d %v, want %d", name, r.status, r.body, status)
		}
		if status == http.StatusForbidden && !strings.Contains(r.body["error"].(string), "web page") {
			t.Errorf("%s: unclear message %v", name, r.body)
		}
	}
	f("a program (no Origin)", nil, "", 202)
	f("localhost", nil, "localhost:8080", 202)
	f("the tap's own page", map[string]string{"Origin": url, "Sec-Fetch-Site": "same-origin"}, "", 202)
	f("typed by the user", map[string]string{"Sec-Fetch-Site": "none"}, "", 202)
	f("another site", map[string]string{"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}, "", 403)
	f("Origin only", map[string]string{"Origin": "http://evil.example"}, "", 403)
	f("Sec-Fetch-Site only", map[string]string{"Sec-Fetch-Site": "cross-site"}, "", 403)
	f("same site, other port", map[string]string{"Origin": "http://127.0.0.1:1", "Sec-Fetch-Site": "same-site"}, "", 403)
	f("same-site, no Origin", map[string]string{"Sec-Fetch-Site": "same-site"}, "", 403)
	f("sandboxed page", map[string]string{"Origin": "null"}, "", 403)
	f("DNS rebinding", map[string]string{"Origin": "http://evil.example:" + host[strings.LastIndex(host, ":")+1:]},
		"evil.example:"+host[strings.LastIndex(host, ":")+1:], 403)
	f("another name for the host", nil, "evil.example", 403)

	req, _ := http.NewRequest(http.MethodGet, url+"/health", nil)
	req.Header.Set("Origin", "http://evil.example")
	if r := do(t, req); r.status != 200 {
		t.Errorf("GET /health from a page: %d (reads nothing a page can see, changes nothing)", r.status)
	}
}

// With a token required the token decides, not the Origin: a page cannot
// send one it does not have.
func TestCrossSiteWithTokenIsTheTokensCall(t *testing.T) {
	const secret = "0123456789abcdef0123456789abcdef"
	url, _, _ := start(t, "TAP_JWT_SECRET", secret, "TAP_ACL", "alice@example.com")
	good, _ := auth.Mint(secret, "", "alice@example.com", time.Hour, "", "", time.Now())
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"a":1}`))
	req.Header.Set("Origin", "http://app.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Authorization", "Bearer "+good)
	if r := do(t, req); r.status != 202 {
		t.Errorf("cross-site with a good token: %d %v", r.status, r.body)
	}
}

func TestLoopbackHost(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1:8080": true, "127.0.0.1": true, "127.1.2.3:1": true, "[::1]:8080": true, "::1": true,
		"localhost:8080": true, "LOCALHOST": true, "app.localhost:80": true, "localhost.": true,
		"evil.example": false, "evil.example:8080": false, "10.0.0.1:8080": false, "": false,
		"localhost.evil.example": false, "[::ffff:10.0.0.1]:1": false,
	} {
		if got := loopbackHost(host); got != want {
			t.Errorf("loopbackHost(%q) = %t, want %t", host, got, want)
		}
	}
}
