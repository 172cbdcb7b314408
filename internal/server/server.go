// Package server is `datatap serve`: the tap as a local HTTP server. It
// spools what it accepts, flushes by size and age from a timer, and on
// SIGINT or SIGTERM stops taking requests and flushes everything before it
// exits.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/datatap/datatap/internal/auth"
	"github.com/datatap/datatap/internal/config"
	"github.com/datatap/datatap/internal/flush"
	"github.com/datatap/datatap/internal/ingest"
	"github.com/datatap/datatap/internal/metrics"
	"github.com/datatap/datatap/internal/spool"
)

// Server is a running tap.
type Server struct {
	cfg      config.Config
	gate     auth.Gate
	log      *slog.Logger
	spool    *spool.Spool
	ingester *ingest.Ingester
	flusher  *flush.Flusher
	kick     chan struct{} // asks the flush loop to look now
	slots    chan struct{} // requests being read and ingested; bounds memory
	flushMu  sync.Mutex    // one flush at a time
}

// Options are what the caller adds to the configuration.
type Options struct {
	Version string
	// Listener, when set, is used instead of listening on cfg.Addr (tests).
	Listener net.Listener
	// Ready is called with the address once the server accepts requests.
	Ready func(addr string)
}

// Run serves until ctx is done, then flushes everything and returns.
func Run(ctx context.Context, cfg config.Config, log *slog.Logger, opt Options) error {
	ln := opt.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", cfg.Addr); err != nil {
			return fmt.Errorf("serve: %w", err)
		}
	}
	defer ln.Close()
	gate, authMode, err := cfg.Gate(false, isLoopback(ln.Addr()))
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}

	flusher, err := flush.FromConfig(ctx, cfg, "datatap "+opt.Version)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	flusher.Flushed = func(res flush.Result) { metrics.Log(log, res) }
	sp, err := spool.Open(cfg.SpoolDir, cfg.SpoolHeader(), cfg.SpoolMaxBytes)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	sp.LogForeign(log)
	if cfg.SpoolDirDefault { // segments an older version left in /tmp/datatap itself
		if moved, err := sp.Adopt(config.SpoolRoot); err != nil || len(moved) > 0 {
			log.Info("spool: segments from the old default folder adopted", "from", config.SpoolRoot, "segments", len(moved), "err", err)
		}
	}
	s := &Server{
		gate:  gate,
		cfg:   cfg,
		log:   log,
		spool: sp,
		ingester: ingest.New(cfg.Program, sp, ingest.Limits{
			MaxBodyBytes: cfg.MaxBodyBytes, MaxLineBytes: cfg.MaxLineBytes,
		}),
		flusher: flusher,
		kick:    make(chan struct{}, 1),
		// Each request in flight holds its body and its decompressed copy
		// (up to TAP_MAX_BODY_BYTES each): more at once than cores only
		// costs memory. The others wait for a slot, unread.
		slots: make(chan struct{}, max(2, 2*runtime.GOMAXPROCS(0))),
	}
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	flushCtx, stopFlushing := context.WithCancel(context.Background())
	flushed := make(chan struct{})
	go func() { defer close(flushed); s.flushLoop(flushCtx) }()

	addr := "http://" + ln.Addr().String()
	log.Info("datatap serve: listening", "url", addr, "output", flusher.Sink.String(), "spool", cfg.SpoolDir,
		"auth", authMode, "transform", cfg.Transform)
	if opt.Ready != nil {
		opt.Ready(ln.Addr().String())
	}

	select {
	case <-ctx.Done():
	case err := <-served:
		stopFlushing()
		<-flushed
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("datatap serve: stopping: no new requests, flushing what is spooled")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("datatap serve: requests still open at shutdown", "err", err)
	}
	stopFlushing()
	<-flushed
	if err := s.flushAll(context.Background(), true); err != nil {
		return fmt.Errorf("serve: final flush failed, segments stay in %s for the next start: %w", cfg.SpoolDir, err)
	}
	log.Info("datatap serve: stopped, everything flushed")
	return nil
}

func isLoopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}

// ServeHTTP implements the HTTP contract of DESIGN.md.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := newRequestID()
	w.Header().Set("X-Request-Id", reqID)
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/health":
		st := s.spool.Stats()
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "spool_bytes": st.TotalBytes})
		return
	case r.Method != http.MethodPost:
		w.Header().Set("Allow", "POST")
		writeError(w, http.StatusMethodNotAllowed, "method not allowed: POST NDJSON to this URL", reqID)
		return
	}
	if _, err := s.gate.Allow(auth.Request{Authorization: r.Header.Get("Authorization")}); err != nil {
		status, msg := auth.Status(err)
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", "Bearer")
		}
		writeError(w, status, msg, reqID)
		return
	}
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	case <-r.Context().Done():
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", s.cfg.MaxBodyBytes), reqID)
			return
		}
		writeError(w, http.StatusBadRequest, "could not read the body", reqID)
		return
	}
	counts, err := s.ingester.Ingest(body, r.Header.Get("Content-Encoding"))
	if err != nil {
		status := ingest.Status(err)
		switch status {
		case http.StatusTooManyRequests:
			w.Header().Set("Retry-After", ingest.RetryAfter)
			s.nudge()
		case http.StatusInternalServerError:
			s.log.Error("ingest failed", "request_id", reqID, "err", err)
		}
		writeError(w, status, ingest.Message(err), reqID)
		return
	}
	status := http.StatusAccepted
	if s.cfg.Sync {
		if _, err := s.spool.Seal(); err == nil && s.flushAll(r.Context(), false) == nil {
			status = http.StatusOK
		}
	} else if s.spool.Stats().OpenBytes >= s.cfg.FlushBytes {
		s.nudge()
	}
	writeJSON(w, status, counts)
}

func (s *Server) nudge() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// flushLoop flushes when the open segment is big or old enough, and retries
// sealed segments that failed, backing off while the sink is failing.
func (s *Server) flushLoop(ctx context.Context) {
	tick := min(time.Second, s.cfg.FlushAge/2)
	backoff := time.Duration(0)
	next := time.Now()
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		if time.Now().After(next) {
			if err := s.flushDue(ctx); err != nil && ctx.Err() == nil {
				backoff = min(max(2*backoff, time.Second), time.Minute)
				next = time.Now().Add(backoff)
				s.log.Warn("flush failed; segments kept, will retry", "err", err, "retry_in", backoff)
			} else {
				backoff, next = 0, time.Now()
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.kick:
		}
	}
}

// flushDue seals the open segment when it is due, then flushes every sealed
// segment.
func (s *Server) flushDue(ctx context.Context) error {
	st := s.spool.Stats()
	if st.OpenBytes >= s.cfg.FlushBytes || (st.OpenBytes > 0 && time.Since(st.OpenCreated) >= s.cfg.FlushAge) {
		if _, err := s.spool.Seal(); err != nil {
			return err
		}
	}
	return s.flushAll(ctx, false)
}

// flushAll flushes every sealed segment (after sealing the open one when
// seal is set), oldest first, removing each once stored.
func (s *Server) flushAll(ctx context.Context, seal bool) error {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	if seal {
		if _, err := s.spool.Seal(); err != nil {
			return err
		}
	}
	return s.flusher.All(ctx, s.spool)
}

func newRequestID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

func writeError(w http.ResponseWriter, status int, msg, reqID string) {
	writeJSON(w, status, map[string]string{"error": msg, "requestId": reqID})
}
