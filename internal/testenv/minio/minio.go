// Package minio starts a real MinIO server for tests, so that uploads are
// checked by a real S3 implementation (SigV4 signatures, path-style
// addressing, checksums) rather than by a fake that accepts anything.
//
// The server is the minio binary built from source (MinIO publishes no
// binaries we can fetch here); see InstallCommand. Tests that call Start are
// skipped when it is missing, unless DATATAP_REQUIRE_MINIO=1, which CI sets so
// that a missing install fails loudly instead of silently testing less.
package minio

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/datatap/datatap/internal/testenv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Version is the MinIO module version known to build with this repository's
// Go toolchain: the last commit of the (now archived) minio/minio repository.
// Release tags such as RELEASE.2025-10-15T17-29-55Z are not semver, and the
// module proxy here serves no pseudo-version for their commits.
const Version = "v0.0.0-20260212201848-7aac2a2c5b7c"

// InstallCommand returns the command that builds the minio binary where Start
// looks for it. It compiles MinIO from source: about 3 minutes on 2 cores.
func InstallCommand() string {
	return "GOBIN=" + filepath.Join(testenv.RepoRoot(), ".tools", "bin") + " go install github.com/minio/minio@" + Version
}

// Fixed credentials: the server lives for one test on loopback, and fixed
// values make a failing test's log easy to replay by hand.
const (
	accessKey = "datatap-test"
	secretKey = "datatap-test-secret" // MinIO wants at least 8 characters
	bucket    = "datatap-test"
	region    = "us-east-1"
)

// Server is a running MinIO with one empty bucket.
type Server struct {
	// Endpoint is the S3 API base URL, e.g. "http://127.0.0.1:41234".
	Endpoint string
	// AccessKey and SecretKey are the root credentials.
	AccessKey, SecretKey string
	// Bucket exists and is empty when Start returns.
	Bucket string
	// Dir is the server's data folder, for tests that want to look at disk.
	Dir string
	// RootCAs holds the server's self-signed certificate when it serves
	// HTTPS (StartTLS), nil for plain HTTP.
	RootCAs *x509.CertPool
}

// HTTPClient returns a client that trusts the server's certificate.
func (s *Server) HTTPClient() *http.Client {
	if s.RootCAs == nil {
		return &http.Client{Timeout: 30 * time.Second}
	}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: s.RootCAs, MinVersion: tls.VersionTLS12},
	}}
}

// Env returns the variables that point an AWS SDK in a child process (or in
// this one, through t.Setenv) at the server.
func (s *Server) Env() []string {
	return []string{
		"AWS_ENDPOINT_URL_S3=" + s.Endpoint,
		"AWS_ACCESS_KEY_ID=" + s.AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + s.SecretKey,
		"AWS_REGION=" + region,
	}
}

// Client returns an S3 client for the server that ignores the environment, for
// tests to read back and check what the code under test wrote.
func (s *Server) Client() *s3.Client {
	return s3.New(s3.Options{
		Region:       region,
		BaseEndpoint: aws.String(s.Endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
		HTTPClient:   s.HTTPClient(),
	})
}

// Objects calls fn with the key and the bytes of every object in the
// bucket, in key order (what tests read back to check what landed).
func (s *Server) Objects(t interface {
	Helper()
	Fatalf(format string, args ...any)
}, fn func(key string, body []byte)) {
	t.Helper()
	ctx := context.Background()
	client := s.Client()
	p := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String(s.Bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("list the bucket: %v", err)
		}
		for _, obj := range page.Contents {
			out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.Bucket), Key: obj.Key})
			if err != nil {
				t.Fatalf("get %s: %v", aws.ToString(obj.Key), err)
			}
			b, err := io.ReadAll(out.Body)
			out.Body.Close()
			if err != nil {
				t.Fatalf("get %s: %v", aws.ToString(obj.Key), err)
			}
			fn(aws.ToString(obj.Key), b)
		}
	}
}

// Binary returns the path of the minio binary Start would run: $MINIO_BIN, or
// .tools/bin/minio in the repository. It does not check that it exists.
func Binary() string {
	if p := os.Getenv("MINIO_BIN"); p != "" {
		return p
	}
	return filepath.Join(testenv.RepoRoot(), ".tools", "bin", "minio")
}

// Start runs a MinIO server on free loopback ports with a fresh data folder,
// waits until it serves requests, creates Bucket, and stops the server (and
// removes its data) when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	return startWith(t, false)
}

// StartTLS is Start for a server that speaks HTTPS only, with a self-signed
// certificate for 127.0.0.1 made for the test (MinIO reads it from
// --certs-dir as public.crt and private.key). Endpoint is https://…;
// RootCAs and HTTPClient give clients the trust they need.
func StartTLS(t testing.TB) *Server {
	t.Helper()
	return startWith(t, true)
}

func startWith(t testing.TB, useTLS bool) *Server {
	t.Helper()
	bin := Binary()
	if _, err := os.Stat(bin); err != nil {
		msg := fmt.Sprintf("testenv/minio: no minio binary at %s (%v); install it with:\n\t%s\nor set MINIO_BIN", bin, err, InstallCommand())
		if os.Getenv("DATATAP_REQUIRE_MINIO") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}

	// A port picked by listening on :0 could be taken again before MinIO
	// binds it; starting over with new ports makes that race harmless.
	var lastErr error
	for range 3 {
		s, err := start(t, bin, useTLS)
		if err == nil {
			return s
		}
		lastErr = err
	}
	t.Fatalf("testenv/minio: %v", lastErr)
	return nil
}

func start(t testing.TB, bin string, useTLS bool) (*Server, error) {
	t.Helper()
	dir := t.TempDir()
	apiAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	consoleAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	scheme := "http"
	// Without --certs-dir MinIO would look in ~/.minio/certs.
	certsDir := filepath.Join(dir, "certs")
	var roots *x509.CertPool
	if useTLS {
		scheme = "https"
		if roots, err = writeCert(certsDir); err != nil {
			return nil, err
		}
	} else if err := os.MkdirAll(certsDir, 0o700); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "server", filepath.Join(dir, "data"),
		"--address", apiAddr, "--console-address", consoleAddr, "--quiet", "--certs-dir", certsDir)
	cmd.Env = append(environWithoutMinIO(),
		"MINIO_ROOT_USER="+accessKey,
		"MINIO_ROOT_PASSWORD="+secretKey,
		"MINIO_BROWSER=off", // no web console: nothing here uses it
		"MINIO_UPDATE=off",  // never phone home
	)
	var log testenv.SyncBuffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}

	s := &Server{
		Endpoint:  scheme + "://" + apiAddr,
		AccessKey: accessKey,
		SecretKey: secretKey,
		Bucket:    bucket,
		Dir:       dir,
		RootCAs:   roots,
	}
	if err := s.waitReady(exited); err != nil {
		stop()
		return nil, fmt.Errorf("%w; server output:\n%s", err, log.String())
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("testenv/minio: server output:\n%s", log.String())
		}
	})
	return s, nil
}

// waitReady polls the liveness endpoint, then creates the bucket, retrying
// while MinIO is still initialising its object layer (it answers 503 for a
// moment after it starts listening).
func (s *Server) waitReady(exited <-chan error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	hc := s.HTTPClient()
	hc.Timeout = 2 * time.Second
	client := s.Client()
	live := false
	var lastErr error
	for {
		select {
		case err := <-exited:
			return fmt.Errorf("minio exited before it was ready: %v", err)
		case <-ctx.Done():
			return fmt.Errorf("minio not ready at %s after 30s: %v", s.Endpoint, lastErr)
		case <-time.After(50 * time.Millisecond):
		}
		if !live {
			resp, err := hc.Get(s.Endpoint + "/minio/health/live")
			if err != nil {
				lastErr = err
				continue
			}
			resp.Body.Close()
			live = resp.StatusCode == http.StatusOK
			if !live {
				lastErr = fmt.Errorf("health/live: %s", resp.Status)
				continue
			}
		}
		attempt, cancelAttempt := context.WithTimeout(ctx, 5*time.Second)
		_, err := client.CreateBucket(attempt, &s3.CreateBucketInput{Bucket: aws.String(s.Bucket)})
		cancelAttempt()
		if err == nil {
			return nil
		}
		lastErr = fmt.Errorf("create bucket %s: %w", s.Bucket, err)
	}
}

// writeCert writes a fresh self-signed certificate for 127.0.0.1, valid for
// a day, and its key where MinIO looks for them in dir, and returns a pool
// that trusts it.
func writeCert(dir string) (*x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "datatap test MinIO"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "public.crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "private.key"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool, nil
}

// environWithoutMinIO is this process's environment less any MINIO_*
// variable, so that a developer's own MinIO settings cannot change the
// server a test gets.
func environWithoutMinIO() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MINIO_") {
			env = append(env, kv)
		}
	}
	return env
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return "127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port), nil
}
