package server

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/datatap/datatap/internal/testenv/duckdb"
)

// TestBadInput posts what careless or hostile senders post. Nothing may
// crash the tap; each answer is the documented status with honest counts;
// and what was accepted is still readable Parquet afterwards.
func TestBadInput(t *testing.T) {
	duckdb.Require(t)
	url, out, stop := start(t, "TAP_FLUSH_AGE", "1h")
	deep := strings.Repeat(`{"a":`, 100000) + "1" + strings.Repeat("}", 100000)
	bomb := gzipped(bytes.Repeat([]byte("\n"), 64<<20))
	good := gzipped([]byte(`{"a":1}` + "\n" + `{"a":2}`))
	cases := []struct {
		name     string
		encoding string
		body     []byte
		status   int
		counts   string // accepted/filtered/rejected, for 2xx
	}{
		{"empty body", "", nil, 202, "0/0/0"},
		{"only newlines", "", []byte("\n\n\r\n\n"), 202, "0/0/0"},
		{"CRLF line ends", "", []byte("{\"a\":1}\r\n{\"a\":2}\r\n"), 202, "2/0/0"},
		{"UTF-8 byte order mark", "", []byte("\xef\xbb\xbf{\"a\":1}\n"), 202, "1/0/0"},
		{"invalid UTF-8 in a string", "", []byte("{\"a\":\"\xff\xfe\"}\n"), 202, "1/0/0"},
		{"a single 6 MB line", "", []byte(`{"a":"` + strings.Repeat("x", 6_000_000) + `"}`), 202, "0/0/1"},
		{"a line over the line cap", "", []byte(`{"a":"` + strings.Repeat("y", 2<<20) + `"}` + "\n" + `{"a":3}`), 202, "1/0/1"},
		{"JSON nested 100,000 deep", "", []byte(deep), 202, "0/0/1"},
		{"huge numbers", "", []byte(`{"a":1e400,"b":123456789012345678901234567890,"c":-1e-400}`), 202, "1/0/0"},
		{"duplicate keys", "", []byte(`{"a":1,"a":2}`), 202, "1/0/0"},
		// (Not starting with '[': that body would be a JSON array, one row per element.)
		{"non-object lines", "", []byte("42\n[1,2]\n\"s\"\nnull\ntrue\n"), 202, "0/0/5"},
		{"NUL bytes", "", []byte("{\"a\":\"x\x00y\"}\n\x00\n{\"a\":1}\x00\n"), 202, "0/0/3"},
		{"a gzip bomb", "gzip", bomb, 413, ""},
		{"a truncated gzip stream", "gzip", good[:len(good)-5], 400, ""},
		{"not gzip at all", "gzip", []byte("plain text"), 400, ""},
		{"an unknown encoding", "br", good, 415, ""},
	}
	for _, c := range cases {
		r := post(t, url, c.encoding, c.body)
		if r.status != c.status {
			t.Errorf("%s: status %d %v, want %d", c.name, r.status, r.body, c.status)
			continue
		}
		if c.counts != "" {
			got := fmt.Sprintf("%v/%v/%v", r.body["accepted"], r.body["filtered"], r.body["rejected"])
			if got != c.counts {
				t.Errorf("%s: counts %s, want %s", c.name, got, c.counts)
			}
		}
	}
	req, _ := http.NewRequest(http.MethodGet, url+"/health", nil)
	if r := do(t, req); r.status != 200 {
		t.Fatalf("the tap is not healthy after the bad input: %d", r.status)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	res, err := duckdb.Run(context.Background(),
		fmt.Sprintf(`SELECT count(*) FROM read_parquet('%s/datataps/**/*.parquet', union_by_name = true)`, out),
		fmt.Sprintf(`SELECT count(*) FROM read_json('%s/datataps-errors/**/*.ndjson')`, out))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != "" {
			t.Fatalf("output not readable: %s", r.Err)
		}
	}
	// Accepted: 2 + 1 + 1 + 1 + 1 + 1 = 7 rows; rejected: 1 + 1 + 1 + 5 + 3 = 11 lines.
	if got := fmt.Sprint(res[0].Rows[0][0], "/", res[1].Rows[0][0]); got != "7/11" {
		t.Errorf("rows/errors in the output %s, want 7/11", got)
	}
}
