package send

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/datatap/datatap/internal/awscreds"
)

// A Function URL with AWS_IAM auth takes requests signed with AWS Signature
// Version 4 for the service "lambda" in the function's region, by a
// principal allowed lambda:InvokeFunctionUrl. The signature covers the
// SHA-256 of the body as sent (here: compressed), so each request is hashed
// after compression and signed just before each attempt: a retry gets a new
// date, and rotated credentials are used at once. Lambda does not need the
// x-amz-content-sha256 header (S3 does): the hash is in the canonical
// request only. Temporary credentials add X-Amz-Security-Token, signed.

// SigV4 signs requests to a Function URL.
type SigV4 struct {
	Region string
	signer *v4.Signer
	creds  func() (aws.Credentials, error)
	now    func() time.Time
}

// NewSigV4 returns a signer for requests to rawURL. The region is the one in
// a Function URL's host (<url-id>.lambda-url.<region>.on.aws), which is
// where the function is, whatever the environment says; for other hosts (a
// custom domain in front of the URL) it is region, from AWS_REGION. It loads
// the credentials once, so that missing ones are reported before anything is
// read.
func NewSigV4(rawURL, region string) (*SigV4, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("send: -sigv4: %w", err)
	}
	if r := FunctionURLRegion(u.Hostname()); r != "" {
		region = r
	}
	if region == "" {
		return nil, errors.New("send: -sigv4: no region: the URL is not a Function URL (<url-id>.lambda-url.<region>.on.aws) and AWS_REGION is not set")
	}
	if _, err := awscreds.Load(); err != nil {
		return nil, fmt.Errorf("send: -sigv4: %w", err)
	}
	return &SigV4{Region: region, signer: v4.NewSigner(), creds: awscreds.Load, now: time.Now}, nil
}

// FunctionURLRegion is the region of a Function URL host, or "".
func FunctionURLRegion(host string) string {
	rest, ok := strings.CutSuffix(strings.ToLower(host), ".on.aws")
	if !ok {
		return ""
	}
	_, region, ok := strings.Cut(rest, ".lambda-url.")
	if !ok || region == "" || strings.Contains(region, ".") {
		return ""
	}
	return region
}

// Sign signs req, whose body is body.
func (s *SigV4) Sign(ctx context.Context, req *http.Request, body []byte) error {
	creds, err := s.creds()
	if err != nil {
		return fmt.Errorf("send: sigv4: %w", err)
	}
	sum := sha256.Sum256(body)
	if err := s.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "lambda", s.Region, s.now()); err != nil {
		return fmt.Errorf("send: sigv4: %w", err)
	}
	return nil
}
