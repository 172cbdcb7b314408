package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/datatap/datatap/internal/testenv"
	"github.com/datatap/datatap/internal/testenv/duckdb"
)

// TestFlush64MBSegment spools a 64 MB segment, kills the server with SIGKILL
// (the segment is left open, as after a crash), starts a new server on the
// same spool, which recovers and flushes it, and checks that every row
// arrived and that the new process's peak RSS stayed under 100 MB, the
// budget that lets it live in a 128 MB Lambda function.
func TestFlush64MBSegment(t *testing.T) {
	duckdb.Require(t)
	bin := testenv.Binary(t)
	spoolDir, out := t.TempDir(), t.TempDir()
	env := append(os.Environ(), "TAP_SPOOL_DIR="+spoolDir, "TAP_DIR="+out, "TAP_FLUSH_BYTES=256MiB", "TAP_FLUSH_AGE=1h")

	// First server: take 64 MB, then die without flushing.
	addr := freeAddr(t)
	var logs1 bytes.Buffer
	first := exec.Command(bin, "serve")
	first.Env = append(env, "TAP_ADDR="+addr)
	first.Stdout, first.Stderr = &logs1, &logs1
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer first.Process.Kill()
	waitHealthy(t, "http://"+addr+"/health", &logs1)
	lines := 0
	var body bytes.Buffer
	for size := 0; size < 64<<20; {
		body.Reset()
		for body.Len() < 4<<20 {
			fmt.Fprintf(&body, `{"ts":"2024-05-01T10:%02d:%02d.%03dZ","level":%q,"service":%q,"status":%d,"latency_ms":%d.%d,`+
				`"user":{"id":%d,"name":"user-%d"},"msg":"request served in time for user %d","path":"/api/v1/items/%d"}`+"\n",
				lines/60%60, lines%60, lines%1000, []string{"info", "warn", "error"}[lines%3], []string{"checkout", "search"}[lines%2],
				[]int{200, 201, 404, 500}[lines%4], lines%250, lines%1000, lines*7919%1000003, lines, lines, lines%100000)
			lines++
		}
		size += body.Len()
		if _, err := send("http://"+addr+"/", body.Bytes(), false); err != nil {
			t.Fatal(err)
		}
	}
	first.Process.Signal(syscall.SIGKILL)
	first.Wait()
	if open, _ := filepath.Glob(filepath.Join(spoolDir, "*.open")); len(open) != 1 {
		t.Fatalf("want one open segment after SIGKILL, got %v", open)
	}

	// Second server: recovers the segment and flushes it.
	addr = freeAddr(t)
	var logs2 bytes.Buffer
	second := exec.Command(bin, "serve")
	second.Env = append(env, "TAP_ADDR="+addr)
	second.Stdout, second.Stderr = &logs2, &logs2
	if err := second.Start(); err != nil {
		t.Fatal(err)
	}
	defer second.Process.Kill()
	waitHealthy(t, "http://"+addr+"/health", &logs2)
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		left, _ := filepath.Glob(filepath.Join(spoolDir, "*.seg"))
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("segment not flushed\n%s", logs2.String())
		}
	}
	second.Process.Signal(syscall.SIGTERM)
	if err := second.Wait(); err != nil {
		t.Fatalf("second server: %v\n%s", err, logs2.String())
	}
	maxRSS := second.ProcessState.SysUsage().(*syscall.Rusage).Maxrss * 1024 // kilobytes on Linux
	t.Logf("peak RSS of the server that recovered and flushed a 64 MB segment (%d rows): %.1f MB", lines, float64(maxRSS)/1e6)
	if maxRSS >= 100e6 {
		t.Errorf("peak RSS %.1f MB, budget 100 MB", float64(maxRSS)/1e6)
	}
	res, err := duckdb.Run(context.Background(), fmt.Sprintf(
		`SELECT count(*), count(DISTINCT "user".name) FROM read_parquet('%s/datataps/**/*.parquet')`, out))
	if err != nil || res[0].Err != "" {
		t.Fatal(err, res)
	}
	if got, want := fmt.Sprint(res[0].Rows[0]), fmt.Sprintf("[%d %d]", lines, lines); got != want {
		t.Errorf("rows [count distinct] = %s, want %s", got, want)
	}
}
