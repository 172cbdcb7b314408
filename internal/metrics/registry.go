package metrics

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/datatap/datatap/internal/flush"
	"github.com/datatap/datatap/internal/ingest"
)

// Registry counts what a long-running tap (datatap serve) does, for
// GET /metrics (the Prometheus text format, written by WritePrometheus) and
// the live page (Snapshot). It is safe for concurrent use; each event takes
// one short lock, which is nothing beside a request or a flush.
type Registry struct {
	version    string
	started    time.Time
	spoolBytes func() int64
	now        func() time.Time

	mu        sync.Mutex
	requests  map[int]int64 // by HTTP status
	lines     [3]int64      // accepted, filtered, rejected
	bytesIn   int64         // request bodies, as sent
	flushes   [2]int64      // ok, failed
	rowsOut   int64
	bytesOut  int64
	objects   int64
	quarant   int64
	lossy     [3]int64 // rounded numbers, duplicate fields, cast failures
	moved     [2]int64 // values overflowed, rows under the arrival-time prefix
	flushDur  histogram
	uploadDur histogram
	seconds   []second // the last SeriesSeconds seconds, oldest first
	recent    []Flush  // the last RecentFlushes flushes, newest first
	rejected  []Rejection
}

// SeriesSeconds is how many seconds of per-second figures a Snapshot holds.
const SeriesSeconds = 300

// RecentFlushes and RecentRejections bound the lists a Snapshot holds.
const (
	RecentFlushes    = 20
	RecentRejections = 20
)

// durationBuckets are the upper bounds, in seconds, of the flush and upload
// duration histograms: a flush of a few MB takes tens of milliseconds, a
// slow S3 seconds.
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

type histogram struct {
	counts []int64 // per bucket, not cumulative; one more for +Inf
	sum    float64
	n      int64
}

func (h *histogram) observe(d time.Duration) {
	if h.counts == nil {
		h.counts = make([]int64, len(durationBuckets)+1)
	}
	s := d.Seconds()
	i, _ := slices.BinarySearch(durationBuckets, s)
	h.counts[i]++
	h.sum += s
	h.n++
}

// second is what happened in one second.
type second struct {
	Unix       int64 `json:"t"`
	Accepted   int64 `json:"accepted"`
	Filtered   int64 `json:"filtered"`
	Rejected   int64 `json:"rejected"`
	BytesIn    int64 `json:"bytes_in"`
	BytesOut   int64 `json:"bytes_out"`
	SpoolBytes int64 `json:"spool_bytes"` // at the second's last event; -1: none
}

// Flush is one flush, for the live page.
type Flush struct {
	Time       time.Time `json:"time"`
	Rows       int64     `json:"rows"`
	Filtered   int64     `json:"filtered"`
	Rejected   int64     `json:"rejected"`
	BytesIn    int64     `json:"bytes_in"`
	BytesOut   int64     `json:"bytes_out"`
	FlushMS    int64     `json:"flush_ms"`
	UploadMS   int64     `json:"upload_ms"`
	Objects    []Object  `json:"objects"`
	Quarantine string    `json:"quarantined,omitempty"` // why, when the segment was quarantined
	Error      string    `json:"error,omitempty"`       // a failed flush: why (its segments are kept)
}

// Object is one object a flush stored.
type Object struct {
	Key  string `json:"key"`
	Rows int64  `json:"rows"`
}

// Rejection is a rejected line, for the live page.
type Rejection struct {
	Time   time.Time `json:"time"`
	Reason string    `json:"reason"`
	Line   string    `json:"line"` // its first bytes
}

// NewRegistry returns an empty registry. spoolBytes, when set, reports the
// spool's size for the gauge and the page.
func NewRegistry(version string, spoolBytes func() int64) *Registry {
	return &Registry{version: version, started: time.Now(), spoolBytes: spoolBytes, now: time.Now, requests: map[int]int64{}}
}

// sec returns the bucket of the current second, adding it (and dropping
// the oldest) as time goes on. r.mu is held.
func (r *Registry) sec() *second {
	t := r.now().Unix()
	if n := len(r.seconds); n > 0 && r.seconds[n-1].Unix == t {
		return &r.seconds[n-1]
	}
	if len(r.seconds) == SeriesSeconds {
		r.seconds = append(r.seconds[:0], r.seconds[1:]...)
	}
	r.seconds = append(r.seconds, second{Unix: t, SpoolBytes: -1})
	return &r.seconds[len(r.seconds)-1]
}

func (r *Registry) spool() int64 {
	if r.spoolBytes == nil {
		return 0
	}
	return r.spoolBytes()
}

// Request counts one answered request: its status, the bytes of its body
// as sent, and what happened to its lines.
func (r *Registry) Request(status int, bodyBytes int64, c ingest.Counts) {
	spool := r.spool()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests[status]++
	r.lines[0] += int64(c.Accepted)
	r.lines[1] += int64(c.Filtered)
	r.lines[2] += int64(c.Rejected)
	r.bytesIn += bodyBytes
	s := r.sec()
	s.Accepted += int64(c.Accepted)
	s.Filtered += int64(c.Filtered)
	s.Rejected += int64(c.Rejected)
	s.BytesIn += bodyBytes
	s.SpoolBytes = spool
	if c.FirstRejected.Reason != "" {
		r.rejected = slices.Insert(r.rejected, 0, Rejection{Time: r.now().UTC(), Reason: c.FirstRejected.Reason, Line: c.FirstRejected.Line})
		r.rejected = r.rejected[:min(len(r.rejected), RecentRejections)]
	}
}

// Flushed counts one flushed segment.
func (r *Registry) Flushed(res flush.Result) {
	spool := r.spool()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.flushes[0]++
	r.rowsOut += res.Rows
	r.bytesOut += res.BytesOut
	r.objects += int64(len(res.Objects))
	r.quarant += res.Quarantined
	r.lossy[0] += res.Lossy.RoundedNumbers
	r.lossy[1] += res.Lossy.DuplicateFields
	r.lossy[2] += res.Lossy.CastFailures
	r.moved[0] += res.Overflowed
	r.moved[1] += res.TimeFallbacks
	r.flushDur.observe(res.FlushTime)
	r.uploadDur.observe(res.UploadTime)
	s := r.sec()
	s.BytesOut += res.BytesOut
	s.SpoolBytes = spool
	f := Flush{Time: r.now().UTC(), Rows: res.Rows, Filtered: res.Filtered, Rejected: res.Rejected,
		BytesIn: res.BytesIn, BytesOut: res.BytesOut, FlushMS: res.FlushTime.Milliseconds(), UploadMS: res.UploadTime.Milliseconds()}
	for i, k := range res.Objects {
		o := Object{Key: k}
		if i < len(res.ObjectRows) {
			o.Rows = res.ObjectRows[i]
		}
		f.Objects = append(f.Objects, o)
	}
	if res.Quarantined > 0 {
		f.Quarantine = res.Reason
	}
	r.addFlush(f)
}

// FlushFailed counts a flush that failed (its segments stay in the spool).
func (r *Registry) FlushFailed(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.flushes[1]++
	r.addFlush(Flush{Time: r.now().UTC(), Error: err.Error()})
}

func (r *Registry) addFlush(f Flush) {
	r.recent = slices.Insert(r.recent, 0, f)
	r.recent = r.recent[:min(len(r.recent), RecentFlushes)]
}

// Snapshot is what the live page shows.
type Snapshot struct {
	Version    string      `json:"version"`
	Started    time.Time   `json:"started"`
	Now        time.Time   `json:"now"`
	SpoolBytes int64       `json:"spool_bytes"`
	Accepted   int64       `json:"accepted"`
	Filtered   int64       `json:"filtered"`
	Rejected   int64       `json:"rejected"`
	BytesIn    int64       `json:"bytes_in"`
	BytesOut   int64       `json:"bytes_out"`
	Flushes    int64       `json:"flushes"`
	Failures   int64       `json:"flush_failures"`
	Objects    int64       `json:"objects"`
	Seconds    []second    `json:"seconds"`
	Recent     []Flush     `json:"flushes_recent"`
	Rejections []Rejection `json:"rejected_recent"`
}

// Snapshot returns the current figures.
func (r *Registry) Snapshot() Snapshot {
	spool := r.spool()
	r.mu.Lock()
	defer r.mu.Unlock()
	return Snapshot{
		Version: r.version, Started: r.started.UTC(), Now: r.now().UTC(), SpoolBytes: spool,
		Accepted: r.lines[0], Filtered: r.lines[1], Rejected: r.lines[2], BytesIn: r.bytesIn, BytesOut: r.bytesOut,
		Flushes: r.flushes[0], Failures: r.flushes[1], Objects: r.objects,
		// Empty lists, not null, for the page and other readers.
		Seconds: append([]second{}, r.seconds...), Recent: append([]Flush{}, r.recent...), Rejections: append([]Rejection{}, r.rejected...),
	}
}

// WritePrometheus writes every metric in the Prometheus text exposition
// format (version 0.0.4), named by Prometheus' conventions: a datatap_
// prefix, _total on counters, base units (bytes, seconds).
func (r *Registry) WritePrometheus(w io.Writer) error {
	spool := r.spool()
	r.mu.Lock()
	defer r.mu.Unlock()
	var b []byte
	family := func(name, typ, help string) {
		b = fmt.Appendf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
	}
	sample := func(name, labels string, v float64) {
		b = append(b, name...)
		if labels != "" {
			b = append(b, '{')
			b = append(b, labels...)
			b = append(b, '}')
		}
		b = append(b, ' ')
		b = strconv.AppendFloat(b, v, 'f', -1, 64)
		b = append(b, '\n')
	}
	family("datatap_build_info", "gauge", "The running version, as a label.")
	sample("datatap_build_info", `version="`+escapeLabel(r.version)+`"`, 1)
	family("datatap_start_time_seconds", "gauge", "When the tap started, in seconds since the Unix epoch.")
	sample("datatap_start_time_seconds", "", float64(r.started.UnixMilli())/1000)

	family("datatap_requests_total", "counter", "Requests answered, by HTTP status code.")
	codes := make([]int, 0, len(r.requests))
	for c := range r.requests {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	for _, c := range codes {
		sample("datatap_requests_total", `code="`+strconv.Itoa(c)+`"`, float64(r.requests[c]))
	}
	family("datatap_request_body_bytes_total", "counter", "Bytes of the request bodies read, as sent (compressed when they were); bodies of requests refused before (auth, size) are not read.")
	sample("datatap_request_body_bytes_total", "", float64(r.bytesIn))
	family("datatap_lines_total", "counter", "Lines of accepted requests, by outcome: accepted (spooled as rows), filtered (WHERE), rejected (to the error output).")
	for i, o := range []string{"accepted", "filtered", "rejected"} {
		sample("datatap_lines_total", `outcome="`+o+`"`, float64(r.lines[i]))
	}
	family("datatap_flushes_total", "counter", "Segment flushes, by result: ok, or failed (segments kept, retried).")
	sample("datatap_flushes_total", `result="ok"`, float64(r.flushes[0]))
	sample("datatap_flushes_total", `result="failed"`, float64(r.flushes[1]))
	family("datatap_flushed_rows_total", "counter", "Rows written to Parquet.")
	sample("datatap_flushed_rows_total", "", float64(r.rowsOut))
	family("datatap_uploaded_bytes_total", "counter", "Bytes of objects stored (Parquet, error output, quarantined segments).")
	sample("datatap_uploaded_bytes_total", "", float64(r.bytesOut))
	family("datatap_objects_total", "counter", "Objects stored.")
	sample("datatap_objects_total", "", float64(r.objects))
	family("datatap_quarantined_segments_total", "counter", "Segments that could not be written as Parquet and were stored whole under the errors prefix.")
	sample("datatap_quarantined_segments_total", "", float64(r.quarant))
	family("datatap_lossy_values_total", "counter", "Values stored with a loss, by kind: rounded_number, duplicate_field, cast_failure.")
	for i, k := range []string{"rounded_number", "duplicate_field", "cast_failure"} {
		sample("datatap_lossy_values_total", `kind="`+k+`"`, float64(r.lossy[i]))
	}
	family("datatap_overflowed_values_total", "counter", "Values that did not fit their column's type in the table and went into the _overflow column.")
	sample("datatap_overflowed_values_total", "", float64(r.moved[0]))
	family("datatap_time_fallback_rows_total", "counter", "Rows with TAP_TIME stored under the arrival-time prefix (time NULL, out of range, or too many prefixes).")
	sample("datatap_time_fallback_rows_total", "", float64(r.moved[1]))
	family("datatap_spool_bytes", "gauge", "Bytes in the spool, waiting for a flush.")
	sample("datatap_spool_bytes", "", float64(spool))
	for _, h := range []struct {
		name, help string
		h          *histogram
	}{
		{"datatap_flush_duration_seconds", "Time to read a segment and encode its files (uploads overlap it).", &r.flushDur},
		{"datatap_upload_duration_seconds", "Time waiting for a segment's last uploads once its files were encoded.", &r.uploadDur},
	} {
		family(h.name, "histogram", h.help)
		cum := int64(0)
		for i, le := range durationBuckets {
			if h.h.counts != nil {
				cum += h.h.counts[i]
			}
			sample(h.name+"_bucket", `le="`+strconv.FormatFloat(le, 'g', -1, 64)+`"`, float64(cum))
		}
		sample(h.name+"_bucket", `le="+Inf"`, float64(h.h.n))
		sample(h.name+"_sum", "", h.h.sum)
		sample(h.name+"_count", "", float64(h.h.n))
	}
	_, err := w.Write(b)
	return err
}

// escapeLabel escapes a label value as the text format wants: backslash,
// double quote and line feed.
func escapeLabel(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '"':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		default:
			b = append(b, c)
		}
	}
	return string(b)
}
