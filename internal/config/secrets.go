package config

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// SecretReader reads a secret's value; internal/secrets implements it over
// AWS Secrets Manager and SSM Parameter Store.
type SecretReader interface {
	// SecretString returns a Secrets Manager secret's value (id: ARN or name).
	SecretString(ctx context.Context, id string) (string, error)
	// Parameter returns an SSM parameter's value, decrypted.
	Parameter(ctx context.Context, name string) (string, error)
}

// secretSource is a setting that can be read from elsewhere at start-up
// instead of from its own variable.
type secretSource struct {
	Var, Value string  // TAP_JWT_SECRET_ARN, arn:aws:secretsmanager:…
	Fills      string  // TAP_JWT_SECRET
	dst        *string // where the value goes
	parameter  bool    // SSM rather than Secrets Manager
}

func (c *Config) secretSources() []secretSource {
	return []secretSource{
		{"TAP_JWT_SECRET_ARN", c.JWTSecretARN, "TAP_JWT_SECRET", &c.JWTSecret, false},
		{"TAP_JWT_SECRET_PARAMETER", c.JWTSecretParameter, "TAP_JWT_SECRET", &c.JWTSecret, true},
		{"TAP_JWT_KEYS_ARN", c.JWTKeysARN, "TAP_JWT_KEYS", &c.JWTKeys, false},
		{"TAP_JWT_KEYS_PARAMETER", c.JWTKeysParameter, "TAP_JWT_KEYS", &c.JWTKeys, true},
	}
}

// HasSecretSources reports whether a key is to be read by ResolveSecrets.
func (c *Config) HasSecretSources() bool {
	for _, s := range c.secretSources() {
		if s.Value != "" {
			return true
		}
	}
	return false
}

// validateSecretSources refuses a key given in two places.
func (c *Config) validateSecretSources() []error {
	var errs []error
	given := map[string][]string{} // TAP_JWT_SECRET → the variables that give it
	if c.JWTSecret != "" {
		given["TAP_JWT_SECRET"] = []string{"TAP_JWT_SECRET"}
	}
	if c.JWTKeys != "" {
		given["TAP_JWT_KEYS"] = []string{"TAP_JWT_KEYS"}
	}
	for _, s := range c.secretSources() {
		if s.Value != "" {
			given[s.Fills] = append(given[s.Fills], s.Var)
		}
	}
	for _, fills := range []string{"TAP_JWT_SECRET", "TAP_JWT_KEYS"} {
		if vars := given[fills]; len(vars) > 1 {
			errs = append(errs, &Error{Var: vars[1], Err: fmt.Errorf("set only one of %s", strings.Join(vars, " and "))})
		}
	}
	return errs
}

// ResolveSecrets reads the keys named by TAP_JWT_SECRET_ARN,
// TAP_JWT_SECRET_PARAMETER, TAP_JWT_KEYS_ARN and TAP_JWT_KEYS_PARAMETER
// into JWTSecret and JWTKeys, once, at start-up. A trailing newline (a
// value stored from a file) is dropped. Errors name the variable and the
// secret, never the value.
func (c *Config) ResolveSecrets(ctx context.Context, r SecretReader) error {
	var errs []error
	for _, s := range c.secretSources() {
		if s.Value == "" {
			continue
		}
		var v string
		var err error
		if s.parameter {
			v, err = r.Parameter(ctx, s.Value)
		} else {
			v, err = r.SecretString(ctx, s.Value)
		}
		v = strings.TrimRight(v, "\r\n")
		switch {
		case err != nil:
		case v == "":
			err = errors.New("the value is empty")
		case s.Fills == "TAP_JWT_SECRET" && strings.HasPrefix(v, "{"):
			// The console's default secret type is key/value pairs, stored
			// as a JSON object.
			err = errors.New("the value is a JSON object; store the HMAC key itself as the secret's plaintext (aws secretsmanager create-secret --secret-string)")
		}
		if err != nil {
			errs = append(errs, &Error{Var: s.Var, Value: s.Value, Err: err})
			continue
		}
		*s.dst = v
	}
	return errors.Join(errs...)
}
