package config

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
)

// Lambda refuses a function configuration whose environment variables
// together exceed 4 KB, measured as their JSON object ({"KEY":"value",…};
// its error quotes the "string measured"). TAP_TRANSFORM, TAP_ACL and above
// all TAP_JWT_KEYS (a PEM or a JWKS) share it; keys too big for it belong in
// TAP_JWT_KEYS_ARN or TAP_JWT_KEYS_PARAMETER.
const (
	LambdaEnvLimit = 4096
	// LambdaEnvWarn is where the runtime starts warning: one more ACL entry
	// or a longer statement, and the next deploy is refused.
	LambdaEnvWarn = 3584
)

// EnvironmentBytes is the size Lambda measures for vars: their JSON object,
// without HTML escaping.
func EnvironmentBytes(vars map[string]string) int {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(vars); err != nil {
		return 0 // map[string]string always encodes
	}
	return b.Len() - 1 // Encode's newline
}

// TapEnvironment returns the TAP_* variables of environ (os.Environ's
// KEY=value form): the part of a function's environment that is the tap's.
func TapEnvironment(environ []string) map[string]string {
	out := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "TAP_") {
			out[k] = v
		}
	}
	return out
}

// TapEnvironmentBytes is EnvironmentBytes of this process's TAP_* variables.
func TapEnvironmentBytes() int { return EnvironmentBytes(TapEnvironment(os.Environ())) }
