package memlimit

import (
	"testing"
	"testing/fstest"
)

func env(kv ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func files(kv ...string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for i := 0; i < len(kv); i += 2 {
		fsys[kv[i]] = &fstest.MapFile{Data: []byte(kv[i+1])}
	}
	return fsys
}

func TestChoose(t *testing.T) {
	const mib = 1 << 20
	v2 := "0::/system.slice/tap.service\n"
	// A hybrid host: v1 memory controller, an empty v2 hierarchy.
	v1 := "12:pids:/\n4:memory:/process_api/abc\n0::/\n"
	f := func(name string, share float64, lookup func(string) (string, bool), fsys fstest.MapFS, total int64, source string) {
		t.Helper()
		l := Choose(share, lookup, fsys)
		if l.Total != total || l.Source != source {
			t.Errorf("%s: total %d from %q, want %d from %q", name, l.Total, l.Source, total, source)
		}
		if want := int64(float64(total) * share); l.Bytes != want {
			t.Errorf("%s: limit %d, want %d", name, l.Bytes, want)
		}
	}
	f("lambda", RuntimeShare, env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
		files("proc/self/cgroup", v2, "sys/fs/cgroup/system.slice/tap.service/memory.max", "1073741824\n"),
		128*mib, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128")
	f("lambda size unreadable: the cgroup", ExtensionShare, env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "lots"),
		files("proc/self/cgroup", v2, "sys/fs/cgroup/system.slice/tap.service/memory.max", "134217728\n"),
		128*mib, "cgroup v2 /sys/fs/cgroup/system.slice/tap.service/memory.max")
	f("v2 own limit", ServeShare, env(),
		files("proc/self/cgroup", v2,
			"sys/fs/cgroup/system.slice/tap.service/memory.max", "134217728\n",
			"sys/fs/cgroup/system.slice/memory.max", "max\n"),
		128*mib, "cgroup v2 /sys/fs/cgroup/system.slice/tap.service/memory.max")
	f("v2 parent smaller", ServeShare, env(),
		files("proc/self/cgroup", v2,
			"sys/fs/cgroup/system.slice/tap.service/memory.max", "max\n",
			"sys/fs/cgroup/system.slice/memory.max", "268435456\n"),
		256*mib, "cgroup v2 /sys/fs/cgroup/system.slice/memory.max")
	f("v2 container: own path not mounted, the root counts", ServeShare, env(),
		files("proc/self/cgroup", v2, "sys/fs/cgroup/memory.max", "536870912\n"),
		512*mib, "cgroup v2 /sys/fs/cgroup/memory.max")
	f("v2 unlimited", ServeShare, env(),
		files("proc/self/cgroup", v2, "sys/fs/cgroup/system.slice/tap.service/memory.max", "max\n"),
		0, "no Lambda memory size, no cgroup memory limit")
	f("v1", ServeShare, env(),
		files("proc/self/cgroup", v1,
			"sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes", "209715200\n",
			"sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n"),
		200*mib, "cgroup v1 /sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes")
	f("v1 unlimited", ServeShare, env(),
		files("proc/self/cgroup", v1,
			"sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes", "9223372036854771712\n",
			"sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n"),
		0, "no Lambda memory size, no cgroup memory limit")
	f("v1 with the controller in a list", ServeShare, env(),
		files("proc/self/cgroup", "3:cpu,memory:/a\n", "sys/fs/cgroup/memory/a/memory.limit_in_bytes", "104857600"),
		100*mib, "cgroup v1 /sys/fs/cgroup/memory/a/memory.limit_in_bytes")
	f("no /proc", ServeShare, env(), files(), 0, "no Lambda memory size, no cgroup memory limit")
	f("garbage", ServeShare, env(),
		files("proc/self/cgroup", v2, "sys/fs/cgroup/system.slice/tap.service/memory.max", "lots\n"),
		0, "no Lambda memory size, no cgroup memory limit")
}

func TestGOMEMLIMITWins(t *testing.T) {
	l := Choose(ServeShare, env("GOMEMLIMIT", "90MiB", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"), files())
	if l.Source != "GOMEMLIMIT=90MiB" || l.Total != 0 {
		t.Errorf("with GOMEMLIMIT: %+v", l)
	}
	if l.Bytes != goLimit() {
		t.Errorf("with GOMEMLIMIT: limit %d, the runtime's %d", l.Bytes, goLimit())
	}
}

// The shares on Lambda must fit together in the function's memory, and
// leave what serve leaves.
func TestLambdaSharesFit(t *testing.T) {
	if RuntimeShare+ExtensionShare > ServeShare+1e-9 {
		t.Errorf("runtime %.2f + extension %.2f > %.2f", RuntimeShare, ExtensionShare, ServeShare)
	}
}
