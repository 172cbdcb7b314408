// Package secrets reads a secret's value from AWS Secrets Manager
// (GetSecretValue) or SSM Parameter Store (GetParameter, decrypted), once, at
// start-up: the JWT key of a tap that should not keep it in its environment
// (readable with lambda:GetFunctionConfiguration), or public keys too big for
// Lambda's 4 KB of environment.
//
// Like the S3 sink, it does not link the SDK's service clients: each call is
// one JSON POST (the AWS JSON 1.1 protocol: X-Amz-Target names the
// operation), signed with the SDK's SigV4 signer and the credentials the
// sink uses (awscreds.Load: the AWS_* variables Lambda sets, or the
// shared credentials file).
//
//   - Region: the one in the ARN when given an ARN (a secret in another
//     region), else AWS_REGION, else AWS_DEFAULT_REGION.
//   - Endpoint: AWS_ENDPOINT_URL_SECRETS_MANAGER or AWS_ENDPOINT_URL_SSM, else
//     AWS_ENDPOINT_URL (the SDKs' names), else the service's regional
//     endpoint (https://secretsmanager.REGION.amazonaws.com,
//     https://ssm.REGION.amazonaws.com).
//
// Errors name the operation and the secret, and carry AWS's error code and
// message (AccessDeniedException, ResourceNotFoundException, ParameterNotFound
// …); never the value.
package secrets

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/datatap/datatap/internal/awscreds"
)

// Bounds of one read. Lambda gives init 10 s in all; a secret read is one
// small request, so three short attempts (at worst 3 × 2 s and 1 s of
// waits) leave the rest to the others and to the runtime's own start.
const (
	attempts       = 3
	attemptTimeout = 2 * time.Second
	backoff        = 200 * time.Millisecond
	maxResponse    = 1 << 20 // a secret is at most 64 KB, a parameter 8 KB
)

// Client reads secrets. The zero value is not usable; call New.
type Client struct {
	http        *http.Client
	signer      *v4.Signer
	getenv      func(string) string
	credentials func() (aws.Credentials, error)
}

// New returns a client that resolves region, endpoint and credentials at
// each call, as the package doc says. It makes no request.
func New() *Client {
	return &Client{
		http: &http.Client{Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         (&net.Dialer{Timeout: 2 * time.Second}).DialContext,
			TLSHandshakeTimeout: 2 * time.Second,
		}},
		signer:      v4.NewSigner(),
		getenv:      os.Getenv,
		credentials: awscreds.Load,
	}
}

// SecretString returns the value of the secret id (an ARN, or a name in the
// default region): its SecretString, or its SecretBinary as bytes.
func (c *Client) SecretString(ctx context.Context, id string) (string, error) {
	var out struct {
		SecretString *string
		SecretBinary []byte // base64 in the JSON
	}
	err := c.call(ctx, service{"secretsmanager", "SECRETS_MANAGER", "secretsmanager.GetSecretValue"}, id,
		map[string]any{"SecretId": id}, &out)
	switch {
	case err != nil:
		return "", fmt.Errorf("secretsmanager: GetSecretValue %s: %w", id, err)
	case out.SecretString != nil:
		return *out.SecretString, nil
	case out.SecretBinary != nil:
		return string(out.SecretBinary), nil
	}
	return "", fmt.Errorf("secretsmanager: GetSecretValue %s: the secret has no value", id)
}

// Parameter returns the value of the SSM parameter name (a name such as
// /datatap/jwt-secret, or an ARN), decrypted when it is a SecureString.
func (c *Client) Parameter(ctx context.Context, name string) (string, error) {
	var out struct {
		Parameter struct{ Value *string }
	}
	err := c.call(ctx, service{"ssm", "SSM", "AmazonSSM.GetParameter"}, name,
		map[string]any{"Name": name, "WithDecryption": true}, &out)
	switch {
	case err != nil:
		return "", fmt.Errorf("ssm: GetParameter %s: %w", name, err)
	case out.Parameter.Value == nil:
		return "", fmt.Errorf("ssm: GetParameter %s: the answer holds no value", name)
	}
	return *out.Parameter.Value, nil
}

// service is what a call needs to know about the service it calls.
type service struct {
	signingName string // in the SigV4 scope, and the endpoint's host
	envSuffix   string // of AWS_ENDPOINT_URL_<suffix>
	target      string // X-Amz-Target: the operation
}

// APIError is an error answer of the service.
type APIError struct {
	Status  int    // HTTP status
	Code    string // AccessDeniedException, ResourceNotFoundException, ParameterNotFound, …
	Message string
}

func (e *APIError) Error() string {
	msg := e.Code
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return fmt.Sprintf("%s (HTTP %d)", msg, e.Status)
}

func (c *Client) call(ctx context.Context, svc service, id string, in, out any) error {
	region := cmp.Or(arnRegion(id), c.getenv("AWS_REGION"), c.getenv("AWS_DEFAULT_REGION"))
	if region == "" {
		return errors.New("no region: set AWS_REGION, or give an ARN")
	}
	endpoint, err := c.endpoint(svc, region)
	if err != nil {
		return err
	}
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	var last error
	for attempt := range attempts {
		if attempt > 0 {
			select {
			case <-time.After(backoff << (2 * (attempt - 1))): // 200 ms, 800 ms
			case <-ctx.Done():
				return errors.Join(last, ctx.Err())
			}
		}
		retry, err := c.attempt(ctx, svc, endpoint, region, body, hash, out)
		if err == nil || !retry {
			return err
		}
		last = err
	}
	return last
}

// attempt makes one request; retry says a failure may pass on a second try
// (network errors, throttling, 5xx).
func (c *Client) attempt(ctx context.Context, svc service, endpoint, region string, body []byte, hash string, out any) (retry bool, err error) {
	creds, err := c.credentials()
	if err != nil {
		return false, err
	}
	actx, cancel := context.WithTimeout(ctx, attemptTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", svc.target)
	if err := c.signer.SignHTTP(actx, creds, req, hash, svc.signingName, region, time.Now()); err != nil {
		return false, fmt.Errorf("sign: %w", err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return ctx.Err() == nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return ctx.Err() == nil, err
	}
	if resp.StatusCode != http.StatusOK {
		e := apiError(resp.StatusCode, data)
		return resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || strings.Contains(e.Code, "Throttl"), e
	}
	if err := json.Unmarshal(data, out); err != nil {
		return false, fmt.Errorf("bad answer (HTTP 200, %d bytes): %w", len(data), err)
	}
	return false, nil
}

// apiError reads a JSON 1.1 error body: {"__type": "…#Code", "message": "…"}.
func apiError(status int, data []byte) *APIError {
	var body struct {
		Type     string `json:"__type"`
		Message  string `json:"message"`
		Message2 string `json:"Message"`
	}
	e := &APIError{Status: status, Code: http.StatusText(status)}
	if json.Unmarshal(data, &body) == nil && body.Type != "" {
		_, code, _ := strings.Cut(body.Type, "#")
		e.Code = cmp.Or(code, body.Type)
		e.Message = cmp.Or(body.Message, body.Message2)
	}
	return e
}

func (c *Client) endpoint(svc service, region string) (string, error) {
	endpoint := cmp.Or(c.getenv("AWS_ENDPOINT_URL_"+svc.envSuffix), c.getenv("AWS_ENDPOINT_URL"))
	if endpoint == "" {
		domain := "amazonaws.com"
		if strings.HasPrefix(region, "cn-") {
			domain = "amazonaws.com.cn"
		}
		return "https://" + svc.signingName + "." + region + "." + domain + "/", nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		if err == nil && u.User != nil {
			endpoint = u.Redacted()
		}
		return "", fmt.Errorf("endpoint %q (AWS_ENDPOINT_URL_%s or AWS_ENDPOINT_URL): want http(s)://host[:port]", endpoint, svc.envSuffix)
	}
	return strings.TrimSuffix(endpoint, "/") + "/", nil
}

// arnRegion returns the region of an ARN (arn:PARTITION:SERVICE:REGION:…),
// or "" for a name.
func arnRegion(id string) string {
	parts := strings.SplitN(id, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return ""
	}
	return parts[3]
}
