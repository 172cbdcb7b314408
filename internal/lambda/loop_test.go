package lambda

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// scriptedEvent is one invocation the fake Runtime API hands out: a
// recorded event from testdata and the deadline header sent with it.
type scriptedEvent struct {
	id, deadline, file string
}

// posted is one POST the runtime made to the fake Runtime API.
type posted struct {
	path, errorType, body string
}

// runtimeAPIFake plays the Runtime API (2018-06-01): invocation/next hands
// out the scripted events in order, then holds the call until the test ends;
// every POST is recorded. done is closed when the runtime, having had every
// event, asks for the next one.
type runtimeAPIFake struct {
	*httptest.Server
	mu    sync.Mutex
	queue []scriptedEvent
	posts []posted
	nexts int
	done  chan struct{}
}

func startRuntimeAPI(t *testing.T, events ...scriptedEvent) *runtimeAPIFake {
	t.Helper()
	f := &runtimeAPIFake{queue: events, done: make(chan struct{})}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodGet && req.URL.Path == "/2018-06-01/runtime/invocation/next" {
			f.mu.Lock()
			f.nexts++
			if len(f.queue) == 0 {
				close(f.done) // every event answered, and the runtime waits for more
				f.mu.Unlock()
				<-req.Context().Done() // Lambda freezes here; the test ends the loop
				return
			}
			ev := f.queue[0]
			f.queue = f.queue[1:]
			f.mu.Unlock()
			w.Header().Set(headerRequestID, ev.id)
			if ev.deadline != "" {
				w.Header().Set(headerDeadline, ev.deadline)
			}
			w.Header().Set(headerFunctionARN, "arn:aws:lambda:us-east-1:123456789012:function:datatap")
			w.Header().Set(headerTraceID, "Root=1-65f0c0de-0123456789abcdef01234567")
			w.Write(mustRead(t, ev.file))
			return
		}
		body, _ := io.ReadAll(req.Body)
		f.mu.Lock()
		f.posts = append(f.posts, posted{req.URL.Path, req.Header.Get(headerErrorType), string(body)})
		f.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *runtimeAPIFake) addr() string { return strings.TrimPrefix(f.URL, "http://") }

// setRuntimeEnv sets what Lambda and the template give the function.
func setRuntimeEnv(t *testing.T, vars ...string) {
	t.Helper()
	env := []string{"AWS_REGION", "us-east-1", "AWS_ACCESS_KEY_ID", "test", "AWS_SECRET_ACCESS_KEY", "test",
		"TAP_SPOOL_DIR", t.TempDir(), "TAP_BUCKET", "bucket", "TAP_AUTH", "none", "TAP_TRANSFORM", "SELECT * WHERE level <> 'debug'"}
	env = append(env, vars...)
	for i := 0; i < len(env); i += 2 {
		t.Setenv(env[i], env[i+1])
	}
}

// TestRunLoop runs the invoke loop against the fake Runtime API: each
// recorded event is taken with next, handled, and answered with a response
// or an invocation error; events without a usable deadline are refused
// without being handled; cancelling the context (SIGTERM) ends Run cleanly.
func TestRunLoop(t *testing.T) {
	setRuntimeEnv(t)
	in := strconv.FormatInt(time.Now().Add(time.Minute).UnixMilli(), 10)
	api := startRuntimeAPI(t,
		scriptedEvent{"r1", in, "function_url_text.json"},
		scriptedEvent{"r2", in, "function_url_health.json"},
		scriptedEvent{"r3", in, "unknown.json"},
		scriptedEvent{"r4", "", "function_url_text.json"},
		scriptedEvent{"r5", "soon", "function_url_text.json"},
		scriptedEvent{"r6", in, "function_url_put.json"},
	)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ran := make(chan error, 1)
	go func() { ran <- Run(ctx, api.addr(), "test", slog.New(slog.NewTextHandler(io.Discard, nil))) }()
	select {
	case <-api.done:
	case err := <-ran:
		t.Fatalf("Run returned before answering every event: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the runtime did not answer every event")
	}
	cancel()
	if err := <-ran; err != nil {
		t.Errorf("Run after SIGTERM: %v, want nil", err)
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	want := []struct{ path, errorType, body string }{
		{"/2018-06-01/runtime/invocation/r1/response", "", `"statusCode":202`},
		{"/2018-06-01/runtime/invocation/r2/response", "", `"statusCode":200`},
		{"/2018-06-01/runtime/invocation/r3/error", "InvalidEvent", `"errorType":"InvalidEvent"`},
		{"/2018-06-01/runtime/invocation/r4/error", "Runtime.InvalidDeadline", headerDeadline},
		{"/2018-06-01/runtime/invocation/r5/error", "Runtime.InvalidDeadline", headerDeadline},
		{"/2018-06-01/runtime/invocation/r6/response", "", `"statusCode":405`},
	}
	if len(api.posts) != len(want) {
		t.Fatalf("posts %+v, want %d", api.posts, len(want))
	}
	for i, w := range want {
		p := api.posts[i]
		if p.path != w.path || p.errorType != w.errorType || !strings.Contains(p.body, w.body) {
			t.Errorf("post %d: %s %q %s\nwant %s %q containing %s", i, p.path, p.errorType, p.body, w.path, w.errorType, w.body)
		}
	}
	if api.nexts != len(want)+1 {
		t.Errorf("%d calls to next, want %d (one per event, then one held)", api.nexts, len(want)+1)
	}
}

// TestRunInitError: a bad configuration is posted to init/error, and the
// runtime asks for no invocation.
func TestRunInitError(t *testing.T) {
	setRuntimeEnv(t, "TAP_BUCKET", "")
	api := startRuntimeAPI(t)
	err := Run(context.Background(), api.addr(), "test", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil || !strings.Contains(err.Error(), "TAP_BUCKET") {
		t.Fatalf("Run: %v, want the TAP_BUCKET error", err)
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	if len(api.posts) != 1 || api.posts[0].path != "/2018-06-01/runtime/init/error" || api.posts[0].errorType != "Runtime.ConfigError" ||
		!strings.Contains(api.posts[0].body, "TAP_BUCKET") {
		t.Errorf("posts %+v, want one init/error of type Runtime.ConfigError naming TAP_BUCKET", api.posts)
	}
	if api.nexts != 0 {
		t.Errorf("%d calls to next after a failed init", api.nexts)
	}
}
