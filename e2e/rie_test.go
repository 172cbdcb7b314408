package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/datatap/datatap/internal/testenv"
	"github.com/datatap/datatap/internal/testenv/duckdb"
	"github.com/datatap/datatap/internal/testenv/minio"
)

// rieBinary is the AWS Lambda Runtime Interface Emulator `make rie` installs:
// $RIE_BIN, or .tools/bin/aws-lambda-rie in the repository.
func rieBinary() string {
	if p := os.Getenv("RIE_BIN"); p != "" {
		return p
	}
	return filepath.Join(testenv.RepoRoot(), ".tools", "bin", "aws-lambda-rie")
}

// TestRIE runs the binary under the real AWS Lambda Runtime Interface
// Emulator, the reference for the Runtime and Extensions APIs, as Lambda runs
// it: as the function's bootstrap and as /opt/extensions/datatap, which the
// emulator starts as an external extension (it lists /opt/extensions at
// init, as Lambda does for a layer's extensions/ folder). Function URL
// events go to the emulator's invoke endpoint; then the emulator gets
// SIGTERM, which it turns into a reset: SIGTERM to the runtime, SHUTDOWN
// (reason SandboxTerminated, 2 s deadline) to the extension, SIGKILL for
// whatever has not exited by then, and exit. Every line must be in MinIO.
//
// /opt/extensions is given to the binary without touching this machine's
// /opt: the emulator runs in a private mount namespace (unshare -m, so root)
// where a temporary folder is bind-mounted onto /opt.
func TestRIE(t *testing.T) {
	if os.Getenv("DATATAP_RIE") != "1" {
		t.Skip("set DATATAP_RIE=1 (make rie) to run the binary under the Lambda Runtime Interface Emulator")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root for a private mount namespace with /opt/extensions")
	}
	rie := rieBinary()
	if _, err := os.Stat(rie); err != nil {
		t.Fatalf("no emulator at %s (make rie): %v", rie, err)
	}
	duckdb.Require(t)
	bin := testenv.Binary(t)
	m := minio.Start(t)

	opt := t.TempDir()
	ext, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	// A copy, not a symlink: the binary knows it is the extension from
	// /proc/self/exe, which resolves symlinks.
	if err := os.MkdirAll(filepath.Join(opt, "extensions"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(opt, "extensions", "datatap"), ext, 0o755); err != nil {
		t.Fatal(err)
	}

	spool := t.TempDir()
	invokeAddr, runtimeAddr := freeAddr(t), freeAddr(t)
	// unshare -m makes the mount private to the emulator and its children
	// (util-linux sets propagation private); sh mounts and execs the
	// emulator, so the PID started here is the emulator's.
	cmd := exec.Command("unshare", "-m", "--propagation", "private", "--",
		"sh", "-c", `mount --bind "$0" /opt && exec "$@"`, opt,
		rie, "--runtime-api-address", runtimeAddr, "--runtime-interface-emulator-address", invokeAddr, bin)
	// The emulator passes its environment on to the runtime and the
	// extension. 128 MB is the template's MemorySize (the emulator's default
	// is 3008), which sets the flush thresholds the binary derives from it.
	cmd.Env = append(os.Environ(), m.Env()...)
	cmd.Env = append(cmd.Env, "TAP_BUCKET="+m.Bucket, "TAP_SPOOL_DIR="+spool, "TAP_AUTH=none",
		"TAP_FLUSH_AGE=1h", "TAP_TRANSFORM=SELECT * PARTITION BY svc",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128", "AWS_LAMBDA_FUNCTION_NAME=datatap-rie")
	logs := &testenv.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	t.Cleanup(func() {
		if stopped {
			return
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})

	// The first invocation waits for the emulator's listener; the emulator
	// runs init (extension, then runtime) on it.
	url := "http://" + invokeAddr + "/2015-03-31/functions/function/invocations"
	invoke := func(event []byte) (accepted, rejected int) {
		t.Helper()
		var resp *http.Response
		var err error
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			resp, err = http.Post(url, "application/json", bytes.NewReader(event))
			if err == nil || time.Now().After(deadline) {
				break
			}
		}
		if err != nil {
			t.Fatalf("invoke: %v\n%s", err, logs)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var out struct {
			StatusCode int    `json:"statusCode"`
			Body       string `json:"body"`
		}
		if resp.StatusCode != 200 || json.Unmarshal(body, &out) != nil || out.StatusCode != 202 {
			t.Fatalf("invoke: HTTP %d %s\n%s", resp.StatusCode, body, logs)
		}
		var c struct{ Accepted, Rejected int }
		if err := json.Unmarshal([]byte(out.Body), &c); err != nil {
			t.Fatalf("response body %q: %v", out.Body, err)
		}
		return c.Accepted, c.Rejected
	}

	// 300 invocations of 40 lines of about 300 bytes: 3.6 MB, more than
	// the 1.5 MiB the runtime flushes at with 128 MB, so the runtime
	// flushes between invocations and the extension flushes the rest at
	// SHUTDOWN. Every 100th line is malformed (batch).
	const invocations, perInvocation = 300, 40
	pad := strings.Repeat("x", 200)
	accepted, rejected := 0, 0
	for i := range invocations {
		a, r := invoke(functionURLEvent(batch(i*perInvocation, perInvocation, pad), encodings[i%len(encodings)]))
		accepted, rejected = accepted+a, rejected+r
	}
	if accepted+rejected != invocations*perInvocation || rejected == 0 {
		t.Fatalf("accepted %d + rejected %d, want %d lines with some rejected", accepted, rejected, invocations*perInvocation)
	}
	left, _ := filepath.Glob(filepath.Join(spool, "*"))
	if len(left) == 0 {
		t.Fatalf("nothing left in the spool before SHUTDOWN: the extension would have nothing to flush\n%s", logs)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		stopped = true
		if err != nil {
			t.Errorf("emulator: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("the emulator did not exit after SIGTERM\n%s", logs)
	}
	out := logs.String()
	for _, want := range []string{
		"External agent datatap",   // the emulator started /opt/extensions/datatap ...
		"subscribed to [SHUTDOWN]", // ... and it registered for SHUTDOWN
		`"msg":"shutdown: flushing the spool","reason":"SandboxTerminated"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("emulator output lacks %q", want)
		}
	}
	for _, bad := range []string{"did not exit after deadline", "flush incomplete"} {
		if strings.Contains(out, bad) {
			t.Errorf("emulator output has %q", bad)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(spool, "*")); len(left) > 0 {
		t.Errorf("left in the spool after SHUTDOWN: %v", left)
	}
	// The flush metrics (EMF lines) of each side: the runtime flushed
	// between invocations, the extension at SHUTDOWN, and together they
	// took in every line the tap acknowledged.
	rowsIn := map[string]int{}
	for _, l := range strings.Split(out, "\n") {
		var emf struct {
			Mode   string
			RowsIn *int
		}
		if json.Unmarshal([]byte(l), &emf) == nil && emf.RowsIn != nil {
			rowsIn[emf.Mode] += *emf.RowsIn
		}
	}
	if rowsIn["runtime"] == 0 || rowsIn["extension"] == 0 || rowsIn["runtime"]+rowsIn["extension"] != accepted+rejected {
		t.Errorf("lines flushed by mode %v, want both and %d in all", rowsIn, accepted+rejected)
	}

	local := t.TempDir()
	download(t, m, local)
	res, err := duckdb.Run(context.Background(),
		fmt.Sprintf(`SELECT count(*), count(DISTINCT id) FROM read_parquet('%s', union_by_name = true)`,
			filepath.Join(local, "datataps", "**", "*.parquet")),
		fmt.Sprintf(`SELECT count(*), count(DISTINCT line) FROM read_json('%s')`,
			filepath.Join(local, "datataps-errors", "**", "*.ndjson")))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != "" {
			t.Fatalf("%s\n%s", r.Err, out)
		}
	}
	if got, want := fmt.Sprint(res[0].Rows[0]), fmt.Sprintf("[%d %d]", accepted, accepted); got != want {
		t.Errorf("Parquet rows [count distinct-id] = %s, want %s (every accepted line exactly once)", got, want)
	}
	if got, want := fmt.Sprint(res[1].Rows[0]), fmt.Sprintf("[%d %d]", rejected, rejected); got != want {
		t.Errorf("rejected lines [count distinct] = %s, want %s", got, want)
	}
	if t.Failed() {
		t.Logf("emulator output:\n%s", out)
	}
	t.Logf("%d invocations, %d lines accepted, %d rejected, all in MinIO; lines flushed by %v",
		invocations, accepted, rejected, rowsIn)
}
