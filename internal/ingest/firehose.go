package ingest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/valyala/fastjson"

	"github.com/datatap/datatap/transform"
)

// Amazon Data Firehose HTTP endpoint delivery ("Understand HTTP endpoint
// delivery request and response specifications", Firehose developer guide),
// protocol version 1.0, so that a tap can be a Firehose stream's destination:
//
//   - Request: POST, Content-Type application/json, Content-Encoding gzip
//     when the stream compresses; headers X-Amz-Firehose-Request-Id (the same
//     on every attempt of one request) and X-Amz-Firehose-Access-Key (the key
//     configured on the stream, copied verbatim, up to 4096 bytes); body
//     {"requestId":"…","timestamp":<ms>,"records":[{"data":"<base64>"},…]}.
//   - Response: 200 with Content-Type application/json and
//     {"requestId":"<the request's>","timestamp":<ms>} once the records are
//     taken; anything else (any other status, 2xx included, or a body that
//     does not parse) is a failed delivery that Firehose retries until its
//     retry duration ends, then backs up to S3 if so configured. An error
//     answer carries {"requestId","timestamp","errorMessage"}, which Firehose
//     logs verbatim.
//
// Each record's data is what a producer put (PutRecord / PutRecordBatch,
// or a CloudWatch Logs or other source): Firehose adds no delimiter, and a
// producer may put one line or several. So each record is read as a body of
// its own (NDJSON, or a JSON array or envelope: shape.go), and records whose
// data is not base64 are kept raw as rejected lines, as for Kinesis.
//
// Firehose retries a request whose answer it did not get, so a request the
// tap spooled but could not answer is stored twice; X-Amz-Firehose-Request-Id
// is the same on every attempt, for deduplication downstream.

// FirehoseRequestIDHeader marks a request as Firehose HTTP endpoint delivery.
const (
	FirehoseRequestIDHeader = "X-Amz-Firehose-Request-Id"
	FirehoseAccessKeyHeader = "X-Amz-Firehose-Access-Key"
)

// ErrFirehoseAccessKey is a Firehose request whose access key is missing or
// wrong.
var ErrFirehoseAccessKey = errors.New("firehose: X-Amz-Firehose-Access-Key does not match TAP_FIREHOSE_ACCESS_KEY")

// FirehoseRequest is one Firehose delivery request, as an adapter read it.
type FirehoseRequest struct {
	RequestID       string // the X-Amz-Firehose-Request-Id header
	AccessKey       string // the X-Amz-Firehose-Access-Key header
	ContentEncoding string
	Body            []byte
}

// FirehoseAnswer is what to answer Firehose: Status, and Body as
// application/json.
type FirehoseAnswer struct {
	Status int
	Body   []byte
	Counts Counts
	Err    error // why Status is not 200, for the log; nil when it is
}

// TakesFirehose reports whether requestID (the X-Amz-Firehose-Request-Id
// header) makes a request one for Firehose: TAP_FIREHOSE_ACCESS_KEY is set
// and the header is there. Other requests, with or without the header, are
// ordinary ones.
func (in *Ingester) TakesFirehose(requestID string) bool { return in.fhKey != nil && requestID != "" }

// firehoseWorker is the reusable state of one Firehose request.
type firehoseWorker struct {
	data    []byte // every record's data, decoded
	records []firehoseRecord
}

// Firehose checks the access key of a Firehose delivery request, spools its
// records and returns the answer Firehose expects.
func (in *Ingester) Firehose(req FirehoseRequest) FirehoseAnswer {
	requestID := req.RequestID
	// Compare digests, so that neither the key's bytes nor its length show
	// in the time the comparison takes.
	got, want := sha256.Sum256([]byte(req.AccessKey)), sha256.Sum256(in.fhKey)
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		return FirehoseAnswer{Status: http.StatusUnauthorized, Err: ErrFirehoseAccessKey,
			Body: firehoseBody(requestID, in.now(), ErrFirehoseAccessKey.Error())}
	}
	w := in.pool.Get().(*worker)
	defer in.pool.Put(w)
	data, err := in.decode(w, req.Body, req.ContentEncoding)
	if err != nil {
		return firehoseError(Status(err), requestID, err, in.now())
	}
	v, err := w.parser.ParseBytes(data)
	if err != nil {
		err = fmt.Errorf("%w: firehose: the body is not JSON: %v", ErrBadBody, err)
		return firehoseError(http.StatusBadRequest, requestID, err, in.now())
	}
	if id := v.GetStringBytes("requestId"); len(id) > 0 {
		requestID = string(id) // the same as the header's
	}
	rv := v.Get("records")
	if rv == nil || rv.Type() != fastjson.TypeArray {
		err = fmt.Errorf("%w: firehose: no records array", ErrBadBody)
		return firehoseError(http.StatusBadRequest, requestID, err, in.now())
	}
	recs := rv.GetArray()
	// Decode every record before anything else reuses the parser, whose
	// values point into it.
	fh := &w.fh
	fh.data, fh.records = fh.data[:0], fh.records[:0]
	for _, r := range recs {
		start := len(fh.data)
		dv := r.Get("data")
		if dv == nil || dv.Type() != fastjson.TypeString {
			// Kept whole, as one rejected line: retrying cannot fix it.
			fh.data = r.MarshalTo(fh.data)
			fh.records = append(fh.records, firehoseRecord{span{start, len(fh.data)}, "firehose record without a base64 string \"data\""})
			continue
		}
		b64 := dv.GetStringBytes()
		need := base64.StdEncoding.DecodedLen(len(b64))
		fh.data = slices.Grow(fh.data, need)[:start+need]
		n, err := base64.StdEncoding.Decode(fh.data[start:], b64)
		if err != nil {
			fh.data = append(fh.data[:start], b64...)
			fh.records = append(fh.records, firehoseRecord{span{start, len(fh.data)}, "firehose record data is not base64: " + err.Error()})
			continue
		}
		fh.data = fh.data[:start+n]
		fh.records = append(fh.records, firehoseRecord{at: span{start, start + n}})
	}
	in.begin(w)
	for _, r := range fh.records {
		if r.reject != "" {
			in.reject(w, fh.data[r.at.start:r.at.end], r.reject)
			continue
		}
		in.addBody(w, fh.data[r.at.start:r.at.end])
	}
	c, err := in.commit(w)
	if err != nil {
		return firehoseError(Status(err), requestID, err, in.now())
	}
	return FirehoseAnswer{Status: http.StatusOK, Body: firehoseBody(requestID, in.now(), ""), Counts: c}
}

// firehoseRecord is one record's data, decoded, in firehose.data; or the
// record as it came, when it is to be rejected (why).
type firehoseRecord struct {
	at     span
	reject string
}

// FirehoseError is the answer to a Firehose request an adapter refuses
// before Firehose sees it (a body too large or too slow).
func FirehoseError(status int, requestID, msg string) FirehoseAnswer {
	return FirehoseAnswer{Status: status, Body: firehoseBody(requestID, time.Now(), msg), Err: errors.New(msg)}
}

func firehoseError(status int, requestID string, err error, now time.Time) FirehoseAnswer {
	return FirehoseAnswer{Status: status, Body: firehoseBody(requestID, now, Message(err)), Err: err}
}

// firehoseBody is {"requestId","timestamp"} and, for an error, "errorMessage".
func firehoseBody(requestID string, now time.Time, errorMessage string) []byte {
	b := append([]byte(`{"requestId":`), transform.AppendJSONString(nil, requestID)...)
	b = append(b, `,"timestamp":`...)
	b = strconv.AppendInt(b, now.UnixMilli(), 10)
	if errorMessage != "" {
		b = append(b, `,"errorMessage":`...)
		b = transform.AppendJSONString(b, errorMessage)
	}
	return append(b, '}')
}
