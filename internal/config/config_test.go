package config

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/datatap/datatap/internal/awscreds"
	"github.com/datatap/datatap/internal/sink"
	"github.com/datatap/datatap/internal/sink/dir"
	s3sink "github.com/datatap/datatap/internal/sink/s3"
	"github.com/datatap/datatap/internal/spool"
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
		c.MaxBodyBytes != 6291456 || c.Dir != "./data" || filepath.Dir(c.SpoolDir) != "/tmp/datatap" ||
		c.SpoolDir != c.DefaultSpoolDir() || len(filepath.Base(c.SpoolDir)) != 12 ||
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
	c, err = Load(env("TAP_UNNEST", "metrics", "TAP_FIREHOSE_ACCESS_KEY", "0123456789abcdef"))
	if err != nil || c.Unnest != "metrics" || c.FirehoseAccessKey != "0123456789abcdef" {
		t.Errorf("parsed: %+v", c)
	}
}

func TestCORSOrigins(t *testing.T) {
	f := func(value, want string) {
		t.Helper()
		c, err := Load(env("TAP_CORS_ORIGINS", value))
		if err != nil {
			t.Fatal(err)
		}
		if got := c.CORS.String(); got != want {
			t.Errorf("TAP_CORS_ORIGINS=%q: %q, want %q", value, got, want)
		}
	}
	f("", "off")
	f("*", "*")
	f("https://app.example.com, http://localhost:5173", "https://app.example.com,http://localhost:5173")
	if c, _ := Load(env()); c.CORS != nil {
		t.Errorf("unset: CORS %v, want off", c.CORS)
	}
}

func TestEventTime(t *testing.T) {
	c, err := Load(env("TAP_TIME", "ts::TIMESTAMP"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Time != "ts::TIMESTAMP" || c.Program.Time() != "ts::TIMESTAMP" || c.SpoolHeader().Time != "ts::TIMESTAMP" {
		t.Errorf("TAP_TIME: config %q, program %q, spool header %q", c.Time, c.Program.Time(), c.SpoolHeader().Time)
	}
	if c, err = Load(env("TAP_TIME", " ")); err != nil || c.Program.Time() != "" {
		t.Errorf("blank TAP_TIME (a SAM parameter left empty): %v, program time %q", err, c.Program.Time())
	}
}

func TestNested(t *testing.T) {
	f := func(value string, keepJSON bool) {
		t.Helper()
		kv := []string{}
		if value != "unset" {
			kv = []string{"TAP_NESTED", value}
		}
		c, err := Load(env(kv...))
		if err != nil || c.KeepJSON() != keepJSON {
			t.Errorf("TAP_NESTED=%q: KeepJSON %v (%v), want %v", value, c.KeepJSON(), err, keepJSON)
		}
	}
	f("unset", false)
	f("", false) // a SAM parameter left blank: the default
	f("native", false)
	f("json", true)
	f(" JSON ", true)
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
	f(`TAP_NESTED="struct": must be native or json`, "TAP_NESTED", "struct")
	f("TAP_TRANSFORM: unknown function 'lowr' (did you mean lower?) at 1:8", "TAP_TRANSFORM", "SELECT lowr(x)")
	f("TAP_TIME: unexpected keyword AS after the expression at 1:15", "TAP_TIME", "ts::TIMESTAMP AS t")
	f("TAP_TIME: the event time must be a TIMESTAMP", "TAP_TIME", "ts > 1")
	f(`TAP_PREFIX="x/%Q/": unknown strftime verb`, "TAP_PREFIX", "x/%Q/")
	f(`TAP_PREFIX="/abs/": must not start with /`, "TAP_PREFIX", "/abs/")
	f(`TAP_ERRORS_PREFIX="../up/": must not contain`, "TAP_ERRORS_PREFIX", "../up/")
	f(`TAP_ERRORS_PREFIX="same/": must differ from TAP_PREFIX`, "TAP_PREFIX", "same/", "TAP_ERRORS_PREFIX", "same/")
	f(`TAP_MAX_BODY_BYTES="0": must be positive`, "TAP_MAX_BODY_BYTES", "0")
	f(`TAP_SPOOL_MAX_BYTES="1KiB": must be at least TAP_FLUSH_BYTES (10MiB)`, "TAP_SPOOL_MAX_BYTES", "1KiB")
	f(`TAP_AUTH="basic": must be jwt, iam or none`, "TAP_AUTH", "basic")
	f(`TAP_ADDR="8080": not host:port`, "TAP_ADDR", "8080")
	f(`TAP_DIR: must name a folder`, "TAP_DIR", "")
	f(`TAP_UNNEST="a\"b": must be a member name`, "TAP_UNNEST", `a"b`)
	f(`TAP_UNNEST=" logs": must be a member name`, "TAP_UNNEST", " logs")
	f(`TAP_FIREHOSE_ACCESS_KEY: must be 16 to 4096 bytes (Firehose sends at most 4096), got 5`, "TAP_FIREHOSE_ACCESS_KEY", "short")
	if _, err := Load(env("TAP_FIREHOSE_ACCESS_KEY", "short")); err != nil && strings.Contains(err.Error(), "short") {
		t.Errorf("the access key is echoed: %v", err)
	}
	f(`TAP_CORS_ORIGINS="https://app.example.com/": "https://app.example.com/": an origin has no path`, "TAP_CORS_ORIGINS", "https://app.example.com/")
	f(`TAP_CORS_ORIGINS="app.example.com": "app.example.com": not an origin`, "TAP_CORS_ORIGINS", "app.example.com")
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
	if (Config{}).Due(spool.Stats{}) {
		t.Error("an empty spool is never due")
	}
	c := Config{FlushBytes: 100, FlushAge: time.Hour, FlushPartitions: 3}
	for _, tc := range []struct {
		st   spool.Stats
		want bool
	}{
		{spool.Stats{OpenBytes: 10, OpenCreated: time.Now(), OpenPartitions: 2}, false},
		{spool.Stats{OpenBytes: 100, OpenCreated: time.Now()}, true},
		{spool.Stats{OpenBytes: 10, OpenCreated: time.Now().Add(-2 * time.Hour)}, true},
		{spool.Stats{OpenBytes: 10, OpenCreated: time.Now(), OpenPartitions: 3}, true},
	} {
		if got := c.Due(tc.st); got != tc.want {
			t.Errorf("Due(%+v) = %v", tc.st, got)
		}
	}

	c, err := Load(env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.ShutdownSafeFlushBytes(); got != 3<<19 || c.FlushBytesSet {
		t.Errorf("128 MB: safe %d, set %v; want 1.5 MiB, not set", got, c.FlushBytesSet)
	}
	if got := c.ShutdownSafeFlushPartitions(); got != 4 || c.FlushPartitionsSet || c.FlushPartitions != 1000 {
		t.Errorf("128 MB: safe partitions %d, set %v, default %d; want 4, not set, 1000", got, c.FlushPartitionsSet, c.FlushPartitions)
	}
	c, _ = Load(env("TAP_FLUSH_PARTITIONS", "50"))
	if c.FlushPartitions != 50 || !c.FlushPartitionsSet || c.ShutdownSafeFlushPartitions() != 0 {
		t.Errorf("TAP_FLUSH_PARTITIONS=50 off Lambda: %d, set %v, safe %d", c.FlushPartitions, c.FlushPartitionsSet, c.ShutdownSafeFlushPartitions())
	}
	for _, bad := range []string{"0", "-3", "x"} {
		if _, err := Load(env("TAP_FLUSH_PARTITIONS", bad)); err == nil || !strings.Contains(err.Error(), "TAP_FLUSH_PARTITIONS") {
			t.Errorf("TAP_FLUSH_PARTITIONS=%s: %v", bad, err)
		}
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

// TestPrefixIsCheckedAsAKey: the prefixes the old start-up check accepted and
// every flush refused are refused at start-up, naming the variable.
func TestPrefixIsCheckedAsAKey(t *testing.T) {
	f := func(want string, kv ...string) {
		t.Helper()
		_, err := Load(env(kv...))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: got %v, want an error containing %q", kv, err, want)
		}
	}
	f(`TAP_PREFIX="a..b/%Y/": must not contain ".."`, "TAP_PREFIX", "a..b/%Y/")
	f(`TAP_PREFIX="x//y/": must not contain "//"`, "TAP_PREFIX", "x//y/")
	f(`TAP_ERRORS_PREFIX="a..b/%Y/": must not contain ".."`, "TAP_ERRORS_PREFIX", "a..b/%Y/")
	f(`TAP_ERRORS_PREFIX="x//y/": must not contain "//"`, "TAP_ERRORS_PREFIX", "x//y/")
	f(`TAP_PREFIX="x/%": ends with a lone %`, "TAP_PREFIX", "x/%")
	f(`TAP_PREFIX="x\xff/": must be valid UTF-8`, "TAP_PREFIX", "x\xff/")
	f(`TAP_TRANSFORM: invalid UTF-8 in the statement at 1:14`, "TAP_TRANSFORM", "SELECT a AS \"\xff\"")
	// Where the prefix meets the statement's first PARTITION BY name.
	f(`TAP_PREFIX="t.": must not contain ".."`, "TAP_PREFIX", "t.", "TAP_TRANSFORM", `SELECT * PARTITION BY x AS ".b"`)
	if _, err := Load(env("TAP_PREFIX", "t.", "TAP_TRANSFORM", `SELECT * PARTITION BY x AS "b"`)); err != nil {
		t.Errorf(`"t." with PARTITION BY "b": %v`, err)
	}
}

// FuzzPrefix: every TAP_PREFIX and TAP_ERRORS_PREFIX that Load accepts makes
// keys, built as the flush builds them, that the sinks' key check accepts.
func FuzzPrefix(f *testing.F) {
	for _, p := range []string{"datataps/year=%Y/", "a..b/%Y/", "x//y/", "/abs/", "../up/", "./", "a/./", "a.", ".",
		"%", "%%", "%Q", "", "x", strings.Repeat("p", 240), "a\x00b/"} {
		f.Add(p, "err/", ".b", int64(1e9))
		f.Add("ok/", p, "region", int64(-1e9))
	}
	f.Fuzz(func(t *testing.T, prefix, errorsPrefix, partition string, unix int64) {
		stmt := "SELECT * PARTITION BY x AS " + quoteIdent(partition)
		c, err := Load(env("TAP_PREFIX", prefix, "TAP_ERRORS_PREFIX", errorsPrefix, "TAP_TRANSFORM", stmt))
		if err != nil {
			return
		}
		at := time.Unix(unix%(400*366*86400), 0)
		file := spool.NewID(at)
		for _, k := range []struct {
			pattern string
			names   []string
			ext     string
		}{{c.Prefix, []string{partition}, ".parquet"}, {c.ErrorsPrefix, nil, ".ndjson"}} {
			p, err := sink.ObjectPrefix(k.pattern, at)
			if err != nil {
				t.Fatalf("Load accepted %q, ObjectPrefix refuses it: %v", k.pattern, err)
			}
			for _, v := range []string{"", "..", "v", strings.Repeat("é", 200)} {
				values := make([]string, len(k.names))
				for i := range values {
					values[i] = v
				}
				key := p + sink.PartitionPath(k.names, values, nil) + file + k.ext
				if err := sink.ValidKey(key); err != nil {
					t.Fatalf("Load accepted %q (%s), the flush's key check refuses: %v", k.pattern, stmt, err)
				}
			}
		}
	})
}

// quoteIdent quotes name as a SQL identifier.
func quoteIdent(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// TestSpoolDirPerOutput: the default spool folder differs for every output
// and pair of prefixes, is the same for the same settings (the Lambda
// runtime and extension read one environment), and an explicit
// TAP_SPOOL_DIR is kept as given.
func TestSpoolDirPerOutput(t *testing.T) {
	load := func(kv ...string) Config {
		t.Helper()
		c, err := Load(env(kv...))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	dirs := map[string]string{}
	for _, kv := range [][]string{
		{},
		{"TAP_DIR", "/srv/other"},
		{"TAP_BUCKET", "b1"},
		{"TAP_BUCKET", "b2"},
		{"TAP_BUCKET", "b1", "TAP_PREFIX", "p/"},
		{"TAP_BUCKET", "b1", "TAP_ERRORS_PREFIX", "e/"},
	} {
		c := load(kv...)
		if filepath.Dir(c.SpoolDir) != SpoolRoot {
			t.Errorf("%v: spool %s, want it under %s", kv, c.SpoolDir, SpoolRoot)
		}
		if other, dup := dirs[c.SpoolDir]; dup {
			t.Errorf("%v and %s share the spool %s", kv, other, c.SpoolDir)
		}
		dirs[c.SpoolDir] = strings.Join(kv, " ")
	}
	lambda := []string{"TAP_BUCKET", "b1", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128", "TAP_JWT_SECRET", "s"}
	if a, b := load(lambda...), load(lambda...); a.SpoolDir != b.SpoolDir || a.SpoolDir != load("TAP_BUCKET", "b1").SpoolDir {
		t.Errorf("the same output gives spools %s and %s", a.SpoolDir, b.SpoolDir)
	}
	abs, err := filepath.Abs("./data")
	if err != nil {
		t.Fatal(err)
	}
	if load("TAP_DIR", abs).SpoolDir != load().SpoolDir {
		t.Error("TAP_DIR=./data and its absolute path are one output but got two spools")
	}
	if c := load("TAP_SPOOL_DIR", "/var/spool/tap"); c.SpoolDir != "/var/spool/tap" || c.SpoolDirDefault {
		t.Errorf("explicit TAP_SPOOL_DIR changed to %s (default %v)", c.SpoolDir, c.SpoolDirDefault)
	}
	if c := load("TAP_SPOOL_DIR", ""); c.SpoolDir != load().SpoolDir || !c.SpoolDirDefault {
		t.Errorf("empty TAP_SPOOL_DIR: %s, want the default %s", c.SpoolDir, load().SpoolDir)
	}
}

// TestOutputIsTheSinkName: the output a spool records is the name the sink
// the flush writes to gives itself.
func TestOutputIsTheSinkName(t *testing.T) {
	root := t.TempDir()
	c, err := Load(env("TAP_DIR", root))
	if err != nil {
		t.Fatal(err)
	}
	d, err := dir.New(c.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.Output() != d.String() {
		t.Errorf("Output %q, dir sink %q", c.Output(), d.String())
	}
	c, err = Load(env("TAP_BUCKET", "my-bucket"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := s3sink.New(context.Background(), c.Bucket, s3sink.Options{Region: "eu-west-1", Credentials: awscreds.Load})
	if err != nil {
		t.Fatal(err)
	}
	if c.Output() != s.String() {
		t.Errorf("Output %q, S3 sink %q", c.Output(), s.String())
	}
	h := c.SpoolHeader()
	if h.Output != "s3://my-bucket" || h.Prefix != c.Prefix || h.ErrorsPrefix != c.ErrorsPrefix || h.Statement != "SELECT *" ||
		h.Version != spool.HeaderVersion {
		t.Errorf("SpoolHeader %+v", h)
	}
}

func TestWarnings(t *testing.T) {
	c, err := Load(env("TAP_PREFIX", "logs-%Y%m%d-", "TAP_ERRORS_PREFIX", "errors/"))
	if err != nil {
		t.Fatal(err)
	}
	if w := c.Warnings(); len(w) != 1 || !strings.Contains(w[0], `TAP_PREFIX="logs-%Y%m%d-" does not end with /`) {
		t.Errorf("warnings %q", w)
	}
	if c, _ := Load(env()); len(c.Warnings()) != 0 {
		t.Errorf("defaults warn: %q", c.Warnings())
	}
}
