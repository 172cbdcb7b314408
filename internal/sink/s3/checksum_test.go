package s3

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/datatap/datatap/internal/testenv/minio"
)

// trust makes s accept the certificates of roots (a test server's own).
func trust(s *Sink, roots *x509.CertPool) {
	s.client.Transport.(*http.Transport).TLSClientConfig = &tls.Config{RootCAs: roots}
}

// crc32cBase64 is the x-amz-checksum-crc32c value of b, computed apart from
// the code under test.
func crc32cBase64(b []byte) string {
	var be [4]byte
	binary.BigEndian.PutUint32(be[:], crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)))
	return base64.StdEncoding.EncodeToString(be[:])
}

func TestCRC32CValue(t *testing.T) {
	// The check value of CRC-32C (RFC 3720, B.4): 0xE3069283.
	if got := crc32cBase64([]byte("123456789")); got != "4waSgw==" {
		t.Errorf("CRC-32C of 123456789 = %s, want 4waSgw==", got)
	}
	s := &Sink{base: neturl.URL{Scheme: "https"}}
	sum, err := s.checksum(strings.NewReader("123456789"), 9)
	if err != nil || sum != (payloadSum{hash: "UNSIGNED-PAYLOAD", crc32c: "4waSgw=="}) {
		t.Errorf("checksum over https = %+v, %v", sum, err)
	}
	s = &Sink{base: neturl.URL{Scheme: "http"}}
	sum, err = s.checksum(strings.NewReader("123456789"), 9)
	if err != nil || sum != (payloadSum{hash: "15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225"}) {
		t.Errorf("checksum over http = %+v, %v", sum, err)
	}
}

// TestPutOverHTTPSRequestShape: over HTTPS the payload is UNSIGNED-PAYLOAD
// and the body's CRC-32C goes in a signed x-amz-checksum-crc32c header.
func TestPutOverHTTPSRequestShape(t *testing.T) {
	fakeCreds(t)
	rec := &recorder{}
	srv := httptest.NewTLSServer(rec)
	t.Cleanup(srv.Close)
	s, err := newFromEnv(context.Background(), "tap-bucket", Options{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	trust(s, pool)

	body := []byte("PAR1 not really PAR1")
	if err := s.Put(context.Background(), "a/seg-1.parquet", bytes.NewReader(body), int64(len(body))); err != nil {
		t.Fatal(err)
	}
	reqs := rec.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if !bytes.Equal(r.body, body) || r.contentLen != int64(len(body)) {
		t.Errorf("body %q (Content-Length %d), want %q", r.body, r.contentLen, body)
	}
	if got := r.header.Get("X-Amz-Content-Sha256"); got != "UNSIGNED-PAYLOAD" {
		t.Errorf("X-Amz-Content-Sha256 = %q, want UNSIGNED-PAYLOAD", got)
	}
	if got, want := r.header.Get("X-Amz-Checksum-Crc32c"), crc32cBase64(body); got != want {
		t.Errorf("X-Amz-Checksum-Crc32c = %q, want %q", got, want)
	}
	if got := r.header.Get("X-Amz-Sdk-Checksum-Algorithm"); got != "" {
		t.Errorf("X-Amz-Sdk-Checksum-Algorithm = %q, want none", got)
	}
	_, signed, _ := strings.Cut(r.header.Get("Authorization"), "SignedHeaders=")
	signed, _, _ = strings.Cut(signed, ",")
	if !slices.Contains(strings.Split(signed, ";"), "x-amz-checksum-crc32c") {
		t.Errorf("SignedHeaders=%s lacks x-amz-checksum-crc32c", signed)
	}
	checkSignature(t, r, "secret", "eu-west-1")
}

// changingBody is a file whose bytes change after they were first read:
// every read after the first rewind returns the data with one byte flipped,
// the way a file rewritten during an upload would.
type changingBody struct {
	data    []byte
	off     int64
	rewinds int
}

func (b *changingBody) Read(p []byte) (int, error) {
	if b.off >= int64(len(b.data)) {
		return 0, io.EOF
	}
	n := copy(p, b.data[b.off:])
	if b.rewinds > 0 && b.off == 0 && n > 0 {
		p[0] ^= 0xff
	}
	b.off += int64(n)
	return n, nil
}

func (b *changingBody) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
		b.off = offset
		b.rewinds++
	case io.SeekCurrent:
		b.off += offset
	default:
		return 0, errors.New("changingBody: unsupported whence")
	}
	return b.off, nil
}

// tlsMinIOSink starts MinIO over HTTPS and returns a Sink configured from
// the standard AWS variables that trusts the server's certificate.
func tlsMinIOSink(t *testing.T) (*Sink, *minio.Server) {
	t.Helper()
	s, srv := sinkFor(t, minio.StartTLS(t))
	if s.base.Scheme != "https" {
		t.Fatalf("endpoint %s is not https", srv.Endpoint)
	}
	trust(s, srv.RootCAs)
	return s, srv
}

// TestMinIOTLSPutAndReadBack uploads over HTTPS, with UNSIGNED-PAYLOAD and
// a CRC-32C, and reads every byte back; MinIO keeps the checksum it
// verified, and gives it back.
func TestMinIOTLSPutAndReadBack(t *testing.T) {
	s, srv := tlsMinIOSink(t)
	ctx := context.Background()
	f, _ := randomFile(t, 20<<20) // past expectContinueSize: Expect: 100-continue too
	for key, body := range map[string]io.ReadSeeker{
		"big/seg.parquet":      f,
		"small/seg.ndjson":     strings.NewReader(`{"a":1}` + "\n"),
		"empty/seg.ndjson":     strings.NewReader(""),
		"uni/Zoë 日本/x.parquet": strings.NewReader("PAR1 x PAR1"),
	} {
		size, _ := body.Seek(0, io.SeekEnd)
		body.Seek(0, io.SeekStart)
		want := make([]byte, size)
		io.ReadFull(body, want)
		body.Seek(0, io.SeekStart)
		if err := s.Put(ctx, key, body, size); err != nil {
			t.Errorf("put %s: %v", key, err)
			continue
		}
		out, err := srv.Client().GetObject(ctx, &s3.GetObjectInput{
			Bucket: aws.String(srv.Bucket), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled,
		})
		if err != nil {
			t.Errorf("get %s: %v", key, err)
			continue
		}
		got, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: read back %d bytes (%v), want the %d put", key, len(got), err, len(want))
		}
		if c := aws.ToString(out.ChecksumCRC32C); c != crc32cBase64(want) {
			t.Errorf("%s: stored CRC-32C %q, want %q", key, c, crc32cBase64(want))
		}
	}
}

// TestMinIOChangedBodyRefused: a body whose bytes change between the
// checksum and the send is refused by the server, over plain HTTP (the
// signed SHA-256) and over HTTPS (the CRC-32C), at the first attempt and
// without a retry, and nothing is stored.
func TestMinIOChangedBodyRefused(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start func(t *testing.T) (*Sink, *minio.Server)
		code  string
	}{
		{"http", minioSink, "XAmzContentSHA256Mismatch"},
		{"https", tlsMinIOSink, "XAmzContentChecksumMismatch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, srv := tc.start(t)
			data := make([]byte, 64<<10)
			rand.Read(data)
			body := &changingBody{data: data}
			err := s.Put(context.Background(), "changed.parquet", body, int64(len(data)))
			var e *Error
			if !errors.As(err, &e) || e.Code != tc.code || e.StatusCode != http.StatusBadRequest {
				t.Fatalf("Put of a changed body = %v, want a 400 %s", err, tc.code)
			}
			if !errors.Is(err, ErrChecksumMismatch) || !strings.Contains(err.Error(), "the body changed during the upload") {
				t.Errorf("error %q does not say the body changed", err)
			}
			if body.rewinds != 1 {
				t.Errorf("%d attempts, want 1 (no retry)", body.rewinds)
			}
			if _, err := srv.Client().HeadObject(context.Background(), &s3.HeadObjectInput{
				Bucket: aws.String(srv.Bucket), Key: aws.String("changed.parquet"),
			}); err == nil {
				t.Error("the changed body was stored")
			}
			// The same body, unchanged, goes through: the refusal was the change.
			if err := s.Put(context.Background(), "same.parquet", bytes.NewReader(data), int64(len(data))); err != nil {
				t.Errorf("Put of an unchanged body: %v", err)
			}
		})
	}
}

// BenchmarkPut is the client's CPU per Put of 4 MiB over HTTPS (the server
// is an httptest TLS server in the same process that discards the body, so
// its share is in the figures too, the same before and after).
func BenchmarkPut(b *testing.B) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
	}))
	b.Cleanup(srv.Close)
	s, err := New(context.Background(), "b", Options{Region: "eu-west-1", Endpoint: srv.URL,
		Credentials: func() (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}, nil
		}})
	if err != nil {
		b.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	trust(s, pool)
	data := make([]byte, 4<<20)
	rand.Read(data)
	body := bytes.NewReader(data)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		body.Seek(0, io.SeekStart)
		if err := s.Put(context.Background(), "k.parquet", body, int64(len(data))); err != nil {
			b.Fatal(err)
		}
	}
}
