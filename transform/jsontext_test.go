package transform

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// hostileLines are valid JSON lines that ingest accepts and whose content
// once made files unwritable or unreadable (issue 11): control characters,
// DEL, quotes and backslashes inside nested strings and keys, invalid UTF-8,
// lone surrogates, empty, duplicate and NUL keys, numbers beyond INT64 and
// DOUBLE. Each is valid JSON except for its invalid UTF-8 bytes, which JSON
// readers replace by U+FFFD, as we do.
var hostileLines = []string{
	`{"user":{"region":"eu\u0007","id":1}}`,
	`{"user":{"region":"\u0000"}}`,
	`{"user":{"region":"\"\u007f"}}`,
	"{\"user\":{\"region\":\"\\\"\x7f\\\\\"}}",
	`{"user":{"region":"a\u001fb\n\t\r\b\f\/"}}`,
	`{"user":{"k\u0007ey":"v","\"q\"":"\\"}}`,
	"{\"user\":{\"region\":\"eu\xff\xfe\",\"k\xc3\":\"\xe2\x82\"}}",
	"{\"a\xff\":1,\"a\xfe\":2,\"b\":\"x\xffy\"}",
	"{\"s\":\"\xed\xa0\x80\"}", // a surrogate encoded in UTF-8 (CESU-8): invalid UTF-8
	`{"o":["\ud800"]}`,
	`{"o":{"\udc00":"\ud800\u0041","p":"\ud83d\ude00"}}`,
	`{"s":"\ud800","t":"\udfff\ud800","u":"\ud83d\ude00","v":"\\ud800","w":"\\\ud800"}`,
	`{"\ud800":1,"user":{"region":"\udbff"}}`,
	`{"":1}`,
	`{"":1,"_empty":2,"b":{"":3}}`,
	`{"a":1,"a":2,"b":3}`,
	`{"k\u0000":1,"k\ufffd":2,"k":3}`,
	`{"a.b":1,"A":2,"a":3,"\u2028":4,"x\u007f":5}`,
	`{"n":18446744073709551615,"m":-9223372036854775809,"h":123456789012345678901234567890}`,
	`{"f":1e400,"g":-1e400,"z":1e-400,"p":0.1234567890123456789,"q":0.30000000000000004,"r":4.9e-324}`,
	`{"user":{"big":18446744073709551616,"exp":1E+400,"neg":-0.0e-0}}`,
	`{"user":"eu\u0007"}`,
	`{"user":[{"region":"x\u0000"},"\u0001"]}`,
	`{"user":{"region":{"deep":["\u0007",{"\u0000":null}]}}}`,
}

// stdDecode decodes JSON text with encoding/json (numbers as text), the
// reference for what a line means: it too makes invalid UTF-8 and lone
// surrogates U+FFFD, and keeps the last of duplicate keys.
func stdDecode(t *testing.T, text []byte) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(text))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("encoding/json cannot read %q: %v", text, err)
	}
	return v
}

// nulKey reports whether the decoded record v has a top-level key holding
// NUL, which ParseRecord makes U+FFFD (a rule encoding/json does not have;
// TestStarNames pins it).
func nulKey(v any) bool {
	m, _ := v.(map[string]any)
	for k := range m {
		if strings.IndexByte(k, 0) >= 0 {
			return true
		}
	}
	return false
}

// checkJSONText fails unless text is JSON that DuckDB and the Parquet writer
// accept: valid per encoding/json and fastjson, valid UTF-8, no lone
// surrogate escape.
func checkJSONText(t *testing.T, what string, text []byte) {
	t.Helper()
	switch {
	case !json.Valid(text):
		t.Errorf("%s: %q is not valid JSON (encoding/json)", what, text)
	case fastjson.ValidateBytes(text) != nil:
		t.Errorf("%s: %q is not valid JSON (fastjson): %v", what, text, fastjson.ValidateBytes(text))
	case !utf8.Valid(text):
		t.Errorf("%s: %q is not valid UTF-8", what, text)
	case hasLoneSurrogate(text):
		t.Errorf("%s: %q holds a lone surrogate", what, text)
	}
}

// TestAppendJSONValue re-marshals hostile records after reading every string
// in them (which is what turned fastjson's MarshalTo into Go quoting) and
// checks that the text is JSON meaning what the line means.
func TestAppendJSONValue(t *testing.T) {
	var p fastjson.Parser
	for _, line := range hostileLines {
		rec, err := ParseRecord(&p, []byte(line))
		if err != nil {
			t.Fatalf("ParseRecord(%q): %v", line, err)
		}
		fresh := appendJSONValue(nil, rec)
		touchAll(rec) // unescape every string and key, as evaluation does
		got := appendJSONValue(nil, rec)
		checkJSONText(t, line, got)
		if !bytes.Equal(fresh, got) {
			t.Errorf("%q: text changes once strings are read:\n%s\n%s", line, fresh, got)
		}
		if want, have := stdDecode(t, []byte(line)), stdDecode(t, got); !nulKey(want) && !reflect.DeepEqual(want, have) {
			t.Errorf("%q: re-marshalled as %s, which means %#v, want %#v", line, got, have, want)
		}
		if back, err := new(fastjson.Parser).ParseBytes(got); err != nil {
			t.Errorf("%q: fastjson cannot parse %s: %v", line, got, err)
		} else if again := appendJSONValue(nil, back); !bytes.Equal(again, got) {
			t.Errorf("%q: not stable: %s then %s", line, got, again)
		}
	}
	// The failures of issue 11, by name.
	for line, want := range map[string]string{
		`{"o":{"r":"eu\u0007"}}`:           `{"r":"eu\u0007"}`,
		`{"o":{"r":"\u0000"}}`:             `{"r":"\u0000"}`,
		`{"o":{"r":"\"\u007f"}}`:           "{\"r\":\"\\\"\x7f\"}",
		`{"o":["\ud800"]}`:                 `["` + "\uFFFD" + `"]`,
		"{\"o\":{\"k\xff\":\"v\xfe\"}}":    `{"k` + "\uFFFD" + `":"v` + "\uFFFD" + `"}`,
		`{"o":[18446744073709551616,1E2]}`: `[18446744073709551616,1E2]`,
	} {
		rec, err := ParseRecord(&p, []byte(line))
		if err != nil {
			t.Fatal(err)
		}
		o := rec.Get("o")
		touchAll(o)
		if got := string(appendJSONValue(nil, o)); got != want {
			t.Errorf("%q: got %s, want %s", line, got, want)
		}
	}
}

// touchAll reads every string and key of v.
func touchAll(v *fastjson.Value) {
	switch v.Type() {
	case fastjson.TypeObject:
		v.GetObject().Visit(func(_ []byte, v *fastjson.Value) { touchAll(v) })
	case fastjson.TypeArray:
		for _, e := range v.GetArray() {
			touchAll(e)
		}
	}
}

func TestAppendJSONValueAllocatesNothing(t *testing.T) {
	var p fastjson.Parser
	rec, err := ParseRecord(&p, []byte(`{"a":{"b":[1,"x\u0007",{"c":null,"d":true}],"e":"f"},"g":false}`))
	if err != nil {
		t.Fatal(err)
	}
	buf := appendJSONValue(nil, rec)
	if allocs := testing.AllocsPerRun(100, func() { buf = appendJSONValue(buf[:0], rec) }); allocs != 0 {
		t.Errorf("appendJSONValue: %.1f allocations, want 0", allocs)
	}
}

// TestParseRecordRepairs pins the rule for what JSON cannot hold as text:
// invalid UTF-8 bytes and lone surrogate escapes become U+FFFD, in top-level
// strings, nested strings and keys; pairs and escaped backslashes stay.
func TestParseRecordRepairs(t *testing.T) {
	var p fastjson.Parser
	for line, want := range map[string]string{
		`{"s":"\ud800"}`:                   "\uFFFD",
		`{"s":"a\udc00b"}`:                 "a\uFFFDb",
		`{"s":"\ud800\u0041"}`:             "\uFFFDA", // fastjson alone would swallow the A
		`{"s":"\ud800\ud800\udc00"}`:       "\uFFFD\U00010000",
		`{"s":"\udfff\ud800"}`:             "\uFFFD\uFFFD",
		`{"s":"\ud83d\ude00"}`:             "\U0001F600",
		`{"s":"\uD83D\uDE00"}`:             "\U0001F600",
		`{"s":"\\ud800"}`:                  `\ud800`, // an escaped backslash, then text
		`{"s":"\\\ud800"}`:                 `\` + "\uFFFD",
		"{\"s\":\"x\xffy\xc3\"}":           "x\uFFFDy\uFFFD",
		"{\"s\":\"\xed\xa0\x80\"}":         "\uFFFD\uFFFD\uFFFD",
		"{\"s\":\"\xf0\x9f\x98\x80\xff\"}": "\U0001F600\uFFFD",
		`{"s":"\u00e9\u2028"}`:             "é\u2028",
	} {
		rec, err := ParseRecord(&p, []byte(line))
		if err != nil {
			t.Fatalf("ParseRecord(%q): %v", line, err)
		}
		if got := string(rec.GetStringBytes("s")); got != want {
			t.Errorf("ParseRecord(%q): s = %q, want %q", line, got, want)
		}
	}
	// Keys and nested strings follow the same rule.
	rec, err := ParseRecord(&p, []byte("{\"k\\ud800\":{\"\\udc00\xff\":[\"\\ud800x\"]}}"))
	if err != nil {
		t.Fatal(err)
	}
	got := string(appendJSONValue(nil, rec))
	if want := "{\"k\uFFFD\":{\"\uFFFD\uFFFD\":[\"\uFFFDx\"]}}"; got != want {
		t.Errorf("nested: got %s, want %s", got, want)
	}
	// A NUL in a top-level key, a column name, becomes U+FFFD; elsewhere it stays.
	rec, err = ParseRecord(&p, []byte(`{"k\u0000":"v\u0000","o":{"n\u0000":["\u0000"]},"a":[{"\u0000":1}]}`))
	if err != nil {
		t.Fatal(err)
	}
	got = string(appendJSONValue(nil, rec))
	if want := `{"k` + "\uFFFD" + `":"v\u0000","o":{"n\u0000":["\u0000"]},"a":[{"\u0000":1}]}`; got != want {
		t.Errorf("NUL keys: got %s, want %s", got, want)
	}
	// Repairing keeps the line's meaning for encoding/json, which has the same rule.
	for _, line := range hostileLines {
		rec, err := ParseRecord(&p, []byte(line))
		if err != nil {
			t.Fatal(err)
		}
		if want := stdDecode(t, []byte(line)); !nulKey(want) && !reflect.DeepEqual(want, stdDecode(t, appendJSONValue(nil, rec))) {
			t.Errorf("%q: repaired into something else: %s", line, appendJSONValue(nil, rec))
		}
	}
}

func TestParseRecordCommonCaseNeedsNoRepair(t *testing.T) {
	for _, line := range benchRecords(64) {
		if needsRepair(line) {
			t.Fatalf("needsRepair(%s) = true", line)
		}
	}
	for _, line := range []string{`{"a":"\u00e9\n\"\\"}`, `{"a":"\ud83d\ude00 ok"}`, `{"ü":"ü"}`} {
		if needsRepair([]byte(line)) {
			t.Errorf("needsRepair(%s) = true, want false", line)
		}
	}
	for _, line := range []string{`{"a":"\ud800"}`, `{"a":"\uDC00"}`, "{\"a\":\"\xff\"}", `{"a":"\ud83d"}`, `{"a":"\ud83d\\ude00"}`} {
		if !needsRepair([]byte(line)) {
			t.Errorf("needsRepair(%s) = false, want true", line)
		}
	}
}

// rowOf evaluates stmt on line (through ParseRecord) and returns the row's
// names and the JSON of each value.
func rowOf(t *testing.T, stmt, line string) (*State, []string, []string) {
	t.Helper()
	prog, err := Compile(stmt)
	if err != nil {
		t.Fatalf("Compile(%q): %v", stmt, err)
	}
	st := prog.NewState()
	var p fastjson.Parser
	rec, err := ParseRecord(&p, []byte(line))
	if err != nil {
		t.Fatalf("ParseRecord(%q): %v", line, err)
	}
	if !prog.Eval(st, rec) {
		t.Fatalf("%s on %s: filtered", stmt, line)
	}
	var names, vals []string
	for _, f := range st.Row {
		names = append(names, f.Name)
		vals = append(vals, string(f.Value.AppendJSON(nil)))
	}
	return st, names, vals
}

func TestStarNames(t *testing.T) {
	f := func(stmt, line, want string, dups int) {
		t.Helper()
		st, names, vals := rowOf(t, stmt, line)
		var b strings.Builder
		for i := range names {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(names[i] + "=" + vals[i])
		}
		if b.String() != want || st.DuplicateFields != dups {
			t.Errorf("%s on %q:\n got %s (%d duplicates)\nwant %s (%d duplicates)", stmt, line, b.String(), st.DuplicateFields, want, dups)
		}
	}
	f("SELECT *", `{"":1}`, `_empty=1`, 0)
	f("SELECT *", `{"":1,"_empty":2,"b":{"":3}}`, `_empty=1 b={"":3}`, 1)
	f("SELECT *", `{"_empty":2,"":1}`, `_empty=2`, 1)
	f("SELECT * EXCLUDE (_empty)", `{"":1,"b":2}`, `b=2`, 0)
	f("SELECT *, 0 AS _empty", `{"":1,"b":2}`, `b=2 _empty=0`, 0)
	f("SELECT *, b[''] AS e", `{"":1,"b":{"":3}}`, `_empty=1 b={"":3} e=3`, 0) // a path reads keys as sent
	// Duplicate keys: the first wins, as a path and DuckDB's j->>'a' read it.
	f("SELECT *", `{"a":1,"a":2,"b":3}`, `a=1 b=3`, 1)
	f("SELECT *, a AS x", `{"a":1,"a":2}`, `a=1 x=1`, 1)
	// Keys that the rules make equal: invalid UTF-8 (by ParseRecord), NUL.
	f("SELECT *", "{\"a\xff\":1,\"a\xfe\":2,\"b\":\"x\xffy\"}", "a\uFFFD=1 b=\"x\uFFFDy\"", 1)
	f("SELECT *", `{"k\u0000":1,"k\ufffd":2,"k":3}`, "k\uFFFD=1 k=3", 1)
	f("SELECT *", `{"\u0000\u0000":1}`, "\uFFFD\uFFFD=1", 0)
	// Kept as sent: other control characters, dots, case, long names.
	f("SELECT *", `{"a.b":1,"A":2,"a":3,"x\u0007":4}`, "a.b=1 A=2 a=3 x\a=4", 0)
	long := strings.Repeat("k", 100_000)
	if _, names, _ := rowOf(t, "SELECT *", `{"`+long+`":1}`); len(names) != 1 || names[0] != long {
		t.Errorf("a 100,000-byte key: names %d, want it whole", len(names))
	}
}

// TestStarNamesMany crosses the number of fields beyond which * looks names
// up in a map, with duplicates on both sides, and checks that the map does
// not leak into the next record.
func TestStarNamesMany(t *testing.T) {
	prog := mustCompile(t, "SELECT *")
	st := prog.NewState()
	var p fastjson.Parser
	for _, n := range []int{manyFields - 1, manyFields, manyFields + 1, 3 * manyFields, 2, 5000, 3} {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			// Keys k0 … k(n-1), each sent twice: once in order, once after all.
			b.WriteString(`"k` + itoa(i) + `":` + itoa(i) + `,`)
		}
		for i := range n {
			b.WriteString(`"k` + itoa(i) + `":-1,`)
		}
		b.WriteString(`"last":0}`)
		rec, err := ParseRecord(&p, []byte(b.String()))
		if err != nil {
			t.Fatal(err)
		}
		st.DuplicateFields = 0
		prog.Eval(st, rec)
		if len(st.Row) != n+1 || st.DuplicateFields != n {
			t.Fatalf("%d keys sent twice: %d fields, %d duplicates; want %d, %d", n, len(st.Row), st.DuplicateFields, n+1, n)
		}
		for i, f := range st.Row[:n] {
			if f.Name != "k"+itoa(i) || f.Value.I != int64(i) {
				t.Fatalf("%d keys: field %d is %s=%d, want k%d=%d", n, i, f.Name, f.Value.I, i, i)
			}
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestCompileNames(t *testing.T) {
	for src, want := range map[string]string{
		"SELECT a['']":                "no name",
		"SELECT a[''] AS x":           "",
		"SELECT 1 AS \"a\x00\"":       "NUL",
		"SELECT 'a\xff' AS x":         "invalid UTF-8 in the statement at 1:10",
		"SELECT \"a\xff\"":            "invalid UTF-8",
		"SELECT a PARTITION BY b['']": "no name",
	} {
		_, err := Compile(src)
		switch {
		case want == "" && err != nil:
			t.Errorf("Compile(%q): %v", src, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("Compile(%q) = %v, want an error with %q", src, err, want)
		}
	}
}

// TestRoundedNumbers pins the rule for numbers beyond INT64 and DOUBLE: they
// are stored as DOUBLE and counted when DOUBLE does not hold them exactly,
// while a cast to VARCHAR or JSON, and nested JSON, keep the exact text.
func TestRoundedNumbers(t *testing.T) {
	line := `{"n":18446744073709551615,"m":-9223372036854775809,"i":9223372036854775807,"e":10000000000000000000,` +
		`"h":123456789012345678901234567890,"f":1e400,"z":1e-400,"zero":0e-999,"p":0.1234567890123456789,` +
		`"q":0.30000000000000004,"d":0.1,"sub":4.9e-324,"o":{"big":18446744073709551616}}`
	st, names, vals := rowOf(t, "SELECT *", line)
	got := map[string]string{}
	for i := range names {
		got[names[i]] = vals[i]
	}
	// Stored as DOUBLE (AppendJSON shows what is stored); counted when rounded.
	for name, want := range map[string]string{
		"n": "1.8446744073709552e+19", "m": "-9.223372036854776e+18", "i": "9223372036854775807",
		"e": "1e+19", "h": "1.2345678901234568e+29", "f": "null", "z": "0", "zero": "0",
		"p": "0.12345678901234568", "q": "0.30000000000000004", "d": "0.1", "sub": "5e-324",
		"o": `{"big":18446744073709551616}`,
	} {
		if got[name] != want {
			t.Errorf("%s = %s, want %s", name, got[name], want)
		}
	}
	// n, m, h, f, z, p, sub are rounded; i is INT64, e, zero, q and d are exact.
	if st.RoundedNumbers != 7 {
		t.Errorf("RoundedNumbers = %d, want 7", st.RoundedNumbers)
	}
	// Casts to VARCHAR and JSON give the exact text, and are not counted.
	st, names, vals = rowOf(t, "SELECT n::VARCHAR AS nv, n::JSON AS nj, h || '' AS hv, o.big::VARCHAR AS ov, o AS o, n AS nd, n + 0 AS n0", line)
	want := []string{`"18446744073709551615"`, `18446744073709551615`, `"123456789012345678901234567890"`,
		`"18446744073709551616"`, `{"big":18446744073709551616}`, `1.8446744073709552e+19`, `1.8446744073709552e+19`}
	if !reflect.DeepEqual(vals, want) {
		t.Errorf("casts: got %v, want %v (%v)", vals, want, names)
	}
	// Only nd holds a number read from the record; n + 0 is a computed DOUBLE.
	if st.RoundedNumbers != 1 {
		t.Errorf("RoundedNumbers = %d, want 1 (nd)", st.RoundedNumbers)
	}
	// Filtered records count nothing.
	prog := mustCompile(t, "SELECT n WHERE n < 0")
	st = prog.NewState()
	rec, _ := ParseRecord(new(fastjson.Parser), []byte(line))
	if prog.Eval(st, rec) || st.RoundedNumbers != 0 {
		t.Errorf("filtered record: RoundedNumbers = %d, want 0", st.RoundedNumbers)
	}
	// Cast, as a writer widening INT64 to DOUBLE does, counts integers it rounds.
	var c State
	for _, tc := range []struct {
		i       int64
		rounded bool
	}{{1 << 53, false}, {1<<53 + 1, true}, {-(1<<53 + 1), true}, {1 << 62, false}, {9223372036854775807, true}, {-9223372036854775808, false}, {12345, false}} {
		before := c.RoundedNumbers
		v := c.Cast(Value{Type: Int64, I: tc.i}, Double)
		if v.Type != Double || v.F != float64(tc.i) || (c.RoundedNumbers != before) != tc.rounded {
			t.Errorf("Cast(%d, DOUBLE) = %v, rounded counted %v, want %v", tc.i, v, c.RoundedNumbers != before, tc.rounded)
		}
	}
}

func TestExactDouble(t *testing.T) {
	for s, want := range map[string]bool{
		"0": true, "-0": true, "0.0e5": true, "1.5": true, "0.1": true, "100": true, "1e19": true,
		"10000000000000000000": true, "123456789012345": true, "1234567890123456": true,
		"0.30000000000000004": true, "1.7976931348623157e308": true, "2.2250738585072014e-308": true,
		"9007199254740993": false, "18446744073709551615": false, "0.1234567890123456789": false,
		"1e400": false, "1e-400": false, "4.9e-324": false, "5e-324": true, "-1.00000000000000000001": false,
		"1e99999999999999999999": false, "0e99999999999999999999": true, "12.3400e-2": true,
	} {
		v := parseDouble(s)
		if got := exactDouble(s, v.F); got != want {
			t.Errorf("exactDouble(%s) = %v, want %v (%v)", s, got, want, v.F)
		}
	}
	for s, want := range map[string]string{"-0.0120e3": "12 1", "100": "1 2", "0.001": "1 -3", "1.5e+3": "15 3", "12.3400e-2": "1234 -1"} {
		d, e, _ := decimal(nil, s)
		if got := string(d) + " " + itoa(e); got != want {
			t.Errorf("decimal(%s) = %s, want %s", s, got, want)
		}
	}
}

// TestRepairAllocatesNothing: a line that needs repair costs a scratch copy,
// not an allocation, once warm; so does a * over a NUL key or a duplicate.
func TestRepairAllocatesNothing(t *testing.T) {
	prog := mustCompile(t, "SELECT *, user AS u PARTITION BY user.region")
	st := prog.NewState()
	var p fastjson.Parser
	lines := [][]byte{
		[]byte("{\"a\xff\":\"\\ud800\",\"a\":1,\"k\\u0000\":2,\"\":3,\"user\":{\"region\":\"eu\\u0007\"},\"n\":18446744073709551615}"),
		[]byte(`{"o":["\udc00"],"user":{"region":"\ud83d\ude00"}}`),
	}
	run := func() {
		for _, l := range lines {
			rec, err := ParseRecord(&p, l)
			if err != nil {
				t.Fatal(err)
			}
			prog.Eval(st, rec)
			_ = st.Row[len(st.Row)-1].Value.AppendText(nil)
		}
	}
	run()
	if allocs := testing.AllocsPerRun(200, func() {
		for _, l := range lines {
			rec, _ := ParseRecord(&p, l)
			prog.Eval(st, rec)
		}
	}); allocs != 0 {
		t.Errorf("%.2f allocations per pair of lines, want 0", allocs)
	}
}

func TestParseNumberLong(t *testing.T) {
	for s, want := range map[string]Value{
		"9223372036854775807":   {Type: Int64, I: 9223372036854775807},
		"-9223372036854775808":  {Type: Int64, I: -9223372036854775808},
		"1000000000000000000":   {Type: Int64, I: 1000000000000000000},
		"-999999999999999999":   {Type: Int64, I: -999999999999999999},
		"9223372036854775808":   {Type: Double, F: 9223372036854775808},
		"-9223372036854775809":  {Type: Double, F: -9223372036854775809},
		"9999999999999999999":   {Type: Double, F: 9999999999999999999},
		"18446744073709551616":  {Type: Double, F: 18446744073709551616},
		"1234567890123456789.5": {Type: Double, F: 1234567890123456789.5},
		"1234567890123456789e2": {Type: Double, F: 1234567890123456789e2},
	} {
		if got := parseNumber(s); got != want {
			t.Errorf("parseNumber(%s) = %+v, want %+v", s, got, want)
		}
	}
}

// TestTextFunctionsKeepUTF8: functions cut and join text on characters, so
// their results stay valid UTF-8 whatever the record holds.
func TestTextFunctionsKeepUTF8(t *testing.T) {
	line := "{\"s\":\"h\u00e9\U0001F600llo\",\"b\":\"x\xffy\",\"j\":{\"k\":\"\\u0007\xfe\"}}"
	_, names, vals := rowOf(t, `SELECT substr(s, 2, 1) AS a, substr(s, 3, 1) AS b2, substr(s, -4, 2) AS c, substr(b, 2, 1) AS d,
		upper(s) AS e, lower(b) AS f, trim(s, 'hé') AS g, replace(s, '😀', '-') AS h, concat(b, j, s) AS i, b || j AS k,
		substr(j::VARCHAR, 7, 1) AS l, length(s) AS m`, line)
	want := []string{`"é"`, `"😀"`, `"😀l"`, `"` + "\uFFFD" + `"`, `"HÉ😀LLO"`, `"x` + "\uFFFD" + `y"`, `"😀llo"`, `"hé-llo"`,
		`"x` + "\uFFFD" + `y{\"k\":\"\\u0007` + "\uFFFD" + `\"}hé😀llo"`, `"x` + "\uFFFD" + `y{\"k\":\"\\u0007` + "\uFFFD" + `\"}"`, `"\\"`, `6`}
	for i := range want {
		if i >= len(vals) || vals[i] != want[i] {
			t.Errorf("%s = %s, want %s", names[i], vals[i], want[i])
		}
	}
	_, _, vals = rowOf(t, `SELECT * EXCLUDE ("k`+"\x00"+`")`, `{"k\u0000":1,"a":2}`)
	if len(vals) != 1 {
		t.Errorf("EXCLUDE of a NUL name: %v, want only a", vals)
	}
}

// TestHostileCorpusFile keeps testdata/hostile.ndjson, the hostile lines as
// one NDJSON file for the tests of other packages (the flush, the end-to-end
// suite), equal to hostileLines. DATATAP_UPDATE_HOSTILE=1 rewrites it.
func TestHostileCorpusFile(t *testing.T) {
	want := strings.Join(hostileLines, "\n") + "\n"
	const path = "testdata/hostile.ndjson"
	if os.Getenv("DATATAP_UPDATE_HOSTILE") == "1" {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s differs from hostileLines; run DATATAP_UPDATE_HOSTILE=1 go test -run TestHostileCorpusFile ./transform", path)
	}
	for _, l := range hostileLines {
		if strings.ContainsAny(l, "\n\r") {
			t.Errorf("hostile line %q holds a line break", l)
		}
	}
}
