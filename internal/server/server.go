// Package server is `datatap serve`: the tap as a local HTTP server. It
// spools what it accepts, flushes by size and age from a timer, and on
// SIGINT or SIGTERM stops taking requests, waits ShutdownWait for those in
// flight and flushes everything before it exits.
//
// Memory is bounded by design: a request reserves its body's size in a
// budget of bytes (bodyBudget) before its body is read, and takes one of a
// few ingest slots only once the body is in; a body that arrives slower than
// BodyMinRate after BodyGrace is cut with 408, so slow senders hold neither
// the slots nor the budget for long.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/datatap/datatap/internal/auth"
	"github.com/datatap/datatap/internal/config"
	"github.com/datatap/datatap/internal/cors"
	"github.com/datatap/datatap/internal/flush"
	"github.com/datatap/datatap/internal/ingest"
	"github.com/datatap/datatap/internal/metrics"
	"github.com/datatap/datatap/internal/spool"
	"github.com/datatap/datatap/internal/tap"
)

// Server is a running tap.
type Server struct {
	tap      *tap.Tap
	cfg      config.Config // the tap's
	log      *slog.Logger
	spool    *spool.Spool      // the tap's
	ingester *ingest.Ingester  // the tap's
	reg      *metrics.Registry // GET /metrics and the live page
	kick     chan struct{}     // asks the flush loop to look now
	budget   *budget           // bytes of request bodies held, being read or ingested
	bounds   bounds
	open     bool // requests need no token: refuse cross-site ones

	// stopping is done once the shutdown wait is over: requests still
	// waiting for the budget give up.
	stopping context.Context
	// handlers counts requests in the handler, so the final flush starts
	// only once every one is out (none is left half-ingested).
	handlerMu sync.Mutex
	closed    bool
	handlers  sync.WaitGroup
	active    atomic.Int64 // the same count, readable
}

// Options are what the caller adds to the configuration.
type Options struct {
	Version string
	// Listener, when set, is used instead of listening on cfg.Addr (tests).
	Listener net.Listener
	// Ready is called with the address once the server accepts requests.
	Ready func(addr string)

	bounds  bounds        // zero: the documented defaults (tests shorten them)
	started func(*Server) // tests: called once the server accepts requests
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
	t, err := tap.Open(ctx, cfg, tap.Options{Mode: tap.Serve, Loopback: isLoopback(ln.Addr()), CreatedBy: "datatap " + opt.Version, Log: log})
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	flusher, sp := t.Flusher(), t.Spool()
	// A misspelled bucket is refused now, not at the first flush (with
	// every row acknowledged by then waiting in the spool).
	if b, ok := flusher.Sink.(interface{ Exists(context.Context) error }); ok {
		if err := b.Exists(ctx); err != nil {
			return fmt.Errorf("serve: TAP_BUCKET: %w", err)
		}
	}
	reg := metrics.NewRegistry(opt.Version, func() int64 { return sp.Stats().TotalBytes })
	flusher.Flushed = func(res flush.Result) {
		metrics.Log(log, res)
		reg.Flushed(res)
	}
	if cfg.SpoolDirDefault { // segments an older version left in /tmp/datatap itself
		if moved, err := sp.Adopt(config.SpoolRoot); err != nil || len(moved) > 0 {
			log.Info("spool: segments from the old default folder adopted", "from", config.SpoolRoot, "segments", len(moved), "err", err)
		}
	}
	stopping, stopAll := context.WithCancel(context.Background())
	defer stopAll()
	bnd := opt.bounds.withDefaults()
	if bnd.budget == 0 {
		bnd.budget = bodyBudget(cfg.MaxBodyBytes, debug.SetMemoryLimit(-1))
	}
	s := &Server{
		tap:      t,
		cfg:      cfg,
		log:      log,
		spool:    sp,
		ingester: t.Ingester(),
		reg:      reg,
		kick:     make(chan struct{}, 1),
		budget:   newBudget(bnd.budget),
		bounds:   bnd,
		open:     t.Open(),
		stopping: stopping,
	}
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		// No ReadTimeout: each body has its own deadline, moved as it
		// arrives (readBody).
		IdleTimeout: 2 * time.Minute,
		ErrorLog:    slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	flushCtx, stopFlushing := context.WithCancel(context.Background())
	flushed := make(chan struct{})
	go func() { defer close(flushed); s.flushLoop(flushCtx) }()

	addr := "http://" + ln.Addr().String()
	log.Info("datatap serve: listening", "url", addr, "output", flusher.Sink.String(), "spool", cfg.SpoolDir,
		"auth", t.AuthMode(), "cors", cfg.CORS.String(), "transform", cfg.Transform, "body_budget", bnd.budget, "ingest_slots", t.Slots())
	for _, w := range cfg.Warnings() {
		log.Warn(w)
	}
	if s.open && cfg.CORS.String() == "*" {
		log.Warn("TAP_CORS_ORIGINS=* on a tap that takes requests without a token: browsers get their preflight answered, " +
			"but posts from web pages are still refused; list the pages' origins by name to let them send")
	}
	if opt.Ready != nil {
		opt.Ready(ln.Addr().String())
	}
	if opt.started != nil {
		opt.started(s)
	}

	select {
	case <-ctx.Done():
	case err := <-served:
		stopFlushing()
		<-flushed
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("datatap serve: stopping: no new requests, waiting for those in flight", "wait", bnd.shutdownWait)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), bnd.shutdownWait)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		// Cut them: closing a connection fails its body's read, so the
		// request gets no answer and none of its lines counts as accepted.
		log.Warn("datatap serve: requests still open after the shutdown wait are cut, unanswered", "wait", bnd.shutdownWait)
		srv.Close()
	}
	stopAll()
	s.drain()
	stopFlushing()
	<-flushed
	if err := t.Flush(context.Background()); err != nil {
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
	if s.cfg.CORS != nil && s.answerCORS(w, r, reqID) {
		return
	}
	if !s.enter() {
		w.Header().Set("Connection", "close")
		writeError(w, http.StatusServiceUnavailable, "stopping", reqID)
		return
	}
	defer s.leave()
	// Until readBody moves it: bounds what the server reads of a body this
	// handler leaves unread.
	http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.bounds.grace))
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		switch r.URL.Path {
		case "/", "/metrics", "/stats":
			s.serveLive(w, r, reqID)
			return
		}
	}
	// Requests to ingest are counted by their answer.
	rec := &recorder{ResponseWriter: w}
	defer func() {
		if rec.status != 0 { // 0: the sender left before an answer
			s.reg.Request(rec.status, rec.bodyBytes, rec.counts)
		}
	}()
	w = rec
	req := &tap.Request{
		Method: r.Method, Path: r.URL.Path, RequestID: reqID, ContentEncoding: r.Header.Get("Content-Encoding"),
		Auth:              auth.Request{Authorization: r.Header.Get("Authorization")},
		FirehoseRequestID: r.Header.Get(ingest.FirehoseRequestIDHeader), FirehoseAccessKey: r.Header.Get(ingest.FirehoseAccessKeyHeader),
		CORS: cors.Request{
			Method: r.Method, Origin: r.Header.Get("Origin"),
			RequestMethod:         r.Header.Get("Access-Control-Request-Method"),
			RequestPrivateNetwork: r.Header.Get("Access-Control-Request-Private-Network"),
		},
	}
	if s.open {
		req.CrossSite = crossSite(r, s.cfg.CORS)
	}
	var resp tap.Response
	if !s.tap.Admit(req, &resp) {
		writeResponse(w, &resp)
		return
	}
	body, release, herr := s.readBody(w, r)
	if herr != nil {
		if resp.Firehose {
			s.tap.FirehoseError(req, &resp, herr.status, herr.msg)
		} else {
			s.tap.Fail(req, &resp, herr.status, herr.msg)
		}
		writeResponse(w, &resp)
		return
	}
	rec.bodyBytes = int64(len(body))
	req.Body = body
	if resp.Firehose {
		if r.Context().Err() == nil {
			s.tap.Firehose(req, &resp)
		}
	} else {
		s.tap.Ingest(r.Context(), req, &resp)
	}
	release()
	rec.counts = resp.Counts
	if resp.Status == 0 {
		return // the connection is gone: nobody to answer, nothing ingested
	}
	switch {
	case resp.Status == http.StatusTooManyRequests:
		s.nudge()
	case resp.Err != nil && resp.Firehose:
		s.log.Error("firehose: ingest failed", "request_id", reqID, "firehose_request_id", req.FirehoseRequestID, "err", resp.Err)
	case resp.Err != nil && resp.Status == http.StatusInternalServerError:
		s.log.Error("ingest failed", "request_id", reqID, "err", resp.Err)
	case resp.Status == http.StatusAccepted || resp.Firehose && resp.Status == http.StatusOK:
		if s.tap.Due() {
			s.nudge()
		}
	}
	writeResponse(w, &resp)
}

// writeResponse writes the contract's answer; JSON bodies end with a
// newline, for terminals (curl).
func writeResponse(w http.ResponseWriter, resp *tap.Response) {
	h := w.Header()
	for _, x := range resp.CORS {
		h.Set(x.Name, x.Value)
	}
	for _, x := range resp.Headers {
		h.Set(x.Name, x.Value)
	}
	if resp.Body == nil {
		w.WriteHeader(resp.Status)
		return
	}
	h.Set("Content-Type", "application/json")
	body := resp.Body
	if !resp.Firehose {
		body = append(body, '\n')
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(resp.Status)
	w.Write(body)
}

// answerCORS sets the CORS headers of this request's answer, whatever it
// will be, and answers a preflight or a request from an origin that is not
// allowed, reporting whether it did.
func (s *Server) answerCORS(w http.ResponseWriter, r *http.Request, reqID string) bool {
	origin := r.Header.Get("Origin")
	a := s.cfg.CORS.Check(cors.Request{
		Method: r.Method, Origin: origin,
		RequestMethod:         r.Header.Get("Access-Control-Request-Method"),
		RequestPrivateNetwork: r.Header.Get("Access-Control-Request-Private-Network"),
	})
	h := w.Header()
	for _, x := range a.Headers {
		h.Set(x.Name, x.Value)
	}
	switch {
	case a.Preflight && a.Status == http.StatusNoContent:
		w.WriteHeader(http.StatusNoContent)
		return true
	case a.Preflight || a.Refused:
		writeError(w, http.StatusForbidden, cors.Message(origin), reqID)
		return true
	}
	return false
}

// enter counts a request in, unless the server has stopped taking them.
func (s *Server) enter() bool {
	s.handlerMu.Lock()
	defer s.handlerMu.Unlock()
	if s.closed {
		return false
	}
	s.handlers.Add(1)
	s.active.Add(1)
	return true
}

func (s *Server) leave() {
	s.active.Add(-1)
	s.handlers.Done()
}

// drain stops taking requests and waits for those in a handler to leave.
func (s *Server) drain() {
	s.handlerMu.Lock()
	s.closed = true
	s.handlerMu.Unlock()
	s.handlers.Wait()
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
			if err := s.tap.FlushDue(ctx); err != nil && ctx.Err() == nil {
				backoff = min(max(2*backoff, time.Second), time.Minute)
				next = time.Now().Add(backoff)
				s.log.Warn("flush failed; segments kept, will retry", "err", err, "retry_in", backoff)
				s.reg.FlushFailed(err)
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
