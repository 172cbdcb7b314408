package transform

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// seedStatements cover every construct, so the fuzzer starts from valid
// programs and mutates them into the invalid neighbours we must survive.
var seedStatements = []string{
	"SELECT *",
	"SELECT * EXCLUDE (a, \"b c\"), a + 1 AS a1",
	"SELECT * EXCLUDE (c) REPLACE (lower(b) AS b, a + 1 AS a) WHERE a > 0",
	"SELECT ts::TIMESTAMP AS ts, level, user.id AS user_id, latency_ms::INT64, msg WHERE level <> 'debug' AND status >= 200 PARTITION BY service, strftime(ts, '%Y-%m-%d') AS day",
	"SELECT a['x y'], tags[1], tags[-1], \"odd-key\".x, tags[a], tags[2:], tags[:-1], b[1:2], (d)['e'], c[1][1]",
	"SELECT [1, 'x', NULL, [2]], [], [a, b][2], string_split(b, ','), str_split(b, '')[1], string_to_array(b, 'x')[-1:], split(b, NULL), list_value(a), list_pack(), list_slice(c, 0, a), array_slice(b, -2, 9)",
	"SELECT b->'k', b->>'$.k[1]', json_type(b), json_array_length(b, '$.k'), json_extract(b::JSON, '$'), json_exists(b, '$.k'), json_extract_string(c::VARCHAR, 0)",
	"SELECT CASE WHEN a > 1 THEN 'x' WHEN a IS NULL THEN NULL ELSE 'y' END, CASE b WHEN 1 THEN 2 END",
	"SELECT a WHERE a IN (1, 2, NULL) OR b NOT IN ('x') AND c BETWEEN 1 AND 2 AND NOT d LIKE '%x_' ESCAPE '!'",
	"SELECT lower(a), upper(b), length(c), substr(d, -2, 3), trim(e, 'x'), concat(a, b, NULL), coalesce(a, b)",
	"SELECT starts_with(a, 'x'), contains(a, 'y'), regexp_matches(a, '^[a-z]+$', 'i'), epoch_ms(ts), now(), abs(-1), round(2.555, 2)",
	"SELECT a::UUID, md5(b)::UUID, uuid() < a::UUID, '{550E8400-E29B-41D4-A716-446655440000}'::UUID = b",
	"SELECT a::TIME, TIME '10:11:12.5', b::TIME + INTERVAL 1 HOUR, d::DATE + TIME '01:00', make_time(1, 2, 3.5), hour(a::TIME) WHERE a::TIME < '12:00'",
	"SELECT a::TINYINT, b::SMALLINT, c::UTINYINT, d::USMALLINT, e::UINTEGER, f::FLOAT, CAST(a AS REAL), TRY_CAST(b AS INT2)",
	"SELECT a::UBIGINT, b::DECIMAL(10,2), CAST(c AS NUMERIC(18, 18)), d::DECIMAL, e::DECIMAL(5)[], CAST(f AS STRUCT(x DECIMAL(4,1), y UBIGINT)), a::UBIGINT + 1, b::DECIMAL(9,3) * 2 WHERE a::UINT64 > 0",
	"SELECT CAST(a AS INT32), TRY_CAST(b AS DOUBLE), c::JSON, d::DATE, e::BOOLEAN, f::VARCHAR, TIMESTAMP '2024-01-01'",
	"SELECT a || b, a % 3, a // 2, a / 0, -a, 9223372036854775807 + 1, 1e308 * 10",
	"SELECT a -- comment\n /* block */ WHERE a ILIKE 'x%';",
	"SELECT 'it''s', \"quo\"\"ted\", 1_000, .5, 1.5e-3",
	"SELECT regexp_extract(a, '([a-z]+)(\\d*)', 2, 'i'), regexp_replace(b, '(x)', '<\\1>', 'g'), split_part(c, ',', -1), left(a, 2), right(a, -1), lpad(a, 5, 'xy'), rpad(b, 3, '.')",
	"SELECT strpos(a, 'x'), instr(a, ''), position('x' IN a), reverse(b), repeat(a, 3), concat_ws('-', a, NULL, b), prefix(a, 'x'), suffix(a, 'y'), lcase(a), ucase(b), ascii(a), chr(65), strlen(a), char_length(b)",
	"SELECT trim(BOTH 'x' FROM a), trim(LEADING FROM b), trim(TRAILING 'yz' FROM c), trim('q' FROM a), substring(a FROM 2 FOR 3), substring(b FOR 1), substring(c FROM -2)",
	"SELECT greatest(a, b, NULL), least(a, 1), sign(a), sqrt(a), cbrt(b), pow(a, b), power(2, a), ln(a), log(a), log(2, a), log10(a), log2(a), exp(a), trunc(a, 1), mod(a, 3), ceiling(a), pi(), isnan(a), isinf(b), isfinite(c)",
	"SELECT if(a, 1, 2), iff(b, 'x', NULL), a IS DISTINCT FROM b, a IS NOT DISTINCT FROM NULL, a IS TRUE, b IS NOT FALSE, a GLOB '*[!a-c]?\\*', b NOT GLOB 'x', a SIMILAR TO 'x+', b NOT SIMILAR TO '.*', a ~ 'y', a !~ 'z', a ~~ '%', a !~~ '_', a ~~* 'X%', a !~~* 'y'",
	"SELECT year(ts), month(ts), day(ts), hour(ts), minute(ts), second(ts), dayofweek(ts), dayofyear(ts), week(ts), dayname(ts), monthname(ts), epoch(ts), epoch_us(ts), last_day(ts), date_part('ms', ts), extract(epoch FROM ts), extract('dow' FROM ts)",
	"SELECT date_trunc('week', ts), date_diff('day', ts, now()), datediff('month', ts, TIMESTAMP '2024-01-01'), date_add(ts, INTERVAL 1 MONTH), ts + INTERVAL '1 day 02:00:00', ts - INTERVAL (3) HOUR, INTERVAL '2 weeks' + ts, d::DATE + 1, to_timestamp(a), make_timestamp(2024, 1, 2, 3, 4, 5.5), make_date(2024, 2, 29), make_timestamp(a), strptime(b, '%d/%m/%Y %H:%M:%S.%f %z'), try_strptime(b, '%s')",
	"SELECT len(c), array_length(tags), list_contains(tags, 'x'), array_contains(c, 1), list_has(c, NULL), list_position(tags, 'x'), list_indexof(c, 2), list_extract(c, -1), list_element(tags, 1), array_extract(c, 0), array_to_string(c, ',')",
	"SELECT d->'e', d->>'e', c->0, c->>-1, d->'$.e[0]', d->>'$.\"x y\"[#-1]', json_extract(d, 'e'), json_extract_string(c, '$[1]'), json_array_length(c), json_type(d, '$.e'), json_exists(d, 'e'), json_valid(b), (d->>'e')::INT64",
	"SELECT regexp_extract(a, b), regexp_extract(a, '(' || b || ')', 1, 'i'), regexp_replace(a, b, c, 'g'), regexp_matches(a, b || '|x'), a ~ b, a !~ (b || '.*'), a SIMILAR TO b, a NOT GLOB b || '*', a GLOB NULL",
	"SELECT regexp_split_to_array(a, '[,;]'), string_split_regex(b, b, 'i'), str_split_regex(a, NULL)[1], list_concat(c, tags, NULL), list_cat(c), array_concat([a], [b, NULL]), array_cat(c, c)[-1], a::JSON, b::JSON->>'k', TRY_CAST(c AS JSON)",
	"SELECT COLUMNS('^(a|b)$'), d->>'e' AS e WHERE a IS NOT NULL",
	"SELECT COLUMNS('(?i)^T')",
	"SELECT uuid(), gen_random_uuid(), md5(a), sha1(b), sha256(c), format('{} and {1} {{}}', a, b), printf('%s|%5d|%-3s|%08.3f|%x|%X|%o|%e|%+d|%%', a, b, c, d, b, b, b, d, b)",
}

var seedRecords = []string{
	`{"a":1,"b":"x","c":[1,2],"d":{"e":null},"ts":"2024-05-01T10:00:00Z","level":"info","status":200}`,
	`{"a":"2","b":2.5,"c":"ü","tags":["x"],"user":{"id":9223372036854775807},"odd-key":{"x":true}}`,
	`{"a":null,"b":-0,"c":1e400,"ts":1714550400123,"msg":"\u0000\"\\"}`,
	`[1,"x",{"a":1}]`,
	`"just a string"`,
	`{"a":2,"b":"{\"k\":[1,\"\\ud800x\"]}","c":["p,q","r"]}`,
}

func FuzzCompile(f *testing.F) {
	for _, s := range seedStatements {
		f.Add(s)
	}
	var p fastjson.Parser
	f.Fuzz(func(t *testing.T, src string) {
		prog, err := Compile(src)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Line < 1 || e.Column < 1 || e.Msg == "" {
				t.Fatalf("Compile(%q): malformed error %#v", src, err)
			}
			_ = err.Error()
			return
		}
		st := prog.NewState()
		for _, line := range seedRecords {
			rec, err := p.Parse(line)
			if err != nil {
				t.Fatal(err)
			}
			checkEval(t, prog, st, rec)
		}
	})
}

func FuzzEval(f *testing.F) {
	for i, s := range seedStatements {
		f.Add(s, seedRecords[i%len(seedRecords)])
	}
	var p fastjson.Parser
	f.Fuzz(func(t *testing.T, src, line string) {
		prog, err := Compile(src)
		if err != nil {
			return
		}
		rec, err := p.Parse(line)
		if err != nil || fastjson.Validate(line) != nil {
			return // the pipeline refuses what is not strict JSON (see ParseRecord)
		}
		checkEval(t, prog, prog.NewState(), rec)
	})
}

// checkEval evaluates and checks that every output renders as valid JSON,
// whatever the statement and the record.
func checkEval(t *testing.T, prog *Program, st *State, rec *fastjson.Value) {
	t.Helper()
	if !prog.Eval(st, rec) {
		return
	}
	var b []byte
	for _, fields := range [][]Field{st.Row, st.Partition} {
		for _, f := range fields {
			b = AppendJSONString(b[:0], f.Name)
			if err := fastjson.ValidateBytes(b); err != nil {
				t.Fatalf("%s: name %q renders as invalid JSON %s: %v", prog.Source(), f.Name, b, err)
			}
			b = f.Value.AppendJSON(b[:0])
			if err := fastjson.ValidateBytes(b); err != nil {
				t.Fatalf("%s: column %s renders as invalid JSON %s: %v", prog.Source(), f.Name, b, err)
			}
			_ = f.Value.AppendText(b[:0])
		}
	}
}

// writableStatements are the statements FuzzAcceptedWritable evaluates: *
// alone, * with explicit columns that read into nested objects, a partition
// by a nested string, and functions that cut and join text.
var writableStatements = []string{
	"SELECT *",
	"SELECT *, user AS u, user.region AS r",
	"SELECT * PARTITION BY user.region",
	"SELECT user, user.region AS r, user::VARCHAR AS uv, user.region::JSON AS rj, o[1] AS o1, o[-1:] AS ot, [o, 1][1] AS l1, string_split(user.region, '-')[2] AS sp PARTITION BY user.region, o AS o",
	"SELECT substr(user.region, 2, 1) AS s1, substr(s, -2) AS s2, upper(user.region) AS up, lower(s) AS lo, " +
		"concat(user, s, n) AS c, s || user.region AS cc, trim(s, 'é') AS t, replace(s, 'a', 'ü') AS rp, " +
		"n::VARCHAR AS nv, n::JSON AS nj, strftime(ts, '%Y %a') AS tf",
	"SELECT reverse(s) AS r, left(s, 2) AS l, right(user.region, 1) AS rr, lpad(s, 5, 'é') AS lp, rpad(user.region, 4, s) AS rp, " +
		"split_part(s, '', 2) AS sp, split_part(s, 'a', -1) AS sp2, regexp_extract(s, '.') AS re, regexp_replace(s, '(.)', '\\1\\0', 'g') AS rr2, " +
		"printf('%.1s|%3s', s, user.region) AS pf, format('{}-{}', user, o) AS fm, chr(ascii(s)) AS ch, md5(s) AS h, substring(s FROM 2 FOR 1) AS ss, " +
		"trim(LEADING 'a' FROM s) AS t, concat_ws(s, s, user.region) AS cw, repeat(s, 2) AS rp2, strpos(s, 'a') AS sp3",
	"SELECT user->'region' AS a, user->>'region' AS b, user->'q' AS c, o->0 AS d, o->>0 AS e, json_extract(user, '$') AS f, json_extract_string(o, '$[#-1]') AS g, " +
		"array_to_string(o, s) AS h, list_extract(o, 1) AS i, json_type(user) AS j, * REPLACE (upper(s) AS s, user->>'region' AS user)",
}

// FuzzAcceptedWritable is the content half of "accepted means writable"
// (issue 11): for any line ParseRecord accepts, every row a statement makes
// has names that are valid UTF-8, non-empty, free of NUL and distinct; every
// VARCHAR is valid UTF-8; every JSON value's text is JSON (encoding/json and
// fastjson agree) without a lone surrogate. Those are what the Parquet writer
// and DuckDB's SELECT * need.
func FuzzAcceptedWritable(f *testing.F) {
	for _, l := range hostileLines {
		f.Add([]byte(l))
	}
	for _, l := range seedRecords {
		f.Add([]byte(l))
	}
	for _, l := range benchRecords(4) {
		f.Add(l)
	}
	progs := make([]*Program, len(writableStatements))
	for i, s := range writableStatements {
		progs[i] = mustCompile(f, s)
	}
	var p fastjson.Parser
	f.Fuzz(func(t *testing.T, line []byte) {
		// JSON by both encoding/json and fastjson (which alone accepts a few
		// non-JSON lines; ParseRecord must not).
		valid := json.Valid(line) && fastjson.ValidateBytes(line) == nil
		if valid && needsRepair(line) {
			// The repair keeps a line valid JSON, and leaves nothing to repair.
			r := repairLine(nil, line)
			if err := fastjson.ValidateBytes(r); err != nil || !utf8.Valid(r) || hasLoneSurrogate(r) {
				t.Fatalf("repairLine(%q) = %q: %v", line, r, err)
			}
		}
		for _, prog := range progs {
			rec, err := ParseRecord(&p, line)
			if err != nil {
				if valid && !errors.Is(err, ErrNotObject) {
					t.Fatalf("ParseRecord(%q), valid JSON: %v", line, err)
				}
				return
			}
			if !json.Valid(line) {
				t.Fatalf("ParseRecord accepts %q, which is not JSON", line)
			}
			st := prog.NewState()
			if !prog.Eval(st, rec) {
				continue
			}
			checkWritable(t, prog.Source(), line, st.Row)
			checkWritable(t, prog.Source(), line, st.Partition)
		}
	})
}

func checkWritable(t *testing.T, stmt string, line []byte, fields []Field) {
	t.Helper()
	seen := map[string]bool{}
	var b []byte
	for _, f := range fields {
		switch {
		case f.Name == "" || !utf8.ValidString(f.Name) || strings.IndexByte(f.Name, 0) >= 0:
			t.Fatalf("%s on %q: bad name %q", stmt, line, f.Name)
		case seen[f.Name]:
			t.Fatalf("%s on %q: name %q twice", stmt, line, f.Name)
		}
		seen[f.Name] = true
		v := f.Value
		switch v.Type {
		case Varchar:
			if !utf8.ValidString(v.S) {
				t.Fatalf("%s on %q: %s = %q is not valid UTF-8", stmt, line, f.Name, v.S)
			}
		case JSON:
			b = v.AppendText(b[:0])
			checkJSONText(t, stmt+" on "+strconv.Quote(string(line))+": "+f.Name, b)
		case Double:
			if v.S != "" && !json.Valid([]byte(v.S)) {
				t.Fatalf("%s on %q: %s keeps %q, not a JSON number", stmt, line, f.Name, v.S)
			}
		}
		b = v.AppendJSON(b[:0])
		checkJSONText(t, stmt+" on "+strconv.Quote(string(line))+": "+f.Name+" as JSON", b)
	}
}
