package transform

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fastjson"
)

// projectStatements are the statements FuzzEvalLine evaluates both ways:
// nested paths, a path that ends where another goes on (a and a.b), casts
// and functions of the values, no path at all, a partition, the compare
// statement of bench/compare, and an event time.
var projectStatements = []struct{ src, time string }{
	{"SELECT a, b, c, k, x", ""},
	{"SELECT a, a.b AS ab, a.b.c AS abc, b, user.id AS uid, user.name AS un", ""},
	{"SELECT a.b AS ab, a.c AS ac, b.a AS ba WHERE ab IS NOT NULL OR ac IS NULL", ""},
	{"SELECT a::DOUBLE AS d, a::VARCHAR AS v, upper(b) AS u, length(c) AS n, a::INT64 + 1 AS i WHERE a IS NOT NULL OR b IS NOT NULL", ""},
	{"SELECT 1 AS one", ""},
	{"SELECT a PARTITION BY b", ""},
	{"SELECT ts::TIMESTAMP AS ts, level, service, status::INT64 AS status, latency_ms::DOUBLE AS latency_ms, user.id AS user_id, msg, path WHERE level <> 'debug' AND status >= 200", ""},
	{"SELECT a, b", "ts::TIMESTAMP"},
	{"SELECT a", "x.y"},
}

// projectLines are lines the one pass must decide itself (TestEvalLineProjects):
// the shapes senders post most.
var projectLines = []string{
	`{"a":1}`, `{}`, `{ "a" : 1 , "b" : "x" }`, "{\"a\":1,\r\n\t\"b\":2}",
	`{"a": "caf\u00e9", "b": "\ud83d\ude00 ok", "c": "tab\there \"q\" \\ \/"}`,
	`{"a":"café","b":"日本"}`, `{"a":-0.5e+10,"b":0,"c":1E5,"k":12345678901234567890,"x":0.1}`,
	`{"a":true,"b":false,"c":null,"z":[1,{"q":[]}],"y":{"p":{}}}`,
	`{"q":{"b":{"c":1},"d":2},"user":{"id":7,"name":"eve"}}`, `{"a":1,"a":{"b":2}}`, `{"b":"x","b":{"a":1}}`,
	`{"ts":"2024-05-01T00:00:00.002111Z","level":"info","service":"search","host":"ip-10-0-2-47","method":"DELETE","path":"/api/v1/cart","status":201,"latency_ms":25.709,"user":{"id":25780,"name":"eve.rossi"},"msg":"user 25780 logged in from 10.242.31.38 (caf\u00e9 wifi)","request_id":"b9f17c48-c556-431d-9b90-fe7401fe9b5f"}`,
}

func compileProjected(t testing.TB, src, tsrc string) *Program {
	p, err := Compile(src)
	if err != nil {
		t.Fatal(err)
	}
	if tsrc != "" {
		if p, err = p.WithTime(tsrc); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// FuzzEvalLine proves that EvalLine's one pass changes nothing: for any
// statement and line, EvalLine keeps the same rows, with the same values and
// counters, and rejects with the same reason as ParseRecord and Eval of the
// statement compiled without the pass. A NUL in src separates the statement
// from an event-time expression (WithTime).
func FuzzEvalLine(f *testing.F) {
	lines := append(append(append([]string{}, hostileLines...), strictSeeds...), projectLines...)
	lines = append(lines, seedRecords...)
	for _, p := range []string{"testdata/hostile.ndjson", "../internal/ingest/testdata/hostile.ndjson"} {
		if b, err := os.ReadFile(p); err == nil {
			for _, l := range bytes.Split(b, []byte("\n")) {
				lines = append(lines, string(l))
			}
		}
	}
	if fs, err := filepath.Glob("../internal/ingest/testdata/fuzz/*/*"); err == nil {
		for _, p := range fs {
			b, _ := os.ReadFile(p)
			for _, l := range bytes.Split(b, []byte("\\n")) {
				lines = append(lines, string(l))
			}
		}
	}
	var srcs []string
	for _, s := range projectStatements {
		srcs = append(srcs, s.src+"\x00"+s.time)
	}
	srcs = append(srcs, seedStatements...)
	for i, l := range lines {
		f.Add(srcs[i%len(srcs)], []byte(l))
	}
	for i, s := range projectStatements {
		if fast := compileProjected(f, s.src, s.time); fast.proj == nil {
			f.Fatalf("%s: no one pass", s.src)
		}
		for _, l := range projectLines {
			f.Add(srcs[i], []byte(l))
		}
	}
	var p1, p2 fastjson.Parser
	f.Fuzz(func(t *testing.T, src string, line []byte) {
		if strings.Contains(strings.ToLower(src), "uuid(") {
			return // random: the two ways cannot agree
		}
		stmt, tsrc, _ := strings.Cut(src, "\x00")
		compile := func() *Program {
			p, err := Compile(stmt)
			if err == nil && tsrc != "" {
				p, err = p.WithTime(tsrc)
			}
			if err != nil {
				return nil
			}
			return p
		}
		fast := compile()
		if fast == nil || fast.proj == nil {
			return
		}
		restore := SetProjection(false)
		slow := compile()
		restore()
		a, b := fast.NewState(), slow.NewState()
		clock := func() time.Time { return time.Unix(1714550400, 123456000) }
		a.clock, b.clock = clock, clock
		kept, err := fast.EvalLine(a, &p1, line)
		rec, wantErr := ParseRecord(&p2, line)
		switch {
		case (err == nil) != (wantErr == nil):
			t.Fatalf("%s on %q: EvalLine says %v, ParseRecord %v", src, line, err, wantErr)
		case err != nil:
			if err.Error() != wantErr.Error() {
				t.Fatalf("%s on %q: reasons differ: %q, %q", src, line, err, wantErr)
			}
			return
		}
		if want := slow.Eval(b, rec); kept != want {
			t.Fatalf("%s on %q: EvalLine keeps it %v, Eval %v", src, line, kept, want)
		} else if !kept {
			return
		}
		if !sameFields(a.Row, b.Row) || !sameFields(a.Partition, b.Partition) || !sameValue(a.Time, b.Time) {
			t.Fatalf("%s on %q: rows differ:\n%v %v %v\n%v %v %v", src, line, a.Row, a.Partition, a.Time, b.Row, b.Partition, b.Time)
		}
		if a.RoundedNumbers != b.RoundedNumbers || a.CastFailures != b.CastFailures {
			t.Fatalf("%s on %q: counters differ: rounded %d, %d; cast failures %d, %d", src, line,
				a.RoundedNumbers, b.RoundedNumbers, a.CastFailures, b.CastFailures)
		}
	})
}

func sameFields(a, b []Field) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || !sameValue(a[i].Value, b[i].Value) {
			return false
		}
	}
	return true
}

func sameValue(a, b Value) bool {
	if a.Type == JSON || b.Type == JSON {
		return a.Type == b.Type && bytes.Equal(a.AppendJSON(nil), b.AppendJSON(nil))
	}
	return a.Type == b.Type && a.I == b.I && math.Float64bits(a.F) == math.Float64bits(b.F) && a.S == b.S
}

// TestEvalLineProjects checks that the one pass decides the common lines
// itself, for every statement that has it, rather than leaving them all to
// the parser (which FuzzEvalLine could not tell).
func TestEvalLineProjects(t *testing.T) {
	for _, s := range projectStatements {
		p := compileProjected(t, s.src, s.time)
		st := p.NewState()
		for _, l := range projectLines {
			st.begin()
			if !st.project(p.proj, p.paths, []byte(l)) {
				t.Errorf("%s: the one pass leaves %s to the parser", s.src, l)
			}
		}
	}
}

// TestEvalLineDeclines checks that what the pass must not decide goes to
// the parser: a path that ends at an object or array (a JSON value), a key
// or string that needs repair, a lone surrogate, nesting past maxProjDepth.
func TestEvalLineDeclines(t *testing.T) {
	p := compileProjected(t, "SELECT a, b.c AS bc", "")
	st := p.NewState()
	for _, l := range []string{
		`{"a":{"x":1}}`, `{"a":[1]}`, `{"a":"\ud800"}`, `{"a":"\udc00\ud800"}`, "{\"a\":\"\xff\"}",
		`{"\u0061":1}`, "{\"\xc3\xa9\":1}", `{"z":` + string(bytes.Repeat([]byte("["), maxProjDepth+1)) + string(bytes.Repeat([]byte("]"), maxProjDepth+1)) + `}`,
		`[1]`, `{"a":1`, `{"a":01}`, `{"a":NaN}`, "{\"a\":\"\x01\"}", `{"a":"\x"}`, `{"a":1}x`,
	} {
		st.begin()
		if st.project(p.proj, p.paths, []byte(l)) {
			t.Errorf("the one pass decided %s", l)
		}
	}
}

// TestEvalLineOnlyWithPaths checks which statements get the pass: not *,
// not a path with an index.
func TestEvalLineOnlyWithPaths(t *testing.T) {
	for src, want := range map[string]bool{
		"SELECT a": true, "SELECT a.b.c": true, "SELECT 1 AS x": true, "SELECT *": false,
		"SELECT *, a.b AS ab": false, "SELECT a[1].b AS x": false, "SELECT a WHERE b[2].c = 1": false,
	} {
		if got := compileProjected(t, src, "").proj != nil; got != want {
			t.Errorf("%s: one pass %v, want %v", src, got, want)
		}
	}
}

// TestScanString compares scanString with a byte loop, with each kind of
// byte at every offset of a word and in the tail, from every start.
func TestScanString(t *testing.T) {
	naive := func(line []byte, i int) (int, bool, bool) {
		esc, high := false, false
		for i < len(line) {
			switch c := line[i]; {
			case c == '"':
				return i, esc, high
			case c == '\\':
				n := escapeLen(line[i:])
				if n == 0 {
					return -1, false, false
				}
				esc, i = true, i+n
				continue
			case c < 0x20:
				return -1, false, false
			case c >= 0x80:
				high = true
			}
			i++
		}
		return -1, false, false
	}
	kinds := [][]byte{{'a'}, {0}, {0x1f}, {' '}, {'!'}, {'"'}, {'#'}, {'\\'}, {']'}, {0x7f}, {0x80}, {0xc3}, {0xff},
		[]byte(`\n`), []byte(`\u00e9`), []byte(`\x`), []byte(`\u12`)}
	for _, k := range kinds {
		for n := 1; n < 24; n++ {
			for at := 0; at < n; at++ {
				line := append(append(bytes.Repeat([]byte("x"), at), k...), bytes.Repeat([]byte("x"), n-at)...)
				line = append(line, '"')
				for from := 0; from <= at+1; from++ {
					end, esc, high := scanString(line, from)
					wend, wesc, whigh := naive(line, from)
					if end != wend || esc != wesc || high != whigh {
						t.Errorf("scanString(%q, %d) = %d, %v, %v; want %d, %v, %v", line, from, end, esc, high, wend, wesc, whigh)
					}
				}
			}
		}
	}
}

// TestEvalLineBacksOff checks that the pass stops being tried after
// passMisses lines in a row it left to the parser, for passOff lines, and
// is then tried again; the rows are the parser's all along.
func TestEvalLineBacksOff(t *testing.T) {
	p := compileProjected(t, "SELECT a", "")
	st := p.NewState()
	var parser fastjson.Parser
	eval := func(line string) {
		t.Helper()
		if kept, err := p.EvalLine(st, &parser, []byte(line)); err != nil || !kept {
			t.Fatalf("%s: %v, %v", line, kept, err)
		}
	}
	for range passMisses {
		eval(`{"a":{"b":1}}`)
	}
	if st.passOff != passOff {
		t.Fatalf("after %d misses the pass is off for %d lines, want %d", passMisses, st.passOff, passOff)
	}
	for range passOff {
		eval(`{"a":1}`)
	}
	if st.passOff != 0 || st.passMisses != 0 {
		t.Fatalf("off %d, misses %d after the lines off", st.passOff, st.passMisses)
	}
	eval(`{"a":{"b":1}}`)
	if st.passMisses != 1 {
		t.Fatalf("the pass was not tried again: misses %d", st.passMisses)
	}
	if got := st.Row[0].Value; got.Type != JSON {
		t.Fatalf("row %v", st.Row)
	}
}
