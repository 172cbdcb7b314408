package sam

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/datatap/datatap/internal/testenv"
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
	Parameters map[string]struct {
		Type    string
		Default any
	}
	Conditions map[string]any
	Rules      map[string]struct {
		RuleCondition any
		Assertions    []struct {
			Assert            any
			AssertDescription string
		}
	}
	Resources map[string]struct {
		Type           string
		Condition      string
		DeletionPolicy string
		Properties     map[string]any
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
	cmd := exec.Command("python3", "-c", translateScript, filepath.Join(testenv.RepoRoot(), "sam", "template.yaml"), string(p), mode)
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

// noValue is what Ref AWS::NoValue resolves to: the property or list
// element is left out.
type noValue struct{}

// resolve evaluates the intrinsic functions of the translated template in v
// for the given parameters (others take their defaults), as CloudFormation
// would: Ref (parameters, pseudo parameters, and resources as "<Ref Name>"),
// Fn::If, Fn::Sub, Fn::Join, Fn::Split, Fn::Select, Fn::Equals, Fn::Not,
// Fn::And, Fn::Or, and Fn::GetAtt as "<GetAtt Name.Attr>". Pseudo
// parameters can be set in params too ("AWS::StackName").
func resolve(t *testing.T, tpl cfnTemplate, v any, params map[string]string) any {
	t.Helper()
	str := func(v any) string {
		s, ok := resolve(t, tpl, v, params).(string)
		if !ok {
			t.Fatalf("%v: not a string", v)
		}
		return s
	}
	list := func(v any) []any {
		l, ok := resolve(t, tpl, v, params).([]any)
		if !ok {
			t.Fatalf("%v: not a list", v)
		}
		return l
	}
	truth := func(v any) bool {
		b, ok := resolve(t, tpl, v, params).(bool)
		if !ok {
			t.Fatalf("%v: not a condition", v)
		}
		return b
	}
	switch v := v.(type) {
	case []any:
		out := []any{}
		for _, e := range v {
			if r := resolve(t, tpl, e, params); r != (noValue{}) {
				out = append(out, r)
			}
		}
		return out
	case map[string]any:
		if len(v) == 1 {
			for op, a := range v {
				args, _ := a.([]any)
				switch op {
				case "Ref":
					return ref(tpl, a.(string), params)
				case "Fn::GetAtt":
					return fmt.Sprintf("<GetAtt %v>", a)
				case "Condition":
					return holds(t, tpl, a.(string), params)
				case "Fn::If":
					if holds(t, tpl, args[0].(string), params) {
						return resolve(t, tpl, args[1], params)
					}
					return resolve(t, tpl, args[2], params)
				case "Fn::Equals":
					return fmt.Sprint(resolve(t, tpl, args[0], params)) == fmt.Sprint(resolve(t, tpl, args[1], params))
				case "Fn::Not":
					return !truth(args[0])
				case "Fn::And", "Fn::Or":
					for _, a := range args {
						if truth(a) == (op == "Fn::Or") {
							return op == "Fn::Or"
						}
					}
					return op == "Fn::And"
				case "Fn::Join":
					var parts []string
					for _, p := range list(args[1]) {
						parts = append(parts, p.(string))
					}
					return strings.Join(parts, args[0].(string))
				case "Fn::Split":
					var out []any
					for _, p := range strings.Split(str(args[1]), args[0].(string)) {
						out = append(out, p)
					}
					return out
				case "Fn::Select":
					return list(args[1])[int(args[0].(float64))]
				case "Fn::Sub":
					text, vars := "", map[string]any{}
					if s, ok := a.(string); ok {
						text = s
					} else {
						text, vars = args[0].(string), args[1].(map[string]any)
					}
					return regexp.MustCompile(`\$\{([^}]+)\}`).ReplaceAllStringFunc(text, func(m string) string {
						name := m[2 : len(m)-1]
						if v, ok := vars[name]; ok {
							return str(v)
						}
						if strings.Contains(name, ".") {
							return fmt.Sprintf("<GetAtt %s>", name)
						}
						return fmt.Sprint(ref(tpl, name, params))
					})
				}
			}
		}
		out := map[string]any{}
		for k, e := range v {
			if r := resolve(t, tpl, e, params); r != (noValue{}) {
				out[k] = r
			}
		}
		return out
	}
	return v
}

func ref(tpl cfnTemplate, name string, params map[string]string) any {
	pseudo := map[string]string{"AWS::StackName": "teststack", "AWS::Region": "us-east-1",
		"AWS::Partition": "aws", "AWS::AccountId": "123456789012", "AWS::URLSuffix": "amazonaws.com"}
	if name == "AWS::NoValue" {
		return noValue{}
	}
	p, isParam := tpl.Parameters[name]
	v, given := params[name]
	switch {
	case !given && isParam:
		v = fmt.Sprint(p.Default)
	case !given && pseudo[name] != "":
		v = pseudo[name]
	case !given:
		return "<Ref " + name + ">"
	}
	if p.Type == "CommaDelimitedList" {
		var out []any
		for _, e := range strings.Split(v, ",") {
			out = append(out, strings.TrimSpace(e))
		}
		return out
	}
	return v
}

// eval evaluates a condition or rule expression.
func eval(t *testing.T, tpl cfnTemplate, expr any, params map[string]string) bool {
	t.Helper()
	b, ok := resolve(t, tpl, expr, params).(bool)
	if !ok {
		t.Fatalf("cannot evaluate %v", expr)
	}
	return b
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
	arn := "arn:aws:secretsmanager:us-east-1:123456789012:secret:datatap/jwt-AbCdEf"
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
		// A key from Secrets Manager or Parameter Store counts as a key.
		{map[string]string{"JwtSecretArn": arn, "Acl": "*"}, false},
		{map[string]string{"JwtSecretParameter": "/datatap/jwt", "Acl": "*"}, false},
		{map[string]string{"JwtKeysArn": arn, "Acl": "*"}, false},
		{map[string]string{"JwtKeysParameter": "/datatap/keys", "Acl": "*"}, false},
		{map[string]string{"JwtSecretArn": arn}, true}, // still no Acl
		// One source per key (the tap refuses two at start).
		{map[string]string{"JwtSecret": secret, "JwtSecretArn": arn, "Acl": "*"}, true},
		{map[string]string{"JwtSecretArn": arn, "JwtSecretParameter": "/datatap/jwt", "Acl": "*"}, true},
		{map[string]string{"JwtKeys": `{"keys":[]}`, "JwtKeysParameter": "/datatap/keys", "Acl": "*"}, true},
		{map[string]string{"JwtSecret": secret, "JwtKeysArn": arn, "Acl": "*"}, false}, // a secret and keys: both kinds of token
		// Firehose only needs its key, and no JWT settings.
		{map[string]string{"Auth": "firehose"}, true},
		{map[string]string{"Auth": "firehose", "FirehoseAccessKey": secret}, false},
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
