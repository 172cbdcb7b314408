package lambda

// This file is the client of the Runtime API (2018-06-01), through which a
// custom runtime takes invocations and answers them. It is transport only:
// the invoke loop is in runtime.go. The Extensions API client is in ext/,
// beside the shutdown flush.

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

// Header names of the Runtime API.
const (
	headerRequestID   = "Lambda-Runtime-Aws-Request-Id"
	headerDeadline    = "Lambda-Runtime-Deadline-Ms"
	headerFunctionARN = "Lambda-Runtime-Invoked-Function-Arn"
	headerTraceID     = "Lambda-Runtime-Trace-Id"
	headerErrorType   = "Lambda-Runtime-Function-Error-Type"
)

// client has no timeout: invocation/next blocks until Lambda has an event,
// which may be a long time. Calls are bounded by their ctx.
var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2, DisableCompression: true}}

// runtimeAPI is a Runtime API client.
type runtimeAPI struct {
	base string
	buf  bytes.Buffer // the last payload, reused: invocations are sequential
}

// newRuntimeAPI returns a client for the Runtime API at addr
// ($AWS_LAMBDA_RUNTIME_API, host:port).
func newRuntimeAPI(addr string) *runtimeAPI {
	return &runtimeAPI{base: "http://" + addr + "/2018-06-01/runtime"}
}

// invocation is one event to handle.
type invocation struct {
	RequestID   string
	Deadline    time.Time
	FunctionARN string
	TraceID     string
	// Payload is the event. It is valid until the next call to Next.
	Payload []byte
}

// Next waits for the next invocation.
func (r *runtimeAPI) Next(ctx context.Context) (*invocation, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.base+"/invocation/next", nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("lambda: next invocation: %w", err)
	}
	defer resp.Body.Close()
	r.buf.Reset()
	if _, err := r.buf.ReadFrom(resp.Body); err != nil {
		return nil, fmt.Errorf("lambda: next invocation: read: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("lambda: next invocation: %s: %s", resp.Status, r.buf.Bytes())
	}
	inv := &invocation{
		RequestID:   resp.Header.Get(headerRequestID),
		FunctionARN: resp.Header.Get(headerFunctionARN),
		TraceID:     resp.Header.Get(headerTraceID),
		Payload:     r.buf.Bytes(),
	}
	if ms, err := strconv.ParseInt(resp.Header.Get(headerDeadline), 10, 64); err == nil {
		inv.Deadline = time.UnixMilli(ms)
	}
	if inv.RequestID == "" {
		return nil, fmt.Errorf("lambda: next invocation: no %s header", headerRequestID)
	}
	return inv, nil
}

// Respond posts the result of invocation id.
func (r *runtimeAPI) Respond(ctx context.Context, id string, body []byte) error {
	return post(ctx, r.base+"/invocation/"+id+"/response", body, nil, "response to "+id)
}

// apiError is the body Lambda expects for a failed invocation or init.
type apiError struct {
	Message string `json:"errorMessage"`
	Type    string `json:"errorType"`
}

// Fail reports that invocation id failed.
func (r *runtimeAPI) Fail(ctx context.Context, id string, e apiError) error {
	body, _ := json.Marshal(e)
	return post(ctx, r.base+"/invocation/"+id+"/error", body, http.Header{headerErrorType: {e.Type}}, "error for "+id)
}

// InitError reports that the runtime cannot start; the process should exit
// after it.
func (r *runtimeAPI) InitError(ctx context.Context, e apiError) error {
	body, _ := json.Marshal(e)
	return post(ctx, r.base+"/init/error", body, http.Header{headerErrorType: {e.Type}}, "init error")
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
		return fmt.Errorf("lambda: post %s: %w", what, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("lambda: post %s: %s: %s", what, resp.Status, msg)
	}
	return nil
}
