// Package testenv holds what the tests of several packages share: the
// repository's root, the datatap binary built once per test process, a
// buffer a child process may write while a test reads it, and an AWS
// environment cleared of the developer's settings. Its subfolders start the
// real servers the tests check against: minio (S3), moto (AWS JSON
// services), duckdb (an independent Parquet reader) and lambda (the Lambda
// service inside one execution environment).
package testenv

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// RepoRoot is the repository's root folder, found from this source file
// rather than from the working directory, which go test sets to each
// package's own folder.
func RepoRoot() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "."
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// build builds datatap once per test process, as the Lambda build does
// (static, stripped, -trimpath), into a temporary folder.
var build = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "datatap-test-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "datatap")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "./bootstrap")
	cmd.Dir = RepoRoot()
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return filepath.EvalSymlinks(bin)
})

// Binary returns the path of the datatap binary, building it on first use.
func Binary(t testing.TB) string {
	t.Helper()
	bin, err := build()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// SyncBuffer is a bytes.Buffer safe for a child process's concurrent
// writes (its output, copied by os/exec's goroutines) while a test reads it.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// IsolateAWS clears every AWS_ variable for the test and points the shared
// files at nothing, so that a developer's ~/.aws or CI's variables cannot
// change what a test checks.
func IsolateAWS(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, "") // restores the old value when the test ends
			os.Unsetenv(k)
		}
	}
	missing := filepath.Join(t.TempDir(), "missing")
	t.Setenv("AWS_CONFIG_FILE", missing)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", missing)
}

// SetEnv sets "K=V" pairs for the test.
func SetEnv(t *testing.T, env ...string) {
	t.Helper()
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}
