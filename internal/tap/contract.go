package tap

import (
	"context"
	"net/http"
	"strconv"

	"github.com/datatap/datatap/internal/auth"
	"github.com/datatap/datatap/internal/cors"
	"github.com/datatap/datatap/internal/ingest"
	"github.com/datatap/datatap/transform"
)

// Request is one HTTP request as every transport sees it: the headers the
// contract reads and the body. Strings and Body are borrowed from the
// transport for the call.
type Request struct {
	Method, Path    string
	RequestID       string // goes into error bodies
	ContentEncoding string
	Auth            auth.Request
	// The headers of Firehose HTTP endpoint delivery (ingest.Firehose).
	FirehoseRequestID, FirehoseAccessKey string
	// CORS is the request as package cors reads it (only when CORS is on).
	CORS cors.Request
	// CrossSite, when set, says why the request came from a web page (serve
	// fills it in): a tap whose gate takes every request refuses it.
	CrossSite string
	Body      []byte
	// BodyErr is the transport's failure to decode the body (a Function
	// URL event's base64), answered after the gate.
	BodyErr error
}

// Header is a header of a Response: lower-case names, as Function URL
// responses carry them (net/http canonicalizes them).
type Header = cors.Header

// Response is the answer to a Request. Its Body and Headers are valid until
// the next Handle with the same Response, which reuses their room: a
// transport keeps one per goroutine, so the hot path allocates nothing.
type Response struct {
	Status int
	// Body is the JSON body; nil for none (a 204).
	Body []byte
	// CORS are the CORS headers, set on every answer when CORS is on.
	CORS []Header
	// Headers are the others (allow, retry-after, www-authenticate).
	Headers []Header
	// Counts are what happened to the request's lines.
	Counts ingest.Counts
	// Err is an internal error for the log (a 500), or a failed TAP_SYNC
	// flush; never sent.
	Err error
	// Firehose says the request was a Firehose delivery, answered as
	// Firehose expects.
	Firehose bool

	buf     []byte
	headers [2]Header
}

func (r *Response) reset() {
	*r = Response{buf: r.buf[:0], Headers: r.headers[:0]}
}

// Handle answers req: CORS, health, method, Firehose delivery, gate, body,
// ingest, TAP_SYNC. It is Admit, then Firehose or Ingest.
func (t *Tap) Handle(ctx context.Context, req *Request, resp *Response) {
	if !t.Admit(req, resp) {
		return
	}
	if resp.Firehose {
		t.Firehose(req, resp)
		return
	}
	t.Ingest(ctx, req, resp)
}

// Admit answers what needs no body: the CORS preflight and refusals,
// GET /health, methods other than POST, and the gate's 401 and 403. It
// reports whether the request goes on to Ingest, or to Firehose when
// resp.Firehose is set (a Firehose request's key is its credential).
func (t *Tap) Admit(req *Request, resp *Response) bool {
	resp.reset()
	if p := t.cfg.CORS; p != nil {
		a := p.Check(req.CORS)
		resp.CORS = a.Headers
		switch {
		case a.Preflight && a.Status == http.StatusNoContent:
			resp.Status = a.Status
			return false
		case a.Preflight || a.Refused:
			t.fail(req, resp, http.StatusForbidden, cors.Message(req.CORS.Origin))
			return false
		}
	}
	switch {
	case req.Method == http.MethodGet && req.Path == "/health":
		// The same body through every transport: serve's operators and the
		// Function URL's health checks read the spool's size from it.
		b := append(resp.buf, `{"status":"ok","spool_bytes":`...)
		b = strconv.AppendInt(b, t.spool.Stats().TotalBytes, 10)
		resp.Status, resp.Body = http.StatusOK, append(b, '}')
		return false
	case req.Method != http.MethodPost:
		resp.Headers = append(resp.Headers, Header{Name: "allow", Value: "POST"})
		t.fail(req, resp, http.StatusMethodNotAllowed, "method not allowed: POST NDJSON to this URL")
		return false
	}
	if t.ingester.TakesFirehose(req.FirehoseRequestID) {
		resp.Firehose = true
		return true
	}
	if t.open && req.CrossSite != "" {
		t.fail(req, resp, http.StatusForbidden, "refused a request from a web page ("+req.CrossSite+"): this tap takes requests without a token, "+
			"so it takes them only from programs on this machine and the pages listed in TAP_CORS_ORIGINS (* lists none); "+
			"set TAP_JWT_SECRET and TAP_ACL to take them from elsewhere")
		return false
	}
	return t.allow(req, resp)
}

// Allow answers a request the gate refuses (401 with WWW-Authenticate, or
// 403), reporting whether it lets the request in. Admit runs it; serve's
// /metrics and /stats run it alone.
func (t *Tap) Allow(req *Request, resp *Response) bool {
	resp.reset()
	return t.allow(req, resp)
}

func (t *Tap) allow(req *Request, resp *Response) bool {
	if _, err := t.gate.Allow(req.Auth); err != nil {
		status, msg := auth.Status(err)
		if status == http.StatusUnauthorized {
			resp.Headers = append(resp.Headers, Header{Name: "www-authenticate", Value: "Bearer"})
		}
		t.fail(req, resp, status, msg)
		return false
	}
	return true
}

// Ingest spools an admitted request's body in an ingest slot and answers
// 202, or 200 when TAP_SYNC flushed it; a 429 asks for a flush
// (MarkPending) and carries Retry-After. When ctx ends before a slot is
// free, Status is 0: nobody is left to answer, nothing was ingested.
func (t *Tap) Ingest(ctx context.Context, req *Request, resp *Response) {
	if req.BodyErr != nil {
		t.fail(req, resp, ingest.Status(req.BodyErr), req.BodyErr.Error())
		return
	}
	select {
	case t.slots <- struct{}{}:
	case <-ctx.Done():
		resp.Status = 0
		return
	}
	counts, err := t.ingester.Ingest(req.Body, req.ContentEncoding)
	<-t.slots
	resp.Counts = counts
	if err != nil {
		status := ingest.Status(err)
		switch status {
		case http.StatusTooManyRequests:
			t.MarkPending() // make room: flush before the next request
			resp.Headers = append(resp.Headers, Header{Name: "retry-after", Value: ingest.RetryAfter})
		case http.StatusInternalServerError:
			resp.Err = err
		}
		t.fail(req, resp, status, ingest.Message(err))
		return
	}
	resp.Status = http.StatusAccepted
	if t.cfg.Sync {
		if err := t.Flush(ctx); err == nil {
			resp.Status = http.StatusOK
		} else {
			resp.Err = err
		}
	}
	b := append(resp.buf, `{"accepted":`...)
	b = strconv.AppendInt(b, int64(counts.Accepted), 10)
	b = append(b, `,"filtered":`...)
	b = strconv.AppendInt(b, int64(counts.Filtered), 10)
	b = append(b, `,"rejected":`...)
	b = strconv.AppendInt(b, int64(counts.Rejected), 10)
	resp.buf = append(b, '}')
	resp.Body = resp.buf
}

// Firehose answers an admitted Firehose delivery request, in an ingest
// slot, as Firehose expects (see ingest.Firehose); no CORS: Firehose is no
// browser.
func (t *Tap) Firehose(req *Request, resp *Response) {
	resp.CORS = nil
	var ans ingest.FirehoseAnswer
	if req.BodyErr != nil {
		ans = ingest.FirehoseError(ingest.Status(req.BodyErr), req.FirehoseRequestID, req.BodyErr.Error())
	} else {
		t.slots <- struct{}{}
		ans = t.ingester.Firehose(ingest.FirehoseRequest{
			RequestID: req.FirehoseRequestID, AccessKey: req.FirehoseAccessKey,
			ContentEncoding: req.ContentEncoding, Body: req.Body,
		})
		<-t.slots
	}
	resp.Status, resp.Body, resp.Counts, resp.Err = ans.Status, ans.Body, ans.Counts, ans.Err
	if ans.Status == http.StatusTooManyRequests {
		t.MarkPending()
		resp.Headers = append(resp.Headers, Header{Name: "retry-after", Value: ingest.RetryAfter})
	}
}

// FirehoseError answers a Firehose request the transport could not read.
func (t *Tap) FirehoseError(req *Request, resp *Response, status int, msg string) {
	ans := ingest.FirehoseError(status, req.FirehoseRequestID, msg)
	resp.Status, resp.Body, resp.CORS = ans.Status, ans.Body, nil
}

// Fail answers req with an error of the contract: status and the body
// {"error":msg,"requestId":…}. Transports use it for their own refusals
// (a body too slow, a server stopping).
func (t *Tap) Fail(req *Request, resp *Response, status int, msg string) {
	t.fail(req, resp, status, msg)
}

func (t *Tap) fail(req *Request, resp *Response, status int, msg string) {
	b := append(resp.buf, `{"error":`...)
	b = transform.AppendJSONString(b, msg)
	b = append(b, `,"requestId":`...)
	b = transform.AppendJSONString(b, req.RequestID)
	resp.buf = append(b, '}')
	resp.Status, resp.Body = status, resp.buf
}
