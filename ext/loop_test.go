package ext

import (
	"github.com/datatap/datatap/internal/testenv/fixture"

	"context"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/datatap/datatap/internal/config"
	"github.com/datatap/datatap/internal/spool"
)

// extensionsAPIFake plays the Extensions API (2020-01-01): register answers
// with an identifier, event/next hands out the scripted events in order (a
// SHUTDOWN's deadline is set when it is handed out), and every call is
// recorded as "METHOD path identifier".
type extensionsAPIFake struct {
	*httptest.Server
	mu     sync.Mutex
	events []event
	calls  []string
	body   []string // the bodies of the POSTs, in order
}

const testExtID = "3e0c7f1a-6b1d-4d44-9a0c-5f1b2a3c4d5e"

func startExtensionsAPI(t *testing.T, events ...event) *extensionsAPIFake {
	t.Helper()
	f := &extensionsAPIFake{events: events}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		f.mu.Lock()
		defer f.mu.Unlock()
		f.calls = append(f.calls, req.Method+" "+req.URL.Path+" "+req.Header.Get(headerID)+req.Header.Get(headerName))
		if req.Method == http.MethodPost {
			f.body = append(f.body, string(body))
		}
		switch {
		case req.URL.Path == "/2020-01-01/extension/register":
			w.Header().Set(headerID, testExtID)
			w.Write([]byte(`{"functionName":"datatap","functionVersion":"$LATEST","handler":"bootstrap"}`))
		case req.URL.Path == "/2020-01-01/extension/event/next" && len(f.events) > 0:
			ev := f.events[0]
			f.events = f.events[1:]
			if ev.EventType == "SHUTDOWN" {
				ev.DeadlineMs = time.Now().Add(2 * time.Second).UnixMilli() // Lambda's 2 s
			}
			json.NewEncoder(w).Encode(ev)
		case req.URL.Path == "/2020-01-01/extension/event/next":
			http.Error(w, `{"errorType":"Extension.Exit","errorMessage":"no more events"}`, http.StatusInternalServerError)
		default:
			w.WriteHeader(http.StatusAccepted)
		}
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *extensionsAPIFake) addr() string { return strings.TrimPrefix(f.URL, "http://") }

// setExtensionEnv sets a configuration that writes to a folder, and returns
// the folder.
func setExtensionEnv(t *testing.T) string {
	t.Helper()
	out := t.TempDir()
	t.Setenv("TAP_SPOOL_DIR", t.TempDir())
	t.Setenv("TAP_DIR", out)
	t.Setenv("TAP_BUCKET", "")
	t.Setenv("TAP_AUTH", "none")
	t.Setenv("TAP_TRANSFORM", "SELECT * PARTITION BY k")
	return out
}

// leaveSegment spools n rows as the runtime would have, under the
// configuration the extension reads, and seals them.
func leaveSegment(t *testing.T, n int) {
	t.Helper()
	cfg, err := config.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	sp, err := spool.Open(cfg.SpoolDir, cfg.SpoolHeader(), cfg.SpoolMaxBytes)
	if err != nil {
		t.Fatal(err)
	}
	fixture.Segment(t, sp, cfg.Program, partitionLines(n)...)
}

// TestRunLoop runs the extension against the fake Extensions API: it
// registers for SHUTDOWN only under its name, waits in event/next (an INVOKE
// is passed over), flushes the spool on SHUTDOWN and returns.
func TestRunLoop(t *testing.T) {
	out := setExtensionEnv(t)
	leaveSegment(t, 3)
	api := startExtensionsAPI(t, event{EventType: "INVOKE", RequestID: "r1"}, event{EventType: "SHUTDOWN", ShutdownReason: "spindown"})
	if err := Run(context.Background(), api.addr(), "datatap", "test", slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatalf("Run: %v", err)
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	want := []string{
		"POST /2020-01-01/extension/register datatap",
		"GET /2020-01-01/extension/event/next " + testExtID,
		"GET /2020-01-01/extension/event/next " + testExtID,
	}
	if strings.Join(api.calls, "\n") != strings.Join(want, "\n") {
		t.Errorf("calls\n%s\nwant\n%s", strings.Join(api.calls, "\n"), strings.Join(want, "\n"))
	}
	if len(api.body) == 0 || api.body[0] != `{"events":["SHUTDOWN"]}` {
		t.Errorf("register body %q, want SHUTDOWN only", api.body)
	}
	var objects []string
	filepath.WalkDir(out, func(path string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".parquet") {
			objects = append(objects, path)
		}
		return nil
	})
	if len(objects) != 3 {
		t.Errorf("objects %q, want one per partition (3)", objects)
	}
	cfg, _ := config.FromEnv()
	sp, err := spool.Open(cfg.SpoolDir, cfg.SpoolHeader(), cfg.SpoolMaxBytes)
	if err != nil {
		t.Fatal(err)
	}
	if sealed, _ := sp.Sealed(); len(sealed) != 0 {
		t.Errorf("spool still holds %v after SHUTDOWN", sealed)
	}
}

// TestRunInitError: a bad configuration is posted to init/error under the
// extension's identifier, and Run returns it without waiting for events.
func TestRunInitError(t *testing.T) {
	setExtensionEnv(t)
	t.Setenv("TAP_TRANSFORM", "SELECT FROM")
	api := startExtensionsAPI(t)
	err := Run(context.Background(), api.addr(), "datatap", "test", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil {
		t.Fatal("Run: nil, want the configuration error")
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	want := []string{"POST /2020-01-01/extension/register datatap", "POST /2020-01-01/extension/init/error " + testExtID}
	if strings.Join(api.calls, "\n") != strings.Join(want, "\n") {
		t.Errorf("calls\n%s\nwant\n%s", strings.Join(api.calls, "\n"), strings.Join(want, "\n"))
	}
	if len(api.body) != 2 || !strings.Contains(api.body[1], `"errorType":"Extension.ConfigError"`) || !strings.Contains(api.body[1], "TAP_TRANSFORM") {
		t.Errorf("init error body %q", api.body)
	}
}
