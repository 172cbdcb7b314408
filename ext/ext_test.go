package ext

import (
	"github.com/datatap/datatap/internal/testenv/fixture"

	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/datatap/datatap/internal/flush"
	"github.com/datatap/datatap/internal/metrics"
	"github.com/datatap/datatap/internal/sink/dir"
	"github.com/datatap/datatap/internal/spool"
	"github.com/datatap/datatap/transform"
)

// blockingSink stores nothing: every Put waits for its context to end.
type blockingSink struct{}

func (blockingSink) String() string { return "blocking" }
func (blockingSink) Put(ctx context.Context, _ string, _ io.ReadSeeker, _ int64) error {
	<-ctx.Done()
	return ctx.Err()
}

// spoolWith returns a spool holding one sealed segment of n partitions.
func spoolWith(t *testing.T, n int) *spool.Spool {
	t.Helper()
	prog, err := transform.Compile("SELECT * PARTITION BY k")
	if err != nil {
		t.Fatal(err)
	}
	sp, err := spool.Open(t.TempDir(), spool.HeaderFor(prog), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	fixture.Segment(t, sp, prog, partitionLines(n)...)
	return sp
}

// partitionLines returns n lines, each of its own value of k.
func partitionLines(n int) []string {
	lines := make([]string, n)
	for i := range lines {
		lines[i] = fmt.Sprintf(`{"k":%d}`, i)
	}
	return lines
}

func shutdownEvent(in time.Duration) event {
	return event{EventType: "SHUTDOWN", ShutdownReason: "spindown", DeadlineMs: time.Now().Add(in).UnixMilli()}
}

func TestShutdownStopsBeforeTheDeadline(t *testing.T) {
	sp := spoolWith(t, 20)
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	f := &flush.Flusher{Sink: blockingSink{}, Prefix: "p/", ErrorsPrefix: "e/", TempDir: sp.Dir(), Log: log}
	ev := shutdownEvent(400 * time.Millisecond)
	var emf bytes.Buffer
	err := shutdown(ev, sp, f, log, metrics.Lambda{W: &emf, Mode: "extension", Function: "fn"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("shutdown: %v, want the deadline (Lambda's less the safety margin)", err)
	}
	if s, _ := sp.Sealed(); len(s) != 1 {
		t.Errorf("spool %v, want the segment kept", s)
	}
	if !strings.Contains(logs.String(), `"segments_left":1`) {
		t.Errorf("log does not say what is left:\n%s", logs.String())
	}
	// The alarms' metrics: what was lost, and a failed flush.
	if !strings.Contains(emf.String(), `"SegmentsLost":1`) || !strings.Contains(emf.String(), `"FlushFailures":1`) || !strings.Contains(emf.String(), `"Function":"fn"`) {
		t.Errorf("EMF lines:\n%s", emf.String())
	}
}

func TestShutdownFlushes(t *testing.T) {
	sp := spoolWith(t, 20)
	sk, err := dir.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var res []flush.Result
	f := &flush.Flusher{Sink: sk, Prefix: "p/", ErrorsPrefix: "e/", TempDir: sp.Dir(), Flushed: func(r flush.Result) { res = append(res, r) }}
	if err := shutdown(shutdownEvent(time.Minute), sp, f, log, metrics.Lambda{W: io.Discard}); err != nil {
		t.Fatal(err)
	}
	if s, _ := sp.Sealed(); len(s) != 0 || len(res) != 1 || len(res[0].Objects) != 20 {
		t.Errorf("spool %v, results %+v", s, res)
	}
}
