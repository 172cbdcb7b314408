package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"testing"

	"github.com/datatap/datatap/internal/testenv/duckdb"
)

// TestFirehoseAndBatches posts what Firehose, Telegraf and array senders
// send to serve, and reads back what landed with DuckDB.
func TestFirehoseAndBatches(t *testing.T) {
	duckdb.Require(t)
	const key = "0123456789abcdef0123456789abcdef"
	// TAP_AUTH=none: with the key alone, the tap would take Firehose only.
	url, out, stop := start(t, "TAP_UNNEST", "metrics", "TAP_FIREHOSE_ACCESS_KEY", key, "TAP_FLUSH_AGE", "1h", "TAP_AUTH", "none")

	// Firehose HTTP endpoint delivery: two records (one of two lines), gzip.
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	fh := fmt.Sprintf(`{"requestId":"ed4acda5-034f-9f42-bba1-f29aea6d7d8f","timestamp":1578090901599,"records":[{"data":%q},{"data":%q}]}`,
		b64(`{"src":"firehose","n":1}`), b64("{\"src\":\"firehose\",\"n\":2}\n{\"src\":\"firehose\",\"n\":3}\n"))
	firehose := func(accessKey string) (int, http.Header, string) {
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(gzipped([]byte(fh))))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Content-Encoding", "gzip")
		req.Header.Set("X-Amz-Firehose-Protocol-Version", "1.0")
		req.Header.Set("X-Amz-Firehose-Request-Id", "ed4acda5-034f-9f42-bba1-f29aea6d7d8f")
		req.Header.Set("X-Amz-Firehose-Access-Key", accessKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	status, hdr, body := firehose(key)
	if ok, _ := regexp.MatchString(`^\{"requestId":"ed4acda5-034f-9f42-bba1-f29aea6d7d8f","timestamp":\d{13}\}$`, body); status != 200 || !ok ||
		hdr.Get("Content-Type") != "application/json" {
		t.Errorf("firehose: %d %s %v", status, body, hdr)
	}
	status, _, body = firehose("wrong key, and long enough")
	var e struct{ RequestID, ErrorMessage string }
	if json.Unmarshal([]byte(body), &e); status != 401 || e.RequestID != "ed4acda5-034f-9f42-bba1-f29aea6d7d8f" || e.ErrorMessage == "" {
		t.Errorf("firehose, wrong key: %d %s", status, body)
	}

	// Telegraf outputs.http, data_format json, batch: {"metrics":[…]}.
	telegraf := `{"metrics":[{"fields":{"usage_idle":91.5},"name":"cpu","tags":{"host":"a"},"timestamp":1795397491},` +
		`{"fields":{"used":1024},"name":"mem","tags":{"host":"a"},"timestamp":1795397491}]}`
	if r := post(t, url, "", []byte(telegraf)); r.status != 202 || r.body["accepted"] != float64(2) {
		t.Errorf("telegraf: %d %v", r.status, r.body)
	}
	// A JSON array; one element is not an object.
	if r := post(t, url, "gzip", gzipped([]byte(`[{"src":"array","n":1},{"src":"array","n":2},"oops"]`))); r.status != 202 ||
		r.body["accepted"] != float64(2) || r.body["rejected"] != float64(1) {
		t.Errorf("array: %d %v", r.status, r.body)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	res, err := duckdb.Run(context.Background(),
		fmt.Sprintf(`SELECT coalesce(src, name), count(*) FROM read_parquet('%s/datataps/**/*.parquet', union_by_name = true) GROUP BY 1 ORDER BY 1`, out),
		fmt.Sprintf(`SELECT line FROM read_json('%s/datataps-errors/**/*.ndjson')`, out))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != "" {
			t.Fatal(r.Err)
		}
	}
	if got := fmt.Sprint(res[0].Rows); got != "[[array 2] [cpu 1] [firehose 3] [mem 1]]" {
		t.Errorf("rows %s", got)
	}
	if got := fmt.Sprint(res[1].Rows); got != `[["oops"]]` {
		t.Errorf("error output %s", got)
	}
}
