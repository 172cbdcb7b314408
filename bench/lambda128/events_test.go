package lambda128

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"
)

// corpus produces realistic application log lines (about 300 bytes of JSON
// each), the same on every run. Every line has a unique "seq", numbered from
// 0, so that the read-back can tell a lost row from a duplicated one.
type corpus struct {
	r       *rand.Rand
	seq     int
	pending []byte // a line that did not fit in the last body
}

func newCorpus() *corpus { return &corpus{r: rand.New(rand.NewPCG(128, 1769))} }

var (
	levels   = []string{"info", "info", "info", "info", "warn", "error", "debug"}
	services = []string{"checkout", "search", "auth", "inventory", "payments"}
	methods  = []string{"GET", "GET", "GET", "POST", "PUT", "DELETE"}
	statuses = []int{200, 200, 200, 200, 201, 204, 301, 400, 404, 500, 503}
	routes   = []string{"/api/v1/items/%d", "/api/v1/orders/%d", "/api/v1/users/%d/cart", "/search?q=item-%d", "/health/%d"}
	messages = []string{"request served", "cache miss, fetched from origin", "slow upstream response",
		"token refreshed", "order placed", "validation failed: quantity must be positive", "retrying after timeout"}
)

// line appends one NDJSON line.
func (c *corpus) line(dst []byte) []byte {
	r := c.r
	ts := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC).Add(time.Duration(c.seq) * 1731 * time.Microsecond)
	dst = fmt.Appendf(dst, `{"ts":%q,"seq":%d,"level":%q,"service":%q,"host":"ip-10-0-%d-%d",`+
		`"method":%q,"path":%q,"status":%d,"latency_ms":%.3f,"bytes":%d,"user":{"id":"u-%06d"},`+
		`"trace_id":"1-%08x-%08x%016x","msg":%q}`+"\n",
		ts.Format("2006-01-02T15:04:05.000000Z"), c.seq, levels[r.IntN(len(levels))], services[r.IntN(len(services))],
		r.IntN(16), r.IntN(256),
		methods[r.IntN(len(methods))], fmt.Sprintf(routes[r.IntN(len(routes))], r.IntN(100000)),
		statuses[r.IntN(len(statuses))], r.ExpFloat64()*40, r.IntN(64<<10), r.IntN(1000000),
		uint32(ts.Unix()), r.Uint32(), r.Uint64(), messages[r.IntN(len(messages))])
	c.seq++
	return dst
}

// body returns whole lines filling at most size bytes, and their number.
func (c *corpus) body(size int) ([]byte, int) {
	out := make([]byte, 0, size)
	n := 0
	for {
		line := c.pending
		if line == nil {
			line = c.line(nil)
		}
		if len(out)+len(line) > size && n > 0 {
			c.pending = line
			return out, n
		}
		out, n, c.pending = append(out, line...), n+1, nil
	}
}

// functionURLEvent is the event Lambda hands to the runtime for a POST to
// the function URL (payload format 2.0), with the body as text, as a Lambda
// Function URL delivers a text/NDJSON body.
func functionURLEvent(body []byte, i int) []byte {
	now := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second)
	ev := map[string]any{
		"version":        "2.0",
		"routeKey":       "$default",
		"rawPath":        "/",
		"rawQueryString": "",
		"headers": map[string]string{
			"content-type":      "application/x-ndjson",
			"content-length":    fmt.Sprint(len(body)),
			"host":              "abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws",
			"user-agent":        "datatap-send/1.0",
			"x-amzn-trace-id":   fmt.Sprintf("Root=1-%08x-%024d", now.Unix(), i),
			"x-forwarded-for":   "203.0.113.7",
			"x-forwarded-port":  "443",
			"x-forwarded-proto": "https",
		},
		"requestContext": map[string]any{
			"accountId":    "anonymous",
			"apiId":        "abcdefghijklmnopqrstuvwxyz012345",
			"domainName":   "abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws",
			"domainPrefix": "abcdefghijklmnopqrstuvwxyz012345",
			"http": map[string]string{"method": "POST", "path": "/", "protocol": "HTTP/1.1",
				"sourceIp": "203.0.113.7", "userAgent": "datatap-send/1.0"},
			"requestId": fmt.Sprintf("lambda128-%06d", i),
			"routeKey":  "$default",
			"stage":     "$default",
			"time":      now.Format("02/Jan/2006:15:04:05 -0700"),
			"timeEpoch": now.UnixMilli(),
		},
		"body":            string(body),
		"isBase64Encoded": false,
	}
	b, err := json.Marshal(ev)
	if err != nil {
		panic(err)
	}
	return b
}
