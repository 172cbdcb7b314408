package lambda

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"strconv"

	"github.com/klauspost/compress/gzip"
	"github.com/valyala/fastjson"

	"github.com/datatap/datatap/internal/ingest"
	"github.com/datatap/datatap/transform"
)

// CloudWatch Logs subscription events, delivered to the function directly
// (a subscription filter whose destination is this function). Lambda invokes
// the function asynchronously with {"awslogs":{"data":"<base64 of gzip>"}};
// decoded, the data is
//
//	{"messageType":"DATA_MESSAGE","owner":"123456789012",
//	 "logGroup":"/aws/lambda/app","logStream":"2026/12/02/[$LATEST]…",
//	 "subscriptionFilters":["to-datatap"],
//	 "logEvents":[{"id":"3719…","timestamp":1795397491000,"message":"…"},…]}
//
// or a CONTROL_MESSAGE (CloudWatch Logs checking that it can reach the
// destination), which is answered and ignored.
//
// Each log event is one row. When its message is a JSON object (structured
// logs: Lambda's JSON log format, pino, zap, …) the row is that object, so
// its fields become columns as they would from any NDJSON sender; any other
// message is {"message":"<the text>"}. Either way the row also holds
// "awslogs":{"owner","logGroup","logStream","id","timestamp"}, nested under
// one member so that it never collides with the application's own
// "timestamp" or "message" (timestamp is milliseconds since the epoch, as
// CloudWatch Logs gives it). A message object that already has an "awslogs"
// member keeps both, as duplicate keys (counted in the lossy metrics).
//
// Errors: an event whose data is not base64, not gzip or not the JSON above
// fails the invocation, as does a full spool. Lambda retries a failed
// asynchronous invocation twice, then hands it to the function's on-failure
// destination or dead-letter queue when one is configured, else drops it:
// configure one (see README) to keep undecodable events.

// maxCloudWatchLogsData caps the decompressed data of a subscription event
// whatever TAP_MAX_BODY_BYTES says: CloudWatch Logs delivers at most about
// 1 MB of log events per event (PutLogEvents' batch limit) plus their JSON,
// and an event refused for its size would be retried and then lost, so
// the cap only guards memory against what is not CloudWatch Logs. Each row
// is still held to TAP_MAX_LINE_BYTES.
const maxCloudWatchLogsData = 8 << 20

// cloudWatchLogs is one decoded subscription event.
type cloudWatchLogs struct {
	control bool
	rows    [][]byte // one per log event, into decoder.data
}

// cloudWatchLogs decodes the event's awslogs.data (in d.parser's memory).
func (d *decoder) cloudWatchLogs(data []byte) (*cloudWatchLogs, error) {
	n, err := base64Decode(&d.body, data)
	if err != nil {
		return nil, fmt.Errorf("%w: awslogs.data is not valid base64: %v", ingest.ErrBadBody, err)
	}
	if d.gzip == nil {
		d.gzip, err = gzip.NewReader(bytes.NewReader(d.body[:n]))
	} else {
		err = d.gzip.Reset(bytes.NewReader(d.body[:n]))
	}
	if err != nil {
		d.gzip = nil
		return nil, fmt.Errorf("%w: awslogs.data is not gzip: %v", ingest.ErrBadBody, err)
	}
	d.unzipped.Reset()
	limit := max(d.maxBody, maxCloudWatchLogsData)
	m, err := d.unzipped.ReadFrom(io.LimitReader(d.gzip, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%w: awslogs.data: gzip: %v", ingest.ErrBadBody, err)
	}
	if m > limit {
		return nil, fmt.Errorf("%w: awslogs.data decompresses past %d bytes", ingest.ErrTooLarge, limit)
	}
	v, err := d.parser.ParseBytes(d.unzipped.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%w: awslogs.data is not JSON: %v", ingest.ErrBadBody, err)
	}
	switch mt := string(v.GetStringBytes("messageType")); mt {
	case "CONTROL_MESSAGE":
		return &cloudWatchLogs{control: true}, nil
	case "DATA_MESSAGE":
	default:
		return nil, fmt.Errorf("%w: awslogs: messageType %q (want DATA_MESSAGE or CONTROL_MESSAGE)", ingest.ErrBadBody, mt)
	}
	// The part every row shares: {"awslogs":{"owner":…,"logGroup":…,"logStream":…,
	d.data = append(d.data[:0], `{"awslogs":{"owner":`...)
	d.data = transform.AppendJSONString(d.data, string(v.GetStringBytes("owner")))
	d.data = append(d.data, `,"logGroup":`...)
	d.data = transform.AppendJSONString(d.data, string(v.GetStringBytes("logGroup")))
	d.data = append(d.data, `,"logStream":`...)
	d.data = transform.AppendJSONString(d.data, string(v.GetStringBytes("logStream")))
	common := len(d.data)
	events := v.GetArray("logEvents")
	ends := d.ends[:0]
	for _, e := range events {
		d.data = append(d.data, d.data[:common]...)
		d.data = append(d.data, `,"id":`...)
		d.data = transform.AppendJSONString(d.data, string(e.GetStringBytes("id")))
		d.data = append(d.data, `,"timestamp":`...)
		d.data = strconv.AppendInt(d.data, e.GetInt64("timestamp"), 10)
		d.data = append(d.data, '}')
		msg := bytes.TrimSpace(e.GetStringBytes("message"))
		if len(msg) >= 2 && msg[0] == '{' && fastjson.ValidateBytes(msg) == nil {
			if inner := bytes.TrimLeft(msg[1:], " \t\r\n"); inner[0] != '}' {
				d.data = append(d.data, ',')
				d.data = append(d.data, inner...)
			} else {
				d.data = append(d.data, '}')
			}
		} else {
			d.data = append(d.data, `,"message":`...)
			d.data = transform.AppendJSONString(d.data, string(e.GetStringBytes("message")))
			d.data = append(d.data, '}')
		}
		ends = append(ends, len(d.data))
	}
	d.ends = ends
	// Cut the rows only now: d.data may have moved while it grew.
	d.rows = d.rows[:0]
	start := common
	for _, end := range ends {
		d.rows = append(d.rows, d.data[start:end])
		start = end
	}
	return &cloudWatchLogs{rows: d.rows}, nil
}

// cloudWatchLogs spools the rows of a subscription event. Its answer is
// ignored by Lambda (the invocation is asynchronous); an error fails the
// invocation so that Lambda retries it.
func (r *Runtime) cloudWatchLogs(log *slog.Logger, ev *cloudWatchLogs) ([]byte, error) {
	if ev.control {
		return []byte(`{"accepted":0,"filtered":0,"rejected":0}`), nil
	}
	c, err := r.ingester.IngestRows(ev.rows)
	if err != nil {
		if ingest.Status(err) == 429 {
			r.tap.MarkPending() // make room: flush before the next invocation
		}
		log.Warn("cloudwatch logs: event not spooled; Lambda retries it", "err", err)
		return nil, fmt.Errorf("cloudwatch logs: %w", err)
	}
	return countsBody(c), nil
}
