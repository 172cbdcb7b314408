package e2e

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The real binary with eight slow bodies open (headers sent, a few bytes of
// a 6 MB body, then nothing): other senders are served, and SIGTERM exits
// within the documented shutdown wait (5 s) plus the flush, having flushed
// every acknowledged line. Before, four such bodies took every ingest slot,
// and SIGTERM waited 30 s for them.
func TestServeSlowBodiesAndSIGTERM(t *testing.T) {
	const shutdownWait = 5 * time.Second // server.ShutdownWait, as serve -h documents it
	out := filepath.Join(t.TempDir(), "data")
	s := startServe(t, "TAP_DIR="+out, "TAP_SPOOL_DIR="+filepath.Join(t.TempDir(), "spool"), "TAP_FLUSH_AGE=1h")
	addr := strings.TrimSuffix(strings.TrimPrefix(s.URL, "http://"), "/")
	for i := range 8 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		head := fmt.Sprintf("POST / HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n{\"id\"", addr, 6_000_000)
		if i%2 == 1 {
			head = fmt.Sprintf("POST / HTTP/1.1\r\nHost: %s\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"id\"\r\n", addr)
		}
		if _, err := c.Write([]byte(head)); err != nil {
			t.Fatal(err)
		}
	}
	client := &http.Client{Timeout: time.Minute}
	sent := 0
	for r := range 10 {
		var body bytes.Buffer
		for i := range 100 {
			fmt.Fprintf(&body, `{"id":%d}`+"\n", r*100+i)
		}
		resp, err := client.Post(s.URL, "application/x-ndjson", &body)
		if err != nil {
			t.Fatalf("request %d with slow bodies open: %v", r, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("request %d with slow bodies open: %d, want 202", r, resp.StatusCode)
		}
		sent += 100
	}
	began := time.Now()
	s.Stop(t, 4*shutdownWait)
	t.Logf("exited %s after SIGTERM with 8 slow bodies open", time.Since(began).Round(time.Millisecond))
	if rows := parquetRows(t, out); rows != int64(sent) {
		t.Errorf("%d rows flushed, want the %d acknowledged", rows, sent)
	}
}
