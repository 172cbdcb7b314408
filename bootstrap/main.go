// Command datatap is the data tap in one binary: the Lambda runtime, the
// Lambda extension, a local server, and the tools around them. This file only
// picks the mode; each mode lives in its own package.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/datatap/datatap/internal/cli"
)

// version is stamped at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `usage: datatap COMMAND [ARGS]

commands:
  serve     run the tap as a local HTTP server (settings: TAP_* variables)
  eval      run a transform over NDJSON and print the rows (try a statement)
  version   print the version

Run "datatap COMMAND -h" for a command's options.`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "datatap:", err)
	}
	os.Exit(cli.ExitCode(err))
}

func run(ctx context.Context, args []string) error {
	streams := cli.Streams{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, usage)
		return &cli.ExitError{Code: 2, Err: errors.New("no command given")}
	}
	switch args[0] {
	case "serve":
		return cli.Serve(ctx, args[1:], streams, version)
	case "eval":
		return cli.Eval(ctx, args[1:], streams)
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
