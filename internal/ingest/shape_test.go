package ingest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fastjson"

	"github.com/datatap/datatap/internal/spool"
	"github.com/datatap/datatap/transform"
)

func newShaped(t testing.TB, stmt string, shapes Shapes) (*Ingester, *spool.Spool) {
	t.Helper()
	prog, err := transform.Compile(stmt)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := spool.Open(t.TempDir(), spool.HeaderFor(prog), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	return New(prog, sp, Limits{MaxBodyBytes: 1 << 20, MaxLineBytes: 100}, shapes), sp
}

func TestIngestShapes(t *testing.T) {
	long := `{"a":"` + strings.Repeat("x", 120) + `"}`
	f := func(unnest, body, want string) {
		t.Helper()
		in, sp := newShaped(t, "SELECT a", Shapes{Unnest: unnest})
		if _, err := in.Ingest([]byte(body), ""); err != nil {
			t.Fatalf("%q: %v", body, err)
		}
		if got := strings.Join(spooledOrNone(t, sp), "|"); got != want {
			t.Errorf("TAP_UNNEST=%q, body %q:\n got %s\nwant %s", unnest, body, got, want)
		}
	}
	// A JSON array, with or without TAP_UNNEST; white space anywhere;
	// pretty-printed over several lines.
	f("", `[{"a":1},{"a":2}]`, "a=1|a=2")
	f("logs", " \r\n[ {\"a\":1} ,\n\t{\"a\":2}\n]\n", "a=1|a=2")
	f("", "\xef\xbb\xbf[{\"a\":1}]", "a=1")
	f("", `[]`, "")
	// Elements that are not objects, too long, or malformed are rejected
	// lines, as lines would be; the rest of the array still lands.
	f("", `[{"a":1},2,"s",null,[3],{"a":}, `+long+`,{"a":3}]`,
		`a=1|rejected: `+rejectedReason(t, "2")+`: 2|rejected: `+rejectedReason(t, `"s"`)+`: "s"|rejected: `+rejectedReason(t, "null")+`: null|`+
			`rejected: `+rejectedReason(t, "[3]")+`: [3]|rejected: `+rejectedReason(t, `{"a":}`)+`: {"a":}|`+
			`rejected: line too long (128 b: `+long[:100]+`|a=3`)
	// Several arrays in one body, and an array then objects.
	f("", "[{\"a\":1}]\n[{\"a\":2}]\n{\"a\":3}", "a=1|a=2|a=3")
	// Broken framing: read as NDJSON lines, nothing lost.
	f("", "[{\"a\":1},\n{\"a\":2}", `rejected: `+rejectedReason(t, `[{"a":1},`)+`: [{"a":1},|a=2`)
	f("", `[{"a":1}{"a":2}]`, `rejected: `+rejectedReason(t, `[{"a":1}{"a":2}]`)+`: [{"a":1}{"a":2}]`)
	f("", `[{"a":"1]`, `rejected: `+rejectedReason(t, `[{"a":"1]`)+`: [{"a":"1]`)
	// Envelopes: only with TAP_UNNEST, only the named member, only when it
	// is an array; other members are not stored.
	f("logs", `{"source":"x","logs":[{"a":1},{"a":2}],"n":3}`, "a=1|a=2")
	f("", `{"logs":[{"a":1},{"a":2}]}`, `a=null`)
	f("metrics", `{"logs":[{"a":1}]}`, `a=null`)
	f("logs", `{"logs":{"a":1}}`, `a=null`)
	f("logs", `{"logs":[]}`, "")
	f("logs", "{\"logs\":[{\"a\":1}]}\n{\"logs\":[{\"a\":2}]}\n{\"a\":3}\n", "a=1|a=2|a=3")
	// Plain NDJSON with TAP_UNNEST set is NDJSON.
	f("logs", "{\"a\":1}\n{\"a\":2}\n", "a=1|a=2")
	f("logs", "{\"a\":1,\"logs\":\"no\"}\n{\"logs\":[{\"a\":2}]}\n", "a=1|a=null")
	// An envelope whose framing breaks later: lines.
	f("logs", "{\"logs\":[{\"a\":1}]}\n{\"a\":", `a=null|rejected: `+rejectedReason(t, `{"a":`)+`: {"a":`)
}

// spooledOrNone is spooled, or nothing when no segment was opened.
func spooledOrNone(t *testing.T, sp *spool.Spool) []string {
	t.Helper()
	if sp.Stats().OpenBytes == 0 {
		return nil
	}
	return spooled(t, sp)
}

func rejectedReason(t testing.TB, line string) string {
	t.Helper()
	var p fastjson.Parser
	_, err := transform.ParseRecord(&p, []byte(line))
	if err == nil {
		t.Fatalf("%q parses", line)
	}
	return err.Error()[:min(20, len(err.Error()))]
}

func TestFirehose(t *testing.T) {
	const key = "k3y"
	now := time.UnixMilli(1700000000123)
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	body := `{"requestId":"ed4acda5-034f-9f42-bba1-f29aea6d7d8f","timestamp":1578090901599,"records":[` +
		`{"data":"` + b64(`{"a":1}`) + `"},{"data":"` + b64("{\"a\":2}\n{\"a\":3}\n") + `"},` +
		`{"data":"` + b64(`[{"a":4},{"a":5}]`) + `"},{"data":"not base64!"},{"data":""},{"nodata":1},{"data":123}]}`
	f := func(req FirehoseRequest, wantStatus int, wantBody, wantRows string) {
		t.Helper()
		in, sp := newShaped(t, "SELECT a", Shapes{FirehoseAccessKey: key})
		in.now = func() time.Time { return now }
		if !in.TakesFirehose(req.RequestID) {
			t.Fatalf("TakesFirehose(%q) false", req.RequestID)
		}
		ans := in.Firehose(req)
		if ans.Status != wantStatus || string(ans.Body) != wantBody {
			t.Errorf("answer %d %s (%v)\nwant %d %s", ans.Status, ans.Body, ans.Err, wantStatus, wantBody)
		}
		if !json.Valid(ans.Body) {
			t.Errorf("answer body is not JSON: %s", ans.Body)
		}
		if wantRows == "" {
			if st := sp.Stats(); st.OpenBytes != 0 {
				t.Errorf("spooled %d bytes for a refused request", st.OpenBytes)
			}
			return
		}
		if got := strings.Join(spooled(t, sp), "|"); got != wantRows {
			t.Errorf("rows %s\nwant %s", got, wantRows)
		}
	}
	ok := `{"requestId":"ed4acda5-034f-9f42-bba1-f29aea6d7d8f","timestamp":1700000000123}`
	// A record that is not base64, or has no data, is kept whole as a
	// rejected line, with why; an empty one holds nothing.
	rows := `a=1|a=2|a=3|a=4|a=5|rejected: firehose record data: not base64!|rejected: firehose record with: {"nodata":1}|rejected: firehose record with: {"data":123}`
	f(FirehoseRequest{RequestID: "ed4acda5-034f-9f42-bba1-f29aea6d7d8f", AccessKey: key, Body: []byte(body)}, 200, ok, rows)
	f(FirehoseRequest{RequestID: "ed4acda5-034f-9f42-bba1-f29aea6d7d8f", AccessKey: key, ContentEncoding: "gzip", Body: gz([]byte(body))}, 200, ok, rows)
	f(FirehoseRequest{RequestID: "r1", AccessKey: "k3", Body: []byte(body)}, http.StatusUnauthorized,
		`{"requestId":"r1","timestamp":1700000000123,"errorMessage":"`+ErrFirehoseAccessKey.Error()+`"}`, "")
	f(FirehoseRequest{RequestID: "r1", Body: []byte(body)}, http.StatusUnauthorized,
		`{"requestId":"r1","timestamp":1700000000123,"errorMessage":"`+ErrFirehoseAccessKey.Error()+`"}`, "")
	f(FirehoseRequest{RequestID: "r2", AccessKey: key, Body: []byte(`{"records":`)}, http.StatusBadRequest,
		`{"requestId":"r2","timestamp":1700000000123,"errorMessage":"body cannot be decoded: firehose: the body is not JSON: cannot parse JSON: cannot parse object: cannot parse object value: cannot parse empty string; unparsed tail: \"\""}`, "")
	f(FirehoseRequest{RequestID: "r3", AccessKey: key, Body: []byte(`{"requestId":"r3"}`)}, http.StatusBadRequest,
		`{"requestId":"r3","timestamp":1700000000123,"errorMessage":"body cannot be decoded: firehose: no records array"}`, "")
	f(FirehoseRequest{RequestID: "r4", AccessKey: key, ContentEncoding: "gzip", Body: []byte(body)}, http.StatusBadRequest,
		`{"requestId":"r4","timestamp":1700000000123,"errorMessage":"body cannot be decoded: gzip: gzip: invalid header"}`, "")

	// Off without a key: the header alone changes nothing.
	in, _ := newShaped(t, "SELECT a", Shapes{})
	if in.TakesFirehose("r1") {
		t.Error("TakesFirehose without TAP_FIREHOSE_ACCESS_KEY")
	}
	in, _ = newShaped(t, "SELECT a", Shapes{FirehoseAccessKey: key})
	if in.TakesFirehose("") {
		t.Error("TakesFirehose without the header")
	}
}
