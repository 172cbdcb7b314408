package lambda128

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const cgroupRoot = "/sys/fs/cgroup"

// cgroup is the group the runtime and the extension run in: on cgroup v1 one
// directory in the memory hierarchy and one in the cpu hierarchy, on v2 one
// directory with both controllers.
type cgroup struct {
	v2     bool
	memDir string
	cpuDir string // == memDir on v2
}

// limits are what the cgroup imposes.
type limits struct {
	memory         int64 // bytes
	quota, period  int   // µs
	memswLimited   bool  // v1: memory.memsw.limit_in_bytes set too (no swapping past the limit)
	swapLimitedV2  bool  // v2: memory.swap.max set to 0
	swapConfigured bool  // the machine has swap at all
}

// newCgroup creates the cgroup and removes it when the test ends (after the
// processes in it, which testenv/lambda's cleanups kill first, since cleanups run
// last-registered first and this one is registered before them). It skips
// the test when cgroups cannot be used here.
func newCgroup(t *testing.T, name string, lim *limits) *cgroup {
	t.Helper()
	lim.swapConfigured = swapConfigured()
	var cg *cgroup
	var err error
	switch {
	case fileExists(filepath.Join(cgroupRoot, "memory", "memory.limit_in_bytes")) &&
		fileExists(filepath.Join(cgroupRoot, "cpu", "cpu.cfs_quota_us")):
		cg, err = newCgroupV1(name, lim)
	case fileExists(filepath.Join(cgroupRoot, "cgroup.controllers")):
		cg, err = newCgroupV2(name, lim)
	default:
		t.Skipf("lambda128: no usable cgroup hierarchy at %s (want v1 memory and cpu controllers at %[1]s/memory and %[1]s/cpu, or cgroup v2)", cgroupRoot)
	}
	if cg != nil {
		t.Cleanup(func() {
			if err := cg.remove(); err != nil {
				t.Errorf("lambda128: removing the cgroup: %v", err)
			}
		})
	}
	if err != nil {
		t.Skipf("lambda128: cannot set up the cgroup (%v); run as root on a machine with writable cgroups", err)
	}
	return cg
}

func newCgroupV1(name string, lim *limits) (*cgroup, error) {
	cg := &cgroup{memDir: filepath.Join(cgroupRoot, "memory", name), cpuDir: filepath.Join(cgroupRoot, "cpu", name)}
	for _, d := range []string{cg.memDir, cg.cpuDir} {
		if err := os.Mkdir(d, 0o755); err != nil {
			cg.remove()
			return nil, err
		}
	}
	mem := strconv.FormatInt(lim.memory, 10)
	steps := [][2]string{
		{filepath.Join(cg.memDir, "memory.limit_in_bytes"), mem},
		{filepath.Join(cg.cpuDir, "cpu.cfs_period_us"), strconv.Itoa(lim.period)},
		{filepath.Join(cg.cpuDir, "cpu.cfs_quota_us"), strconv.Itoa(lim.quota)},
	}
	// memsw (memory + swap) must not be below the memory limit, so it comes
	// after it; it is missing when the kernel does not account swap.
	if sw := filepath.Join(cg.memDir, "memory.memsw.limit_in_bytes"); fileExists(sw) {
		steps = append(steps[:1], append([][2]string{{sw, mem}}, steps[1:]...)...)
		lim.memswLimited = true
	}
	for _, s := range steps {
		if err := writeFile(s[0], s[1]); err != nil {
			cg.remove()
			return nil, err
		}
	}
	return cg, nil
}

// newCgroupV2 creates the group directly under the root of the hierarchy,
// with the memory and cpu controllers enabled there. Inside a container whose
// cgroup namespace root holds processes, enabling controllers fails (the
// "no internal processes" rule); the test then skips.
func newCgroupV2(name string, lim *limits) (*cgroup, error) {
	ctrl, err := os.ReadFile(filepath.Join(cgroupRoot, "cgroup.controllers"))
	if err != nil {
		return nil, err
	}
	have := strings.Fields(string(ctrl))
	for _, c := range []string{"memory", "cpu"} {
		if !slices.Contains(have, c) {
			return nil, fmt.Errorf("cgroup v2: controller %q not available (%s)", c, strings.TrimSpace(string(ctrl)))
		}
	}
	if err := writeFile(filepath.Join(cgroupRoot, "cgroup.subtree_control"), "+memory +cpu"); err != nil {
		return nil, fmt.Errorf("cgroup v2: enabling memory and cpu: %w", err)
	}
	dir := filepath.Join(cgroupRoot, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, err
	}
	cg := &cgroup{v2: true, memDir: dir, cpuDir: dir}
	steps := [][2]string{
		{filepath.Join(dir, "memory.max"), strconv.FormatInt(lim.memory, 10)},
		{filepath.Join(dir, "cpu.max"), fmt.Sprintf("%d %d", lim.quota, lim.period)},
	}
	if sw := filepath.Join(dir, "memory.swap.max"); fileExists(sw) {
		steps = append(steps, [2]string{sw, "0"})
		lim.swapLimitedV2 = true
	}
	for _, s := range steps {
		if err := writeFile(s[0], s[1]); err != nil {
			cg.remove()
			return nil, err
		}
	}
	return cg, nil
}

// procsFiles are the files a process writes its pid to in order to join.
func (cg *cgroup) procsFiles() []string {
	if cg.v2 {
		return []string{filepath.Join(cg.memDir, "cgroup.procs")}
	}
	return []string{filepath.Join(cg.memDir, "cgroup.procs"), filepath.Join(cg.cpuDir, "cgroup.procs")}
}

func (cg *cgroup) String() string {
	if cg.v2 {
		return "cgroup v2 " + cg.memDir
	}
	return "cgroup v1 " + cg.memDir + " + " + cg.cpuDir
}

// remove deletes the directories; a group is busy for a moment after its
// last process was reaped, so it retries for a while.
func (cg *cgroup) remove() error {
	dirs := []string{cg.memDir}
	if cg.cpuDir != cg.memDir {
		dirs = append(dirs, cg.cpuDir)
	}
	var errs []error
	for _, d := range dirs {
		var err error
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			err = os.Remove(d)
			if err == nil || errors.Is(err, os.ErrNotExist) {
				err = nil
				break
			}
			if time.Now().After(deadline) {
				break
			}
		}
		if err != nil {
			procs, _ := os.ReadFile(filepath.Join(d, "cgroup.procs"))
			errs = append(errs, fmt.Errorf("%w (pids still inside: %q)", err, strings.Fields(string(procs))))
		}
	}
	return errors.Join(errs...)
}

// usage is the memory charged to the group now, page cache included.
func (cg *cgroup) usage() int64 {
	if cg.v2 {
		return readInt(filepath.Join(cg.memDir, "memory.current"))
	}
	return readInt(filepath.Join(cg.memDir, "memory.usage_in_bytes"))
}

// peak is the kernel's high-water mark of usage, or -1 when it keeps none
// (cgroup v2 before Linux 5.19).
func (cg *cgroup) peak() int64 {
	f := filepath.Join(cg.memDir, "memory.max_usage_in_bytes")
	if cg.v2 {
		f = filepath.Join(cg.memDir, "memory.peak")
	}
	if !fileExists(f) {
		return -1
	}
	return readInt(f)
}

// anon is the anonymous memory (the processes' heaps and stacks, without page
// cache) charged to the group now.
func (cg *cgroup) anon() int64 {
	st := readKV(filepath.Join(cg.memDir, "memory.stat"))
	if cg.v2 {
		return st["anon"]
	}
	return st["total_rss"]
}

// memEvents returns how often usage hit the limit (and the kernel had to
// reclaim) and how many processes the OOM killer ended.
func (cg *cgroup) memEvents() (limitHits, oomKills int64) {
	if cg.v2 {
		ev := readKV(filepath.Join(cg.memDir, "memory.events"))
		return ev["max"], ev["oom_kill"]
	}
	oc := readKV(filepath.Join(cg.memDir, "memory.oom_control"))
	// With memsw limited to the same value, the memory+swap counter is the
	// one that fails first.
	hits := max(readInt(filepath.Join(cg.memDir, "memory.failcnt")), readInt(filepath.Join(cg.memDir, "memory.memsw.failcnt")))
	return hits, oc["oom_kill"]
}

// throttling returns the CFS periods in which the group ran, those in which
// it ran out of quota, and the total time it was held back.
func (cg *cgroup) throttling() (periods, throttled int64, held time.Duration) {
	st := readKV(filepath.Join(cg.cpuDir, "cpu.stat"))
	if cg.v2 {
		return st["nr_periods"], st["nr_throttled"], time.Duration(st["throttled_usec"]) * time.Microsecond
	}
	return st["nr_periods"], st["nr_throttled"], time.Duration(st["throttled_time"])
}

// sampler polls memory figures that the kernel keeps no high-water mark of
// (or not per process after exec): the group's anonymous memory, its usage
// (for v2 without memory.peak), and each datatap process's VmHWM.
type sampler struct {
	cg   *cgroup
	bin  string // only processes running this executable count
	stop chan struct{}
	done chan struct{}
	once sync.Once

	mu       sync.Mutex
	pids     map[string]int
	maxAnon  int64
	maxUsage int64
	hwm      map[string]int64 // by process name, bytes
}

func startSampler(cg *cgroup, bin string, every time.Duration) *sampler {
	s := &sampler{cg: cg, bin: bin, stop: make(chan struct{}), done: make(chan struct{}),
		pids: map[string]int{}, hwm: map[string]int64{}}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			s.sample()
			select {
			case <-s.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

// watch adds a process whose VmHWM to follow.
func (s *sampler) watch(name string, pid int) {
	s.mu.Lock()
	s.pids[name] = pid
	s.mu.Unlock()
}

func (s *sampler) sample() {
	anon, usage := s.cg.anon(), s.cg.usage()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maxAnon = max(s.maxAnon, anon)
	s.maxUsage = max(s.maxUsage, usage)
	for name, pid := range s.pids {
		// Before the wrapper's exec the pid runs the test binary, whose
		// memory is not datatap's.
		if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); err != nil || exe != s.bin {
			continue
		}
		if v := vmHWM(pid); v > 0 {
			s.hwm[name] = max(s.hwm[name], v)
		}
	}
}

// finish stops the sampling; it may be called more than once.
func (s *sampler) finish() {
	s.once.Do(func() { close(s.stop) })
	<-s.done
}

func (s *sampler) result() (maxAnon, maxUsage int64, hwm map[string]int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := map[string]int64{}
	for k, v := range s.hwm {
		h[k] = v
	}
	return s.maxAnon, s.maxUsage, h
}

// vmHWM is a process's peak resident set size in bytes, 0 when unknown.
func vmHWM(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) >= 1 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

func swapConfigured() bool {
	b, err := os.ReadFile("/proc/swaps")
	return err == nil && len(strings.Split(strings.TrimSpace(string(b)), "\n")) > 1
}

func writeFile(path, value string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(value)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %q to %s: %w", value, path, err)
	}
	return nil
}

func readInt(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return -1
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// readKV reads a file of "key value" lines (memory.stat, cpu.stat, ...).
func readKV(path string) map[string]int64 {
	m := map[string]int64{}
	b, err := os.ReadFile(path)
	if err != nil {
		return m
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 {
			if n, err := strconv.ParseInt(f[1], 10, 64); err == nil {
				m[f[0]] = n
			}
		}
	}
	return m
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
