package server

import (
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/datatap/datatap/internal/cors"
)

// crossSite says why a request to a tap that takes requests without a token
// (serve on loopback) must be refused as sent by a web page, or "" when it
// may go on. A browser lets any page POST a "simple" request (text/plain, no
// preflight) to http://127.0.0.1:8080; only these headers tell a page from a
// program (curl and datatap send set none of them):
//
//   - Sec-Fetch-Site: cross-site or same-site (a browser sets it on every
//     request; same-origin and none are the tap's own pages and the user);
//   - Origin naming a host other than the one the request was sent to
//     ("null" included: sandboxed pages and files);
//   - a Host that is not a loopback name or address: a page whose name was
//     re-pointed at 127.0.0.1 (DNS rebinding) sends Origin and Host both
//     naming its own site.
//
// A page whose origin TAP_CORS_ORIGINS lists by name is let through (the
// Host check stays): listing it is the user saying that page may send. *
// lists no page, so it does not open a tap without a token to every site
// the user visits.
func crossSite(r *http.Request, allowed *cors.Policy) string {
	if allowed.Listed(r.Header.Get("Origin")) {
		if !loopbackHost(r.Host) {
			return "Host: " + r.Host
		}
		return ""
	}
	switch site := r.Header.Get("Sec-Fetch-Site"); site {
	case "cross-site", "same-site":
		return "Sec-Fetch-Site: " + site
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		u, err := url.Parse(origin)
		if err != nil || u.Host == "" || !strings.EqualFold(u.Host, r.Host) {
			return "Origin: " + origin
		}
	}
	if !loopbackHost(r.Host) {
		return "Host: " + r.Host
	}
	return ""
}

// loopbackHost reports whether host (with or without a port) is localhost,
// a name under .localhost, or a loopback address.
func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
