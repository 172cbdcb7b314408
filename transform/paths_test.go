package transform_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/datatap/datatap/transform"
	"github.com/valyala/fastjson"
)

// TestPathModesAgree evaluates every statement of the DuckDB differential
// test, and statements that name paths many times, in the three ways paths
// are resolved (each looked up directly; repeated ones cached; all filled
// by one walk over the record) and requires the same rows, partitions and
// counters from each. The corpus is the differential test's, plus its lines
// with keys sent twice (the first wins), in reverse order, and records that
// are not objects.
func TestPathModesAgree(t *testing.T) {
	lines := writeCorpus(t, filepath.Join(t.TempDir(), "events.ndjson"))
	n := len(lines)
	for i, l := range lines[:n/4] {
		body := strings.TrimPrefix(strings.TrimSuffix(l, "}"), "{")
		switch i % 3 {
		case 0: // a key sent twice: first the new value, then the record's
			lines = append(lines, `{"level":"dup","status":"x","user":{"id":-1},`+body+`}`)
		case 1: // a key sent twice: the record's value first
			lines = append(lines, `{`+body+`,"level":7,"user":null,"tags":[]}`)
		case 2: // the keys in reverse order (top-level only)
			var p fastjson.Parser
			rec, err := p.Parse(l)
			if err != nil {
				t.Fatal(err)
			}
			var kvs []string
			rec.GetObject().Visit(func(k []byte, v *fastjson.Value) {
				kvs = append(kvs, fmt.Sprintf("%q:%s", k, v.MarshalTo(nil)))
			})
			slices.Reverse(kvs)
			lines = append(lines, "{"+strings.Join(kvs, ",")+"}")
		}
	}
	lines = append(lines, `[1,2]`, `"level"`, `null`, `{}`, `{"level":{"level":"x"}}`, `{"user":[{"id":1}]}`,
		`{"l\u0065vel":"escaped key","st\u0061tus":200}`,
		// Numbers DOUBLE rounds keep their text in the arena, which concat moves.
		`{"latency":18446744073709551615,"bytes":0.12345678901234567890123,"status":1e400}`)

	stmts := []string{
		"SELECT level, level AS l2, upper(level) AS u, status, status + 1 AS s1 WHERE level <> 'debug' OR status >= 200",
		"SELECT user.id, user.name AS n, user.id * 2 AS i2, user AS u, user['name'] AS n2, tags[1] AS t1, tags[1] AS t2, tags[-1] AS tl",
		"SELECT concat(latency, '/', latency, '/', bytes) AS c, latency AS l, bytes::VARCHAR AS b, concat_ws('-', bytes, bytes) AS w, concat(status, status) AS s",
		"SELECT printf('%s %d', latency, level) AS p, level || 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz' AS z, latency AS l, printf('%s %d', bytes, msg) AS q, msg || 'zzzzzzzzzzzzzzzzzzzzzzzzzzz' AS y, bytes AS b",
		"SELECT * REPLACE (level || '!' AS level, status // 100 AS status), level AS lv WHERE status IS NOT NULL OR level IS NULL",
		"SELECT CASE WHEN status >= 500 THEN level ELSE service END AS k, coalesce(code, flag, level) AS c PARTITION BY level, status",
	}
	for _, s := range slices.Concat(diffStatements, dialectStatements) {
		stmts = append(stmts, s.ourSQL())
	}
	var wide strings.Builder
	wide.WriteString("SELECT ")
	for _, k := range []string{"id", "ts", "level", "service", "msg", "status", "count", "bytes", "latency", "ok", "code", "flag", "seen_at", "epoch", "ms", "user", "tags"} {
		fmt.Fprintf(&wide, "%s AS a_%s, %s::VARCHAR AS b_%s, ", k, k, k, k)
	}
	wide.WriteString("user.id AS uid WHERE level IS DISTINCT FROM 'x'")
	stmts = append(stmts, wide.String())

	modes := []struct {
		name  string
		walk  int
		cache bool
	}{{"direct", 1 << 30, false}, {"cached", 1 << 30, true}, {"walked", 1, true}, {"default", -1, true}}
	for _, stmt := range stmts {
		var want string
		for _, m := range modes {
			restore := func() {}
			if m.walk >= 0 {
				restore = transform.SetPathModes(m.walk, m.cache)
			}
			got := runAll(t, stmt, lines)
			restore()
			if m.name == "direct" {
				want = got
			} else if got != want {
				t.Errorf("%s: %s differs from direct lookups\n got %.2000s\nwant %.2000s", stmt, m.name, got, want)
			}
		}
	}
}

// runAll renders what stmt makes of every line, with its counters and, for
// a program with an event time (TAP_TIME user.id), the time.
func runAll(t *testing.T, stmt string, lines []string) string {
	t.Helper()
	prog, err := transform.Compile(stmt)
	if err != nil {
		t.Fatalf("Compile(%q): %v", stmt, err)
	}
	if prog, err = prog.WithTime("coalesce(ts, seen_at, epoch, user.id, level)"); err != nil {
		t.Fatal(err)
	}
	st := prog.NewState()
	var p fastjson.Parser
	var b []byte
	for _, l := range lines {
		rec, err := p.Parse(l)
		if err != nil {
			t.Fatalf("bad test line %q: %v", l, err)
		}
		if !prog.Eval(st, rec) {
			b = append(b, "filtered\n"...)
			continue
		}
		for _, fs := range [][]transform.Field{st.Row, st.Partition, {{Name: "time", Value: st.Time}}} {
			for _, f := range fs {
				b = append(b, f.Name...)
				b = append(b, '=')
				b = f.Value.AppendJSON(b)
				b = append(b, ' ')
			}
			b = append(b, '|')
		}
		b = append(b, '\n')
	}
	return fmt.Sprintf("%s casts failed %d, rounded %d, duplicates %d", b, st.CastFailures, st.RoundedNumbers, st.DuplicateFields)
}
