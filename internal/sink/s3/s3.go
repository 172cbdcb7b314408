// Package s3 is the S3 sink: one PutObject per object, through aws-sdk-go-v2.
//
// Region, credentials and endpoint come from the standard AWS sources (on
// Lambda, the function's role; locally, AWS_* variables or ~/.aws), so the same
// binary talks to AWS or to MinIO without datatap settings of its own. Import
// it as s3sink next to the SDK's own s3 package.
package s3

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/datatap/datatap/internal/sink"
)

var _ sink.Sink = (*Sink)(nil)

// Defaults for Options fields left zero.
const (
	// DefaultMaxAttempts is the SDK's own default: one try and two retries.
	DefaultMaxAttempts = 3
	// DefaultAttemptTimeout bounds one HTTP attempt, upload included. A
	// flush uploads at most a few tens of MB, which takes seconds from Lambda;
	// a minute means S3 is not answering, and a retry on a fresh connection
	// is the better bet.
	DefaultAttemptTimeout = 60 * time.Second
	// DefaultMaxBackoff caps the wait between attempts. The SDK's 20 s would
	// eat the whole 2 s shutdown budget and more; shorter waits keep the
	// total time of a failing Put near MaxAttempts × AttemptTimeout.
	DefaultMaxBackoff = 2 * time.Second
)

// Options tune the client; the zero value is right for Lambda.
type Options struct {
	// Region overrides AWS_REGION and the shared config.
	Region string
	// Endpoint overrides AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, e.g.
	// "http://127.0.0.1:9000" for MinIO. Any custom endpoint, from here or
	// from the environment, switches to path-style addressing
	// (http://host/bucket/key), which MinIO and most S3-compatible servers
	// expect since they have no wildcard DNS for bucket.host names.
	Endpoint string
	// MaxAttempts bounds the attempts per Put, first one included.
	// 0 means DefaultMaxAttempts; 1 disables retries.
	MaxAttempts int
	// AttemptTimeout bounds each attempt (connect, upload, response), so a
	// stalled connection is abandoned and retried instead of hanging a
	// flush. 0 means DefaultAttemptTimeout. The ctx given to Put still
	// bounds the whole call.
	AttemptTimeout time.Duration
	// MaxBackoff caps the jittered wait between attempts. 0 means
	// DefaultMaxBackoff.
	MaxBackoff time.Duration
}

// Sink puts objects into one bucket.
type Sink struct {
	client *s3.Client
	bucket string
}

// New loads the AWS configuration (region, credentials, endpoint) the standard
// way and returns a Sink for bucket. It makes no request: credentials and the
// bucket are checked by the first Put, so a cold start pays nothing extra.
func New(ctx context.Context, bucket string, opts Options) (*Sink, error) {
	if bucket == "" {
		return nil, errors.New("s3: no bucket")
	}
	if opts.MaxAttempts < 0 || opts.AttemptTimeout < 0 || opts.MaxBackoff < 0 {
		return nil, fmt.Errorf("s3: negative option in %+v", opts)
	}
	maxAttempts := cmp.Or(opts.MaxAttempts, DefaultMaxAttempts)
	attemptTimeout := cmp.Or(opts.AttemptTimeout, DefaultAttemptTimeout)
	maxBackoff := cmp.Or(opts.MaxBackoff, DefaultMaxBackoff)

	loadOpts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = maxAttempts
				o.MaxBackoff = maxBackoff
			})
		}),
		// http.Client.Timeout is per request, i.e. per attempt, and its
		// timeout error counts as a retryable connection error for the SDK.
		// (A context deadline per attempt would not: the SDK treats a done
		// context as a cancellation and stops retrying.)
		config.WithHTTPClient(awshttp.NewBuildableClient().WithTimeout(attemptTimeout)),
	}
	if opts.Region != "" {
		loadOpts = append(loadOpts, config.WithRegion(opts.Region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return nil, fmt.Errorf("s3: load AWS config: %w", err)
	}
	if cfg.Region == "" {
		return nil, errors.New("s3: no region: set AWS_REGION")
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if opts.Endpoint != "" {
			o.BaseEndpoint = aws.String(opts.Endpoint)
		}
		// By now o.BaseEndpoint holds AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL
		// or endpoint_url from ~/.aws/config, if any (NewFromConfig resolves
		// them before running option functions), so this catches every way
		// of pointing the SDK at a non-AWS server.
		if o.BaseEndpoint != nil {
			o.UsePathStyle = true
		}
	})
	return &Sink{client: client, bucket: bucket}, nil
}

// String returns "s3://bucket", for logs.
func (s *Sink) String() string { return "s3://" + s.bucket }

// Put uploads size bytes of body, from its current offset, with one
// PutObject. S3 makes an object visible only once it is complete and replaces
// it whole on a second put, which gives the Sink guarantees for free. The body
// is handed to the SDK as an io.ReadSeeker with its length so that it can
// hash the payload for SigV4 and rewind for a retry without buffering it.
func (s *Sink) Put(ctx context.Context, key string, body io.ReadSeeker, size int64) error {
	if err := sink.ValidKey(key); err != nil {
		return fmt.Errorf("s3: put object: %w", err)
	}
	_, err := s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(s.bucket),
		Key:           aws.String(key),
		Body:          body,
		ContentLength: aws.Int64(size),
		ContentType:   aws.String(ContentType(key)),
	})
	if err != nil {
		return fmt.Errorf("s3: put object %s: %w", key, err)
	}
	return nil
}

// ContentType returns the media type stored with an object, from its
// extension, so that consoles and HTTP clients know what they are fetching.
func ContentType(key string) string {
	switch path.Ext(key) {
	case ".parquet":
		return "application/vnd.apache.parquet"
	case ".ndjson":
		return "application/x-ndjson"
	}
	return "application/octet-stream"
}
