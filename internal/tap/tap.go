// Package tap is the one owner of the pipeline: it opens it from a resolved
// configuration (gate, sink, flusher, spool, ingester), holds the HTTP
// contract once as a transport-neutral Request → Response (contract.go), and
// says when a flush is due and does it. serve (internal/server), the Lambda
// Function URL handler (internal/lambda) and the extension (ext) are
// adapters over it.
package tap

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/datatap/datatap/internal/auth"
	"github.com/datatap/datatap/internal/awscreds"
	"github.com/datatap/datatap/internal/config"
	"github.com/datatap/datatap/internal/flush"
	"github.com/datatap/datatap/internal/ingest"
	"github.com/datatap/datatap/internal/sink"
	"github.com/datatap/datatap/internal/sink/dir"
	s3sink "github.com/datatap/datatap/internal/sink/s3"
	"github.com/datatap/datatap/internal/spool"
)

// Mode is what the process runs as: it picks the gate's defaults and how the
// tap learns of sealed segments to flush.
type Mode int

const (
	// Serve is `datatap serve`.
	Serve Mode = iota + 1
	// Lambda is the Lambda runtime (Function URL, Kinesis, SQS, CloudWatch
	// Logs events).
	Lambda
	// Extension is the Lambda extension: it only flushes, so it has no gate.
	Extension
)

// Options are what the caller adds to the configuration.
type Options struct {
	Mode Mode
	// Loopback says serve listens on a loopback address (the gate's
	// default is none there).
	Loopback bool
	// CreatedBy is written into the Parquet footer ("datatap VERSION").
	CreatedBy string
	// Log gets the spool's start-up lines (nil: slog.Default()).
	Log *slog.Logger
}

// Tap is an open pipeline. It is safe for concurrent use.
type Tap struct {
	cfg      config.Config
	mode     Mode
	gate     auth.Gate
	authMode string
	open     bool // the gate takes every request (TAP_AUTH=none)
	spool    *spool.Spool
	ingester *ingest.Ingester
	flusher  *flush.Flusher
	// slots bounds the requests being ingested at once: each holds its body
	// and its decompressed copy (up to TAP_MAX_BODY_BYTES each) and a core,
	// so more at once than cores only costs memory.
	slots   chan struct{}
	flushMu sync.Mutex  // one flush at a time
	pending atomic.Bool // sealed segments may be waiting (leftovers, a 429, failed flushes)
}

// Open opens the pipeline cfg describes: the gate (not for the extension),
// the sink (S3 when TAP_BUCKET is set, else the TAP_DIR folder), the
// flusher, the spool and the ingester.
func Open(ctx context.Context, cfg config.Config, opt Options) (*Tap, error) {
	log := opt.Log
	if log == nil {
		log = slog.Default()
	}
	t := &Tap{cfg: cfg, mode: opt.Mode, slots: make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))}
	if opt.Mode != Extension {
		gate, authMode, err := Gate(cfg, opt.Mode == Lambda, opt.Loopback)
		if err != nil {
			return nil, err
		}
		_, open := gate.(auth.Open)
		t.gate, t.authMode, t.open = gate, authMode, open
	}
	var err error
	if t.flusher, err = NewFlusher(ctx, cfg, opt.CreatedBy); err != nil {
		return nil, err
	}
	if t.spool, err = spool.Open(cfg.SpoolDir, cfg.SpoolHeader(), cfg.SpoolMaxBytes); err != nil {
		return nil, err
	}
	t.spool.LogForeign(log)
	t.ingester = ingest.New(cfg.Program, t.spool, ingest.Limits{MaxBodyBytes: cfg.MaxBodyBytes, MaxLineBytes: cfg.MaxLineBytes}, ingest.ShapesOf(cfg))
	t.pending.Store(true) // segments an earlier process left
	return t, nil
}

// NewFlusher builds the flusher of cfg: its sink (NewSink), prefixes and
// temporary folder (the spool's). createdBy goes into the Parquet footer.
func NewFlusher(ctx context.Context, cfg config.Config, createdBy string) (*flush.Flusher, error) {
	sk, err := NewSink(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &flush.Flusher{Sink: sk, Prefix: cfg.Prefix, ErrorsPrefix: cfg.ErrorsPrefix, TempDir: cfg.SpoolDir, CreatedBy: createdBy, KeepJSON: cfg.KeepJSON()}, nil
}

// NewSink builds the sink the configuration names: S3 when TAP_BUCKET is
// set, else the TAP_DIR folder.
func NewSink(ctx context.Context, cfg config.Config) (sink.Sink, error) {
	if cfg.Bucket != "" {
		return s3sink.New(ctx, cfg.Bucket, s3sink.Options{Region: cfg.S3Region, Endpoint: cfg.S3Endpoint, Credentials: awscreds.Load})
	}
	return dir.New(cfg.Dir)
}

// Config is the configuration the tap was opened with.
func (t *Tap) Config() config.Config { return t.cfg }

// Spool is the tap's spool.
func (t *Tap) Spool() *spool.Spool { return t.spool }

// Ingester is the tap's ingester (the Kinesis, SQS and CloudWatch Logs
// adapters feed it records).
func (t *Tap) Ingester() *ingest.Ingester { return t.ingester }

// Flusher is the tap's flusher; callers set its Flushed hook for metrics.
func (t *Tap) Flusher() *flush.Flusher { return t.flusher }

// AuthMode describes the gate for the start-up log (never a secret).
func (t *Tap) AuthMode() string { return t.authMode }

// Open reports whether the gate takes every request without a token.
func (t *Tap) Open() bool { return t.open }

// Output names where the objects go (the sink's String).
func (t *Tap) Output() string { return t.flusher.Sink.String() }

// Due reports whether the open segment should be sealed and flushed now:
// the one copy of the rule (TAP_FLUSH_BYTES, TAP_FLUSH_AGE,
// TAP_FLUSH_PARTITIONS; see config.Config.Due).
func (t *Tap) Due() bool { return t.cfg.Due(t.spool.Stats()) }

// MarkPending says sealed segments wait for a flush (a 429 asks for room).
func (t *Tap) MarkPending() { t.pending.Store(true) }

// Pending reports whether sealed segments may wait for a flush.
func (t *Tap) Pending() bool { return t.pending.Load() }

// FlushDue seals the open segment when it is due, then flushes every sealed
// segment. On Lambda it skips the look at the spool when no segment is known
// to wait (the runtime is the spool's only writer while it runs); serve
// looks every time, since another serve of the same output may share its
// spool folder. Segments it cannot flush before ctx ends stay sealed.
func (t *Tap) FlushDue(ctx context.Context) error {
	if t.Due() {
		if _, err := t.spool.Seal(); err != nil {
			return fmt.Errorf("seal: %w", err)
		}
		t.pending.Store(true)
	}
	if t.mode == Lambda && !t.pending.Load() {
		return nil
	}
	return t.flushSealed(ctx)
}

// Flush seals the open segment and flushes every sealed one, oldest first
// (TAP_SYNC, shutdown).
func (t *Tap) Flush(ctx context.Context) error {
	t.flushMu.Lock()
	_, err := t.spool.Seal()
	t.flushMu.Unlock()
	if err != nil {
		return fmt.Errorf("seal: %w", err)
	}
	t.pending.Store(true)
	return t.flushSealed(ctx)
}

// FlushSealed flushes every sealed segment, oldest first.
func (t *Tap) FlushSealed(ctx context.Context) error { return t.flushSealed(ctx) }

func (t *Tap) flushSealed(ctx context.Context) error {
	t.flushMu.Lock()
	defer t.flushMu.Unlock()
	if err := t.flusher.All(ctx, t.spool); err != nil {
		t.pending.Store(true)
		return err
	}
	t.pending.Store(false)
	return nil
}

// Ingesting is how many requests are being ingested now (their slots).
func (t *Tap) Ingesting() int { return len(t.slots) }

// Slots is how many requests may be ingested at once.
func (t *Tap) Slots() int { return cap(t.slots) }
