package metrics

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/datatap/datatap/internal/flush"
	"github.com/datatap/datatap/internal/spool"
)

// TestEMF checks the line against the Embedded Metric Format specification:
// a _aws member with Timestamp and CloudWatchMetrics, and every metric and
// dimension named there present as a top-level member.
func TestEMF(t *testing.T) {
	line := Lambda{Mode: "runtime", Function: "tap-Function-AbC"}.EMF(time.UnixMilli(1700000000123), flush.Result{
		Segment: "/tmp/datatap/x.seg", Rows: 90, Filtered: 7, Rejected: 3, BytesIn: 1000, BytesOut: 200,
		FlushTime: 12 * time.Millisecond, UploadTime: 5 * time.Millisecond, Quarantined: 1,
		Lossy: spool.Lossy{RoundedNumbers: 4, DuplicateFields: 5, CastFailures: 6}, Overflowed: 8, TimeFallbacks: 9,
	})
	if line[len(line)-1] != '\n' {
		t.Error("EMF line does not end with a newline")
	}
	var doc map[string]any
	if err := json.Unmarshal(line, &doc); err != nil {
		t.Fatal(err)
	}
	aws := doc["_aws"].(map[string]any)
	if aws["Timestamp"] != float64(1700000000123) {
		t.Errorf("Timestamp %v", aws["Timestamp"])
	}
	directive := aws["CloudWatchMetrics"].([]any)[0].(map[string]any)
	if directive["Namespace"] != "datatap" {
		t.Errorf("Namespace %v", directive["Namespace"])
	}
	dims := directive["Dimensions"].([]any)[0].([]any)
	if len(dims) != 2 || doc["Function"] != "tap-Function-AbC" || doc["Mode"] != "runtime" {
		t.Errorf("dimensions %v, Function %v, Mode %v", dims, doc["Function"], doc["Mode"])
	}
	for _, d := range dims {
		if _, ok := doc[d.(string)]; !ok {
			t.Errorf("dimension %s missing", d)
		}
	}
	want := map[string]float64{"RowsIn": 100, "RowsOut": 90, "Filtered": 7, "Rejected": 3, "BytesIn": 1000, "BytesOut": 200, "FlushTime": 12, "UploadTime": 5, "Quarantined": 1,
		"RoundedNumbers": 4, "DuplicateFields": 5, "CastFailures": 6, "Overflowed": 8, "TimeFallbacks": 9}
	for _, m := range directive["Metrics"].([]any) {
		name := m.(map[string]any)["Name"].(string)
		if doc[name] != want[name] {
			t.Errorf("%s = %v, want %v", name, doc[name], want[name])
		}
		delete(want, name)
	}
	if len(want) > 0 {
		t.Errorf("metrics not declared: %v", want)
	}
}

// TestLost: the shutdown's line of what it could not send is valid EMF with
// both figures declared and present.
func TestLost(t *testing.T) {
	var b strings.Builder
	Lambda{W: &b, Mode: "extension"}.Lost(time.UnixMilli(1700000000123), 2, 4096)
	var doc map[string]any
	if err := json.Unmarshal([]byte(b.String()), &doc); err != nil {
		t.Fatal(err)
	}
	directive := doc["_aws"].(map[string]any)["CloudWatchMetrics"].([]any)[0].(map[string]any)
	want := map[string]float64{"SegmentsLost": 2, "BytesLost": 4096}
	for _, m := range directive["Metrics"].([]any) {
		name := m.(map[string]any)["Name"].(string)
		if doc[name] != want[name] {
			t.Errorf("%s = %v, want %v", name, doc[name], want[name])
		}
		delete(want, name)
	}
	if len(want) > 0 || doc["Mode"] != "extension" {
		t.Errorf("not declared: %v; Mode %v", want, doc["Mode"])
	}
}

// TestPrometheusMovedValues: values that went to the overflow column and
// rows under the arrival-time prefix are counted, not only logged.
func TestPrometheusMovedValues(t *testing.T) {
	r := NewRegistry("test", nil)
	r.Flushed(flush.Result{Rows: 10, Overflowed: 3, TimeFallbacks: 2})
	r.Flushed(flush.Result{Rows: 10, Overflowed: 1})
	var b strings.Builder
	if err := r.WritePrometheus(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\ndatatap_overflowed_values_total 4\n", "\ndatatap_time_fallback_rows_total 2\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("no %q in\n%s", strings.TrimSpace(want), b.String())
		}
	}
}
