// Package send is the client side of the tap: `datatap send URL [FILE…]`.
// It cuts NDJSON into requests on line boundaries, compresses them, posts
// them with a few requests in flight, retries what the tap asks to be
// retried (429, 5xx, network errors) with exponential backoff, jitter and
// Retry-After, and adds up what the tap answered.
package send

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Options configure a run. Zero values take the defaults.
type Options struct {
	URL   string
	Token string // sent as Authorization: Bearer
	// SigV4, when set, signs every request instead (a Function URL with
	// AWS_IAM auth); Token must then be empty.
	SigV4 *SigV4
	// MaxRequestBytes caps a request body on the wire (compressed). Function
	// URLs carry binary bodies base64-encoded inside a 6 MB event, so 4 MiB
	// of gzip (5.3 MiB of base64) is the most that fits with headroom.
	MaxRequestBytes int64
	// MaxBodyBytes caps the lines of one request before compression: the
	// tap's TAP_MAX_BODY_BYTES (default 6 MiB), or it answers 413.
	MaxBodyBytes int64
	Encoding     string // gzip (default), zstd or none
	Concurrency  int    // requests in flight (default 4)
	MaxAttempts  int    // per request, first try included (default 10)
	Timeout      time.Duration
	// Progress, when set, receives a progress line twice a second (a
	// terminal: the line rewrites itself).
	Progress io.Writer
	// TotalBytes, when known (the inputs are files), gives the progress
	// line a percentage and the time left.
	TotalBytes int64
	// Messages, when set, receives a line for each failed attempt as it
	// happens: why (connection refused, DNS, TLS, a timeout, or the tap's
	// status and error text) and what happens next.
	Messages io.Writer
	Client   *http.Client
}

func (o *Options) defaults() {
	if o.MaxRequestBytes <= 0 {
		o.MaxRequestBytes = 4 << 20
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 6 << 20
	}
	if o.Encoding == "" {
		o.Encoding = "gzip"
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 10
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Minute
	}
	if o.Client == nil {
		o.Client = &http.Client{}
	}
}

// Summary is what happened to the lines.
type Summary struct {
	Lines     int64 // non-blank lines read
	Accepted  int64 // spooled by the tap
	Filtered  int64 // dropped by the tap's WHERE clause, on purpose
	Rejected  int64 // not JSON objects, or too long: in the tap's error output
	Failed    int64 // in requests that failed for good: not delivered
	Requests  int64
	Retries   int64
	BytesRead int64 // NDJSON bytes read
	BytesSent int64 // request bytes on the wire, retries included
	Elapsed   time.Duration
	// LastProblem is why the last lines that failed were lost, "" when
	// none were.
	LastProblem string
}

// OK reports whether every line was delivered and used.
func (s Summary) OK() bool { return s.Failed == 0 && s.Rejected == 0 }

func (s Summary) String() string {
	rate := float64(s.BytesRead) / 1e6 / max(s.Elapsed.Seconds(), 1e-9)
	out := fmt.Sprintf("%d lines (%.1f MB) in %d requests, %s, %.1f MB/s: accepted %d, filtered %d, rejected %d, failed %d, retries %d",
		s.Lines, float64(s.BytesRead)/1e6, s.Requests, s.Elapsed.Round(time.Millisecond), rate,
		s.Accepted, s.Filtered, s.Rejected, s.Failed, s.Retries)
	if s.Failed > 0 && s.LastProblem != "" {
		out += "; last failure: " + s.LastProblem
	}
	return out
}

// ErrAuth means the tap refused the token: nothing more was sent.
var ErrAuth = errors.New("the tap refused the token")

// checkURL refuses, before anything is sent, a URL no attempt could reach.
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case !strings.Contains(raw, "://"):
		return fmt.Errorf("send: bad URL %q: want http:// or https:// (http://%s/?)", raw, raw)
	case err != nil:
		return fmt.Errorf("send: bad URL %q: %v (want http://host:port/ or https://…)", raw, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("send: bad URL %q: want http:// or https://", raw)
	case u.Host == "":
		return fmt.Errorf("send: bad URL %q: no host", raw)
	}
	return nil
}

// chunk is one request's body, ready to post.
type chunk struct {
	body  []byte
	lines int64
	raw   int64 // NDJSON bytes before compression
}

// run is one Send in progress.
type run struct {
	opt   Options
	sum   Summary // counters updated atomically
	fatal atomic.Pointer[error]

	outMu   sync.Mutex // the progress line and the messages share stderr
	problem string     // the last failure, under outMu
	shown   bool       // a progress line is on the screen, under outMu
}

// Send posts every line of inputs and returns the summary. The error is
// non-nil for a refused token, a read error, or a cancelled ctx; lines that
// could not be delivered otherwise are counted in Summary.Failed.
func Send(ctx context.Context, opt Options, inputs ...io.Reader) (Summary, error) {
	opt.defaults()
	switch opt.Encoding {
	case "gzip", "zstd", "none":
	default:
		return Summary{}, fmt.Errorf("send: unknown encoding %q (gzip, zstd or none)", opt.Encoding)
	}
	if opt.SigV4 != nil && opt.Token != "" {
		return Summary{}, errors.New("send: a token and SigV4 both want the Authorization header: use one")
	}
	if err := checkURL(opt.URL); err != nil {
		return Summary{}, err
	}
	// A token read from a file often ends with a newline, or was copied
	// with its "Bearer ": neither can be sent as it is.
	opt.Token = strings.TrimSpace(opt.Token)
	if t, ok := strings.CutPrefix(opt.Token, "Bearer "); ok {
		opt.Token = strings.TrimSpace(t)
	}
	if strings.ContainsFunc(opt.Token, func(r rune) bool { return r < ' ' || r == 0x7f || r > '~' }) {
		return Summary{}, errors.New("send: the token holds characters a header cannot carry (a JWT is letters, digits, '-', '_' and '.')")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r := &run{opt: opt}
	start := time.Now()
	chunks := make(chan chunk, opt.Concurrency)
	var wg sync.WaitGroup
	for i := 0; i < opt.Concurrency; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range chunks {
				if r.fatal.Load() != nil || ctx.Err() != nil {
					atomic.AddInt64(&r.sum.Failed, c.lines)
					continue
				}
				if err := r.post(ctx, c); err != nil {
					r.fatal.CompareAndSwap(nil, &err)
					cancel()
				}
			}
		}()
	}
	stopProgress := r.progress(start)
	readErr := r.split(ctx, inputs, chunks)
	close(chunks)
	wg.Wait()
	stopProgress()
	sum := r.snapshot()
	sum.Elapsed = time.Since(start)
	r.outMu.Lock()
	sum.LastProblem = r.problem
	r.outMu.Unlock()
	switch {
	case r.fatal.Load() != nil:
		return sum, *r.fatal.Load()
	case readErr != nil:
		return sum, readErr
	case ctx.Err() != nil:
		return sum, fmt.Errorf("send: %w", ctx.Err())
	}
	return sum, nil
}

func (r *run) snapshot() Summary {
	s := &r.sum
	return Summary{
		Lines: atomic.LoadInt64(&s.Lines), Accepted: atomic.LoadInt64(&s.Accepted),
		Filtered: atomic.LoadInt64(&s.Filtered), Rejected: atomic.LoadInt64(&s.Rejected),
		Failed: atomic.LoadInt64(&s.Failed), Requests: atomic.LoadInt64(&s.Requests),
		Retries: atomic.LoadInt64(&s.Retries), BytesRead: atomic.LoadInt64(&s.BytesRead),
		BytesSent: atomic.LoadInt64(&s.BytesSent),
	}
}

// split reads the inputs line by line and cuts them into chunks that fit
// both limits.
func (r *run) split(ctx context.Context, inputs []io.Reader, out chan<- chunk) error {
	b := newBuilder(r.opt)
	emit := func() error {
		if b.lines == 0 {
			return nil
		}
		c, err := b.finish()
		if err != nil {
			return err
		}
		select {
		case out <- c:
			return nil
		case <-ctx.Done():
			atomic.AddInt64(&r.sum.Failed, c.lines)
			return ctx.Err()
		}
	}
	for _, in := range inputs {
		br := bufio.NewReaderSize(in, 256<<10)
		for {
			line, err := br.ReadBytes('\n')
			if len(line) > 0 {
				atomic.AddInt64(&r.sum.BytesRead, int64(len(line)))
				if len(bytes.TrimSpace(line)) > 0 {
					if line[len(line)-1] != '\n' {
						line = append(line, '\n')
					}
					atomic.AddInt64(&r.sum.Lines, 1)
					if !b.fits(len(line)) {
						if err := emit(); err != nil {
							return err
						}
					}
					if err := b.add(line); err != nil {
						return err
					}
				}
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				return fmt.Errorf("send: read: %w", err)
			}
			if r.fatal.Load() != nil {
				return nil
			}
		}
	}
	return emit()
}

// builder accumulates lines into one compressed request body.
type builder struct {
	opt   Options
	buf   bytes.Buffer
	w     io.WriteCloser
	gz    *gzip.Writer  // kept across chunks: Reset reuses their state
	zstd  *zstd.Encoder // (about 0.7 MB and 8 MB of allocations a chunk)
	raw   int64
	lines int64
}

func newBuilder(opt Options) *builder { return &builder{opt: opt} }

// fits says whether a line of n bytes may join the current chunk. The
// compressed size lags behind what was written, hence the margin.
func (b *builder) fits(n int) bool {
	if b.lines == 0 {
		return true // a line alone always goes, even if too big: the tap reports it
	}
	const margin = 256 << 10
	return b.raw+int64(n) <= b.opt.MaxBodyBytes && int64(b.buf.Len())+margin <= b.opt.MaxRequestBytes &&
		(b.opt.Encoding != "none" || int64(b.buf.Len()+n) <= b.opt.MaxRequestBytes)
}

func (b *builder) add(line []byte) error {
	if b.w == nil {
		b.buf.Reset()
		switch b.opt.Encoding {
		case "gzip":
			if b.gz == nil {
				b.gz, _ = gzip.NewWriterLevel(&b.buf, gzip.BestSpeed)
			} else {
				b.gz.Reset(&b.buf)
			}
			b.w = b.gz
		case "zstd":
			if b.zstd == nil {
				zw, err := zstd.NewWriter(&b.buf, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
				if err != nil {
					return err
				}
				b.zstd = zw
			} else {
				b.zstd.Reset(&b.buf)
			}
			b.w = b.zstd
		default:
			b.w = nopCloser{&b.buf}
		}
	}
	b.raw += int64(len(line))
	b.lines++
	_, err := b.w.Write(line)
	return err
}

func (b *builder) finish() (chunk, error) {
	if err := b.w.Close(); err != nil {
		return chunk{}, err
	}
	c := chunk{body: bytes.Clone(b.buf.Bytes()), lines: b.lines, raw: b.raw}
	b.w, b.raw, b.lines = nil, 0, 0
	return c, nil
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// post delivers one chunk, retrying what can be retried. It returns an error
// only when the whole run must stop (token refused, ctx done).
func (r *run) post(ctx context.Context, c chunk) error {
	n := atomic.AddInt64(&r.sum.Requests, 1)
	for attempt := 0; ; attempt++ {
		status, counts, retryAfter, err := r.attempt(ctx, c)
		why := ""
		if err != nil || status/100 != 2 {
			why = describe(status, counts.Error, err, r.opt)
		}
		switch {
		case err == nil && status/100 == 2:
			atomic.AddInt64(&r.sum.Accepted, counts.Accepted)
			atomic.AddInt64(&r.sum.Filtered, counts.Filtered)
			atomic.AddInt64(&r.sum.Rejected, counts.Rejected)
			return nil
		case status == http.StatusUnauthorized || status == http.StatusForbidden:
			atomic.AddInt64(&r.sum.Failed, c.lines)
			if status == http.StatusUnauthorized && r.opt.Token == "" && r.opt.SigV4 == nil {
				why += " (no token was sent: give -token or set TAP_TOKEN)"
			}
			r.lost(why)
			return fmt.Errorf("send: %w: %s", ErrAuth, why)
		case ctx.Err() != nil:
			atomic.AddInt64(&r.sum.Failed, c.lines)
			return ctx.Err()
		case err == nil && !retryable(status):
			atomic.AddInt64(&r.sum.Failed, c.lines)
			if status == http.StatusRequestEntityTooLarge {
				why += fmt.Sprintf(" (the tap takes less than this request's %d bytes of NDJSON: lower -max-body to its TAP_MAX_BODY_BYTES)", c.raw)
			}
			r.say(fmt.Sprintf("request %d (%d lines): %s", n, c.lines, why), "not retried: its lines count as failed")
			r.lost(fmt.Sprintf("request %d (%d lines): %s", n, c.lines, why))
			return nil
		case attempt+1 >= r.opt.MaxAttempts:
			atomic.AddInt64(&r.sum.Failed, c.lines)
			r.say(fmt.Sprintf("request %d (%d lines), attempt %d of %d: %s", n, c.lines, attempt+1, r.opt.MaxAttempts, why), "giving up: its lines count as failed")
			r.lost(fmt.Sprintf("request %d (%d lines), %d attempts, the last: %s", n, c.lines, attempt+1, why))
			return nil
		}
		atomic.AddInt64(&r.sum.Retries, 1)
		wait := backoff(attempt, retryAfter)
		r.say(fmt.Sprintf("request %d (%d lines), attempt %d of %d: %s", n, c.lines, attempt+1, r.opt.MaxAttempts, why),
			"retrying in "+wait.Round(time.Millisecond).String())
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			atomic.AddInt64(&r.sum.Failed, c.lines)
			return ctx.Err()
		}
	}
}

func retryable(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusRequestTimeout || status >= 500
}

// backoff is exponential with full jitter (200 ms × 2^attempt, at most 30 s),
// and never shorter than the server's Retry-After.
func backoff(attempt int, retryAfter time.Duration) time.Duration {
	ceil := min(200*time.Millisecond<<min(attempt, 8), 30*time.Second)
	d := time.Duration(rand.Int64N(int64(ceil)) + 1)
	return max(d, retryAfter)
}

// counts is the tap's answer: the counts of a 2xx, the error text of
// anything else.
type counts struct {
	Accepted, Filtered, Rejected int64
	Error                        string
}

func (r *run) attempt(ctx context.Context, c chunk) (int, counts, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, r.opt.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.opt.URL, bytes.NewReader(c.body))
	if err != nil {
		return 0, counts{}, 0, err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	if r.opt.Encoding != "none" {
		req.Header.Set("Content-Encoding", r.opt.Encoding)
	}
	if r.opt.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.opt.Token)
	}
	if r.opt.SigV4 != nil {
		if err := r.opt.SigV4.Sign(ctx, req, c.body); err != nil {
			return 0, counts{}, 0, err
		}
	}
	atomic.AddInt64(&r.sum.BytesSent, int64(len(c.body)))
	resp, err := r.opt.Client.Do(req)
	if err != nil {
		return 0, counts{}, 0, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var cn counts
	if resp.StatusCode/100 == 2 {
		if err := json.Unmarshal(body, &cn); err != nil {
			return resp.StatusCode, cn, 0, fmt.Errorf("send: unexpected answer %q", body)
		}
	} else if json.Unmarshal(body, &cn) != nil || cn.Error == "" {
		// Not the tap's JSON error (a proxy, a load balancer, Lambda
		// itself): its first line says something.
		cn.Error = firstLine(string(body), 200)
	}
	return resp.StatusCode, cn, parseRetryAfter(resp.Header.Get("Retry-After")), nil
}

// parseRetryAfter reads seconds or an HTTP date; it is capped at a minute.
func parseRetryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if s, err := strconv.Atoi(v); err == nil {
		d = time.Duration(s) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = time.Until(t)
	}
	return max(0, min(d, time.Minute))
}

// lost remembers why lines were lost, for the summary.
func (r *run) lost(why string) {
	r.outMu.Lock()
	r.problem = why
	r.outMu.Unlock()
}

// say writes a message about a failed attempt.
func (r *run) say(why, next string) {
	r.outMu.Lock()
	defer r.outMu.Unlock()
	if r.opt.Messages == nil {
		return
	}
	if r.shown {
		fmt.Fprint(r.opt.Messages, "\r\033[K") // the progress line is redrawn after
		r.shown = false
	}
	if next != "" {
		why += "; " + next
	}
	fmt.Fprintln(r.opt.Messages, "send: "+why)
}

// describe says in a few words why an attempt failed: the tap's status and
// error text, or what the network said.
func describe(status int, tapError string, err error, opt Options) string {
	if err == nil {
		msg := fmt.Sprintf("%d %s", status, http.StatusText(status))
		if tapError != "" {
			msg += ": " + tapError
		}
		return msg
	}
	var dns *net.DNSError
	var cert *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var record tls.RecordHeaderError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused: nothing listens at " + hostOf(opt.URL) + " (is the tap running?)"
	case errors.As(err, &dns):
		if dns.IsNotFound {
			return "DNS: no such host " + dns.Name
		}
		return "DNS: " + dns.Error()
	case errors.Is(err, context.DeadlineExceeded), os.IsTimeout(err):
		return fmt.Sprintf("no answer within %s (the request timed out)", opt.Timeout)
	case errors.As(err, &cert), errors.As(err, &unknown), errors.As(err, &host):
		return "TLS: the server's certificate is not trusted: " + err.Error()
	case errors.As(err, &record):
		return "TLS: the server does not speak TLS (http:// instead of https://?)"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the method and URL are the user's own
	}
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "the connection was closed before the answer: " + err.Error()
	}
	return err.Error()
}

func hostOf(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil && u.Host != "" {
		return u.Host
	}
	return rawURL
}

func firstLine(s string, n int) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > n {
		s = strings.ToValidUTF8(s[:n], "") + "…"
	}
	return s
}

// progress prints a line twice a second until stopped.
func (r *run) progress(start time.Time) (stop func()) {
	if r.opt.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				r.outMu.Lock()
				fmt.Fprint(r.opt.Progress, "\r\033[K")
				r.outMu.Unlock()
				return
			case <-t.C:
				line := progressLine(r.snapshot(), r.opt.TotalBytes, time.Since(start))
				r.outMu.Lock()
				fmt.Fprint(r.opt.Progress, "\r\033[K"+line)
				r.shown = true
				r.outMu.Unlock()
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// progressLine is what the progress line says: lines and bytes read, the
// rate, requests and retries, and with the total known, the share done and
// the time left at the rate so far.
func progressLine(s Summary, total int64, elapsed time.Duration) string {
	rate := float64(s.BytesRead) / max(elapsed.Seconds(), 1e-9)
	line := fmt.Sprintf("sent %d lines, %.1f MB, %.1f MB/s, %d requests, %d retries",
		s.Lines, float64(s.BytesRead)/1e6, rate/1e6, s.Requests, s.Retries)
	if total > 0 {
		done := min(float64(s.BytesRead)/float64(total), 1)
		line = fmt.Sprintf("%3.0f%% of %.1f MB, ", 100*done, float64(total)/1e6) + line
		if rate > 0 && done < 1 {
			left := time.Duration(float64(total-s.BytesRead) / rate * float64(time.Second))
			line += fmt.Sprintf(", %s left", left.Round(time.Second))
		}
	}
	return line
}
