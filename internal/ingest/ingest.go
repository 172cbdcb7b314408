// Package ingest turns one request body into spooled rows: decode
// (Content-Encoding), split into lines, parse, transform, append to the
// spool as one batch. It is the part of the data path that the local server
// and the Lambda handler share; both map its errors to HTTP statuses with
// Status.
package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/valyala/fastjson"

	"github.com/datatap/datatap/internal/config"
	"github.com/datatap/datatap/internal/spool"
	"github.com/datatap/datatap/transform"
)

// Errors that decide the HTTP status (see Status).
var (
	ErrTooLarge            = errors.New("body too large")
	ErrUnsupportedEncoding = errors.New("unsupported Content-Encoding")
	ErrBadBody             = errors.New("body cannot be decoded")
)

// maxReason caps the reason kept with a rejected line.
const maxReason = 200

// Counts is what happened to the lines of one request.
type Counts struct {
	Accepted int `json:"accepted"` // rows spooled
	Filtered int `json:"filtered"` // lines the WHERE clause dropped
	Rejected int `json:"rejected"` // lines kept for the error output: malformed, not objects, too long

	// FirstRejected is the request's first rejected line, for the live
	// page of serve (its first bytes, and why); empty when none was.
	FirstRejected Rejection `json:"-"`
}

// Rejection is a rejected line: its first bytes (up to maxSample), and why.
type Rejection struct {
	Reason string
	Line   string
}

// maxSample caps the bytes of a rejected line that Counts keeps.
const maxSample = 200

// rejected counts a rejected line, keeping the first one's sample.
func (c *Counts) rejected(line []byte, reason string) {
	c.Rejected++
	if c.FirstRejected.Reason == "" {
		c.FirstRejected = Rejection{Reason: reason, Line: strings.ToValidUTF8(string(line[:min(len(line), maxSample)]), "\uFFFD")}
	}
}

// Limits bound what one request may cost.
type Limits struct {
	MaxBodyBytes int64 // decoded body; more is ErrTooLarge
	MaxLineBytes int64 // longer lines (and array elements) are rejected without parsing
}

// Shapes are the bodies, besides NDJSON, that the ingester reads (shape.go,
// firehose.go).
type Shapes struct {
	// Unnest is TAP_UNNEST: a body that is an object whose member of this
	// name is an array becomes one row per element.
	Unnest string
	// FirehoseAccessKey is TAP_FIREHOSE_ACCESS_KEY: requests of Firehose
	// HTTP endpoint delivery must carry it (see Firehose). Empty: the mode
	// is off.
	FirehoseAccessKey string
}

// Ingester feeds request bodies into a spool. It is safe for concurrent use.
type Ingester struct {
	prog   *transform.Program
	spool  *spool.Spool
	limits Limits
	unnest string
	fhKey  []byte
	now    func() time.Time
	pool   sync.Pool // *worker
}

// worker is the reusable state of one request in flight.
type worker struct {
	parser fastjson.Parser
	state  *transform.State
	batch  *spool.Batch
	body   bytes.Buffer // decompressed body
	gzip   *gzip.Reader
	zstd   *zstd.Decoder
	spans  []span // elements of a body that is not NDJSON (shape.go)
	counts Counts // of the request in flight
	now    time.Time
	fh     firehoseWorker
}

// New returns an Ingester that evaluates prog and appends to sp; shapes,
// when given, adds the body shapes other than NDJSON.
func New(prog *transform.Program, sp *spool.Spool, limits Limits, shapes ...Shapes) *Ingester {
	in := &Ingester{prog: prog, spool: sp, limits: limits, now: time.Now}
	for _, s := range shapes {
		in.unnest = s.Unnest
		if s.FirehoseAccessKey != "" {
			in.fhKey = []byte(s.FirehoseAccessKey)
		}
	}
	in.pool.New = func() any {
		return &worker{state: prog.NewState(), batch: spool.NewBatch(prog)}
	}
	return in
}

// Ingest decodes body according to contentEncoding and reads it as NDJSON,
// or as one of the other shapes of shape.go (a JSON array, an envelope named
// by TAP_UNNEST); it transforms every line or element and appends the result
// to the spool. When it returns nil, every accepted and rejected line is in
// the spool. On error nothing was spooled.
func (in *Ingester) Ingest(body []byte, contentEncoding string) (Counts, error) {
	w := in.pool.Get().(*worker)
	defer in.pool.Put(w)
	data, err := in.decode(w, body, contentEncoding)
	if err != nil {
		return Counts{}, err
	}
	in.begin(w)
	in.addBody(w, data)
	return in.commit(w)
}

// IngestRows is Ingest for rows that are already cut: each of rows is one
// line, whatever it holds (newlines included), never split and never read
// as an array or envelope. The CloudWatch Logs adapter builds its rows so.
func (in *Ingester) IngestRows(rows [][]byte) (Counts, error) {
	w := in.pool.Get().(*worker)
	defer in.pool.Put(w)
	in.begin(w)
	for _, row := range rows {
		in.addLine(w, bytes.TrimSpace(row))
	}
	return in.commit(w)
}

// begin readies w for one request.
func (in *Ingester) begin(w *worker) {
	w.batch.Reset()
	w.state.RoundedNumbers, w.state.DuplicateFields, w.state.CastFailures = 0, 0, 0
	w.counts = Counts{}
	w.now = in.now()
}

// addBody adds every line of an NDJSON body, or every element of a body of
// another shape, to w's batch.
func (in *Ingester) addBody(w *worker, data []byte) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
	if spans, ok := elements(data, in.unnest, w.spans[:0]); ok {
		w.spans = spans
		for _, sp := range spans {
			in.addLine(w, data[sp.start:sp.end])
		}
		return
	}
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		in.addLine(w, bytes.TrimSpace(line))
	}
}

// addLine adds one line (or element), trimmed, to w's batch: as a row, as a
// rejected line, or counted as filtered.
func (in *Ingester) addLine(w *worker, line []byte) {
	switch {
	case len(line) == 0:
		return
	case int64(len(line)) > in.limits.MaxLineBytes:
		in.reject(w, line, fmt.Sprintf("line too long (%d bytes, limit %d)", len(line), in.limits.MaxLineBytes))
		return
	}
	kept, err := in.prog.EvalLine(w.state, &w.parser, line)
	if err != nil {
		reason := err.Error()
		if strings.Contains(reason, "too big depth") {
			// fastjson's own message repeats "cannot parse object value"
			// once per level before it says why.
			reason = "malformed JSON: nested more than 300 levels deep (the parser's limit)"
		}
		in.reject(w, line, strings.ToValidUTF8(reason[:min(len(reason), maxReason)], ""))
		return
	}
	if !kept {
		w.counts.Filtered++
		return
	}
	w.batch.AddRowAt(w.state.Row, w.state.Partition, w.state.Time)
	w.counts.Accepted++
}

// reject adds line to w's batch as a rejected line, with why.
func (in *Ingester) reject(w *worker, line []byte, why string) {
	w.batch.AddRejected(line, why, w.now, int(in.limits.MaxLineBytes))
	w.counts.rejected(line, why)
}

// commit appends w's batch to the spool.
func (in *Ingester) commit(w *worker) (Counts, error) {
	c := w.counts
	if c.Filtered > 0 {
		w.batch.AddFiltered(c.Filtered)
	}
	w.batch.AddLossy(spool.Lossy{
		RoundedNumbers:  int64(w.state.RoundedNumbers),
		DuplicateFields: int64(w.state.DuplicateFields),
		CastFailures:    int64(w.state.CastFailures),
	})
	if err := in.spool.Append(w.batch); err != nil {
		return Counts{}, err
	}
	return c, nil
}

// decode undoes Content-Encoding with a cap on the decoded size, so that a
// small compressed bomb cannot fill memory.
func (in *Ingester) decode(w *worker, body []byte, enc string) ([]byte, error) {
	limit := in.limits.MaxBodyBytes
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "", "identity":
		if int64(len(body)) > limit {
			return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(body), limit)
		}
		return body, nil
	case "gzip", "x-gzip":
		var err error
		if w.gzip == nil {
			w.gzip, err = gzip.NewReader(bytes.NewReader(body))
		} else {
			err = w.gzip.Reset(bytes.NewReader(body))
		}
		if err != nil {
			w.gzip = nil
			return nil, fmt.Errorf("%w: gzip: %v", ErrBadBody, err)
		}
		return w.readCapped(w.gzip, limit, "gzip")
	case "zstd":
		if w.zstd == nil {
			d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(uint64(limit)+1<<20))
			if err != nil {
				return nil, fmt.Errorf("ingest: zstd: %w", err)
			}
			w.zstd = d
		}
		if err := w.zstd.Reset(bytes.NewReader(body)); err != nil {
			return nil, fmt.Errorf("%w: zstd: %v", ErrBadBody, err)
		}
		return w.readCapped(w.zstd, limit, "zstd")
	}
	return nil, fmt.Errorf("%w %q (use gzip, zstd or none)", ErrUnsupportedEncoding, enc)
}

func (w *worker) readCapped(r io.Reader, limit int64, name string) ([]byte, error) {
	w.body.Reset()
	n, err := w.body.ReadFrom(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadBody, name, err)
	}
	if n > limit {
		return nil, fmt.Errorf("%w: decompresses past %d bytes", ErrTooLarge, limit)
	}
	return w.body.Bytes(), nil
}

// RetryAfter is the Retry-After of a 429, in seconds: a flush frees the spool
// in about a second.
const RetryAfter = "1"

// Message is what the sender is told about an Ingest error: the error itself
// when it is about the request, nothing internal otherwise.
func Message(err error) string {
	switch Status(err) {
	case http.StatusTooManyRequests:
		return "spool full: retry later"
	case http.StatusInternalServerError:
		return "internal error"
	}
	return err.Error()
}

// Status maps an Ingest error to its HTTP status.
func Status(err error) int {
	switch {
	case err == nil:
		return http.StatusAccepted
	case errors.Is(err, ErrTooLarge), errors.Is(err, spool.ErrBatchTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrUnsupportedEncoding):
		return http.StatusUnsupportedMediaType
	case errors.Is(err, ErrBadBody):
		return http.StatusBadRequest
	case errors.Is(err, spool.ErrFull), errors.Is(err, syscall.ENOSPC):
		return http.StatusTooManyRequests // the disk is full: back off until a flush frees it
	}
	return http.StatusInternalServerError
}

// ShapesOf is the body shapes the configuration asks for (TAP_UNNEST,
// TAP_FIREHOSE_ACCESS_KEY), for New.
func ShapesOf(cfg config.Config) Shapes {
	return Shapes{Unnest: cfg.Unnest, FirehoseAccessKey: cfg.FirehoseAccessKey}
}
