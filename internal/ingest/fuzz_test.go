package ingest

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzIngest runs arbitrary bodies through the NDJSON path: no panic, and
// every non-blank line is accounted for exactly once.
func FuzzIngest(f *testing.F) {
	f.Add([]byte("{\"a\":1}\n{\"a\":0}\nbad\n\n[1]\n"), "")
	f.Add([]byte("\xef\xbb\xbf{\"a\":\"\xff\"}\r\n{\"a\":1e400}"), "")
	f.Add(gz([]byte("{\"a\":2}\n")), "gzip")
	f.Add(zst([]byte("{\"a\":3}\n")), "zstd")
	in, _ := newIngester(f, "SELECT a WHERE a > 0", 1<<30)
	f.Fuzz(func(t *testing.T, body []byte, enc string) {
		c, err := in.Ingest(body, enc)
		if err != nil || enc != "" {
			return
		}
		data := bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
		if lead := bytes.TrimLeft(data, " \t\r\n"); len(lead) > 0 && lead[0] == '[' {
			// A JSON array (shape.go): when it is one valid array, each
			// element is counted once; other bodies starting with '[' may
			// be several values or lines, and are checked by
			// FuzzShapesAreStored.
			var elems []json.RawMessage
			if json.Unmarshal(data, &elems) == nil {
				if got := c.Accepted + c.Filtered + c.Rejected; got != len(elems) {
					t.Fatalf("%d elements, counted %+v", len(elems), c)
				}
			}
			return
		}
		lines := 0
		for _, l := range bytes.Split(data, []byte("\n")) {
			if len(bytes.TrimSpace(l)) > 0 {
				lines++
			}
		}
		if got := c.Accepted + c.Filtered + c.Rejected; got != lines {
			t.Fatalf("%d lines, counted %+v", lines, c)
		}
	})
}
