package minio

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func TestStart(t *testing.T) {
	srv := Start(t)
	if !strings.HasPrefix(srv.Endpoint, "http://127.0.0.1:") {
		t.Errorf("Endpoint = %q, want loopback", srv.Endpoint)
	}
	ctx := context.Background()
	c := srv.Client()
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(srv.Bucket), Key: aws.String("a/b.txt"), Body: strings.NewReader("hello"),
	}); err != nil {
		t.Fatal(err)
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(srv.Bucket), Key: aws.String("a/b.txt")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(out.Body)
	out.Body.Close()
	if string(b) != "hello" {
		t.Errorf("read back %q", b)
	}

	// Unsigned requests are refused: the server checks authentication.
	resp, err := http.Get(srv.Endpoint + "/" + srv.Bucket + "/a/b.txt")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("anonymous GET: %s, want 403", resp.Status)
	}

	env := strings.Join(srv.Env(), "\n")
	for _, want := range []string{
		"AWS_ENDPOINT_URL_S3=" + srv.Endpoint, "AWS_ACCESS_KEY_ID=" + srv.AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + srv.SecretKey, "AWS_REGION=us-east-1",
	} {
		if !strings.Contains(env, want) {
			t.Errorf("Env() lacks %s", want)
		}
	}
}

// TestStopOnCleanup checks that the server is gone once its test is over, so
// a test run leaves no MinIO behind.
func TestStopOnCleanup(t *testing.T) {
	var endpoint string
	t.Run("inner", func(t *testing.T) {
		endpoint = Start(t).Endpoint
	})
	if endpoint == "" {
		t.Skip("inner test skipped")
	}
	if resp, err := http.Get(endpoint + "/minio/health/live"); err == nil {
		resp.Body.Close()
		t.Errorf("server at %s still answers after cleanup", endpoint)
	}
}

// TestEnvWorksForChildProcess runs a child process with only Env() as its AWS
// configuration, the way end-to-end tests run the datatap binary.
func TestEnvWorksForChildProcess(t *testing.T) {
	if os.Getenv("MINIOTEST_CHILD") == "1" {
		t.Skip("child mode runs only through TestEnvWorksForChildProcess")
	}
	srv := Start(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildPut$", "-test.v")
	cmd.Env = append(os.Environ(), "MINIOTEST_CHILD=1", "MINIOTEST_BUCKET="+srv.Bucket)
	cmd.Env = append(cmd.Env, srv.Env()...)
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS: TestChildPut")) {
		t.Fatalf("child: %v\n%s", err, out)
	}
	obj, err := srv.Client().GetObject(context.Background(), &s3.GetObjectInput{
		Bucket: aws.String(srv.Bucket), Key: aws.String("from-child"),
	})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(obj.Body)
	obj.Body.Close()
	if string(b) != "child" {
		t.Errorf("object = %q", b)
	}
}

// TestChildPut is the child half of TestEnvWorksForChildProcess: it uses an
// SDK client configured from the environment alone.
func TestChildPut(t *testing.T) {
	if os.Getenv("MINIOTEST_CHILD") != "1" {
		t.Skip("run by TestEnvWorksForChildProcess")
	}
	// Exactly what the datatap binary does: the SDK's default chain, which
	// reads AWS_ENDPOINT_URL_S3, the keys and the region itself.
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(os.Getenv("MINIOTEST_BUCKET")), Key: aws.String("from-child"), Body: strings.NewReader("child"),
	}); err != nil {
		t.Fatal(err)
	}
}

// fakeTB records Skip and Fatal instead of ending the goroutine, so that the
// missing-binary paths can be checked without failing this test.
type fakeTB struct {
	testing.TB
	skipped, fatal string
}

type stopped struct{}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Skip(args ...any) {
	f.skipped = fmt.Sprint(args...)
	panic(stopped{})
}
func (f *fakeTB) Fatal(args ...any) {
	f.fatal = fmt.Sprint(args...)
	panic(stopped{})
}

func startFake(t *testing.T) *fakeTB {
	f := &fakeTB{TB: t}
	func() {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(stopped); !ok {
					panic(r)
				}
			}
		}()
		Start(f)
	}()
	return f
}

func TestMissingBinary(t *testing.T) {
	t.Setenv("MINIO_BIN", filepath.Join(t.TempDir(), "no-minio"))

	t.Setenv("DATATAP_REQUIRE_MINIO", "")
	f := startFake(t)
	if f.fatal != "" || !strings.Contains(f.skipped, "go install github.com/minio/minio@"+Version) {
		t.Errorf("without DATATAP_REQUIRE_MINIO: skipped %q, fatal %q; want a skip naming the install command", f.skipped, f.fatal)
	}

	t.Setenv("DATATAP_REQUIRE_MINIO", "1")
	f = startFake(t)
	if f.skipped != "" || !strings.Contains(f.fatal, "no minio binary") {
		t.Errorf("with DATATAP_REQUIRE_MINIO=1: skipped %q, fatal %q; want a fatal error", f.skipped, f.fatal)
	}
}

func TestBinaryDefaultsToRepoTools(t *testing.T) {
	t.Setenv("MINIO_BIN", "")
	_, file, _, _ := runtime.Caller(0)
	want := filepath.Join(filepath.Dir(file), "..", "..", "..", ".tools", "bin", "minio")
	if got := Binary(); got != filepath.Clean(want) {
		t.Errorf("Binary() = %q, want %q", got, want)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(Binary()), "..", "..", "go.mod")); err != nil {
		t.Errorf("Binary() %q is not under the repository root: %v", Binary(), err)
	}
}
