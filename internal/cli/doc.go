// Package cli holds the command-line modes of the datatap binary that run
// on a person's machine (eval, and later serve, send and token): flag
// parsing, input and output, exit codes. Each mode is a function of its
// arguments and standard streams, so that tests run it in-process.
package cli
