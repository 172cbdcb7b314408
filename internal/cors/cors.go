// Package cors is the tap's answer to browsers (Cross-Origin Resource
// Sharing): which web pages may POST to it, configured by TAP_CORS_ORIGINS.
// It is transport-neutral: an adapter (serve's HTTP handler, the Function
// URL handler) hands it the request's method and CORS headers, and gets back
// whether to answer a preflight now, with which status, whether to refuse
// the request, and which headers to set on its answer, whatever that answer
// is (202, 4xx, 429, 503).
//
// The protocol, as the tap speaks it (Fetch standard, "CORS protocol"):
//
//   - A page's fetch with an Authorization header, or a JSON or encoded
//     body, is "non-simple": the browser first sends OPTIONS with Origin and
//     Access-Control-Request-Method (and -Headers). From an allowed origin
//     the answer is 204 with Access-Control-Allow-Origin (the origin itself,
//     or * when any origin is allowed), -Allow-Methods: POST,
//     -Allow-Headers (what a sender sets: authorization, content-type,
//     content-encoding, and the SigV4 headers) and -Max-Age. From any other
//     origin it is 403, without CORS headers, so the browser stops there.
//   - Every answer to an allowed origin carries Access-Control-Allow-Origin
//     (a page can read neither the status nor the body of one without it)
//     and Access-Control-Expose-Headers: Retry-After, X-Request-Id, so a
//     page can honour a 429 and quote a request id.
//   - A request whose Origin is not allowed is refused (403) when the
//     origins are a list: a browser sends Origin on every cross-origin POST,
//     programs (curl, datatap send, shippers) send none and are unaffected.
//   - No Access-Control-Allow-Credentials: a sender's credential is a bearer
//     token in a header the page sets itself, never a cookie, so the
//     browser's credentials mode stays "same-origin" and * stays usable.
//   - When the origins are a list, every answer carries Vary: Origin, so a
//     cache never hands one page's answer to another page.
//   - Chromium's Private Network Access: a page on a public site calling a
//     tap on a private or loopback address adds
//     Access-Control-Request-Private-Network: true to the preflight; an
//     allowed origin gets Access-Control-Allow-Private-Network: true.
//
// Nothing here allocates per request: the headers of every answer are built
// once, when the setting is parsed.
package cors

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Header is one response header to set.
type Header struct{ Name, Value string }

// Request is what CORS looks at in a request: its method and the header
// values (empty when absent).
type Request struct {
	Method                string // the request's method
	Origin                string // Origin
	RequestMethod         string // Access-Control-Request-Method (a preflight has one)
	RequestPrivateNetwork string // Access-Control-Request-Private-Network
}

// Answer says what to do with a request. Headers are to be set on whatever
// the request is answered with; they are shared and must not be modified.
type Answer struct {
	// Preflight: answer now with Status and Headers (and, when Status is
	// not 204, an error naming the origin), and do nothing else.
	Preflight bool
	Status    int
	// Refused: the request comes from a page whose origin is not allowed;
	// answer 403 (Message says why) and do nothing else.
	Refused bool
	Headers []Header
}

// MaxAge is how long a browser may keep a preflight's answer, in seconds:
// Chromium keeps at most 7,200 (Firefox 86,400), so more would not help.
const MaxAge = 7200

// AllowHeaders are the request headers a page may set: a bearer token, the
// body's type and compression, and the SigV4 headers of a signed request.
const AllowHeaders = "authorization, content-type, content-encoding, x-amz-date, x-amz-security-token, x-amz-content-sha256"

// ExposeHeaders are the response headers a page may read besides the
// safelisted ones (Content-Type among them).
const ExposeHeaders = "retry-after, x-request-id"

// Policy is a parsed TAP_CORS_ORIGINS. A nil *Policy allows no origin and
// sets no header: CORS is off, browsers on other origins cannot send.
type Policy struct {
	any     bool
	origins []origin
	vary    []Header // answers to requests not from an allowed origin
}

type origin struct {
	name                       string // serialized as a browser sends it
	actual, preflight, withPNA []Header
}

// Parse reads TAP_CORS_ORIGINS: comma-separated origins
// (scheme://host[:port], no path, as a browser sends them in Origin), or *
// for any origin. Empty (or only commas and spaces) returns nil: CORS off.
// Scheme and host are compared case-insensitively and a default port (80
// for http, 443 for https) is dropped, as browsers do.
func Parse(s string) (*Policy, error) {
	p := &Policy{}
	var errs []error
	seen := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		switch {
		case f == "":
			continue
		case f == "*":
			p.any = true
			continue
		}
		name, err := normalize(f)
		if err != nil {
			errs = append(errs, fmt.Errorf("%q: %w", f, err))
			continue
		}
		if !seen[name] {
			seen[name] = true
			p.origins = append(p.origins, origin{name: name})
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if p.any && len(p.origins) > 0 {
		return nil, errors.New("* allows every origin: give it alone, or list the origins")
	}
	if !p.any && len(p.origins) == 0 {
		return nil, nil
	}
	if p.any {
		p.origins = []origin{{name: "*"}}
	} else {
		p.vary = []Header{{"Vary", "Origin"}}
	}
	for i := range p.origins {
		o := &p.origins[i]
		allow := append([]Header{{"Access-Control-Allow-Origin", o.name}}, p.vary...)
		o.actual = append(allow[:len(allow):len(allow)], Header{"Access-Control-Expose-Headers", ExposeHeaders})
		o.preflight = append(allow[:len(allow):len(allow)],
			Header{"Access-Control-Allow-Methods", http.MethodPost},
			Header{"Access-Control-Allow-Headers", AllowHeaders},
			Header{"Access-Control-Max-Age", strconv.Itoa(MaxAge)})
		o.withPNA = append(o.preflight[:len(o.preflight):len(o.preflight)],
			Header{"Access-Control-Allow-Private-Network", "true"})
	}
	return p, nil
}

// normalize checks one origin and returns it as a browser serializes it.
func normalize(s string) (string, error) {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || scheme == "" {
		return "", errors.New("not an origin: scheme://host[:port], e.g. https://app.example.com")
	}
	for i, c := range scheme {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return "", fmt.Errorf("scheme %q is not a URL scheme", scheme)
		}
	}
	scheme = strings.ToLower(scheme)
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		return "", fmt.Errorf("an origin has no path, query or fragment: %s://%s", scheme, rest[:i])
	}
	if strings.Contains(rest, "@") {
		return "", errors.New("an origin has no user name or password")
	}
	host, port := rest, ""
	if i := strings.LastIndexByte(rest, ':'); i >= 0 && !strings.HasSuffix(rest, "]") {
		host, port = rest[:i], rest[i+1:]
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || port[0] == '0' {
			return "", fmt.Errorf("port %q is not a number from 1 to 65535", port)
		}
	}
	if host == "" {
		return "", errors.New("no host")
	}
	if strings.HasPrefix(host, "[") != strings.HasSuffix(host, "]") || strings.Count(host, ":") > 0 && !strings.HasPrefix(host, "[") {
		return "", fmt.Errorf("host %q: an IPv6 address goes in brackets, e.g. http://[::1]:8080", host)
	}
	for _, c := range host {
		if c > 0x7e {
			return "", fmt.Errorf("host %q: write it in ASCII (xn--… for an international name), as browsers send it", host)
		}
		if c <= ' ' || c == '%' || c == '\\' || c == '*' || c == ',' {
			return "", fmt.Errorf("host %q has a character no origin has", host)
		}
	}
	host = strings.ToLower(host)
	if scheme == "http" && port == "80" || scheme == "https" && port == "443" {
		port = ""
	}
	if port != "" {
		return scheme + "://" + host + ":" + port, nil
	}
	return scheme + "://" + host, nil
}

// Any reports whether every origin is allowed (TAP_CORS_ORIGINS=*).
func (p *Policy) Any() bool { return p != nil && p.any }

// Origins are the allowed origins as browsers send them, or ["*"].
func (p *Policy) Origins() []string {
	if p == nil {
		return nil
	}
	out := make([]string, len(p.origins))
	for i, o := range p.origins {
		out[i] = o.name
	}
	return out
}

// String is the setting as parsed, for the start-up log.
func (p *Policy) String() string {
	if p == nil {
		return "off"
	}
	return strings.Join(p.Origins(), ",")
}

// Listed reports whether origin is one of the origins listed by name (* is
// no name: it allows origins without listing any).
func (p *Policy) Listed(origin string) bool {
	return p != nil && !p.any && p.find(origin) != nil
}

func (p *Policy) find(name string) *origin {
	if p.any {
		return &p.origins[0]
	}
	for i := range p.origins {
		if strings.EqualFold(p.origins[i].name, name) {
			return &p.origins[i]
		}
	}
	return nil
}

// Check says what to do with r. With CORS off (a nil Policy) it is the zero
// Answer: go on, set nothing.
func (p *Policy) Check(r Request) Answer {
	if p == nil {
		return Answer{}
	}
	preflight := r.Method == http.MethodOptions && r.RequestMethod != ""
	var o *origin
	if r.Origin != "" {
		o = p.find(r.Origin)
	}
	switch {
	case o != nil && preflight:
		if strings.EqualFold(r.RequestPrivateNetwork, "true") {
			return Answer{Preflight: true, Status: http.StatusNoContent, Headers: o.withPNA}
		}
		return Answer{Preflight: true, Status: http.StatusNoContent, Headers: o.preflight}
	case o != nil:
		return Answer{Headers: o.actual}
	case preflight:
		return Answer{Preflight: true, Status: http.StatusForbidden, Headers: p.vary}
	case r.Origin != "":
		return Answer{Refused: true, Headers: p.vary}
	}
	return Answer{Headers: p.vary}
}

// Message is the error to answer a refused request or preflight with.
func Message(origin string) string {
	return "origin " + strconv.Quote(origin) + " is not allowed to send from a browser: list it in TAP_CORS_ORIGINS"
}
