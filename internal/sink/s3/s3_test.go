package s3

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/datatap/datatap/internal/sink"
	"github.com/datatap/datatap/internal/testenv"
)

// request is what the fake server saw of one attempt.
type request struct {
	method, path string
	requestURI   string // as sent: the escaped path
	host         string
	header       http.Header
	body         []byte
	contentLen   int64
}

// recorder is an S3 stand-in that records requests and answers with the
// status codes it is given in turn (200 once they run out). It checks no
// signature: the MinIO tests do that; this one pins the request shape and the
// retry behaviour, and runs everywhere.
type recorder struct {
	mu     sync.Mutex
	reqs   []request
	status []int
	delay  time.Duration
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, request{r.Method, r.URL.Path, r.RequestURI, r.Host, r.Header.Clone(), body, r.ContentLength})
	status := http.StatusOK
	if len(rec.status) > 0 {
		status, rec.status = rec.status[0], rec.status[1:]
	}
	delay := rec.delay
	rec.mu.Unlock()
	if delay > 0 {
		select {
		case <-r.Context().Done():
		case <-time.After(delay):
		}
		return
	}
	if status != http.StatusOK {
		code := "InternalError"
		if status == http.StatusNotFound {
			code = "NoSuchKey"
		}
		w.WriteHeader(status)
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>`+code+`</Code><Message>try again</Message></Error>`)
		return
	}
	w.Header().Set("ETag", `"abc"`)
}

func (rec *recorder) requests() []request {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]request(nil), rec.reqs...)
}

func fakeServer(t *testing.T) (*recorder, string) {
	t.Helper()
	rec := &recorder{}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return rec, srv.URL
}

func fakeCreds(t *testing.T) {
	t.Helper()
	testenv.IsolateAWS(t)
	testenv.SetEnv(t, "AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=secret", "AWS_REGION=eu-west-1")
}

// decodedBody returns the object's bytes as sent. The sink sends them as
// they are, with no aws-chunked framing (which the SDK used for trailing
// checksums); the payload's SHA-256 is in the signed headers instead.
func decodedBody(t *testing.T, r request) []byte {
	t.Helper()
	if ce := r.header.Get("Content-Encoding"); ce != "" {
		t.Errorf("Content-Encoding %q, want none", ce)
	}
	if r.contentLen != int64(len(r.body)) {
		t.Errorf("Content-Length %d for %d bytes", r.contentLen, len(r.body))
	}
	sum := sha256.Sum256(r.body)
	if got := r.header.Get("X-Amz-Content-Sha256"); got != hex.EncodeToString(sum[:]) {
		t.Errorf("X-Amz-Content-Sha256 = %q, want the body's SHA-256", got)
	}
	return r.body
}

func TestPutRequestShape(t *testing.T) {
	fakeCreds(t)
	rec, url := fakeServer(t)
	s, err := newFromEnv(context.Background(), "tap-bucket", Options{Endpoint: url})
	if err != nil {
		t.Fatal(err)
	}
	if s.String() != "s3://tap-bucket" {
		t.Errorf("String() = %q", s.String())
	}
	body := []byte("PAR1 not really PAR1")
	key := "datataps/year=2024/svc=a%2Fb/seg-1.parquet"
	if err := s.Put(context.Background(), key, bytes.NewReader(body), int64(len(body))); err != nil {
		t.Fatal(err)
	}
	reqs := rec.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	// Path style: the bucket is the first path segment, not a host name.
	// The '%' of the key is itself escaped on the wire, so the server
	// decodes the key back to exactly what was put.
	if r.method != http.MethodPut || r.path != "/tap-bucket/"+key {
		t.Errorf("request %s %s, want PUT /tap-bucket/%s", r.method, r.path, key)
	}
	if got := r.header.Get("Content-Type"); got != "application/vnd.apache.parquet" {
		t.Errorf("Content-Type = %q", got)
	}
	if got := r.header.Get("Authorization"); !strings.HasPrefix(got, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") || !strings.Contains(got, "/eu-west-1/s3/") {
		t.Errorf("Authorization = %q, want SigV4 for eu-west-1", got)
	}
	if got := decodedBody(t, r); !bytes.Equal(got, body) {
		t.Errorf("body = %q, want %q", got, body)
	}
	if r.requestURI != "/tap-bucket/datataps/year%3D2024/svc%3Da%252Fb/seg-1.parquet" {
		t.Errorf("path sent as %s, want every segment URI-encoded once", r.requestURI)
	}
	checkSignature(t, r, "secret", "eu-west-1")
}

// checkSignature signs again, from what the server received (the path as
// it came on the wire, the headers the client listed as signed), and
// compares with the request's Authorization. It fails when the path signed
// is not the path sent, which S3 would refuse with SignatureDoesNotMatch.
func checkSignature(t *testing.T, r request, secret, region string) {
	t.Helper()
	auth := r.header.Get("Authorization")
	_, signed, _ := strings.Cut(auth, "SignedHeaders=")
	signed, _, _ = strings.Cut(signed, ",")
	for _, h := range []string{"content-type", "host", "x-amz-content-sha256", "x-amz-date"} {
		if !slices.Contains(strings.Split(signed, ";"), h) {
			t.Errorf("SignedHeaders=%s lacks %s", signed, h)
		}
	}
	req, err := http.NewRequest(r.method, "http://"+r.host+r.requestURI, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range strings.Split(signed, ";") {
		if h != "host" && h != "content-length" {
			req.Header[http.CanonicalHeaderKey(h)] = r.header.Values(h)
		}
	}
	req.ContentLength = r.contentLen
	when, err := time.Parse("20060102T150405Z", r.header.Get("X-Amz-Date"))
	if err != nil {
		t.Fatal(err)
	}
	_, id, _ := strings.Cut(auth, "Credential=")
	id, _, _ = strings.Cut(id, "/")
	creds := aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: r.header.Get("X-Amz-Security-Token")}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	if err := signer.SignHTTP(context.Background(), creds, req, r.header.Get("X-Amz-Content-Sha256"), "s3", region, when); err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Get("Authorization"); got != auth {
		t.Errorf("signature does not match the request as received:\nsent %s\nwant %s", auth, got)
	}
}

func TestEndpointFromEnvironmentUsesPathStyle(t *testing.T) {
	for _, name := range []string{"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"} {
		t.Run(name, func(t *testing.T) {
			fakeCreds(t)
			rec, url := fakeServer(t)
			t.Setenv(name, url)
			s, err := newFromEnv(context.Background(), "b", Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Put(context.Background(), "errors/x.ndjson", strings.NewReader("{}\n"), 3); err != nil {
				t.Fatal(err)
			}
			reqs := rec.requests()
			if len(reqs) != 1 || reqs[0].path != "/b/errors/x.ndjson" {
				t.Fatalf("requests %+v, want one to /b/errors/x.ndjson", reqs)
			}
			if got := reqs[0].header.Get("Content-Type"); got != "application/x-ndjson" {
				t.Errorf("Content-Type = %q", got)
			}
		})
	}
}

func TestContentType(t *testing.T) {
	f := func(key, want string) {
		t.Helper()
		if got := ContentType(key); got != want {
			t.Errorf("ContentType(%q) = %q, want %q", key, got, want)
		}
	}
	f("a/b/seg.parquet", "application/vnd.apache.parquet")
	f("errors/seg.ndjson", "application/x-ndjson")
	f("x.parquet/readme", "application/octet-stream")
	f("noext", "application/octet-stream")
}

func TestNewErrors(t *testing.T) {
	testenv.IsolateAWS(t)
	if _, err := newFromEnv(context.Background(), "", Options{Region: "us-east-1"}); err == nil || !strings.Contains(err.Error(), "no bucket") {
		t.Errorf("empty bucket: %v", err)
	}
	if _, err := newFromEnv(context.Background(), "b", Options{}); err == nil || !strings.Contains(err.Error(), "AWS_REGION") {
		t.Errorf("no region: %v", err)
	}
	if _, err := newFromEnv(context.Background(), "b", Options{Region: "us-east-1", MaxAttempts: -1}); err == nil {
		t.Error("negative MaxAttempts accepted")
	}
}

// TestRetryRewindsBody makes the first attempt fail with a 500: the retry
// must resend the whole body, from the offset the caller gave, which is what
// a seekable body buys.
func TestRetryRewindsBody(t *testing.T) {
	fakeCreds(t)
	rec, url := fakeServer(t)
	rec.status = []int{500}
	s, err := newFromEnv(context.Background(), "b", Options{Endpoint: url, MaxBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	r := strings.NewReader("header|the object")
	r.Seek(7, io.SeekStart)
	if err := s.Put(context.Background(), "k.parquet", r, 10); err != nil {
		t.Fatal(err)
	}
	reqs := rec.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d attempts, want 2", len(reqs))
	}
	for i, req := range reqs {
		if got := decodedBody(t, req); string(got) != "the object" {
			t.Errorf("attempt %d sent %q", i+1, got)
		}
	}
}

func TestRetriesAreBounded(t *testing.T) {
	fakeCreds(t)
	rec, url := fakeServer(t)
	rec.status = []int{500, 500, 500, 500, 500, 500}
	s, err := newFromEnv(context.Background(), "b", Options{Endpoint: url, MaxAttempts: 2, MaxBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Put(context.Background(), "k.parquet", strings.NewReader("x"), 1)
	if err == nil {
		t.Fatal("Put succeeded against a failing server")
	}
	if !strings.HasPrefix(err.Error(), "s3: put object k.parquet: ") {
		t.Errorf("error %q not wrapped with the key", err)
	}
	if n := len(rec.requests()); n != 2 {
		t.Errorf("%d attempts, want MaxAttempts = 2", n)
	}
}

// TestGetRetries: a read (the table schema at a flush) rides out a
// throttling S3 as a Put does, and a 404 is an answer, not a retry.
func TestGetRetries(t *testing.T) {
	fakeCreds(t)
	rec, url := fakeServer(t)
	rec.status = []int{503, 500}
	s, err := newFromEnv(context.Background(), "b", Options{Endpoint: url, MaxBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, version, err := s.GetVersion(context.Background(), "t/_datatap/schema.json"); err != nil || version != `"abc"` {
		t.Fatalf("GetVersion: version %q, %v", version, err)
	}
	if reqs := rec.requests(); len(reqs) != 3 || reqs[0].method != http.MethodGet {
		t.Fatalf("%d requests, want 3 GETs", len(reqs))
	}
	rec.status = []int{404, 404}
	if _, _, err := s.GetVersion(context.Background(), "t/_datatap/schema.json"); !errors.Is(err, sink.ErrNotFound) {
		t.Errorf("404: %v, want sink.ErrNotFound", err)
	}
	if n := len(rec.requests()); n != 4 {
		t.Errorf("%d requests after a 404, want 4 (no retry)", n)
	}
}

// TestStalledServerTimesOut talks to a server that takes the upload and never
// answers: each attempt must be cut by AttemptTimeout and the Put must fail
// after MaxAttempts, instead of hanging the flush.
func TestStalledServerTimesOut(t *testing.T) {
	fakeCreds(t)
	rec, url := fakeServer(t)
	rec.delay = time.Minute
	s, err := newFromEnv(context.Background(), "b", Options{
		Endpoint: url, MaxAttempts: 2, AttemptTimeout: 300 * time.Millisecond, MaxBackoff: time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = s.Put(context.Background(), "k.parquet", strings.NewReader("x"), 1)
	elapsed := time.Since(start)
	if err == nil {
		t.Fatal("Put succeeded against a stalled server")
	}
	if elapsed > 10*time.Second {
		t.Errorf("Put took %v", elapsed)
	}
	if n := len(rec.requests()); n != 2 {
		t.Errorf("%d attempts, want 2 (a timed-out attempt is retried)", n)
	}
}

// TestUnreachableEndpoint covers the two ways a server can be missing: a
// closed port (refused at once) and a port that accepts connections but never
// speaks. Both must fail within a bounded time.
func TestUnreachableEndpoint(t *testing.T) {
	blackhole, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blackhole.Close() })
	var conns sync.WaitGroup
	go func() {
		for {
			c, err := blackhole.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() { defer conns.Done(); io.Copy(io.Discard, c); c.Close() }()
		}
	}()

	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + closed.Addr().String()
	closed.Close()

	for name, url := range map[string]string{"refused": closedURL, "silent": "http://" + blackhole.Addr().String()} {
		t.Run(name, func(t *testing.T) {
			fakeCreds(t)
			s, err := newFromEnv(context.Background(), "b", Options{
				Endpoint: url, AttemptTimeout: 500 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
			})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			err = s.Put(context.Background(), "k.parquet", strings.NewReader("x"), 1)
			if err == nil {
				t.Fatal("Put succeeded")
			}
			// 3 attempts × 0.5 s plus at most 2 × 0.2 s of backoff.
			if elapsed := time.Since(start); elapsed > 10*time.Second {
				t.Errorf("failed after %v, want a bounded time", elapsed)
			}
			if !strings.Contains(err.Error(), "s3: put object k.parquet") {
				t.Errorf("error %q", err)
			}
		})
	}
}

func TestPutHonoursContext(t *testing.T) {
	fakeCreds(t)
	rec, url := fakeServer(t)
	rec.delay = time.Minute
	s, err := newFromEnv(context.Background(), "b", Options{Endpoint: url})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = s.Put(ctx, "k.parquet", strings.NewReader("x"), 1)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Put = %v, want context.DeadlineExceeded", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Put returned after %v, past its 200ms deadline", elapsed)
	}
}

func TestPutRejectsBadKeyWithoutRequest(t *testing.T) {
	fakeCreds(t)
	rec, url := fakeServer(t)
	s, err := newFromEnv(context.Background(), "b", Options{Endpoint: url})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Put(context.Background(), "a//b.parquet", strings.NewReader("x"), 1)
	if !errors.Is(err, sink.ErrBadKey) || !strings.HasPrefix(err.Error(), "s3: put object: key ") {
		t.Errorf("Put = %v, want a wrapped sink.ErrBadKey", err)
	}
	if n := len(rec.requests()); n != 0 {
		t.Errorf("%d requests for a bad key", n)
	}
}
