package e2e

// Fault tests: real datatap child processes, a real MinIO, crashes at random
// moments, and an exact reconciliation at the end of each (see reconcile).
// They are slow, so they run only with DATATAP_FAULTS=1:
//
//	DATATAP_FAULTS=1 DATATAP_REQUIRE_MINIO=1 DATATAP_REQUIRE_DUCKDB=1 \
//		go test ./e2e -run Fault -v -timeout 15m

import (
	"context"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/datatap/datatap/internal/testenv"
)

// Lines per request: 7,500 generated lines are about 1 MB.
const mbLines = 7500

// TestFaultSIGKILLDuringAppend kills the server while four senders post 1 MB
// requests, restarts it on the same spool, resends nothing, stops it with
// SIGTERM and reconciles. Five rounds with different kill times.
func TestFaultSIGKILLDuringAppend(t *testing.T) {
	requireFaults(t)
	for round := 0; round < 5; round++ {
		minio := startFaultMinIO(t)
		spool := t.TempDir()
		var logs testenv.SyncBuffer
		l := newLedger()
		tp := startTap(t, minio.Server, "", spool, &logs)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { pump(ctx, tp.url, l, 4, mbLines, false); close(done) }()
		killAt := time.Duration(200+rand.IntN(1800)) * time.Millisecond
		time.Sleep(killAt)
		tp.kill()
		cancel()
		<-done
		left := len(spoolFiles(spool))
		tp = startTap(t, minio.Server, "", spool, &logs)
		tp.term(2 * time.Minute)
		if left := spoolFiles(spool); len(left) > 0 {
			t.Errorf("segments left after SIGTERM: %v", left)
		}
		t.Logf("round %d: killed after %v with %d spool files", round, killAt, left)
		reconcile(t, minio.Server, l)
		minio.stop(syscall.SIGTERM)
		if t.Failed() {
			t.Logf("serve logs:\n%s", tail(logs.String(), 4000))
			return
		}
	}
}

// TestFaultSIGKILLDuringFlush flushes constantly (256 KiB segments) and
// kills the server while a sealed segment is in the spool, i.e. during a
// flush; the restart uploads it again to the same keys.
func TestFaultSIGKILLDuringFlush(t *testing.T) {
	requireFaults(t)
	for round := 0; round < 3; round++ {
		minio := startFaultMinIO(t)
		spool := t.TempDir()
		var logs testenv.SyncBuffer
		l := newLedger()
		extra := []string{"TAP_FLUSH_BYTES=256KiB"}
		tp := startTap(t, minio.Server, "", spool, &logs, extra...)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { pump(ctx, tp.url, l, 2, 2000, false); close(done) }()
		time.Sleep(time.Duration(300+rand.IntN(700)) * time.Millisecond)
		var sealed []string
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			if sealed, _ = filepath.Glob(filepath.Join(spool, "*.seg")); len(sealed) > 0 {
				break
			}
		}
		if len(sealed) == 0 {
			t.Fatalf("no flush seen within 10s\n%s", tail(logs.String(), 3000))
		}
		time.Sleep(time.Duration(rand.IntN(30)) * time.Millisecond)
		tp.kill()
		cancel()
		<-done
		tp = startTap(t, minio.Server, "", spool, &logs, extra...)
		tp.term(2 * time.Minute)
		if left := spoolFiles(spool); len(left) > 0 {
			t.Errorf("segments left after SIGTERM: %v", left)
		}
		t.Logf("round %d: killed with %d sealed segments in the spool", round, len(sealed))
		reconcile(t, minio.Server, l)
		minio.stop(syscall.SIGTERM)
		if t.Failed() {
			t.Logf("serve logs:\n%s", tail(logs.String(), 4000))
			return
		}
	}
}

// TestFaultSIGTERMRandom stops the server with SIGTERM at a random moment,
// 50 times, on the same spool; then once more to flush what is left.
func TestFaultSIGTERMRandom(t *testing.T) {
	requireFaults(t)
	minio := startFaultMinIO(t)
	spool := t.TempDir()
	var logs testenv.SyncBuffer
	l := newLedger()
	start := time.Now()
	for run := 0; run < 50; run++ {
		tp := startTap(t, minio.Server, "", spool, &logs)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { pump(ctx, tp.url, l, 2, 1000, false); close(done) }()
		time.Sleep(time.Duration(50+rand.IntN(450)) * time.Millisecond)
		tp.term(time.Minute)
		cancel()
		<-done
		if t.Failed() {
			return
		}
	}
	tp := startTap(t, minio.Server, "", spool, &logs)
	tp.term(time.Minute)
	if left := spoolFiles(spool); len(left) > 0 {
		t.Errorf("segments left after SIGTERM: %v", left)
	}
	t.Logf("50 runs in %v", time.Since(start).Round(time.Millisecond))
	reconcile(t, minio.Server, l)
}

// TestFaultMinIODown kills MinIO while the tap receives and flushes; the tap
// keeps accepting into the spool (202, or 429 when full); MinIO comes back on
// the same address and data; the spool drains; everything lands once.
func TestFaultMinIODown(t *testing.T) {
	requireFaults(t)
	minio := startFaultMinIO(t)
	spool := t.TempDir()
	var logs testenv.SyncBuffer
	l := newLedger()
	tp := startTap(t, minio.Server, "", spool, &logs, "TAP_FLUSH_BYTES=1MiB", "TAP_SPOOL_MAX_BYTES=16MiB")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { pump(ctx, tp.url, l, 2, 2000, true); close(done) }()
	time.Sleep(1500 * time.Millisecond)
	minio.stop(syscall.SIGKILL)
	downAt := time.Now()
	before := l.summary()[acked]
	time.Sleep(4 * time.Second)
	during := l.summary()[acked] - before
	minio.start()
	t.Logf("MinIO down for %v; %d requests acknowledged meanwhile; %d spool files", time.Since(downAt).Round(time.Millisecond), during, len(spoolFiles(spool)))
	if during == 0 {
		t.Errorf("the tap acknowledged nothing while MinIO was down")
	}
	time.Sleep(time.Second)
	cancel()
	<-done
	drained := time.Now()
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		if seg, _ := filepath.Glob(filepath.Join(spool, "*.seg")); len(seg) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("spool not drained 2 minutes after MinIO came back: %v\n%s", spoolFiles(spool), tail(logs.String(), 4000))
		}
	}
	t.Logf("sealed segments drained %v after the senders stopped", time.Since(drained).Round(time.Millisecond))
	tp.term(2 * time.Minute)
	if left := spoolFiles(spool); len(left) > 0 {
		t.Errorf("segments left after SIGTERM: %v", left)
	}
	reconcile(t, minio.Server, l)
	if t.Failed() {
		t.Logf("serve logs:\n%s", tail(logs.String(), 4000))
	}
}

// TestFaultSlowS3 puts a proxy between the tap and MinIO that answers 503 to
// the first requests and delays every third one by 3 s.
func TestFaultSlowS3(t *testing.T) {
	requireFaults(t)
	minio := startFaultMinIO(t)
	target, _ := url.Parse(minio.Endpoint)
	rp := httputil.NewSingleHostReverseProxy(target)
	var n, failed, delayed atomic.Int64
	proxy := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1)
		if i <= 8 {
			failed.Add(1)
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>proxy says slow down</Message></Error>`))
			return
		}
		if i%3 == 0 {
			delayed.Add(1)
			time.Sleep(3 * time.Second)
		}
		rp.ServeHTTP(w, r)
	})}
	addr := freeAddr(t)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	go proxy.Serve(ln)
	t.Cleanup(func() { proxy.Close() })
	spool := t.TempDir()
	var logs testenv.SyncBuffer
	l := newLedger()
	tp := startTap(t, minio.Server, "http://"+addr, spool, &logs, "TAP_FLUSH_BYTES=1MiB")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	pump(ctx, tp.url, l, 2, 2000, false)
	cancel()
	start := time.Now()
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		if seg, _ := filepath.Glob(filepath.Join(spool, "*.seg")); len(seg) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("spool not drained within 2 minutes through the slow proxy\n%s", tail(logs.String(), 4000))
		}
	}
	t.Logf("sealed segments drained %v after the senders stopped", time.Since(start).Round(time.Millisecond))
	tp.term(2 * time.Minute)
	t.Logf("proxy: %d requests, %d answered 503, %d delayed 3s; drained+stopped in %v",
		n.Load(), failed.Load(), delayed.Load(), time.Since(start).Round(time.Millisecond))
	if left := spoolFiles(spool); len(left) > 0 {
		t.Errorf("segments left after SIGTERM: %v", left)
	}
	reconcile(t, minio.Server, l)
	if t.Failed() {
		t.Logf("serve logs:\n%s", tail(logs.String(), 4000))
	}
}

// TestFaultDiskFull fills a 2 MiB spool while MinIO is down: the tap answers
// 429 with Retry-After and corrupts nothing; after MinIO returns everything
// acknowledged lands exactly once.
func TestFaultDiskFull(t *testing.T) {
	requireFaults(t)
	minio := startFaultMinIO(t)
	minio.stop(syscall.SIGKILL)
	spool := t.TempDir()
	var logs testenv.SyncBuffer
	l := newLedger()
	tp := startTap(t, minio.Server, "", spool, &logs, "TAP_FLUSH_BYTES=512KiB", "TAP_SPOOL_MAX_BYTES=2MiB")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	pump(ctx, tp.url, l, 2, 1000, false)
	cancel()
	st := l.statusCopy()
	if st[http.StatusTooManyRequests] == 0 {
		t.Errorf("no 429 with a full 2 MiB spool and MinIO down: statuses %v", st)
	}
	var size int64
	for _, f := range spoolFiles(spool) {
		if fi, err := os.Stat(f); err == nil {
			size += fi.Size()
		}
	}
	t.Logf("MinIO down: statuses %v, spool %d bytes in %d files", st, size, len(spoolFiles(spool)))
	if size > 4<<20 {
		t.Errorf("spool holds %d bytes, far over TAP_SPOOL_MAX_BYTES=2MiB", size)
	}
	minio.start()
	start := time.Now()
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		if seg, _ := filepath.Glob(filepath.Join(spool, "*.seg")); len(seg) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("spool not drained within 2 minutes of MinIO's return\n%s", tail(logs.String(), 4000))
		}
	}
	t.Logf("drained %v after MinIO came back", time.Since(start).Round(time.Millisecond))
	// The spool has room again: a request is accepted.
	ctx, cancel = context.WithTimeout(context.Background(), 2*time.Second)
	pump(ctx, tp.url, l, 1, 1000, false)
	cancel()
	tp.term(2 * time.Minute)
	reconcile(t, minio.Server, l)
	if t.Failed() {
		t.Logf("serve logs:\n%s", tail(logs.String(), 4000))
	}
}
