// Package lambdaapi is a client of the two HTTP APIs Lambda offers inside an
// execution environment: the Runtime API (2018-06-01), through which a
// custom runtime takes invocations and answers them, and the Extensions API
// (2020-01-01), through which an external extension learns that the
// environment shuts down. It is transport only: the invoke loop and the
// shutdown flush live elsewhere.
package lambdaapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Header names of both APIs.
const (
	HeaderRequestID   = "Lambda-Runtime-Aws-Request-Id"
	HeaderDeadline    = "Lambda-Runtime-Deadline-Ms"
	HeaderFunctionARN = "Lambda-Runtime-Invoked-Function-Arn"
	HeaderTraceID     = "Lambda-Runtime-Trace-Id"
	HeaderErrorType   = "Lambda-Runtime-Function-Error-Type"
	HeaderExtName     = "Lambda-Extension-Name"
	HeaderExtID       = "Lambda-Extension-Identifier"
)

// client has no timeout: invocation/next and event/next block until Lambda
// has something, which may be a long time. Calls are bounded by their ctx.
var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2, DisableCompression: true}}

// Runtime is a Runtime API client.
type Runtime struct {
	base string
	buf  bytes.Buffer // the last payload, reused: invocations are sequential
}

// NewRuntime returns a client for the Runtime API at addr
// ($AWS_LAMBDA_RUNTIME_API, host:port).
func NewRuntime(addr string) *Runtime {
	return &Runtime{base: "http://" + addr + "/2018-06-01/runtime"}
}

// Invocation is one event to handle.
type Invocation struct {
	RequestID   string
	Deadline    time.Time
	FunctionARN string
	TraceID     string
	// Payload is the event. It is valid until the next call to Next.
	Payload []byte
}

// Next waits for the next invocation.
func (r *Runtime) Next(ctx context.Context) (*Invocation, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.base+"/invocation/next", nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("lambdaapi: next invocation: %w", err)
	}
	defer resp.Body.Close()
	r.buf.Reset()
	if _, err := r.buf.ReadFrom(resp.Body); err != nil {
		return nil, fmt.Errorf("lambdaapi: next invocation: read: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("lambdaapi: next invocation: %s: %s", resp.Status, r.buf.Bytes())
	}
	inv := &Invocation{
		RequestID:   resp.Header.Get(HeaderRequestID),
		FunctionARN: resp.Header.Get(HeaderFunctionARN),
		TraceID:     resp.Header.Get(HeaderTraceID),
		Payload:     r.buf.Bytes(),
	}
	if ms, err := strconv.ParseInt(resp.Header.Get(HeaderDeadline), 10, 64); err == nil {
		inv.Deadline = time.UnixMilli(ms)
	}
	if inv.RequestID == "" {
		return nil, fmt.Errorf("lambdaapi: next invocation: no %s header", HeaderRequestID)
	}
	return inv, nil
}

// Respond posts the result of invocation id.
func (r *Runtime) Respond(ctx context.Context, id string, body []byte) error {
	return post(ctx, r.base+"/invocation/"+id+"/response", body, nil, "response to "+id)
}

// Error is the body Lambda expects for a failed invocation or init.
type Error struct {
	Message string `json:"errorMessage"`
	Type    string `json:"errorType"`
}

// Fail reports that invocation id failed.
func (r *Runtime) Fail(ctx context.Context, id string, e Error) error {
	body, _ := json.Marshal(e)
	return post(ctx, r.base+"/invocation/"+id+"/error", body, http.Header{HeaderErrorType: {e.Type}}, "error for "+id)
}

// InitError reports that the runtime cannot start; the process should exit
// after it.
func (r *Runtime) InitError(ctx context.Context, e Error) error {
	body, _ := json.Marshal(e)
	return post(ctx, r.base+"/init/error", body, http.Header{HeaderErrorType: {e.Type}}, "init error")
}

func post(ctx context.Context, url string, body []byte, h http.Header, what string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("lambdaapi: post %s: %w", what, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("lambdaapi: post %s: %s: %s", what, resp.Status, msg)
	}
	return nil
}

// Extension is an Extensions API client, registered.
type Extension struct {
	base string
	id   string
}

// Register registers an external extension named name (Lambda requires the
// executable's file name) for events, such as "SHUTDOWN".
func Register(ctx context.Context, addr, name string, events ...string) (*Extension, error) {
	e := &Extension{base: "http://" + addr + "/2020-01-01/extension"}
	body, _ := json.Marshal(map[string][]string{"events": events})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.base+"/register", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set(HeaderExtName, name)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("lambdaapi: register extension %s: %w", name, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("lambdaapi: register extension %s: %s: %s", name, resp.Status, msg)
	}
	if e.id = resp.Header.Get(HeaderExtID); e.id == "" {
		return nil, fmt.Errorf("lambdaapi: register extension %s: no %s header", name, HeaderExtID)
	}
	return e, nil
}

// Event is what event/next returns.
type Event struct {
	EventType      string `json:"eventType"` // INVOKE or SHUTDOWN
	DeadlineMs     int64  `json:"deadlineMs"`
	RequestID      string `json:"requestId"`
	ShutdownReason string `json:"shutdownReason"` // spindown, timeout or failure
}

// Deadline is the event's deadline as a time.
func (ev Event) Deadline() time.Time { return time.UnixMilli(ev.DeadlineMs) }

// Next waits for the next event.
func (e *Extension) Next(ctx context.Context) (Event, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.base+"/event/next", nil)
	if err != nil {
		return Event{}, err
	}
	req.Header.Set(HeaderExtID, e.id)
	resp, err := client.Do(req)
	if err != nil {
		return Event{}, fmt.Errorf("lambdaapi: next event: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return Event{}, fmt.Errorf("lambdaapi: next event: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return Event{}, fmt.Errorf("lambdaapi: next event: %s: %s", resp.Status, body)
	}
	var ev Event
	if err := json.Unmarshal(body, &ev); err != nil {
		return Event{}, fmt.Errorf("lambdaapi: next event: %w", err)
	}
	return ev, nil
}

// InitError reports that the extension cannot start.
func (e *Extension) InitError(ctx context.Context, x Error) error {
	body, _ := json.Marshal(x)
	return post(ctx, e.base+"/init/error", body, http.Header{HeaderExtID: {e.id}, "Lambda-Extension-Function-Error-Type": {x.Type}}, "extension init error")
}

// ExitError reports why the extension is about to exit abnormally.
func (e *Extension) ExitError(ctx context.Context, x Error) error {
	body, _ := json.Marshal(x)
	return post(ctx, e.base+"/exit/error", body, http.Header{HeaderExtID: {e.id}, "Lambda-Extension-Function-Error-Type": {x.Type}}, "extension exit error")
}
