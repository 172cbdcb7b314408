package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/datatap/datatap/internal/ingest"
)

// firehose answers a Firehose HTTP endpoint delivery request (see
// ingest.Firehose): the body read within the same budget as any other, the
// records ingested in a slot, and the answer Firehose expects.
func (s *Server) firehose(w *recorder, r *http.Request, reqID string) {
	fhID := r.Header.Get(ingest.FirehoseRequestIDHeader)
	body, release, herr := s.readBody(w, r)
	if herr != nil {
		writeFirehose(w, ingest.FirehoseError(herr.status, fhID, herr.msg))
		return
	}
	var ans ingest.FirehoseAnswer
	err := s.inSlot(r.Context(), func() {
		ans = s.ingester.Firehose(ingest.FirehoseRequest{
			RequestID: fhID, AccessKey: r.Header.Get(ingest.FirehoseAccessKeyHeader),
			ContentEncoding: r.Header.Get("Content-Encoding"), Body: body,
		})
	})
	release()
	w.bodyBytes, w.counts = int64(len(body)), ans.Counts
	if errors.Is(err, context.Canceled) {
		return // the connection is gone
	}
	switch ans.Status {
	case http.StatusOK:
		if s.cfg.Due(s.spool.Stats()) {
			s.nudge()
		}
	case http.StatusTooManyRequests:
		w.Header().Set("Retry-After", ingest.RetryAfter)
		s.nudge()
	case http.StatusInternalServerError:
		s.log.Error("firehose: ingest failed", "request_id", reqID, "firehose_request_id", fhID, "err", ans.Err)
	}
	writeFirehose(w, ans)
}

// inSlot runs fn in an ingest slot.
func (s *Server) inSlot(ctx context.Context, fn func()) error {
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	case <-ctx.Done():
		return ctx.Err()
	}
	fn()
	return nil
}

func writeFirehose(w http.ResponseWriter, ans ingest.FirehoseAnswer) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(ans.Body)))
	w.WriteHeader(ans.Status)
	w.Write(ans.Body)
}
