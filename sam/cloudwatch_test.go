package sam

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/datatap/datatap/internal/flush"
	"github.com/datatap/datatap/internal/metrics"
)

// emitted returns the EMF metric names the binary writes (a flush, a failed
// flush, a loss at shutdown), read from the lines themselves, and the
// dimensions they carry.
func emitted(t *testing.T) (names map[string]bool, dims []string) {
	t.Helper()
	var b bytes.Buffer
	l := metrics.Lambda{W: &b, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Mode: "runtime", Function: "fn"}
	l.Flushed(flush.Result{})
	l.FlushFailed(time.Now())
	l.Lost(time.Now(), 1, 1)
	names = map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		var doc struct {
			AWS struct {
				CloudWatchMetrics []struct {
					Namespace  string
					Dimensions [][]string
					Metrics    []struct{ Name string }
				}
			} `json:"_aws"`
		}
		if err := json.Unmarshal([]byte(line), &doc); err != nil {
			t.Fatal(err)
		}
		for _, d := range doc.AWS.CloudWatchMetrics {
			dims = d.Dimensions[0]
			for _, m := range d.Metrics {
				names[m.Name] = true
			}
		}
	}
	return names, dims
}

// TestDashboardAndAlarms: the dashboard's body is valid JSON once
// CloudFormation has substituted it, and every datatap metric the dashboard
// and the alarms read is one the binary writes, with its dimensions; the
// alarms notify AlarmTopicArn only when it is set.
func TestDashboardAndAlarms(t *testing.T) {
	names, dims := emitted(t)
	if strings.Join(dims, ",") != "Function,Mode" {
		t.Fatalf("EMF dimensions %v, want Function and Mode", dims)
	}
	tpl := translate(t, withKey, "as-is")

	_, dash := resource(t, tpl, "AWS::CloudWatch::Dashboard", withKey)
	var body struct {
		Widgets []struct {
			Properties struct {
				Title   string
				Metrics [][]any
			}
		}
	}
	if err := json.Unmarshal([]byte(dash["DashboardBody"].(string)), &body); err != nil {
		t.Fatalf("dashboard body is not JSON once substituted: %v\n%s", err, dash["DashboardBody"])
	}
	read := 0
	for _, w := range body.Widgets {
		for _, row := range w.Properties.Metrics {
			if ns, ok := row[0].(string); ok && ns == "datatap" {
				read++
				if !names[row[1].(string)] {
					t.Errorf("widget %q reads datatap/%s, which the binary does not write", w.Properties.Title, row[1])
				}
				if row[2] != "Function" || row[3] != "<Ref Function>" || row[4] != "Mode" {
					t.Errorf("widget %q: %v, want the Function and Mode dimensions", w.Properties.Title, row)
				}
			}
		}
	}
	if read < 10 {
		t.Errorf("the dashboard reads %d datatap metrics", read)
	}

	alarms := func(params map[string]string) map[string]map[string]any {
		out := map[string]map[string]any{}
		for name, r := range tpl.Resources {
			if r.Type == "AWS::CloudWatch::Alarm" {
				out[name] = resolve(t, tpl, r.Properties, params).(map[string]any)
			}
		}
		return out
	}
	quiet := alarms(withKey)
	if len(quiet) != 5 {
		t.Fatalf("%d alarms, want 5 (flush problems, rejected lines, shutdown loss, errors, throttles)", len(quiet))
	}
	for name, a := range quiet {
		if a["AlarmActions"] != nil {
			t.Errorf("%s notifies %v without AlarmTopicArn", name, a["AlarmActions"])
		}
		if a["TreatMissingData"] != "notBreaching" {
			t.Errorf("%s: a quiet tap (no metrics) must not alarm", name)
		}
		var stats []map[string]any
		if m, ok := a["Metrics"].([]any); ok {
			for _, q := range m {
				if s, ok := q.(map[string]any)["MetricStat"]; ok {
					stats = append(stats, s.(map[string]any)["Metric"].(map[string]any))
				}
			}
		} else {
			stats = append(stats, a)
		}
		for _, m := range stats {
			if m["Namespace"] == "datatap" && !names[m["MetricName"].(string)] {
				t.Errorf("%s reads datatap/%s, which the binary does not write", name, m["MetricName"])
			}
			if dims := fmt.Sprint(m["Dimensions"]); !strings.Contains(dims, "<Ref Function>") {
				t.Errorf("%s: dimensions %s do not name the function", name, dims)
			}
		}
	}
	const topic = "arn:aws:sns:us-east-1:123456789012:ops"
	for name, a := range alarms(merge(withKey, map[string]string{"AlarmTopicArn": topic, "RejectedRatioThreshold": "0.2"})) {
		got, _ := json.Marshal([]any{a["AlarmActions"], a["OKActions"]})
		if string(got) != `[["`+topic+`"],["`+topic+`"]]` {
			t.Errorf("%s with AlarmTopicArn: actions %s", name, got)
		}
		if strings.Contains(name, "Rejected") && a["Threshold"] != "0.2" {
			t.Errorf("%s: threshold %v, want RejectedRatioThreshold", name, a["Threshold"])
		}
	}
}
