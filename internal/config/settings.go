package config

import (
	"slices"
	"strconv"
	"strings"

	"github.com/datatap/datatap/internal/nearest"
)

// Setting is one TAP_* variable, for `datatap serve -h` and for telling a
// misspelled variable from a known one. README.md's Configuration table
// says more; TestSettingsAreDocumented keeps the three in step.
type Setting struct {
	Name    string
	Default string // as the user would write it; "" for none
	Doc     string // one short line
}

// defaults are what Settings shows as each default: Default's own values.
var defaults = Default()

// Settings are every variable Parse reads, and the client's.
var Settings = []Setting{
	{"TAP_TRANSFORM", defaults.Transform, "the statement applied to every line"},
	{"TAP_BUCKET", "", "S3 bucket; unset: files go to TAP_DIR"},
	{"TAP_DIR", defaults.Dir, "local output folder"},
	{"TAP_PREFIX", defaults.Prefix, "key prefix of Parquet files (strftime, UTC)"},
	{"TAP_TIME", "", "event time of a row (an expression, e.g. ts::TIMESTAMP) for TAP_PREFIX's strftime; unset or NULL: arrival time"},
	{"TAP_NESTED", defaults.Nested, "native: objects and arrays become STRUCT and LIST columns when their shape allows; json: JSON columns"},
	{"TAP_ERRORS_PREFIX", defaults.ErrorsPrefix, "key prefix of rejected lines (NDJSON)"},
	{"TAP_FLUSH_BYTES", FormatSize(defaults.FlushBytes), "flush when the open segment is this big (lower on Lambda)"},
	{"TAP_FLUSH_PARTITIONS", strconv.Itoa(defaults.FlushPartitions), "flush when the open segment holds this many PARTITION BY values"},
	{"TAP_FLUSH_AGE", defaults.FlushAge.String(), "flush when the open segment is this old"},
	{"TAP_SPOOL_DIR", "/tmp/datatap/<hash of the output>", "segment files"},
	{"TAP_SPOOL_MAX_BYTES", FormatSize(defaults.SpoolMaxBytes), "answer 429 to a request that would take the spool past this"},
	{"TAP_MAX_BODY_BYTES", FormatSize(defaults.MaxBodyBytes), "largest request body, decompressed (413 above)"},
	{"TAP_MAX_LINE_BYTES", FormatSize(defaults.MaxLineBytes), "longer lines go to the error output"},
	{"TAP_SYNC", "false", "flush before answering (200 instead of 202)"},
	{"TAP_AUTH", "", "jwt, iam or none; unset: jwt with a key, none on loopback without one"},
	{"TAP_JWT_SECRET", "", "HMAC key (32 bytes or more) for HS256/384/512 tokens"},
	{"TAP_JWT_SECRET_ARN", "", "the HMAC key from this Secrets Manager secret (ARN or name)"},
	{"TAP_JWT_SECRET_PARAMETER", "", "the HMAC key from this SSM parameter (SecureString)"},
	{"TAP_JWT_KEYS", "", "PEM public keys, an inline JWKS, or a file holding either"},
	{"TAP_JWT_KEYS_ARN", "", "the public keys from this Secrets Manager secret"},
	{"TAP_JWT_KEYS_PARAMETER", "", "the public keys from this SSM parameter"},
	{"TAP_JWT_ISSUER", "", "required iss, when set"},
	{"TAP_JWT_AUDIENCE", "", "required aud, when set"},
	{"TAP_ACL", "", "who may send: emails, subjects or IAM ARNs, comma-separated; * for any"},
	{"TAP_CORS_ORIGINS", "", "web pages (origins, comma-separated, or *) that may send from a browser"},
	{"TAP_UNNEST", "", "a body that is an object with this array field gives one row per element"},
	{"TAP_FIREHOSE_ACCESS_KEY", "", "answer Amazon Data Firehose HTTP endpoint deliveries carrying this access key"},
	{"TAP_ADDR", defaults.Addr, "serve's listen address"},
	{"TAP_TOKEN", "", "datatap send's bearer token, when -token is not given"},
}

// UnknownVar is a TAP_* variable of the environment that no setting has,
// with the nearest known name when one is close (a misspelling).
type UnknownVar struct {
	Name, Nearest string
}

// Unknown returns the TAP_* variables of environ (KEY=value strings, as
// os.Environ gives them) that are not settings: a misspelled name is
// otherwise silently ignored, and its default used.
func Unknown(environ []string) []UnknownVar {
	var out []UnknownVar
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "TAP_") || slices.ContainsFunc(Settings, func(s Setting) bool { return s.Name == name }) {
			continue
		}
		names := make([]string, len(Settings))
		for i, s := range Settings {
			names[i] = s.Name
		}
		u := UnknownVar{Name: name, Nearest: nearest.Name(strings.ToUpper(name), names)}
		out = append(out, u)
	}
	return out
}
