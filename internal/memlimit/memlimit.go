// Package memlimit sets the Go memory limit (runtime/debug.SetMemoryLimit)
// from the memory the process really has, so the garbage collector works
// harder before the kernel's OOM killer acts, instead of letting the heap
// grow to twice what is live (GOGC=100) whatever the machine has.
//
// Where the total comes from, first found wins:
//
//  1. GOMEMLIMIT, when set, is left as the Go runtime applied it.
//  2. AWS_LAMBDA_FUNCTION_MEMORY_SIZE (MiB), on Lambda.
//  3. The cgroup memory limit of the process: cgroup v2 memory.max of the
//     process's cgroup (from /proc/self/cgroup) and of every ancestor, the
//     smallest wins; else cgroup v1 memory/memory.limit_in_bytes the same way.
//     "max" and v1's near-2^63 values mean no limit.
//  4. None: no limit is set (the Go default).
//
// The limit is a share of that total, one per mode (see the Share constants):
// the Go limit covers the Go heap, stacks and runtime metadata, not the
// binary's mapped text, thread stacks outside Go or the kernel's socket and
// page buffers, and on Lambda the runtime and the extension are two processes
// sharing one function's memory.
package memlimit

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path"
	"runtime/debug"
	"strconv"
	"strings"
)

// The share of the total memory each mode's Go limit gets.
//
// serve runs alone in its cgroup: 75% leaves a quarter for what the Go
// limit does not count. Measured (issue 11): 16 concurrent 6 MB POSTs, three
// rounds, with the limit of a 128 MiB cgroup (96 MiB) peaked at 106 MiB RSS,
// 10 MiB above the limit and 22 MiB under the cgroup's; with no limit the
// same load peaked at 239 MiB.
//
// On Lambda the runtime and the extension share the function's memory: the
// runtime ingests and flushes inside invocations, the extension idles until
// SHUTDOWN and then flushes what is left. They get 45% and 30%: together the
// same 75% as serve, with the larger share for the process that works at
// every invocation.
const (
	ServeShare     = 0.75
	RuntimeShare   = 0.45
	ExtensionShare = 0.30
)

// noLimit is where a cgroup v1 limit reads as "unlimited" (the kernel
// reports 2^63 rounded down to a page, 9223372036854771712).
const noLimit = 1 << 62

// Limit is the memory limit chosen at start.
type Limit struct {
	Bytes  int64   // the Go memory limit; 0 when none is set
	Total  int64   // the memory it is a share of; 0 when unknown
	Share  float64 // Bytes/Total; 0 with GOMEMLIMIT or none
	Source string  // where Total (or Bytes) came from
}

// LogValue makes a Limit log as its parts.
func (l Limit) LogValue() slog.Value {
	if l.Bytes == 0 {
		return slog.GroupValue(slog.String("source", l.Source), slog.String("limit", "none"))
	}
	attrs := []slog.Attr{slog.String("limit", mib(l.Bytes)), slog.String("source", l.Source)}
	if l.Total > 0 {
		attrs = append(attrs, slog.String("of", mib(l.Total)), slog.Float64("share", l.Share))
	}
	return slog.GroupValue(attrs...)
}

func mib(n int64) string { return fmt.Sprintf("%.1fMiB", float64(n)/(1<<20)) }

// Choose works out the limit for the given share without setting it.
// lookup reads the environment; root is the file system at "/" (paths
// "proc/self/cgroup", "sys/fs/cgroup/…").
func Choose(share float64, lookup func(string) (string, bool), root fs.FS) Limit {
	if v, ok := lookup("GOMEMLIMIT"); ok && v != "" {
		return Limit{Bytes: goLimit(), Source: "GOMEMLIMIT=" + v}
	}
	total, source := int64(0), ""
	if v, ok := lookup("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"); ok && v != "" {
		if mb, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && mb > 0 {
			total, source = mb<<20, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE="+v
		}
	}
	if total == 0 {
		total, source = cgroupLimit(root)
	}
	if total == 0 {
		return Limit{Source: "no Lambda memory size, no cgroup memory limit"}
	}
	return Limit{Bytes: int64(float64(total) * share), Total: total, Share: share, Source: source}
}

// Set chooses the limit for share from the process's environment and
// cgroup, applies it, and returns it. With GOMEMLIMIT set it changes nothing.
func Set(share float64) Limit {
	l := Choose(share, os.LookupEnv, os.DirFS("/"))
	if l.Bytes > 0 && l.Total > 0 {
		debug.SetMemoryLimit(l.Bytes)
	}
	return l
}

// goLimit is the limit in force; 0 when none.
func goLimit() int64 {
	if n := debug.SetMemoryLimit(-1); n != math.MaxInt64 {
		return n
	}
	return 0
}

// cgroupLimit is the smallest memory limit on the process's cgroup and its
// ancestors, v2 first, then v1; 0 when none.
func cgroupLimit(root fs.FS) (int64, string) {
	b, err := fs.ReadFile(root, "proc/self/cgroup")
	if err != nil {
		return 0, ""
	}
	v2, v1 := cgroupPaths(b)
	if v2 != "" {
		if n, file := smallest(root, "sys/fs/cgroup", v2, "memory.max"); n > 0 {
			return n, "cgroup v2 /" + file
		}
	}
	if v1 != "" {
		if n, file := smallest(root, "sys/fs/cgroup/memory", v1, "memory.limit_in_bytes"); n > 0 {
			return n, "cgroup v1 /" + file
		}
	}
	return 0, ""
}

// cgroupPaths reads /proc/self/cgroup: the v2 line is "0::/path", a v1
// memory line "N:memory[,…]:/path".
func cgroupPaths(b []byte) (v2, v1 string) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		switch {
		case parts[0] == "0" && parts[1] == "":
			v2 = parts[2]
		case hasController(parts[1], "memory"):
			v1 = parts[2]
		}
	}
	return v2, v1
}

func hasController(list, name string) bool {
	for c := range strings.SplitSeq(list, ",") {
		if c == name {
			return true
		}
	}
	return false
}

// smallest reads file in the cgroup folder of p under mount and in each
// folder above it up to the mount, and returns the smallest limit found.
// When the process's own folder is not there (a container that shows the
// host's cgroup path but mounts its own cgroup as the root), only the
// mount's root counts.
func smallest(root fs.FS, mount, p, file string) (int64, string) {
	p = path.Clean("/" + p)
	if _, err := fs.Stat(root, path.Join(mount, p)); err != nil {
		p = "/"
	}
	best, bestFile := int64(0), ""
	for {
		name := path.Join(mount, p, file)
		if n, err := readLimit(root, name); err == nil && n > 0 && (best == 0 || n < best) {
			best, bestFile = n, name
		}
		if p == "/" {
			return best, bestFile
		}
		p = path.Dir(p)
	}
}

// readLimit reads a memory limit file: a number of bytes, or "max"
// (returned as 0, as is a v1 "unlimited").
func readLimit(root fs.FS, name string) (int64, error) {
	b, err := fs.ReadFile(root, name)
	if err != nil {
		return 0, err
	}
	s := strings.TrimSpace(string(b))
	if s == "max" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("memlimit: %s: %w", name, err)
	}
	if n >= noLimit || n < 0 {
		return 0, nil
	}
	if n == 0 {
		return 0, errors.New("memlimit: " + name + ": zero")
	}
	return n, nil
}
