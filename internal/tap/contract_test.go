package tap_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/datatap/datatap/internal/auth"
	"github.com/datatap/datatap/internal/config"
	"github.com/datatap/datatap/internal/lambda"
	"github.com/datatap/datatap/internal/server"
)

// answer is what a sender sees: the status, the headers that matter (names
// in lower case) and the body, with the request's id written "ID" (serve
// makes its own; a Function URL event brings Lambda's).
type answer struct {
	Status  int
	Headers map[string]string
	Body    string
}

// contractHeaders are the headers the contract sets.
var contractHeaders = []string{"content-type", "allow", "retry-after", "www-authenticate"}

// transport sends one request to a tap opened with the given settings.
type transport func(t *testing.T, env map[string]string, method, path string, headers map[string]string, bodies ...[]byte) answer

const (
	secret    = "0123456789abcdef0123456789abcdef"
	lambdaReq = "c2b6b0f3-6d7e-4b8f-9f0e-1a2b3c4d5e6f"
)

// TestContract pins the HTTP contract (DESIGN.md, "Data path") and runs it
// against both transports: serve over real HTTP, and the Function URL
// handler with events like those of internal/lambda/testdata. Every row must
// give the same status, headers and body through both.
func TestContract(t *testing.T) {
	good, _ := auth.Mint(secret, "svc-a", "", time.Hour, "", "", time.Now())
	other, _ := auth.Mint(secret, "svc-b", "", time.Hour, "", "", time.Now())
	bearer := map[string]string{"authorization": "Bearer " + good}
	with := func(h map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range h {
			out[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	lines := []byte("{\"level\":\"info\",\"n\":1}\n{\"level\":\"debug\"}\nnot json\n")
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	zw.Write(bytes.Repeat([]byte(`{"level":"info","pad":"xxxxxxxxxxxxxxxx"}`+"\n"), 100)) // 4 KiB, over TAP_MAX_BODY_BYTES
	zw.Close()
	row := `{"level":"info","msg":"` + strings.Repeat("m", 150) + `"}` + "\n"

	rows := []struct {
		name         string
		env          []string
		method, path string
		headers      map[string]string
		bodies       [][]byte // all but the last are sent first, unchecked
		status       int
	}{
		{name: "health", method: "GET", path: "/health", status: 200},
		{name: "OPTIONS", method: "OPTIONS", path: "/", headers: map[string]string{"origin": "https://app.example.com", "access-control-request-method": "POST"}, status: 405},
		{name: "PUT", method: "PUT", path: "/", headers: bearer, bodies: [][]byte{lines}, status: 405},
		{name: "bad encoding", method: "POST", path: "/", headers: with(bearer, "content-encoding", "br"), bodies: [][]byte{lines}, status: 415},
		{name: "corrupt gzip", method: "POST", path: "/", headers: with(bearer, "content-encoding", "gzip"), bodies: [][]byte{lines}, status: 400},
		{name: "413", method: "POST", path: "/", headers: with(bearer, "content-encoding", "gzip"), bodies: [][]byte{bomb.Bytes()}, status: 413},
		{name: "401", method: "POST", path: "/", bodies: [][]byte{lines}, status: 401},
		{name: "401 bad token", method: "POST", path: "/", headers: map[string]string{"authorization": "Bearer nope"}, bodies: [][]byte{lines}, status: 401},
		{name: "403", method: "POST", path: "/", headers: map[string]string{"authorization": "Bearer " + other}, bodies: [][]byte{lines}, status: 403},
		{name: "429", env: []string{"TAP_SPOOL_MAX_BYTES", "600", "TAP_FLUSH_BYTES", "600"}, method: "POST", path: "/", headers: bearer,
			bodies: [][]byte{[]byte(row + row), []byte(row + row)}, status: 429},
		{name: "202", method: "POST", path: "/", headers: bearer, bodies: [][]byte{lines}, status: 202},
		{name: "200 with TAP_SYNC", env: []string{"TAP_SYNC", "true"}, method: "POST", path: "/", headers: bearer, bodies: [][]byte{lines}, status: 200},
	}
	transports := []struct {
		name string
		send transport
	}{{"serve", viaServe}, {"function URL", viaFunctionURL}}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			var got [2]answer
			for i, tr := range transports {
				env := map[string]string{"TAP_JWT_SECRET": secret, "TAP_ACL": "svc-a", "TAP_MAX_BODY_BYTES": "1KiB",
					"TAP_TRANSFORM": "SELECT * WHERE level <> 'debug'"}
				for j := 0; j+1 < len(r.env); j += 2 {
					env[r.env[j]] = r.env[j+1]
				}
				got[i] = tr.send(t, env, r.method, r.path, r.headers, r.bodies...)
				if got[i].Status != r.status {
					t.Errorf("%s: status %d, want %d: %+v", tr.name, got[i].Status, r.status, got[i])
				}
			}
			if g, w := got[0], got[1]; g.Status != w.Status || g.Body != w.Body || !sameHeaders(g.Headers, w.Headers) {
				t.Errorf("the transports differ:\n serve        %+v\n function URL %+v", g, w)
			}
		})
	}
}

func sameHeaders(a, b map[string]string) bool {
	for _, h := range contractHeaders {
		if a[h] != b[h] {
			return false
		}
	}
	return true
}

func load(t *testing.T, env map[string]string) config.Config {
	t.Helper()
	dir := t.TempDir()
	env["TAP_DIR"], env["TAP_SPOOL_DIR"] = filepath.Join(dir, "data"), filepath.Join(dir, "spool")
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// viaServe starts serve on a loopback port and posts over HTTP.
func viaServe(t *testing.T, env map[string]string, method, path string, headers map[string]string, bodies ...[]byte) answer {
	cfg := load(t, env)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- server.Run(ctx, cfg, quiet(), server.Options{Version: "test", Listener: ln, Ready: func(a string) { ready <- a }})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}
	if len(bodies) == 0 {
		bodies = [][]byte{nil}
	}
	var a answer
	for _, body := range bodies {
		req, err := http.NewRequest(method, "http://"+addr+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		a = answer{Status: resp.StatusCode, Headers: map[string]string{}, Body: strings.TrimSuffix(string(b), "\n")}
		for _, h := range contractHeaders {
			if v := resp.Header.Get(h); v != "" {
				a.Headers[h] = v
			}
		}
		if id := resp.Header.Get("X-Request-Id"); id != "" {
			a.Body = strings.ReplaceAll(a.Body, `"requestId":"`+id+`"`, `"requestId":"ID"`)
		}
	}
	return a
}

// viaFunctionURL hands Function URL events (payload format 2.0, the body in
// base64 as Lambda sends binary bodies) to the runtime's handler.
func viaFunctionURL(t *testing.T, env map[string]string, method, path string, headers map[string]string, bodies ...[]byte) answer {
	t.Setenv("AWS_REGION", "us-east-1")
	r, err := lambda.New(context.Background(), load(t, env), "test", quiet())
	if err != nil {
		t.Fatal(err)
	}
	if len(bodies) == 0 {
		bodies = [][]byte{nil}
	}
	var a answer
	for _, body := range bodies {
		ev := map[string]any{
			"version": "2.0", "rawPath": path, "headers": headers,
			"requestContext":  map[string]any{"http": map[string]string{"method": method}, "requestId": lambdaReq},
			"body":            base64.StdEncoding.EncodeToString(body),
			"isBase64Encoded": true,
		}
		payload, _ := json.Marshal(ev)
		resp, err := r.Handle(context.Background(), payload)
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			StatusCode int               `json:"statusCode"`
			Headers    map[string]string `json:"headers"`
			Body       string            `json:"body"`
		}
		if err := json.Unmarshal(resp, &out); err != nil {
			t.Fatalf("response %s: %v", resp, err)
		}
		a = answer{Status: out.StatusCode, Headers: map[string]string{}, Body: strings.ReplaceAll(out.Body, `"requestId":"`+lambdaReq+`"`, `"requestId":"ID"`)}
		for _, h := range contractHeaders {
			if v := out.Headers[h]; v != "" {
				a.Headers[h] = v
			}
		}
	}
	return a
}
