package s3

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// replyServer answers every request with status and body, and counts them.
func replyServer(t *testing.T, status int, header http.Header, body string) (*atomic.Int32, string) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		n.Add(1)
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return &n, srv.URL
}

func s3Error(code, message string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>` + code + `</Code><Message>` + message + `</Message>
<AWSAccessKeyId>AKIDEXAMPLE</AWSAccessKeyId><StringToSign>AWS4-HMAC-SHA256
20240305T070000Z</StringToSign><CanonicalRequest>PUT /b/k</CanonicalRequest>
<RequestId>4442587FB7D0A2F9</RequestId><HostId>host-id</HostId></Error>`
}

func TestErrorReplies(t *testing.T) {
	f := func(status int, body string, header http.Header, wantCode string, wantAttempts int32, wantIn ...string) {
		t.Helper()
		fakeCreds(t)
		n, url := replyServer(t, status, header, body)
		s, err := newFromEnv(context.Background(), "b", Options{Endpoint: url, MaxBackoff: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		err = s.Put(context.Background(), "k.parquet", strings.NewReader("x"), 1)
		var e *Error
		if !errors.As(err, &e) || e.Code != wantCode || e.StatusCode != status {
			t.Errorf("HTTP %d %s: Put = %v, want an *Error with code %q", status, wantCode, err, wantCode)
			return
		}
		if got := n.Load(); got != wantAttempts {
			t.Errorf("HTTP %d %s: %d attempts, want %d", status, wantCode, got, wantAttempts)
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "s3: put object k.parquet: ") {
			t.Errorf("error %q not wrapped with the key", msg)
		}
		for _, w := range wantIn {
			if !strings.Contains(msg, w) {
				t.Errorf("error %q lacks %q", msg, w)
			}
		}
		if mismatch := strings.Contains(wantCode, "Digest") || strings.Contains(wantCode, "Mismatch"); errors.Is(err, ErrChecksumMismatch) != mismatch {
			t.Errorf("HTTP %d %s: errors.Is(err, ErrChecksumMismatch) = %v", status, wantCode, !mismatch)
		}
		for _, no := range []string{"StringToSign", "AWS4-HMAC", "CanonicalRequest", "AKIDEXAMPLE", "secret"} {
			if strings.Contains(msg, no) {
				t.Errorf("error %q holds %q", msg, no)
			}
		}
	}
	// Not retried: the client's fault, the same next time.
	f(403, s3Error("SignatureDoesNotMatch", "The request signature we calculated does not match"), nil,
		"SignatureDoesNotMatch", 1, "SignatureDoesNotMatch: The request signature we calculated does not match (HTTP 403, request id 4442587FB7D0A2F9)")
	f(404, s3Error("NoSuchBucket", "The specified bucket does not exist"), nil, "NoSuchBucket", 1, "NoSuchBucket")
	f(403, s3Error("AccessDenied", "Access Denied"), nil, "AccessDenied", 1, "AccessDenied: Access Denied")
	f(400, s3Error("AuthorizationHeaderMalformed", "the region 'eu-west-1' is wrong; expecting 'us-west-2'")+"<Region>us-west-2</Region>", nil,
		"AuthorizationHeaderMalformed", 1)
	f(301, s3Error("PermanentRedirect", "The bucket you are attempting to access must be addressed using the specified endpoint."),
		http.Header{"X-Amz-Bucket-Region": {"us-west-2"}}, "PermanentRedirect", 1, "the bucket is in us-west-2: set AWS_REGION=us-west-2")
	f(501, s3Error("NotImplemented", "A header you provided implies functionality that is not implemented"), nil, "NotImplemented", 1)
	// A body that does not match its checksum: the same checksum would be
	// sent again, so not retried, and said plainly.
	changed := "the body changed during the upload"
	f(400, s3Error("BadDigest", "The CRC32C you specified did not match the calculated checksum."), nil, "BadDigest", 1,
		"BadDigest: The CRC32C you specified did not match the calculated checksum. (HTTP 400", changed)
	f(400, s3Error("XAmzContentChecksumMismatch", "The provided 'x-amz-checksum' header does not match what was computed."), nil,
		"XAmzContentChecksumMismatch", 1, changed)
	f(400, s3Error("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed."), nil,
		"XAmzContentSHA256Mismatch", 1, changed)
	// Retried up to MaxAttempts: throttling, server faults, timeouts.
	f(503, s3Error("SlowDown", "Please reduce your request rate."), nil, "SlowDown", 3, "after 3 attempts: SlowDown")
	f(500, s3Error("InternalError", "We encountered an internal error. Please try again."), nil, "InternalError", 3)
	f(400, s3Error("RequestTimeout", "Your socket connection to the server was not read from or written to within the timeout period."), nil, "RequestTimeout", 3)
	f(429, "", nil, "", 3, "429 Too Many Requests")
	f(502, "<html><body>Bad Gateway</body></html>", nil, "", 3, "after 3 attempts: 502 Bad Gateway")
	f(504, "", http.Header{"X-Amz-Request-Id": {"REQ1"}}, "", 3, "504 Gateway Timeout (request id REQ1)")
}

// TestContextEndsDuringBackoff: a Put waiting to retry stops when ctx ends,
// and says what the last attempt met.
func TestContextEndsDuringBackoff(t *testing.T) {
	fakeCreds(t)
	n, url := replyServer(t, 503, nil, s3Error("SlowDown", "Please reduce your request rate."))
	s, err := newFromEnv(context.Background(), "b", Options{Endpoint: url, MaxBackoff: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = s.Put(ctx, "k.parquet", strings.NewReader("x"), 1)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "SlowDown") {
		t.Errorf("Put = %v, want DeadlineExceeded mentioning SlowDown", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Put returned after %v", elapsed)
	}
	if got := n.Load(); got > 2 {
		t.Errorf("%d attempts in 300ms with a backoff of at least 250ms", got)
	}
}

func TestBackoff(t *testing.T) {
	for n := 1; n <= 100; n++ {
		d := backoff(n, 2*time.Second)
		want := min(2*time.Second, baseBackoff<<min(n-1, 16))
		if d < want/2 || d > want {
			t.Errorf("backoff(%d) = %v, want in [%v, %v]", n, d, want/2, want)
		}
	}
	if d := backoff(3, time.Millisecond); d > time.Millisecond {
		t.Errorf("backoff capped at 1ms = %v", d)
	}
}

// TestBodyNotReadAfterPut: once Put returns, the transport may still hold the
// request body of a timed-out attempt; it must not read the caller's file.
func TestBodyNotReadAfterPut(t *testing.T) {
	b := &attemptBody{r: strings.NewReader("abc")}
	p := make([]byte, 1)
	if n, err := b.Read(p); n != 1 || err != nil {
		t.Fatalf("Read = %d, %v", n, err)
	}
	b.detach()
	if n, err := b.Read(p); n != 0 || !errors.Is(err, errDetached) {
		t.Errorf("Read after detach = %d, %v", n, err)
	}
}

// TestShortBody: a body with fewer bytes than size fails before any request.
func TestShortBody(t *testing.T) {
	fakeCreds(t)
	rec, url := fakeServer(t)
	s, err := newFromEnv(context.Background(), "b", Options{Endpoint: url})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(context.Background(), "k.parquet", strings.NewReader("abc"), 10); err == nil {
		t.Error("Put of 3 bytes as 10 succeeded")
	}
	if n := len(rec.requests()); n != 0 {
		t.Errorf("%d requests", n)
	}
}
