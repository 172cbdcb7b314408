package server

import (
	_ "embed"
	"encoding/json"
	"github.com/datatap/datatap/internal/auth"
	"github.com/datatap/datatap/internal/tap"
	"net/http"

	"github.com/datatap/datatap/internal/ingest"
)

// livePage is the live page (GET /): one file, its script and styles inline,
// charts drawn as SVG by the script, so that it needs no network beyond the
// tap. It polls GET /stats every second.
//
//go:embed live.html
var livePage []byte

// serveLive answers GET / (the live page), GET /stats (the page's figures,
// JSON) and GET /metrics (Prometheus text format). The page holds no data
// and is served to anyone; the figures are behind the same gate as
// ingesting: a bearer token when auth is on (the page asks for it and sends
// it with each poll; a Prometheus scrape sets it with `authorization`), and,
// on a tap that takes requests without a token, no cross-site request (a
// page elsewhere must not read them, DNS rebinding included).
func (s *Server) serveLive(w http.ResponseWriter, r *http.Request, reqID string) {
	if r.URL.Path == "/" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		// The page loads nothing from elsewhere; say so to the browser.
		w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:")
		w.Write(livePage)
		return
	}
	if s.open {
		// No origin is let through here, TAP_CORS_ORIGINS or not: it lets
		// pages send, not read what the tap has seen.
		if why := crossSite(r, nil); why != "" {
			writeError(w, http.StatusForbidden, "refused a request from a web page ("+why+")", reqID)
			return
		}
	}
	req := tap.Request{RequestID: reqID, Auth: auth.Request{Authorization: r.Header.Get("Authorization")}}
	var resp tap.Response
	if !s.tap.Allow(&req, &resp) {
		writeResponse(w, &resp)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	if r.URL.Path == "/metrics" {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		s.reg.WritePrometheus(w)
		return
	}
	b, _ := json.Marshal(s.reg.Snapshot())
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

// recorder remembers the status of an ingest request's answer, and what
// the request held, for the registry.
type recorder struct {
	http.ResponseWriter
	status    int
	bodyBytes int64
	counts    ingest.Counts
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (read deadlines).
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
