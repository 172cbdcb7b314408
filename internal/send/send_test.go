package send

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

// tap is a fake tap: it decodes bodies, counts lines by id, answers 429 or
// 503 now and then, and records the sizes it saw.
type tap struct {
	mu       sync.Mutex
	seen     map[string]int
	requests int
	maxWire  int
	maxBody  int
	fail     func(n int) int // status to answer for the n-th request, 0 for success
	token    string
}

func (tp *tap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tp.mu.Lock()
	tp.requests++
	n := tp.requests
	tp.mu.Unlock()
	if tp.token != "" && r.Header.Get("Authorization") != "Bearer "+tp.token {
		http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
		return
	}
	if tp.fail != nil {
		if status := tp.fail(n); status != 0 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(status)
			return
		}
	}
	wire, _ := io.ReadAll(r.Body)
	var body []byte
	switch r.Header.Get("Content-Encoding") {
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(wire))
		if err != nil {
			w.WriteHeader(400)
			return
		}
		body, _ = io.ReadAll(zr)
	case "zstd":
		d, _ := zstd.NewReader(nil)
		body, _ = d.DecodeAll(wire, nil)
	default:
		body = wire
	}
	tp.mu.Lock()
	defer tp.mu.Unlock()
	tp.maxWire, tp.maxBody = max(tp.maxWire, len(wire)), max(tp.maxBody, len(body))
	accepted, rejected := 0, 0
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, `{"id":`) {
			rejected++
			continue
		}
		tp.seen[line]++
		accepted++
	}
	fmt.Fprintf(w, `{"accepted":%d,"filtered":0,"rejected":%d}`, accepted, rejected)
}

func lines(n, size int) string {
	var b strings.Builder
	pad := strings.Repeat("p", size)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `{"id":%d,"pad":"%s%d"}`+"\n", i, pad, i*7919%1000)
	}
	return b.String()
}

func TestSendDeliversEveryLineOnce(t *testing.T) {
	for _, enc := range []string{"gzip", "zstd", "none"} {
		tp := &tap{seen: map[string]int{}, fail: func(n int) int {
			switch n % 7 {
			case 3:
				return http.StatusTooManyRequests
			case 5:
				return http.StatusServiceUnavailable
			}
			return 0
		}}
		srv := httptest.NewServer(tp)
		input := lines(20000, 200)
		half := strings.IndexByte(input[len(input)/2:], '\n') + len(input)/2 + 1 // two files
		sum, err := Send(context.Background(), Options{URL: srv.URL, Encoding: enc, MaxBodyBytes: 1 << 20, MaxRequestBytes: 512 << 10},
			strings.NewReader(input[:half]), strings.NewReader(input[half:]))
		srv.Close()
		if err != nil {
			t.Fatalf("%s: %v", enc, err)
		}
		if sum.Lines != 20000 || sum.Accepted != 20000 || !sum.OK() || sum.Retries == 0 {
			t.Errorf("%s: %s", enc, sum)
		}
		if len(tp.seen) != 20000 {
			t.Errorf("%s: %d distinct lines arrived, want 20000", enc, len(tp.seen))
		}
		for l, n := range tp.seen {
			if n != 1 {
				t.Fatalf("%s: line %s arrived %d times", enc, l, n)
			}
		}
		if tp.maxBody > 1<<20 || tp.maxWire > 512<<10 {
			t.Errorf("%s: request of %d bytes (%d on the wire) over the limits", enc, tp.maxBody, tp.maxWire)
		}
	}
}

func TestSendReportsRejectedAndFailed(t *testing.T) {
	tp := &tap{seen: map[string]int{}, fail: func(n int) int {
		if n == 1 {
			return http.StatusRequestEntityTooLarge // permanent: not retried
		}
		return 0
	}}
	srv := httptest.NewServer(tp)
	defer srv.Close()
	input := "not json\n" + lines(10, 10) + "\n\n"
	// One request in flight, so that the first request the tap sees is the
	// first chunk.
	sum, err := Send(context.Background(), Options{URL: srv.URL, MaxBodyBytes: 100, Concurrency: 1}, strings.NewReader(input))
	if err != nil {
		t.Fatal(err)
	}
	// The first request (holding "not json" and whatever fit with it) failed
	// for good; the others went through.
	if sum.Lines != 11 || sum.Failed == 0 || sum.Accepted+sum.Failed != 11 || sum.OK() || sum.Retries != 0 {
		t.Errorf("%s", sum)
	}
}

func TestSendStopsOnARefusedToken(t *testing.T) {
	tp := &tap{seen: map[string]int{}, token: "right"}
	srv := httptest.NewServer(tp)
	defer srv.Close()
	sum, err := Send(context.Background(), Options{URL: srv.URL, Token: "wrong", MaxBodyBytes: 1000}, strings.NewReader(lines(1000, 10)))
	if !errors.Is(err, ErrAuth) {
		t.Fatalf("err %v, want ErrAuth", err)
	}
	if sum.Accepted != 0 || tp.requests > 10 {
		t.Errorf("kept sending after 401: %d requests, %s", tp.requests, sum)
	}
	sum, err = Send(context.Background(), Options{URL: srv.URL, Token: "right"}, strings.NewReader(lines(1000, 10)))
	if err != nil || sum.Accepted != 1000 {
		t.Errorf("with the right token: %v %s", err, sum)
	}
}

func TestBackoff(t *testing.T) {
	for attempt := 0; attempt < 20; attempt++ {
		d := backoff(attempt, 0)
		if d <= 0 || d > 30*time.Second {
			t.Errorf("backoff(%d) = %s", attempt, d)
		}
	}
	if d := backoff(0, 3*time.Second); d < 3*time.Second {
		t.Errorf("backoff ignores Retry-After: %s", d)
	}
	if parseRetryAfter("5") != 5*time.Second || parseRetryAfter("junk") != 0 || parseRetryAfter("99999") != time.Minute {
		t.Error("parseRetryAfter")
	}
}

// TestFailuresSayWhy: each failed attempt is reported as it happens, with
// the reason a user can act on, and the summary keeps the last one.
func TestFailuresSayWhy(t *testing.T) {
	busy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `{"error":"no room for the body","requestId":"r1"}`)
	}))
	defer busy.Close()
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "<html>502 Bad Gateway</html>\nmore")
	}))
	defer proxy.Close()
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()

	f := func(url string, attempts int, want ...string) {
		t.Helper()
		var msgs bytes.Buffer
		sum, err := Send(context.Background(), Options{URL: url, MaxAttempts: attempts, Messages: &msgs, Timeout: 5 * time.Second},
			strings.NewReader(`{"a":1}`+"\n"))
		if err != nil {
			t.Fatalf("%s: %v", url, err)
		}
		if got := strings.Count(msgs.String(), "\n"); got != attempts {
			t.Errorf("%s: %d messages, want one per attempt (%d):\n%s", url, got, attempts, msgs.String())
		}
		for _, w := range want {
			if !strings.Contains(msgs.String(), w) || !strings.Contains(sum.String(), w) {
				t.Errorf("%s: messages\n%s\nsummary %s\nwant both to say %q", url, msgs.String(), sum, w)
			}
		}
		if sum.Failed != 1 || !strings.Contains(msgs.String(), "giving up") {
			t.Errorf("%s: %+v\n%s", url, sum, msgs.String())
		}
	}
	f(busy.URL, 2, "503 Service Unavailable: no room for the body")
	f(proxy.URL, 1, "502 Bad Gateway: <html>502 Bad Gateway</html>")
	f(deadURL, 2, "connection refused: nothing listens at "+strings.TrimPrefix(deadURL, "http://"))
	f(strings.Replace(busy.URL, "http://", "https://", 1), 1, "server gave HTTP response to HTTPS client")

	// A status that is not retried fails its lines at once, and says so.
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		io.WriteString(w, `{"error":"body over TAP_MAX_BODY_BYTES"}`)
	}))
	defer bad.Close()
	var msgs bytes.Buffer
	sum, _ := Send(context.Background(), Options{URL: bad.URL, Messages: &msgs}, strings.NewReader(`{"a":1}`+"\n"))
	if sum.Failed != 1 || !strings.Contains(msgs.String(), "413 Request Entity Too Large: body over TAP_MAX_BODY_BYTES (the tap takes less than this request's 8 bytes of NDJSON: lower -max-body") ||
		!strings.Contains(msgs.String(), "; not retried") {
		t.Errorf("413: %+v\n%s", sum, msgs.String())
	}
}

// TestRefusedBeforeSending: what no attempt could fix fails at once.
func TestRefusedBeforeSending(t *testing.T) {
	for _, tc := range []struct{ url, token, want string }{
		{"127.0.0.1:8080", "", "want http:// or https://"},
		{"ftp://example.com/", "", "want http:// or https://"},
		{"http://[::1", "", "bad URL"},
		{"http:///path", "", "no host"},
		{"http://127.0.0.1:1/", "a.b\x00c", "characters a header cannot carry"},
	} {
		start := time.Now()
		_, err := Send(context.Background(), Options{URL: tc.url, Token: tc.token}, strings.NewReader(`{"a":1}`+"\n"))
		if err == nil || !strings.Contains(err.Error(), tc.want) || time.Since(start) > 5*time.Second {
			t.Errorf("%q, token %q: %v, want at once an error with %q", tc.url, tc.token, err, tc.want)
		}
	}
	// A token with its "Bearer " or a trailing newline is sent as the token.
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("Authorization")
		io.WriteString(w, `{"accepted":1,"filtered":0,"rejected":0}`)
	}))
	defer srv.Close()
	for _, tok := range []string{"abc.def.ghi\n", "Bearer abc.def.ghi", " abc.def.ghi\r\n"} {
		if _, err := Send(context.Background(), Options{URL: srv.URL, Token: tok}, strings.NewReader(`{"a":1}`+"\n")); err != nil || got != "Bearer abc.def.ghi" {
			t.Errorf("token %q: %v, sent %q", tok, err, got)
		}
	}
}

func TestProgressLine(t *testing.T) {
	s := Summary{Lines: 1000, BytesRead: 25e6, Requests: 7, Retries: 1}
	got := progressLine(s, 100e6, 5*time.Second)
	want := " 25% of 100.0 MB, sent 1000 lines, 25.0 MB, 5.0 MB/s, 7 requests, 1 retries, 15s left"
	if got != want {
		t.Errorf("progressLine = %q, want %q", got, want)
	}
	if got := progressLine(s, 0, 5*time.Second); strings.Contains(got, "%") || strings.Contains(got, "left") {
		t.Errorf("without a total: %q", got)
	}
}
