package parquetfile_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/datatap/datatap/internal/parquetfile"
	"github.com/datatap/datatap/transform"
)

// logColumns are the columns of a typical access/application log row, the
// shape the benchmarks and the size comparison with DuckDB use.
var logColumns = []parquetfile.Column{
	{Name: "ts", Type: transform.Timestamp},
	{Name: "level", Type: transform.Varchar},
	{Name: "service", Type: transform.Varchar},
	{Name: "status", Type: transform.Int32},
	{Name: "latency_ms", Type: transform.Double},
	{Name: "user_id", Type: transform.Int64},
	{Name: "msg", Type: transform.Varchar},
	{Name: "path", Type: transform.Varchar},
}

// logDuckDBColumns declares logColumns for DuckDB's read_json.
const logDuckDBColumns = `{ts: 'TIMESTAMPTZ', level: 'VARCHAR', service: 'VARCHAR', status: 'INTEGER', latency_ms: 'DOUBLE', user_id: 'BIGINT', msg: 'VARCHAR', path: 'VARCHAR'}`

// logGen makes deterministic log rows: timestamps a few ms apart, skewed
// levels and statuses, a dozen services, ~5,000 users, ~40 routes with ids
// in them, and messages built from templates with variable parts (request
// ids, durations), so some columns are low-cardinality and others nearly
// unique, as in real logs.
type logGen struct {
	rng *rand.Rand
	ts  int64
	row []transform.Value
}

var (
	logLevels   = []string{"INFO", "INFO", "INFO", "INFO", "INFO", "INFO", "DEBUG", "DEBUG", "WARN", "ERROR"}
	logServices = []string{"api", "auth", "billing", "checkout", "search", "catalog", "gateway", "worker", "mailer", "images", "inventory", "reports"}
	logStatuses = []int64{200, 200, 200, 200, 200, 200, 200, 201, 204, 301, 304, 400, 401, 403, 404, 404, 500, 502, 503}
	logRoutes   = []string{"/api/v1/users/%d", "/api/v1/orders/%d", "/api/v1/orders/%d/items", "/api/v1/products/%d", "/api/v1/cart", "/api/v1/search", "/health", "/login", "/logout", "/static/app.js", "/static/app.css", "/api/v2/invoices/%d/pdf"}
	logMessages = []string{
		"request completed in %dms (req_id=%016x)",
		"cache miss for key user:%d:profile, fetching from primary",
		"payment authorized for order %d amount=%d.%02d EUR",
		"slow query detected: SELECT * FROM orders WHERE user_id = %d took %dms",
		"upstream %s returned status %d after %d retries",
		"user %d logged in from 10.%d.%d.%d",
		"rate limit exceeded for token tk_%012x",
	}
)

func newLogGen(seed uint64) *logGen {
	return &logGen{
		rng: rand.New(rand.NewPCG(seed, 0x5eed)),
		ts:  1_718_000_000_000_000, // 2024-06-10, in µs
		row: make([]transform.Value, len(logColumns)),
	}
}

// next returns the next row, reusing the slice of the previous one.
func (g *logGen) next() []transform.Value {
	r := g.rng
	g.ts += int64(r.IntN(4000)) // µs
	user := int64(r.IntN(5000) + 1)
	status := logStatuses[r.IntN(len(logStatuses))]
	latency := math.Round(math.Exp(r.NormFloat64()+3)*1000) / 1000
	route := logRoutes[r.IntN(len(logRoutes))]
	path := route
	if strings.Contains(route, "%") {
		path = fmt.Sprintf(route, r.IntN(100000))
	}
	var msg string
	switch k := r.IntN(len(logMessages)); k {
	case 0:
		msg = fmt.Sprintf(logMessages[k], int(latency), r.Uint64())
	case 1:
		msg = fmt.Sprintf(logMessages[k], user)
	case 2:
		msg = fmt.Sprintf(logMessages[k], r.IntN(1_000_000), r.IntN(500), r.IntN(100))
	case 3:
		msg = fmt.Sprintf(logMessages[k], user, int(latency)*10)
	case 4:
		msg = fmt.Sprintf(logMessages[k], logServices[r.IntN(len(logServices))], status, r.IntN(3))
	case 5:
		msg = fmt.Sprintf(logMessages[k], user, r.IntN(256), r.IntN(256), r.IntN(256))
	default:
		msg = fmt.Sprintf(logMessages[k], r.Uint64()>>16)
	}
	g.row[0] = transform.Value{Type: transform.Timestamp, I: g.ts}
	g.row[1] = transform.Value{Type: transform.Varchar, S: logLevels[r.IntN(len(logLevels))]}
	g.row[2] = transform.Value{Type: transform.Varchar, S: logServices[r.IntN(len(logServices))]}
	g.row[3] = transform.Value{Type: transform.Int32, I: status}
	g.row[4] = transform.Value{Type: transform.Double, F: latency}
	g.row[5] = transform.Value{Type: transform.Int64, I: user}
	g.row[6] = transform.Value{Type: transform.Varchar, S: msg}
	g.row[7] = transform.Value{Type: transform.Varchar, S: path}
	if r.IntN(50) == 0 { // some users are anonymous
		g.row[5] = transform.Value{}
	}
	return g.row
}

// appendNDJSON appends row as one NDJSON line, the form the rows arrive in,
// so benchmarks can report input bytes and DuckDB can read the same rows.
func appendNDJSON(dst []byte, cols []parquetfile.Column, row []transform.Value) []byte {
	dst = append(dst, '{')
	for i, v := range row {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = transform.AppendJSONString(dst, cols[i].Name)
		dst = append(dst, ':')
		if v.Type == transform.Timestamp {
			// µs since the epoch as text DuckDB reads exactly into TIMESTAMPTZ.
			dst = append(dst, '"')
			dst = v.AppendText(dst)
			dst = append(dst, "+00\""...)
			continue
		}
		dst = v.AppendJSON(dst)
	}
	return append(dst, '}', '\n')
}

// genLogRows returns n log rows, each with its own values, and their size
// as NDJSON.
func genLogRows(n int) ([][]transform.Value, int64) {
	g := newLogGen(1)
	rows := make([][]transform.Value, n)
	var size int64
	var line []byte
	for i := range rows {
		row := g.next()
		rows[i] = append([]transform.Value(nil), row...)
		line = appendNDJSON(line[:0], logColumns, row)
		size += int64(len(line))
	}
	return rows, size
}
