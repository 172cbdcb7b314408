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

	"github.com/datatap/datatap/internal/config"
	"github.com/datatap/datatap/internal/ingest"
	"github.com/datatap/datatap/internal/metrics"
	"github.com/datatap/datatap/internal/secrets"
	"github.com/datatap/datatap/internal/spool"
	"github.com/datatap/datatap/internal/tap"
)

// Runtime is the invoke loop's state.
type Runtime struct {
	api      *runtimeAPI
	tap      *tap.Tap
	cfg      config.Config // the tap's
	log      *slog.Logger
	spool    *spool.Spool     // the tap's
	ingester *ingest.Ingester // the tap's
	emf      metrics.Lambda
	dec      decoder
	req      tap.Request
	resp     tap.Response
	out      []byte
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
	cfg, notes, err := config.LoadMode(config.ModeLambda, os.LookupEnv)
	logNotes(log, notes)
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
	log.Info("datatap runtime ready", "output", r.tap.Output(), "spool", r.cfg.SpoolDir, "auth", r.tap.AuthMode(), "cors", r.cfg.CORS.String(), "version", version)
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

// New opens the tap for a configuration resolved for Lambda
// (config.LoadMode). Run uses it; benchmarks call Handle on it directly.
func New(ctx context.Context, cfg config.Config, version string, log *slog.Logger) (*Runtime, error) {
	for _, w := range cfg.Warnings() {
		log.Warn(w)
	}
	t, err := tap.Open(ctx, cfg, tap.Options{Mode: tap.Lambda, CreatedBy: "datatap " + version, Log: log})
	if err != nil {
		return nil, err
	}
	emf := metrics.Lambda{W: os.Stdout, Log: log, Mode: "runtime", Function: cfg.LambdaFunction}
	t.Flusher().Flushed = emf.Flushed
	r := &Runtime{
		tap:      t,
		cfg:      cfg,
		log:      log,
		spool:    t.Spool(),
		ingester: t.Ingester(),
		emf:      emf,
		dec:      decoder{cors: cfg.CORS != nil},
	}
	r.dec.maxBody = cfg.MaxBodyBytes
	return r, nil
}

// logNotes logs what the configuration's mode rules changed or warn about.
func logNotes(log *slog.Logger, notes []config.Note) {
	for _, n := range notes {
		if n.Warn {
			log.Warn(n.Msg, n.Attrs...)
		} else {
			log.Info(n.Msg, n.Attrs...)
		}
	}
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
	tr := &r.req
	*tr = tap.Request{
		Method: req.Method, Path: req.Path, RequestID: req.RequestID, ContentEncoding: req.ContentEncoding,
		FirehoseRequestID: req.FirehoseRequestID, FirehoseAccessKey: req.FirehoseAccessKey,
		Body: req.Body, BodyErr: decodeErr,
	}
	tr.Auth.Authorization, tr.Auth.IAMUserArn = req.Authorization, req.IAMUserArn
	tr.CORS.Method, tr.CORS.Origin, tr.CORS.RequestMethod, tr.CORS.RequestPrivateNetwork = req.Method, req.Origin, req.RequestMethod, req.RequestPrivateNetwork
	resp := &r.resp
	r.tap.Handle(ctx, tr, resp)
	if resp.Err != nil {
		switch {
		case resp.Firehose:
			log.Error("firehose: ingest failed", "firehose_request_id", req.FirehoseRequestID, "err", resp.Err)
		case resp.Status == http.StatusInternalServerError:
			log.Error("ingest failed", "err", resp.Err)
		default:
			log.Warn("sync flush failed; rows stay spooled", "err", resp.Err)
		}
	}
	return httpResponse(r.out[:0], resp.Status, resp.Body, resp.CORS, resp.Headers)
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
	if err := r.tap.FlushDue(ctx); err != nil {
		switch {
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			r.log.Warn("flush stopped at the invocation's deadline; the segments left wait for the next invocation or the extension", "err", err)
		case ctx.Err() != nil:
			r.log.Info("flush interrupted by SIGTERM; the extension flushes the segment again")
		default:
			r.log.Warn("flush failed; segments kept for the next invocation", "err", err)
			r.emf.FlushFailed(time.Now())
		}
	}
}
