package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"

	"github.com/datatap/datatap/internal/config"
	"github.com/datatap/datatap/internal/server"
)

const serveUsage = `datatap serve

Runs the tap as a local HTTP server: POST NDJSON to it, find Parquet in
TAP_DIR (default ./data) or in the S3 bucket TAP_BUCKET. Every setting is a
TAP_* environment variable (see README.md). SIGINT or SIGTERM stops it after
flushing everything spooled.`

// Serve is the serve command.
func Serve(ctx context.Context, args []string, io Streams, version string) error {
	fs := newFlagSet("serve", serveUsage, io.Stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &ExitError{Code: 2, Err: err}
	}
	if fs.NArg() > 0 {
		return &ExitError{Code: 2, Err: fmt.Errorf("serve: unexpected argument %q (settings are TAP_* variables)", fs.Arg(0))}
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return &ExitError{Code: 2, Err: fmt.Errorf("serve: bad configuration:\n%w", err)}
	}
	log := slog.New(slog.NewTextHandler(io.Stderr, nil))
	return server.Run(ctx, cfg, log, server.Options{Version: version})
}
