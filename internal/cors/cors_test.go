package cors

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	ok := func(in, want string) {
		t.Helper()
		p, err := Parse(in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", in, err)
		}
		if got := p.String(); got != want {
			t.Errorf("Parse(%q) = %q, want %q", in, got, want)
		}
	}
	ok("", "off")
	ok(" , ,", "off")
	ok("*", "*")
	ok(" * ", "*")
	ok("https://app.example.com", "https://app.example.com")
	ok("HTTPS://App.Example.COM", "https://app.example.com")
	ok("https://app.example.com:443, http://localhost:80", "https://app.example.com,http://localhost")
	ok("http://127.0.0.1:5173,https://app.example.com:8443", "http://127.0.0.1:5173,https://app.example.com:8443")
	ok("http://[::1]:8080", "http://[::1]:8080")
	ok("https://a.example, https://A.example", "https://a.example")
	ok("chrome-extension://abcdefghijklmnop", "chrome-extension://abcdefghijklmnop")

	bad := func(in, want string) {
		t.Helper()
		_, err := Parse(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", in, err, want)
		}
	}
	bad("app.example.com", "not an origin: scheme://host[:port]")
	bad("null", "not an origin")
	bad("https://app.example.com/", "an origin has no path, query or fragment: https://app.example.com")
	bad("https://app.example.com/ingest", "no path")
	bad("https://app.example.com?x=1", "no path")
	bad("https://user@app.example.com", "no user name")
	bad("https://app.example.com:0", `port "0"`)
	bad("https://app.example.com:99999", `port "99999"`)
	bad("https://app.example.com:http", `port "http"`)
	bad("https://", "no host")
	bad("https://:8080", "no host")
	bad("1http://x", "not a URL scheme")
	bad("http://::1", "brackets")
	bad("http://*.example.com", "character no origin has")
	bad("*, https://app.example.com", "give it alone")
	bad("https://bücher.example", "xn--")
	// Every bad origin is reported, not only the first.
	bad("x, https://ok.example, https://a/b", `"x"`)
	bad("x, https://ok.example, https://a/b", `"https://a/b"`)
}

func TestCheck(t *testing.T) {
	list, err := Parse("https://app.example.com, http://127.0.0.1:5173")
	if err != nil {
		t.Fatal(err)
	}
	star, err := Parse("*")
	if err != nil {
		t.Fatal(err)
	}
	preflight := func(origin string) Request {
		return Request{Method: http.MethodOptions, Origin: origin, RequestMethod: http.MethodPost}
	}
	post := func(origin string) Request { return Request{Method: http.MethodPost, Origin: origin} }
	pna := preflight("https://app.example.com")
	pna.RequestPrivateNetwork = "true"
	allowHeaders := "Access-Control-Allow-Methods: POST|Access-Control-Allow-Headers: " + AllowHeaders + "|Access-Control-Max-Age: 7200"
	expose := "Access-Control-Expose-Headers: " + ExposeHeaders
	for _, c := range []struct {
		name    string
		p       *Policy
		r       Request
		want    string // Preflight/Status/Refused, then the headers
		headers string
	}{
		{"off: preflight goes on (405 later)", nil, preflight("https://app.example.com"), "", ""},
		{"off: post", nil, post("https://app.example.com"), "", ""},
		{"preflight from a listed origin", list, preflight("https://app.example.com"), "preflight 204",
			"Access-Control-Allow-Origin: https://app.example.com|Vary: Origin|" + allowHeaders},
		{"origin compared without case", list, preflight("HTTPS://APP.example.com"), "preflight 204",
			"Access-Control-Allow-Origin: https://app.example.com|Vary: Origin|" + allowHeaders},
		{"preflight asking for the private network", list, pna, "preflight 204",
			"Access-Control-Allow-Origin: https://app.example.com|Vary: Origin|" + allowHeaders + "|Access-Control-Allow-Private-Network: true"},
		{"preflight from another origin", list, preflight("https://evil.example"), "preflight 403", "Vary: Origin"},
		{"preflight from another port", list, preflight("http://127.0.0.1:5174"), "preflight 403", "Vary: Origin"},
		{"preflight from null", list, preflight("null"), "preflight 403", "Vary: Origin"},
		{"post from a listed origin", list, post("http://127.0.0.1:5173"), "",
			"Access-Control-Allow-Origin: http://127.0.0.1:5173|Vary: Origin|" + expose},
		{"post from another origin", list, post("https://evil.example"), "refused", "Vary: Origin"},
		{"post without Origin (a program)", list, post(""), "", "Vary: Origin"},
		{"OPTIONS without Access-Control-Request-Method is no preflight", list,
			Request{Method: http.MethodOptions, Origin: "https://app.example.com"}, "",
			"Access-Control-Allow-Origin: https://app.example.com|Vary: Origin|" + expose},
		{"GET from a listed origin", list, Request{Method: http.MethodGet, Origin: "https://app.example.com"}, "",
			"Access-Control-Allow-Origin: https://app.example.com|Vary: Origin|" + expose},
		{"*: preflight from anywhere", star, preflight("https://any.example"), "preflight 204",
			"Access-Control-Allow-Origin: *|" + allowHeaders},
		{"*: post from anywhere", star, post("null"), "", "Access-Control-Allow-Origin: *|" + expose},
		{"*: post without Origin", star, post(""), "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := c.p.Check(c.r)
			var got []string
			if a.Preflight {
				got = append(got, "preflight "+strconv.Itoa(a.Status))
			} else if a.Status != 0 {
				t.Errorf("Status %d without Preflight", a.Status)
			}
			if a.Refused {
				got = append(got, "refused")
			}
			if g := strings.Join(got, " "); g != c.want {
				t.Errorf("answer %q, want %q", g, c.want)
			}
			var hs []string
			for _, h := range a.Headers {
				hs = append(hs, h.Name+": "+h.Value)
			}
			if g := strings.Join(hs, "|"); g != c.headers {
				t.Errorf("headers\n%s\nwant\n%s", g, c.headers)
			}
		})
	}
}

func TestListed(t *testing.T) {
	list, _ := Parse("https://app.example.com")
	star, _ := Parse("*")
	var off *Policy
	for _, c := range []struct {
		p      *Policy
		origin string
		want   bool
	}{
		{list, "https://app.example.com", true},
		{list, "https://other.example", false},
		{list, "", false},
		{star, "https://app.example.com", false}, // * lists no origin
		{off, "https://app.example.com", false},
	} {
		if got := c.p.Listed(c.origin); got != c.want {
			t.Errorf("%v.Listed(%q) = %v, want %v", c.p, c.origin, got, c.want)
		}
	}
}

func TestCheckAllocs(t *testing.T) {
	list, _ := Parse("https://a.example, https://b.example, http://127.0.0.1:5173")
	var off *Policy
	origin := strings.Clone("http://127.0.0.1:5173")
	for _, c := range []struct {
		name string
		p    *Policy
		r    Request
	}{
		{"off", off, Request{Method: http.MethodPost}},
		{"post", list, Request{Method: http.MethodPost, Origin: origin}},
		{"preflight", list, Request{Method: http.MethodOptions, Origin: origin, RequestMethod: "POST"}},
		{"refused", list, Request{Method: http.MethodPost, Origin: "https://evil.example"}},
	} {
		if n := testing.AllocsPerRun(100, func() { _ = c.p.Check(c.r) }); n != 0 {
			t.Errorf("%s: %v allocations per Check, want 0", c.name, n)
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	list, _ := Parse("https://a.example, https://b.example, http://127.0.0.1:5173")
	r := Request{Method: http.MethodPost, Origin: "http://127.0.0.1:5173"}
	b.ReportAllocs()
	for b.Loop() {
		_ = list.Check(r)
	}
}
