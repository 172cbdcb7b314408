package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/datatap/datatap/internal/config"
	"github.com/datatap/datatap/internal/send"
)

const sendUsage = `datatap send [flags] URL [FILE...]

Posts NDJSON (the FILEs, or standard input) to a tap: cut into requests on
line boundaries, compressed, several in flight, retried on 429, 5xx and
network errors with backoff (honouring Retry-After). Prints a summary; exits
1 when any line was not delivered or was rejected by the tap. The token comes
from -token or TAP_TOKEN; with -sigv4, requests are signed for a Function URL
with AWS_IAM auth instead (credentials from AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, or ~/.aws/credentials; the
region from the URL, or AWS_REGION).`

// Send is the send command.
func Send(ctx context.Context, args []string, std Streams) error {
	fs := newFlagSet("send", sendUsage)
	token := fs.String("token", "", "bearer `TOKEN` (default $TAP_TOKEN)")
	maxReq := fs.String("max-request", "4MiB", "largest request on the wire, compressed (`SIZE`)")
	maxBody := fs.String("max-body", "6MiB", "most NDJSON per request before compression: the tap's TAP_MAX_BODY_BYTES (`SIZE`)")
	enc := fs.String("encoding", "gzip", "request compression: gzip, zstd or none")
	conc := fs.Int("c", 4, "requests in flight")
	attempts := fs.Int("attempts", 10, "tries per request before its lines count as failed")
	quiet := fs.Bool("q", false, "no progress line, and no message per failed attempt (the summary says why the last one failed)")
	sigv4 := fs.Bool("sigv4", false, "sign requests with AWS SigV4 (a Function URL with AWS_IAM auth) instead of sending a token")
	if err := parseFlags(fs, args, std); err != nil {
		return err
	}
	if fs.NArg() < 1 {
		fs.Usage()
		return &ExitError{Code: 2, Err: errors.New("send: no URL")}
	}
	opt := send.Options{URL: fs.Arg(0), Token: *token, Encoding: *enc, Concurrency: *conc, MaxAttempts: *attempts}
	client := config.ClientFromEnv()
	if *sigv4 {
		if opt.Token != "" {
			return &ExitError{Code: 2, Err: errors.New("send: -sigv4 and -token both want the Authorization header: use one")}
		}
		s, err := send.NewSigV4(opt.URL, client.Region)
		if err != nil {
			return err
		}
		opt.SigV4 = s
	} else if opt.Token == "" {
		opt.Token = client.Token
	}
	var err error
	if opt.MaxRequestBytes, err = config.ParseSize(*maxReq); err != nil {
		return &ExitError{Code: 2, Err: fmt.Errorf("send: -max-request: %w", err)}
	}
	if opt.MaxBodyBytes, err = config.ParseSize(*maxBody); err != nil {
		return &ExitError{Code: 2, Err: fmt.Errorf("send: -max-body: %w", err)}
	}
	if !*quiet && isTerminal(std.Stderr) {
		opt.Progress = std.Stderr
	}
	if !*quiet {
		opt.Messages = std.Stderr
	}
	inputs := []io.Reader{std.Stdin}
	if fs.NArg() > 1 {
		inputs = inputs[:0]
		for _, name := range fs.Args()[1:] {
			f, err := os.Open(name)
			if err != nil {
				return fmt.Errorf("send: %w", err)
			}
			defer f.Close()
			if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
				opt.TotalBytes += st.Size()
			}
			inputs = append(inputs, f)
		}
	}
	sum, err := send.Send(ctx, opt, inputs...)
	fmt.Fprintln(std.Stderr, sum)
	if err != nil {
		return err // says "send: …" already
	}
	if !sum.OK() {
		return &ExitError{Code: 1, Err: fmt.Errorf("send: %d lines not delivered, %d rejected by the tap", sum.Failed, sum.Rejected)}
	}
	return nil
}

// isTerminal reports whether w is a terminal, where a progress line that
// rewrites itself makes sense.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
