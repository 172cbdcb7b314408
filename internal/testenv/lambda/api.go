package lambda

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// errNotAllowed is the error text of the service's state machines.
const errNotAllowed = "State transition is not allowed"

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern string, h func(*recorder, *http.Request)) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) { h(w.(*recorder), r) })
	}
	handle("GET /2018-06-01/runtime/invocation/next", s.runtimeNext)
	handle("POST /2018-06-01/runtime/invocation/{id}/response", s.runtimeResponse)
	handle("POST /2018-06-01/runtime/invocation/{id}/error", s.runtimeError)
	handle("POST /2018-06-01/runtime/init/error", s.runtimeInitError)
	handle("POST /2020-01-01/extension/register", s.extRegister)
	handle("GET /2020-01-01/extension/event/next", s.extNext)
	handle("POST /2020-01-01/extension/init/error", func(w *recorder, r *http.Request) { s.extError(w, r, "init") })
	handle("POST /2020-01-01/extension/exit/error", func(w *recorder, r *http.Request) { s.extError(w, r, "exit") })
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recorder{ResponseWriter: w}
		body := &countingReader{ReadCloser: r.Body}
		r.Body = body
		at := time.Now()
		mux.ServeHTTP(rec, r)
		req := Request{
			Method:     r.Method,
			Path:       r.URL.Path,
			Caller:     rec.caller,
			Header:     r.Header.Clone(),
			Status:     rec.status,
			At:         at,
			Duration:   time.Since(at),
			ClientGone: rec.clientGone,
			BodySize:   body.n,
		}
		s.mu.Lock()
		s.requests = append(s.requests, req)
		s.mu.Unlock()
	})
}

// recorder remembers what a handler answered.
type recorder struct {
	http.ResponseWriter
	status     int
	caller     string
	clientGone bool
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

type countingReader struct {
	io.ReadCloser
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n += int64(n)
	return n, err
}

// errorResponse is the body of every error the service answers.
type errorResponse struct {
	ErrorMessage string `json:"errorMessage"`
	ErrorType    string `json:"errorType"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(mustJSON(v))
}

func writeError(w http.ResponseWriter, status int, errorType, format string, args ...any) {
	writeJSON(w, status, errorResponse{ErrorMessage: fmt.Sprintf(format, args...), ErrorType: errorType})
}

// accepted is the 202 every POST that Lambda takes gets.
func accepted(w http.ResponseWriter) {
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "OK"})
}

func invalidRequestID(w http.ResponseWriter) {
	writeError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
}

func runtimeStateError(w http.ResponseWriter, from runtimeState, to string) {
	writeError(w, http.StatusForbidden, "InvalidStateTransition",
		"State transition from %s to %s failed for runtime. Error: %s", from, to, errNotAllowed)
}

// runtimeNext serves GET runtime/invocation/next: it holds the call until
// an invocation is handed out. A call made while the runtime still holds an
// unanswered invocation gets that invocation again, as Lambda does.
func (s *Server) runtimeNext(w *recorder, r *http.Request) {
	w.caller = "runtime"
	s.mu.Lock()
	switch s.rt {
	case rtInitError:
		from := s.rt
		s.mu.Unlock()
		runtimeStateError(w, from, "RuntimeReadyState")
		return
	case rtStarted:
		// The runtime's first next ends its init, and extension registration.
		s.rt = rtReady
		s.logf("runtime called invocation/next: init done, registration closed")
	case rtResponded:
		s.rt = rtReady
		s.current = nil
	}
	s.rtWaiting++
	s.dispatchLocked()
	s.broadcastLocked()
	for {
		if inv := s.current; inv != nil && s.rt == rtReady {
			s.rtWaiting--
			s.mu.Unlock()
			h := w.Header()
			h.Set(headerRequestID, inv.id)
			h.Set(headerDeadline, deadlineHeader(inv.deadline))
			h.Set(headerFunctionARN, s.opts.FunctionARN)
			h.Set(headerTraceID, inv.trace)
			h.Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(inv.event)
			return
		}
		if !s.waitLocked(r.Context()) {
			s.rtWaiting--
			w.clientGone = r.Context().Err() != nil && !s.closed()
			s.mu.Unlock()
			return
		}
	}
}

// beginAnswer checks an invocation/{id}/response or /error call the way
// Lambda does (the id first, then the runtime's state) and, when it may
// proceed, returns the invocation with the runtime marked as answering.
func (s *Server) beginAnswer(w *recorder, r *http.Request, to string) *invocation {
	w.caller = "runtime"
	id := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	inv := s.current
	if inv == nil || inv.id != id {
		invalidRequestID(w)
		return nil
	}
	if s.rt != rtReady {
		runtimeStateError(w, s.rt, to)
		return nil
	}
	s.rt = rtResponded
	return inv
}

// endAnswer finishes the invocation with res; a body the client did not
// finish sending leaves the invocation open.
func (s *Server) endAnswer(w *recorder, inv *invocation, readErr error, res Result) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if readErr != nil {
		if s.current == inv && s.rt == rtResponded {
			s.rt = rtReady
		}
		writeError(w, http.StatusBadRequest, "TruncatedHTTPRequest", "HTTP request detected as truncated")
		return false
	}
	s.finishLocked(inv, res, nil)
	s.broadcastLocked()
	return true
}

// runtimeResponse serves POST runtime/invocation/{id}/response.
func (s *Server) runtimeResponse(w *recorder, r *http.Request) {
	inv := s.beginAnswer(w, r, "RuntimeInvocationResponseState")
	if inv == nil {
		return
	}
	body, n, err := readBody(r.Body, MaxPayloadSize)
	if err == nil && n > MaxPayloadSize {
		// Lambda refuses the body with 413 and fails the invocation.
		msg := fmt.Sprintf("Response payload size (%d bytes) exceeded maximum allowed payload size (%d bytes).", n, MaxPayloadSize)
		e := &InvokeError{Type: "Function.ResponseSizeTooLarge", Message: msg,
			Body: mustJSON(errorResponse{ErrorMessage: msg, ErrorType: "Function.ResponseSizeTooLarge"})}
		if s.endAnswer(w, inv, nil, Result{Error: e}) {
			writeError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge",
				"Exceeded maximum allowed payload size (%d bytes).", MaxPayloadSize)
		}
		return
	}
	if s.endAnswer(w, inv, err, Result{Response: body}) {
		accepted(w)
	}
}

// runtimeError serves POST runtime/invocation/{id}/error.
func (s *Server) runtimeError(w *recorder, r *http.Request) {
	inv := s.beginAnswer(w, r, "RuntimeInvocationErrorResponseState")
	if inv == nil {
		return
	}
	body, _, err := readBody(r.Body, MaxPayloadSize)
	var doc errorResponse
	_ = json.Unmarshal(body, &doc)
	e := &InvokeError{Type: r.Header.Get(headerErrorType), Message: doc.ErrorMessage, Body: body}
	if e.Type == "" {
		e.Type = doc.ErrorType
	}
	if s.endAnswer(w, inv, err, Result{Error: e}) {
		accepted(w)
	}
}

// runtimeInitError serves POST runtime/init/error, which Lambda takes only
// before the runtime's first next.
func (s *Server) runtimeInitError(w *recorder, r *http.Request) {
	w.caller = "runtime"
	s.mu.Lock()
	if s.rt != rtStarted {
		from := s.rt
		s.mu.Unlock()
		runtimeStateError(w, from, "RuntimeInitErrorState")
		return
	}
	s.rt = rtInitError
	s.mu.Unlock()

	body, _, _ := readBody(r.Body, MaxPayloadSize)
	var doc errorResponse
	_ = json.Unmarshal(body, &doc)
	ie := &InitError{Type: r.Header.Get(headerErrorType), Message: doc.ErrorMessage, ErrorType: doc.ErrorType, Body: body, At: time.Now()}
	s.logf("runtime posted init/error %s: %s", ie.Type, body)

	s.mu.Lock()
	s.initErr = ie
	close(s.initErrCh)
	s.failPendingLocked(func(string) Result { return Result{Error: ie.asInvokeError()} }, nil)
	s.broadcastLocked()
	s.mu.Unlock()
	accepted(w)
}

// extRegister serves POST extension/register.
func (s *Server) extRegister(w *recorder, r *http.Request) {
	name := r.Header.Get(headerExtName)
	w.caller = name
	if name == "" {
		writeError(w, http.StatusForbidden, "Extension.InvalidExtensionName", "Empty extension name")
		return
	}
	body, _, _ := readBody(r.Body, 1<<20)
	var req struct {
		Events            []string `json:"events"`
		ConfigurationKeys []string `json:"configurationKeys"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusForbidden, "InvalidRequestFormat", "%s", err)
		return
	}
	if len(req.ConfigurationKeys) != 0 {
		writeError(w, http.StatusForbidden, "InvalidRequestFormat", "configurationKeys are deprecated; use environment variables instead")
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	external := s.external[name]
	e := &extension{id: newRequestID(), name: name}
	for _, ev := range req.Events {
		switch {
		case ev == "INVOKE":
			e.invoke = true
		case ev == "SHUTDOWN" && external:
			e.shutdown = true
		default:
			// An internal extension (no file of that name in
			// /opt/extensions) may not subscribe to SHUTDOWN.
			writeError(w, http.StatusForbidden, "Extension.InvalidEventType", "%s: invalid event type for %s extension %q", ev, kind(external), name)
			return
		}
	}
	switch {
	case s.rt != rtStarted:
		writeError(w, http.StatusForbidden, "Extension.RegistrationClosed", "Extension registration closed already")
		return
	case slices.ContainsFunc(s.extOrder, func(x *extension) bool { return x.name == name }):
		writeError(w, http.StatusForbidden, "Extension.InvalidExtensionState", "Extension with this name already registered")
		return
	case len(s.extOrder) >= maxExtensions:
		writeError(w, http.StatusForbidden, "Extension.TooManyExtensions", "Extension limit (%d) reached", maxExtensions)
		return
	}
	s.exts[e.id] = e
	s.extOrder = append(s.extOrder, e)
	s.broadcastLocked()
	s.logf("extension %q registered (%s) for %v", name, kind(external), req.Events)

	resp := map[string]string{
		"functionName":    s.functionName(),
		"functionVersion": s.functionVersion(),
		"handler":         "bootstrap",
	}
	if slices.Contains(strings.Split(r.Header.Get(headerAcceptFeature), ","), "accountId") {
		resp["accountId"] = s.accountID()
	}
	w.Header().Set(headerExtID, e.id)
	writeJSON(w, http.StatusOK, resp)
}

func kind(external bool) string {
	if external {
		return "external"
	}
	return "internal"
}

// lockExt checks the Lambda-Extension-Identifier header as Lambda does. On
// success it returns the extension with s.mu held; otherwise it has answered
// 403 and returns nil without the lock.
func (s *Server) lockExt(w *recorder, r *http.Request) *extension {
	id := r.Header.Get(headerExtID)
	switch {
	case id == "":
		writeError(w, http.StatusForbidden, "Extension.MissingExtensionIdentifier", "Missing Lambda-Extension-Identifier header")
		return nil
	case !isUUID(id):
		writeError(w, http.StatusForbidden, "Extension.InvalidExtensionIdentifier", "Invalid Lambda-Extension-Identifier")
		return nil
	}
	s.mu.Lock()
	e := s.exts[id]
	if e == nil {
		s.mu.Unlock()
		writeError(w, http.StatusForbidden, "Extension.UnknownExtensionIdentifier", "Unknown extension %s", id)
		return nil
	}
	w.caller = e.name
	return e
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
	}
	return true
}

// extNext serves GET extension/event/next: it holds the call until the
// extension has an INVOKE or SHUTDOWN event.
func (s *Server) extNext(w *recorder, r *http.Request) {
	e := s.lockExt(w, r)
	if e == nil {
		return
	}
	if e.failed != "" {
		s.mu.Unlock()
		writeError(w, http.StatusForbidden, "Extension.InvalidExtensionState",
			"State transition from %sErrorState to ReadyState failed for extension %s. Error: %s", e.failed, e.id, errNotAllowed)
		return
	}
	e.waiting++
	s.dispatchLocked()
	s.broadcastLocked()
	for {
		var ev []byte
		if e.pending != nil {
			ev, e.pending = e.pending, nil
			w.Header().Set(headerExtEventID, newRequestID())
		} else if s.shutdownEv != nil && e.shutdown && e.gotShutAt.IsZero() {
			ev = s.shutdownEv.body
			e.gotShutAt = time.Now()
		}
		if ev != nil {
			e.waiting--
			s.broadcastLocked()
			s.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(ev)
			return
		}
		if !s.waitLocked(r.Context()) {
			e.waiting--
			w.clientGone = r.Context().Err() != nil && !s.closed()
			s.mu.Unlock()
			return
		}
	}
}

// extError serves POST extension/init/error and extension/exit/error. After
// either, Lambda answers none of the extension's calls.
func (s *Server) extError(w *recorder, r *http.Request, kind string) {
	body, _, _ := readBody(r.Body, MaxPayloadSize)
	e := s.lockExt(w, r)
	if e == nil {
		return
	}
	defer s.mu.Unlock()
	typ := r.Header.Get(headerExtErrorType)
	if typ == "" {
		writeError(w, http.StatusForbidden, "Extension.MissingHeader", "%s not found", headerExtErrorType)
		return
	}
	if e.failed != "" {
		writeError(w, http.StatusForbidden, "Extension.InvalidExtensionState",
			"State transition from %sErrorState to %sErrorState failed for extension %s. Error: %s", e.failed, kind, e.id, errNotAllowed)
		return
	}
	e.failed = kind
	s.extErrs = append(s.extErrs, ExtensionError{Name: e.name, Kind: kind, Type: typ, Body: body, At: time.Now()})
	s.logf("extension %q posted %s/error %s: %s", e.name, kind, typ, body)
	if !s.shuttingDown && s.extFault == nil {
		s.extFault = fmt.Errorf("testenv/lambda: extension %q posted %s/error %s; Lambda would fail the invocation and reset the environment", e.name, kind, typ)
		s.failPendingLocked(func(string) Result { return Result{} }, s.extFault)
	}
	s.broadcastLocked()
	accepted(w)
}
