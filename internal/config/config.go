// Package config reads datatap's settings from the environment once, into a
// typed Config, and validates them with errors that name the variable. Nothing
// else in datatap reads the environment.
package config

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/datatap/datatap/internal/cors"
	"github.com/datatap/datatap/internal/sink"
	"github.com/datatap/datatap/internal/spool"
	"github.com/datatap/datatap/transform"
)

// Config is every TAP_* setting. See README.md for what each one does.
type Config struct {
	Transform    string        // TAP_TRANSFORM: the statement
	Bucket       string        // TAP_BUCKET: S3 bucket; empty means Dir
	Dir          string        // TAP_DIR: local output folder when Bucket is empty
	Prefix       string        // TAP_PREFIX: object key prefix, strftime (UTC)
	Time         string        // TAP_TIME: the event time whose strftime TAP_PREFIX takes per row; empty: arrival time
	ErrorsPrefix string        // TAP_ERRORS_PREFIX: where rejected lines go
	Nested       string        // TAP_NESTED: NestedNative (STRUCT and LIST columns, internal/flush/shape.go) or NestedJSON
	FlushBytes   int64         // TAP_FLUSH_BYTES: flush when the segment is this big
	FlushAge     time.Duration // TAP_FLUSH_AGE: flush when the oldest row is this old
	// TAP_FLUSH_PARTITIONS: flush when the open segment holds rows of this
	// many PARTITION BY values (each is one file and one upload).
	FlushPartitions int
	SpoolDir        string   // TAP_SPOOL_DIR: segment files; unset, SpoolRoot/<hash of the output> (see DefaultSpoolDir)
	SpoolMaxBytes   int64    // TAP_SPOOL_MAX_BYTES: 429 above this
	MaxBodyBytes    int64    // TAP_MAX_BODY_BYTES: decoded body cap (413 above)
	MaxLineBytes    int64    // TAP_MAX_LINE_BYTES: longer lines are rejected, not parsed
	Sync            bool     // TAP_SYNC: flush before replying
	Auth            string   // TAP_AUTH: jwt, iam or none; empty picks the mode's default
	Addr            string   // TAP_ADDR: serve's listen address
	JWTSecret       string   // TAP_JWT_SECRET: HMAC key for HS256/384/512 tokens
	JWTKeys         string   // TAP_JWT_KEYS: PEM public keys, an inline JWKS, or a file holding either
	JWTIssuer       string   // TAP_JWT_ISSUER: required iss, when set
	JWTAudience     string   // TAP_JWT_AUDIENCE: required aud, when set
	ACL             []string // TAP_ACL: who may send (emails, subjects or IAM ARNs); * for any valid identity
	// TAP_UNNEST: a body that is an object whose member of this name is an
	// array becomes one row per element (internal/ingest/shape.go).
	Unnest string
	// TAP_FIREHOSE_ACCESS_KEY: takes Firehose HTTP endpoint delivery requests
	// carrying this key (internal/ingest/firehose.go); empty: off.
	FirehoseAccessKey string

	// TAP_JWT_SECRET_ARN, TAP_JWT_SECRET_PARAMETER, TAP_JWT_KEYS_ARN,
	// TAP_JWT_KEYS_PARAMETER: a Secrets Manager secret or an SSM parameter
	// holding JWTSecret or JWTKeys, read by ResolveSecrets.
	JWTSecretARN, JWTSecretParameter, JWTKeysARN, JWTKeysParameter string
	// TAP_CORS_ORIGINS: the web pages' origins that may send from a
	// browser, or *; nil (unset or empty) is no CORS.
	CORS *cors.Policy

	// FlushBytesSet and FlushPartitionsSet say TAP_FLUSH_BYTES and
	// TAP_FLUSH_PARTITIONS were given, not defaulted.
	FlushBytesSet, FlushPartitionsSet bool
	// SpoolDirDefault says TAP_SPOOL_DIR was unset or empty: SpoolDir is
	// DefaultSpoolDir, and segments an older version left in SpoolRoot
	// itself are this tap's to adopt (spool.Spool.Adopt).
	SpoolDirDefault bool
	// LambdaMemoryMB is the function's memory (AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
	// set by Lambda), 0 elsewhere: it fixes the function's share of CPU.
	LambdaMemoryMB int
	// LambdaFunction is the function's name (AWS_LAMBDA_FUNCTION_NAME),
	// the Function dimension of its metrics; empty elsewhere.
	LambdaFunction string

	// S3Region and S3Endpoint are the S3 sink's region and custom endpoint,
	// from the standard AWS variables (S3Env).
	S3Region, S3Endpoint string

	// Program is Transform compiled, set by Validate.
	Program *transform.Program
}

// Client is what the client commands (send) read from the environment.
type Client struct {
	Token  string // TAP_TOKEN: the bearer token for send
	Region string // AWS_REGION: send -sigv4's region when the URL does not name one
}

// ClientFromEnv reads the client settings. (send -sigv4's credentials are
// read by awscreds at each request, as the S3 sink reads them.)
func ClientFromEnv() Client {
	return Client{Token: os.Getenv("TAP_TOKEN"), Region: os.Getenv("AWS_REGION")}
}

// S3Env reads the S3 settings of the standard AWS variables: the region
// (AWS_REGION, else AWS_DEFAULT_REGION) and a custom endpoint
// (AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL; empty for AWS itself).
// Credentials are read by awscreds at every request, so that rotated ones
// are used at once.
func S3Env(lookup func(string) (string, bool)) (region, endpoint string) {
	get := func(name string) string { v, _ := lookup(name); return v }
	return cmp.Or(get("AWS_REGION"), get("AWS_DEFAULT_REGION")), cmp.Or(get("AWS_ENDPOINT_URL_S3"), get("AWS_ENDPOINT_URL"))
}

// Default returns the settings used when no variable is set.
func Default() Config {
	return Config{
		Transform:       "SELECT *",
		Dir:             "./data",
		Prefix:          "datataps/year=%Y/month=%m/day=%d/hour=%H/",
		ErrorsPrefix:    "datataps-errors/year=%Y/month=%m/day=%d/hour=%H/",
		FlushBytes:      10 << 20,
		FlushPartitions: 1000,
		FlushAge:        60 * time.Second,
		SpoolDir:        "", // derived from the output by Validate: see DefaultSpoolDir
		SpoolMaxBytes:   384 << 20,
		MaxBodyBytes:    6 << 20,
		MaxLineBytes:    1 << 20,
		Addr:            "127.0.0.1:8080",
		Nested:          NestedNative,
	}
}

// The values of TAP_NESTED.
const (
	NestedNative = "native"
	NestedJSON   = "json"
)

// KeepJSON says whether objects and arrays stay JSON columns
// (TAP_NESTED=json).
func (c *Config) KeepJSON() bool { return c.Nested == NestedJSON }

// Error is a bad setting: which variable, its value, and what is wrong.
type Error struct {
	Var   string
	Value string
	Err   error
}

func (e *Error) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("%s: %v", e.Var, e.Err)
	}
	return fmt.Sprintf("%s=%q: %v", e.Var, e.Value, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// FromEnv is Default, then Parse of the environment, then Validate.
func FromEnv() (Config, error) { return Load(os.LookupEnv) }

// Load is FromEnv with a lookup function, for tests.
func Load(lookup func(string) (string, bool)) (Config, error) {
	c := Default()
	if err := c.Parse(lookup); err != nil {
		return c, err
	}
	return c, c.Validate()
}

// Parse overrides c with every variable that is set, converting types. It
// reports every bad variable, not only the first.
func (c *Config) Parse(lookup func(string) (string, bool)) error {
	var errs []error
	str := func(name string, dst *string) {
		if v, ok := lookup(name); ok {
			*dst = v
		}
	}
	size := func(name string, dst *int64) {
		if v, ok := lookup(name); ok && v != "" { // empty (a SAM parameter left blank) means the default
			n, err := ParseSize(v)
			if err != nil {
				errs = append(errs, &Error{name, v, err})
				return
			}
			*dst = n
		}
	}
	str("TAP_TRANSFORM", &c.Transform)
	str("TAP_BUCKET", &c.Bucket)
	str("TAP_DIR", &c.Dir)
	str("TAP_PREFIX", &c.Prefix)
	str("TAP_TIME", &c.Time)
	str("TAP_ERRORS_PREFIX", &c.ErrorsPrefix)
	str("TAP_SPOOL_DIR", &c.SpoolDir)
	str("TAP_AUTH", &c.Auth)
	str("TAP_ADDR", &c.Addr)
	str("TAP_JWT_SECRET", &c.JWTSecret)
	str("TAP_JWT_KEYS", &c.JWTKeys)
	str("TAP_JWT_SECRET_ARN", &c.JWTSecretARN)
	str("TAP_JWT_SECRET_PARAMETER", &c.JWTSecretParameter)
	str("TAP_JWT_KEYS_ARN", &c.JWTKeysARN)
	str("TAP_JWT_KEYS_PARAMETER", &c.JWTKeysParameter)
	str("TAP_JWT_ISSUER", &c.JWTIssuer)
	str("TAP_JWT_AUDIENCE", &c.JWTAudience)
	str("TAP_UNNEST", &c.Unnest)
	str("TAP_FIREHOSE_ACCESS_KEY", &c.FirehoseAccessKey)
	if v, ok := lookup("TAP_NESTED"); ok && strings.TrimSpace(v) != "" { // empty (a SAM parameter left blank) means the default
		c.Nested = strings.ToLower(strings.TrimSpace(v))
	}
	if v, ok := lookup("TAP_ACL"); ok {
		c.ACL = nil
		for _, id := range strings.Split(v, ",") {
			if id = strings.TrimSpace(id); id != "" {
				c.ACL = append(c.ACL, id)
			}
		}
	}
	if v, ok := lookup("TAP_CORS_ORIGINS"); ok {
		p, err := cors.Parse(v)
		if err != nil {
			errs = append(errs, &Error{"TAP_CORS_ORIGINS", v, err})
		} else {
			c.CORS = p
		}
	}
	size("TAP_FLUSH_BYTES", &c.FlushBytes)
	if v, ok := lookup("TAP_FLUSH_BYTES"); ok && v != "" {
		c.FlushBytesSet = true
	}
	if v, ok := lookup("TAP_FLUSH_PARTITIONS"); ok && v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			errs = append(errs, &Error{"TAP_FLUSH_PARTITIONS", v, errors.New("not a whole number")})
		} else {
			c.FlushPartitions, c.FlushPartitionsSet = n, true
		}
	}
	if v, ok := lookup("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"); ok {
		c.LambdaMemoryMB, _ = strconv.Atoi(v)
	}
	str("AWS_LAMBDA_FUNCTION_NAME", &c.LambdaFunction)
	c.S3Region, c.S3Endpoint = S3Env(lookup)
	size("TAP_SPOOL_MAX_BYTES", &c.SpoolMaxBytes)
	size("TAP_MAX_BODY_BYTES", &c.MaxBodyBytes)
	size("TAP_MAX_LINE_BYTES", &c.MaxLineBytes)
	if v, ok := lookup("TAP_FLUSH_AGE"); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			errs = append(errs, &Error{"TAP_FLUSH_AGE", v, errors.New("not a duration (examples: 60s, 5m, 1h)")})
		} else {
			c.FlushAge = d
		}
	}
	if v, ok := lookup("TAP_SYNC"); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, &Error{"TAP_SYNC", v, errors.New("not a boolean (true or false)")})
		} else {
			c.Sync = b
		}
	}
	return errors.Join(errs...)
}

// Validate checks the settings together and compiles the transform.
func (c *Config) Validate() error {
	var errs []error
	bad := func(name, value string, format string, args ...any) {
		errs = append(errs, &Error{name, value, fmt.Errorf(format, args...)})
	}
	prog, err := transform.Compile(c.Transform) // refuses invalid UTF-8 too: names go into files
	if err != nil {
		errs = append(errs, &Error{Var: "TAP_TRANSFORM", Err: err})
	}
	if prog != nil && strings.TrimSpace(c.Time) != "" {
		if prog, err = prog.WithTime(c.Time); err != nil {
			errs = append(errs, &Error{Var: "TAP_TIME", Err: err})
		}
	}
	c.Program = prog
	if c.Bucket == "" && strings.TrimSpace(c.Dir) == "" {
		bad("TAP_DIR", c.Dir, "must name a folder when TAP_BUCKET is not set")
	}
	// The prefixes are checked by the code the flush builds and checks keys
	// with, so that a prefix accepted here is never refused at a flush.
	var partitions []string
	if prog != nil {
		for _, p := range prog.Partitions() {
			partitions = append(partitions, p.Name)
		}
	}
	if err := sink.CheckPrefix(c.Prefix, partitions); err != nil {
		bad("TAP_PREFIX", c.Prefix, "%v", err)
	}
	if err := sink.CheckPrefix(c.ErrorsPrefix, nil); err != nil {
		bad("TAP_ERRORS_PREFIX", c.ErrorsPrefix, "%v", err)
	}
	if c.Nested != NestedNative && c.Nested != NestedJSON {
		bad("TAP_NESTED", c.Nested, "must be native or json")
	}
	if c.Prefix == c.ErrorsPrefix {
		bad("TAP_ERRORS_PREFIX", c.ErrorsPrefix, "must differ from TAP_PREFIX, or error files would mix with Parquet files")
	}
	positive := func(name string, v int64) {
		if v <= 0 {
			bad(name, FormatSize(v), "must be positive")
		}
	}
	positive("TAP_FLUSH_BYTES", c.FlushBytes)
	positive("TAP_FLUSH_PARTITIONS", int64(c.FlushPartitions))
	positive("TAP_SPOOL_MAX_BYTES", c.SpoolMaxBytes)
	positive("TAP_MAX_BODY_BYTES", c.MaxBodyBytes)
	positive("TAP_MAX_LINE_BYTES", c.MaxLineBytes)
	if c.FlushAge <= 0 {
		bad("TAP_FLUSH_AGE", c.FlushAge.String(), "must be positive")
	}
	if c.SpoolMaxBytes < c.FlushBytes {
		bad("TAP_SPOOL_MAX_BYTES", FormatSize(c.SpoolMaxBytes), "must be at least TAP_FLUSH_BYTES (%s)", FormatSize(c.FlushBytes))
	}
	if c.SpoolDir == "" || c.SpoolDirDefault {
		c.SpoolDir, c.SpoolDirDefault = c.DefaultSpoolDir(), true
	}
	switch c.Auth {
	case "", "none", "jwt", "iam":
	default:
		bad("TAP_AUTH", c.Auth, "must be jwt, iam or none")
	}
	if strings.ContainsAny(c.Unnest, "\"\\") || strings.IndexFunc(c.Unnest, func(r rune) bool { return r < 0x20 }) >= 0 || c.Unnest != strings.TrimSpace(c.Unnest) {
		bad("TAP_UNNEST", c.Unnest, "must be a member name as written in the JSON, without quotes, backslashes, control characters or surrounding spaces")
	}
	if k := c.FirehoseAccessKey; k != "" && (len(k) < MinFirehoseKeyBytes || len(k) > 4096) {
		// The value is a secret: never echoed.
		errs = append(errs, &Error{Var: "TAP_FIREHOSE_ACCESS_KEY", Err: fmt.Errorf("must be %d to 4096 bytes (Firehose sends at most 4096), got %d", MinFirehoseKeyBytes, len(k))})
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		bad("TAP_ADDR", c.Addr, "not host:port")
	}
	errs = append(errs, c.validateSecretSources()...)
	return errors.Join(errs...)
}

// Warnings are settings that are valid but probably not what was meant, for
// the start-up log.
func (c Config) Warnings() []string {
	var w []string
	for _, p := range []struct{ name, value string }{{"TAP_PREFIX", c.Prefix}, {"TAP_ERRORS_PREFIX", c.ErrorsPrefix}} {
		if p.value != "" && !strings.HasSuffix(p.value, "/") {
			w = append(w, fmt.Sprintf("%s=%q does not end with /: object names are glued to it (%s20261202T…parquet), not put in a folder", p.name, p.value, p.value))
		}
	}
	return w
}

// MinFirehoseKeyBytes is the shortest TAP_FIREHOSE_ACCESS_KEY: the key is
// the only credential of a Firehose request, so it must not be guessable
// (openssl rand -hex 16 gives 32).
const MinFirehoseKeyBytes = 16

// SpoolRoot holds the default spool folders, one per output.
const SpoolRoot = "/tmp/datatap"

// Output names where the tap's objects go, as the sink names itself in logs
// (sink.Sink.String): "s3://BUCKET", or "dir:" and TAP_DIR made absolute.
func (c Config) Output() string {
	if c.Bucket != "" {
		return "s3://" + c.Bucket
	}
	abs, err := filepath.Abs(c.Dir)
	if err != nil {
		return "dir:" + c.Dir
	}
	return "dir:" + abs
}

// DefaultSpoolDir is the spool folder used when TAP_SPOOL_DIR is unset or
// empty: SpoolRoot/ and the first 12 hex digits of the SHA-256 of the output
// and both prefixes, so that two taps writing to different places never
// share a spool, and a tap restarted with the same settings finds its
// segments again. On Lambda the runtime and the extension read the same
// environment (TAP_BUCKET is required there), so they agree on the folder.
func (c Config) DefaultSpoolDir() string {
	sum := sha256.Sum256([]byte(c.Output() + "\n" + c.Prefix + "\n" + c.ErrorsPrefix))
	return filepath.Join(SpoolRoot, hex.EncodeToString(sum[:6]))
}

// SpoolHeader is the header of the segments this tap writes: what the rows
// of Program mean, and the output and prefixes they belong to, so that a
// tap sharing the spool folder never flushes them elsewhere.
func (c Config) SpoolHeader() spool.Header {
	h := spool.HeaderFor(c.Program)
	h.Output, h.Prefix, h.ErrorsPrefix = c.Output(), c.Prefix, c.ErrorsPrefix
	return h
}

// What one MB of function memory can flush within Lambda's 2 s shutdown
// window, CPU growing with memory (1,769 MB is a core). Measured at 128 MB
// (make faults128, case e; 2-core machine, 2026-12-02): 500 KiB in 0.40 s,
// 1.5 MiB in 0.91 s, 3 MiB in 1.29 s, 6 MiB did not fit; each partition
// value costs 21–26 ms more (a file, an encoder, an upload): 1.5 MiB in 20
// partitions 1.31 s, 500 KiB in 50 partitions 1.70 s, 2.2 MiB in 15 did not
// fit; 1.8 MiB in 7 landed in 1.3–1.4 s in two runs and missed the deadline
// in a third (the 2 s give 145 ms of CPU, and a throttled process waits up
// to a CFS period to run). The defaults at 128 MB, 1.5 MiB and 4 partition
// values, keep about half the window for slower or busier machines.
const (
	shutdownBytesPerMB = 12 << 10
	shutdownMBPerFile  = 32
)

// ShutdownSafeFlushBytes is the largest segment the extension can flush
// within the shutdown window at this function's memory size, or 0 when not
// on Lambda.
func (c Config) ShutdownSafeFlushBytes() int64 {
	return int64(c.LambdaMemoryMB) * shutdownBytesPerMB
}

// Due reports whether the open segment st describes should be sealed and
// flushed now: it holds rows and is big enough, old enough, or holds rows
// of enough PARTITION BY values.
func (c Config) Due(st spool.Stats) bool {
	return st.OpenBytes > 0 && (st.OpenBytes >= c.FlushBytes || time.Since(st.OpenCreated) >= c.FlushAge ||
		st.OpenPartitions >= c.FlushPartitions)
}

// ShutdownSafeFlushPartitions is how many PARTITION BY values a segment of
// ShutdownSafeFlushBytes may hold and still flush within the shutdown
// window, or 0 when not on Lambda.
func (c Config) ShutdownSafeFlushPartitions() int {
	return max(c.LambdaMemoryMB/shutdownMBPerFile, min(c.LambdaMemoryMB, 1))
}

// FormatSize writes n as ParseSize reads it: with the largest binary unit
// that divides it (300KiB, 10MiB), else in bytes.
func FormatSize(n int64) string {
	for _, u := range []struct {
		name string
		size int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n != 0 && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10)
}

// ParseSize reads a byte count: plain bytes ("10485760"), or a number with a
// unit: KiB MiB GiB (powers of 1024; K M G too), KB MB GB (powers of 1000), B.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.TrimSpace(t[i:])
	mult := map[string]float64{
		"": 1, "B": 1,
		"K": 1 << 10, "KIB": 1 << 10, "KB": 1e3,
		"M": 1 << 20, "MIB": 1 << 20, "MB": 1e6,
		"G": 1 << 30, "GIB": 1 << 30, "GB": 1e9,
	}[strings.ToUpper(unit)]
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || mult == 0 || f*mult >= 1<<62 {
		return 0, errors.New("not a size (examples: 10485760, 10MiB, 512KiB)")
	}
	return int64(f * mult), nil
}
