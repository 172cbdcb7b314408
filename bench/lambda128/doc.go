// Package lambda128 runs the real datatap binary as it runs in the smallest
// Lambda function (128 MB), and measures it there.
//
// TestLambda128 builds the binary, starts MinIO as S3 and the fake Lambda
// service (internal/testenv/lambda), and starts the binary twice, as the SHUTDOWN
// extension and as the runtime, both inside one cgroup with a 128 MiB memory
// limit and a CPU quota of 128/1769 of one core: what a 128 MB function gets.
// It then sends a stream of Function URL events, each carrying 244 KiB of
// realistic NDJSON log lines, fills the spool to just below TAP_FLUSH_BYTES,
// shuts the environment down the way Lambda does, and checks with DuckDB that
// every accepted row reached S3. It reports, as a Markdown table:
//
//   - cold start: exec to the runtime's first invocation/next, and exec to the
//     extension's register call;
//   - per invocation: the runtime's own handling time (the event handed out to
//     its response POST, from the fake service's request log), and the round
//     trip seen by the caller of Invoke;
//   - flushes: the time from a response to the next invocation/next when the
//     runtime flushed in between, and the encode/upload split it logged;
//   - memory: the cgroup's peak (page cache included), its peak anonymous
//     memory, and each process's peak RSS; limit hits and OOM kills;
//   - shutdown: the leftover, the extension's time from SHUTDOWN to exit
//     against the 2 s deadline, and whether it had to be killed.
//
// Only correctness is asserted (no row lost, the extension flushed and exited
// by itself); timings are reported, never checked. The test needs root and a
// writable cgroup hierarchy (v1 memory and cpu controllers, or v2 with both
// enabled), and runs only when asked:
//
//	DATATAP_LAMBDA128=1 go test ./bench/lambda128 -run TestLambda128 -v -timeout 30m
//
// Settings (environment):
//
//	DATATAP_LAMBDA128_INVOCATIONS  invocations before filling the leftover (default 400)
//	DATATAP_LAMBDA128_BODY_KIB     NDJSON bytes per event, in KiB (default 244)
//	DATATAP_LAMBDA128_MEMORY_MIB   the function's memory (default 128): the memory limit, and
//	                               the CPU quota, MEMORY/1769 of a core as on Lambda (1769: one core)
//	DATATAP_LAMBDA128_PERIOD_US    CFS period the quota is a share of (default 100000)
//	DATATAP_LAMBDA128_REPORT       also write the Markdown table to this file
//
// TestFaults128 (faults128_test.go) is the fault suite's part in the same
// limits: content that issue 11 found stops the tap (a 10,000-key line,
// 70,000 distinct keys, 2,000 partitions with 1,024 open files, 16
// concurrent 6 MiB requests to serve, a Lambda SHUTDOWN at the edge of the
// default envelope: 3 partition values, 1.4 MB), each case in a fresh 128 MiB cgroup against a real MinIO, each
// ending with the exact reconciliation of reconcile_test.go:
//
//	DATATAP_FAULTS128=1 go test ./bench/lambda128 -run TestFaults128 -v -timeout 20m
//
// Its settings: DATATAP_FAULTS128_REPORT (the Markdown report),
// DATATAP_FAULTS128_SERVE_CPU=lambda (serve at Lambda's CPU share instead of
// one core), DATATAP_FAULTS128_LAMBDA_KIB (the Lambda leftovers to try,
// default 2300,6000), DATATAP_FAULTS128_LAMBDA_PARTITIONS (default 900) and
// DATATAP_FAULTS128_CONTROL=1 (every case at a size the tap handled before
// issue 11: shows that the harness passes).
//
// The processes join the cgroup before the binary is exec'd: the test binary
// starts itself as a wrapper (see TestMain) that writes its pid to the
// cgroup's cgroup.procs, notes the time, and execs datatap in its place, so
// that not one page or cycle of datatap runs outside the limits, and cold
// start is measured from the exec itself.
package lambda128
