package lambda

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"

	"github.com/klauspost/compress/gzip"
	"github.com/valyala/fastjson"

	"github.com/datatap/datatap/internal/cors"
	"github.com/datatap/datatap/internal/ingest"
	"github.com/datatap/datatap/transform"
)

// errUnsupportedEvent is returned for an event that is none of a Function
// URL request (payload format 2.0), Kinesis or SQS records, or a CloudWatch
// Logs subscription event.
var errUnsupportedEvent = errors.New("unsupported event: expected a Function URL request (payload format 2.0), Kinesis or SQS records, or a CloudWatch Logs subscription event")

// eventKind is what an event turned out to be.
type eventKind int

const (
	kindFunctionURL eventKind = iota + 1
	kindKinesis
	kindSQS
	kindCloudWatchLogs
)

// httpRequest is the part of a Function URL event the tap uses.
type httpRequest struct {
	Method, Path, RequestID string
	ContentEncoding         string
	Authorization           string // the header, for JWT
	IAMUserArn              string // requestContext.authorizer.iam.userArn, with AWS_IAM auth
	// The headers of Firehose HTTP endpoint delivery (ingest.Firehose).
	FirehoseRequestID, FirehoseAccessKey string
	Body                                 []byte // decoded from base64 when it was
	// The CORS headers (see package cors), read only when CORS is on.
	Origin, RequestMethod, RequestPrivateNetwork string
}

// record is one Kinesis or SQS record: its id for batchItemFailures and its data.
type record struct {
	ID   string
	Data []byte
}

// decoder turns event payloads into requests or records, reusing its parser
// and buffers: the results are valid until the next call.
type decoder struct {
	cors    bool // read the CORS headers of Function URL requests
	parser  fastjson.Parser
	req     httpRequest
	text    []byte // the body member, unescaped (see cutBody)
	rest    []byte // the event without it
	body    []byte
	records []record
	data    []byte

	// CloudWatch Logs (cloudwatch.go)
	maxBody  int64 // cap on the decompressed data: TAP_MAX_BODY_BYTES
	gzip     *gzip.Reader
	unzipped bytes.Buffer
	ends     []int
	rows     [][]byte
	cwl      *cloudWatchLogs
}

// decode reads one event. For kindCloudWatchLogs, the event is in d.cwl.
func (d *decoder) decode(payload []byte) (eventKind, *httpRequest, []record, error) {
	// Take the (large) body out first, so that the parser only sees the
	// small rest of the event; without a top-level string "body" (Kinesis,
	// SQS) the event is parsed whole.
	var body []byte
	cut := false
	if text, rest, err := cutBody(payload, d.text[:0], d.rest[:0]); err == nil {
		d.text, d.rest = text, rest
		body, payload, cut = text, rest, true
	}
	v, err := d.parser.ParseBytes(payload)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("%w (the payload is not JSON: %v)", errUnsupportedEvent, err)
	}
	if h := v.Get("requestContext", "http"); h != nil {
		if !cut {
			body = v.GetStringBytes("body")
		}
		req, err := d.functionURL(v, body)
		return kindFunctionURL, req, nil, err
	}
	if data := v.Get("awslogs", "data"); data != nil && data.Type() == fastjson.TypeString {
		d.cwl, err = d.cloudWatchLogs(data.GetStringBytes())
		return kindCloudWatchLogs, nil, nil, err
	}
	recs := v.GetArray("Records")
	if len(recs) == 0 {
		return 0, nil, nil, errUnsupportedEvent
	}
	switch source := string(recs[0].GetStringBytes("eventSource")); source {
	case "aws:kinesis":
		rs, err := d.kinesis(recs)
		return kindKinesis, nil, rs, err
	case "aws:sqs":
		return kindSQS, nil, d.sqs(recs), nil
	default:
		return 0, nil, nil, fmt.Errorf("%w (records from %q)", errUnsupportedEvent, source)
	}
}

func (d *decoder) functionURL(v *fastjson.Value, body []byte) (*httpRequest, error) {
	req := &d.req
	*req = httpRequest{
		Method:          string(v.GetStringBytes("requestContext", "http", "method")),
		Path:            string(v.GetStringBytes("rawPath")),
		RequestID:       string(v.GetStringBytes("requestContext", "requestId")),
		ContentEncoding: string(v.GetStringBytes("headers", "content-encoding")),
		Authorization:   string(v.GetStringBytes("headers", "authorization")),
		IAMUserArn:      string(v.GetStringBytes("requestContext", "authorizer", "iam", "userArn")),

		FirehoseRequestID: string(v.GetStringBytes("headers", "x-amz-firehose-request-id")),
		FirehoseAccessKey: string(v.GetStringBytes("headers", "x-amz-firehose-access-key")),
	}
	if d.cors {
		// Function URL events carry header names in lower case.
		h := v.Get("headers")
		req.Origin = string(h.GetStringBytes("origin"))
		req.RequestMethod = string(h.GetStringBytes("access-control-request-method"))
		req.RequestPrivateNetwork = string(h.GetStringBytes("access-control-request-private-network"))
	}
	if !v.GetBool("isBase64Encoded") {
		req.Body = body
		return req, nil
	}
	n, err := base64Decode(&d.body, body)
	if err != nil {
		return req, fmt.Errorf("%w: body is not valid base64: %v", ingest.ErrBadBody, err)
	}
	req.Body = d.body[:n]
	return req, nil
}

func (d *decoder) kinesis(recs []*fastjson.Value) ([]record, error) {
	d.records = d.records[:0]
	// Room for every record's data as it came (more than decoded base64
	// needs), so that a record kept raw cannot crowd out the next one.
	total := 0
	for _, r := range recs {
		total += len(r.GetStringBytes("kinesis", "data"))
	}
	if cap(d.data) < total {
		d.data = make([]byte, total)
	}
	d.data = d.data[:total]
	off := 0
	for _, r := range recs {
		id := string(r.GetStringBytes("kinesis", "sequenceNumber"))
		n, err := decodeBase64(d.data[off:], r.GetStringBytes("kinesis", "data"))
		if err != nil {
			// Not a failure to report back: retrying cannot fix it. Keep it
			// as one rejected line so that nothing vanishes silently.
			n = copy(d.data[off:], r.GetStringBytes("kinesis", "data"))
		}
		d.records = append(d.records, record{ID: id, Data: d.data[off : off+n]})
		off += n
	}
	return d.records, nil
}

func (d *decoder) sqs(recs []*fastjson.Value) []record {
	d.records = d.records[:0]
	for _, r := range recs {
		d.records = append(d.records, record{ID: string(r.GetStringBytes("messageId")), Data: r.GetStringBytes("body")})
	}
	return d.records
}

func base64Decode(dst *[]byte, src []byte) (int, error) {
	n := base64.StdEncoding.DecodedLen(len(src))
	if cap(*dst) < n {
		*dst = make([]byte, n)
	}
	*dst = (*dst)[:n]
	return decodeBase64(*dst, src)
}

// httpResponse renders a Function URL response with a JSON body (none when
// jsonBody is nil), the CORS headers and the others.
func httpResponse(dst []byte, status int, jsonBody []byte, corsHeaders, headers []cors.Header) []byte {
	dst = append(dst, `{"statusCode":`...)
	dst = strconv.AppendInt(dst, int64(status), 10)
	dst = append(dst, `,"headers":{`...)
	sep := false
	header := func(name, value string) {
		if sep {
			dst = append(dst, ',')
		}
		sep = true
		dst = transform.AppendJSONString(dst, name)
		dst = append(dst, ':')
		dst = transform.AppendJSONString(dst, value)
	}
	if jsonBody != nil {
		header("content-type", "application/json")
	}
	for _, h := range corsHeaders {
		header(h.Name, h.Value)
	}
	for _, h := range headers {
		header(h.Name, h.Value)
	}
	dst = append(dst, `},"body":`...)
	dst = transform.AppendJSONString(dst, string(jsonBody))
	return append(dst, `,"isBase64Encoded":false}`...)
}

func countsBody(c ingest.Counts) []byte {
	return fmt.Appendf(nil, `{"accepted":%d,"filtered":%d,"rejected":%d}`, c.Accepted, c.Filtered, c.Rejected)
}
