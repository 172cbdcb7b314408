package lambda_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/datatap/datatap/internal/testenv/lambda"
)

// The test binary doubles as the runtime and extension processes: with
// LAMBDATEST_HELPER set, TestMain runs that role instead of the tests.
func TestMain(m *testing.M) {
	switch os.Getenv("LAMBDATEST_HELPER") {
	case "":
		os.Exit(m.Run())
	case "runtime":
		os.Exit(helperRuntime())
	case "init-error":
		os.Exit(helperInitError())
	case "extension":
		os.Exit(helperExtension())
	case "chatty":
		w := bufio.NewWriter(os.Stdout)
		for i := range 100_000 {
			fmt.Fprintf(w, "line %06d %s\n", i, strings.Repeat("x", 50))
		}
		fmt.Fprintln(w, "last line")
		_ = w.Flush()
		os.Exit(0)
	default:
		fmt.Fprintln(os.Stderr, "unknown LAMBDATEST_HELPER")
		os.Exit(2)
	}
}

func helperCmd(role string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	// Under -race, a process sleeps 1s in os.Exit (GORACE atexit_sleep_ms),
	// which would eat the runtime's 300ms grace.
	cmd.Env = append(os.Environ(), "LAMBDATEST_HELPER="+role, "GORACE="+os.Getenv("GORACE")+" atexit_sleep_ms=0")
	cmd.Env = append(cmd.Env, env...)
	return cmd
}

var (
	uuidRE  = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	traceRE = regexp.MustCompile(`^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=1$`)
)

// call makes one API request with no client timeout, as a runtime must.
func call(ctx context.Context, method, url string, hdr map[string]string, body []byte) (int, http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b, err
}

// helperRuntime is a minimal custom runtime: it echoes each event, fails on
// "fail", exits 3 on "crash", and exits 0 on SIGTERM unless told to ignore
// it.
func helperRuntime() int {
	if os.Getenv("LAMBDATEST_IGNORE_SIGTERM") == "1" {
		signal.Ignore(syscall.SIGTERM)
	} else {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGTERM)
		go func() {
			<-ch
			fmt.Println("got SIGTERM")
			os.Exit(0)
		}()
	}
	base := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/invocation/"
	ctx := context.Background()
	for {
		status, hdr, event, err := call(ctx, "GET", base+"next", nil, nil)
		if err != nil || status != 200 {
			fmt.Println("next:", status, err)
			return 1
		}
		id := hdr.Get("Lambda-Runtime-Aws-Request-Id")
		switch string(event) {
		case `"crash"`:
			fmt.Println("crashing on", id)
			return 3
		case `"fail"`:
			status, _, _, err = call(ctx, "POST", base+id+"/error",
				map[string]string{"Lambda-Runtime-Function-Error-Type": "Unhandled"},
				[]byte(`{"errorMessage":"asked to fail","errorType":"TestError"}`))
		default:
			status, _, _, err = call(ctx, "POST", base+id+"/response", nil, event)
		}
		if err != nil || status != 202 {
			fmt.Println("answer:", status, err)
			return 1
		}
		fmt.Println("handled", id)
	}
}

// helperInitError reports a configuration error the way datatap does on a
// bad TAP_TRANSFORM, then exits.
func helperInitError() int {
	url := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/init/error"
	status, _, body, err := call(context.Background(), "POST", url,
		map[string]string{"Lambda-Runtime-Function-Error-Type": "Runtime.ConfigInvalid"},
		[]byte(`{"errorMessage":"TAP_TRANSFORM: unexpected token (1:8)","errorType":"ConfigError"}`))
	fmt.Println("init/error:", status, string(body), err)
	return 1
}

// helperExtension registers as LAMBDATEST_EXT_NAME for
// LAMBDATEST_EXT_EVENTS, appends every event to LAMBDATEST_EXT_OUT, and
// exits 0 on SHUTDOWN, or hangs there when LAMBDATEST_EXT_HANG=1.
func helperExtension() int {
	base := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2020-01-01/extension/"
	ctx := context.Background()
	events, _ := json.Marshal(map[string][]string{"events": strings.Split(os.Getenv("LAMBDATEST_EXT_EVENTS"), ",")})
	status, hdr, body, err := call(ctx, "POST", base+"register",
		map[string]string{"Lambda-Extension-Name": os.Getenv("LAMBDATEST_EXT_NAME")}, events)
	if err != nil || status != 200 {
		fmt.Println("register:", status, string(body), err)
		return 1
	}
	id := hdr.Get("Lambda-Extension-Identifier")
	out, err := os.OpenFile(os.Getenv("LAMBDATEST_EXT_OUT"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		fmt.Println(err)
		return 1
	}
	for {
		status, _, ev, err := call(ctx, "GET", base+"event/next", map[string]string{"Lambda-Extension-Identifier": id}, nil)
		if err != nil || status != 200 {
			fmt.Println("next:", status, string(ev), err)
			return 1
		}
		_, _ = out.Write(append(ev, '\n'))
		var e struct{ EventType string }
		_ = json.Unmarshal(ev, &e)
		if e.EventType == "SHUTDOWN" {
			fmt.Println("got", string(ev))
			if os.Getenv("LAMBDATEST_EXT_HANG") == "1" {
				time.Sleep(time.Hour)
			}
			return 0
		}
	}
}

// readEvents reads what helperExtension wrote.
func readEvents(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var evs []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("event %q: %v", sc.Text(), err)
		}
		evs = append(evs, ev)
	}
	return evs
}

// asyncInvoke runs Invoke in the background.
func asyncInvoke(s *lambda.Server, event string) <-chan invokeResult {
	ch := make(chan invokeResult, 1)
	go func() {
		r, err := s.Invoke(context.Background(), []byte(event))
		ch <- invokeResult{r, err}
	}()
	return ch
}

type invokeResult struct {
	lambda.Result
	err error
}

func wait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// notYet checks that nothing arrives on ch for a while: enough to catch an
// invocation handed out too early, which would arrive within milliseconds.
func notYet[T any](t *testing.T, ch <-chan T, what string) {
	t.Helper()
	select {
	case <-ch:
		t.Fatalf("%s arrived too early", what)
	case <-time.After(300 * time.Millisecond):
	}
}

type next struct {
	status int
	hdr    http.Header
	body   []byte
	err    error
}

func asyncGet(ctx context.Context, url string, hdr map[string]string) <-chan next {
	ch := make(chan next, 1)
	go func() {
		st, h, b, err := call(ctx, "GET", url, hdr, nil)
		ch <- next{st, h, b, err}
	}()
	return ch
}

// errorType decodes the errorType of an error body.
func errorType(t *testing.T, body []byte) string {
	t.Helper()
	var e struct{ ErrorType, ErrorMessage string }
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	return e.ErrorType
}

func TestRuntimeAPI(t *testing.T) {
	s := lambda.Start(t, lambda.Options{Timeout: 10 * time.Second})
	base := "http://" + s.Addr() + "/2018-06-01/runtime/"
	ctx := t.Context()

	// One invocation answered with a response.
	res := asyncInvoke(s, `{"n":1}`)
	before := time.Now()
	n := wait(t, asyncGet(ctx, base+"invocation/next", nil), "invocation/next")
	if n.err != nil || n.status != 200 || string(n.body) != `{"n":1}` {
		t.Fatalf("next = %d %q %v", n.status, n.body, n.err)
	}
	id := n.hdr.Get("Lambda-Runtime-Aws-Request-Id")
	if !uuidRE.MatchString(id) {
		t.Errorf("request id %q is not a UUID", id)
	}
	ms, err := strconv.ParseInt(n.hdr.Get("Lambda-Runtime-Deadline-Ms"), 10, 64)
	if d := time.UnixMilli(ms).Sub(before); err != nil || d < 9*time.Second || d > 11*time.Second {
		t.Errorf("deadline %q is %v from the invoke, want the 10s timeout", n.hdr.Get("Lambda-Runtime-Deadline-Ms"), d)
	}
	if got := n.hdr.Get("Lambda-Runtime-Invoked-Function-Arn"); got != "arn:aws:lambda:us-east-1:123456789012:function:datatap" {
		t.Errorf("function ARN = %q", got)
	}
	if got := n.hdr.Get("Lambda-Runtime-Trace-Id"); !traceRE.MatchString(got) {
		t.Errorf("trace id = %q", got)
	}

	// A next without an answer gets the same invocation again.
	again := wait(t, asyncGet(ctx, base+"invocation/next", nil), "second next")
	if got := again.hdr.Get("Lambda-Runtime-Aws-Request-Id"); got != id || string(again.body) != `{"n":1}` {
		t.Errorf("second next without answering = %s %q, want the same invocation %s", got, again.body, id)
	}

	st, _, body, _ := call(ctx, "POST", base+"invocation/00000000-0000-4000-8000-000000000000/response", nil, []byte(`{}`))
	if st != 400 || errorType(t, body) != "InvalidRequestID" {
		t.Errorf("response for an unknown id = %d %s, want 400 InvalidRequestID", st, body)
	}
	st, _, body, _ = call(ctx, "POST", base+"invocation/"+id+"/response", nil, []byte(`{"ok":true}`))
	if st != 202 || string(body) != `{"status":"OK"}` {
		t.Errorf("response = %d %s, want 202", st, body)
	}
	st, _, body, _ = call(ctx, "POST", base+"invocation/"+id+"/response", nil, []byte(`{"ok":2}`))
	if st != 403 || errorType(t, body) != "InvalidStateTransition" {
		t.Errorf("second response = %d %s, want 403 InvalidStateTransition", st, body)
	}
	st, _, body, _ = call(ctx, "POST", base+"init/error", nil, []byte(`{}`))
	if st != 403 || errorType(t, body) != "InvalidStateTransition" {
		t.Errorf("init/error after the first next = %d %s, want 403", st, body)
	}
	r := wait(t, res, "Invoke")
	if r.err != nil || r.RequestID != id || string(r.Response) != `{"ok":true}` || r.Error != nil {
		t.Fatalf("Invoke = %+v, %v", r.Result, r.err)
	}

	// An error answer.
	res = asyncInvoke(s, `{"n":2}`)
	n = wait(t, asyncGet(ctx, base+"invocation/next", nil), "next")
	id = n.hdr.Get("Lambda-Runtime-Aws-Request-Id")
	st, _, body, _ = call(ctx, "POST", base+"invocation/"+id+"/error",
		map[string]string{"Lambda-Runtime-Function-Error-Type": "Unhandled"},
		[]byte(`{"errorMessage":"boom","errorType":"TestError"}`))
	if st != 202 {
		t.Errorf("error = %d %s, want 202", st, body)
	}
	r = wait(t, res, "Invoke")
	if r.err != nil || r.Error == nil || r.Error.Type != "Unhandled" || r.Error.Message != "boom" || r.Response != nil {
		t.Fatalf("Invoke = %+v, %v; want error Unhandled: boom", r.Result, r.err)
	}

	// A response over 6 MiB + 100 bytes is refused and fails the invocation;
	// one of exactly that size is taken.
	for _, size := range []int{lambda.MaxPayloadSize + 1, lambda.MaxPayloadSize} {
		res = asyncInvoke(s, `{"n":3}`)
		n = wait(t, asyncGet(ctx, base+"invocation/next", nil), "next")
		id = n.hdr.Get("Lambda-Runtime-Aws-Request-Id")
		st, _, body, _ = call(ctx, "POST", base+"invocation/"+id+"/response", nil, bytes.Repeat([]byte("x"), size))
		r = wait(t, res, "Invoke")
		if size > lambda.MaxPayloadSize {
			if st != 413 || errorType(t, body) != "RequestEntityTooLarge" {
				t.Errorf("oversized response = %d %s, want 413 RequestEntityTooLarge", st, body)
			}
			if r.Error == nil || r.Error.Type != "Function.ResponseSizeTooLarge" {
				t.Errorf("Invoke after an oversized response = %+v, want Function.ResponseSizeTooLarge", r.Error)
			}
		} else if st != 202 || len(r.Response) != size {
			t.Errorf("response of %d bytes = %d, Invoke got %d bytes", size, st, len(r.Response))
		}
	}

	for _, req := range s.Requests() {
		if req.Caller != "runtime" {
			t.Errorf("%s %s recorded as called by %q", req.Method, req.Path, req.Caller)
		}
	}
}

func TestNextIsHeldAndRecorded(t *testing.T) {
	s := lambda.Start(t, lambda.Options{})
	url := "http://" + s.Addr() + "/2018-06-01/runtime/invocation/next"

	// A runtime that puts a client timeout on next is caught.
	short := &http.Client{Timeout: 100 * time.Millisecond}
	if _, err := short.Get(url); err == nil {
		t.Fatal("next answered with nothing queued")
	}
	// A held next waits as long as it takes.
	held := asyncGet(t.Context(), url, nil)
	time.Sleep(300 * time.Millisecond)
	res := asyncInvoke(s, `{}`)
	n := wait(t, held, "next")
	id := n.hdr.Get("Lambda-Runtime-Aws-Request-Id")
	if st, _, _, _ := call(t.Context(), "POST", strings.TrimSuffix(url, "next")+id+"/response", nil, nil); st != 202 {
		t.Fatalf("response = %d", st)
	}
	wait(t, res, "Invoke")

	deadline := time.Now().Add(5 * time.Second)
	for {
		var gone, answered []lambda.Request
		for _, r := range s.Requests() {
			if strings.HasSuffix(r.Path, "/next") {
				if r.ClientGone {
					gone = append(gone, r)
				} else if r.Status == 200 {
					answered = append(answered, r)
				}
			}
		}
		if len(gone) == 1 && len(answered) == 1 {
			if answered[0].Duration < 250*time.Millisecond {
				t.Errorf("held next recorded as waiting %v, want about 300ms", answered[0].Duration)
			}
			if gone[0].Status != 0 {
				t.Errorf("cut next recorded with status %d", gone[0].Status)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("recorded nexts: %d cut by the client (want 1), %d answered (want 1)", len(gone), len(answered))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestInitError(t *testing.T) {
	s := lambda.Start(t, lambda.Options{})
	base := "http://" + s.Addr() + "/2018-06-01/runtime/"
	if _, ok := s.InitError(); ok {
		t.Fatal("init error before any was posted")
	}
	st, _, body, _ := call(t.Context(), "POST", base+"init/error",
		map[string]string{"Lambda-Runtime-Function-Error-Type": "Runtime.ConfigInvalid"},
		[]byte(`{"errorMessage":"bad","errorType":"ConfigError"}`))
	if st != 202 {
		t.Fatalf("init/error = %d %s", st, body)
	}
	ie, ok := s.WaitInitError(time.Second)
	if !ok || ie.Type != "Runtime.ConfigInvalid" || ie.Message != "bad" || ie.ErrorType != "ConfigError" {
		t.Errorf("WaitInitError = %+v, %v", ie, ok)
	}
	st, _, body, _ = call(t.Context(), "GET", base+"invocation/next", nil, nil)
	if st != 403 || errorType(t, body) != "InvalidStateTransition" {
		t.Errorf("next after init/error = %d %s, want 403", st, body)
	}
	r, err := s.Invoke(t.Context(), []byte(`{}`))
	if err != nil || r.Error == nil || r.Error.Type != "Runtime.ConfigInvalid" || r.Error.Message != "bad" {
		t.Errorf("Invoke after init/error = %+v, %v", r, err)
	}
}

func TestExtensionsAPIErrors(t *testing.T) {
	s := lambda.Start(t, lambda.Options{ExternalExtensions: []string{"tapext"}})
	base := "http://" + s.Addr() + "/2020-01-01/extension/"
	ctx := t.Context()
	register := func(name, body string, hdr map[string]string) (int, http.Header, []byte) {
		t.Helper()
		h := map[string]string{"Lambda-Extension-Name": name}
		for k, v := range hdr {
			h[k] = v
		}
		if name == "" {
			delete(h, "Lambda-Extension-Name")
		}
		st, rh, b, err := call(ctx, "POST", base+"register", h, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		return st, rh, b
	}
	f := func(what string, st int, body []byte, wantType string) {
		t.Helper()
		if st != 403 || errorType(t, body) != wantType {
			t.Errorf("%s = %d %s, want 403 %s", what, st, body, wantType)
		}
	}

	st, _, body := register("", `{"events":["SHUTDOWN"]}`, nil)
	f("register without a name", st, body, "Extension.InvalidExtensionName")
	st, _, body = register("tapext", `{"events":["INVOKE","BOGUS"]}`, nil)
	f("register for an unknown event", st, body, "Extension.InvalidEventType")
	st, _, body = register("not-a-file", `{"events":["SHUTDOWN"]}`, nil)
	f("internal extension registering for SHUTDOWN", st, body, "Extension.InvalidEventType")
	st, _, body = register("tapext", `events: SHUTDOWN`, nil)
	f("register with a body that is not JSON", st, body, "InvalidRequestFormat")

	for _, c := range []struct{ id, want string }{
		{"", "Extension.MissingExtensionIdentifier"},
		{"nope", "Extension.InvalidExtensionIdentifier"},
		{"00000000-0000-4000-8000-000000000000", "Extension.UnknownExtensionIdentifier"},
	} {
		h := map[string]string{}
		if c.id != "" {
			h["Lambda-Extension-Identifier"] = c.id
		}
		st, _, body, _ := call(ctx, "GET", base+"event/next", h, nil)
		f("event/next with identifier "+strconv.Quote(c.id), st, body, c.want)
	}

	st, hdr, body := register("tapext", `{"events":["SHUTDOWN"]}`, map[string]string{"Lambda-Extension-Accept-Feature": "accountId"})
	id := hdr.Get("Lambda-Extension-Identifier")
	var reg map[string]string
	_ = json.Unmarshal(body, &reg)
	if st != 200 || !uuidRE.MatchString(id) || reg["functionName"] != "datatap" || reg["functionVersion"] != "$LATEST" ||
		reg["handler"] == "" || reg["accountId"] != "123456789012" {
		t.Errorf("register = %d id %q %s", st, id, body)
	}
	st, _, body = register("tapext", `{"events":["SHUTDOWN"]}`, nil)
	f("second register under the same name", st, body, "Extension.InvalidExtensionState")

	st, _, body, _ = call(ctx, "POST", base+"init/error", map[string]string{"Lambda-Extension-Identifier": id}, []byte(`{}`))
	f("init/error without Lambda-Extension-Function-Error-Type", st, body, "Extension.MissingHeader")

	// Once the runtime has called next, registration is closed.
	extNext := asyncGet(ctx, base+"event/next", map[string]string{"Lambda-Extension-Identifier": id})
	rtNext := asyncGet(ctx, "http://"+s.Addr()+"/2018-06-01/runtime/invocation/next", nil)
	asyncInvoke(s, `{}`)
	wait(t, rtNext, "the runtime's invocation")
	st, _, body = register("late", `{"events":["INVOKE"]}`, nil)
	f("register after the runtime's first next", st, body, "Extension.RegistrationClosed")

	// After exit/error, Lambda answers none of the extension's calls.
	st, _, body, _ = call(ctx, "POST", base+"exit/error",
		map[string]string{"Lambda-Extension-Identifier": id, "Lambda-Extension-Function-Error-Type": "Extension.Failed"}, []byte(`{"errorMessage":"x"}`))
	if st != 202 {
		t.Errorf("exit/error = %d %s", st, body)
	}
	if errs := s.ExtensionErrors(); len(errs) != 1 || errs[0].Name != "tapext" || errs[0].Kind != "exit" || errs[0].Type != "Extension.Failed" {
		t.Errorf("ExtensionErrors = %+v", errs)
	}
	select {
	case n := <-extNext:
		t.Errorf("the held event/next got %d %s", n.status, n.body)
	default:
	}
	st, _, body, _ = call(ctx, "GET", base+"event/next", map[string]string{"Lambda-Extension-Identifier": id}, nil)
	f("event/next after exit/error", st, body, "Extension.InvalidExtensionState")
	if _, err := s.Invoke(ctx, []byte(`{}`)); err == nil || !strings.Contains(err.Error(), "exit/error") {
		t.Errorf("Invoke after an extension's exit/error = %v, want an error naming it", err)
	}
}

// TestInvokeOrdering drives a runtime and an extension from the test: an
// invocation goes out only when both wait in next, INVOKE and the runtime's
// event carry the same request, deadline and trace, and SHUTDOWN reaches an
// extension that calls next.
func TestInvokeOrdering(t *testing.T) {
	s := lambda.Start(t, lambda.Options{ExternalExtensions: []string{"tapext"}})
	rt := "http://" + s.Addr() + "/2018-06-01/runtime/invocation/"
	ext := "http://" + s.Addr() + "/2020-01-01/extension/"
	ctx := t.Context()

	st, hdr, body, err := call(ctx, "POST", ext+"register", map[string]string{"Lambda-Extension-Name": "tapext"}, []byte(`{"events":["INVOKE","SHUTDOWN"]}`))
	if err != nil || st != 200 {
		t.Fatalf("register = %d %s %v", st, body, err)
	}
	extHdr := map[string]string{"Lambda-Extension-Identifier": hdr.Get("Lambda-Extension-Identifier")}

	for i := range 2 {
		rtNext := asyncGet(ctx, rt+"next", nil)
		res := asyncInvoke(s, fmt.Sprintf(`{"n":%d}`, i))
		notYet(t, rtNext, "an invocation while the extension is not in event/next")

		e := wait(t, asyncGet(ctx, ext+"event/next", extHdr), "INVOKE")
		n := wait(t, rtNext, "the runtime's invocation")
		var inv struct {
			EventType, RequestID, InvokedFunctionArn string
			DeadlineMs                               int64
			Tracing                                  struct{ Type, Value string }
		}
		if err := json.Unmarshal(e.body, &inv); err != nil {
			t.Fatalf("INVOKE %s: %v", e.body, err)
		}
		id := n.hdr.Get("Lambda-Runtime-Aws-Request-Id")
		if inv.EventType != "INVOKE" || inv.RequestID != id ||
			strconv.FormatInt(inv.DeadlineMs, 10) != n.hdr.Get("Lambda-Runtime-Deadline-Ms") ||
			inv.InvokedFunctionArn != n.hdr.Get("Lambda-Runtime-Invoked-Function-Arn") ||
			inv.Tracing.Type != "X-Amzn-Trace-Id" || inv.Tracing.Value != n.hdr.Get("Lambda-Runtime-Trace-Id") {
			t.Errorf("INVOKE %s does not match the runtime's invocation %s %v", e.body, id, n.hdr)
		}
		if st, _, _, _ := call(ctx, "POST", rt+id+"/response", nil, []byte(`"ok"`)); st != 202 {
			t.Fatalf("response = %d", st)
		}
		// The caller gets the response without waiting for the extension.
		if r := wait(t, res, "Invoke"); r.err != nil || string(r.Response) != `"ok"` {
			t.Fatalf("Invoke = %+v %v", r.Result, r.err)
		}
	}

	// The extension waits in next; SHUTDOWN reaches it with the reason and
	// the end of the phase.
	shut := asyncGet(ctx, ext+"event/next", extHdr)
	rep := s.Shutdown("timeout")
	e := wait(t, shut, "SHUTDOWN")
	var ev struct {
		EventType, ShutdownReason string
		DeadlineMs                int64
	}
	if err := json.Unmarshal(e.body, &ev); err != nil || ev.EventType != "SHUTDOWN" || ev.ShutdownReason != "timeout" ||
		ev.DeadlineMs != rep.Deadline.UnixMilli() || rep.Deadline.Sub(rep.Start) != 2*time.Second {
		t.Errorf("SHUTDOWN = %s, report %v", e.body, rep)
	}
	if er, ok := rep.Extension("tapext"); !ok || !er.GotShutdown || er.Started {
		t.Errorf("report = %v", rep)
	}
	if _, err := s.Invoke(ctx, []byte(`{}`)); err == nil {
		t.Error("Invoke after Shutdown succeeded")
	}
}

// TestShutdownProcesses runs the runtime and a SHUTDOWN-only extension as
// processes: SIGTERM reaches the runtime before SHUTDOWN reaches the
// extension, whose deadline is 2s after the phase began.
func TestShutdownProcesses(t *testing.T) {
	s := lambda.Start(t, lambda.Options{})
	out := filepath.Join(t.TempDir(), "events.ndjson")
	s.StartExtension(t, "tapext", helperCmd("extension",
		"LAMBDATEST_EXT_NAME=tapext", "LAMBDATEST_EXT_EVENTS=SHUTDOWN", "LAMBDATEST_EXT_OUT="+out))
	s.StartRuntime(t, helperCmd("runtime"))

	for i := range 3 {
		event := fmt.Sprintf(`{"n":%d}`, i)
		r, err := s.Invoke(t.Context(), []byte(event))
		if err != nil || r.Error != nil || string(r.Response) != event {
			t.Fatalf("Invoke = %+v %v\n%s", r, err, s.Logs())
		}
	}
	r, err := s.Invoke(t.Context(), []byte(`"fail"`))
	if err != nil || r.Error == nil || r.Error.Type != "Unhandled" || r.Error.Message != "asked to fail" {
		t.Errorf("failing Invoke = %+v %v", r, err)
	}

	rep := s.Shutdown("")
	t.Log(rep)
	if rt := rep.Runtime; !rt.Terminated || rt.Killed || rt.ExitCode != 0 || !rt.EndedAt.Before(rep.ShutdownSentAt) {
		t.Errorf("runtime: %v; want SIGTERM, a clean exit, before SHUTDOWN", rt)
	}
	er, ok := rep.Extension("tapext")
	if !ok || !er.GotShutdown || er.Killed || er.ExitCode != 0 || er.EndedAt.After(rep.Deadline) || er.ShutdownAt.Before(rep.Runtime.EndedAt) {
		t.Errorf("extension: %+v; want SHUTDOWN after the runtime ended, a clean exit before the deadline", er)
	}
	if !strings.Contains(s.Logs(), "runtime| got SIGTERM") {
		t.Errorf("the runtime did not log its SIGTERM:\n%s", s.Logs())
	}
	evs := readEvents(t, out)
	if len(evs) != 1 || evs[0]["eventType"] != "SHUTDOWN" || evs[0]["shutdownReason"] != "spindown" ||
		int64(evs[0]["deadlineMs"].(float64)) != rep.Deadline.UnixMilli() {
		t.Errorf("extension saw %v, want one SHUTDOWN spindown with deadlineMs %d", evs, rep.Deadline.UnixMilli())
	}
	if d := rep.Deadline.Sub(rep.Start); d != 2*time.Second {
		t.Errorf("deadline %v after the start of the phase, want 2s", d)
	}
	if again := s.Shutdown(""); !again.Start.Equal(rep.Start) {
		t.Error("a second Shutdown did not return the first report")
	}
}

// TestShutdownKills checks the SIGKILLs: the runtime ignoring SIGTERM after
// its grace, the extension ignoring SHUTDOWN at the deadline.
func TestShutdownKills(t *testing.T) {
	s := lambda.Start(t, lambda.Options{})
	out := filepath.Join(t.TempDir(), "events.ndjson")
	s.StartExtension(t, "stubborn", helperCmd("extension",
		"LAMBDATEST_EXT_NAME=stubborn", "LAMBDATEST_EXT_EVENTS=SHUTDOWN,INVOKE", "LAMBDATEST_EXT_OUT="+out, "LAMBDATEST_EXT_HANG=1"))
	s.StartRuntime(t, helperCmd("runtime", "LAMBDATEST_IGNORE_SIGTERM=1"))
	r, err := s.Invoke(t.Context(), []byte(`{}`))
	if err != nil || r.Error != nil {
		t.Fatalf("Invoke = %+v %v", r, err)
	}

	rep := s.Shutdown("")
	t.Log(rep)
	if rt := rep.Runtime; !rt.Terminated || !rt.Killed || rt.Signal != "killed" || rt.After < 300*time.Millisecond {
		t.Errorf("runtime: %v; want SIGTERM, then SIGKILL after 300ms", rt)
	}
	er, _ := rep.Extension("stubborn")
	if !er.GotShutdown || !er.Killed || er.Signal != "killed" || er.EndedAt.Before(rep.Deadline) {
		t.Errorf("extension: %+v; want SHUTDOWN, then SIGKILL at the deadline", er)
	}
	evs := readEvents(t, out)
	if len(evs) != 2 || evs[0]["eventType"] != "INVOKE" || evs[0]["requestId"] != r.RequestID || evs[1]["eventType"] != "SHUTDOWN" {
		t.Errorf("extension saw %v, want INVOKE %s then SHUTDOWN", evs, r.RequestID)
	}
}

// Without extensions, Lambda does not wait for the runtime: SIGKILL at once.
func TestShutdownWithoutExtensions(t *testing.T) {
	s := lambda.Start(t, lambda.Options{})
	s.StartRuntime(t, helperCmd("runtime"))
	if r, err := s.Invoke(t.Context(), []byte(`{}`)); err != nil || r.Error != nil {
		t.Fatalf("Invoke = %+v %v", r, err)
	}
	rep := s.Shutdown("")
	if rt := rep.Runtime; rt.Terminated || !rt.Killed || rt.Signal != "killed" {
		t.Errorf("runtime: %v; want SIGKILL without SIGTERM", rt)
	}
	if len(rep.Extensions) != 0 {
		t.Errorf("extensions in the report: %v", rep)
	}
}

func TestRuntimeProcessFailures(t *testing.T) {
	t.Run("exit", func(t *testing.T) {
		s := lambda.Start(t, lambda.Options{})
		s.StartRuntime(t, helperCmd("runtime"))
		for range 2 { // the crash and the invocation after it
			r, err := s.Invoke(t.Context(), []byte(`"crash"`))
			if err != nil || r.Error == nil || r.Error.Type != "Runtime.ExitError" || !strings.Contains(r.Error.Message, "exit status 3") {
				t.Errorf("Invoke = %+v %v; want Runtime.ExitError", r, err)
			}
		}
	})
	t.Run("init error", func(t *testing.T) {
		s := lambda.Start(t, lambda.Options{})
		s.StartRuntime(t, helperCmd("init-error"))
		ie, ok := s.WaitInitError(10 * time.Second)
		if !ok || ie.Type != "Runtime.ConfigInvalid" || !strings.Contains(ie.Message, "(1:8)") {
			t.Fatalf("WaitInitError = %+v %v\n%s", ie, ok, s.Logs())
		}
		r, err := s.Invoke(t.Context(), []byte(`{}`))
		if err != nil || r.Error == nil || r.Error.Type != "Runtime.ConfigInvalid" {
			t.Errorf("Invoke = %+v %v", r, err)
		}
	})
}

// fakeTB catches Fatalf, to test the checks StartExtension makes.
type fakeTB struct {
	testing.TB
	mu    sync.Mutex
	fatal string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.fatal = fmt.Sprintf(format, args...)
	f.mu.Unlock()
	runtime.Goexit()
}

func (f *fakeTB) run(fn func(testing.TB)) string {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fatal
}

func TestStartExtensionChecks(t *testing.T) {
	t.Run("name must be the file name", func(t *testing.T) {
		s := lambda.Start(t, lambda.Options{})
		msg := (&fakeTB{TB: t}).run(func(tb testing.TB) {
			s.StartExtension(tb, "tapext", helperCmd("extension",
				"LAMBDATEST_EXT_NAME=other", "LAMBDATEST_EXT_EVENTS=SHUTDOWN", "LAMBDATEST_EXT_OUT="+filepath.Join(t.TempDir(), "x")))
		})
		if !strings.Contains(msg, "before it registered") || !strings.Contains(msg, "Extension.InvalidEventType") {
			t.Errorf("StartExtension with a mismatched Lambda-Extension-Name failed with %q", msg)
		}
	})
	t.Run("extensions start before the runtime", func(t *testing.T) {
		s := lambda.Start(t, lambda.Options{})
		s.StartRuntime(t, helperCmd("runtime"))
		msg := (&fakeTB{TB: t}).run(func(tb testing.TB) { s.StartExtension(tb, "tapext", helperCmd("extension")) })
		if !strings.Contains(msg, "after the runtime started") {
			t.Errorf("StartExtension after StartRuntime failed with %q", msg)
		}
	})
}

// A chatty process keeps its last lines in Logs, which stays bounded.
func TestLogsKeepTheEnd(t *testing.T) {
	s := lambda.Start(t, lambda.Options{})
	s.StartRuntime(t, helperCmd("chatty"))
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(s.Logs(), "runtime ended") {
		if time.Now().After(deadline) {
			t.Fatal("the chatty process did not end")
		}
		time.Sleep(20 * time.Millisecond)
	}
	logs := s.Logs()
	if !strings.HasPrefix(logs, "[") || !strings.Contains(logs, "bytes of earlier output dropped]") ||
		!strings.Contains(logs, "runtime| last line\n") || strings.Contains(logs, "line 000000") || len(logs) > 4<<20 {
		t.Errorf("Logs: %d bytes, starting %q", len(logs), logs[:min(len(logs), 200)])
	}
}
