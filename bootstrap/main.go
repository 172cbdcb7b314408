// Command datatap is the data tap in one binary: the Lambda runtime, the
// Lambda extension, a local server, and the tools around them. This file only
// picks the mode; each mode lives in its own package.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/datatap/datatap/ext"
	"github.com/datatap/datatap/internal/cli"
	"github.com/datatap/datatap/internal/lambda"
	"github.com/datatap/datatap/internal/memlimit"
)

// version is stamped at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `usage: datatap COMMAND [ARGS]

On AWS Lambda the binary is the runtime (as bootstrap, when
AWS_LAMBDA_RUNTIME_API is set) and the shutdown extension (started from
/opt/extensions/, or with -extension).

commands:
  serve     run the tap as a local HTTP server (settings: TAP_* variables)
  send      post NDJSON files to a tap (compressed, concurrent, with retries)
  token     mint a token for a sender (signed with TAP_JWT_SECRET)
  eval      run a transform over NDJSON and print the rows (try a statement)
  table     print the Athena table (partition projection) and DuckDB view
            over the tap's output
  cat       print Parquet files (local, globs, s3://) as NDJSON or a table
  cost      what Lambda log exports (REPORT lines) cost
  version   print the version

Run "datatap COMMAND -h" for a command's options.`

func main() {
	var err error
	switch api := os.Getenv("AWS_LAMBDA_RUNTIME_API"); {
	case isExtension(os.Args):
		// Lambda tells an extension to stop with the SHUTDOWN event, not a
		// signal: a stray SIGTERM must not cut the final flush short.
		signal.Ignore(syscall.SIGTERM)
		ignoreBrokenLogPipe()
		log := jsonLog()
		cli.WarnUnknown(log)
		log.Info("datatap extension: memory limit", "memory", memlimit.Set(memlimit.ExtensionShare))
		err = ext.Run(context.Background(), api, filepath.Base(os.Args[0]), version, log)
	case api != "" && len(os.Args) == 1:
		ignoreBrokenLogPipe()
		log := jsonLog()
		cli.WarnUnknown(log)
		log.Info("datatap runtime: memory limit", "memory", memlimit.Set(memlimit.RuntimeShare))
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
		err = lambda.Run(ctx, api, version, log)
		stop()
	default:
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err = run(ctx, os.Args[1:])
		stop()
	}
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "datatap:", err)
	}
	os.Exit(cli.ExitCode(err))
}

// isExtension reports whether the binary runs as the Lambda extension:
// Lambda starts extensions from /opt/extensions/ with no arguments, and the
// -extension flag does the same anywhere (tests, other layouts).
func isExtension(args []string) bool {
	if len(args) > 1 && (args[1] == "-extension" || args[1] == "--extension") {
		return true
	}
	exe, err := filepath.Abs(args[0])
	return err == nil && filepath.Dir(exe) == "/opt/extensions"
}

// ignoreBrokenLogPipe keeps a closed log pipe from killing the process: Go
// exits with SIGPIPE when a write to a broken pipe on standard output or
// error is not caught (os/signal, "SIGPIPE"), so `datatap serve | tee log`
// interrupted with Ctrl-C (tee dies first) would lose the final flush.
// Ignored, the write fails with EPIPE and the log line is lost instead. Only
// the long-running modes do this: a tool such as eval piped into head should
// still stop at the first write that nobody reads.
func ignoreBrokenLogPipe() { signal.Ignore(syscall.SIGPIPE) }

// jsonLog is the structured log of the Lambda modes: JSON lines on stderr,
// which Lambda's JSON log format keeps as they are.
func jsonLog() *slog.Logger { return slog.New(slog.NewJSONHandler(os.Stderr, nil)) }

func run(ctx context.Context, args []string) error {
	streams := cli.Streams{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, usage)
		return &cli.ExitError{Code: 2, Err: errors.New("no command given")}
	}
	switch args[0] {
	case "serve":
		ignoreBrokenLogPipe()
		return cli.Serve(ctx, args[1:], streams, version)
	case "token":
		return cli.Token(ctx, args[1:], streams)
	case "send":
		return cli.Send(ctx, args[1:], streams)
	case "cost":
		return cli.Cost(ctx, args[1:], streams)
	case "eval":
		return cli.Eval(ctx, args[1:], streams)
	case "cat":
		return cli.Cat(ctx, args[1:], streams)
	case "table":
		return cli.Table(ctx, args[1:], streams)
	case "version", "-version", "--version":
		fmt.Println("datatap", version)
		return nil
	case "help", "-h", "--help":
		fmt.Println(usage)
		return nil
	}
	fmt.Fprintln(os.Stderr, usage)
	return &cli.ExitError{Code: 2, Err: fmt.Errorf("unknown command %q", args[0])}
}
