package e2e

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/datatap/datatap/internal/testenv"
)

// leakJWT signs claims with HS256 and secret, as any JWT library would.
func leakJWT(secret string, claims map[string]any) string {
	enc := base64.RawURLEncoding
	h := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	c, _ := json.Marshal(claims)
	input := h + "." + enc.EncodeToString(c)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(input))
	return input + "." + enc.EncodeToString(mac.Sum(nil))
}

// TestSecretsNeverLogged sends `datatap serve` every kind of credential,
// good and bad, in the header, the URL and the body, and checks that neither
// its logs nor its error answers ever repeat the secret, a token or a part
// of one, and that error answers hold no internals.
func TestSecretsNeverLogged(t *testing.T) {
	bin := testenv.Binary(t)
	secret := "leak-SECRET-5f3c9a7e1b2d4c6e8a0b1c2d3e4f5a6b"
	other := "another-secret-0000000000000000000000000000"
	dir := t.TempDir()
	out := filepath.Join(dir, "data")
	srv := startServe(t, "TAP_DIR="+out, "TAP_SPOOL_DIR="+filepath.Join(dir, "spool"),
		"TAP_JWT_SECRET="+secret, "TAP_ACL=alice@example.com", "TAP_FLUSH_AGE=1s")
	url, logs := srv.URL, srv.Logs

	mint := func(secret, email string, ttl string) string {
		t.Helper()
		cmd := exec.Command(bin, "token", "-email", email, "-ttl", ttl)
		cmd.Env = append(os.Environ(), "TAP_JWT_SECRET="+secret)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		tok, err := cmd.Output()
		if err != nil {
			t.Fatalf("token -email %s: %v\n%s", email, err, stderr.String())
		}
		if strings.Contains(stderr.String(), secret) {
			t.Errorf("datatap token wrote the secret to stderr: %s", stderr.String())
		}
		return strings.TrimSpace(string(tok))
	}
	alice := mint(secret, "alice@example.com", "1h")
	bob := mint(secret, "bob@example.com", "1h")
	forged := mint(other, "alice@example.com", "1h")
	now := time.Now().Unix()
	expired := leakJWT(secret, map[string]any{"email": "alice@example.com", "iat": now - 7200, "nbf": now - 7200, "exp": now - 3600})
	tampered := alice[:len(alice)-4] + "AAAA"
	if tampered == alice {
		tampered = alice[:len(alice)-4] + "BBBB"
	}
	noneAlg := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." +
		strings.Split(alice, ".")[1] + "."
	tokens := map[string]string{"alice": alice, "bob": bob, "forged": forged, "expired": expired, "tampered": tampered, "none": noneAlg}

	type errorAnswer struct{ name, body string }
	var errorBodies []errorAnswer
	post := func(name, path string, header http.Header, body []byte, want int) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, url+strings.TrimPrefix(path, "/"), bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range header {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: status %d, want %d: %s", name, resp.StatusCode, want, b)
		}
		if resp.StatusCode/100 != 2 {
			errorBodies = append(errorBodies, errorAnswer{name, string(b)})
			for k, vs := range resp.Header {
				if k != "Www-Authenticate" && k != "Content-Type" && k != "Content-Length" && k != "Date" && k != "Retry-After" {
					errorBodies = append(errorBodies, errorAnswer{name + " header " + k, strings.Join(vs, ", ")})
				}
			}
		}
	}
	bearer := func(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }
	good := []byte(`{"id":1,"msg":"hello"}` + "\n")

	post("valid token", "/", bearer(alice), good, http.StatusAccepted)
	post("token not in the ACL", "/", bearer(bob), good, http.StatusForbidden)
	post("token signed with another secret", "/", bearer(forged), good, http.StatusUnauthorized)
	post("expired token", "/", bearer(expired), good, http.StatusUnauthorized)
	post("tampered signature", "/", bearer(tampered), good, http.StatusUnauthorized)
	post("alg none", "/", bearer(noneAlg), good, http.StatusUnauthorized)
	for i, g := range []string{"garbage", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30.", alice + "." + alice, secret, strings.Repeat("x", 9000)} {
		post(fmt.Sprintf("garbage token %d", i), "/", bearer(g), good, http.StatusUnauthorized)
	}
	post("lower-case scheme", "/", http.Header{"Authorization": {"bearer " + forged}}, good, http.StatusUnauthorized)
	post("token in the query", "/?token="+alice+"&access_token="+bob+"&secret="+secret, nil, good, http.StatusUnauthorized)
	post("forged token in the query", "/?access_token="+forged, nil, good, http.StatusUnauthorized)
	basicSecret := base64.StdEncoding.EncodeToString([]byte("alice@example.com:" + secret))
	basicToken := base64.StdEncoding.EncodeToString([]byte("alice@example.com:" + alice))
	post("basic auth with the secret", "/", http.Header{"Authorization": {"Basic " + basicSecret}}, good, http.StatusUnauthorized)
	post("basic auth with a token", "/", http.Header{"Authorization": {"Basic " + basicToken}}, good, http.StatusUnauthorized)
	post("no token", "/", nil, good, http.StatusUnauthorized)

	// Malformed lines that carry the secret and a token: they are data, kept in
	// the error output, but must not reach the logs.
	bad := []byte(`{"id":2,"secret":"` + secret + `"` + "\n" +
		`not json ` + secret + "\n" +
		`{"id":3,"token":"` + bob + `",` + "\n" +
		`["` + secret + `"]` + "\n" +
		`{"id":4,"ok":true}` + "\n")
	post("malformed lines with the secret", "/", bearer(alice), bad, http.StatusAccepted)
	// A body that does not decode, holding the secret.
	post("bad gzip with the secret", "/", http.Header{"Authorization": {"Bearer " + alice}, "Content-Encoding": {"gzip"}},
		[]byte("\x1f\x8b\x08\x00"+secret), http.StatusBadRequest)
	post("unknown encoding", "/", http.Header{"Authorization": {"Bearer " + alice}, "Content-Encoding": {"br"}},
		[]byte(secret), http.StatusUnsupportedMediaType)

	// SIGTERM: stop, flush, exit.
	srv.Stop(t, 30*time.Second)

	// The secret is in the error output (the sender's own data); that shows
	// the malformed lines arrived.
	errFiles, _ := filepath.Glob(filepath.Join(out, "datataps-errors", "*", "*", "*", "*", "*.ndjson"))
	var errOut []byte
	for _, f := range errFiles {
		b, _ := os.ReadFile(f)
		errOut = append(errOut, b...)
	}
	if n := bytes.Count(errOut, []byte("\n")); n != 4 || !bytes.Contains(errOut, []byte(secret)) {
		t.Errorf("error output: %d lines, want the 4 malformed ones with the secret in them:\n%s", n, errOut)
	}

	forbidden := map[string]string{
		"the secret":               secret,
		"the other secret":         other,
		"the secret in Basic auth": basicSecret,
		"a token in Basic auth":    basicToken,
	}
	for name, tok := range tokens {
		parts := strings.Split(tok, ".")
		forbidden["the "+name+" token"] = tok
		if len(parts) == 3 {
			forbidden["the "+name+" token's claims"] = parts[1]
			if len(parts[2]) > 0 {
				forbidden["the "+name+" token's signature"] = parts[2]
			}
		}
	}
	// "Bearer " followed by anything but the usage hint's placeholder
	// ("send Authorization: Bearer <token>") would be an echoed header.
	bearerEcho := func(s string) bool {
		s = strings.ReplaceAll(s, `Bearer \u003ctoken\u003e`, "")
		s = strings.ReplaceAll(s, "Bearer <token>", "")
		return strings.Contains(s, "Bearer ")
	}
	if len(errorBodies) < 17 {
		t.Errorf("only %d error answers collected", len(errorBodies))
	}
	logText := logs.String()
	if bearerEcho(logText) {
		t.Errorf("the server log contains \"Bearer \"")
	}
	for _, e := range errorBodies {
		if bearerEcho(e.body) {
			t.Errorf("the error answer to %q contains \"Bearer \" (other than the usage hint): %s", e.name, e.body)
		}
	}
	t.Logf("server log (%d bytes):\n%s", len(logText), logText)
	for what, s := range forbidden {
		if strings.Contains(logText, s) {
			t.Errorf("the server log contains %s (%q)", what, s)
		}
		for _, e := range errorBodies {
			if strings.Contains(e.body, s) {
				t.Errorf("the error answer to %q contains %s: %s", e.name, what, e.body)
			}
		}
	}
	for _, e := range errorBodies {
		for _, internal := range []string{".go:", "goroutine", "panic", "runtime.", "/work/", "github.com/"} {
			if strings.Contains(e.body, internal) {
				t.Errorf("the error answer to %q shows internals (%q): %s", e.name, internal, e.body)
			}
		}
		if strings.Contains(e.name, " header ") {
			continue
		}
		var msg struct {
			Error     string `json:"error"`
			RequestID string `json:"requestId"`
		}
		if err := json.Unmarshal([]byte(e.body), &msg); err != nil || msg.Error == "" || msg.RequestID == "" {
			t.Errorf("the error answer to %q is not {\"error\",\"requestId\"}: %s", e.name, e.body)
		}
	}

	// A bad secret: the commands refuse it without repeating it.
	short := "short-SECRET-abc"
	cmd := exec.Command(bin, "token", "-email", "alice@example.com")
	cmd.Env = append(os.Environ(), "TAP_JWT_SECRET="+short)
	msg, err := cmd.CombinedOutput()
	if err == nil {
		t.Errorf("datatap token with a %d-byte secret succeeded: %s", len(short), msg)
	}
	if strings.Contains(string(msg), short) || strings.Contains(string(msg), "SECRET-abc") {
		t.Errorf("datatap token echoes the bad secret: %s", msg)
	}
	t.Logf("datatap token with a short secret: %v: %s", err, strings.TrimSpace(string(msg)))
	cmd = exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "TAP_ADDR="+freeAddr(t), "TAP_DIR="+filepath.Join(dir, "data2"),
		"TAP_SPOOL_DIR="+filepath.Join(dir, "spool2"), "TAP_JWT_SECRET="+short, "TAP_ACL=alice@example.com")
	done := make(chan struct{})
	timer := time.AfterFunc(10*time.Second, func() {
		select {
		case <-done:
		default:
			cmd.Process.Kill()
		}
	})
	msg, err = cmd.CombinedOutput()
	close(done)
	timer.Stop()
	if err == nil {
		t.Errorf("datatap serve with a %d-byte secret started and exited cleanly: %s", len(short), msg)
	}
	if strings.Contains(string(msg), short) || strings.Contains(string(msg), "SECRET-abc") {
		t.Errorf("datatap serve echoes the bad secret: %s", msg)
	}
	t.Logf("datatap serve with a short secret: %v: %s", err, strings.TrimSpace(string(msg)))
}
