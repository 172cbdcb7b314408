package lambda

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/datatap/datatap/internal/spool"
)

// spooledText is every row and rejected line in the runtime's spool, as
// text: name=value pairs for rows.
func spooledText(t *testing.T, r *Runtime) []string {
	t.Helper()
	path, err := r.spool.Seal()
	if err != nil || path == "" {
		return nil
	}
	rd, err := spool.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	var out []string
	var rec spool.Record
	for rd.Next(&rec) == nil {
		switch rec.Kind {
		case spool.KindRejected:
			out = append(out, "rejected: "+string(rec.Line))
		case spool.KindRow:
			var b []byte
			for _, f := range rec.Fields {
				b = append(b, f.Name+"="...)
				b = f.Value.AppendJSON(b)
				b = append(b, ' ')
			}
			out = append(out, strings.TrimSpace(string(b)))
		}
	}
	return out
}

func handleFile(t *testing.T, r *Runtime, file string) ([]byte, error) {
	t.Helper()
	payload, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	return r.handle(context.Background(), r.log, &invocation{RequestID: "r1", Payload: payload})
}

func TestCloudWatchLogs(t *testing.T) {
	r := newTestRuntime(t, "TAP_TRANSFORM", "SELECT *")
	resp, err := handleFile(t, r, "cloudwatch_logs.json")
	if err != nil {
		t.Fatal(err)
	}
	if string(resp) != `{"accepted":5,"filtered":0,"rejected":0}` {
		t.Errorf("response %s", resp)
	}
	meta := func(n int) string {
		return `awslogs={"owner":"123456789012","logGroup":"/aws/lambda/checkout","logStream":"2026/12/02/[$LATEST]a1b2c3d4e5f60718293a4b5c6d7e8f90",` +
			`"id":"37191585364025786357428429468493765347069613536520421` + strconv.Itoa(376+n) + `","timestamp":` + strconv.Itoa(1795397491000+n) + `}`
	}
	want := []string{
		// A JSON message is the row, its fields columns; the metadata is nested.
		meta(0) + ` timestamp="2026-12-02T05:31:31.000Z" level="INFO" requestId="79b4f56e-95b1-4643-9700-2807f4e68189" message="order placed"`,
		// A text message is {"message": text}, kept as it came.
		meta(1) + ` message="START RequestId: 79b4f56e-95b1-4643-9700-2807f4e68189 Version: $LATEST\n"`,
		meta(2) + ` level="debug" message="dropped by the WHERE clause"`,
		// Text that only looks like JSON stays text.
		meta(3) + ` message="{\"not\": json"`,
		meta(4),
	}
	got := spooledText(t, r)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The statement applies as to any row.
	r = newTestRuntime(t) // SELECT * WHERE level <> 'debug'
	if resp, err := handleFile(t, r, "cloudwatch_logs.json"); err != nil || string(resp) != `{"accepted":1,"filtered":4,"rejected":0}` {
		t.Errorf("with a WHERE clause: %s %v", resp, err)
	}

	// The control message is answered and ignored.
	r = newTestRuntime(t)
	if resp, err := handleFile(t, r, "cloudwatch_logs_control.json"); err != nil || string(resp) != `{"accepted":0,"filtered":0,"rejected":0}` {
		t.Errorf("control message: %s %v", resp, err)
	}
	if n := spooledRows(t, r); n != 0 {
		t.Errorf("control message: %d rows spooled", n)
	}

	// Undecodable data fails the invocation, so that Lambda retries it and
	// then hands it to the on-failure destination.
	for file, wantErr := range map[string]string{
		"cloudwatch_logs_bad_base64.json": "awslogs.data is not valid base64",
		"cloudwatch_logs_not_gzip.json":   "awslogs.data is not gzip",
	} {
		r = newTestRuntime(t)
		if _, err := handleFile(t, r, file); err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("%s: error %v, want %q", file, err, wantErr)
		}
	}

	// A full spool fails the invocation too (Lambda retries it later).
	r = newTestRuntime(t, "TAP_SPOOL_MAX_BYTES", "300", "TAP_FLUSH_BYTES", "100")
	if _, err := handleFile(t, r, "cloudwatch_logs.json"); err == nil || !strings.Contains(err.Error(), "spool") {
		t.Errorf("full spool: error %v", err)
	}
}

func TestFirehoseThroughFunctionURL(t *testing.T) {
	const key = "0123456789abcdef0123456789abcdef" // the event's X-Amz-Firehose-Access-Key
	f := func(vars []string, wantStatus int, wantBody string, wantRows int) {
		t.Helper()
		r := newTestRuntime(t, vars...)
		resp, err := handleFile(t, r, "function_url_firehose.json")
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			StatusCode int               `json:"statusCode"`
			Headers    map[string]string `json:"headers"`
			Body       string            `json:"body"`
		}
		if err := json.Unmarshal(resp, &got); err != nil {
			t.Fatalf("%s", resp)
		}
		body := got.Body
		if i := strings.Index(body, `"timestamp":`); i >= 0 { // the time of the answer
			j := i + len(`"timestamp":`)
			for j < len(body) && body[j] >= '0' && body[j] <= '9' {
				j++
			}
			body = body[:i] + `"timestamp":T` + body[j:]
		}
		if got.StatusCode != wantStatus || body != wantBody || got.Headers["content-type"] != "application/json" {
			t.Errorf("%v: %d %s %v\nwant %d %s", vars, got.StatusCode, got.Body, got.Headers, wantStatus, wantBody)
		}
		if n := spooledRows(t, r); n != wantRows {
			t.Errorf("%v: %d rows, want %d", vars, n, wantRows)
		}
	}
	id := "ed4acda5-034f-9f42-bba1-f29aea6d7d8f"
	// Firehose-only: no TAP_AUTH, no JWT.
	f([]string{"TAP_AUTH", "", "TAP_FIREHOSE_ACCESS_KEY", key}, 200, `{"requestId":"`+id+`","timestamp":T}`, 2)
	f([]string{"TAP_FIREHOSE_ACCESS_KEY", "another key, 16 bytes or more"}, 401,
		`{"requestId":"`+id+`","timestamp":T,"errorMessage":"firehose: X-Amz-Firehose-Access-Key does not match TAP_FIREHOSE_ACCESS_KEY"}`, 0)
	// Without the setting the request is an ordinary one: its body is one line.
	f([]string{"TAP_TRANSFORM", "SELECT *"}, 202, `{"accepted":1,"filtered":0,"rejected":0}`, 1)

	// Firehose-only refuses other requests.
	r := newTestRuntime(t, "TAP_AUTH", "", "TAP_FIREHOSE_ACCESS_KEY", key)
	resp, _ := handleFile(t, r, "function_url_text.json")
	if !strings.HasPrefix(string(resp), `{"statusCode":401`) {
		t.Errorf("a plain request to a Firehose-only tap: %s", resp)
	}
}

// cwlEvent wraps a decoded subscription message as CloudWatch Logs delivers
// it: gzip, base64, under awslogs.data; cut, when > 0, truncates the gzip.
func cwlEvent(t *testing.T, message string, cut int) []byte {
	t.Helper()
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write([]byte(message))
	w.Close()
	data := gz.Bytes()
	if cut > 0 {
		data = data[:cut]
	}
	b, _ := json.Marshal(map[string]any{"awslogs": map[string]string{"data": base64.StdEncoding.EncodeToString(data)}})
	return b
}

// TestCloudWatchLogsEdges: a truncated gzip stream and an unknown message
// type fail the invocation with the reason; a batch that decompresses past
// TAP_MAX_BODY_BYTES is still taken (CloudWatch Logs sends at most about
// 1 MB of events, so its data is capped separately), every event a row.
func TestCloudWatchLogsEdges(t *testing.T) {
	handle := func(r *Runtime, payload []byte) ([]byte, error) {
		return r.handle(context.Background(), r.log, &invocation{RequestID: "r1", Payload: payload})
	}
	msg := func(typ string, events int, size int) string {
		var evs []map[string]any
		for i := range events {
			evs = append(evs, map[string]any{"id": strconv.Itoa(i), "timestamp": 1795397491000 + i, "message": strings.Repeat("x", size)})
		}
		b, _ := json.Marshal(map[string]any{"messageType": typ, "owner": "123456789012", "logGroup": "/g", "logStream": "s",
			"subscriptionFilters": []string{"f"}, "logEvents": evs})
		return string(b)
	}
	r := newTestRuntime(t, "TAP_TRANSFORM", "SELECT *")
	if _, err := handle(r, cwlEvent(t, msg("DATA_MESSAGE", 3, 10), 20)); err == nil || !strings.Contains(err.Error(), "gzip") {
		t.Errorf("truncated gzip: %v", err)
	}
	if _, err := handle(r, cwlEvent(t, msg("SOMETHING_NEW", 1, 10), 0)); err == nil || !strings.Contains(err.Error(), `messageType "SOMETHING_NEW"`) {
		t.Errorf("unknown message type: %v", err)
	}
	// 100 events of 10 KB: 1 MB of data, with TAP_MAX_BODY_BYTES at 64 KiB.
	r = newTestRuntime(t, "TAP_TRANSFORM", "SELECT *", "TAP_MAX_BODY_BYTES", "64KiB", "TAP_MAX_LINE_BYTES", "64KiB")
	resp, err := handle(r, cwlEvent(t, msg("DATA_MESSAGE", 100, 10_000), 0))
	if err != nil || string(resp) != `{"accepted":100,"filtered":0,"rejected":0}` {
		t.Errorf("1 MB batch over a small TAP_MAX_BODY_BYTES: %s %v", resp, err)
	}
}
