package lambda

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/valyala/fastjson"
)

func TestCutBody(t *testing.T) {
	f := func(event, wantBody, wantRest string) {
		t.Helper()
		body, rest, err := cutBody([]byte(event), nil, nil)
		if wantRest == "" {
			if err == nil {
				t.Errorf("cutBody(%q): no error, want the whole-event fallback", event)
			}
			return
		}
		if err != nil || string(body) != wantBody || string(rest) != wantRest {
			t.Errorf("cutBody(%q) = %q, %q, %v; want %q, %q", event, body, rest, err, wantBody, wantRest)
		}
	}
	f(`{"body":"a\"b\\c\n\u00e9\ud83e\udd86\/"}`, "a\"b\\c\n\u00e9🦆/", `{"body":""}`)
	f(` { "x" : {"body":"inner","y":[1,"]}"]} , "body" : "outer" , "z":null } `, "outer", ` { "x" : {"body":"inner","y":[1,"]}"]} , "body" : "" , "z":null } `)
	f(`{"headers":{"body":"not this"},"body":"this"}`, "this", `{"headers":{"body":"not this"},"body":""}`)
	f(`{"a":"\"body\":\"fake","body":""}`, "", `{"a":"\"body\":\"fake","body":""}`)
	f(`{"body":"\ud800x"}`, "\uFFFDx", `{"body":""}`)
	f(`{"body":null}`, "", "")
	f(`{"records":[]}`, "", "")
	f(`{"body":"unterminated`, "", "")
	f(`{"body":"bad \q escape"}`, "", "")
	f(`[1,2]`, "", "")
	f(``, "", "")
}

// FuzzCutBody checks cutBody against fastjson: whenever both read an event,
// they agree on the body, and the rest parses to the same event without it.
func FuzzCutBody(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range files {
		b, _ := os.ReadFile(name)
		f.Add(b)
	}
	f.Add([]byte(`{"body":"a\"b","x":{"body":1}}`))
	var p1, p2 fastjson.Parser
	f.Fuzz(func(t *testing.T, event []byte) {
		body, rest, err := cutBody(event, nil, nil)
		if err != nil {
			return
		}
		v, perr := p1.ParseBytes(event)
		if perr != nil || fastjson.ValidateBytes(event) != nil {
			return // not JSON: the caller's parse of rest fails too
		}
		want := v.GetStringBytes("body")
		if v.Get("body") == nil || v.Get("body").Type() != fastjson.TypeString {
			t.Fatalf("cutBody found a body fastjson does not: %q", event)
		}
		if !bytes.Equal(body, want) {
			t.Fatalf("body %q, fastjson %q, event %q", body, want, event)
		}
		r, err := p2.ParseBytes(rest)
		if err != nil {
			t.Fatalf("rest %q does not parse: %v", rest, err)
		}
		if got := r.GetStringBytes("body"); len(got) != 0 || r.Get("body") == nil {
			t.Fatalf("rest still has a body: %q", rest)
		}
	})
}

// BenchmarkCutBody cuts the body out of a Function URL event holding NDJSON
// text, where every quote of every line is escaped.
func BenchmarkCutBody(b *testing.B) {
	var lines []byte
	for i := 0; len(lines) < 244<<10; i++ {
		lines = fmt.Appendf(lines, `{"ts":"2024-05-01T10:00:%02d.%03dZ","level":"info","status":%d,"user":{"id":%d},"msg":"served\tin time"}`+"\n", i%60, i%1000, 200+i%5, i)
	}
	ev, _ := json.Marshal(map[string]any{"version": "2.0", "body": string(lines), "isBase64Encoded": false})
	var text, rest []byte
	b.SetBytes(int64(len(lines)))
	b.ReportAllocs()
	for b.Loop() {
		body, r, err := cutBody(ev, text[:0], rest[:0])
		if err != nil || len(body) != len(lines) {
			b.Fatalf("%d bytes, %v", len(body), err)
		}
		text, rest = body, r
	}
}

// TestUnescapeAlignments puts each kind of escape at every offset of a word
// and near the end of the body, where the word loop hands over to the byte
// loop, and compares with fastjson.
func TestUnescapeAlignments(t *testing.T) {
	var p fastjson.Parser
	for _, esc := range []string{`\"`, `\\`, `\/`, `\n`, `\t`, `\u00e9`, `\ud83e\udd86`, `"`} { // a lone surrogate: see TestCutBody
		for pre := 0; pre < 20; pre++ {
			for post := 0; post < 20; post++ {
				body := strings.Repeat("a", pre) + esc + strings.Repeat(`b\"`, post%3) + strings.Repeat("c", post)
				event := `{"body":"` + body + `","x":1}`
				got, _, err := cutBody([]byte(event), nil, nil)
				v, perr := p.Parse(event)
				if perr != nil {
					if err == nil && esc != `"` {
						t.Errorf("%q: cutBody accepts what fastjson does not", event)
					}
					continue
				}
				if want := v.GetStringBytes("body"); err != nil || !bytes.Equal(got, want) {
					t.Errorf("%q: cutBody %q, %v; fastjson %q", event, got, err, want)
				}
			}
		}
	}
}
