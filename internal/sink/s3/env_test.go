package s3

import (
	"cmp"
	"context"
	"os"

	"github.com/datatap/datatap/internal/awscreds"
	"github.com/datatap/datatap/internal/config"
)

// newFromEnv is New with what the command passes it: the region and
// endpoint of the standard AWS variables (config.S3Env) where opts leaves
// them empty, and awscreds.Load for the credentials.
func newFromEnv(ctx context.Context, bucket string, opts Options) (*Sink, error) {
	region, endpoint := config.S3Env(os.LookupEnv)
	opts.Region, opts.Endpoint = cmp.Or(opts.Region, region), cmp.Or(opts.Endpoint, endpoint)
	if opts.Credentials == nil {
		opts.Credentials = awscreds.Load
	}
	return New(ctx, bucket, opts)
}
