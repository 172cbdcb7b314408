package lambda

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// MaxPayloadSize is the largest invocation event or response Lambda accepts:
// 6 MiB plus 100 bytes, the constant of the Runtime Interface Emulator. A
// larger response is refused with 413 and the invocation fails with
// Function.ResponseSizeTooLarge.
const MaxPayloadSize = 6*1024*1024 + 100

// Header names of both APIs.
const (
	headerRequestID     = "Lambda-Runtime-Aws-Request-Id"
	headerDeadline      = "Lambda-Runtime-Deadline-Ms"
	headerFunctionARN   = "Lambda-Runtime-Invoked-Function-Arn"
	headerTraceID       = "Lambda-Runtime-Trace-Id"
	headerErrorType     = "Lambda-Runtime-Function-Error-Type"
	headerExtName       = "Lambda-Extension-Name"
	headerExtID         = "Lambda-Extension-Identifier"
	headerExtErrorType  = "Lambda-Extension-Function-Error-Type"
	headerExtEventID    = "Lambda-Extension-Event-Identifier"
	headerAcceptFeature = "Lambda-Extension-Accept-Feature"
)

// maxExtensions is Lambda's limit on registered extensions per function.
const maxExtensions = 10

// Options configures a Server. Zero fields take the defaults below.
type Options struct {
	// ShutdownDeadline is the length of the whole shutdown phase: Lambda
	// gives 2000 ms when external extensions are registered. The runtime's
	// grace is taken from it; the extensions get the rest, and their
	// SHUTDOWN event's deadlineMs is its end. Default 2s.
	ShutdownDeadline time.Duration
	// RuntimeGrace is how long the runtime may take to exit after SIGTERM
	// before it is SIGKILLed (Lambda reserves up to 300 ms). Default 300ms.
	RuntimeGrace time.Duration
	// FunctionARN is sent as the invoked function ARN. Default
	// "arn:aws:lambda:us-east-1:123456789012:function:datatap".
	FunctionARN string
	// Timeout is the function timeout: Lambda-Runtime-Deadline-Ms is the time
	// an invocation is handed out plus Timeout. Default 30s.
	Timeout time.Duration
	// ExternalExtensions names extensions that exist as files in
	// /opt/extensions but that the test drives itself rather than through
	// StartExtension (which adds its name). Lambda treats a registration
	// whose Lambda-Extension-Name matches no such file as an internal
	// extension, which may not subscribe to SHUTDOWN.
	ExternalExtensions []string
}

func (o *Options) setDefaults() {
	if o.ShutdownDeadline <= 0 {
		o.ShutdownDeadline = 2 * time.Second
	}
	if o.RuntimeGrace <= 0 {
		o.RuntimeGrace = 300 * time.Millisecond
	}
	if o.FunctionARN == "" {
		o.FunctionARN = "arn:aws:lambda:us-east-1:123456789012:function:datatap"
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
}

// Result is what Lambda returns to the caller of one invocation.
type Result struct {
	// RequestID is the id the runtime saw in Lambda-Runtime-Aws-Request-Id.
	RequestID string
	// Response is the body the runtime posted to invocation/{id}/response.
	Response []byte
	// Error is set instead of Response when the invocation failed: the
	// runtime posted to invocation/{id}/error or runtime/init/error, its
	// response was too large, or the runtime process exited.
	Error *InvokeError
}

// InvokeError is a failed invocation as Lambda reports it.
type InvokeError struct {
	// Type is the Lambda-Runtime-Function-Error-Type header the runtime sent,
	// or, without it, the errorType of the body; Lambda's own failures use
	// its types (Function.ResponseSizeTooLarge, Runtime.ExitError).
	Type string
	// Message is the errorMessage of the body, when it is JSON.
	Message string
	// Body is the error document as posted.
	Body []byte
}

// Error makes an InvokeError usable as an error, e.g. in t.Fatal.
func (e *InvokeError) Error() string {
	return fmt.Sprintf("lambda invocation error %s: %s", e.Type, e.Message)
}

// InitError is what the runtime posted to runtime/init/error.
type InitError struct {
	// Type is the Lambda-Runtime-Function-Error-Type header (optional for
	// Lambda, so possibly empty).
	Type string
	// Message and ErrorType are the errorMessage and errorType of the body,
	// when it is JSON.
	Message, ErrorType string
	// Body is the error document as posted.
	Body []byte
	// At is when it arrived.
	At time.Time
}

// ExtensionError is a report an extension posted to extension/init/error or
// extension/exit/error.
type ExtensionError struct {
	// Name is the extension's Lambda-Extension-Name.
	Name string
	// Kind is "init" or "exit", after the path.
	Kind string
	// Type is the Lambda-Extension-Function-Error-Type header.
	Type string
	// Body is the error document as posted.
	Body []byte
	// At is when it arrived.
	At time.Time
}

// Request is one API call as the server saw it, for tests that check how the
// code under test speaks the protocol.
type Request struct {
	// Method and Path are those of the HTTP request.
	Method, Path string
	// Caller is "runtime" for Runtime API paths, the extension's name for
	// Extensions API paths (empty when the identifier was unknown).
	Caller string
	// Header holds the request headers.
	Header http.Header
	// Status is the status code answered (0 when none was written because
	// the client went away or the server closed).
	Status int
	// At is when the request arrived.
	At time.Time
	// Duration is how long it took to answer: for invocation/next and
	// event/next, how long the call was held.
	Duration time.Duration
	// ClientGone is true when the client hung up while the server was still
	// holding the request, e.g. because a client timeout cut a blocking next.
	ClientGone bool
	// BodySize is the number of request body bytes read.
	BodySize int64
}

// Server is a Lambda execution environment's API endpoint and process
// supervisor. Its methods are safe for concurrent use.
type Server struct {
	opts Options
	ln   net.Listener
	srv  *http.Server
	logs logBuffer
	done chan struct{} // closed when the server closes

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every state change

	// Runtime side.
	rt          runtimeState
	rtWaiting   int // invocation/next calls being held
	queue       []*invocation
	current     *invocation // handed to the runtime, not yet finished by its next call to next
	initErr     *InitError
	initErrCh   chan struct{} // closed when initErr is set
	runtimeProc *process
	runtimeExit string // set when the runtime process exited outside Shutdown

	// Extensions side.
	external map[string]bool       // names Lambda would find in /opt/extensions
	exts     map[string]*extension // by identifier
	extOrder []*extension          // in registration order
	extProcs map[string]*process   // by name
	extFault error                 // an extension crashed or reported an error
	extErrs  []ExtensionError

	// Shutdown.
	shuttingDown bool
	shutdownEv   *shutdownEvent // non-nil once SHUTDOWN is being handed out
	report       *ShutdownReport

	requests []Request
}

type runtimeState int

const (
	rtStarted   runtimeState = iota // has not called next yet
	rtReady                         // called next; waiting for or handling an invocation
	rtResponded                     // answered the current invocation
	rtInitError                     // posted runtime/init/error
)

var rtStateNames = [...]string{"RuntimeStartedState", "RuntimeReadyState", "RuntimeResponseSentState", "RuntimeInitErrorState"}

func (s runtimeState) String() string { return rtStateNames[s] }

type invocation struct {
	id          string
	event       []byte
	trace       string
	deadline    time.Time
	deliveredAt time.Time
	answered    bool
	result      Result
	err         error
	done        chan struct{}
}

type extension struct {
	id        string
	name      string
	invoke    bool // subscribed to INVOKE
	shutdown  bool // subscribed to SHUTDOWN
	waiting   int  // event/next calls being held
	pending   []byte
	failed    string // "init" or "exit" once it posted an error
	gotShutAt time.Time
}

type shutdownEvent struct {
	body   []byte
	sentAt time.Time
}

// Start serves both APIs on a fresh 127.0.0.1 port until the test ends. The
// cleanup kills every process still running, closes the server and, when the
// test failed, logs the processes' output and the server's own notes.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	opts.setDefaults()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testenv/lambda: listen: %v", err)
	}
	s := &Server{
		opts:      opts,
		ln:        ln,
		done:      make(chan struct{}),
		changed:   make(chan struct{}),
		initErrCh: make(chan struct{}),
		external:  map[string]bool{},
		exts:      map[string]*extension{},
		extProcs:  map[string]*process{},
	}
	for _, n := range opts.ExternalExtensions {
		s.external[n] = true
	}
	s.srv = &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(func() {
		s.killAll()
		s.close()
		if t.Failed() {
			t.Logf("testenv/lambda: output of the execution environment:\n%s", s.Logs())
		}
	})
	return s
}

// Addr returns host:port, the value for AWS_LAMBDA_RUNTIME_API.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Logs returns the combined output of the processes, each line prefixed with
// the process's name, interleaved with the server's notes (prefix
// "lambdatest").
func (s *Server) Logs() string { return s.logs.String() }

// Requests returns every API call answered so far, in the order they ended.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// ExtensionErrors returns what extensions posted to extension/init/error and
// extension/exit/error.
func (s *Server) ExtensionErrors() []ExtensionError {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.extErrs)
}

// InitError returns what the runtime posted to runtime/init/error, if it did.
func (s *Server) InitError() (InitError, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.initErr == nil {
		return InitError{}, false
	}
	return *s.initErr, true
}

// WaitInitError waits up to timeout for the runtime to post to
// runtime/init/error and returns what it posted.
func (s *Server) WaitInitError(timeout time.Duration) (InitError, bool) {
	select {
	case <-s.initErrCh:
	case <-time.After(timeout):
	case <-s.done:
	}
	return s.InitError()
}

// Invoke queues one event and waits for the runtime's answer, for at most
// Options.Timeout plus 5s. Like Lambda, it hands the event out only when the
// runtime and every registered extension wait in next. A runtime error, an
// init error, an oversized response or the runtime process's exit come back
// as Result.Error; the returned error is for what Lambda would not answer
// with a function error: ctx ended, no answer in time, shutdown, an
// extension that crashed or reported an error, an event over
// MaxPayloadSize.
func (s *Server) Invoke(ctx context.Context, event []byte) (Result, error) {
	inv := &invocation{
		id:    newRequestID(),
		event: slices.Clone(event),
		trace: newTraceID(),
		done:  make(chan struct{}),
	}
	res := Result{RequestID: inv.id}
	if len(event) > MaxPayloadSize {
		return res, fmt.Errorf("testenv/lambda: invoke: event of %d bytes is over Lambda's %d", len(event), MaxPayloadSize)
	}
	if event == nil {
		inv.event = []byte{}
	}
	s.mu.Lock()
	switch {
	case s.shuttingDown:
		s.mu.Unlock()
		return res, errors.New("testenv/lambda: invoke: the environment is shut down")
	case s.initErr != nil:
		s.finishLocked(inv, Result{Error: s.initErr.asInvokeError()}, nil)
	case s.runtimeExit != "":
		s.finishLocked(inv, Result{Error: runtimeExitError(inv.id, s.runtimeExit)}, nil)
	case s.extFault != nil:
		s.finishLocked(inv, Result{}, s.extFault)
	default:
		s.queue = append(s.queue, inv)
		s.dispatchLocked()
	}
	s.mu.Unlock()

	limit := s.opts.Timeout + 5*time.Second
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case <-inv.done:
		return inv.result, inv.err
	case <-ctx.Done():
		return res, fmt.Errorf("testenv/lambda: invoke %s: %w (%s)", inv.id, ctx.Err(), s.abandon(inv))
	case <-timer.C:
		return res, fmt.Errorf("testenv/lambda: invoke %s: no answer within %s (%s)", inv.id, limit, s.abandon(inv))
	case <-s.done:
		return res, fmt.Errorf("testenv/lambda: invoke %s: server closed", inv.id)
	}
}

// abandon takes an invocation nobody waits for any more out of the queue and
// says where it was, for the error message.
func (s *Server) abandon(inv *invocation) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := slices.Index(s.queue, inv); i >= 0 {
		s.queue = slices.Delete(s.queue, i, i+1)
		return "never handed out: " + s.readinessLocked()
	}
	if !inv.deliveredAt.IsZero() {
		return fmt.Sprintf("handed to the runtime %s ago", time.Since(inv.deliveredAt).Round(time.Millisecond))
	}
	return "finished"
}

// readinessLocked describes who Lambda still waits for before it can hand
// out an invocation.
func (s *Server) readinessLocked() string {
	var why []string
	switch {
	case s.rt == rtStarted && s.rtWaiting == 0:
		why = append(why, "the runtime never called invocation/next")
	case s.rt == rtResponded || s.rtWaiting == 0:
		why = append(why, "the runtime is not waiting in invocation/next")
	case s.current != nil:
		why = append(why, "the runtime still holds invocation "+s.current.id)
	}
	for _, e := range s.extOrder {
		if e.waiting == 0 || e.pending != nil {
			why = append(why, fmt.Sprintf("extension %q is not waiting in event/next", e.name))
		}
	}
	if len(why) == 0 {
		return "everyone was ready"
	}
	return strings.Join(why, "; ")
}

// dispatchLocked hands the next queued invocation out if Lambda would: the
// runtime waits in next with nothing in hand and every registered extension
// waits in event/next.
func (s *Server) dispatchLocked() {
	if len(s.queue) == 0 || s.shuttingDown || s.rt != rtReady || s.current != nil || s.rtWaiting == 0 {
		return
	}
	for _, e := range s.extOrder {
		if e.waiting == 0 || e.pending != nil {
			return
		}
	}
	inv := s.queue[0]
	s.queue = s.queue[1:]
	now := time.Now()
	inv.deliveredAt = now
	inv.deadline = now.Add(s.opts.Timeout)
	for _, e := range s.extOrder {
		if e.invoke {
			e.pending = mustJSON(map[string]any{
				"eventType":          "INVOKE",
				"deadlineMs":         inv.deadline.UnixMilli(),
				"requestId":          inv.id,
				"invokedFunctionArn": s.opts.FunctionARN,
				"tracing":            map[string]string{"type": "X-Amzn-Trace-Id", "value": inv.trace},
			})
		}
	}
	s.current = inv
	s.broadcastLocked()
}

func (s *Server) broadcastLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitLocked releases the lock until the state changes, ctx ends or the
// server closes; it reports whether to go on.
func (s *Server) waitLocked(ctx context.Context) (ok bool) {
	ch := s.changed
	s.mu.Unlock()
	defer s.mu.Lock()
	select {
	case <-ch:
		return true
	case <-ctx.Done():
		return false
	case <-s.done:
		return false
	}
}

func (s *Server) finishLocked(inv *invocation, res Result, err error) {
	if inv.answered {
		return
	}
	inv.answered = true
	res.RequestID = inv.id
	inv.result, inv.err = res, err
	close(inv.done)
}

// failPendingLocked ends every queued invocation and the one in hand; a
// later answer to the latter gets 400, as for any id that is not current.
func (s *Server) failPendingLocked(res func(id string) Result, err error) {
	for _, inv := range s.queue {
		s.finishLocked(inv, res(inv.id), err)
	}
	s.queue = nil
	if s.current != nil {
		s.finishLocked(s.current, res(s.current.id), err)
		s.current = nil
	}
}

func (e *InitError) asInvokeError() *InvokeError {
	t := e.Type
	if t == "" {
		t = e.ErrorType
	}
	return &InvokeError{Type: t, Message: e.Message, Body: e.Body}
}

// runtimeExitError is the error Lambda returns when the runtime process
// exits during an invocation.
func runtimeExitError(id, status string) *InvokeError {
	msg := fmt.Sprintf("RequestId: %s Error: Runtime exited with error: %s", id, status)
	body := mustJSON(map[string]string{"errorType": "Runtime.ExitError", "errorMessage": msg})
	return &InvokeError{Type: "Runtime.ExitError", Message: msg, Body: body}
}

// close stops the server and releases every held request.
func (s *Server) close() {
	s.mu.Lock()
	select {
	case <-s.done:
	default:
		close(s.done)
	}
	s.mu.Unlock()
	_ = s.srv.Close()
}

func (s *Server) closed() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

func (s *Server) logf(format string, args ...any) {
	s.logs.line("lambdatest", fmt.Sprintf(format, args...))
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// newTraceID returns an X-Ray tracing header as Lambda passes it:
// Root=1-<epoch seconds, 8 hex>-<24 hex>;Parent=<16 hex>;Sampled=1.
func newTraceID() string {
	var b [20]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=1",
		time.Now().Unix(), hex.EncodeToString(b[:12]), hex.EncodeToString(b[12:]))
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// functionName and accountID take the parts of the function ARN
// arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>].
func (s *Server) functionName() string {
	p := strings.Split(s.opts.FunctionARN, ":")
	if len(p) >= 7 {
		return p[6]
	}
	return s.opts.FunctionARN
}

func (s *Server) accountID() string {
	p := strings.Split(s.opts.FunctionARN, ":")
	if len(p) >= 5 {
		return p[4]
	}
	return ""
}

func (s *Server) functionVersion() string {
	p := strings.Split(s.opts.FunctionARN, ":")
	if len(p) >= 8 && p[7] != "" && p[7][0] >= '0' && p[7][0] <= '9' {
		return p[7]
	}
	return "$LATEST"
}

// readBody reads a request body, keeping at most limit bytes, and returns the
// total size.
func readBody(r io.Reader, limit int64) ([]byte, int64, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	n := int64(len(b))
	if err != nil {
		return b, n, err
	}
	if n > limit {
		rest, err := io.Copy(io.Discard, r)
		return b[:limit], n + rest, err
	}
	return b, n, nil
}

func deadlineHeader(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
