package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/datatap/datatap/internal/config"
	"github.com/datatap/datatap/internal/memlimit"
	"github.com/datatap/datatap/internal/secrets"
	"github.com/datatap/datatap/internal/server"
)

var serveUsage = fmt.Sprintf(`datatap serve

Runs the tap as a local HTTP server: POST NDJSON to it, find Parquet in
TAP_DIR (default ./data) or in the S3 bucket TAP_BUCKET. Every setting is a
TAP_* environment variable (see README.md). SIGINT or SIGTERM stops it after
flushing everything spooled.

Bounds (fixed, not settings):
  memory     the Go memory limit is %.0f%% of the cgroup memory limit, unless
             GOMEMLIMIT is set; request bodies being read or ingested hold at
             most a quarter of it (at least one TAP_MAX_BODY_BYTES, at most
             16; 16 with no limit). A request waits up to %s for room, unread,
             then gets 503 with Retry-After.
  bodies     a body may take %s; after that it must have arrived at %d KiB/s
             on average, or the request is cut with 408 (nothing accepted).
  shutdown   SIGTERM waits %s for requests in flight; those still sending a
             body are cut unanswered (nothing of theirs was acknowledged),
             then everything spooled is flushed.
  browsers   with no token required (loopback), a request sent by a web page
             (Sec-Fetch-Site cross-site or same-site, an Origin other than the
             tap's own, a Host not a loopback name) gets 403.
A closed standard output or error (a log pipe) does not stop the tap.

Settings (environment variables; README.md says more):
%s`,
	100*memlimit.ServeShare, server.BudgetWait, server.BodyGrace, server.BodyMinRate>>10, server.ShutdownWait, settingsHelp())

// settingsHelp lists every setting with its default, aligned.
func settingsHelp() string {
	var b strings.Builder
	for _, s := range config.Settings {
		fmt.Fprintf(&b, "  %-25s %s", s.Name, s.Doc)
		if s.Default != "" {
			fmt.Fprintf(&b, " [%s]", s.Default)
		}
		b.WriteByte('\n')
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// WarnUnknown logs each TAP_* variable of the environment that is not a
// setting, with the nearest known name: a misspelled setting would
// otherwise be ignored without a word.
func WarnUnknown(log *slog.Logger) {
	for _, u := range config.Unknown(os.Environ()) {
		if u.Nearest != "" {
			log.Warn("unknown setting, ignored: did you mean "+u.Nearest+"?", "variable", u.Name)
		} else {
			log.Warn("unknown setting, ignored (datatap serve -h lists the settings)", "variable", u.Name)
		}
	}
}

// Serve is the serve command.
func Serve(ctx context.Context, args []string, io Streams, version string) error {
	fs := newFlagSet("serve", serveUsage)
	if err := parseFlags(fs, args, io); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &ExitError{Code: 2, Err: fmt.Errorf("serve: unexpected argument %q (settings are TAP_* variables)", fs.Arg(0))}
	}
	cfg, _, err := config.LoadMode(config.ModeServe, os.LookupEnv) // serve's rules: none today but the auth mode's defaults (tap.Gate)
	if err == nil && cfg.HasSecretSources() {
		err = cfg.ResolveSecrets(ctx, secrets.New())
	}
	if err != nil {
		return &ExitError{Code: 2, Err: fmt.Errorf("serve: bad configuration:\n%w", err)}
	}
	log := slog.New(slog.NewTextHandler(io.Stderr, nil))
	WarnUnknown(log)
	log.Info("datatap serve: memory limit", "memory", memlimit.Set(memlimit.ServeShare))
	return server.Run(ctx, cfg, log, server.Options{Version: version})
}
