package server

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/datatap/datatap/internal/auth"
)

// scrape reads GET /metrics as Prometheus would, with its own parser.
func scrape(t *testing.T, url, token string) map[string]*dto.MetricFamily {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url+"/metrics", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET /metrics: %d %s", resp.StatusCode, b)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q", ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("GET /metrics is not the Prometheus text format: %v", err)
	}
	return fams
}

// value returns the sample of family name whose labels include want
// (label=value pairs), counter, gauge or histogram count.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, want ...string) float64 {
	t.Helper()
	f, ok := fams[name]
	if !ok {
		t.Fatalf("no metric %s", name)
	}
next:
	for _, m := range f.Metric {
		labels := map[string]string{}
		for _, l := range m.Label {
			labels[l.GetName()] = l.GetValue()
		}
		for i := 0; i < len(want); i += 2 {
			if labels[want[i]] != want[i+1] {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	t.Fatalf("no sample of %s with %v", name, want)
	return 0
}

// TestMetricsAgreeWithTheAnswers posts requests with accepted, filtered and
// rejected lines, flushes them (TAP_SYNC), and checks that GET /metrics,
// parsed by Prometheus' own parser, and GET /stats count what the answers
// said, and that both are behind the gate when auth is on.
func TestMetricsAgreeWithTheAnswers(t *testing.T) {
	const secret = "0123456789abcdef0123456789abcdef"
	url, _, _ := start(t, "TAP_TRANSFORM", "SELECT * WHERE n > 0", "TAP_SYNC", "true",
		"TAP_JWT_SECRET", secret, "TAP_ACL", "ops@example.com")
	token, _ := auth.Mint(secret, "", "ops@example.com", time.Hour, "", "", time.Now())

	var sent int64
	var accepted, filtered, rejected float64
	for i := range 5 {
		body := fmt.Sprintf(`{"n":%d}`+"\n"+`{"n":0}`+"\n"+`not json %d`+"\n"+`{"n":%d,"s":"x"}`, i+1, i, i+2)
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		r := do(t, req)
		if r.status != 200 {
			t.Fatalf("post: %d %v", r.status, r.body)
		}
		sent += int64(len(body))
		accepted += r.body["accepted"].(float64)
		filtered += r.body["filtered"].(float64)
		rejected += r.body["rejected"].(float64)
	}
	// One request refused by the gate, counted by its status.
	if r := post(t, url, "", []byte(`{"n":1}`)); r.status != 401 {
		t.Fatalf("without a token: %d", r.status)
	}

	fams := scrape(t, url, token)
	check := func(name string, got, want float64) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	check("lines accepted", value(t, fams, "datatap_lines_total", "outcome", "accepted"), accepted)
	check("lines filtered", value(t, fams, "datatap_lines_total", "outcome", "filtered"), filtered)
	check("lines rejected", value(t, fams, "datatap_lines_total", "outcome", "rejected"), rejected)
	check("requests 200", value(t, fams, "datatap_requests_total", "code", "200"), 5)
	check("requests 401", value(t, fams, "datatap_requests_total", "code", "401"), 1)
	check("body bytes", value(t, fams, "datatap_request_body_bytes_total"), float64(sent))
	check("flushed rows", value(t, fams, "datatap_flushed_rows_total"), accepted)
	check("flushes ok", value(t, fams, "datatap_flushes_total", "result", "ok"), 5)
	check("flush durations", value(t, fams, "datatap_flush_duration_seconds"), 5)
	check("spool bytes", value(t, fams, "datatap_spool_bytes"), 0)
	// Five Parquet files and five error outputs.
	check("objects", value(t, fams, "datatap_objects_total"), 10)
	if value(t, fams, "datatap_uploaded_bytes_total") <= 0 {
		t.Error("no bytes uploaded")
	}

	req, _ := http.NewRequest(http.MethodGet, url+"/stats", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Accepted int64 `json:"accepted"`
		Recent   []struct {
			Rows    int64 `json:"rows"`
			Objects []struct {
				Key  string `json:"key"`
				Rows int64  `json:"rows"`
			} `json:"objects"`
		} `json:"flushes_recent"`
		Rejected []struct{ Reason, Line string } `json:"rejected_recent"`
		Seconds  []map[string]int64              `json:"seconds"`
	}
	err = json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if st.Accepted != int64(accepted) || len(st.Recent) != 5 || len(st.Rejected) != 5 || len(st.Seconds) == 0 {
		t.Fatalf("stats: %+v", st)
	}
	f := st.Recent[0]
	if len(f.Objects) != 2 || !strings.HasSuffix(f.Objects[0].Key, ".parquet") || f.Objects[0].Rows != f.Rows || f.Objects[1].Rows != 1 {
		t.Errorf("last flush: %+v", f)
	}
	if r := st.Rejected[0]; !strings.HasPrefix(r.Line, "not json 4") || r.Reason == "" {
		t.Errorf("last rejected line: %+v", r)
	}

	// The figures need the token; the page itself holds none and does not.
	for _, path := range []string{"/metrics", "/stats"} {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("GET %s without a token: %d, want 401", path, resp.StatusCode)
		}
	}
	resp, err = http.Get(url + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "<title>datatap</title>") || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("GET /: %d %s", resp.StatusCode, resp.Header)
	}
}

// TestLiveFiguresRefuseOtherSites: on a tap without tokens, a page of
// another site must not read the figures.
func TestLiveFiguresRefuseOtherSites(t *testing.T) {
	url, _, _ := start(t)
	req, _ := http.NewRequest(http.MethodGet, url+"/stats", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("cross-site GET /stats: %d, want 403", resp.StatusCode)
	}
	scrape(t, url, "") // and a program on this machine reads them
}
