package config

import (
	"strings"
	"testing"
	"time"
)

func env(kv ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDefaults(t *testing.T) {
	c, err := Load(env())
	if err != nil {
		t.Fatal(err)
	}
	if c.FlushBytes != 10485760 || c.FlushAge != time.Minute || c.SpoolMaxBytes != 402653184 ||
		c.MaxBodyBytes != 6291456 || c.Dir != "./data" || c.SpoolDir != "/tmp/datatap" ||
		c.Addr != "127.0.0.1:8080" || c.Transform != "SELECT *" || c.Program == nil || c.Sync {
		t.Errorf("defaults: %+v", c)
	}
}

func TestParse(t *testing.T) {
	c, err := Load(env("TAP_FLUSH_BYTES", "1MiB", "TAP_FLUSH_AGE", "5s", "TAP_SYNC", "true",
		"TAP_BUCKET", "b", "TAP_TRANSFORM", "SELECT a WHERE b > 1", "TAP_MAX_LINE_BYTES", "64KB"))
	if err != nil {
		t.Fatal(err)
	}
	if c.FlushBytes != 1<<20 || c.FlushAge != 5*time.Second || !c.Sync || c.Bucket != "b" || c.MaxLineBytes != 64000 {
		t.Errorf("parsed: %+v", c)
	}
}

func TestErrorsNameTheVariable(t *testing.T) {
	f := func(want string, kv ...string) {
		t.Helper()
		_, err := Load(env(kv...))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: got %v, want an error containing %q", kv, err, want)
		}
	}
	f(`TAP_FLUSH_BYTES="ten": not a size`, "TAP_FLUSH_BYTES", "ten")
	f(`TAP_FLUSH_AGE="60": not a duration`, "TAP_FLUSH_AGE", "60")
	f(`TAP_SYNC="maybe": not a boolean`, "TAP_SYNC", "maybe")
	f("TAP_TRANSFORM: unknown function 'lowr' at 1:8", "TAP_TRANSFORM", "SELECT lowr(x)")
	f(`TAP_PREFIX="x/%Q/": unknown strftime verb`, "TAP_PREFIX", "x/%Q/")
	f(`TAP_PREFIX="/abs/": must not start with /`, "TAP_PREFIX", "/abs/")
	f(`TAP_ERRORS_PREFIX="../up/": must not contain`, "TAP_ERRORS_PREFIX", "../up/")
	f(`TAP_ERRORS_PREFIX="same/": must differ from TAP_PREFIX`, "TAP_PREFIX", "same/", "TAP_ERRORS_PREFIX", "same/")
	f(`TAP_MAX_BODY_BYTES="0": must be positive`, "TAP_MAX_BODY_BYTES", "0")
	f(`TAP_SPOOL_MAX_BYTES="1024": must be at least TAP_FLUSH_BYTES`, "TAP_SPOOL_MAX_BYTES", "1KiB")
	f(`TAP_AUTH="basic": must be jwt, iam or none`, "TAP_AUTH", "basic")
	f(`TAP_ADDR="8080": not host:port`, "TAP_ADDR", "8080")
	f(`TAP_DIR: must name a folder`, "TAP_DIR", "")
	// Every bad variable is reported at once.
	_, err := Load(env("TAP_FLUSH_BYTES", "x", "TAP_SYNC", "y"))
	if err == nil || !strings.Contains(err.Error(), "TAP_FLUSH_BYTES") || !strings.Contains(err.Error(), "TAP_SYNC") {
		t.Errorf("want both variables named, got %v", err)
	}
}

func TestParseSize(t *testing.T) {
	f := func(in string, want int64) {
		t.Helper()
		got, err := ParseSize(in)
		if want < 0 {
			if err == nil {
				t.Errorf("ParseSize(%q) = %d, want an error", in, got)
			}
			return
		}
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	f("10485760", 10485760)
	f("10MiB", 10<<20)
	f("10 MiB", 10<<20)
	f("10mib", 10<<20)
	f("1.5KiB", 1536)
	f("2GB", 2e9)
	f("512K", 512<<10)
	f("7B", 7)
	f("", -1)
	f("MiB", -1)
	f("-1", -1)
	f("10XB", -1)
	f("99999999999G", -1)
}

func TestShutdownSafeFlushBytes(t *testing.T) {
	c, err := Load(env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.ShutdownSafeFlushBytes(); got != 6<<20 || c.FlushBytesSet {
		t.Errorf("128 MB: safe %d, set %v; want 6 MiB, not set", got, c.FlushBytesSet)
	}
	c, _ = Load(env("TAP_FLUSH_BYTES", ""))
	if c.FlushBytes != 10<<20 || c.FlushBytesSet || c.ShutdownSafeFlushBytes() != 0 {
		t.Errorf("empty TAP_FLUSH_BYTES is the default; off Lambda no limit: %+v", c)
	}
	c, _ = Load(env("TAP_FLUSH_BYTES", "8MiB"))
	if !c.FlushBytesSet {
		t.Error("FlushBytesSet not set")
	}
}
