package send

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

func TestFunctionURLRegion(t *testing.T) {
	f := func(host, want string) {
		t.Helper()
		if got := FunctionURLRegion(host); got != want {
			t.Errorf("FunctionURLRegion(%q) = %q, want %q", host, got, want)
		}
	}
	f("abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-central-1.on.aws", "eu-central-1")
	f("ABC.LAMBDA-URL.US-EAST-1.ON.AWS", "us-east-1")
	f("abc.lambda-url.us-gov-west-1.on.aws", "us-gov-west-1")
	f("tap.example.com", "")
	f("abc.lambda-url..on.aws", "")
	f("lambda-url.eu-west-1.on.aws", "")
	f("abc.lambda-url.a.b.on.aws", "")
	f("127.0.0.1", "")
}

// signedRequest is what the fake Function URL received.
type signedRequest struct {
	method, uri, host string
	header            http.Header
	body              []byte
}

// TestSigV4 sends through a fake Function URL (its host name resolved to a
// local server) and checks every request's signature with botocore, the
// signer of the AWS CLI and boto3: the same canonical request, payload hash
// (of the gzip body, as sent) and signature. That is what Lambda computes
// to accept a request to an AWS_IAM Function URL.
func TestSigV4(t *testing.T) {
	py, err := exec.LookPath("python3.11")
	if err != nil {
		t.Skip("python3.11 (with botocore) not installed")
	}
	if err := exec.Command(py, "-c", "import botocore").Run(); err != nil {
		t.Skip("botocore not installed for python3.11")
	}
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_ACCESS_KEY_ID", "ASIAEXAMPLEKEY")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	t.Setenv("AWS_SESSION_TOKEN", "IQoJb3JpZ2luX2VjEXAMPLE+token/==")

	var mu sync.Mutex
	var got []signedRequest
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, signedRequest{r.Method, r.RequestURI, r.Host, r.Header.Clone(), body})
		mu.Unlock()
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			w.WriteHeader(400)
			return
		}
		lines, _ := io.ReadAll(zr)
		w.WriteHeader(202)
		w.Write([]byte(`{"accepted":` + string(rune('0'+bytes.Count(lines, []byte("\n")))) + `,"filtered":0,"rejected":0}`))
	}))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
	}}}
	const url = "http://abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-central-1.on.aws/logs?source=app%20one"
	s, err := NewSigV4(url, "us-east-1") // the URL's region wins over AWS_REGION
	if err != nil {
		t.Fatal(err)
	}
	if s.Region != "eu-central-1" {
		t.Fatalf("region %q", s.Region)
	}
	in := strings.Repeat(`{"msg":"hello","n":1}`+"\n", 4) + strings.Repeat(`{"msg":"again"}`+"\n", 3)
	sum, err := Send(context.Background(), Options{URL: url, SigV4: s, Client: client, MaxBodyBytes: 100}, strings.NewReader(in))
	if err != nil || sum.Accepted != 7 {
		t.Fatalf("send: %+v %v", sum, err)
	}
	if len(got) < 2 {
		t.Fatalf("%d requests, want several (MaxBodyBytes 100)", len(got))
	}
	authRE := regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=ASIAEXAMPLEKEY/(\d{8})/eu-central-1/lambda/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$`)
	for i, r := range got {
		m := authRE.FindStringSubmatch(r.header.Get("Authorization"))
		if m == nil {
			t.Fatalf("request %d: Authorization %q", i, r.header.Get("Authorization"))
		}
		amzDate := r.header.Get("X-Amz-Date")
		if !strings.HasPrefix(amzDate, m[1]) || r.header.Get("X-Amz-Security-Token") != "IQoJb3JpZ2luX2VjEXAMPLE+token/==" {
			t.Errorf("request %d: X-Amz-Date %q, token %q", i, amzDate, r.header.Get("X-Amz-Security-Token"))
		}
		headers := map[string]string{}
		for _, name := range strings.Split(m[2], ";") {
			switch name {
			case "host":
				headers["Host"] = r.host
			case "content-length":
				headers["Content-Length"] = r.header.Get("Content-Length")
			default:
				headers[name] = r.header.Get(name)
			}
		}
		bodyFile := filepath.Join(t.TempDir(), "body")
		os.WriteFile(bodyFile, r.body, 0o600)
		in, _ := json.Marshal(map[string]any{
			"method": r.method, "url": "https://" + r.host + r.uri, "headers": headers, "body_file": bodyFile, "amz_date": amzDate,
			"access_key": "ASIAEXAMPLEKEY", "secret_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
			"token": "IQoJb3JpZ2luX2VjEXAMPLE+token/==", "region": "eu-central-1",
		})
		cmd := exec.Command(py, filepath.Join("testdata", "sigv4_check.py"))
		cmd.Stdin = bytes.NewReader(in)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("botocore: %v", err)
		}
		var want struct {
			Signature     string `json:"signature"`
			SignedHeaders string `json:"signed_headers"`
			PayloadHash   string `json:"payload_hash"`
		}
		if err := json.Unmarshal(out, &want); err != nil {
			t.Fatalf("botocore said %s", out)
		}
		hash := sha256.Sum256(r.body)
		if want.PayloadHash != hex.EncodeToString(hash[:]) {
			t.Errorf("request %d: botocore hashed the body as %s", i, want.PayloadHash)
		}
		if want.SignedHeaders != m[2] || want.Signature != m[3] {
			t.Errorf("request %d: signed %s / %s; botocore computes %s / %s", i, m[2], m[3], want.SignedHeaders, want.Signature)
		}
	}
}

// TestSigV4Refusals: no region, no credentials, and a token as well.
func TestSigV4Refusals(t *testing.T) {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	if _, err := NewSigV4("https://tap.example.com/", ""); err == nil || !strings.Contains(err.Error(), "AWS_REGION") {
		t.Errorf("no region: %v", err)
	}
	if _, err := NewSigV4("https://abc.lambda-url.eu-west-1.on.aws/", ""); err == nil || !strings.Contains(err.Error(), "no AWS credentials") {
		t.Errorf("no credentials: %v", err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "AKID")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	s, err := NewSigV4("https://tap.example.com/", "eu-west-1")
	if err != nil || s.Region != "eu-west-1" {
		t.Fatalf("custom domain with AWS_REGION: %v", err)
	}
	if _, err := Send(context.Background(), Options{URL: "http://127.0.0.1:1/", SigV4: s, Token: "t"}, strings.NewReader("{}\n")); err == nil {
		t.Error("a token and SigV4 together were accepted")
	}
}
