package s3

import (
	"context"
	"crypto/tls"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// emptyHash is the SHA-256 of an empty payload, which every GET signs.
const emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// Object is one object a List found.
type Object struct {
	Key  string
	Size int64
}

// List calls fn with every object whose key starts with prefix, in key
// order, one ListObjectsV2 page (up to 1,000 keys) at a time; an error from
// fn stops it. It is what datatap cat reads with; the tap itself never
// lists or reads (its policy allows only s3:PutObject).
func (s *Sink) List(ctx context.Context, prefix string, fn func(Object) error) error {
	token := ""
	for {
		q := url.Values{"list-type": {"2"}, "prefix": {prefix}}
		if token != "" {
			q.Set("continuation-token", token)
		}
		u := s.base
		u.RawQuery = q.Encode()
		var page struct {
			Contents []struct {
				Key  string `xml:"Key"`
				Size int64  `xml:"Size"`
			} `xml:"Contents"`
			IsTruncated           bool   `xml:"IsTruncated"`
			NextContinuationToken string `xml:"NextContinuationToken"`
		}
		err := s.get(ctx, &u, func(body io.Reader) error {
			return xml.NewDecoder(body).Decode(&page)
		})
		if err != nil {
			return fmt.Errorf("s3: list objects %s: %w", prefix, err)
		}
		for _, c := range page.Contents {
			if err := fn(Object{Key: c.Key, Size: c.Size}); err != nil {
				return err
			}
		}
		if !page.IsTruncated || page.NextContinuationToken == "" {
			return nil
		}
		token = page.NextContinuationToken
	}
}

// Get writes the object key to w.
func (s *Sink) Get(ctx context.Context, key string, w io.Writer) error {
	err := s.get(ctx, s.objectURL(key), func(body io.Reader) error {
		_, err := io.Copy(w, body)
		return err
	})
	if err != nil {
		return fmt.Errorf("s3: get object %s: %w", key, err)
	}
	return nil
}

// get sends one signed GET of u and hands a 200's body to read.
func (s *Sink) get(ctx context.Context, u *url.URL, read func(io.Reader) error) error {
	return s.getWith(ctx, u, func(resp *http.Response) error { return read(resp.Body) })
}

// getWith is get handing over the whole 200 response (headers too). A
// connection error or an answer S3 marks as worth retrying (503 SlowDown,
// 500) is tried again as a Put is; read runs once, on the 200.
func (s *Sink) getWith(ctx context.Context, u *url.URL, read func(*http.Response) error) error {
	creds, err := s.creds()
	if err != nil {
		return err
	}
	return s.retry(ctx, func() (bool, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return false, err
		}
		uc := *u
		req.URL = &uc
		req.Host = u.Host
		req.Header.Set("X-Amz-Content-Sha256", emptyHash)
		req.Header.Set("User-Agent", "datatap")
		if err := s.signer.SignHTTP(ctx, creds, req, emptyHash, "s3", s.region, time.Now()); err != nil {
			return false, fmt.Errorf("sign: %w", err)
		}
		resp, err := s.client.Do(req)
		if err != nil {
			var certErr *tls.CertificateVerificationError
			return ctx.Err() == nil && !errors.As(err, &certErr), err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			e := readError(resp, s.region)
			return e.retryable(), e
		}
		return false, read(resp)
	})
}

// ErrNoBucket is what Exists returns for a bucket S3 says is not there.
var ErrNoBucket = errors.New("no such bucket")

// Exists asks S3 whether the bucket exists (a ListObjectsV2 of one key),
// so that `datatap serve` can refuse a misspelled TAP_BUCKET at start
// instead of at its first flush. Only a clear NoSuchBucket is an error
// (wrapping ErrNoBucket): a tap allowed only s3:PutObject gets AccessDenied
// here, and an S3 that does not answer now may answer later.
func (s *Sink) Exists(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	u := s.base
	u.RawQuery = url.Values{"list-type": {"2"}, "max-keys": {"1"}}.Encode() // MinIO answers max-keys=0 without looking
	err := s.get(ctx, &u, func(io.Reader) error { return nil })
	var e *Error
	if errors.As(err, &e) && e.Code == "NoSuchBucket" {
		return fmt.Errorf("s3: bucket %s: %w (%s)", s.bucket, ErrNoBucket, e.Message)
	}
	return nil
}
