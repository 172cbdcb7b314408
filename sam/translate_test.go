package sam

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

// translateScript runs aws-sam-translator (the library `sam deploy` and
// CloudFormation's AWS::Serverless transform use) on a template, with the
// code URIs replaced by S3 URIs as `sam package` replaces them. With
// "literal" it first gives FunctionUrlConfig the literal AuthType NONE and
// drops our own permission resources, to see what the translator itself
// would add.
const translateScript = `
import json, sys
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse
class NoManagedPolicies:
    def load(self): return {}
tpl = yaml_parse(open(sys.argv[1]).read())
for r in tpl["Resources"].values():
    p = r.get("Properties", {})
    for k in ("CodeUri", "ContentUri"):
        if k in p: p[k] = "s3://packaged/" + k
if sys.argv[3] == "literal":
    tpl["Resources"]["Function"]["Properties"]["FunctionUrlConfig"]["AuthType"] = "NONE"
    for name in [n for n, r in tpl["Resources"].items() if r["Type"] == "AWS::Lambda::Permission"]:
        del tpl["Resources"][name]
print(json.dumps(transform(tpl, json.loads(sys.argv[2]), NoManagedPolicies())))
`

type cfnTemplate struct {
	Parameters map[string]struct{ Default any }
	Conditions map[string]any
	Rules      map[string]struct {
		RuleCondition any
		Assertions    []struct {
			Assert            any
			AssertDescription string
		}
	}
	Resources map[string]struct {
		Type       string
		Condition  string
		Properties map[string]any
	}
}

func translate(t *testing.T, params map[string]string, mode string) cfnTemplate {
	t.Helper()
	if err := exec.Command("python3", "-c", "import samtranslator").Run(); err != nil {
		if os.Getenv("DATATAP_REQUIRE_SAM") == "1" {
			t.Fatalf("aws-sam-translator is required (python3 -m pip install aws-sam-translator): %v", err)
		}
		t.Skipf("no aws-sam-translator for python3: %v", err)
	}
	p, _ := json.Marshal(params)
	cmd := exec.Command("python3", "-c", translateScript, filepath.Join(repoRoot(), "sam", "template.yaml"), string(p), mode)
	cmd.Env = append(os.Environ(), "AWS_DEFAULT_REGION=us-east-1") // the translator wants a region for ARNs, nothing else
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("aws-sam-translator: %v\n%s", err, stderr)
	}
	var tpl cfnTemplate
	if err := json.Unmarshal(out, &tpl); err != nil {
		t.Fatal(err)
	}
	return tpl
}

// eval evaluates a condition or rule expression of the translated template
// for the given parameters (others take their defaults): Fn::Equals of Refs
// and strings, Fn::Not, Fn::And, Fn::Or, which is all the template uses.
func eval(t *testing.T, tpl cfnTemplate, expr any, params map[string]string) bool {
	t.Helper()
	value := func(v any) string {
		m, ok := v.(map[string]any)
		if !ok {
			return v.(string)
		}
		name := m["Ref"].(string)
		if v, ok := params[name]; ok {
			return v
		}
		return fmt.Sprint(tpl.Parameters[name].Default)
	}
	for op, a := range expr.(map[string]any) {
		args, _ := a.([]any)
		switch op {
		case "Fn::Equals":
			return value(args[0]) == value(args[1])
		case "Fn::Not":
			return !eval(t, tpl, args[0], params)
		case "Fn::And", "Fn::Or":
			for _, a := range args {
				if eval(t, tpl, a, params) == (op == "Fn::Or") {
					return op == "Fn::Or"
				}
			}
			return op == "Fn::And"
		}
	}
	t.Fatalf("cannot evaluate %v", expr)
	return false
}

// holds evaluates the named condition.
func holds(t *testing.T, tpl cfnTemplate, name string, params map[string]string) bool {
	t.Helper()
	return eval(t, tpl, tpl.Conditions[name], params)
}

// refused returns the descriptions of the Rules assertions that fail for
// params: what CloudFormation would refuse the stack with.
func refused(t *testing.T, tpl cfnTemplate, params map[string]string) []string {
	t.Helper()
	var out []string
	for _, r := range tpl.Rules {
		if r.RuleCondition != nil && !eval(t, tpl, r.RuleCondition, params) {
			continue
		}
		for _, a := range r.Assertions {
			if !eval(t, tpl, a.Assert, params) {
				out = append(out, a.AssertDescription)
			}
		}
	}
	return out
}

// TestRulesRefuseBrokenStacks: parameter sets with which every invocation
// would fail at init are refused at deploy time, with a message; the ones
// that work pass.
func TestRulesRefuseBrokenStacks(t *testing.T) {
	tpl := translate(t, map[string]string{}, "as-is")
	secret := "s3cr3t-of-at-least-32-bytes-long!!"
	for _, tc := range []struct {
		params map[string]string
		refuse bool
	}{
		{map[string]string{}, true}, // the defaults: jwt without a key or an ACL
		{map[string]string{"JwtSecret": secret}, true},
		{map[string]string{"Acl": "*"}, true},
		{map[string]string{"JwtSecret": secret, "Acl": "alice@example.com"}, false},
		{map[string]string{"JwtKeys": `{"keys":[]}`, "Acl": "*"}, false},
		{map[string]string{"Auth": "none"}, false},
		{map[string]string{"UrlAuthType": "AWS_IAM"}, true},
		{map[string]string{"UrlAuthType": "AWS_IAM", "Acl": "arn:aws:iam::123456789012:role/*"}, false},
	} {
		got := refused(t, tpl, tc.params)
		if (len(got) > 0) != tc.refuse {
			t.Errorf("%v: refused %v, want refused %v", tc.params, got, tc.refuse)
		}
	}
}

// TestFunctionURLIsReachable: the stack CloudFormation creates from the
// template answers requests. A NONE-auth Function URL needs two resource-
// policy statements, which aws-sam-translator does not add when AuthType is
// a !Ref (a default deploy would get 403 on every request); the template
// adds them under a condition: both with UrlAuthType NONE (the default),
// neither with AWS_IAM, and the same as the translator's own for a literal
// NONE.
func TestFunctionURLIsReachable(t *testing.T) {
	permissions := func(tpl cfnTemplate, params map[string]string) map[string]map[string]any {
		out := map[string]map[string]any{}
		for name, r := range tpl.Resources {
			if r.Type == "AWS::Lambda::Permission" && (r.Condition == "" || holds(t, tpl, r.Condition, params)) {
				out[name] = r.Properties
			}
		}
		return out
	}
	defaults := map[string]string{"UrlAuthType": "NONE", "JwtSecret": "s3cr3t-of-at-least-32-bytes-long!!", "Acl": "*"}
	ours := permissions(translate(t, defaults, "as-is"), defaults)
	var actions []string
	for _, p := range ours {
		actions = append(actions, p["Action"].(string))
	}
	slices.Sort(actions)
	if !slices.Equal(actions, []string{"lambda:InvokeFunction", "lambda:InvokeFunctionUrl"}) {
		t.Errorf("UrlAuthType NONE: permissions for %v, want lambda:InvokeFunction and lambda:InvokeFunctionUrl: %v", actions, ours)
	}
	// The translator's own statements for a literal NONE, the reference.
	reference := permissions(translate(t, defaults, "literal"), defaults)
	if !reflect.DeepEqual(ours, reference) {
		t.Errorf("the template's permissions differ from aws-sam-translator's for a literal NONE:\n ours %v\n  its %v", ours, reference)
	}
	iam := map[string]string{"UrlAuthType": "AWS_IAM", "Acl": "arn:aws:iam::123456789012:role/sender"}
	if got := permissions(translate(t, iam, "as-is"), iam); len(got) != 0 {
		t.Errorf("UrlAuthType AWS_IAM: public permissions %v, want none", got)
	}
}
