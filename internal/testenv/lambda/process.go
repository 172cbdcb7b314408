package lambda

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// registerTimeout bounds how long StartExtension waits for the extension to
// register.
const registerTimeout = 10 * time.Second

// killWait bounds how long a SIGKILLed process may take to be reaped.
const killWait = 5 * time.Second

// process is a child started by StartRuntime or StartExtension.
type process struct {
	name    string
	runtime bool
	cmd     *exec.Cmd
	out     *lineWriter
	done    chan struct{} // closed once the process has been reaped
	// Set before done is closed.
	state    *os.ProcessState
	exitedAt time.Time
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitFor waits up to d for the process to end and reports whether it did.
func (p *process) waitFor(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.done:
		return true
	case <-t.C:
		return false
	}
}

func (p *process) signal(sig os.Signal) {
	if !p.exited() {
		_ = p.cmd.Process.Signal(sig)
	}
}

func (p *process) status() string {
	if !p.exited() {
		return "running"
	}
	if p.state == nil {
		return "not reaped"
	}
	return p.state.String()
}

// StartRuntime starts the runtime process (Lambda's bootstrap) with
// AWS_LAMBDA_RUNTIME_API pointing at the server, added to cmd.Env (or to
// os.Environ() when cmd.Env is nil). Its combined output goes to Logs, and
// also to cmd.Stdout and cmd.Stderr if the caller set them. The test's
// cleanup SIGKILLs it if it still runs. Start extensions first: Lambda runs
// their init before the runtime's.
func (s *Server) StartRuntime(t testing.TB, cmd *exec.Cmd) {
	t.Helper()
	s.mu.Lock()
	if s.runtimeProc != nil {
		s.mu.Unlock()
		t.Fatalf("testenv/lambda: StartRuntime called twice")
	}
	s.mu.Unlock()
	s.startProcess(t, "runtime", true, cmd)
}

// StartExtension starts an external extension process, as Lambda starts each
// executable of /opt/extensions, and waits up to 10s until it registered
// under name (Lambda matches Lambda-Extension-Name against the file name).
// The environment and output are as for StartRuntime. It fails the test if
// the runtime was already started, since Lambda registers every extension
// before it starts the runtime.
func (s *Server) StartExtension(t testing.TB, name string, cmd *exec.Cmd) {
	t.Helper()
	s.mu.Lock()
	switch {
	case s.runtimeProc != nil || s.rt != rtStarted:
		s.mu.Unlock()
		t.Fatalf("testenv/lambda: StartExtension(%q) after the runtime started: Lambda registers every extension before it starts the runtime", name)
	case s.extProcs[name] != nil:
		s.mu.Unlock()
		t.Fatalf("testenv/lambda: StartExtension(%q) called twice", name)
	}
	s.external[name] = true
	s.mu.Unlock()

	p := s.startProcess(t, name, false, cmd)
	timer := time.NewTimer(registerTimeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		ok := slices.ContainsFunc(s.extOrder, func(e *extension) bool { return e.name == name })
		names := s.registeredNamesLocked()
		ch := s.changed
		s.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-p.done:
			t.Fatalf("testenv/lambda: extension %q ended (%s) before it registered\n%s", name, p.status(), s.Logs())
		case <-timer.C:
			t.Fatalf("testenv/lambda: extension %q did not register within %s (registered: %q); Lambda-Extension-Name must be the extension's file name\n%s",
				name, registerTimeout, names, s.Logs())
		}
	}
}

func (s *Server) registeredNamesLocked() []string {
	var names []string
	for _, e := range s.extOrder {
		names = append(names, e.name)
	}
	return names
}

func (s *Server) startProcess(t testing.TB, name string, runtime bool, cmd *exec.Cmd) *process {
	t.Helper()
	env := cmd.Env
	if env == nil {
		env = os.Environ()
	}
	cmd.Env = append(slices.Clone(env), "AWS_LAMBDA_RUNTIME_API="+s.Addr())
	out := s.logs.writer(name)
	if cmd.Stdout == nil && cmd.Stderr == nil {
		// One writer for both, so that exec gives them one pipe and the
		// lines keep their order.
		cmd.Stdout, cmd.Stderr = out, out
	} else {
		cmd.Stdout = teeTo(cmd.Stdout, out)
		cmd.Stderr = teeTo(cmd.Stderr, out)
	}
	if cmd.WaitDelay == 0 {
		// A grandchild holding the output pipe must not keep Wait forever.
		cmd.WaitDelay = time.Second
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("testenv/lambda: start %s: %v", name, err)
	}
	p := &process{name: name, runtime: runtime, cmd: cmd, out: out, done: make(chan struct{})}
	s.mu.Lock()
	if runtime {
		s.runtimeProc = p
	} else {
		s.extProcs[name] = p
	}
	s.mu.Unlock()
	s.logf("started %s (pid %d): %s", name, cmd.Process.Pid, strings.Join(cmd.Args, " "))
	go func() {
		_ = cmd.Wait()
		p.state = cmd.ProcessState
		p.exitedAt = time.Now()
		out.flush()
		close(p.done)
		s.logf("%s ended: %s", name, p.status())
		s.processEnded(p)
	}()
	t.Cleanup(func() {
		p.signal(syscall.SIGKILL)
		p.waitFor(killWait)
	})
	return p
}

func teeTo(w, out io.Writer) io.Writer {
	if w == nil {
		return out
	}
	return io.MultiWriter(w, out)
}

// processEnded fails what Lambda would fail when a process of the
// environment ends outside the shutdown phase.
func (s *Server) processEnded(p *process) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.broadcastLocked()
	if s.shuttingDown {
		return
	}
	if p.runtime {
		s.runtimeExit = p.status()
		s.failPendingLocked(func(id string) Result { return Result{Error: runtimeExitError(id, s.runtimeExit)} }, nil)
		return
	}
	if s.extFault == nil {
		s.extFault = fmt.Errorf("testenv/lambda: extension %q ended (%s) while the environment was running; Lambda would fail the invocation (Extension.Crash) and reset the environment", p.name, p.status())
		s.failPendingLocked(func(string) Result { return Result{} }, s.extFault)
	}
}

// killAll SIGKILLs every process still running and waits for them.
func (s *Server) killAll() {
	s.mu.Lock()
	var ps []*process
	if s.runtimeProc != nil {
		ps = append(ps, s.runtimeProc)
	}
	for _, p := range s.extProcs {
		ps = append(ps, p)
	}
	s.mu.Unlock()
	for _, p := range ps {
		p.signal(syscall.SIGKILL)
	}
	for _, p := range ps {
		p.waitFor(killWait)
	}
}

// ProcessExit says how a process of the environment ended.
type ProcessExit struct {
	// Name is "runtime" or the extension's name.
	Name string
	// Started is false when there was no process: the test drove that side
	// itself.
	Started bool
	// EndedEarly is true when the process had ended before Shutdown
	// signalled it.
	EndedEarly bool
	// Terminated and Killed say whether Shutdown sent SIGTERM and SIGKILL.
	Terminated, Killed bool
	// Ended is false only when the process outlived SIGKILL by 5s.
	Ended bool
	// ExitCode is the exit status, -1 when a signal ended the process.
	ExitCode int
	// Signal names the signal that ended the process ("terminated",
	// "killed"), empty when it exited by itself.
	Signal string
	// EndedAt is when the process was reaped.
	EndedAt time.Time
	// After is the time from the runtime's SIGTERM (or SIGKILL when it got
	// none), or from the extension's SHUTDOWN event, to the process's end.
	After time.Duration
}

func (p *process) exit(from time.Time) ProcessExit {
	pe := ProcessExit{Name: p.name, Started: true, Ended: p.exited()}
	if !pe.Ended || p.state == nil {
		return pe
	}
	pe.EndedAt = p.exitedAt
	pe.ExitCode = p.state.ExitCode()
	if ws, ok := p.state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		pe.Signal = ws.Signal().String()
	}
	if !from.IsZero() {
		pe.After = p.exitedAt.Sub(from)
	}
	return pe
}

// String describes the exit in one line, for test logs.
func (pe ProcessExit) String() string {
	switch {
	case !pe.Started:
		return pe.Name + ": no process"
	case !pe.Ended:
		return pe.Name + ": still running after SIGKILL"
	}
	how := fmt.Sprintf("exit code %d", pe.ExitCode)
	if pe.Signal != "" {
		how = "signal " + pe.Signal
	}
	var sent []string
	if pe.Terminated {
		sent = append(sent, "SIGTERM")
	}
	if pe.Killed {
		sent = append(sent, "SIGKILL")
	}
	if pe.EndedEarly {
		sent = append(sent, "ended before shutdown")
	}
	return fmt.Sprintf("%s: %s after %s (%s)", pe.Name, how, pe.After.Round(time.Millisecond), strings.Join(sent, ", "))
}

// ExtensionReport is how one extension went through the shutdown phase.
type ExtensionReport struct {
	ProcessExit
	// Subscribed is whether it registered for SHUTDOWN; Registered is false
	// for a process that never registered.
	Subscribed, Registered bool
	// GotShutdown says whether it received the SHUTDOWN event, and when.
	GotShutdown bool
	ShutdownAt  time.Time
}

// ShutdownReport is what Shutdown observed.
type ShutdownReport struct {
	// Reason is the shutdownReason sent.
	Reason string
	// Start is when Shutdown began; Deadline is the end of the phase, sent as
	// deadlineMs.
	Start, Deadline time.Time
	// ShutdownSentAt is when the SHUTDOWN event was made available to the
	// extensions, after the runtime had ended.
	ShutdownSentAt time.Time
	// Runtime is how the runtime process ended.
	Runtime ProcessExit
	// Extensions has one entry per registered extension or started
	// extension process, in registration order.
	Extensions []ExtensionReport
}

// Extension returns the report of the named extension.
func (r ShutdownReport) Extension(name string) (ExtensionReport, bool) {
	for _, e := range r.Extensions {
		if e.Name == name {
			return e, true
		}
	}
	return ExtensionReport{}, false
}

// String describes the shutdown phase, one line per process, for test logs.
func (r ShutdownReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "shutdown %q, deadline +%s, SHUTDOWN sent at +%s\n", r.Reason,
		r.Deadline.Sub(r.Start).Round(time.Millisecond), r.ShutdownSentAt.Sub(r.Start).Round(time.Millisecond))
	fmt.Fprintf(&b, "  %s\n", r.Runtime)
	for _, e := range r.Extensions {
		got := "no SHUTDOWN event"
		if e.GotShutdown {
			got = fmt.Sprintf("SHUTDOWN at +%s", e.ShutdownAt.Sub(r.Start).Round(time.Millisecond))
		}
		fmt.Fprintf(&b, "  %s; %s\n", e.ProcessExit, got)
	}
	return b.String()
}

// Shutdown ends the execution environment the way Lambda does. It fails
// the invocations still pending, then, within Options.ShutdownDeadline from
// now:
//
//  1. sends SIGTERM to the runtime process and SIGKILLs it if it has not
//     ended after Options.RuntimeGrace (with no extension registered, Lambda
//     spends no time on this and SIGKILLs the runtime at once);
//  2. hands the SHUTDOWN event {"eventType":"SHUTDOWN","shutdownReason":
//     reason,"deadlineMs":<end of the phase>} to every extension subscribed
//     to it, waiting in event/next or calling it later; SIGKILLs at once the
//     extension processes that did not subscribe;
//  3. waits for the extension processes until the deadline and SIGKILLs
//     those still running.
//
// reason defaults to "spindown" (Lambda also sends "timeout" and
// "failure"). Calling it again returns the first report.
func (s *Server) Shutdown(reason string) ShutdownReport {
	if reason == "" {
		reason = "spindown"
	}
	s.mu.Lock()
	if s.shuttingDown {
		for s.report == nil {
			if !s.waitLocked(context.Background()) {
				break
			}
		}
		defer s.mu.Unlock()
		if s.report == nil {
			return ShutdownReport{}
		}
		return *s.report
	}
	s.shuttingDown = true
	start := time.Now()
	deadline := start.Add(s.opts.ShutdownDeadline)
	rep := ShutdownReport{Reason: reason, Start: start, Deadline: deadline, Runtime: ProcessExit{Name: "runtime"}}
	s.failPendingLocked(func(string) Result { return Result{} }, errors.New("testenv/lambda: the environment was shut down"))
	rt := s.runtimeProc
	graceful := len(s.extOrder) > 0
	s.broadcastLocked()
	s.mu.Unlock()
	s.logf("shutdown %q: deadline in %s", reason, s.opts.ShutdownDeadline)

	if rt != nil {
		rep.Runtime = s.stopRuntime(rt, graceful, start.Add(s.opts.RuntimeGrace))
	}

	s.mu.Lock()
	sentAt := time.Now()
	s.shutdownEv = &shutdownEvent{
		body:   mustJSON(map[string]any{"eventType": "SHUTDOWN", "shutdownReason": reason, "deadlineMs": deadline.UnixMilli()}),
		sentAt: sentAt,
	}
	rep.ShutdownSentAt = sentAt
	type target struct {
		ext  *extension
		name string
		proc *process
	}
	var targets []target
	for _, e := range s.extOrder {
		e.pending = nil // an INVOKE not yet taken is void
		targets = append(targets, target{e, e.name, s.extProcs[e.name]})
	}
	for name, p := range s.extProcs {
		if !slices.ContainsFunc(targets, func(t target) bool { return t.name == name }) {
			targets = append(targets, target{nil, name, p})
		}
	}
	s.broadcastLocked()
	s.mu.Unlock()
	s.logf("SHUTDOWN event available: %s", s.shutdownEv.body)

	exits := make([]ProcessExit, len(targets))
	var wg sync.WaitGroup
	for i, tg := range targets {
		wg.Go(func() { exits[i] = s.stopExtension(tg.ext, tg.name, tg.proc, deadline) })
	}
	wg.Wait()

	s.mu.Lock()
	for i, tg := range targets {
		er := ExtensionReport{ProcessExit: exits[i]}
		if tg.ext != nil {
			er.Registered, er.Subscribed = true, tg.ext.shutdown
			er.GotShutdown, er.ShutdownAt = !tg.ext.gotShutAt.IsZero(), tg.ext.gotShutAt
		}
		rep.Extensions = append(rep.Extensions, er)
	}
	s.report = &rep
	s.broadcastLocked()
	s.mu.Unlock()
	s.logf("shutdown done:\n%s", rep)
	return rep
}

// stopRuntime is step 1 of Shutdown.
func (s *Server) stopRuntime(p *process, graceful bool, graceEnd time.Time) ProcessExit {
	if p.exited() {
		pe := p.exit(time.Time{})
		pe.EndedEarly = true
		return pe
	}
	from := time.Now()
	terminated := false
	if graceful {
		s.logf("SIGTERM runtime")
		p.signal(syscall.SIGTERM)
		terminated = true
		p.waitFor(time.Until(graceEnd))
	}
	killed := false
	if !p.exited() {
		s.logf("SIGKILL runtime")
		p.signal(syscall.SIGKILL)
		killed = true
		p.waitFor(killWait)
	}
	pe := p.exit(from)
	pe.Terminated, pe.Killed = terminated, killed
	return pe
}

// stopExtension is steps 2 and 3 of Shutdown for one extension. Without a
// process (the test drives the extension), it waits until the extension took
// its SHUTDOWN event or the deadline passed.
func (s *Server) stopExtension(e *extension, name string, p *process, deadline time.Time) ProcessExit {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	if p == nil {
		if e != nil && e.shutdown {
			s.mu.Lock()
			for e.gotShutAt.IsZero() {
				ch := s.changed
				s.mu.Unlock()
				select {
				case <-ch:
				case <-timer.C:
					return ProcessExit{Name: name}
				}
				s.mu.Lock()
			}
			s.mu.Unlock()
		}
		return ProcessExit{Name: name}
	}
	if p.exited() {
		pe := p.exit(time.Time{})
		pe.EndedEarly = true
		return pe
	}
	killed := false
	if e != nil && e.shutdown {
		select {
		case <-p.done:
		case <-timer.C:
		}
	}
	if !p.exited() {
		s.logf("SIGKILL extension %q", name)
		p.signal(syscall.SIGKILL)
		killed = true
		p.waitFor(killWait)
	}
	s.mu.Lock()
	from := s.shutdownEv.sentAt
	if e != nil && !e.gotShutAt.IsZero() {
		from = e.gotShutAt
	}
	s.mu.Unlock()
	pe := p.exit(from)
	pe.Killed = killed
	return pe
}

// maxLogBytes bounds the kept output: a chatty process keeps its last
// lines, which are the ones a failure message needs.
const maxLogBytes = 4 << 20

// logBuffer collects the processes' output and the server's notes, each line
// stamped with the seconds since the server started and its source.
type logBuffer struct {
	mu      sync.Mutex
	start   time.Time
	b       bytes.Buffer
	dropped int
}

func (l *logBuffer) line(source, text string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.start.IsZero() {
		l.start = time.Now()
	}
	stamp := time.Since(l.start).Seconds()
	for ln := range strings.SplitSeq(strings.TrimSuffix(text, "\n"), "\n") {
		fmt.Fprintf(&l.b, "%7.3f %s| %s\n", stamp, source, ln)
	}
	if l.b.Len() > maxLogBytes {
		keep := l.b.Bytes()[l.b.Len()-maxLogBytes/2:]
		if i := bytes.IndexByte(keep, '\n'); i >= 0 {
			keep = keep[i+1:]
		}
		l.dropped += l.b.Len() - len(keep)
		rest := bytes.Clone(keep)
		l.b.Reset()
		l.b.Write(rest)
	}
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.dropped > 0 {
		return fmt.Sprintf("[%d bytes of earlier output dropped]\n%s", l.dropped, l.b.String())
	}
	return l.b.String()
}

func (l *logBuffer) writer(source string) *lineWriter {
	return &lineWriter{l: l, source: source}
}

// lineWriter passes whole lines to a logBuffer.
type lineWriter struct {
	l       *logBuffer
	source  string
	mu      sync.Mutex
	partial []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, p...)
	if i := bytes.LastIndexByte(w.partial, '\n'); i >= 0 {
		w.l.line(w.source, string(w.partial[:i]))
		w.partial = append(w.partial[:0], w.partial[i+1:]...)
	}
	return len(p), nil
}

func (w *lineWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.partial) > 0 {
		w.l.line(w.source, string(w.partial))
		w.partial = nil
	}
}
