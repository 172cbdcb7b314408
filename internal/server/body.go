package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"time"

	"github.com/datatap/datatap/internal/ingest"
)

// The bounds of serve on request bodies and on shutdown (serve -h and the
// README say the same).
const (
	// BodyGrace is how long any request body may take; past it, the body
	// must have arrived at BodyMinRate on average since it started, or the
	// request is cut and answered 408.
	BodyGrace = 10 * time.Second
	// BodyMinRate is the slowest average rate of a body after BodyGrace, in
	// bytes per second. A full 6 MiB body at this rate takes 106 s, within
	// the two minutes serve allowed every request before.
	BodyMinRate = 64 << 10
	// BudgetWait is how long a request waits for room in the memory budget
	// of bodies being read (its body still unread) before it is answered 503
	// with Retry-After.
	BudgetWait = 10 * time.Second
	// ShutdownWait is how long SIGTERM waits for requests in flight. Those
	// still open then (a body still arriving) are cut: they get no answer,
	// so none of their lines was acknowledged. Then the final flush runs.
	ShutdownWait = 5 * time.Second
)

// bounds are the limits above, and the size of the body budget; tests
// shorten them.
type bounds struct {
	grace, budgetWait, shutdownWait time.Duration
	minRate                         int64 // bytes per second
	budget                          int64 // bytes; 0: from the memory limit
}

func (b bounds) withDefaults() bounds {
	if b.grace == 0 {
		b.grace = BodyGrace
	}
	if b.minRate == 0 {
		b.minRate = BodyMinRate
	}
	if b.budgetWait == 0 {
		b.budgetWait = BudgetWait
	}
	if b.shutdownWait == 0 {
		b.shutdownWait = ShutdownWait
	}
	return b
}

// bodyBudget is how many bytes of request bodies may be held at once: a
// quarter of the Go memory limit (memlimit sets it at start from the cgroup),
// at least one body of maxBody, at most 16 of them (also the size when there
// is no limit).
func bodyBudget(maxBody, goLimit int64) int64 {
	if goLimit <= 0 || goLimit == math.MaxInt64 {
		return 16 * maxBody
	}
	return min(max(goLimit/4, maxBody), 16*maxBody)
}

// httpError is an answer to give instead of reading on.
type httpError struct {
	status int
	msg    string
}

// readBody reads the request body within the memory budget and the rate
// bound. It reserves the body's Content-Length (or the largest body, when
// the length is unknown) before reading a byte, and returns the body with the
// function that gives the reservation back.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, func(), *httpError) {
	maxBody := s.cfg.MaxBodyBytes
	if r.ContentLength > maxBody {
		w.Header().Set("Connection", "close")
		return nil, nil, &httpError{http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", maxBody)}
	}
	want := r.ContentLength
	if want < 0 {
		want = maxBody
	}
	ctx, cancel := context.WithTimeout(s.stopping, s.bounds.budgetWait)
	err := s.budget.acquire(ctx, want)
	cancel()
	if err != nil {
		w.Header().Set("Retry-After", ingest.RetryAfter)
		w.Header().Set("Connection", "close")
		return nil, nil, &httpError{http.StatusServiceUnavailable, "busy: other request bodies hold the memory for bodies being read; retry later"}
	}
	release := func() { s.budget.release(want) }

	rc := http.NewResponseController(w)
	src := &paced{r: r.Body, rc: rc, start: time.Now(), grace: s.bounds.grace, rate: s.bounds.minRate}
	var body []byte
	if r.ContentLength >= 0 {
		body = make([]byte, r.ContentLength)
		if _, err = io.ReadFull(src, body); err == nil {
			// Read on to the body's end: only then does the server watch
			// the connection, so a sender that hangs up cancels the
			// request's context (a TAP_SYNC flush stops for nobody).
			var end [1]byte
			if n, _ := src.Read(end[:]); n > 0 {
				err = errors.New("body longer than its Content-Length")
			}
		}
	} else {
		body, err = readUpTo(src, maxBody+1)
		if err == nil && int64(len(body)) > maxBody {
			release()
			w.Header().Set("Connection", "close")
			return nil, nil, &httpError{http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", maxBody)}
		}
	}
	if err != nil {
		// The server must not wait for the rest of this body before it
		// answers (it tries to read a small remainder to keep the
		// connection): the connection closes after the answer.
		rc.SetReadDeadline(time.Now())
		release()
		w.Header().Set("Connection", "close")
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, nil, &httpError{http.StatusRequestTimeout, fmt.Sprintf(
				"body too slow: after %s it must arrive at %d bytes/s or more (%d bytes in %s)",
				s.bounds.grace, s.bounds.minRate, src.got, time.Since(src.start).Round(time.Millisecond))}
		}
		return nil, nil, &httpError{http.StatusBadRequest, "could not read the body"}
	}
	// No deadline while the request is ingested: the server watches the
	// connection for a hang-up then, and a deadline there would cancel the
	// request's context.
	rc.SetReadDeadline(time.Time{})
	return body, release, nil
}

// paced is a request body that must keep a minimum rate: before each Read it
// moves the connection's read deadline to start + grace + got/rate, so a
// sender that keeps up never meets it and one that stalls meets it within
// grace of falling behind.
type paced struct {
	r     io.Reader
	rc    *http.ResponseController
	start time.Time
	grace time.Duration
	rate  int64
	got   int64
}

func (p *paced) Read(b []byte) (int, error) {
	due := p.grace + time.Duration(float64(p.got)/float64(p.rate)*float64(time.Second))
	p.rc.SetReadDeadline(p.start.Add(due))
	n, err := p.r.Read(b)
	p.got += int64(n)
	return n, err
}

// readUpTo reads r to its end or to limit bytes, whichever comes first,
// growing its buffer by doubling but never past limit (io.ReadAll may
// overshoot the reservation by its growth factor).
func readUpTo(r io.Reader, limit int64) ([]byte, error) {
	buf := make([]byte, 0, min(limit, 64<<10))
	for int64(len(buf)) < limit {
		if len(buf) == cap(buf) {
			next := make([]byte, len(buf), min(limit, int64(2*cap(buf))))
			copy(next, buf)
			buf = next
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}
