package transform

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/valyala/fastjson"
)

// benchStatement is the shape the budgets talk about: a 7-column projection
// with a 2-predicate filter.
const benchStatement = `SELECT ts::TIMESTAMP AS ts, level, user.id AS user_id, latency_ms::INT64 AS latency_ms,
	msg, status, service WHERE level <> 'debug' AND status >= 200`

// benchRecords returns n realistic log records of about 300 bytes, the same
// on every run.
func benchRecords(n int) [][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	levels := []string{"info", "info", "info", "warn", "error", "debug"}
	services := []string{"checkout", "search", "auth", "inventory"}
	out := make([][]byte, n)
	for i := range out {
		out[i] = fmt.Appendf(nil, `{"ts":"2024-05-01T10:%02d:%02d.%03dZ","level":%q,"service":%q,"status":%d,`+
			`"latency_ms":%.3f,"user":{"id":%d,"name":"user-%d"},"msg":"request served in time for user %d",`+
			`"request_id":"%016x","path":"/api/v1/items/%d","ua":"Mozilla/5.0 (X11; Linux x86_64)"}`,
			r.IntN(60), r.IntN(60), r.IntN(1000), levels[r.IntN(len(levels))], services[r.IntN(len(services))],
			[]int{200, 200, 201, 204, 301, 404, 500, 199}[r.IntN(8)], r.Float64()*250, r.IntN(1e6), r.IntN(1e6),
			r.IntN(1e6), r.Uint64(), r.IntN(1e5))
	}
	return out
}

func mustCompile(tb testing.TB, src string) *Program {
	tb.Helper()
	p, err := Compile(src)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func avgLen(lines [][]byte) int64 {
	n := 0
	for _, l := range lines {
		n += len(l)
	}
	return int64(n / len(lines))
}

// BenchmarkEval measures evaluation alone, on records parsed beforehand.
func BenchmarkEval(b *testing.B) {
	prog := mustCompile(b, benchStatement)
	lines := benchRecords(512)
	recs := make([]*fastjson.Value, len(lines))
	for i, l := range lines {
		var p fastjson.Parser // one parser per record keeps every record alive
		v, err := ParseRecord(&p, l)
		if err != nil {
			b.Fatal(err)
		}
		recs[i] = v
	}
	st := prog.NewState()
	b.SetBytes(avgLen(lines))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		prog.Eval(st, recs[i%len(recs)])
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/record")
}

// BenchmarkParseEval measures what the pipeline does per line: validate,
// parse, evaluate.
func BenchmarkParseEval(b *testing.B) {
	prog := mustCompile(b, benchStatement)
	lines := benchRecords(512)
	st := prog.NewState()
	var p fastjson.Parser
	b.SetBytes(avgLen(lines))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		rec, err := ParseRecord(&p, lines[i%len(lines)])
		if err != nil {
			b.Fatal(err)
		}
		prog.Eval(st, rec)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/record")
}

// BenchmarkParse is the parsing share of BenchmarkParseEval.
func BenchmarkParse(b *testing.B) {
	lines := benchRecords(512)
	var p fastjson.Parser
	b.SetBytes(avgLen(lines))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := ParseRecord(&p, lines[i%len(lines)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvalWide measures evaluation of statements that name many
// top-level keys of a 40-key record, where the paths are resolved in one
// walk over the record (walkKeys) rather than one lookup per key.
func BenchmarkEvalWide(b *testing.B) {
	line := []byte{'{'}
	for k := range 40 {
		if k > 0 {
			line = append(line, ',')
		}
		line = fmt.Appendf(line, `"key_%02d":%d`, k, k*7)
	}
	line = append(line, '}')
	for _, n := range []int{8, 12, 16, 24, 32} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			stmt := "SELECT "
			for i := range n {
				if i > 0 {
					stmt += ", "
				}
				stmt += fmt.Sprintf("key_%02d", 39-i*39/n)
			}
			prog := mustCompile(b, stmt+" WHERE key_39 > 0")
			var p fastjson.Parser
			rec, err := ParseRecord(&p, line)
			if err != nil {
				b.Fatal(err)
			}
			st := prog.NewState()
			b.ReportAllocs()
			for b.Loop() {
				if !prog.Eval(st, rec) || len(st.Row) != n {
					b.Fatal("the record was not kept")
				}
			}
		})
	}
}

// BenchmarkEvalStar measures SELECT * with a filter: every field copied out.
func BenchmarkEvalStar(b *testing.B) {
	prog := mustCompile(b, "SELECT * EXCLUDE (ua) WHERE status >= 200 PARTITION BY service")
	lines := benchRecords(512)
	st := prog.NewState()
	var p fastjson.Parser
	b.SetBytes(avgLen(lines))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		rec, _ := ParseRecord(&p, lines[i%len(lines)])
		prog.Eval(st, rec)
	}
}

// TestEvalAllocatesNothing pins the promise the benchmarks report: once the
// State is warm, evaluating the common case allocates nothing per record.
func TestEvalAllocatesNothing(t *testing.T) {
	for _, stmt := range []string{
		benchStatement,
		"SELECT *, lower(level) AS l, upper(service) || '-' || status AS k WHERE level IN ('info', 'warn') PARTITION BY service, strftime(ts, '%Y-%m-%d') AS day",
		"SELECT CASE WHEN status >= 500 THEN 'error' ELSE 'ok' END AS class, user.id::VARCHAR AS uid, msg LIKE '%time%' AS t, regexp_matches(path, '/items/[0-9]+$') AS item",
		"SELECT * EXCLUDE (ua) REPLACE (lower(level) AS level, status // 100 AS status)",
		"SELECT user->>'name' AS n, user->'id' AS i, json_type(user, '$.id') AS t, json_extract_string(user, '$.name') AS n2, date_trunc('hour', ts) AS h, year(ts) AS y, " +
			"ts + INTERVAL 1 DAY AS d, date_diff('minute', ts, TIMESTAMP '2024-05-02') AS dd, greatest(status, 300) AS g, sqrt(latency_ms) AS s, msg GLOB '*time*' AS gl, " +
			"msg ~ '.*user [0-9]+' AS re, level IS DISTINCT FROM 'info' AS di, if(status >= 500, 'bad', 'ok') AS f, latency_ms::FLOAT AS fl, status::SMALLINT AS sm",
		"SELECT md5(request_id) AS h, sha256(user.name) AS h2, split_part(path, '/', 3) AS p, lpad(level, 6, '.') AS l, strpos(msg, 'time') AS i, left(msg, 4) AS m, " +
			"concat_ws('-', service, status) AS k, printf('%s:%05d', level, status) AS f, format('{}/{}', service, user.id) AS g, reverse(service) AS r, trim(LEADING 'r' FROM msg) AS t",
		"SELECT string_split(path, '/') AS parts, string_split(path, '/')[2] AS p, len(string_split(msg, ' ')) AS n, list_contains(string_split(path, '/'), 'items') AS c, " +
			"[level, service] AS l, [status, 1][1] AS s, msg[1] AS m, msg[2:4] AS m2, string_split(path, '/')[2:] AS tail, list_slice([1, 2, 3], 2, 3) AS k, " +
			"(user::VARCHAR)->>'name' AS n2, json_type(user::VARCHAR, '$.id') AS t, " +
			"regexp_matches(msg, level) AS re, regexp_matches(path, service, 'i') AS re2",
		"SELECT msg ~ ('.*' || level || '.*') AS a, service SIMILAR TO (left(service, 2) || '.*') AS b, msg GLOB ('*' || level || '*') AS c, msg NOT GLOB (service || '*') AS d, " +
			"list_concat(string_split(path, '/'), [level]) AS l, len(list_concat(string_split(path, '/'), string_split(msg, ' '))) AS n, (user::VARCHAR)::JSON AS j",
		"SELECT COLUMNS('^(level|status|user)$'), lower(msg) AS m WHERE status >= 200",
		"SELECT latency_ms::DECIMAL(38,10) AS d, latency_ms::DECIMAL(10,3) AS e, (latency_ms::VARCHAR)::DECIMAL(38,3) AS f, status::DECIMAL(20,2) AS g, " +
			"(user.id::VARCHAR || '123456789012345678.5')::DECIMAL(38,1) AS h, status::UBIGINT * 3 + 1 AS u",
	} {
		prog := mustCompile(t, stmt)
		lines := benchRecords(64)
		st := prog.NewState()
		var p fastjson.Parser
		for _, l := range lines { // warm up scratch space
			rec, _ := ParseRecord(&p, l)
			prog.Eval(st, rec)
		}
		i := 0
		allocs := testing.AllocsPerRun(1000, func() {
			rec, _ := ParseRecord(&p, lines[i%len(lines)])
			prog.Eval(st, rec)
			i++
		})
		if allocs != 0 {
			t.Errorf("%s: %.2f allocations per record, want 0", stmt, allocs)
		}
	}
}

// BenchmarkNeedsRepair is what ParseRecord adds per line for the content
// rules on the common path (valid UTF-8, no lone surrogate): one utf8.Valid
// and one IndexByte.
func BenchmarkNeedsRepair(b *testing.B) {
	lines := benchRecords(512)
	b.SetBytes(avgLen(lines))
	for i := 0; b.Loop(); i++ {
		if needsRepair(lines[i%len(lines)]) {
			b.Fatal("a bench record needs repair")
		}
	}
}

// BenchmarkAppendJSON compares our marshaller of nested values with
// fastjson's MarshalTo (which it replaces: MarshalTo quotes special
// characters the Go way), on whole records, with strings already read.
func BenchmarkAppendJSON(b *testing.B) {
	lines := benchRecords(512)
	recs := make([]*fastjson.Value, len(lines))
	for i, l := range lines {
		var p fastjson.Parser
		v, err := ParseRecord(&p, l)
		if err != nil {
			b.Fatal(err)
		}
		touchAll(v)
		recs[i] = v
	}
	var buf []byte
	b.Run("ours", func(b *testing.B) {
		b.SetBytes(avgLen(lines))
		for i := 0; b.Loop(); i++ {
			buf = appendJSONValue(buf[:0], recs[i%len(recs)])
		}
	})
	b.Run("fastjson", func(b *testing.B) {
		b.SetBytes(avgLen(lines))
		for i := 0; b.Loop(); i++ {
			buf = recs[i%len(recs)].MarshalTo(buf[:0])
		}
	})
}
