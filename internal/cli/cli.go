package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// Streams are the standard input and outputs of a command.
type Streams struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// ExitError asks the process to exit with Code after printing Err.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// ExitCode is the process exit status for err: 0 for nil, the ExitError's
// code, 0 for -h, else 1.
func ExitCode(err error) int {
	var ee *ExitError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ee):
		return ee.Code
	}
	return 1
}

// newFlagSet returns a flag set that reports errors instead of exiting; see
// parseFlags.
func newFlagSet(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: %s\n\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args. -h prints the usage on standard output (it was
// asked for: `datatap serve -h | less` works) and returns flag.ErrHelp; a bad
// flag prints the usage on standard error and is an exit with status 2.
func parseFlags(fs *flag.FlagSet, args []string, std Streams) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(std.Stdout)
		fs.Usage()
		return err
	case err != nil:
		fs.SetOutput(std.Stderr)
		fs.Usage()
		return &ExitError{Code: 2, Err: err}
	}
	fs.SetOutput(std.Stderr) // for the commands' own fs.Usage() calls
	return nil
}
