// Package lambda is a test double of the Lambda service inside one
// execution environment: it serves the Runtime API (2018-06-01) and the
// Extensions API (2020-01-01) on 127.0.0.1, runs the real binary as a runtime
// process and as external extension processes, and shuts the environment down
// the way Lambda does (SIGTERM to the runtime, then SHUTDOWN to the
// extensions with a deadline, then SIGKILL).
//
// What it copies from Lambda, and where from:
//
//   - Paths, headers, bodies and status codes: the AWS Lambda Developer Guide
//     pages "Using the Lambda runtime API for custom runtimes" and "Using the
//     Lambda Extensions API to create extensions", and, where those pages list
//     status codes without saying when each is used, the error types and
//     codes of the Runtime Interface Emulator that AWS open-sourced from the
//     service (aws/aws-lambda-runtime-interface-emulator, rapi/ and rapid/).
//     That is why protocol errors are 403 with a JSON
//     {"errorMessage","errorType"} body (an unknown extension identifier, an
//     empty Lambda-Extension-Name, an event type that cannot be subscribed
//     to, a call in the wrong state), while an invocation id that is not the
//     current one is 400 InvalidRequestID and a response over 6 MiB + 100
//     bytes is 413 RequestEntityTooLarge.
//   - Ordering: extensions register before the runtime starts; the runtime's
//     first invocation/next ends registration; an invocation goes out only
//     when the runtime and every registered extension wait in next, to the
//     extensions subscribed to INVOKE first and to the runtime at once.
//   - Shutdown: the whole phase lasts Options.ShutdownDeadline (Lambda's
//     2000 ms with external extensions). The runtime gets SIGTERM and
//     Options.RuntimeGrace of that to exit; what is left goes to the
//     extensions, whose SHUTDOWN deadlineMs is the end of the phase. With no
//     extension registered, the runtime is SIGKILLed at once, as Lambda does.
//     Extensions that did not subscribe to SHUTDOWN are SIGKILLed at once.
//
// What it does not model: the freeze between invocations, re-initialising an
// environment after a failure (a crash or an error report makes the pending
// Invoke calls fail instead), the Telemetry and Logs APIs, response
// streaming.
package lambda
