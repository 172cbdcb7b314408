package config

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// fakeSecrets is a SecretReader over two maps (the real one, against moto,
// is tested in internal/secrets).
type fakeSecrets struct{ secrets, parameters map[string]string }

func (f fakeSecrets) SecretString(_ context.Context, id string) (string, error) {
	if v, ok := f.secrets[id]; ok {
		return v, nil
	}
	return "", errors.New("ResourceNotFoundException")
}

func (f fakeSecrets) Parameter(_ context.Context, name string) (string, error) {
	if v, ok := f.parameters[name]; ok {
		return v, nil
	}
	return "", errors.New("ParameterNotFound")
}

func TestSecretSources(t *testing.T) {
	store := fakeSecrets{
		secrets:    map[string]string{"arn:s": "hmac-key-of-at-least-32-bytes-long\n", "arn:json": `{"key":"v"}`, "arn:empty": ""},
		parameters: map[string]string{"/keys": `{"keys":[]}`},
	}
	f := func(env map[string]string, wantErr string, check func(Config)) {
		t.Helper()
		env["TAP_BUCKET"] = "b"
		c, err := Load(mapLookup(env))
		if err == nil {
			err = c.ResolveSecrets(context.Background(), store)
		}
		switch {
		case wantErr == "" && err != nil:
			t.Errorf("%v: %v", env, err)
		case wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr)):
			t.Errorf("%v: error %v, want %q", env, err, wantErr)
		case err == nil && check != nil:
			check(c)
		}
	}
	f(map[string]string{"TAP_JWT_SECRET_ARN": "arn:s", "TAP_JWT_KEYS_PARAMETER": "/keys"}, "", func(c Config) {
		if c.JWTSecret != "hmac-key-of-at-least-32-bytes-long" || c.JWTKeys != `{"keys":[]}` {
			t.Errorf("secret %q keys %q", c.JWTSecret, c.JWTKeys)
		}
	})
	f(map[string]string{"TAP_JWT_SECRET": "x", "TAP_JWT_SECRET_ARN": "arn:s"}, "TAP_JWT_SECRET_ARN: set only one of TAP_JWT_SECRET and TAP_JWT_SECRET_ARN", nil)
	f(map[string]string{"TAP_JWT_KEYS_ARN": "arn:k", "TAP_JWT_KEYS_PARAMETER": "/keys"}, "set only one of TAP_JWT_KEYS_ARN and TAP_JWT_KEYS_PARAMETER", nil)
	f(map[string]string{"TAP_JWT_SECRET_ARN": "arn:json"}, `TAP_JWT_SECRET_ARN="arn:json": the value is a JSON object`, nil)
	f(map[string]string{"TAP_JWT_SECRET_PARAMETER": "/missing"}, `TAP_JWT_SECRET_PARAMETER="/missing": ParameterNotFound`, nil)
	f(map[string]string{"TAP_JWT_SECRET_ARN": "arn:empty"}, "the value is empty", nil)
	// Empty variables (SAM parameters left blank) are no sources.
	f(map[string]string{"TAP_JWT_SECRET_ARN": "", "TAP_JWT_SECRET": "k"}, "", func(c Config) {
		if c.HasSecretSources() || c.JWTSecret != "k" {
			t.Errorf("sources %v, secret %q", c.HasSecretSources(), c.JWTSecret)
		}
	})
}

func TestEnvironmentBytes(t *testing.T) {
	vars := TapEnvironment([]string{"TAP_TRANSFORM=SELECT a WHERE b < 1 & c", "PATH=/bin", "TAP_ACL=*", "TAP_X=a=b"})
	if len(vars) != 3 || vars["TAP_X"] != "a=b" {
		t.Fatalf("TapEnvironment: %v", vars)
	}
	// Lambda measures the JSON object, < and & as they are.
	want := len(`{"TAP_ACL":"*","TAP_TRANSFORM":"SELECT a WHERE b < 1 & c","TAP_X":"a=b"}`)
	if got := EnvironmentBytes(vars); got != want {
		t.Errorf("EnvironmentBytes = %d, want %d", got, want)
	}
}

func mapLookup(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}
