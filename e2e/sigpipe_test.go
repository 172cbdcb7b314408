package e2e

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/datatap/datatap/internal/testenv"

	"github.com/parquet-go/parquet-go"
)

// `datatap serve 2>&1 | tee log`, then Ctrl-C: tee dies first, and the tap's
// next log line goes to a pipe nobody reads. Go kills a process that writes
// to a broken pipe on standard output or error with SIGPIPE unless it
// ignores it; the tap must ignore it, log nothing more, and still flush
// everything it acknowledged before it exits.
func TestClosedLogPipeDoesNotCostTheFlush(t *testing.T) {
	bin := testenv.Binary(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "data")
	addr := freeAddr(t)
	logR, logW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "TAP_ADDR="+addr, "TAP_DIR="+out, "TAP_SPOOL_DIR="+filepath.Join(dir, "spool"),
		"TAP_TRANSFORM=SELECT id", "TAP_FLUSH_AGE=1h")
	cmd.Stdout, cmd.Stderr = logW, logW
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logW.Close()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	done := false
	defer func() {
		if !done {
			cmd.Process.Kill()
			<-exited
		}
	}()
	logs := &testenv.SyncBuffer{}
	copied := make(chan struct{})
	go func() { io.Copy(logs, logR); close(copied) }()
	waitHealthy(t, "http://"+addr+"/health", logs)

	var body bytes.Buffer
	for i := range 500 {
		fmt.Fprintf(&body, `{"id":%d}`+"\n", i)
	}
	resp, err := http.Post("http://"+addr+"/", "application/x-ndjson", &body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("post: %d", resp.StatusCode)
	}

	logR.Close() // tee is gone
	<-copied
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		done = true
		if err != nil {
			t.Fatalf("serve exited with %v after its log pipe closed (%s)\n%s", err, cmd.ProcessState, logs.String())
		}
	case <-time.After(time.Minute):
		t.Fatalf("serve did not exit within a minute of SIGTERM\n%s", logs.String())
	}

	if rows := parquetRows(t, out); rows != 500 {
		t.Errorf("%d rows flushed, want the 500 acknowledged", rows)
	}
}

// parquetRows is the number of rows in the Parquet files under dir.
func parquetRows(t *testing.T, dir string) int64 {
	t.Helper()
	rows := int64(0)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".parquet") {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		st, _ := f.Stat()
		pf, err := parquet.OpenFile(f, st.Size())
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		rows += pf.NumRows()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
