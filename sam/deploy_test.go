package sam

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/datatap/datatap/internal/testenv"

	"github.com/datatap/datatap/internal/config"
)

// withKey are parameters a deploy needs to pass the Rules.
var withKey = map[string]string{"JwtSecret": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "Acl": "*"}

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// resource returns the resolved properties of the first resource of the
// type (the translator suffixes some logical ids with a hash).
func resource(t *testing.T, tpl cfnTemplate, typ string, params map[string]string) (string, map[string]any) {
	t.Helper()
	for name, r := range tpl.Resources {
		if r.Type == typ && (r.Condition == "" || holds(t, tpl, r.Condition, params)) {
			return name, resolve(t, tpl, r.Properties, params).(map[string]any)
		}
	}
	t.Fatalf("no %s in the translated template", typ)
	return "", nil
}

// TestLogGroup: the function logs to a group of the stack, kept
// LogRetentionDays (30 unless set) and deleted with the stack.
func TestLogGroup(t *testing.T) {
	tpl := translate(t, withKey, "as-is")
	name, group := resource(t, tpl, "AWS::Logs::LogGroup", withKey)
	if p := tpl.Resources[name].DeletionPolicy; p != "" && p != "Delete" {
		t.Errorf("log group DeletionPolicy %s: it would outlive the stack", p)
	}
	if group["LogGroupName"] != "/aws/lambda/teststack" || group["RetentionInDays"] != "30" {
		t.Errorf("log group %v, want /aws/lambda/<stack>, 30 days", group)
	}
	_, group = resource(t, tpl, "AWS::Logs::LogGroup", merge(withKey, map[string]string{"LogRetentionDays": "7"}))
	if group["RetentionInDays"] != "7" {
		t.Errorf("LogRetentionDays=7: retention %v", group["RetentionInDays"])
	}
	_, fn := resource(t, tpl, "AWS::Lambda::Function", withKey)
	logging := fn["LoggingConfig"].(map[string]any)
	if logging["LogGroup"] != "<Ref "+name+">" || logging["LogFormat"] != "JSON" {
		t.Errorf("function LoggingConfig %v, want JSON to the stack's log group %s", logging, name)
	}
}

// TestLayerNamePerStack: two stacks in one account get two layers, and the
// longest stack name (128) still makes a valid layer name (140).
func TestLayerNamePerStack(t *testing.T) {
	tpl := translate(t, withKey, "as-is")
	layerName := func(stack string) string {
		_, layer := resource(t, tpl, "AWS::Lambda::LayerVersion", merge(withKey, map[string]string{"AWS::StackName": stack}))
		return layer["LayerName"].(string)
	}
	a, b := layerName("tap-a"), layerName("tap-b")
	if a == b || !strings.Contains(a, "tap-a") {
		t.Errorf("layer names %q and %q, want one per stack", a, b)
	}
	long := layerName("s" + strings.Repeat("x", 127))
	if !regexp.MustCompile(`^[a-zA-Z0-9_-]{1,140}$`).MatchString(long) {
		t.Errorf("layer name %q (%d bytes) is not a valid layer name", long, len(long))
	}
}

// TestCorsOnlyWithAllowOrigins: without AllowOrigins the Function URL has no
// CORS (browsers on other origins cannot send); with it, the URL answers
// the preflight for POST with the headers senders set. The function does
// not add CORS headers of its own there (they would be sent twice).
func TestCorsOnlyWithAllowOrigins(t *testing.T) {
	tpl := translate(t, withKey, "as-is")
	_, url := resource(t, tpl, "AWS::Lambda::Url", withKey)
	if cors, ok := url["Cors"]; ok {
		t.Errorf("no AllowOrigins: Cors %v, want none", cors)
	}
	params := merge(withKey, map[string]string{"AllowOrigins": "https://app.example.com, http://localhost:5173"})
	_, url = resource(t, tpl, "AWS::Lambda::Url", params)
	cors, _ := url["Cors"].(map[string]any)
	strs := func(v any) []string {
		var out []string
		for _, e := range v.([]any) {
			out = append(out, strings.ToLower(e.(string)))
		}
		return out
	}
	if got := strs(cors["AllowOrigins"]); !slices.Equal(got, []string{"https://app.example.com", "http://localhost:5173"}) {
		t.Errorf("AllowOrigins %v", got)
	}
	if got := strs(cors["AllowMethods"]); !slices.Contains(got, "post") {
		t.Errorf("AllowMethods %v, want POST", got)
	}
	headers := strs(cors["AllowHeaders"])
	for _, h := range []string{"authorization", "content-type", "content-encoding"} {
		if !slices.Contains(headers, h) {
			t.Errorf("AllowHeaders %v lacks %s", headers, h)
		}
	}
	if age, _ := cors["MaxAge"].(float64); age <= 0 || age > 86400 {
		t.Errorf("MaxAge %v, want 1..86400", cors["MaxAge"])
	}
	_, fn := resource(t, tpl, "AWS::Lambda::Function", params)
	if v, ok := fn["Environment"].(map[string]any)["Variables"].(map[string]any)["TAP_CORS_ORIGINS"]; ok && v != "" {
		t.Errorf("TAP_CORS_ORIGINS=%v beside the URL's Cors: browsers would get Access-Control-Allow-Origin twice", v)
	}
}

// statements returns the resolved statements of the function role's inline
// policies.
func statements(t *testing.T, tpl cfnTemplate, params map[string]string) []map[string]any {
	t.Helper()
	_, role := resource(t, tpl, "AWS::IAM::Role", params)
	var out []map[string]any
	for _, p := range role["Policies"].([]any) {
		for _, s := range p.(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			out = append(out, s.(map[string]any))
		}
	}
	return out
}

// TestSecretAccessOnlyWhenUsed: the role may read a secret or a parameter
// only when one is named, and only that one.
func TestSecretAccessOnlyWhenUsed(t *testing.T) {
	tpl := translate(t, withKey, "as-is")
	arn := "arn:aws:secretsmanager:us-east-1:123456789012:secret:datatap/jwt-AbCdEf"
	acl := map[string]string{"Acl": "*"}
	for _, tc := range []struct {
		params map[string]string
		want   map[string][]string // action → resources, beside s3:PutObject
		env    string              // the variable that carries the name
	}{
		{withKey, map[string][]string{}, ""},
		{map[string]string{"JwtSecretArn": arn}, map[string][]string{"secretsmanager:GetSecretValue": {arn, arn + "-??????"}}, "TAP_JWT_SECRET_ARN"},
		{map[string]string{"JwtKeysArn": arn}, map[string][]string{"secretsmanager:GetSecretValue": {arn, arn + "-??????"}}, "TAP_JWT_KEYS_ARN"},
		{map[string]string{"JwtSecretParameter": "/datatap/jwt"},
			map[string][]string{"ssm:GetParameter": {"arn:aws:ssm:us-east-1:123456789012:parameter/datatap/jwt"}}, "TAP_JWT_SECRET_PARAMETER"},
		{map[string]string{"JwtSecretParameter": "datatap-jwt"},
			map[string][]string{"ssm:GetParameter": {"arn:aws:ssm:us-east-1:123456789012:parameter/datatap-jwt"}}, "TAP_JWT_SECRET_PARAMETER"},
		{map[string]string{"JwtKeysParameter": "/datatap/keys"},
			map[string][]string{"ssm:GetParameter": {"arn:aws:ssm:us-east-1:123456789012:parameter/datatap/keys"}}, "TAP_JWT_KEYS_PARAMETER"},
	} {
		params := merge(acl, tc.params)
		got := map[string][]string{}
		for _, s := range statements(t, tpl, params) {
			action := s["Action"].(string)
			if action == "s3:PutObject" || s["Sid"] == "ReadTableSchema" {
				continue
			}
			var res []string
			switch r := s["Resource"].(type) {
			case string:
				res = []string{r}
			case []any:
				for _, e := range r {
					res = append(res, e.(string))
				}
			}
			got[action] = append(got[action], res...)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%v: the role may %v, want %v", tc.params, got, tc.want)
		}
		if tc.env != "" {
			_, fn := resource(t, tpl, "AWS::Lambda::Function", params)
			vars := fn["Environment"].(map[string]any)["Variables"].(map[string]any)
			var name string
			for _, v := range tc.params {
				name = v
			}
			if vars[tc.env] != name {
				t.Errorf("%v: %s=%v, want %s", tc.params, tc.env, vars[tc.env], name)
			}
		}
	}
}

// environment returns the function's environment variables as the stack
// would set them.
func environment(t *testing.T, tpl cfnTemplate, params map[string]string) map[string]string {
	t.Helper()
	_, fn := resource(t, tpl, "AWS::Lambda::Function", params)
	out := map[string]string{}
	for k, v := range fn["Environment"].(map[string]any)["Variables"].(map[string]any) {
		out[k] = fmt.Sprint(v)
	}
	return out
}

// jwks is a JWKS of n RSA public keys of the given size, as an identity
// provider publishes them (the modulus is random bytes: only its size
// matters here).
func jwks(t *testing.T, n, bits int) string {
	t.Helper()
	var keys []map[string]string
	for i := range n {
		mod := make([]byte, bits/8)
		rand.Read(mod)
		keys = append(keys, map[string]string{"kty": "RSA", "use": "sig", "alg": "RS256",
			"kid": fmt.Sprintf("2026-12-%02d-%x", i+1, mod[:8]), "n": base64.RawURLEncoding.EncodeToString(mod), "e": "AQAB"})
	}
	b, _ := json.Marshal(map[string]any{"keys": keys})
	return string(b)
}

// TestEnvironmentBudget: Lambda refuses more than 4 KB of environment
// variables in all, measured as their JSON, and CloudFormation Rules cannot
// measure strings. The defaults leave most of it to the statement, the ACL
// and the keys; an identity provider's JWKS of two RSA-2048 keys fits
// beside a realistic statement; four RSA-4096 keys do not, and belong in
// JwtKeysArn or JwtKeysParameter, which cost a name.
func TestEnvironmentBudget(t *testing.T) {
	tpl := translate(t, withKey, "as-is")
	size := func(params map[string]string) int {
		return config.EnvironmentBytes(environment(t, tpl, params))
	}
	base := size(withKey)
	t.Logf("environment with the defaults and an HMAC secret: %d bytes of %d", base, config.LambdaEnvLimit)
	if base > config.LambdaEnvLimit/2 {
		t.Errorf("the defaults take %d of the %d bytes", base, config.LambdaEnvLimit)
	}
	statement := "SELECT ts::TIMESTAMP AS ts, level, service, user.id AS user_id, latency_ms::INT64 AS latency_ms, " +
		"status::INT32 AS status, msg, request.path AS path, request.method AS method " +
		"WHERE level <> 'debug' AND service IN ('api', 'web', 'worker') " +
		"PARTITION BY service, strftime(ts::TIMESTAMP, '%Y-%m-%d') AS day"
	realistic := map[string]string{"JwtSecret": "", "JwtKeys": jwks(t, 2, 2048), "Transform": statement,
		"JwtIssuer": "https://login.example.com/", "JwtAudience": "datatap", "Acl": "alice@example.com,bob@example.com,ci@example.com",
		"AllowOrigins": "https://app.example.com"}
	n := size(realistic)
	t.Logf("with a %d-byte statement, a JWKS of two RSA-2048 keys (%d bytes), issuer, audience and three senders: %d bytes",
		len(statement), len(realistic["JwtKeys"]), n)
	if n > config.LambdaEnvLimit {
		t.Errorf("a realistic configuration takes %d bytes, over Lambda's %d", n, config.LambdaEnvLimit)
	}
	big := merge(realistic, map[string]string{"JwtKeys": jwks(t, 4, 4096)})
	n = size(big)
	t.Logf("with a JWKS of four RSA-4096 keys (%d bytes): %d bytes", len(big["JwtKeys"]), n)
	if n <= config.LambdaEnvLimit {
		t.Errorf("four RSA-4096 keys fit (%d bytes): the README's advice to use JwtKeysArn is wrong", n)
	}
	viaSecret := merge(realistic, map[string]string{"JwtKeys": "", "JwtKeysArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:datatap/jwks-AbCdEf"})
	if n = size(viaSecret); n > config.LambdaEnvLimit/2 {
		t.Errorf("with the keys in Secrets Manager the environment is still %d bytes", n)
	}
}

// TestCfnLint runs cfn-lint, CloudFormation's linter, on the template.
func TestCfnLint(t *testing.T) {
	lint, err := exec.LookPath("cfn-lint")
	if err != nil {
		if os.Getenv("DATATAP_REQUIRE_SAM") == "1" {
			t.Fatal("cfn-lint is required (python3 -m pip install cfn-lint)")
		}
		t.Skip("no cfn-lint")
	}
	if out, err := exec.Command(lint, filepath.Join(testenv.RepoRoot(), "sam", "template.yaml")).CombinedOutput(); err != nil {
		t.Errorf("cfn-lint: %v\n%s", err, out)
	}
}

// TestSamBuildInSource: `sam build` (with samconfig.toml, from the
// repository root) runs the Makefile in the source folder instead of
// copying CodeUri — the whole repository, with .tools, bin and
// node_modules after make test — to a scratch folder first. The makefile
// builder supports this (aws-lambda-builders CustomMakeWorkflow: build in
// source optionally supported; SAM CLI's --build-in-source, samconfig
// build_in_source). The build targets write only to ARTIFACTS_DIR, so the
// tree stays clean.
func TestSamBuildInSource(t *testing.T) {
	if err := exec.Command("python3", "-c", "import tomllib").Run(); err != nil {
		if os.Getenv("DATATAP_REQUIRE_SAM") == "1" {
			t.Fatalf("python3.11 (tomllib) is required: %v", err)
		}
		t.Skipf("no python3 with tomllib: %v", err)
	}
	out, err := exec.Command("python3", "-c", `import json, sys, tomllib; print(json.dumps(tomllib.load(open(sys.argv[1], "rb"))))`,
		filepath.Join(testenv.RepoRoot(), "samconfig.toml")).Output()
	if err != nil {
		t.Fatalf("samconfig.toml: %v", err)
	}
	var cfg struct {
		Default struct {
			Build struct {
				Parameters map[string]any
			}
		}
	}
	if err := json.Unmarshal(out, &cfg); err != nil {
		t.Fatal(err)
	}
	p := cfg.Default.Build.Parameters
	if p["build_in_source"] != true || p["template_file"] != "sam/template.yaml" {
		t.Errorf("samconfig.toml [default.build.parameters] = %v, want build_in_source = true and template_file", p)
	}
	if p["use_container"] == true {
		t.Error("use_container does not go with build_in_source")
	}
}

// TestFirehoseOnly: Auth=firehose leaves TAP_AUTH out, so that the tap
// takes Firehose deliveries with the key and refuses everything else (what
// the tap does with the key alone), and passes the key.
func TestFirehoseOnly(t *testing.T) {
	params := map[string]string{"Auth": "firehose", "FirehoseAccessKey": "0123456789abcdef0123456789abcdef"}
	tpl := translate(t, params, "as-is")
	env := environment(t, tpl, params)
	if _, ok := env["TAP_AUTH"]; ok {
		t.Errorf("TAP_AUTH=%s with Auth=firehose, want it unset", env["TAP_AUTH"])
	}
	if env["TAP_FIREHOSE_ACCESS_KEY"] != params["FirehoseAccessKey"] {
		t.Errorf("TAP_FIREHOSE_ACCESS_KEY %q", env["TAP_FIREHOSE_ACCESS_KEY"])
	}
	if env := environment(t, tpl, withKey); env["TAP_AUTH"] != "jwt" {
		t.Errorf("defaults: TAP_AUTH %q, want jwt", env["TAP_AUTH"])
	}
}
