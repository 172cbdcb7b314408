// Package lambda is the tap as an AWS Lambda custom runtime: the invoke loop
// over the Runtime API, Function URL, Kinesis, SQS and CloudWatch Logs
// events (Firehose delivery comes through the Function URL), and the flush
// that follows the response within the same invocation.
package lambda

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"time"

	"github.com/datatap/datatap/internal/auth"
	"github.com/datatap/datatap/internal/config"
	"github.com/datatap/datatap/internal/cors"
	"github.com/datatap/datatap/internal/flush"
	"github.com/datatap/datatap/internal/ingest"
	"github.com/datatap/datatap/internal/metrics"
	"github.com/datatap/datatap/internal/secrets"
	"github.com/datatap/datatap/internal/spool"
)

// Runtime is the invoke loop's state.
type Runtime struct {
	api      *runtimeAPI
	cfg      config.Config
	log      *slog.Logger
	spool    *spool.Spool
	ingester *ingest.Ingester
	flusher  *flush.Flusher
	emf      metrics.Lambda
	gate     auth.Gate
	authMode string
	dec      decoder
	out      []byte
	pending  bool // sealed segments may be waiting (leftovers, failed flushes)
}

// Run starts the runtime: it reads the configuration (a bad one is reported
// through init/error, and Run returns), then handles invocations until ctx
// ends (SIGTERM), when it returns at once: what is spooled stays consistent
// on disk for the extension to flush.
func Run(ctx context.Context, apiAddr, version string, log *slog.Logger) error {
	api := newRuntimeAPI(apiAddr)
	if n := config.TapEnvironmentBytes(); n > config.LambdaEnvWarn {
		log.Warn("the TAP_* variables are close to Lambda's 4 KB limit for all environment variables; "+
			"move TAP_JWT_KEYS to TAP_JWT_KEYS_ARN or TAP_JWT_KEYS_PARAMETER (README, Deploy)", "bytes", n, "limit", config.LambdaEnvLimit)
	}
	cfg, err := config.FromEnv()
	if err == nil && cfg.HasSecretSources() {
		err = cfg.ResolveSecrets(ctx, secrets.New()) // once: an environment lives for many invocations
	}
	var r *Runtime
	if err == nil {
		r, err = New(ctx, cfg, version, log)
	} else {
		err = fmt.Errorf("bad configuration: %w", err)
	}
	if err != nil {
		log.Error("init failed", "err", err)
		if perr := api.InitError(ctx, apiError{Type: "Runtime.ConfigError", Message: err.Error()}); perr != nil {
			log.Error("could not report the init error", "err", perr)
		}
		return err
	}
	r.api = api
	log.Info("datatap runtime ready", "output", r.flusher.Sink.String(), "spool", r.cfg.SpoolDir, "auth", r.authMode, "cors", r.cfg.CORS.String(), "version", version)
	for {
		inv, err := api.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				log.Info("datatap runtime stopping (SIGTERM); spooled rows stay for the extension")
				return nil
			}
			return err
		}
		r.invoke(ctx, inv)
		r.flushAfter(ctx, inv.Deadline)
	}
}

// New builds the runtime's state from a configuration: auth, sink, spool.
// Run uses it; benchmarks call Handle on it directly.
func New(ctx context.Context, cfg config.Config, version string, log *slog.Logger) (*Runtime, error) {
	gate, authMode, err := cfg.Gate(true, false)
	if err != nil {
		return nil, err
	}
	// What is left in the spool at shutdown must fit the extension's 2 s,
	// and the CPU a function gets grows with its memory: at 128 MB the
	// defaults (10 MiB, 1,000 partition values) do not fit. Lower the
	// defaults; warn about settings.
	for _, w := range cfg.Warnings() {
		log.Warn(w)
	}
	fitShutdown(log, "TAP_FLUSH_BYTES", &cfg.FlushBytes, cfg.ShutdownSafeFlushBytes(), cfg.FlushBytesSet, cfg.LambdaMemoryMB)
	fitShutdown(log, "TAP_FLUSH_PARTITIONS", &cfg.FlushPartitions, cfg.ShutdownSafeFlushPartitions(), cfg.FlushPartitionsSet, cfg.LambdaMemoryMB)
	if cfg.Bucket == "" {
		return nil, errors.New("TAP_BUCKET: must be set on Lambda (only /tmp is writable, and it dies with the environment)")
	}
	flusher, err := flush.FromConfig(ctx, cfg, "datatap "+version)
	if err != nil {
		return nil, err
	}
	emf := metrics.Lambda{W: os.Stdout, Log: log, Mode: "runtime", Function: cfg.LambdaFunction}
	flusher.Flushed = emf.Flushed
	sp, err := spool.Open(cfg.SpoolDir, cfg.SpoolHeader(), cfg.SpoolMaxBytes)
	if err != nil {
		return nil, err
	}
	sp.LogForeign(log)
	r := &Runtime{
		cfg:      cfg,
		log:      log,
		spool:    sp,
		ingester: ingest.New(cfg.Program, sp, ingest.Limits{MaxBodyBytes: cfg.MaxBodyBytes, MaxLineBytes: cfg.MaxLineBytes}, ingest.ShapesOf(cfg)),
		flusher:  flusher,
		emf:      emf,
		gate:     gate,
		authMode: authMode,
		dec:      decoder{cors: cfg.CORS != nil},
		pending:  true,
	}
	r.dec.maxBody = cfg.MaxBodyBytes
	return r, nil
}

// invoke handles one invocation and posts its response. A panic becomes an
// error response: the process lives on for the next invocation.
func (r *Runtime) invoke(ctx context.Context, inv *invocation) {
	os.Setenv("_X_AMZN_TRACE_ID", inv.TraceID)
	log := r.log.With("request_id", inv.RequestID)
	if inv.Deadline.IsZero() {
		// Without it every context would be expired already: the event is
		// not handled, and Lambda is told why.
		e := apiError{Type: "Runtime.InvalidDeadline", Message: "no valid " + headerDeadline + " header on the invocation"}
		log.Error("invocation without a deadline", "err", e.Message)
		if perr := r.api.Fail(ctx, inv.RequestID, e); perr != nil {
			log.Error("could not post the invocation error", "err", perr)
		}
		return
	}
	ictx, cancel := context.WithDeadline(ctx, inv.Deadline)
	defer cancel()
	resp, err := r.safeHandle(ictx, log, inv)
	if err != nil {
		e := apiError{Type: "InvalidEvent", Message: err.Error()}
		var p panicError
		if errors.As(err, &p) {
			e = apiError{Type: "Runtime.Panic", Message: "internal error"}
			log.Error("panic", "panic", p.value, "stack", string(p.stack))
		}
		if perr := r.api.Fail(ctx, inv.RequestID, e); perr != nil {
			log.Error("could not post the invocation error", "err", perr)
		}
		return
	}
	if perr := r.api.Respond(ctx, inv.RequestID, resp); perr != nil {
		log.Error("could not post the response", "err", perr)
	}
}

type panicError struct {
	value any
	stack []byte
}

func (p panicError) Error() string { return fmt.Sprint("panic: ", p.value) }

func (r *Runtime) safeHandle(ctx context.Context, log *slog.Logger, inv *invocation) (resp []byte, err error) {
	defer func() {
		if v := recover(); v != nil {
			resp, err = nil, panicError{value: v, stack: debug.Stack()}
		}
	}()
	return r.handle(ctx, log, inv)
}

// Handle handles one event payload, as an invocation does minus the Runtime
// API: decode, authenticate, spool. The response is valid until the next
// call. It does not flush.
func (r *Runtime) Handle(ctx context.Context, payload []byte) ([]byte, error) {
	return r.handle(ctx, r.log, &invocation{Payload: payload})
}

// Spool is the runtime's spool (benchmarks empty it between rounds).
func (r *Runtime) Spool() *spool.Spool { return r.spool }

// handle decodes the event and feeds it to the spool. The response is built
// in r.out, valid until the next invocation.
func (r *Runtime) handle(ctx context.Context, log *slog.Logger, inv *invocation) ([]byte, error) {
	kind, req, records, err := r.dec.decode(inv.Payload)
	if kind == kindFunctionURL {
		r.out = r.functionURL(ctx, log, req, err) // built in r.out: keep its room for the next one
		return r.out, nil
	}
	if err != nil {
		return nil, err
	}
	if kind == kindCloudWatchLogs {
		return r.cloudWatchLogs(log, r.dec.cwl)
	}
	// Kinesis or SQS: each record is one batch; a record that cannot be
	// spooled is reported so that Lambda retries it, and only it.
	r.out = append(r.out[:0], `{"batchItemFailures":[`...)
	failures := 0
	for _, rec := range records {
		if _, err := r.ingester.Ingest(rec.Data, ""); err != nil {
			log.Warn("record not spooled", "id", rec.ID, "err", err)
			if failures > 0 {
				r.out = append(r.out, ',')
			}
			r.out = fmt.Appendf(r.out, `{"itemIdentifier":%q}`, rec.ID)
			failures++
		}
	}
	r.out = append(r.out, "]}"...)
	return r.out, nil
}

// functionURL answers a Function URL request.
//
// CORS (TAP_CORS_ORIGINS) is answered here as in serve, for a Function URL
// without its own Cors configuration and under the Runtime Interface
// Emulator. A Function URL with a Cors configuration answers the preflight
// itself, without invoking the function, and adds its CORS headers to every
// answer; "for non-preflight requests such as GET or POST requests, Lambda
// returns both the configured CORS headers on the function URL, as well as
// the CORS headers returned by the function", and a browser refuses an
// Access-Control-Allow-Origin given twice (AWS Lambda developer guide,
// "Configuring Lambda function URLs", Cross-origin resource sharing). So
// configure one of the two, never both: sam/template.yaml sets the URL's
// Cors from AllowOrigins and leaves TAP_CORS_ORIGINS unset.
func (r *Runtime) functionURL(ctx context.Context, log *slog.Logger, req *httpRequest, decodeErr error) []byte {
	r.out = r.out[:0]
	var hs []cors.Header
	if p := r.cfg.CORS; p != nil {
		a := p.Check(cors.Request{Method: req.Method, Origin: req.Origin, RequestMethod: req.RequestMethod, RequestPrivateNetwork: req.RequestPrivateNetwork})
		hs = a.Headers
		switch {
		case a.Preflight && a.Status == http.StatusNoContent:
			return httpResponse(r.out, a.Status, nil, hs)
		case a.Preflight || a.Refused:
			return httpResponse(r.out, http.StatusForbidden, errorBody(cors.Message(req.Origin), req.RequestID), hs)
		}
	}
	switch {
	case req.Method == http.MethodGet && req.Path == "/health":
		return httpResponse(r.out, http.StatusOK, []byte(`{"status":"ok"}`), hs)
	case req.Method != http.MethodPost:
		return httpResponse(r.out, http.StatusMethodNotAllowed, errorBody("method not allowed: POST NDJSON to this URL", req.RequestID), hs, "allow", "POST")
	}
	if r.ingester.TakesFirehose(req.FirehoseRequestID) {
		return r.firehose(req, decodeErr) // its key is its credential
	}
	if _, err := r.gate.Allow(auth.Request{Authorization: req.Authorization, IAMUserArn: req.IAMUserArn}); err != nil {
		status, msg := auth.Status(err)
		if status == http.StatusUnauthorized {
			return httpResponse(r.out, status, errorBody(msg, req.RequestID), hs, "www-authenticate", "Bearer")
		}
		return httpResponse(r.out, status, errorBody(msg, req.RequestID), hs)
	}
	if decodeErr != nil {
		return httpResponse(r.out, ingest.Status(decodeErr), errorBody(decodeErr.Error(), req.RequestID), hs)
	}
	counts, err := r.ingester.Ingest(req.Body, req.ContentEncoding)
	if err != nil {
		status := ingest.Status(err)
		if status == http.StatusInternalServerError {
			log.Error("ingest failed", "err", err)
		}
		if status == http.StatusTooManyRequests {
			r.pending = true // make room: flush before the next invocation
			return httpResponse(r.out, status, errorBody(ingest.Message(err), req.RequestID), hs, "retry-after", ingest.RetryAfter)
		}
		return httpResponse(r.out, status, errorBody(ingest.Message(err), req.RequestID), hs)
	}
	status := http.StatusAccepted
	if r.cfg.Sync {
		if _, err := r.spool.Seal(); err == nil {
			if err := r.flusher.All(ctx, r.spool); err == nil {
				status = http.StatusOK
			} else {
				r.pending = true
				log.Warn("sync flush failed; rows stay spooled", "err", err)
			}
		}
	}
	return httpResponse(r.out, status, countsBody(counts), hs)
}

// fitShutdown lowers *v to safe (when safe is known and *v is above it),
// unless the user set *v, which is kept with a warning.
func fitShutdown[T int | int64](log *slog.Logger, name string, v *T, safe T, set bool, memoryMB int) {
	switch {
	case safe <= 0 || *v <= safe:
	case set:
		log.Warn(name+" may not be flushed within the 2 s shutdown window at this memory size: rows left at shutdown could be lost",
			"value", *v, "memory_mb", memoryMB, "safe", safe)
	default:
		log.Info(name+" lowered so that the shutdown flush fits the 2 s window", "from", *v, "to", safe, "memory_mb", memoryMB)
		*v = safe
	}
}

// flushAfter runs flushIfDue after an invocation's response, under that
// invocation's deadline less flushMargin: Lambda bills and times out the
// work after the response as part of the invocation, so a flush that ran
// past it would end the environment (a timeout) instead of leaving its
// segments for the next invocation or the extension.
func (r *Runtime) flushAfter(ctx context.Context, deadline time.Time) {
	if deadline.IsZero() {
		return // the invocation was refused; the next one flushes
	}
	fctx, cancel := context.WithDeadline(ctx, deadline.Add(-flushMargin))
	defer cancel()
	r.flushIfDue(fctx)
}

// flushMargin is what a post-response flush leaves of the invocation's time:
// enough to stop uploads and post nothing more.
const flushMargin = 200 * time.Millisecond

// flushIfDue runs after the response, before the next invocation is asked
// for: Lambda freezes the environment between invocations, so no timer
// could do it. Segments it cannot flush before ctx ends stay sealed and
// pending.
func (r *Runtime) flushIfDue(ctx context.Context) {
	st := r.spool.Stats()
	if r.cfg.Due(st) {
		if _, err := r.spool.Seal(); err != nil {
			r.log.Error("seal failed", "err", err)
			return
		}
		r.pending = true
	}
	if !r.pending {
		return
	}
	if err := r.flusher.All(ctx, r.spool); err != nil {
		switch {
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			r.log.Warn("flush stopped at the invocation's deadline; the segments left wait for the next invocation or the extension", "err", err)
		case ctx.Err() != nil:
			r.log.Info("flush interrupted by SIGTERM; the extension flushes the segment again")
		default:
			r.log.Warn("flush failed; segments kept for the next invocation", "err", err)
			r.emf.FlushFailed(time.Now())
		}
		return
	}
	r.pending = false
}
