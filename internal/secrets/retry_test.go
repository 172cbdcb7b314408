package secrets

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestRequestsAndRetries checks the requests themselves (what moto does not
// check: the signature's scope, the operation header) and that a 5xx is
// retried and a 4xx is not.
func TestRequestsAndRetries(t *testing.T) {
	var calls atomic.Int32
	fail := map[string]int{} // secret id → 5xx answers before success
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		body, _ := io.ReadAll(r.Body)
		auth := r.Header.Get("Authorization")
		target := r.Header.Get("X-Amz-Target")
		scope := map[string]string{
			"secretsmanager.GetSecretValue": "/eu-west-3/secretsmanager/aws4_request",
			"AmazonSSM.GetParameter":        "/us-east-1/ssm/aws4_request",
		}[target]
		if scope == "" || !strings.Contains(auth, scope) || r.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
			t.Errorf("request %d: target %q, authorization %q, content type %q", n, target, auth, r.Header.Get("Content-Type"))
		}
		switch {
		case strings.Contains(string(body), "flaky") && fail["flaky"] > 0:
			fail["flaky"]--
			w.WriteHeader(http.StatusServiceUnavailable)
		case strings.Contains(string(body), "denied"):
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"__type":"com.amazon.coral.service#AccessDeniedException","Message":"not allowed"}`)
		case target == "AmazonSSM.GetParameter":
			if !strings.Contains(string(body), `"WithDecryption":true`) {
				t.Errorf("GetParameter without decryption: %s", body)
			}
			io.WriteString(w, `{"Parameter":{"Value":"p"}}`)
		default:
			io.WriteString(w, `{"SecretString":"s"}`)
		}
	}))
	defer srv.Close()
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", srv.URL)
	t.Setenv("AWS_ENDPOINT_URL_SSM", srv.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKID")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_REGION", "us-east-1")
	c := New()
	ctx := context.Background()

	fail["flaky"] = 2
	calls.Store(0)
	if v, err := c.SecretString(ctx, "arn:aws:secretsmanager:eu-west-3:123456789012:secret:flaky-AbCdEf"); err != nil || v != "s" {
		t.Errorf("after two 503: %q %v", v, err)
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("%d requests for two 503 and a success, want 3", n)
	}
	calls.Store(0)
	_, err := c.SecretString(ctx, "arn:aws:secretsmanager:eu-west-3:123456789012:secret:denied-AbCdEf")
	if err == nil || !strings.Contains(err.Error(), "AccessDeniedException: not allowed (HTTP 400)") || calls.Load() != 1 {
		t.Errorf("denied: %v after %d requests, want AccessDeniedException after 1", err, calls.Load())
	}
	if v, err := c.Parameter(ctx, "/datatap/p"); err != nil || v != "p" {
		t.Errorf("parameter: %q %v", v, err)
	}
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	if _, err := c.Parameter(ctx, "/datatap/p"); err == nil || !strings.Contains(err.Error(), "no region") {
		t.Errorf("no region: %v", err)
	}
}
