package lambda

import (
	"net/http"

	"github.com/datatap/datatap/internal/ingest"
)

// firehose answers a Firehose HTTP endpoint delivery request that came
// through the Function URL (see ingest.Firehose).
func (r *Runtime) firehose(req *httpRequest, decodeErr error) []byte {
	ans := ingest.FirehoseAnswer{}
	if decodeErr != nil {
		ans = ingest.FirehoseError(ingest.Status(decodeErr), req.FirehoseRequestID, decodeErr.Error())
	} else {
		ans = r.ingester.Firehose(ingest.FirehoseRequest{
			RequestID: req.FirehoseRequestID, AccessKey: req.FirehoseAccessKey,
			ContentEncoding: req.ContentEncoding, Body: req.Body,
		})
	}
	switch ans.Status {
	case http.StatusTooManyRequests:
		r.pending = true // make room: flush before the next invocation
		return httpResponse(r.out, ans.Status, ans.Body, nil, "retry-after", ingest.RetryAfter)
	case http.StatusInternalServerError:
		r.log.Error("firehose: ingest failed", "firehose_request_id", req.FirehoseRequestID, "err", ans.Err)
	}
	return httpResponse(r.out, ans.Status, ans.Body, nil) // Firehose is no browser: no CORS
}
