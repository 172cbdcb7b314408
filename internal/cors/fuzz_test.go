package cors

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzParse: whatever TAP_CORS_ORIGINS holds, Parse either refuses it or
// returns origins that parse again to themselves, each allowed by Check
// (preflight and POST), and no origin outside them is allowed.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "*", "https://app.example.com", "HTTP://LOCALHOST:80, https://a.example:8443",
		"http://[::1]:8080", "https://a/b", "null", "x://y:0", "chrome-extension://abc,*"} {
		f.Add(s, "https://other.example")
	}
	f.Fuzz(func(t *testing.T, setting, other string) {
		p, err := Parse(setting)
		if err != nil {
			return
		}
		if p == nil {
			if a := p.Check(Request{Method: http.MethodPost, Origin: other}); a.Refused || a.Preflight || a.Headers != nil {
				t.Fatalf("off: %+v", a)
			}
			return
		}
		again, err := Parse(strings.Join(p.Origins(), ","))
		if err != nil || again.String() != p.String() {
			t.Fatalf("Parse(%q) = %q, which parses to %v, %v", setting, p.String(), again, err)
		}
		for _, o := range p.Origins() {
			if p.Any() {
				o = other
			}
			a := p.Check(Request{Method: http.MethodOptions, Origin: o, RequestMethod: "POST"})
			if !a.Preflight || a.Status != http.StatusNoContent {
				t.Fatalf("%q: preflight from %q: %+v", setting, o, a)
			}
			if a := p.Check(Request{Method: http.MethodPost, Origin: o}); a.Refused || len(a.Headers) == 0 {
				t.Fatalf("%q: POST from %q: %+v", setting, o, a)
			}
		}
		if !p.Any() && other != "" {
			listed := false
			for _, o := range p.Origins() {
				listed = listed || strings.EqualFold(o, other)
			}
			if a := p.Check(Request{Method: http.MethodPost, Origin: other}); a.Refused == listed {
				t.Fatalf("%q: POST from %q (listed %v): %+v", setting, other, listed, a)
			}
		}
	})
}
