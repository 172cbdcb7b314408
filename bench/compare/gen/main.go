// Command gen writes the corpus of the DuckDB comparison: deterministic
// NDJSON log/event records of about 300 bytes each, until the file reaches
// -size bytes.
//
//	go run ./bench/compare/gen -size 110MB -o .tools/compare/corpus.ndjson
//
// Every record has the same keys in the same order, so that DuckDB's
// read_json infers one type per column from its sample: ts is RFC 3339 in
// UTC with exactly six fraction digits and a Z (TIMESTAMP), status an
// integer, latency_ms a number with three decimals (DOUBLE), user an object
// {id, name} or, for anonymous requests, null. Messages hold JSON escapes
// (quotes, \t, \u00e9, non-ASCII) so both readers' unescaping is compared.
// The same -seed and -size always give the same bytes.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/datatap/datatap/internal/config"
)

func main() {
	sizeFlag := flag.String("size", "110MB", "stop once the file holds this many bytes (110MB = 110,000,000; MiB also accepted)")
	out := flag.String("o", "", "output file (written to a temporary name, renamed when complete)")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	size, err := config.ParseSize(*sizeFlag)
	if err != nil || *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: gen -size 110MB -o FILE")
		os.Exit(2)
	}
	if err := write(*out, size, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func write(path string, size int64, seed uint64) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	defer os.Remove(tmp) // a no-op once renamed
	w := bufio.NewWriterSize(f, 1<<20)
	g := newGen(seed)
	var line []byte
	var written, rows int64
	nextReport := size / 10
	for written < size {
		line = g.appendRecord(line[:0])
		w.Write(line)
		written += int64(len(line))
		rows++
		if written >= nextReport {
			fmt.Fprintf(os.Stderr, "\rgen: %3d%% (%d MB, %d records)", 100*written/size, written/1e6, rows)
			nextReport += size / 10
		}
	}
	fmt.Fprintln(os.Stderr)
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gen: %s: %d bytes, %d records (%.0f bytes each)\n", path, written, rows, float64(written)/float64(rows))
	return nil
}

// Value pools. Duplicates in a list make that value more frequent.
var (
	levels   = []string{"info", "info", "info", "info", "info", "info", "info", "info", "info", "info", "info", "info", "info", "debug", "debug", "debug", "debug", "warn", "warn", "error"}
	services = []string{"api", "auth", "billing", "checkout", "search", "catalog", "gateway", "worker", "mailer", "images", "inventory", "reports"}
	methods  = []string{"GET", "GET", "GET", "GET", "GET", "POST", "POST", "PUT", "DELETE", "PATCH"}
	statuses = []int{200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 201, 204, 301, 304, 304, 400, 401, 403, 404, 404, 429, 500, 502, 503, 101}
	routes   = []string{"/api/v1/users/%d", "/api/v1/orders/%d", "/api/v1/orders/%d/items", "/api/v1/products/%d", "/api/v1/cart", "/api/v1/search?q=%d", "/health", "/login", "/logout", "/static/app.js", "/static/app.css", "/api/v2/invoices/%d/pdf"}
	first    = []string{"alice", "bob", "chloé", "dmitri", "eve", "françois", "grace", "hiro", "ines", "jürgen", "kofi", "lena", "mateo", "nadia", "oskar", "priya"}
	last     = []string{"smith", "martin", "müller", "rossi", "tanaka", "kowalski", "garcia", "dubois", "nguyen", "okafor", "larsen", "silva"}
)

// gen holds the random source and the clock of the records.
type gen struct {
	rng *rand.Rand
	ts  time.Time
}

func newGen(seed uint64) *gen {
	return &gen{
		rng: rand.New(rand.NewPCG(seed, 0xda7a7a9)),
		ts:  time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC),
	}
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// appendRecord appends one NDJSON line.
func (g *gen) appendRecord(b []byte) []byte {
	r := g.rng
	g.ts = g.ts.Add(time.Duration(r.IntN(4000)) * time.Microsecond)
	status := pick(r, statuses)
	latency := math.Exp(r.NormFloat64() + 3) // log-normal, median 20 ms
	user := r.IntN(50_000) + 1

	b = append(b, `{"ts":"`...)
	b = g.ts.AppendFormat(b, "2006-01-02T15:04:05.000000Z")
	b = append(b, `","level":"`...)
	b = append(b, pick(r, levels)...)
	b = append(b, `","service":"`...)
	b = append(b, pick(r, services)...)
	b = append(b, `","host":"ip-10-0-`...)
	b = strconv.AppendInt(b, int64(r.IntN(8)), 10)
	b = append(b, '-')
	b = strconv.AppendInt(b, int64(r.IntN(40)+10), 10)
	b = append(b, `","method":"`...)
	b = append(b, pick(r, methods)...)
	b = append(b, `","path":"`...)
	b = appendRoute(b, r)
	b = append(b, `","status":`...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, `,"latency_ms":`...)
	b = strconv.AppendFloat(b, latency, 'f', 3, 64)
	if r.IntN(25) == 0 {
		b = append(b, `,"user":null`...) // anonymous request
	} else {
		b = append(b, `,"user":{"id":`...)
		b = strconv.AppendInt(b, int64(user), 10)
		b = append(b, `,"name":"`...)
		b = append(b, first[user%len(first)]...)
		b = append(b, '.')
		b = append(b, last[user/len(first)%len(last)]...)
		b = append(b, `"}`...)
	}
	b = append(b, `,"msg":"`...)
	b = g.appendMsg(b, user, status, latency)
	b = append(b, `","request_id":"`...)
	b = fmt.Appendf(b, "%08x-%04x-4%03x-%04x-%012x", r.Uint32(), r.IntN(1<<16), r.IntN(1<<12), 0x8000|r.IntN(1<<14), r.Uint64()>>16)
	return append(b, "\"}\n"...)
}

// appendRoute appends a path, with an id in it when the route has one.
func appendRoute(b []byte, r *rand.Rand) []byte {
	route := pick(r, routes)
	if strings.Contains(route, "%d") {
		return fmt.Appendf(b, route, r.IntN(100_000))
	}
	return append(b, route...)
}

// appendMsg appends a message, already escaped for a JSON string.
func (g *gen) appendMsg(b []byte, user, status int, latency float64) []byte {
	r := g.rng
	switch r.IntN(8) {
	case 0:
		return fmt.Appendf(b, "request completed in %dms", int(latency))
	case 1:
		return fmt.Appendf(b, "cache miss for key user:%d:profile, fetching from primary", user)
	case 2:
		return fmt.Appendf(b, "payment authorized for order %d amount=%d.%02d \u20ac", r.IntN(1_000_000), r.IntN(500), r.IntN(100))
	case 3:
		return fmt.Appendf(b, `slow query: SELECT * FROM orders WHERE note = \"%d\" took %dms`, user, int(latency)*10)
	case 4:
		return fmt.Appendf(b, `upstream %s returned %d after %d retries\tretrying`, pick(r, services), status, r.IntN(3))
	case 5:
		return fmt.Appendf(b, `user %d logged in from 10.%d.%d.%d (caf\u00e9 wifi)`, user, r.IntN(256), r.IntN(256), r.IntN(256))
	case 6:
		return fmt.Appendf(b, "rate limit exceeded for token tk_%012x", r.Uint64()>>16)
	default:
		b = append(b, "GET "...)
		b = appendRoute(b, r)
		return fmt.Appendf(b, " -> %d", status)
	}
}
