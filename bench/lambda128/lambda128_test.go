package lambda128

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/datatap/datatap/internal/config"
	"github.com/datatap/datatap/internal/testenv"
	"github.com/datatap/datatap/internal/testenv/duckdb"
	"github.com/datatap/datatap/internal/testenv/lambda"
	"github.com/datatap/datatap/internal/testenv/minio"
)

// The wrapper's settings: the cgroup.procs files to join and the file to
// write the exec time to. See TestMain.
const (
	envJoin  = "DATATAP_LAMBDA128_JOIN"
	envStamp = "DATATAP_LAMBDA128_STAMP"
	// envNofile, when set, is the RLIMIT_NOFILE (soft and hard) the wrapper
	// sets before the exec: Lambda's is 1024.
	envNofile = "DATATAP_LAMBDA128_NOFILE"
)

// TestMain doubles as the wrapper that starts datatap inside the cgroup: with
// DATATAP_LAMBDA128_JOIN set, the test binary is not a test but writes its
// pid to each listed cgroup.procs, notes the time and its own peak RSS in
// DATATAP_LAMBDA128_STAMP (with the CPU time it used, which the kernel
// will count as datatap's), and execs its arguments in its place (same pid, so
// testenv/lambda supervises datatap itself).
func TestMain(m *testing.M) {
	if procs, ok := os.LookupEnv(envJoin); ok {
		os.Exit(execInCgroup(procs, os.Getenv(envStamp), os.Args[1:]))
	}
	os.Exit(m.Run())
}

func execInCgroup(procs, stamp string, argv []string) int {
	fail := func(err error) int {
		fmt.Fprintf(os.Stderr, "lambda128 wrapper: %v\n", err)
		return 127
	}
	if len(argv) == 0 {
		return fail(errors.New("nothing to exec"))
	}
	pid := strconv.Itoa(os.Getpid())
	for _, f := range filepath.SplitList(procs) {
		if err := writeFile(f, pid); err != nil {
			return fail(err)
		}
	}
	if v := os.Getenv(envNofile); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return fail(fmt.Errorf("%s=%q: %w", envNofile, v, err))
		}
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
			return fail(fmt.Errorf("setrlimit NOFILE %d: %w", n, err))
		}
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, envJoin+"=") && !strings.HasPrefix(kv, envStamp+"=") && !strings.HasPrefix(kv, envNofile+"=") {
			env = append(env, kv)
		}
	}
	if stamp != "" {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		line := fmt.Appendf(nil, "%d %d %d\n", time.Now().UnixNano(), vmHWM(os.Getpid()), cpu)
		if err := os.WriteFile(stamp, line, 0o644); err != nil {
			return fail(err)
		}
	}
	err := syscall.Exec(argv[0], argv, env)
	return fail(fmt.Errorf("exec %s: %w", argv[0], err))
}

// settings are the knobs of one run.
type settings struct {
	invocations int
	bodyBytes   int
	flushBytes  int64 // the effective TAP_FLUSH_BYTES (the tap's own choice unless DATATAP_LAMBDA128_FLUSH_KIB)
	flushSet    bool  // DATATAP_LAMBDA128_FLUSH_KIB was given: pass it as TAP_FLUSH_BYTES
	lim         limits
}

func loadSettings(t *testing.T) settings {
	t.Helper()
	num := func(name string, def int) int {
		v := os.Getenv(name)
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			t.Fatalf("%s=%q: want a positive integer", name, v)
		}
		return n
	}
	period := num("DATATAP_LAMBDA128_PERIOD_US", 100000)
	memory := num("DATATAP_LAMBDA128_MEMORY_MIB", 128)
	// Lambda's CPU share grows with memory: 1769 MB is one vCPU.
	quota := int(math.Round(float64(period) * float64(memory) / 1769))
	if quota < 1000 {
		t.Fatalf("DATATAP_LAMBDA128_PERIOD_US=%d: the quota (%d µs) would be under the kernel's minimum of 1000 µs", period, quota)
	}
	return settings{
		invocations: num("DATATAP_LAMBDA128_INVOCATIONS", 400),
		bodyBytes:   num("DATATAP_LAMBDA128_BODY_KIB", 244) << 10,
		// Unless told otherwise the tap picks: 10 MiB, lowered to what the
		// shutdown flush fits at this memory (lambda.New).
		flushBytes: int64(num("DATATAP_LAMBDA128_FLUSH_KIB", int(min(10<<20, config.Config{LambdaMemoryMB: memory}.ShutdownSafeFlushBytes())>>10))) << 10,
		flushSet:   os.Getenv("DATATAP_LAMBDA128_FLUSH_KIB") != "",
		lim:        limits{memory: int64(memory) << 20, period: period, quota: quota},
	}
}

// invocation is one Invoke and what the request log and the runtime's log
// say about it.
type invocation struct {
	i         int
	id        string
	start     time.Time     // Invoke called
	roundTrip time.Duration // until it returned
	lines     int
	eventSize int
	accepted  int

	// From lambda.Requests.
	handedOut    time.Time // the invocation/next that delivered it answered
	responded    time.Time // the response POST arrived
	respondedEnd time.Time // and was answered
	nextAt       time.Time // the runtime's following invocation/next arrived
	matched      bool

	flushes []logLine // "flushed" lines the runtime logged between its response and next
}

func (v *invocation) handler() time.Duration { return v.responded.Sub(v.handedOut) }
func (v *invocation) after() time.Duration   { return v.nextAt.Sub(v.respondedEnd) }

func TestLambda128(t *testing.T) {
	if os.Getenv("DATATAP_LAMBDA128") != "1" {
		t.Skip("lambda128: set DATATAP_LAMBDA128=1 to run (needs root and cgroups): `make lambda128`, or\n" +
			"\tsudo DATATAP_LAMBDA128=1 go test ./bench/lambda128 -run TestLambda128 -v -timeout 30m")
	}
	if os.Geteuid() != 0 {
		t.Skip("lambda128: needs root to create cgroups and move processes into them")
	}
	duckdb.Require(t)
	set := loadSettings(t)
	bin := testenv.Binary(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}

	// The cgroup first: its cleanup then runs after testenv/lambda's, which
	// kills the processes in it.
	cg := newCgroup(t, fmt.Sprintf("datatap-lambda128-%d", os.Getpid()), &set.lim)
	store := minio.Start(t)
	spoolDir, stampDir := t.TempDir(), t.TempDir()
	lam := lambda.Start(t, lambda.Options{})
	env := childEnv(store, spoolDir, set.lim.memory, set.flushBytes, set.flushSet)
	join := envJoin + "=" + strings.Join(cg.procsFiles(), string(os.PathListSeparator))
	sm := startSampler(cg, bin, 10*time.Millisecond)
	defer sm.finish()

	// Lambda starts the extensions, waits for them to register, then starts
	// the runtime.
	extLog, rtLog := &logLines{}, &logLines{}
	xcmd := exec.Command(self, bin, "-extension")
	xcmd.Env = append(slices.Clone(env), join, envStamp+"="+filepath.Join(stampDir, "extension"))
	xcmd.Stderr = extLog
	lam.StartExtension(t, "datatap", xcmd)
	sm.watch("extension", xcmd.Process.Pid)
	rtcmd := exec.Command(self, bin)
	rtcmd.Env = append(slices.Clone(env), join, envStamp+"="+filepath.Join(stampDir, "runtime"))
	rtcmd.Stderr = rtLog
	lam.StartRuntime(t, rtcmd)
	sm.watch("runtime", rtcmd.Process.Pid)

	// The stream: set.invocations events, then more until the open segment
	// is as full as it can be without the runtime flushing it.
	c := newCorpus()
	var invs []*invocation
	var eventBytes int
	totalAccepted := 0
	var prevSeg string
	var prevSize, increment int64
	var leftover int64
	for i := 0; ; i++ {
		if i > set.invocations+4*int(set.flushBytes/int64(set.bodyBytes))+20 {
			t.Fatalf("after %d invocations the open segment never came within one event of TAP_FLUSH_BYTES", i)
		}
		body, lines := c.body(set.bodyBytes)
		ev := functionURLEvent(body, i)
		eventBytes += len(ev)
		v := &invocation{i: i, lines: lines, eventSize: len(ev), start: time.Now()}
		res, err := lam.Invoke(context.Background(), ev)
		v.roundTrip = time.Since(v.start)
		if err != nil {
			t.Fatalf("invoke %d: %v", i, err)
		}
		if res.Error != nil {
			t.Fatalf("invoke %d: %v", i, res.Error)
		}
		v.id = res.RequestID
		var resp struct {
			StatusCode int    `json:"statusCode"`
			Body       string `json:"body"`
		}
		var counts struct{ Accepted, Filtered, Rejected int }
		if err := json.Unmarshal(res.Response, &resp); err != nil || resp.StatusCode != 202 {
			t.Fatalf("invoke %d: response %.300s (%v)", i, res.Response, err)
		}
		if err := json.Unmarshal([]byte(resp.Body), &counts); err != nil {
			t.Fatalf("invoke %d: response body %q: %v", i, resp.Body, err)
		}
		if counts.Accepted != lines || counts.Rejected != 0 || counts.Filtered != 0 {
			t.Fatalf("invoke %d: %d lines sent, answer %s", i, lines, resp.Body)
		}
		v.accepted = counts.Accepted
		totalAccepted += counts.Accepted
		invs = append(invs, v)

		// The runtime appended this event before it answered, and touches
		// the open segment again only if it is due (≥ TAP_FLUSH_BYTES; age
		// flushes are off). Below that, its size is stable now.
		seg, size := openSegment(t, spoolDir)
		if seg != "" && seg == prevSeg && size > prevSize {
			increment = max(increment, size-prevSize)
		}
		prevSeg, prevSize = seg, size
		if i+1 >= set.invocations && seg != "" && size < set.flushBytes && increment > 0 && size+increment >= set.flushBytes {
			leftover = size
			break
		}
	}
	streamWall := time.Since(invs[0].start)
	// Let the runtime get back into invocation/next, idle, as an
	// environment Lambda retires is.
	time.Sleep(300 * time.Millisecond)
	if seg, size := openSegment(t, spoolDir); seg == "" || size != leftover {
		t.Fatalf("before shutdown: open segment %q of %d bytes, want the leftover of %d", seg, size, leftover)
	}
	if sealed, _ := filepath.Glob(filepath.Join(spoolDir, "*.seg")); len(sealed) > 0 {
		t.Fatalf("before shutdown: sealed segments still waiting: %v", sealed)
	}
	peakBeforeShutdown := cg.peak()
	_, _, hwmBefore := sm.result()
	xCPUBefore := procCPU(xcmd.Process.Pid)

	rep := lam.Shutdown("spindown")
	sm.finish()
	xr, ok := rep.Extension("datatap")
	if !ok || !xr.GotShutdown || !xr.Ended || xr.Killed || xr.ExitCode != 0 {
		t.Errorf("the extension did not flush and exit by itself before the deadline: %s", xr.ProcessExit)
	}
	if left, _ := filepath.Glob(filepath.Join(spoolDir, "*")); len(left) > 0 {
		t.Errorf("left in the spool after shutdown: %v", left)
	}
	limitHits, oomKills := cg.memEvents()
	if oomKills > 0 {
		t.Errorf("the OOM killer ended %d process(es) in the cgroup", oomKills)
	}

	// Every accepted row, exactly once, in S3.
	objects, objectBytes := download(t, store, filepath.Join(t.TempDir(), "s3"))
	rows := checkRows(t, objects.dir, totalAccepted)

	// Timing from the service's request log and the processes' logs.
	reqs := lam.Requests()
	if err := matchRequests(reqs, invs); err != nil {
		t.Errorf("request log: %v", err)
	}
	rtFlushes := rtLog.find("flushed")
	leftoverRows := int64(totalAccepted)
	for _, f := range rtFlushes {
		leftoverRows -= int64(f.num("rows"))
		if v := invocationBefore(invs, f.Time); v != nil {
			v.flushes = append(v.flushes, f)
		}
	}
	rtStamp := readStamp(t, filepath.Join(stampDir, "runtime"))
	xStamp := readStamp(t, filepath.Join(stampDir, "extension"))
	rtExec, xExec, wrapperHWM := rtStamp.exec, xStamp.exec, max(rtStamp.hwm, xStamp.hwm)
	// Both processes have been reaped: Shutdown waited for them.
	rtCPU := cpuTime(rtcmd) - rtStamp.cpu
	xCPUShutdown := cpuTime(xcmd) - xCPUBefore
	firstNext, register := time.Time{}, time.Time{}
	for _, r := range reqs {
		switch {
		case r.Caller == "runtime" && strings.HasSuffix(r.Path, "/invocation/next") && (firstNext.IsZero() || r.At.Before(firstNext)):
			firstNext = r.At
		case strings.HasSuffix(r.Path, "/extension/register"):
			register = r.At
		}
	}
	maxAnon, maxUsage, hwm := sm.result()
	peak := cg.peak()
	if peak < 0 { // cgroup v2 without memory.peak: the sampled maximum
		peak = maxUsage
	}
	periods, throttled, held := cg.throttling()

	// The figures.
	var handler, roundTrip, quiet, flush, encode, upload []time.Duration
	flushCount, flushedBytes := 0, int64(0)
	for _, v := range invs {
		if !v.matched || v.i == 0 {
			continue // the first one includes the cold start
		}
		handler = append(handler, v.handler())
		roundTrip = append(roundTrip, v.roundTrip)
		if v.nextAt.IsZero() {
			continue
		}
		if len(v.flushes) == 0 {
			quiet = append(quiet, v.after())
			continue
		}
		flush = append(flush, v.after())
		var e, u time.Duration
		for _, f := range v.flushes {
			e += time.Duration(f.num("flush_ms")) * time.Millisecond
			u += time.Duration(f.num("upload_ms")) * time.Millisecond
			flushCount++
			flushedBytes += int64(f.num("bytes_in"))
		}
		encode, upload = append(encode, e), append(upload, u)
	}
	xFlushes := extLog.find("flushed")
	var xRows, xBytes int64
	var xEncode, xUpload time.Duration
	for _, f := range xFlushes {
		xRows += int64(f.num("rows"))
		xBytes += int64(f.num("bytes_in"))
		xEncode += time.Duration(f.num("flush_ms")) * time.Millisecond
		xUpload += time.Duration(f.num("upload_ms")) * time.Millisecond
	}
	first := invs[0]

	tb := &table{}
	tb.add("cgroup", fmt.Sprintf("%s; memory %s%s; CPU %d µs per %d µs = %.4f of a core",
		map[bool]string{false: "v1", true: "v2"}[cg.v2], mib(set.lim.memory), swapNote(set.lim),
		set.lim.quota, set.lim.period, float64(set.lim.quota)/float64(set.lim.period)))
	tb.add("binary", fmt.Sprintf("%s/%s, CGO_ENABLED=0, -trimpath -s -w; runtime and extension both in the cgroup; MinIO and the Lambda service outside", runtime.GOOS, runtime.GOARCH))
	tb.add("events", fmt.Sprintf("%d Function URL events (2.0, text body): %s of NDJSON each, %d lines of ~%d B; event %s",
		len(invs), kib(int64(set.bodyBytes)), invs[0].lines, set.bodyBytes/invs[0].lines, kib(int64(eventBytes/len(invs)))))
	tb.add("cold start: runtime exec → first invocation/next", ms(firstNext.Sub(rtExec)))
	tb.add("cold start: extension exec → extension/register", ms(register.Sub(xExec)))
	tb.add("first invocation: handler / round trip (incl. runtime cold start)", ms(first.handler())+" / "+ms(first.roundTrip))
	tb.add("handler: event handed out → response POST, p50 / p99 / max", pcts(handler))
	tb.add("round trip seen by the caller, p50 / p99 / max (incl. waiting for a flush)", pcts(roundTrip))
	tb.add("response → next invocation/next without a flush, p50 / p99", fmt.Sprintf("%s / %s (n=%d)", ms(pct(quiet, 0.5)), ms(pct(quiet, 0.99)), len(quiet)))
	lastFlushed := 0 // invocations up to and including the last one the runtime flushed after
	for _, v := range invs {
		if len(v.flushes) > 0 {
			lastFlushed = v.i + 1
		}
	}
	tb.add("flushes during the stream", fmt.Sprintf("%d, one every %.1f invocations, %s average segment",
		flushCount, float64(lastFlushed)/math.Max(1, float64(flushCount)), mib(flushedBytes/int64(max(1, flushCount)))))
	tb.add("flush: response → next invocation/next, p50 / p99 / max", pcts(flush))
	tb.add("of which encode (read segment → Parquet) / upload, p50", fmt.Sprintf("%s / %s", ms(pct(encode, 0.5)), ms(pct(upload, 0.5))))
	if flushCount > 0 {
		tb.add("flush throughput (average segment / p50 flush time)", fmt.Sprintf("%.1f MB/s",
			float64(flushedBytes)/float64(flushCount)/pct(flush, 0.5).Seconds()/1e6))
	}
	tb.add("sustained throughput, events back to back", fmt.Sprintf("%.1f invocations/s, %.2f MB/s of NDJSON",
		float64(len(invs))/streamWall.Seconds(), float64(len(invs)*set.bodyBytes)/streamWall.Seconds()/1e6))
	tb.add("runtime CPU time (user + sys) / stream wall time", fmt.Sprintf("%s / %s = %.2f%% of a core (quota %.2f%%)",
		ms(rtCPU), ms(streamWall), 100*rtCPU.Seconds()/streamWall.Seconds(), 100*float64(set.lim.quota)/float64(set.lim.period)))
	tb.add("peak cgroup memory (page cache included): stream / whole run", mib(peakBeforeShutdown)+" / "+mib(peak))
	tb.add("peak anonymous memory of the cgroup (sampled every 10 ms)", mib(maxAnon))
	tb.add("peak RSS: runtime / extension (VmHWM, sampled)", fmt.Sprintf("%s / %s (extension before shutdown: %s; wrapper before exec: %s)",
		mib(hwm["runtime"]), mib(hwm["extension"]), mib(hwmBefore["extension"]), mib(wrapperHWM)))
	tb.add("memory limit hits (reclaim) / OOM kills", fmt.Sprintf("%d / %d", limitHits, oomKills))
	tb.add("CPU: CFS periods throttled / run, time held back", fmt.Sprintf("%d / %d, %s", throttled, periods, held.Round(time.Millisecond)))
	tb.add(fmt.Sprintf("leftover at shutdown (TAP_FLUSH_BYTES = %.1f MiB)", float64(set.flushBytes)/(1<<20)), fmt.Sprintf("%s (%d B) in one open segment, %d rows; the extension flushed %d rows, %s",
		mib(leftover), leftover, leftoverRows, xRows, mib(xBytes)))
	tb.add("runtime: SIGTERM → exit", fmt.Sprintf("%s (%s)", ms(rep.Runtime.After), exitHow(rep.Runtime)))
	tb.add("SHUTDOWN event sent after shutdown began", ms(rep.ShutdownSentAt.Sub(rep.Start)))
	xFlush := "no flush logged"
	if len(xFlushes) > 0 {
		xFlush = fmt.Sprintf("encode %s, upload %s", ms(xEncode), ms(xUpload))
	}
	tb.add("extension: SHUTDOWN → exit", fmt.Sprintf("%s (%s; CPU ≈ %s, the quota allows %s in 2 s)", ms(xr.After), xFlush,
		ms(xCPUShutdown), ms(2*time.Second*time.Duration(set.lim.quota)/time.Duration(set.lim.period))))
	tb.add("extension exit vs the 2 s deadline (from shutdown start)", fmt.Sprintf("%s, %s to spare", ms(xr.EndedAt.Sub(rep.Start)), ms(rep.Deadline.Sub(xr.EndedAt))))
	for _, ln := range extLog.level("ERROR") {
		e, _ := ln.Fields["err"].(string)
		tb.add("extension logged an error", fmt.Sprintf("%s: %s", ln.Msg, e))
	}
	tb.add("extension killed", fmt.Sprintf("%v (%s)", xr.Killed, exitHow(xr.ProcessExit)))
	tb.add("rows accepted / in S3 (DuckDB, distinct seq)", fmt.Sprintf("%d / %s", totalAccepted, rows))
	tb.add("Parquet objects / bytes (of NDJSON)", fmt.Sprintf("%d / %s (%.1f%%)", objects.n, mib(objectBytes),
		100*float64(objectBytes)/float64(len(invs)*set.bodyBytes)))
	report := tb.String()
	t.Logf("lambda128 (%s):\n\n%s", cg, report)
	if p := os.Getenv("DATATAP_LAMBDA128_REPORT"); p != "" {
		if err := os.WriteFile(p, []byte(report), 0o644); err != nil {
			t.Errorf("writing the report: %v", err)
		}
	}
}

// tapEnv is this process's environment without the settings that would
// change what is measured (TAP_*, AWS_*, DATATAP_*, the Go runtime's), plus
// MinIO's.
func tapEnv(m *minio.Server) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "TAP_"), strings.HasPrefix(k, "AWS_"), strings.HasPrefix(k, "DATATAP_"),
			k == "GOMAXPROCS", k == "GOMEMLIMIT", k == "GOGC", k == "GODEBUG":
			continue
		}
		env = append(env, kv)
	}
	return append(env, m.Env()...)
}

// childEnv is the processes' environment: this one without settings that
// would change what is measured, plus S3, the tap's configuration and what
// Lambda sets.
func childEnv(m *minio.Server, spoolDir string, memory, flushBytes int64, flushSet bool) []string {
	env := tapEnv(m)
	if flushSet {
		env = append(env, "TAP_FLUSH_BYTES="+strconv.FormatInt(flushBytes, 10))
	}
	return append(env,
		"TAP_BUCKET="+m.Bucket, "TAP_SPOOL_DIR="+spoolDir, "TAP_AUTH=none",
		"TAP_FLUSH_AGE=1h", // flushes by size only, so that the leftover is exact
		"AWS_LAMBDA_FUNCTION_NAME=datatap", "AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE="+strconv.FormatInt(memory>>20, 10))
}

// openSegment returns the spool's open segment and its size ("" when there
// is none).
func openSegment(t *testing.T, dir string) (string, int64) {
	t.Helper()
	open, err := filepath.Glob(filepath.Join(dir, "*.open"))
	if err != nil || len(open) > 1 {
		t.Fatalf("open segments: %v %v", open, err)
	}
	if len(open) == 0 {
		return "", 0
	}
	fi, err := os.Stat(open[0])
	if err != nil { // sealed meanwhile
		return "", 0
	}
	return filepath.Base(open[0]), fi.Size()
}

// matchRequests fills in each invocation's times from the request log: the
// runtime's calls, in order of arrival, alternate next, response, next, ...
func matchRequests(reqs []lambda.Request, invs []*invocation) error {
	var rt []lambda.Request
	for _, r := range reqs {
		if r.Caller == "runtime" {
			rt = append(rt, r)
		}
	}
	slices.SortFunc(rt, func(a, b lambda.Request) int { return a.At.Compare(b.At) })
	byID := map[string]*invocation{}
	for _, v := range invs {
		byID[v.id] = v
	}
	var lastNext *lambda.Request
	for i := range rt {
		r := &rt[i]
		switch {
		case strings.HasSuffix(r.Path, "/invocation/next"):
			lastNext = r
		case strings.HasSuffix(r.Path, "/response"):
			v := byID[path.Base(path.Dir(r.Path))]
			if v == nil {
				return fmt.Errorf("response to an unknown invocation: %s", r.Path)
			}
			if lastNext == nil || lastNext.Status != 200 {
				return fmt.Errorf("response %s without an invocation/next before it", r.Path)
			}
			v.handedOut = lastNext.At.Add(lastNext.Duration)
			v.responded, v.respondedEnd = r.At, r.At.Add(r.Duration)
			for _, n := range rt[i+1:] {
				if strings.HasSuffix(n.Path, "/invocation/next") {
					v.nextAt = n.At
					break
				}
			}
			v.matched = true
		}
	}
	for _, v := range invs {
		if !v.matched {
			return fmt.Errorf("invocation %d (%s): no response in the request log", v.i, v.id)
		}
	}
	return nil
}

// invocationBefore is the last invocation answered before at.
func invocationBefore(invs []*invocation, at time.Time) *invocation {
	var found *invocation
	for _, v := range invs {
		if v.matched && !v.responded.After(at) {
			found = v
		}
	}
	return found
}

// cpuTime is the CPU time (user + sys) an ended process used, wrapper
// included.
func cpuTime(cmd *exec.Cmd) time.Duration {
	if cmd.ProcessState == nil {
		return 0
	}
	return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

// stamp is what the wrapper noted just before its exec.
type stamp struct {
	exec time.Time
	hwm  int64         // its peak RSS
	cpu  time.Duration // the CPU time it used
}

func readStamp(t *testing.T, file string) stamp {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("the wrapper left no stamp: %v", err)
	}
	var ns, hwm, cpu int64
	if _, err := fmt.Sscan(string(b), &ns, &hwm, &cpu); err != nil {
		t.Fatalf("stamp %q: %v", b, err)
	}
	return stamp{exec: time.Unix(0, ns), hwm: hwm, cpu: time.Duration(cpu)}
}

// procCPU is the CPU time (user + sys) a running process used so far, from
// /proc/PID/stat, in clock ticks of 10 ms (USER_HZ is 100 on Linux).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	i := strings.LastIndexByte(string(b), ')')
	f := strings.Fields(string(b[i+1:])) // from field 3, state
	if i < 0 || len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

type downloaded struct {
	dir string
	n   int
}

// download copies every object of the bucket into dir.
func download(t *testing.T, m *minio.Server, dir string) (downloaded, int64) {
	t.Helper()
	var total int64
	d := downloaded{dir: dir}
	m.Objects(t, func(key string, b []byte) {
		switch {
		case strings.HasSuffix(key, "/_datatap/schema.json"):
			return // the table schema (flush.TableSchemaName): types, no rows
		case !strings.HasSuffix(key, ".parquet"):
			t.Errorf("unexpected object %s (error output? every line was valid)", key)
			return
		}
		local := filepath.Join(dir, filepath.FromSlash(key))
		if err := os.MkdirAll(filepath.Dir(local), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(local, b, 0o644); err != nil {
			t.Fatal(err)
		}
		d.n++
		total += int64(len(b))
	})
	return d, total
}

// checkRows asks DuckDB whether the Parquet files hold rows 0..want-1, each
// once, and returns the count it found.
func checkRows(t *testing.T, dir string, want int) string {
	t.Helper()
	res, err := duckdb.Run(context.Background(), fmt.Sprintf(
		`SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM read_parquet('%s', union_by_name = true)`,
		filepath.Join(dir, "**", "*.parquet")))
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err != "" {
		t.Fatal(res[0].Err)
	}
	row := res[0].Rows[0]
	if got, exp := fmt.Sprint(row), fmt.Sprintf("[%d %d 0 %d]", want, want, want-1); got != exp {
		t.Errorf("Parquet [count distinct-seq min max] = %s, want %s: rows lost or duplicated", got, exp)
	}
	return fmt.Sprintf("%v (%v distinct)", row[0], row[1])
}

// logLines collects a process's JSON log lines (slog on stderr).
type logLines struct {
	mu      sync.Mutex
	partial []byte
	lines   []logLine
}

type logLine struct {
	Time   time.Time
	Msg    string
	Fields map[string]any
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	for {
		i := slices.Index(l.partial, '\n')
		if i < 0 {
			break
		}
		var f map[string]any
		if json.Unmarshal(l.partial[:i], &f) == nil {
			ln := logLine{Fields: f}
			ln.Msg, _ = f["msg"].(string)
			if s, ok := f["time"].(string); ok {
				ln.Time, _ = time.Parse(time.RFC3339Nano, s)
			}
			l.lines = append(l.lines, ln)
		}
		l.partial = l.partial[i+1:]
	}
	return len(p), nil
}

func (l *logLines) find(msg string) []logLine {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []logLine
	for _, ln := range l.lines {
		if ln.Msg == msg {
			out = append(out, ln)
		}
	}
	return out
}

func (l *logLines) level(level string) []logLine {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []logLine
	for _, ln := range l.lines {
		if ln.Fields["level"] == level {
			out = append(out, ln)
		}
	}
	return out
}

func (ln logLine) num(key string) float64 {
	f, _ := ln.Fields[key].(float64)
	return f
}

// table is the report: a two-column Markdown table.
type table struct{ rows [][2]string }

func (tb *table) add(k, v string) { tb.rows = append(tb.rows, [2]string{k, v}) }

func (tb *table) String() string {
	var b strings.Builder
	b.WriteString("| figure | value |\n| --- | --- |\n")
	for _, r := range tb.rows {
		fmt.Fprintf(&b, "| %s | %s |\n", r[0], strings.ReplaceAll(r[1], "|", `\|`))
	}
	return b.String()
}

// pct is the nearest-rank percentile p (0..1) of ds.
func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(p*float64(len(s)))) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func pcts(ds []time.Duration) string {
	if len(ds) == 0 {
		return "n/a / n/a / n/a"
	}
	return fmt.Sprintf("%s / %s / %s (n=%d)", ms(pct(ds, 0.5)), ms(pct(ds, 0.99)), ms(pct(ds, 1)), len(ds))
}

func ms(d time.Duration) string {
	switch {
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	case d < time.Second:
		return fmt.Sprintf("%.1f ms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.0f ms", float64(d)/1e6)
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
func kib(n int64) string { return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10)) }

func exitHow(pe lambda.ProcessExit) string {
	s := strings.TrimSuffix(pe.String(), " ()")
	if _, rest, ok := strings.Cut(s, ": "); ok {
		return rest
	}
	return s
}

func swapNote(l limits) string {
	switch {
	case l.memswLimited || l.swapLimitedV2:
		return " (swap limited too)"
	case l.swapConfigured:
		return " (WARNING: swap is on and not limited)"
	}
	return " (no swap)"
}
