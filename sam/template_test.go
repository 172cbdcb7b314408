package sam

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/datatap/datatap/internal/testenv"

	"gopkg.in/yaml.v3"
)

// TestTemplateReferences is a small lint of what cfn-lint would catch first
// (cfn-lint itself comes from PyPI, which this build cannot reach): the YAML
// parses, every !Ref, !Sub variable, !GetAtt and condition names something
// that exists, and every parameter is used.
func TestTemplateReferences(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "sam", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("template.yaml: %v", err)
	}
	root := doc.Content[0]
	section := func(name string) map[string]*yaml.Node {
		out := map[string]*yaml.Node{}
		for i := 0; i+1 < len(root.Content); i += 2 {
			if root.Content[i].Value == name {
				m := root.Content[i+1]
				for j := 0; j+1 < len(m.Content); j += 2 {
					out[m.Content[j].Value] = m.Content[j+1]
				}
			}
		}
		return out
	}
	params, resources, conditions := section("Parameters"), section("Resources"), section("Conditions")
	// SAM generates <Function>Url for FunctionUrlConfig.
	generated := map[string]bool{"FunctionUrl": true}
	known := func(name string) bool {
		name, _, _ = strings.Cut(name, ".")
		return params[name] != nil || resources[name] != nil || generated[name] || strings.HasPrefix(name, "AWS::")
	}
	used := map[string]bool{}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		switch n.Tag {
		case "!Ref":
			if !known(n.Value) {
				t.Errorf("line %d: !Ref %s names nothing", n.Line, n.Value)
			}
			used[n.Value] = true
		case "!GetAtt":
			if !known(n.Value) {
				t.Errorf("line %d: !GetAtt %s names nothing", n.Line, n.Value)
			}
		case "!If":
			if c := n.Content[0].Value; conditions[c] == nil {
				t.Errorf("line %d: !If %s: no such condition", n.Line, c)
			}
		case "!Sub":
			str, vars := n, map[string]bool{}
			if n.Kind == yaml.SequenceNode {
				str = n.Content[0]
				for j := 0; j+1 < len(n.Content[1].Content); j += 2 {
					vars[n.Content[1].Content[j].Value] = true
				}
			}
			for _, part := range strings.Split(str.Value, "${")[1:] {
				name, _, _ := strings.Cut(part, "}")
				if !vars[name] && !known(name) {
					t.Errorf("line %d: !Sub ${%s} names nothing", n.Line, name)
				}
				used[name] = true
			}
		}
		if n.Kind == yaml.MappingNode {
			for j := 0; j+1 < len(n.Content); j += 2 {
				if k := n.Content[j].Value; k == "Condition" && conditions[n.Content[j+1].Value] == nil {
					t.Errorf("line %d: Condition %s: no such condition", n.Line, n.Content[j+1].Value)
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	for _, sec := range []string{"Conditions", "Resources", "Outputs"} {
		for _, n := range section(sec) {
			walk(n)
		}
	}
	for name := range params {
		if !used[name] {
			t.Errorf("parameter %s is never used", name)
		}
	}
	types := map[string]string{}
	for name, r := range resources {
		for j := 0; j+1 < len(r.Content); j += 2 {
			if r.Content[j].Value == "Type" {
				types[name] = r.Content[j+1].Value
			}
		}
	}
	var got []string
	for name, typ := range types {
		got = append(got, name+"="+typ)
	}
	slices.Sort(got)
	want := []string{"Bucket=AWS::S3::Bucket", "Dashboard=AWS::CloudWatch::Dashboard", "Database=AWS::Glue::Database", "ErrorsAlarm=AWS::CloudWatch::Alarm",
		"ExtensionLayer=AWS::Serverless::LayerVersion", "FlushProblemsAlarm=AWS::CloudWatch::Alarm", "Function=AWS::Serverless::Function",
		"FunctionURLInvokeAllowPublicAccess=AWS::Lambda::Permission", "FunctionUrlPublicPermissions=AWS::Lambda::Permission",
		"LogGroup=AWS::Logs::LogGroup", "RejectedLinesAlarm=AWS::CloudWatch::Alarm", "ShutdownLossAlarm=AWS::CloudWatch::Alarm",
		"Table=AWS::Glue::Table", "ThrottlesAlarm=AWS::CloudWatch::Alarm"}
	if !slices.Equal(got, want) {
		t.Errorf("resources %v, want %v", got, want)
	}
}
