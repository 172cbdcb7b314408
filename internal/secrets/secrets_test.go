package secrets_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/datatap/datatap/internal/config"
	"github.com/datatap/datatap/internal/secrets"
	"github.com/datatap/datatap/internal/tap"
	"github.com/datatap/datatap/internal/testenv/moto"
)

// TestReadBackFromMoto creates a secret (string and binary) and
// parameters (SecureString and String) in moto, as `aws secretsmanager
// create-secret` and `aws ssm put-parameter` would, and reads them back
// through the client.
func TestReadBackFromMoto(t *testing.T) {
	fakeAWS := moto.Start(t)
	fakeAWS.Setenv(t)
	ctx := context.Background()
	key := "0123456789abcdef0123456789abcdef-hmac"
	var created struct{ ARN string }
	json.Unmarshal([]byte(fakeAWS.Call(t, "secretsmanager", "secretsmanager.CreateSecret",
		`{"Name":"datatap/jwt-secret","SecretString":"`+key+`"}`)), &created)
	if !strings.HasPrefix(created.ARN, "arn:aws:secretsmanager:us-east-1:") {
		t.Fatalf("CreateSecret gave ARN %q", created.ARN)
	}
	fakeAWS.Call(t, "secretsmanager", "secretsmanager.CreateSecret",
		`{"Name":"datatap/binary","SecretBinary":"AAEC/w=="}`) // 00 01 02 ff
	jwks := `{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k1","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`
	fakeAWS.Call(t, "ssm", "AmazonSSM.PutParameter",
		`{"Name":"/datatap/jwt-secret","Type":"SecureString","Value":"`+key+`"}`)
	jwksJSON, _ := json.Marshal(jwks)
	fakeAWS.Call(t, "ssm", "AmazonSSM.PutParameter",
		`{"Name":"datatap-keys","Type":"String","Value":`+string(jwksJSON)+`}`)

	c := secrets.New()
	check := func(what, got string, err error, want string) {
		t.Helper()
		if err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", what, got, err, want)
		}
	}
	got, err := c.SecretString(ctx, created.ARN)
	check("secret by ARN", got, err, key)
	got, err = c.SecretString(ctx, "datatap/jwt-secret")
	check("secret by name", got, err, key)
	got, err = c.SecretString(ctx, "datatap/binary")
	check("binary secret", got, err, "\x00\x01\x02\xff")
	got, err = c.Parameter(ctx, "/datatap/jwt-secret")
	check("SecureString", got, err, key) // decrypted: moto returns the ciphertext without WithDecryption
	got, err = c.Parameter(ctx, "datatap-keys")
	check("String parameter", got, err, jwks)

	// The region of an ARN wins over AWS_REGION: a secret in another region.
	t.Setenv("AWS_REGION", "eu-west-1")
	got, err = c.SecretString(ctx, created.ARN)
	check("secret by ARN, AWS_REGION elsewhere", got, err, key)
	if _, err := c.SecretString(ctx, "datatap/jwt-secret"); err == nil {
		t.Error("secret by name found in eu-west-1, where it does not exist")
	}
}

// TestErrorsNameTheSecret: what is missing is named, with AWS's error code,
// and the configuration error names the variable too.
func TestErrorsNameTheSecret(t *testing.T) {
	moto.Start(t).Setenv(t)
	ctx := context.Background()
	c := secrets.New()
	arn := "arn:aws:secretsmanager:us-east-1:123456789012:secret:nope-AbCdEf"
	_, err := c.SecretString(ctx, arn)
	var apiErr *secrets.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "ResourceNotFoundException" || !strings.Contains(err.Error(), arn) {
		t.Errorf("missing secret: %v, want ResourceNotFoundException naming %s", err, arn)
	}
	_, err = c.Parameter(ctx, "/datatap/nope")
	if !errors.As(err, &apiErr) || apiErr.Code != "ParameterNotFound" || !strings.Contains(err.Error(), "/datatap/nope") {
		t.Errorf("missing parameter: %v, want ParameterNotFound naming /datatap/nope", err)
	}

	cfg, err := config.Load(lookup(map[string]string{"TAP_BUCKET": "b", "TAP_JWT_SECRET_ARN": arn, "TAP_JWT_KEYS_PARAMETER": "/datatap/nope"}))
	if err != nil {
		t.Fatal(err)
	}
	err = cfg.ResolveSecrets(ctx, c)
	for _, want := range []string{`TAP_JWT_SECRET_ARN="` + arn + `"`, `TAP_JWT_KEYS_PARAMETER="/datatap/nope"`, "ResourceNotFoundException", "ParameterNotFound"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ResolveSecrets: %v, want it to say %s", err, want)
		}
	}
}

// TestConfigFromSecretsManager: a tap configured with TAP_JWT_SECRET_ARN
// verifies tokens signed with the secret's value.
func TestConfigFromSecretsManager(t *testing.T) {
	fakeAWS := moto.Start(t)
	fakeAWS.Setenv(t)
	key := "another-key-of-at-least-32-bytes!!"
	var created struct{ ARN string }
	json.Unmarshal([]byte(fakeAWS.Call(t, "secretsmanager", "secretsmanager.CreateSecret",
		`{"Name":"tap","SecretString":"`+key+`\n"}`)), &created) // stored from a file: the newline goes
	cfg, err := config.Load(lookup(map[string]string{"TAP_BUCKET": "b", "TAP_JWT_SECRET_ARN": created.ARN, "TAP_ACL": "*"}))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.ResolveSecrets(context.Background(), secrets.New()); err != nil {
		t.Fatal(err)
	}
	if cfg.JWTSecret != key {
		t.Fatalf("JWTSecret is %d bytes, want the secret's %d", len(cfg.JWTSecret), len(key))
	}
	if _, mode, err := tap.Gate(cfg, true, false); err != nil || !strings.HasPrefix(mode, "jwt") {
		t.Errorf("gate: %q %v, want jwt", mode, err)
	}
}

func lookup(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}
