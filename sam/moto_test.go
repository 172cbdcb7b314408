package sam

import (
	"bytes"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestMotoStack creates the translated template as a stack in moto's
// CloudFormation (moto_server on loopback), with the code from `make
// lambda`, the default parameters plus JwtSecret and Acl, and checks what it
// created: sam/moto_smoke.py does the translation, the upload, the stack and
// the checks, and says which resources moto cannot create and were left out
// (the Function URL: moto has no AWS::Lambda::Url). `make moto` runs it.
func TestMotoStack(t *testing.T) {
	if os.Getenv("DATATAP_MOTO") != "1" {
		t.Skip("set DATATAP_MOTO=1 (make moto) to create the stack in moto's CloudFormation")
	}
	if out, err := exec.Command("python3", "-c", "import moto, boto3, samtranslator, flask, flask_cors").CombinedOutput(); err != nil {
		t.Fatalf("python3 needs moto[server], boto3 and aws-sam-translator: %v\n%s", err, out)
	}
	zips := filepath.Join(repoRoot(), "bin", "lambda")
	for _, f := range []string{"function.zip", "extension-layer.zip"} {
		if _, err := os.Stat(filepath.Join(zips, f)); err != nil {
			t.Fatalf("%v (make lambda builds it)", err)
		}
	}
	endpoint := startMoto(t)
	cmd := exec.Command("python3", "moto_smoke.py", "check", endpoint, "template.yaml", zips)
	cmd.Dir = filepath.Join(repoRoot(), "sam")
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("moto smoke test: %v", err)
	}
}

// startMoto runs moto's server (sam/moto_smoke.py serve: moto_server with
// the fixes that file describes) on a free loopback port and stops it, by its
// PID, when the test ends. A port found free may be taken again before moto
// binds it; then it starts over on another.
func startMoto(t *testing.T) string {
	t.Helper()
	var lastErr error
	for range 3 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		logs := &lockedBuffer{}
		cmd := exec.Command("python3", "moto_smoke.py", "serve", "127.0.0.1", strconv.Itoa(port))
		cmd.Dir = filepath.Join(repoRoot(), "sam")
		cmd.Stdout, cmd.Stderr = logs, logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		endpoint := "http://127.0.0.1:" + strconv.Itoa(port)
		if lastErr = waitMoto(endpoint, exited); lastErr == nil {
			t.Cleanup(func() {
				_ = cmd.Process.Signal(syscall.SIGTERM)
				select {
				case <-exited:
				case <-time.After(10 * time.Second):
					_ = cmd.Process.Kill()
					<-exited
				}
			})
			return endpoint
		}
		_ = cmd.Process.Kill()
		<-exited
		lastErr = errors.Join(lastErr, errors.New(logs.String()))
	}
	t.Fatalf("moto server: %v", lastErr)
	return ""
}

// waitMoto waits until the server answers, or exits, or a minute passes.
func waitMoto(endpoint string, exited <-chan struct{}) error {
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		select {
		case <-exited:
			return errors.New("moto server exited")
		case <-time.After(100 * time.Millisecond):
		}
		if resp, err := http.Get(endpoint + "/moto-api/"); err == nil {
			resp.Body.Close()
			return nil
		}
	}
	return errors.New("moto server not answering after a minute")
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
