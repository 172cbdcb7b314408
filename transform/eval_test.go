package transform

import (
	"strings"
	"testing"
	"time"

	"github.com/valyala/fastjson"
)

// evalLine compiles stmt, evaluates it on one JSON line and renders the
// result the way `datatap eval` prints it, or "filtered".
func evalLine(t *testing.T, stmt, line string) string {
	t.Helper()
	prog, err := Compile(stmt)
	if err != nil {
		t.Fatalf("Compile(%q): %v", stmt, err)
	}
	st := prog.NewState()
	st.clock = func() time.Time { return time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC) }
	var p fastjson.Parser
	rec, err := p.Parse(line)
	if err != nil {
		t.Fatalf("bad test input %q: %v", line, err)
	}
	if !prog.Eval(st, rec) {
		return "filtered"
	}
	b := []byte{'{'}
	for i, f := range st.Row {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendJSONString(b, f.Name)
		b = append(b, ':')
		b = f.Value.AppendJSON(b)
	}
	if len(st.Partition) > 0 {
		b = append(b, `|`...)
		for i, f := range st.Partition {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, f.Name...)
			b = append(b, '=')
			b = f.Value.AppendJSON(b)
		}
	}
	return string(append(b, '}'))
}

// rec is the record most cases read.
const rec = `{"s":"Hello","e":"","n":42,"neg":-7,"f":2.5,"z":0,"b":true,"nb":false,"nul":null,
"ts":"2024-05-01T10:30:00+02:00","d":"2024-02-29","ep":1714550400,"epms":1714550400123,
"u":"Ünïcödé","sp":"  pad  ","big":9223372036854775807,"numstr":"12","fstr":"3.7",
"user":{"id":7,"name":"ann","tags":["a","b","c"]},"tags":["x","y","z"],"odd-key":{"x":1},
"a b":5,"arr":[[1,2],[3]],"obj":{"k":[1,{"v":true}]}}`

func TestEval(t *testing.T) {
	f := func(stmt, want string) {
		t.Helper()
		if got := evalLine(t, stmt, rec); got != want {
			t.Errorf("%s\n got %s\nwant %s", stmt, got, want)
		}
	}
	// One value: SELECT expr AS v.
	v := func(expr, want string) {
		t.Helper()
		f("SELECT "+expr+" AS v", `{"v":`+want+`}`)
	}

	// Paths: dots, quoted keys, indexes, missing fields.
	v("s", `"Hello"`)
	v("user.id", `7`)
	v("user.name", `"ann"`)
	v("user.tags[1]", `"a"`)
	v("user.tags[-1]", `"c"`)
	v("user.tags[3]", `"c"`)
	v("user.tags[4]", `null`)
	v("user.tags[-4]", `null`)
	v("user.tags[2:3]", `["b","c"]`)
	v("user.tags[-2:]", `["b","c"]`)
	v("user.tags[:1]", `["a"]`)
	v("user.tags[5:9]", `[]`)
	v("user.tags[user.id - 5]", `"b"`)
	v("s[1]", `"H"`)
	v("s[-1]", `"o"`)
	v("s[9]", `""`)
	v("s[2:3]", `"el"`)
	v("lower(s)[1:1]", `"h"`)
	v("user['name']", `"ann"`)
	v("(user)['name']", `"ann"`)
	v("[1, 2.5, 'x', NULL, true][2]", `2.5`)
	v("[1, 2.5, 'x', NULL, true]", `[1,2.5,"x",null,true]`)
	v("[[1], []]", `[[1],[]]`)
	v("[]", `[]`)
	v("len([s, s])", `2`)
	v("list_contains([s, 'x'], 'Hello')", `true`)
	v("[user.tags[1], s][2][1]", `"H"`)
	v("string_split('a,b,,c', ',')", `["a","b","","c"]`)
	v("string_split('', ',')", `[""]`)
	v("string_split('añb', '')", `["a","ñ","b"]`)
	v("string_split(s, NULL)", `["Hello"]`)
	v("string_split(NULL, ',')", `null`)
	v("str_split(s, 'l')[2]", `""`)
	v("string_to_array(s, 'll')[-1]", `"o"`)
	v("len(split(s, 'l'))", `3`)
	v("list_slice(user.tags, 0, 2)", `["a","b"]`)
	v("array_slice(s, 2, -2)", `"ell"`)
	v("list_slice(user.tags, 2, NULL)", `null`)
	v(`'{"a":[1,2]}'->'a'`, `[1,2]`)
	v(`json_extract_string('[1,"x"]', 1)`, `"x"`)
	v("s->>'a'", `null`)
	v("(user::VARCHAR)->>'name'", `"ann"`)
	v("json_type(user::VARCHAR, '$.tags')", `"ARRAY"`)
	v("json_array_length(user.tags::VARCHAR)", `3`)
	v(`json_extract('{"a":1} x', '$.a')`, `null`)
	v("regexp_matches(s, user.name || '|^H')", `true`)
	v("regexp_matches(s, lower(s), 'i')", `true`)
	v("regexp_matches(s, '(' || s)", `null`)
	v("regexp_matches(s, NULL)", `null`)
	v("regexp_split_to_array(s, 'l')", `["He","","o"]`)
	v("string_split_regex(s, 'L+', 'i')", `["He","o"]`)
	v("str_split_regex('a1b22c', '[0-9]+')", `["a","b","c"]`)
	v("regexp_split_to_array('abc', '')", `["a","b","c"]`)
	v("regexp_split_to_array('abc', 'b*')", `["a","","c"]`)
	v("regexp_split_to_array('abc', '^')", `["a","b","c"]`)
	v("regexp_split_to_array('abc', '$')", `["abc",""]`)
	v("regexp_split_to_array('baab', 'a*')", `["b","","b"]`)
	v("regexp_split_to_array('aéb', '')", `["a","é","b"]`)
	v("regexp_split_to_array('', ',')", `[""]`)
	v("regexp_split_to_array(s, NULL)", `["Hello"]`)
	v("regexp_split_to_array(NULL, ',')", `null`)
	v("regexp_split_to_array(s, s[1] || '(')", `null`)
	v("regexp_split_to_array(s, lower(s[2]))[2]", `"llo"`)
	v("list_concat(user.tags, tags)", `["a","b","c","x","y","z"]`)
	v("list_cat([1], NULL, [2, NULL])", `[1,2,null]`)
	v("array_concat(NULL, NULL)", `[]`)
	v("array_cat(tags)", `["x","y","z"]`)
	v("list_concat(tags, s)", `null`)
	v("len(list_concat(string_split(s, 'l'), [n]))", `4`)
	v("regexp_extract(s, user.name || '|l+')", `"ll"`)
	v("regexp_extract(s, '(' || 'l)(l)', 2)", `"l"`)
	v("regexp_extract(s, lower(s), 2)", `""`) // the pattern from the data has no group 2: '' as in DuckDB
	v("regexp_extract(s, 'L' || '+', 0, 'i')", `"ll"`)
	v("regexp_extract(s, '(' || s)", `null`)
	v("regexp_extract(s, NULL)", `null`)
	v("regexp_replace(s, lower('L'), 'L', 'g')", `"HeLLo"`)
	v("regexp_replace(s, '(' || 'e)', '<\\1>')", `"H<e>llo"`)
	v("regexp_replace(s, lower('E'), '\\1')", `"Hello"`)
	v("regexp_replace(s, NULL, 'x')", `null`)
	v("s ~ ('H' || '.*')", `true`)
	v("s ~ lower(s)", `false`)
	v("s !~ lower(s)", `true`)
	v("s SIMILAR TO upper(s[1]) || '.*'", `true`)
	v("s NOT SIMILAR TO '(' || s", `null`)
	v("s ~ NULL", `null`)
	v("s GLOB s[1] || '*'", `true`)
	v("s GLOB lower(s[1]) || '*'", `false`)
	v("s NOT GLOB '*' || s[-1]", `false`)
	v("s GLOB '[' || s", `false`)
	v("tags[2]", `"y"`)
	v(`"odd-key".x`, `1`)
	v(`"a b"`, `5`)
	v(`user['name']`, `"ann"`)
	v(`arr[1][2]`, `2`)
	v(`obj.k[2].v`, `true`)
	v("missing", `null`)
	v("user.missing.deeper", `null`)
	v("s.x", `null`)
	v("tags.x", `null`)
	v("user[1]", `null`)
	v("user", `{"id":7,"name":"ann","tags":["a","b","c"]}`)
	v("tags", `["x","y","z"]`)
	v("nul", `null`)
	v("big", `9223372036854775807`)

	// Literals.
	v("'it''s'", `"it's"`)
	v("1_000", `1000`)
	v("1.5e3", `1500`)
	v("-9223372036854775808", `-9223372036854775808`)
	v("TRUE", `true`)
	v("NULL", `null`)
	v("TIMESTAMP '2024-01-02 03:04:05'", `"2024-01-02T03:04:05Z"`)
	v("DATE '2024-01-02'", `"2024-01-02"`)

	// Comparisons.
	v("n = 42", `true`)
	v("n <> 42", `false`)
	v("n != 41", `true`)
	v("n < 43", `true`)
	v("n <= 42", `true`)
	v("n > 42", `false`)
	v("n >= 43", `false`)
	v("f > n", `false`)
	v("n = 42.0", `true`)
	v("s = 'Hello'", `true`)
	v("s < 'Help'", `true`)
	v("b = TRUE", `true`)
	v("n = '42'", `true`)
	v("n = 'x'", `null`)
	v("s = 1", `null`)
	v("nul = nul", `null`)
	v("missing <> 1", `null`)
	v("ts::TIMESTAMP > '2024-05-01 08:00:00'", `true`)
	v("ts::TIMESTAMP = '2024-05-01T08:30:00Z'", `true`)
	v("d::DATE < TIMESTAMP '2024-02-29 00:00:01'", `true`)
	v("user = user", `true`)

	// Logic and NULL.
	v("b AND nb", `false`)
	v("b OR nb", `true`)
	v("NOT b", `false`)
	v("nul AND FALSE", `false`)
	v("nul AND TRUE", `null`)
	v("nul OR TRUE", `true`)
	v("nul OR FALSE", `null`)
	v("NOT nul", `null`)
	v("NOT NOT b", `true`)
	v("nul IS NULL", `true`)
	v("missing IS NULL", `true`)
	v("s IS NULL", `false`)
	v("s IS NOT NULL", `true`)
	v("user IS NOT NULL", `true`)
	v("b AND n > 1 OR nb", `true`)
	v("nb OR b AND nb", `false`)

	// IN, LIKE, BETWEEN.
	v("s IN ('a', 'Hello')", `true`)
	v("s IN ('a', 'b')", `false`)
	v("s NOT IN ('a', 'b')", `true`)
	v("s IN ('a', NULL)", `null`)
	v("s NOT IN ('a', NULL)", `null`)
	v("s IN ('Hello', NULL)", `true`)
	v("nul IN (1, 2)", `null`)
	v("n IN (1, 42, 3)", `true`)
	v("n IN (1.5, 42.0)", `true`)
	v("s LIKE 'He%'", `true`)
	v("s LIKE '%lo'", `true`)
	v("s LIKE '%ell%'", `true`)
	v("s LIKE 'H_llo'", `true`)
	v("s LIKE 'h%'", `false`)
	v("s ILIKE 'h%O'", `true`)
	v("u ILIKE 'ünï%'", `true`)
	v("s NOT LIKE 'x%'", `true`)
	v("'50%' LIKE '50!%' ESCAPE '!'", `true`)
	v("'500' LIKE '50!%' ESCAPE '!'", `false`)
	v("s LIKE s", `true`)
	v("nul LIKE 'x'", `null`)
	v("u LIKE '_nïcödé'", `true`)
	v("n BETWEEN 40 AND 50", `true`)
	v("n BETWEEN 43 AND 50", `false`)
	v("n NOT BETWEEN 43 AND 50", `true`)
	v("n BETWEEN nul AND 10", `false`)
	v("n BETWEEN nul AND 50", `null`)
	v("s BETWEEN 'A' AND 'Z'", `true`)

	// Arithmetic and ||.
	v("n + 1", `43`)
	v("n - neg", `49`)
	v("n * neg", `-294`)
	v("n / 8", `5.25`)
	v("n // 8", `5`)
	v("neg // 2", `-3`)
	v("f // 2", `1`)
	v("n % 5", `2`)
	v("neg % 5", `-2`)
	v("f * 2", `5`)
	v("f % 1", `0.5`)
	v("n / z", `null`)
	v("n % z", `null`)
	v("big + 1", `null`)
	v("big * 2", `null`)
	v("-big - 2", `null`)
	v("-n", `-42`)
	v("- -n", `42`)
	v("+n", `42`)
	v("1 + 2 * 3", `7`)
	v("(1 + 2) * 3", `9`)
	v("s + 1", `null`)
	v("nul + 1", `null`)
	v("s || '!'", `"Hello!"`)
	v("s || n", `"Hello42"`)
	v("s || nul", `null`)
	v("'a' || 1 + 2", `"a3"`)
	v("f || ''", `"2.5"`)
	v("user.id || '-' || user.name", `"7-ann"`)

	// CASE.
	v("CASE WHEN n > 40 THEN 'big' ELSE 'small' END", `"big"`)
	v("CASE WHEN n > 50 THEN 'big' END", `null`)
	v("CASE WHEN nul THEN 1 WHEN b THEN 2 END", `2`)
	v("CASE s WHEN 'x' THEN 1 WHEN 'Hello' THEN 2 ELSE 3 END", `2`)
	v("CASE nul WHEN NULL THEN 1 ELSE 2 END", `2`)
	v("CASE WHEN n = 42 THEN CASE WHEN b THEN 'both' END END", `"both"`)

	// Casts, TRY semantics.
	v("n::VARCHAR", `"42"`)
	v("f::INT64", `2`) // half to even, as DuckDB rounds a DOUBLE
	v("(f + 1)::INT64", `4`)
	v("'2.5'::INT64", `3`) // half away from zero, as DuckDB rounds text
	v("-2.5::INT64", `-2`)
	v("neg::DOUBLE", `-7`)
	v("numstr::INT32", `12`)
	v("fstr::INT64", `4`)
	v("fstr::DOUBLE", `3.7`)
	v("s::INT64", `null`)
	v("big::INT32", `null`)
	v("b::INT32", `1`)
	v("'t'::BOOLEAN", `true`)
	v("'no'::BOOLEAN", `false`)
	v("z::BOOLEAN", `false`)
	v("s::BOOLEAN", `null`)
	v("ts::TIMESTAMP", `"2024-05-01T08:30:00Z"`)
	v("'2024-05-01 10:30:00.123456789'::TIMESTAMP", `"2024-05-01T10:30:00.123456Z"`)
	v("'2024-05-01T10:30-0130'::TIMESTAMP", `"2024-05-01T12:00:00Z"`)
	v("'2024-02-30'::TIMESTAMP", `null`)
	v("'2024-05-01 24:00:00'::TIMESTAMP", `null`)
	v("ep::TIMESTAMP", `"2024-05-01T08:00:00Z"`)
	v("epms::TIMESTAMP", `"2024-05-01T08:00:00.123Z"`)
	v("d::DATE", `"2024-02-29"`)
	v("ts::DATE", `"2024-05-01"`)
	v("'1969-12-31T23:59:59.5Z'::TIMESTAMP", `"1969-12-31T23:59:59.5Z"`)
	v("'0001-01-01'::DATE", `"0001-01-01"`)
	v("ts::TIMESTAMP::VARCHAR", `"2024-05-01 08:30:00"`)
	v("'2024-05-01 08:30:00.25'::TIMESTAMP::VARCHAR", `"2024-05-01 08:30:00.25"`)
	v("ts::TIMESTAMP::DATE", `"2024-05-01"`)
	v("d::DATE::TIMESTAMP", `"2024-02-29T00:00:00Z"`)
	v("user::JSON", `{"id":7,"name":"ann","tags":["a","b","c"]}`)
	v("s::JSON", `null`) // not JSON text: NULL, as DuckDB's TRY_CAST
	v("user::VARCHAR::JSON", `{"id":7,"name":"ann","tags":["a","b","c"]}`)
	v(`' [1, 2] '::JSON`, ` [1, 2] `) // kept as written, as DuckDB keeps it
	v(`'"x"'::JSON`, `"x"`)
	v(`'null'::JSON`, `null`)
	v(`('{"a":{"b":1}}'::JSON)->'a'->>'b'`, `"1"`)
	v(`json_type(numstr::JSON)`, `"UBIGINT"`)
	v(`CAST(n AS JSON)`, `42`)
	v(`TRY_CAST('{' AS JSON)`, `null`)
	v(`'"\ud800"'::JSON`, `"\ufffd"`)
	v("user::VARCHAR", `"{\"id\":7,\"name\":\"ann\",\"tags\":[\"a\",\"b\",\"c\"]}"`)
	v("CAST(n AS BIGINT)", `42`)
	v("TRY_CAST(s AS INTEGER)", `null`)
	v("nul::INT64", `null`)
	v("f::VARCHAR", `"2.5"`)
	v("n::DOUBLE::VARCHAR", `"42.0"`)
	v("1234567.5::VARCHAR", `"1234567.5"`)
	v("1e16::VARCHAR", `"1e+16"`)
	v("0.0001::VARCHAR", `"0.0001"`)
	v("0.00001234::VARCHAR", `"1.234e-05"`)
	v("(0.0 - 0.0)::VARCHAR", `"0.0"`)

	// Functions.
	v("lower(s)", `"hello"`)
	v("upper(s)", `"HELLO"`)
	v("upper(u)", `"ÜNÏCÖDÉ"`)
	v("lower(nul)", `null`)
	v("length(u)", `7`)
	v("length(e)", `0`)
	v("length(tags)", `3`)
	v("substr(s, 2)", `"ello"`)
	v("substr(s, 2, 3)", `"ell"`)
	v("substr(s, -3)", `"llo"`)
	v("substr(s, -3, 2)", `"ll"`)
	v("substr(s, 0, 2)", `"H"`)
	v("substr(u, 2, 2)", `"nï"`)
	v("substr(s, 10)", `""`)
	v("substr(s, -6, 3)", `"He"`)
	v("substr(s, -8, 3)", `""`)
	v("substr(s, 7, -3)", `"lo"`)
	v("substr(s, 2, -1)", `"H"`)
	v("substring(s, 1, 1)", `"H"`)
	v("trim(sp)", `"pad"`)
	v("ltrim(sp)", `"pad  "`)
	v("rtrim(sp)", `"  pad"`)
	v("trim('xxaxx', 'x')", `"a"`)
	v("concat(s, ' ', n, nul, '!')", `"Hello 42!"`)
	v("concat(nul)", `""`)
	v("coalesce(nul, missing, s)", `"Hello"`)
	v("coalesce(nul, missing)", `null`)
	v("ifnull(nul, 1)", `1`)
	v("nullif(n, 42)", `null`)
	v("nullif(n, 1)", `42`)
	v("replace(s, 'l', 'L')", `"HeLLo"`)
	v("starts_with(s, 'He')", `true`)
	v("ends_with(s, 'lo')", `true`)
	v("contains(s, 'ell')", `true`)
	v("contains(s, 'xyz')", `false`)
	v("contains(nul, 'x')", `null`)
	v("regexp_matches(s, '^H.l+o$')", `true`)
	v("regexp_matches(s, 'hello')", `false`)
	v("regexp_matches(s, 'hello', 'i')", `true`)
	v("regexp_matches(u, '^\\p{Lu}')", `true`)
	v("strftime(ts::TIMESTAMP, '%Y-%m-%d %H:%M:%S')", `"2024-05-01 08:30:00"`)
	v("strftime(ts, '%Y/%j %a %b %p %I %-d %y %%')", `"2024/122 Wed May AM 08 1 24 %"`)
	v("strftime('2024-05-01T10:30:00.123456Z', '%f %g %F %T')", `"123456 123 2024-05-01 10:30:00"`)
	v("strftime(d::DATE, '%A %B %e')", `"Thursday February 29"`)
	v("strftime(s, '%Y')", `null`)
	v("epoch_ms(ts::TIMESTAMP)", `1714552200000`)
	v("epoch_ms(epms)", `"2024-05-01T08:00:00.123Z"`)
	v("epoch_ms('1970-01-01T00:00:00.001Z')", `1`)
	v("epoch_ms(TIMESTAMP '1969-12-31 23:59:59.9995')", `0`)
	v("now()", `"2024-05-01T12:00:00Z"`)
	v("now() > ts::TIMESTAMP", `true`)
	v("abs(neg)", `7`)
	v("abs(-f)", `2.5`)
	v("abs(s)", `null`)
	v("round(f)", `3`)
	v("round(-f)", `-3`)
	v("round(3.14159, 2)", `3.14`)
	v("round(1234, -2)", `1200`)
	v("round(-1250, -2)", `-1300`)
	v("round(n)", `42`)
	v("floor(f)", `2`)
	v("ceil(f)", `3`)
	v("LOWER(S)", `null`)
	v("Lower(s)", `"hello"`)

	// Statement shape: *, EXCLUDE, aliases, WHERE, PARTITION BY.
	small := `{"a":1,"b":"x","c":{"d":2}}`
	g := func(stmt, line, want string) {
		t.Helper()
		if got := evalLine(t, stmt, line); got != want {
			t.Errorf("%s on %s\n got %s\nwant %s", stmt, line, got, want)
		}
	}
	g("SELECT *", small, `{"a":1,"b":"x","c":{"d":2}}`)
	g("select * exclude (b)", small, `{"a":1,"c":{"d":2}}`)
	g(`SELECT * EXCLUDE ("b", c)`, small, `{"a":1}`)
	g("SELECT *, a + 1 AS a1", small, `{"a":1,"b":"x","c":{"d":2},"a1":2}`)
	g("SELECT b AS first, *", small, `{"first":"x","a":1,"b":"x","c":{"d":2}}`)
	g("SELECT *, upper(b) AS b", small, `{"a":1,"c":{"d":2},"b":"X"}`)
	g("SELECT c.d, a x", small, `{"d":2,"x":1}`)
	g("SELECT a::VARCHAR, lower(b), a + 1", small, `{"a":"1","lower(b)":"x","a + 1":2}`)
	g("SELECT a WHERE a = 1", small, `{"a":1}`)
	g("SELECT a WHERE a = 2", small, `filtered`)
	g("SELECT a WHERE missing = 1", small, `filtered`)
	g("SELECT a WHERE NOT (missing = 1)", small, `filtered`)
	g("SELECT a WHERE a", small, `{"a":1}`)
	g("SELECT a WHERE b", small, `filtered`)
	g("SELECT a PARTITION BY b", small, `{"a":1|b="x"}`)
	g("SELECT a WHERE a > 0 PARTITION BY b, c.d * 10 AS tens;", small, `{"a":1|b="x",tens=20}`)
	g("SELECT * PARTITION BY missing", small, `{"a":1,"b":"x","c":{"d":2}|missing=null}`)
	g("SELECT *", `[1,2]`, `{}`)
	g("SELECT a", `"str"`, `{"a":null}`)
	g("SELECT\n  a -- the id\n  /* and */ , b\nWHERE a = 1", small, `{"a":1,"b":"x"}`)
	g("SELECT a, s", `{"a":1,"s":"x\u0000\"\\\ny"}`, `{"a":1,"s":"x\u0000\"\\\ny"}`)
	g("SELECT s", `{"s":"\ud83e\udd86"}`, `{"s":"🦆"}`)
	g("SELECT n", `{"n":123456789012345678901234567890}`, `{"n":1.2345678901234568e+29}`)
	g("SELECT n, n::INT64 AS i", `{"n":1e2}`, `{"n":100,"i":100}`)
}

func TestColumns(t *testing.T) {
	prog, err := Compile(`SELECT *, ts::TIMESTAMP AS ts, level, lower(msg) AS m, n + 1 AS n1, n / 2 AS half,
		latency::INT32, CASE WHEN a THEN 'x' ELSE 'y' END AS c, coalesce(a, 1) AS co
		PARTITION BY service, strftime(ts, '%Y') AS year`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range prog.Columns() {
		got = append(got, c.Name+":"+c.Type.String())
	}
	for _, c := range prog.Partitions() {
		got = append(got, "p."+c.Name+":"+c.Type.String())
	}
	want := "*:NULL ts:TIMESTAMP level:NULL m:VARCHAR n1:NULL half:DOUBLE latency:INT32 c:VARCHAR co:NULL p.service:NULL p.year:VARCHAR"
	if strings.Join(got, " ") != want {
		t.Errorf("columns\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	if !prog.HasStar() || !prog.Columns()[0].Star {
		t.Error("HasStar: want the * item first")
	}
}

func TestCastFailuresCounted(t *testing.T) {
	prog, err := Compile("SELECT a::INT64, b::TIMESTAMP, c::INT64")
	if err != nil {
		t.Fatal(err)
	}
	st := prog.NewState()
	var p fastjson.Parser
	for _, line := range []string{`{"a":"x","b":"nope","c":null}`, `{"a":"1","b":"2024-01-01","c":2}`} {
		rec, _ := p.Parse(line)
		prog.Eval(st, rec)
	}
	if st.CastFailures != 2 {
		t.Errorf("CastFailures = %d, want 2 (NULL and good values are not failures)", st.CastFailures)
	}
}
