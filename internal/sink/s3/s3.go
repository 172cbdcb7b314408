// Package s3 is the S3 sink: one PutObject per object, over net/http, signed
// with the AWS SDK's SigV4 signer.
//
// The sink makes one kind of request (datatap cat adds two more, List and
// Get, in read.go), so it does not link the SDK's S3 client and
// configuration loader (7.8 MB of a 23 MB Lambda binary): it builds the PUT
// itself, checksums the payload, signs with aws/signer/v4, and parses S3's
// XML error replies. Import it as s3sink.
//
// How the body is protected depends on the endpoint's scheme; either way the
// body is read once to checksum it before the first attempt, and S3 stores
// nothing unless the bytes it received match:
//
//   - https (AWS itself, or an HTTPS endpoint): X-Amz-Content-Sha256 is
//     UNSIGNED-PAYLOAD, which S3 accepts for a PutObject sent in one piece,
//     and x-amz-checksum-crc32c holds the base64 of the big-endian CRC-32C
//     (Castagnoli) of the body; the signer signs every x-amz-* header, this
//     one included. TLS already keeps the body from being read or changed
//     on the way; the CRC-32C, which hash/crc32 computes with the CPU's
//     CRC32 instructions (SSE 4.2, ARMv8), catches a body that changed
//     between the checksum and the send, at a fraction of a SHA-256's cost.
//     No x-amz-sdk-checksum-algorithm: S3 wants it only for trailing
//     checksums and ignores it beside a checksum header.
//   - http (a MinIO on loopback, say): X-Amz-Content-Sha256 is the hex
//     SHA-256 of the body, covered by the signature, since nothing else
//     protects the body in transit.
//
// A mismatch is a 400 (BadDigest from S3 for the CRC-32C; MinIO says
// XAmzContentChecksumMismatch; XAmzContentSHA256Mismatch from both for the
// SHA-256): Put does not retry it, since the same checksum would be sent
// again, and its *Error matches ErrChecksumMismatch. The caller (a flush)
// rebuilds the file and checksums it anew.
//
// The sink reads no environment: the command resolves the standard AWS
// variables (config.S3Env) and passes plain fields, so the same binary
// talks to AWS or to MinIO without datatap settings of its own:
//
//   - Region: Options.Region (AWS_REGION, else AWS_DEFAULT_REGION).
//   - Credentials: Options.Credentials, called again at every request so
//     that rotated values are picked up (awscreds.Load: AWS_ACCESS_KEY_ID,
//     AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, what Lambda gives a
//     function for its role; else the static keys of profile AWS_PROFILE,
//     or "default", in the shared credentials file).
//   - Endpoint: Options.Endpoint (AWS_ENDPOINT_URL_S3, else
//     AWS_ENDPOINT_URL). A custom endpoint means path-style URLs
//     (endpoint/bucket/key); AWS itself gets virtual-hosted URLs
//     (https://bucket.s3.region.amazonaws.com/key), or path-style ones for
//     bucket names that are not one DNS label (dots, capitals, underscores).
//
// Unlike the SDK's default chain, it does not read ~/.aws/config (no region,
// endpoint_url or profiles from there), and has no SSO, assume-role profiles
// (role_arn, source_profile), credential_process, web identity tokens
// (AWS_WEB_IDENTITY_TOKEN_FILE), ECS/EKS container credentials or EC2
// instance metadata (IMDS). Lambda needs none of them. Elsewhere, turn such a
// profile into variables first:
//
//	eval "$(aws configure export-credentials --format env)"
//
// FIPS and dual-stack endpoints, access point ARNs as bucket names and
// Transfer Acceleration are not supported either; set Options.Endpoint or
// AWS_ENDPOINT_URL_S3 to reach a special endpoint (with path-style URLs).
package s3

import (
	"cmp"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/datatap/datatap/internal/sink"
)

var _ sink.Sink = (*Sink)(nil)

// Defaults for Options fields left zero.
const (
	// DefaultMaxAttempts is the AWS SDKs' default: one try and two retries.
	DefaultMaxAttempts = 3
	// DefaultAttemptTimeout bounds one HTTP attempt, upload included. A
	// flush uploads at most a few tens of MB, which takes seconds from Lambda;
	// a minute means S3 is not answering, and a retry on a fresh connection
	// is the better bet.
	DefaultAttemptTimeout = 60 * time.Second
	// DefaultMaxBackoff caps the wait between attempts. The SDK's 20 s would
	// eat the whole 2 s shutdown budget and more; shorter waits keep the
	// total time of a failing Put near MaxAttempts × AttemptTimeout.
	DefaultMaxBackoff = 2 * time.Second
)

// baseBackoff is the wait after a first failed attempt (before jitter); it
// doubles with each further failure, up to MaxBackoff.
const baseBackoff = 500 * time.Millisecond

// expectContinueSize is the body size from which a Put asks S3 to accept the
// request (Expect: 100-continue) before it sends the body, so that a refused
// request (bad signature, missing bucket) does not upload it for nothing. The
// SDKs use the same threshold.
const expectContinueSize = 2 << 20

// Options tune the client; the zero value is right for Lambda.
type Options struct {
	// Region is the bucket's region (required).
	Region string
	// Credentials returns the credentials of the next request (required;
	// awscreds.Load reads the standard sources).
	Credentials func() (aws.Credentials, error)
	// Endpoint is a custom endpoint, e.g. "http://127.0.0.1:9000" for
	// MinIO; empty: AWS. Any custom endpoint switches to path-style addressing
	// (http://host/bucket/key), which MinIO and most S3-compatible servers
	// expect since they have no wildcard DNS for bucket.host names.
	Endpoint string
	// MaxAttempts bounds the attempts per Put, first one included.
	// 0 means DefaultMaxAttempts; 1 disables retries.
	MaxAttempts int
	// AttemptTimeout bounds each attempt (connect, upload, response), so a
	// stalled connection is abandoned and retried instead of hanging a
	// flush. 0 means DefaultAttemptTimeout. The ctx given to Put still
	// bounds the whole call.
	AttemptTimeout time.Duration
	// MaxBackoff caps the jittered wait between attempts. 0 means
	// DefaultMaxBackoff.
	MaxBackoff time.Duration
}

// Sink puts objects into one bucket.
type Sink struct {
	bucket string
	region string
	creds  func() (aws.Credentials, error)
	// base is the URL of the bucket, ending in "/": a key, escaped, is
	// appended to Path and RawPath to get the object's URL.
	base   url.URL
	client *http.Client // one per Sink, so connections are reused
	signer *v4.Signer

	maxAttempts    int
	attemptTimeout time.Duration
	maxBackoff     time.Duration
}

// New resolves the region and endpoint as the package doc says and returns
// a Sink for bucket. It makes no request: credentials and the bucket are
// checked by the first Put, so a cold start pays nothing extra.
func New(ctx context.Context, bucket string, opts Options) (*Sink, error) {
	if bucket == "" {
		return nil, errors.New("s3: no bucket")
	}
	if strings.ContainsAny(bucket, "/:") {
		return nil, fmt.Errorf("s3: bucket %q: want a bucket name (access point ARNs are not supported)", bucket)
	}
	if opts.MaxAttempts < 0 || opts.AttemptTimeout < 0 || opts.MaxBackoff < 0 {
		return nil, fmt.Errorf("s3: negative option in %+v", opts)
	}
	region := opts.Region
	if region == "" {
		return nil, errors.New("s3: no region: set AWS_REGION")
	}
	if !validRegion(region) {
		return nil, fmt.Errorf("s3: bad region %q", region)
	}
	if opts.Credentials == nil {
		return nil, errors.New("s3: no credentials source")
	}
	base, err := bucketURL(bucket, region, opts.Endpoint)
	if err != nil {
		return nil, err
	}
	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   8,
	}
	return &Sink{
		bucket: bucket,
		region: region,
		creds:  opts.Credentials,
		base:   *base,
		client: &http.Client{
			Transport: transport,
			// A redirect would need the body again and a new signature;
			// S3's 301 and 307 come with an XML error that says why.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		// S3 signs the path as sent, escaped once (objectURL does it), where
		// other services escape it a second time.
		signer:         v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }),
		maxAttempts:    cmp.Or(opts.MaxAttempts, DefaultMaxAttempts),
		attemptTimeout: cmp.Or(opts.AttemptTimeout, DefaultAttemptTimeout),
		maxBackoff:     cmp.Or(opts.MaxBackoff, DefaultMaxBackoff),
	}, nil
}

// String returns "s3://bucket", for logs.
func (s *Sink) String() string { return "s3://" + s.bucket }

// Put uploads size bytes of body, from its current offset, with one
// PutObject. S3 makes an object visible only once it is complete and replaces
// it whole on a second put, which gives the Sink guarantees for free. The body
// is read once to checksum it (see the package doc), then once per attempt,
// seeking back to the start offset each time, so it is never buffered in
// memory.
func (s *Sink) Put(ctx context.Context, key string, body io.ReadSeeker, size int64) error {
	if err := sink.ValidKey(key); err != nil {
		return fmt.Errorf("s3: put object: %w", err)
	}
	if _, err := s.put(ctx, key, body, size, nil); err != nil {
		return fmt.Errorf("s3: put object %s: %w", key, err)
	}
	return nil
}

// put uploads the object with the extra headers (conditions) and returns
// its ETag.
func (s *Sink) put(ctx context.Context, key string, body io.ReadSeeker, size int64, extra http.Header) (string, error) {
	if size < 0 {
		return "", fmt.Errorf("negative size %d", size)
	}
	creds, err := s.creds()
	if err != nil {
		return "", err
	}
	start, err := body.Seek(0, io.SeekCurrent)
	if err != nil {
		return "", fmt.Errorf("body offset: %w", err)
	}
	sum, err := s.checksum(body, size)
	if err != nil {
		return "", err
	}
	u := s.objectURL(key)

	var etag string
	err = s.retry(ctx, func() (bool, error) {
		if _, err := body.Seek(start, io.SeekStart); err != nil {
			return false, fmt.Errorf("rewind body: %w", err)
		}
		var retry bool
		var err error
		etag, retry, err = s.attempt(ctx, u, ContentType(key), body, size, sum, creds, extra)
		return retry, err
	})
	return etag, err
}

// unsignedPayload is the SigV4 payload hash of a request whose body the
// signature does not cover.
const unsignedPayload = "UNSIGNED-PAYLOAD"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// payloadSum is what a PUT carries about its body: the SigV4 payload hash
// (X-Amz-Content-Sha256) and, over HTTPS, the x-amz-checksum-crc32c value.
type payloadSum struct {
	hash   string
	crc32c string
}

// checksum reads size bytes of body and returns what the PUT says about
// them: a CRC-32C over HTTPS, a SHA-256 over plain HTTP (package doc).
func (s *Sink) checksum(body io.Reader, size int64) (payloadSum, error) {
	https := s.base.Scheme == "https"
	var h hash.Hash
	if https {
		h = crc32.New(castagnoli)
	} else {
		h = sha256.New()
	}
	if n, err := io.CopyN(h, body, size); err != nil {
		return payloadSum{}, fmt.Errorf("checksum body: read %d of %d bytes: %w", n, size, err)
	}
	if https { // h.Sum is the big-endian CRC-32C
		return payloadSum{hash: unsignedPayload, crc32c: base64.StdEncoding.EncodeToString(h.Sum(nil))}, nil
	}
	return payloadSum{hash: hex.EncodeToString(h.Sum(nil))}, nil
}

// retry runs attempt until it succeeds, fails for good, has been tried
// maxAttempts times or ctx ends, with a jittered backoff between attempts.
func (s *Sink) retry(ctx context.Context, attempt func() (retry bool, err error)) error {
	var last error
	for n := 1; ; n++ {
		retry, err := attempt()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			if last != nil {
				return fmt.Errorf("%w (after %d attempts, the last failed with: %v)", ctx.Err(), n-1, last)
			}
			return ctx.Err()
		}
		last = err
		if !retry || n >= s.maxAttempts {
			if n > 1 {
				return fmt.Errorf("after %d attempts: %w", n, err)
			}
			return err
		}
		t := time.NewTimer(backoff(n, s.maxBackoff))
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (after %d attempts, the last failed with: %v)", ctx.Err(), n, last)
		case <-t.C:
		}
	}
}

// attempt sends one signed PUT and returns the object's ETag, or whether
// its failure is worth another attempt.
func (s *Sink) attempt(ctx context.Context, u *url.URL, contentType string, body io.Reader, size int64, sum payloadSum, creds aws.Credentials, extra http.Header) (etag string, retry bool, err error) {
	actx, cancel := context.WithTimeout(ctx, s.attemptTimeout)
	defer cancel()

	var rc io.ReadCloser = http.NoBody
	if size > 0 {
		b := &attemptBody{r: io.LimitReader(body, size)}
		// The transport may still read the body after Do returns (it
		// closes it from its own goroutine on errors); once detached, it
		// reads no more, so the caller can seek or close the file.
		defer b.detach()
		rc = b
	}
	req, err := http.NewRequestWithContext(actx, http.MethodPut, u.String(), rc)
	if err != nil {
		return "", false, err
	}
	for k, v := range extra {
		req.Header[k] = v
	}
	uc := *u
	req.URL = &uc // RawPath exactly as built: it is what gets signed and sent
	req.Host = u.Host
	req.ContentLength = size
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Amz-Content-Sha256", sum.hash)
	if sum.crc32c != "" {
		req.Header.Set("X-Amz-Checksum-Crc32c", sum.crc32c) // signed, as every x-amz-* header
	}
	req.Header.Set("User-Agent", "datatap")
	if size >= expectContinueSize {
		req.Header.Set("Expect", "100-continue") // not signed
	}
	if err := s.signer.SignHTTP(ctx, creds, req, sum.hash, "s3", s.region, time.Now()); err != nil {
		return "", false, fmt.Errorf("sign: %w", err)
	}

	resp, err := s.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return "", false, ctx.Err()
		}
		if actx.Err() != nil {
			return "", true, fmt.Errorf("PUT %s: attempt timed out after %v", u.Redacted(), s.attemptTimeout)
		}
		var certErr *tls.CertificateVerificationError
		if errors.As(err, &certErr) {
			return "", false, err
		}
		return "", true, err // connection refused, reset, DNS, ...
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		// Read what is left (nothing, for PutObject) so that the
		// connection goes back to the pool.
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return resp.Header.Get("ETag"), false, nil
	}
	e := readError(resp, s.region)
	return "", e.retryable(), e
}

// attemptBody hands one attempt's bytes to the transport and can be cut off
// from the underlying reader once the attempt is over.
type attemptBody struct {
	mu       sync.Mutex
	r        io.Reader
	detached bool
}

var errDetached = errors.New("s3: request body read after its attempt ended")

func (b *attemptBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.detached {
		return 0, errDetached
	}
	return b.r.Read(p)
}

// Close does nothing: the body belongs to the caller of Put.
func (b *attemptBody) Close() error { return nil }

// detach waits for a Read in progress, if any, and makes later ones fail.
func (b *attemptBody) detach() {
	b.mu.Lock()
	b.detached = true
	b.mu.Unlock()
}

// backoff returns the jittered wait after the nth failed attempt: between
// half and all of baseBackoff × 2^(n-1), capped at max.
func backoff(n int, max time.Duration) time.Duration {
	d := max
	if n <= 16 {
		d = min(max, baseBackoff<<(n-1))
	}
	return d/2 + rand.N(d/2+1)
}

// Error is an S3 error reply: a status other than 200, with the code and
// message of its XML body when it has one. Put returns it wrapped; use
// errors.As to get at the code.
type Error struct {
	StatusCode int    // e.g. 403
	Code       string // e.g. "SignatureDoesNotMatch", "NoSuchBucket"; "" without an XML body
	Message    string
	RequestID  string
	// BucketRegion is set when S3 says the bucket lives in a region other
	// than the one requests are signed for.
	BucketRegion string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Code != "" {
		b.WriteString(e.Code)
	} else {
		fmt.Fprintf(&b, "%d %s", e.StatusCode, http.StatusText(e.StatusCode))
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Code != "" || e.RequestID != "" {
		b.WriteString(" (")
		if e.Code != "" {
			fmt.Fprintf(&b, "HTTP %d", e.StatusCode)
			if e.RequestID != "" {
				b.WriteString(", ")
			}
		}
		if e.RequestID != "" {
			b.WriteString("request id " + e.RequestID)
		}
		b.WriteString(")")
	}
	if e.BucketRegion != "" {
		fmt.Fprintf(&b, "; the bucket is in %s: set AWS_REGION=%s", e.BucketRegion, e.BucketRegion)
	}
	if e.checksumMismatch() {
		b.WriteString("; the bytes sent differ from the bytes checksummed just before: the body changed during the upload")
	}
	return b.String()
}

// ErrChecksumMismatch is matched (errors.Is) by an *Error in which S3 says
// that the body it received does not match the checksum or SHA-256 sent
// with it.
var ErrChecksumMismatch = errors.New("s3: body does not match its checksum")

// Is makes errors.Is(err, ErrChecksumMismatch) true for a checksum mismatch.
func (e *Error) Is(target error) bool {
	return target == ErrChecksumMismatch && e.checksumMismatch()
}

// checksumMismatch says whether S3 refused the body for not matching its
// checksum: BadDigest (S3, for x-amz-checksum-* and Content-MD5),
// XAmzContentChecksumMismatch (MinIO, for x-amz-checksum-*),
// XAmzContentSHA256Mismatch (both, for X-Amz-Content-Sha256).
func (e *Error) checksumMismatch() bool {
	switch e.Code {
	case "BadDigest", "XAmzContentChecksumMismatch", "XAmzContentSHA256Mismatch":
		return true
	}
	return false
}

// retryable says whether another attempt may succeed: throttling, server
// faults and S3's own "try again" codes. 501 Not Implemented is a server
// status that no retry fixes.
func (e *Error) retryable() bool {
	switch e.Code {
	case "SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable":
		return true
	}
	return e.StatusCode == http.StatusTooManyRequests ||
		e.StatusCode >= 500 && e.StatusCode != http.StatusNotImplemented
}

// readError builds an *Error from a failed response. Only the code, the
// message and the request id are kept: S3 also echoes the string it signed
// and the access key id, which have no place in logs.
func readError(resp *http.Response, region string) *Error {
	e := &Error{StatusCode: resp.StatusCode, RequestID: resp.Header.Get("X-Amz-Request-Id")}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var x struct {
		XMLName   xml.Name `xml:"Error"`
		Code      string   `xml:"Code"`
		Message   string   `xml:"Message"`
		RequestID string   `xml:"RequestId"`
		Region    string   `xml:"Region"`
	}
	if xml.Unmarshal(raw, &x) == nil {
		e.Code = oneLine(x.Code, 100)
		e.Message = oneLine(x.Message, 500)
		e.RequestID = cmp.Or(e.RequestID, oneLine(x.RequestID, 100))
	}
	if r := cmp.Or(resp.Header.Get("X-Amz-Bucket-Region"), x.Region); r != "" && r != region {
		e.BucketRegion = oneLine(r, 50)
	}
	return e
}

// oneLine squeezes runs of white space and cuts s to at most n bytes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = strings.ToValidUTF8(s[:n], "") + "…"
	}
	return s
}

// bucketURL returns the URL objects of bucket are put under, ending in "/".
func bucketURL(bucket, region, endpoint string) (*url.URL, error) {
	if endpoint == "" {
		domain := "amazonaws.com"
		if strings.HasPrefix(region, "cn-") {
			domain = "amazonaws.com.cn"
		}
		if dnsLabel(bucket) {
			return &url.URL{Scheme: "https", Host: bucket + ".s3." + region + "." + domain, Path: "/", RawPath: "/"}, nil
		}
		// A dotted name would need a certificate for a.b.s3...: path-style.
		return &url.URL{Scheme: "https", Host: "s3." + region + "." + domain,
			Path: "/" + bucket + "/", RawPath: "/" + escapePath(bucket) + "/"}, nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.Opaque != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("s3: endpoint %q: want http(s)://host[:port][/path]", redact(endpoint, u))
	}
	// Path-style; a path in the endpoint (a proxy's prefix) is kept.
	return &url.URL{Scheme: u.Scheme, Host: u.Host,
		Path:    strings.TrimSuffix(u.Path, "/") + "/" + bucket + "/",
		RawPath: strings.TrimSuffix(u.EscapedPath(), "/") + "/" + escapePath(bucket) + "/"}, nil
}

func redact(endpoint string, u *url.URL) string {
	if u != nil && u.User != nil {
		return u.Redacted()
	}
	return endpoint
}

// objectURL returns the URL of key in the bucket.
func (s *Sink) objectURL(key string) *url.URL {
	u := s.base
	u.RawPath += escapePath(key)
	u.Path += key
	return &u
}

// escapePath URI-encodes s the way SigV4 wants an S3 path: every byte but
// the unreserved characters (A-Z a-z 0-9 - . _ ~) and "/" becomes %XX, once.
// Sending the path in exactly this form makes the path signed and the path
// S3 checks the signature against the same, whatever the key holds.
func escapePath(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '/' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// dnsLabel reports whether a bucket name can be the first label of a
// virtual-hosted S3 host name, under the wildcard certificate.
func dnsLabel(bucket string) bool {
	if len(bucket) < 3 || len(bucket) > 63 || bucket[0] == '-' || bucket[len(bucket)-1] == '-' {
		return false
	}
	for _, c := range []byte(bucket) {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// validRegion keeps the region, which goes into a host name, to what AWS
// region names are made of.
func validRegion(r string) bool {
	for _, c := range []byte(r) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// ContentType returns the media type stored with an object, from its
// extension, so that consoles and HTTP clients know what they are fetching.
func ContentType(key string) string {
	switch path.Ext(key) {
	case ".parquet":
		return "application/vnd.apache.parquet"
	case ".ndjson":
		return "application/x-ndjson"
	}
	return "application/octet-stream"
}
