// Package ext is the tap as an external Lambda extension: the same binary,
// started by Lambda from /opt/extensions/ (a layer). It registers for the
// SHUTDOWN event only (every subscribed INVOKE would cost latency), waits,
// and when the execution environment shuts down it flushes every segment
// left in the spool before the deadline Lambda gives (about 2 s), so that
// what the runtime accepted is not lost with /tmp.
//
// The runtime gets SIGTERM before the extension gets SHUTDOWN; it exits at
// once and leaves its segment consistent on disk. The spool's locks make sure
// the two processes never flush the same segment at the same time.
//
// api.go is its client of the Extensions API; the loop (Run) and the flush
// (shutdown) are here.
package ext

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/datatap/datatap/internal/config"
	"github.com/datatap/datatap/internal/flush"
	"github.com/datatap/datatap/internal/metrics"
	"github.com/datatap/datatap/internal/spool"
	"github.com/datatap/datatap/internal/tap"
)

// safety is kept between the end of the flush and Lambda's deadline, for the
// process to stop its uploads and exit before it is killed: at a 128 MB
// function's CPU share a throttled process can wait a whole 100 ms CFS
// period before it runs again.
const safety = 250 * time.Millisecond

// Run registers the extension named name with the Extensions API at apiAddr
// and serves until SHUTDOWN.
func Run(ctx context.Context, apiAddr, name, version string, log *slog.Logger) error {
	x, err := register(ctx, apiAddr, name, "SHUTDOWN")
	if err != nil {
		return err
	}
	cfg, _, err := config.LoadMode(config.ModeExtension, os.LookupEnv)
	var t *tap.Tap
	if err == nil {
		t, err = tap.Open(ctx, cfg, tap.Options{Mode: tap.Extension, CreatedBy: "datatap " + version, Log: log})
	}
	if err != nil {
		x.initError(ctx, apiError{Type: "Extension.ConfigError", Message: err.Error()})
		return fmt.Errorf("extension: %w", err)
	}
	emf := metrics.Lambda{W: os.Stdout, Log: log, Mode: "extension", Function: cfg.LambdaFunction}
	t.Flusher().Flushed = emf.Flushed
	log.Info("datatap extension registered", "name", name, "spool", cfg.SpoolDir, "output", t.Output())
	for {
		ev, err := x.next(ctx)
		if err != nil {
			return fmt.Errorf("extension: %w", err)
		}
		if ev.EventType != "SHUTDOWN" {
			continue
		}
		return shutdown(ev, t.Spool(), t.Flusher(), log, emf)
	}
}

// shutdown flushes everything before the event's deadline.
// It takes the tap's spool and flusher (tests give their own).
func shutdown(ev event, sp *spool.Spool, flusher *flush.Flusher, log *slog.Logger, emf metrics.Lambda) error {
	start := time.Now()
	deadline := ev.deadline().Add(-safety)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	log.Info("shutdown: flushing the spool", "reason", ev.ShutdownReason, "deadline_in_ms", time.Until(ev.deadline()).Milliseconds())
	// The runtime got SIGTERM first and normally has exited; if it still
	// holds its open segment, wait for it a little, not past half the time.
	busy, err := sp.RecoverOpen(time.Until(deadline) / 2)
	if err != nil {
		log.Error("shutdown: recovering open segments", "err", err)
	}
	if len(busy) > 0 {
		log.Error("shutdown: segments still held by another process", "segments", busy)
	}
	sp.LogForeign(log)
	// All stops before the deadline (ctx), between segments or by
	// cancelling the uploads in flight, and says what it left.
	if err := flusher.All(ctx, sp); err != nil {
		attrs := []any{"err", err, "elapsed_ms", time.Since(start).Milliseconds()}
		var inc *flush.Incomplete
		if errors.As(err, &inc) {
			attrs = append(attrs, "segments_left", inc.Segments, "bytes_left", inc.Bytes)
			emf.Lost(time.Now(), inc.Segments, inc.Bytes)
		}
		emf.FlushFailed(time.Now())
		log.Error("shutdown: flush incomplete; rows left in the spool are lost with the environment", attrs...)
		return err
	}
	log.Info("shutdown: spool flushed", "elapsed_ms", time.Since(start).Milliseconds())
	return nil
}
