// Package moto starts moto_server (python3 moto: AWS services faked in
// one process) on a free loopback port for tests, and makes signed AWS JSON
// 1.1 calls to set up what the code under test reads (a secret, a
// parameter), as the AWS CLI would.
//
// Tests that call Start are skipped when moto_server is missing, unless
// DATATAP_REQUIRE_SAM=1 (make test), which makes it a failure.
package moto

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Region is where the tests' resources live.
const Region = "us-east-1"

// Server is a running moto_server.
type Server struct {
	URL string // http://127.0.0.1:PORT
}

// Start runs moto_server until the test ends. moto picks the port (-p 0)
// and says which on standard error.
func Start(t *testing.T) *Server {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		if os.Getenv("DATATAP_REQUIRE_SAM") == "1" {
			t.Fatal("moto_server is required (python3 -m pip install 'moto[server]')")
		}
		t.Skip("no moto_server")
	}
	return Run(t, "", bin, "-H", "127.0.0.1", "-p", "0")
}

// Run starts argv in dir: moto_server, or a program that runs moto's
// server (sam/moto_smoke.py patches it first), and waits until it prints
// moto's "Running on http://127.0.0.1:PORT". It is stopped (SIGTERM, then
// SIGKILL after 10 s) when the test ends; what it printed is in the
// failure message if it exits or does not start within a minute.
func Run(t *testing.T, dir string, argv ...string) *Server {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var logs strings.Builder
	found := make(chan string, 1)
	exited := make(chan struct{})
	go func() {
		running := regexp.MustCompile(`Running on (http://127\.0\.0\.1:\d+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			mu.Lock()
			logs.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if m := running.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	printed := func() string {
		mu.Lock()
		defer mu.Unlock()
		return logs.String()
	}
	select {
	case url := <-found:
		return &Server{URL: url}
	case <-exited:
		t.Fatalf("%s exited:\n%s", argv[0], printed())
	case <-time.After(time.Minute):
		t.Fatalf("%s not running after a minute:\n%s", argv[0], printed())
	}
	return nil
}

// Endpoints points Secrets Manager and SSM clients at the server. moto
// takes any credentials, so these go with another server's (MinIO's).
func (s *Server) Endpoints() []string {
	return []string{"AWS_ENDPOINT_URL_SECRETS_MANAGER=" + s.URL, "AWS_ENDPOINT_URL_SSM=" + s.URL}
}

// Env is Endpoints with credentials and Region.
func (s *Server) Env() []string {
	return append(s.Endpoints(),
		"AWS_ACCESS_KEY_ID=testing",
		"AWS_SECRET_ACCESS_KEY=testing",
		"AWS_SESSION_TOKEN=",
		"AWS_REGION="+Region,
	)
}

// Setenv sets Env in this process for the test.
func (s *Server) Setenv(t *testing.T) {
	for _, kv := range s.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

// Call makes one signed AWS JSON 1.1 call (service: the signing name, such
// as secretsmanager or ssm; target: the X-Amz-Target, such as
// secretsmanager.CreateSecret) and returns the answer's body.
func (s *Server) Call(t *testing.T, service, target, body string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", target)
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: "testing", SecretAccessKey: "testing"}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, Region, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: HTTP %d: %s", target, resp.StatusCode, out)
	}
	return string(out)
}
