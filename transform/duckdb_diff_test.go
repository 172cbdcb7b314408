package transform_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/datatap/datatap/internal/testenv/duckdb"
	"github.com/datatap/datatap/transform"
	"github.com/valyala/fastjson"
)

// TestDuckDBDifferential runs every statement of diffStatements through our
// engine and through DuckDB over the same generated NDJSON corpus and
// compares the kept rows value by value.
//
// Our side: SELECT id, <items> WHERE <where>, evaluated line by line.
// DuckDB's side: SELECT id, <duckItems> FROM read_json(<corpus>, columns=…)
// WHERE <duckWhere> ORDER BY id, with every column's type pinned (duckColumns)
// so that DuckDB's inference cannot drift with the data.
func TestDuckDBDifferential(t *testing.T) {
	duckdb.Require(t)
	for _, d := range intendedDifferences {
		t.Logf("intended difference: %s (%s)", d.what, d.why)
	}
	path := filepath.Join(t.TempDir(), "events.ndjson")
	lines := writeCorpus(t, path)

	diffStatements := slices.Concat(diffStatements, dialectStatements)
	queries := make([]string, len(diffStatements))
	for i, s := range diffStatements {
		queries[i] = s.duckSQL(path)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	results, err := duckdb.Run(ctx, queries...)
	if err != nil {
		t.Fatal(err)
	}

	for i, s := range diffStatements {
		duckSQL := strings.Replace(queries[i], duckColumns, "<duckColumns>", 1)
		ours, err := s.runOurs(lines)
		if err != nil {
			t.Errorf("statement %d: %s\n  Compile: %v", i, s.ourSQL(), err)
			continue
		}
		if results[i].Err != "" {
			t.Errorf("statement %d: DuckDB failed (test bug): %s\n  SQL: %s", i, results[i].Err, duckSQL)
			continue
		}
		diff, id := compareRows(ours, results[i])
		if diff != "" && id > 0 {
			diff += "\n  input: " + lines[id-1]
		}
		bug, known := knownBugs[i]
		switch {
		case diff != "" && known:
			t.Errorf("statement %d (KNOWN BUG: %s)\n  ours:   %s\n  DuckDB: %s\n  %s", i, bug, s.ourSQL(), duckSQL, diff)
		case diff != "":
			t.Errorf("statement %d\n  ours:   %s\n  DuckDB: %s\n  %s", i, s.ourSQL(), duckSQL, diff)
		case known:
			t.Errorf("statement %d now agrees with DuckDB: remove it from knownBugs (%s)", i, bug)
		}
	}
}

// knownBugs are statements (by index in diffStatements) on which our engine
// disagrees with DuckDB where DuckDB is right. They are not skipped: the test
// fails on them until the engine is fixed, then asks for the entry's removal.
var knownBugs = map[int]string{}

// intendedDifferences lists where our engine deliberately differs from DuckDB.
// The statements concerned are adapted on DuckDB's side (or the case is left
// out of the corpus), so these do not fail the test. Keep the list honest: a
// difference goes here only when DuckDB does it differently by design.
var intendedDifferences = []struct{ what, why string }{
	{"x / 0 and x % 0 on DOUBLE: DuckDB ±Infinity / NaN (ieee_floating_point_ops, default on since 1.1), ours NULL",
		"ours documents division by zero as NULL (JSON cannot hold Infinity/NaN); DuckDB's side uses NULLIF(divisor, 0) (statement 26)"},
	{"integer overflow: DuckDB aborts the query (Out of Range Error), ours gives NULL",
		"a per-record transform must not fail a whole batch; the corpus keeps arithmetic away from overflow, big ints are only cast"},
	{"VARCHAR → TIMESTAMP with an offset: DuckDB's TIMESTAMP keeps the wall-clock time and drops the offset, ours converts to UTC",
		"our TIMESTAMP is an instant (UTC-adjusted in Parquet); DuckDB's side casts to TIMESTAMPTZ, which does the same (statement 37)"},
	{"VARCHAR → DATE with an offset: DuckDB drops the offset, ours takes the UTC date",
		"same reason; DuckDB's side goes through TIMESTAMPTZ (statement 37)"},
	{"number → TIMESTAMP/DATE: DuckDB has no such cast (TRY_CAST gives NULL), ours reads epoch seconds/ms/µs/ns by magnitude",
		"DESIGN.md: TIMESTAMP from epoch seconds/millis; DuckDB's side uses to_timestamp() / epoch_ms() (statement 38)"},
	{"VARCHAR → BOOLEAN: ours also accepts 'on'/'off' and surrounding spaces (' true '); DuckDB gives NULL",
		"deliberate leniency for log data; those values are in the corpus but filtered out of statement 35"},
	{"VARCHAR → TIMESTAMP without seconds ('2024-01-02T03:04Z'): ours accepts, DuckDB NULL",
		"deliberate leniency; left out of the corpus"},
	{"upper('ß'): DuckDB 'ẞ' (U+1E9E), ours 'ß' (Go's unicode.ToUpper, Unicode simple case mapping has none)",
		"Unicode table difference; DuckDB's side maps ẞ back to ß (statement 40)"},
	{"strftime %Z on a TIMESTAMP: DuckDB '', ours 'UTC'; %e %D %F %T %R %s: DuckDB rejects the format, ours supports them",
		"our timestamps are UTC instants; extra verbs are an extension; left out of statement 54"},
	{"DOUBLE // DOUBLE: DuckDB returns the plain quotient (-7.5 // 2 = -3.75), ours truncates like integer // (-3)",
		"DuckDB's // is integer division only for integers; left out (integer // is covered, statement 27)"},
	{"chr of what is not a code point, lpad/rpad with an empty pad that must pad, printf with an argument of the wrong type for its verb: DuckDB fails the query, ours gives NULL",
		"a per-record transform must not fail a whole batch; pinned in TestEvalDialect, kept out of the corpus"},
	{"repeat, lpad and rpad beyond 1 MiB of text: DuckDB builds it, ours gives NULL",
		"one record must not be able to ask for gigabytes (maxMade); pinned in TestEvalDialect"},
	{"lpad, rpad, chr, repeat take any whole number; DuckDB's take INTEGER and refuse a BIGINT",
		"our integers are INT64; DuckDB's side casts to INTEGER (statements 67, 72)"},
	{"format and printf formats must be constants; DuckDB also takes them from the data",
		"compiled once at start-up (patterns from the data are taken: a State keeps the ones it met, statements 268-276)"},
	{"a pattern from the data (regexp_*, ~, SIMILAR TO, GLOB) that does not compile: DuckDB fails the query, ours gives NULL",
		"a per-record transform must not fail a whole batch; pinned in TestEval, the statements build patterns from fields without RE2 syntax errors"},
	{"regexp_extract with a constant pattern that has fewer groups than asked is refused at start; DuckDB gives '' (as ours does for a pattern from the data)",
		"the statement is wrong whatever the data; TestCompileErrorsDialect"},
	{"reverse keeps user-perceived characters together by an approximation (combining marks, variation selectors, emoji modifiers, ZWJ sequences); DuckDB uses full grapheme clusters",
		"no grapheme-cluster table in the standard library; regional-indicator flags reverse differently"},
	{"a list the statement makes (string_split, [a, b], l[a:b]) is a JSON value: it renders as JSON text (::VARCHAR gives [\"a\",\"b\"], DuckDB [a, b]) and its elements keep their own types ([1, 'a'] is fine; DuckDB casts to one type or fails)",
		"lists are written as the JSON column type until native LIST columns come; DuckDB's side renders its lists with to_json (statements 261-264)"},
	{"a constant index 0 in brackets (tags[0], l[0]) is refused at compile time; DuckDB gives NULL (list_extract(l, 0) is NULL in both)",
		"datatap's paths counted from 0 before: a statement written for that must fail loudly rather than read another element"},
	{"age(ts, ts) / age(ts) are refused at start with a pointer to date_diff; DuckDB returns an INTERVAL",
		"the language has no INTERVAL values (an interval is a constant of t ± INTERVAL); TestCompileErrorsDialect"},
	{"COLUMNS('regex') expands per record to the record's matching top-level keys in the record's order; DuckDB expands at bind time to the table's columns and fails when none match",
		"the columns of NDJSON are known only per record, as for *; statements 282-283 keep records that have every matching key"},
	{"COLUMNS('regex') next to an explicit column of the same name keeps the explicit one; DuckDB outputs both (b, b:1)",
		"as * does here: names in a row are distinct"},
	{"list_concat of a value that is not a list gives NULL; DuckDB refuses the statement", "a type mismatch is NULL in this language, never an error"},
	{"a number read from JSON text by -> / ->> / json_extract keeps its text (1e3); DuckDB re-renders it (1000.0)",
		"the same rule as for the record's own numbers: numbers as sent; statement 267 leaves exponents out"},
	{"JSON functions on text that is not valid JSON give NULL; DuckDB fails the query (Malformed JSON)",
		"a per-record transform must not fail a whole batch; statement 267 filters with json_valid"},
	{"sqrt of a negative number, ln/log/log10/log2 of zero or a negative number, log to base 1: DuckDB fails the query, ours gives NULL",
		"a per-record transform must not fail a whole batch; pinned in TestEvalDialect, the corpus stays inside the domains (statement 81)"},
	{"sign returns INT32; DuckDB's returns TINYINT", "expressions compute with INT32; the values are the same (sign(x)::TINYINT writes a TINYINT column)"},
	{"GLOB's ? and [set] match a character; DuckDB's match a byte ('é' GLOB '?' is false there)",
		"the language works on characters everywhere else (LIKE's _, substr); the corpus keeps ? to ASCII (statement 89)"},
	{"NOT GLOB is accepted; DuckDB's parser refuses it (NOT (x GLOB y) works in both)", "symmetry with NOT LIKE; DuckDB's side spells it NOT (…) (statement 89)"},
	{"iff(c, a, b) is an alias of if; DuckDB 1.5 has if only", "asked for by users of other dialects; harmless"},
	{"make_date/make_timestamp with a field out of range, strptime of a string that does not match: DuckDB fails the query, ours gives NULL (our strptime is DuckDB's try_strptime)",
		"a per-record transform must not fail a whole batch; DuckDB's side uses try_strptime (statement 97), TestEvalDialect pins the rest"},
	{"strptime reads %s (epoch seconds) and the composite verbs strftime has (%F %T %D %R); DuckDB rejects them", "an extension, symmetric with strftime; left out of the statements"},
	{"strptime with %z gives a UTC TIMESTAMP; DuckDB gives a TIMESTAMPTZ", "our TIMESTAMP is an instant; the values agree (statement 97)"},
	{"INTERVAL is not a value: only t ± INTERVAL and date_add(t, INTERVAL) with a constant interval; DuckDB has an INTERVAL type (ts - ts, INTERVAL (col) DAY, to_days…)",
		"no INTERVAL column type in our Parquet output; date_diff covers differences"},
	{"functions on timestamps read a VARCHAR as an RFC 3339 timestamp (year('2024-05-01T10:00:00Z')); DuckDB refuses a VARCHAR column there",
		"log data carries timestamps as strings; the cast rules are the same as ::TIMESTAMP"},
	{"TINYINT, SMALLINT, UTINYINT, USMALLINT compute as INT32, UINTEGER and UBIGINT as INT64 (a UBIGINT beyond it as a DOUBLE keeping its exact text), FLOAT/REAL as the DOUBLE of the single-precision value; FLOAT::VARCHAR inside an expression renders that DOUBLE",
		"one integer and one float type to compute with; the values are DuckDB's (statements 101, 102), and a cast at the top of a select item writes the Parquet type DuckDB writes (TestDuckDBReadsNarrowColumns)"},
	{"a DOUBLE just below a narrow integer type's maximum plus one (127.5::TINYINT, 32767.5::SMALLINT, 255.5::UTINYINT, 65535.5::USMALLINT, 4294967295.5::UINTEGER): DuckDB checks the range before rounding and wraps around (-128, -32768, 0, 0, 0), ours is NULL (out of range)",
		"DuckDB's is an overflow bug; below the minimum both check before rounding (-128.5::TINYINT and -0.4::UTINYINT are NULL in both); TestDuckDBReadsNarrowColumns leaves those values out"},
	{"DECIMAL inside an expression computes as the DOUBLE nearest the decimal (x::DECIMAL(10,2)::VARCHAR is '1.5', DuckDB '1.50'; DECIMAL arithmetic is DOUBLE arithmetic); a column cast to DECIMAL(p,s), p up to 38, holds DuckDB's exact value (from text and integers exactly, in 128-bit arithmetic)",
		"one float type to compute with; a DECIMAL column is written as DuckDB writes it (INT32, INT64, FIXED_LEN_BYTE_ARRAY(16)) and read back the same (TestDuckDBReadsNarrowColumns)"},
	{"HUGEINT and UHUGEINT are refused at start-up, pointing to DECIMAL(38,0); DuckDB has them, and its Parquet writer stores them as DOUBLE",
		"a user who asks for a 128-bit integer expects its digits; a DOUBLE column would round them beyond 2^53 without a word, DECIMAL(38,0) keeps 38 digits exactly and Athena reads it"},
	{"UBIGINT arithmetic (+ - * // % of two UBIGINTs, or of one and an integer literal) past 2^64 - 1 or below 0 is NULL; DuckDB fails the statement (Overflow in addition of UINT64)",
		"a per-record transform must not fail a whole batch, as for BIGINT overflow; the values and the UBIGINT type are DuckDB's otherwise (TestDuckDBUnsignedArithmetic)"},
	{"BIGINT (or any other integer that is not a literal) with a UBIGINT is HUGEINT arithmetic in DuckDB; here INT64 arithmetic (a UBIGINT beyond INT64 computes as DOUBLE, an INT64 overflow is NULL)",
		"the language has no HUGEINT; cast the other operand to UBIGINT for unsigned arithmetic"},
	{"CAST(x AS T) for a narrow type T fails like any cast here (NULL, counted in CastFailures); DuckDB's CAST fails the query, its TRY_CAST gives NULL",
		"a per-record transform must not fail a whole batch: the language's casts are TRY_CASTs"},
	{"-> and ->> bind tighter than DuckDB's (j->>'k' = 'x' is (j->>'k') = 'x' here, j->>('k' = 'x') there)",
		"the common spelling works; the statements parenthesise (statements 106, 107)"},
	{"list and JSON functions read the record's arrays and objects; DuckDB's side passes to_json(struct) / to_json(list), which has a key the record lacks as null",
		"DuckDB's columns are typed (duckColumns); statement 107 keeps records whose user has both keys"},
	{"int ↔ double typing: ours types each value from its JSON text, DuckDB types the column (CASE … THEN int ELSE double is DOUBLE)",
		"outputs are widened INT64 → DOUBLE per column at flush (DESIGN.md); sameCell accepts an integer equal to DuckDB's DOUBLE (statement 23)"},
}

// diffStatement is one statement in the parts both engines share. duckItems
// and duckWhere, when set, replace items and where on DuckDB's side; each one
// that is set carries a comment saying why.
type diffStatement struct {
	items, where         string
	duckItems, duckWhere string
}

// diffStatements: the index in the trailing comment is the key of knownBugs.
// dialectStatements (duckdb_dialect_test.go) follow them, numbered on.
// ts is an RFC 3339 string to us but a TIMESTAMP column to DuckDB (pinned in
// duckColumns), so our ts::TIMESTAMP is DuckDB's plain ts. Our casts have TRY
// semantics, so DuckDB's side uses TRY_CAST.
var diffStatements = []diffStatement{
	// Comparison operators, as values (NULL in, NULL out) and as filters.
	{items: "count = 0 AS eq, count <> 0 AS ne, count != 0 AS ne2, count < 0 AS lt, count <= 0 AS le, count > 0 AS gt, count >= 0 AS ge", where: "true"}, // 0
	{items: "status, level", where: "status = 200"},                                                                   // 1
	{items: "status", where: "status <> 200 AND status != 404"},                                                       // 2
	{items: "level, msg < 'm' AS lt, msg >= 'user' AS ge, level = '' AS empty", where: "level > 'debug'"},             // 3
	{items: "latency, count, latency < 100.5 AS lt, latency = 42 AS eq", where: "latency <= 250 AND latency > count"}, // 4
	{items: "ok = true AS t, ok <> false AS f, ok < true AS lt", where: "ok IS NOT NULL"},                             // 5
	{ // 6: ts is a string to us, a TIMESTAMP to DuckDB.
		items:     "ts::TIMESTAMP > '2024-02-15 12:00:00' AS after, ts::TIMESTAMP >= DATE '2024-02-29' AS leap, ts::DATE = '2024-02-29' AS on_leap",
		duckItems: "ts > '2024-02-15 12:00:00' AS after, ts >= DATE '2024-02-29' AS leap, TRY_CAST(ts AS DATE) = '2024-02-29' AS on_leap",
		where:     "true",
	},

	// AND / OR / NOT with NULLs.
	{items: "ok AND status >= 400 AS a, ok OR status >= 400 AS o, NOT ok AS n, NOT (ok AND level = 'error') AS nn", where: "true"}, // 7
	{items: "ok, level", where: "NOT ok"}, // 8
	{items: "status, latency, level", where: "(status >= 500 OR latency > 1000) AND NOT (level = 'debug')"}, // 9
	{items: "level, user.id AS uid", where: "level = 'error' OR user.id IS NULL"},                           // 10

	// IS [NOT] NULL.
	{items: "level IS NULL AS a, user.name IS NOT NULL AS b, tags IS NULL AS c, user IS NULL AS d", where: "true"}, // 11
	{items: "user.name AS uname", where: "user.name IS NOT NULL AND tags IS NULL"},                                 // 12

	// [NOT] IN, with a NULL in the list too.
	{items: "level", where: "level IN ('error', 'warn', 'ERROR')"},                                                                                            // 13
	{items: "status IN (200, 404, NULL) AS a, status NOT IN (500, 503, NULL) AS b, level IN ('error', NULL) AS c, latency IN (1.5, 2.5) AS d", where: "true"}, // 14
	{items: "status, level NOT IN ('debug', 'info') AS nd", where: "status NOT IN (200, 204)"},                                                                // 15

	// [NOT] LIKE / ILIKE with % and _.
	{items: "msg", where: "msg LIKE '%error%' OR msg LIKE 'GET %'"}, // 16
	{items: "msg LIKE 'user_%' AS a, msg ILIKE '%TIMEOUT%' AS b, msg NOT LIKE '%!%' AS c, service LIKE '_uth%' AS d, user.name ILIKE 'é%' AS e, msg NOT ILIKE '%É%' AS f, msg LIKE '' AS g", where: "true"}, // 17
	{items: `msg LIKE '100\%%' ESCAPE '\' AS pct, msg LIKE '%\_%' ESCAPE '\' AS us`, where: "true"},                                                                                                         // 18

	// [NOT] BETWEEN.
	{items: "latency, status NOT BETWEEN 200 AND 299 AS nb, status BETWEEN 200 AND NULL AS nh, count BETWEEN NULL AND -1 AS nl", where: "latency BETWEEN 10 AND 500"}, // 19
	{ // 20
		items:     "ts::TIMESTAMP AS t",
		duckItems: "ts AS t", // ts is a TIMESTAMP column to DuckDB
		where:     "ts::TIMESTAMP BETWEEN '2024-02-01' AND '2024-03-01 12:00:00'",
		duckWhere: "ts BETWEEN '2024-02-01' AND '2024-03-01 12:00:00'",
	},

	// CASE, searched and simple.
	{items: "CASE WHEN status >= 500 THEN 'server' WHEN status >= 400 THEN 'client' WHEN status IS NULL THEN 'none' ELSE 'ok' END AS klass", where: "true"},                            // 21
	{items: "CASE level WHEN 'error' THEN 3 WHEN 'warn' THEN 2 WHEN 'info' THEN 1 END AS sev, CASE ok WHEN true THEN 'yes' WHEN NULL THEN 'never' ELSE 'no' END AS yn", where: "true"}, // 22
	{items: "CASE WHEN ok THEN latency ELSE count END AS mixed", where: "true"},                                                                                                        // 23

	// Arithmetic.
	{items: "count + 1 AS a, count - 3 AS b, count * 2 AS c, count % 7 AS d, -count AS n, user.id * 1000 + status AS e", where: "true"}, // 24
	{items: "count / 4 AS q, status / 100 AS s, latency / 8 AS l, -7 / 2 AS c", where: "true"},                                          // 25
	{ // 26: division by zero is NULL for us, ±Infinity/NaN on DOUBLE for DuckDB (see intendedDifferences).
		items:     "count / 0 AS a, count % 0 AS b, latency / count AS c, latency % count AS d, count % count AS e",
		duckItems: "count / NULLIF(0, 0) AS a, count % 0 AS b, latency / NULLIF(count, 0) AS c, latency % NULLIF(count, 0) AS d, count % count AS e",
		where:     "true",
	},
	{items: "count // 3 AS fd, status // 7 AS sd, count // 0 AS z", where: "true"},                                                          // 27
	{items: "latency * 2 AS a, latency + count AS b, latency - 0.5 AS c, -latency AS n, latency / 3 AS d, latency % 7 AS e", where: "true"}, // 28

	// ||.
	{items: "level || ':' || msg AS a, service || count AS b, msg || NULL AS c, user.name || ok AS d", where: "true"}, // 29

	// Casts (TRY semantics on both sides).
	{ // 30
		items:     "code::INT64 AS i64, code::INT32 AS i32, CAST(code AS DOUBLE) AS d",
		duckItems: "TRY_CAST(code AS BIGINT) AS i64, TRY_CAST(code AS INTEGER) AS i32, TRY_CAST(code AS DOUBLE) AS d",
		where:     "true",
	},
	{ // 31
		items:     "bytes::INT32 AS i32, bytes::DOUBLE AS d, bytes::VARCHAR AS v, CAST(bytes AS INT64) AS i64",
		duckItems: "TRY_CAST(bytes AS INTEGER) AS i32, TRY_CAST(bytes AS DOUBLE) AS d, TRY_CAST(bytes AS VARCHAR) AS v, TRY_CAST(bytes AS BIGINT) AS i64",
		where:     "true",
	},
	{ // 32
		items:     "count::VARCHAR AS cv, ok::VARCHAR AS ov, status::DOUBLE AS sd, ok::INT32 AS oi, CAST(count AS BOOLEAN) AS cb, CAST(status AS VARCHAR) || '!' AS sv",
		duckItems: "TRY_CAST(count AS VARCHAR) AS cv, TRY_CAST(ok AS VARCHAR) AS ov, TRY_CAST(status AS DOUBLE) AS sd, TRY_CAST(ok AS INTEGER) AS oi, TRY_CAST(count AS BOOLEAN) AS cb, TRY_CAST(status AS VARCHAR) || '!' AS sv",
		where:     "true",
	},
	{ // 33
		items:     "latency, latency::INT64 AS i64, CAST(latency AS INT32) AS i32",
		duckItems: "latency, TRY_CAST(latency AS BIGINT) AS i64, TRY_CAST(latency AS INTEGER) AS i32",
		where:     "true",
	},
	{ // 34
		items:     "latency::VARCHAR AS v, 'lat=' || latency AS c",
		duckItems: "TRY_CAST(latency AS VARCHAR) AS v, 'lat=' || latency AS c",
		where:     "true",
	},
	{ // 35: 'on', 'off' and ' true ' are ours only (see intendedDifferences).
		items:     "flag, flag::BOOLEAN AS fb, latency::BOOLEAN AS lb",
		duckItems: "flag, TRY_CAST(flag AS BOOLEAN) AS fb, TRY_CAST(latency AS BOOLEAN) AS lb",
		where:     "flag IS NULL OR flag NOT IN ('on', 'off', ' true ')",
	},
	{ // 36: ts is a string to us, a TIMESTAMP to DuckDB.
		items:     "ts::TIMESTAMP AS t, ts::DATE AS d, ts::TIMESTAMP::VARCHAR AS v, ts::DATE::VARCHAR AS dv, ts::DATE::TIMESTAMP AS dt",
		duckItems: "ts AS t, TRY_CAST(ts AS DATE) AS d, TRY_CAST(ts AS VARCHAR) AS v, TRY_CAST(TRY_CAST(ts AS DATE) AS VARCHAR) AS dv, TRY_CAST(TRY_CAST(ts AS DATE) AS TIMESTAMP) AS dt",
		where:     "true",
	},
	{ // 37: our TIMESTAMP applies the offset, like DuckDB's TIMESTAMPTZ (see intendedDifferences).
		items:     "seen_at, seen_at::TIMESTAMP AS t, CAST(seen_at AS DATE) AS d",
		duckItems: "seen_at, TRY_CAST(seen_at AS TIMESTAMPTZ) AS t, TRY_CAST(TRY_CAST(seen_at AS TIMESTAMPTZ) AS DATE) AS d",
		where:     "true",
	},
	{ // 38: our cast reads epoch numbers; DuckDB spells that to_timestamp / epoch_ms (see intendedDifferences).
		items:     "epoch::TIMESTAMP AS es, ms::TIMESTAMP AS ems, epoch::DATE AS ed",
		duckItems: "to_timestamp(epoch)::TIMESTAMP AS es, epoch_ms(ms) AS ems, to_timestamp(epoch)::DATE AS ed",
		where:     "true",
	},
	{ // 39
		items:     "CAST(code AS DOUBLE) * 2 AS d2, CAST(flag AS INT32) AS fi, TRY_CAST(code AS INT64) + 1 AS ti, CAST(level AS DATE) AS ld",
		duckItems: "TRY_CAST(code AS DOUBLE) * 2 AS d2, TRY_CAST(flag AS INTEGER) AS fi, TRY_CAST(code AS BIGINT) + 1 AS ti, TRY_CAST(level AS DATE) AS ld",
		where:     "true",
	},

	// Functions.
	{ // 40: DuckDB upper-cases ß to ẞ, Go leaves it (see intendedDifferences).
		items:     "lower(msg) AS lm, upper(msg) AS um, lower(user.name) AS ln, upper(user.name) AS un, upper(level) AS ul",
		duckItems: "lower(msg) AS lm, replace(upper(msg), 'ẞ', 'ß') AS um, lower(user.name) AS ln, replace(upper(user.name), 'ẞ', 'ß') AS un, upper(level) AS ul",
		where:     "true",
	},
	{items: "length(msg) AS lm, length(user.name) AS ln, length(tags) AS lt, length(level) AS ll", where: "true"},                      // 41
	{items: "substr(msg, 2, 3) AS a, substr(msg, 5) AS b, substring(user.name, 1, 2) AS c, substr(msg, 1, 100) AS d", where: "true"},   // 42
	{items: "substr(msg, -3) AS a, substr(msg, -1, 1) AS b, substr(user.name, -2) AS c, substr(msg, -30) AS d", where: "true"},         // 43
	{items: "msg, substr(msg, -8, 3) AS a, substr(user.name, -6, 2) AS b", where: "true"},                                              // 44
	{items: "substr(msg, 0, 2) AS a, substr(msg, 0) AS b, substr(msg, 0, 0) AS c, substr(msg, 0, 1) AS d", where: "true"},              // 45
	{items: "substr(msg, 4, -2) AS a, substr(msg, 3, -5) AS b, substr(msg, -1, -2) AS c", where: "length(msg) >= 4"},                   // 46
	{items: "msg, substr(msg, 12, -3) AS a", where: "true"},                                                                            // 47
	{items: "trim(msg) AS t, trim(user.name) AS tn, trim(msg, ' !') AS t2, length(trim(msg)) AS lt, trim(level) AS tl", where: "true"}, // 48
	{ // 49
		items: "concat(level, '-', status, '-', user.name, '-', ok) AS c, concat(msg) AS m, concat(NULL, tags[1]) AS n",
		where: "true",
	},
	{items: "coalesce(user.name, service, 'anon') AS n, coalesce(status, count, 0) AS s, coalesce(level, msg) AS l", where: "true"}, // 50
	{ // 51
		items: "starts_with(msg, 'user') AS a, contains(msg, 'ß') AS b, contains(lower(msg), 'error') AS c, starts_with(user.name, '') AS d, contains(service, '-') AS e",
		where: "true",
	},
	{ // 52
		items: `regexp_matches(msg, '^[a-z]+ [a-z]+') AS a, regexp_matches(msg, 'error|timeout', 'i') AS b, regexp_matches(service, '^[a-z]+(-[a-z]+)*$') AS c, regexp_matches(msg, '\d{3}') AS d, regexp_matches(user.name, '^\p{Lu}') AS e`,
		where: "true",
	},
	{ // 53: ts is a string to us, a TIMESTAMP to DuckDB.
		items:     "strftime(ts, '%Y-%m-%d %H:%M:%S.%f') AS full, strftime(ts::DATE, '%Y/%m/%d %H:%M') AS day, strftime(ts::TIMESTAMP, '%Y') AS y",
		duckItems: "strftime(ts, '%Y-%m-%d %H:%M:%S.%f') AS full, strftime(TRY_CAST(ts AS DATE), '%Y/%m/%d %H:%M') AS day, strftime(ts, '%Y') AS y",
		where:     "true",
	},
	{items: "strftime(ts, '%j|%a|%A|%b|%B|%p|%I|%-d|%-m|%-H|%-I|%w|%u|%g|%y|%z|%%') AS verbs", where: "true"},                                                                   // 54
	{items: "epoch_ms(ts) AS ms_of_ts, epoch_ms(ms) AS ts_of_ms", where: "true"},                                                                                                // 55
	{items: "abs(count) AS a, abs(latency) AS b, abs(status - 300) AS c", where: "true"},                                                                                        // 56
	{items: "round(latency) AS r0, round(latency, 2) AS r2, round(latency, -1) AS rm1, round(count, -1) AS ci, round(count, 1) AS ci1, round(latency, 0) AS rz", where: "true"}, // 57

	// Paths: nested objects and arrays.
	{items: "user.id AS uid, user.name AS uname", where: "user.id > 500000"}, // 58
	{ // 59: indexes are 1-based, as DuckDB's.
		items: "tags[1] AS t0, tags[2] AS t1, tags[-1] AS tl",
		where: "tags[1] = 'prod' OR tags[2] IS NULL",
	},
	{items: "length(tags) AS n", where: "length(tags) >= 2"}, // 60

	// JSON numbers read exactly: 1.8886997308e+08 is the double of the literal.
	{items: "latency, latency = 188869973.08 AS eq, latency % 1 AS frac", where: "latency >= 1000000"}, // 61
}

func (s diffStatement) ourSQL() string {
	return "SELECT id, " + s.items + " WHERE " + s.where
}

// duckColumns pins every field's type for read_json.
const duckColumns = `{id: 'BIGINT', ts: 'TIMESTAMP', level: 'VARCHAR', service: 'VARCHAR', msg: 'VARCHAR', ` +
	`status: 'BIGINT', count: 'BIGINT', bytes: 'BIGINT', latency: 'DOUBLE', ok: 'BOOLEAN', code: 'VARCHAR', ` +
	`flag: 'VARCHAR', seen_at: 'VARCHAR', epoch: 'BIGINT', ms: 'BIGINT', ` +
	`user: 'STRUCT(id BIGINT, name VARCHAR)', tags: 'VARCHAR[]'}`

func (s diffStatement) duckSQL(path string) string {
	items, where := s.items, s.where
	if s.duckItems != "" {
		items = s.duckItems
	}
	if s.duckWhere != "" {
		where = s.duckWhere
	}
	return fmt.Sprintf("SELECT id, %s FROM read_json('%s', format='newline_delimited', columns=%s) WHERE %s ORDER BY id",
		items, strings.ReplaceAll(path, "'", "''"), duckColumns, where)
}

// diffRow is one kept row: the id and the other columns.
type diffRow struct {
	id   int64
	vals []cell
}

func (s diffStatement) runOurs(lines []string) ([]diffRow, error) {
	prog, err := transform.Compile(s.ourSQL())
	if err != nil {
		return nil, err
	}
	st := prog.NewState()
	var p fastjson.Parser
	var rows []diffRow
	for _, line := range lines {
		rec, err := p.Parse(line)
		if err != nil {
			return nil, fmt.Errorf("corpus line %q: %v", line, err)
		}
		if !prog.Eval(st, rec) {
			continue
		}
		id := st.Row[0].Value
		if id.Type != transform.Int64 {
			return nil, fmt.Errorf("id is %v, not INT64, in %q", id.Type, line)
		}
		r := diffRow{id: id.I}
		for _, f := range st.Row[1:] {
			r.vals = append(r.vals, ourCell(f.Value))
		}
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(a, b diffRow) int { return cmp.Compare(a.id, b.id) })
	return rows, nil
}

// cell is a value from either engine in a comparable form. kind is one of
// NULL, BOOLEAN, INTEGER, DOUBLE, VARCHAR, TIMESTAMP (text: µs) and DATE
// (text: YYYY-MM-DD).
type cell struct {
	kind string
	text string
	f    float64
}

func (c cell) String() string {
	switch c.kind {
	case "NULL":
		return "NULL"
	case "DOUBLE":
		return "DOUBLE " + strconv.FormatFloat(c.f, 'g', -1, 64)
	case "VARCHAR":
		return "VARCHAR " + strconv.Quote(c.text)
	case "TIMESTAMP":
		us, _ := strconv.ParseInt(c.text, 10, 64)
		return "TIMESTAMP " + c.text + " (" + time.UnixMicro(us).UTC().Format(time.RFC3339Nano) + ")"
	}
	return c.kind + " " + c.text
}

func ourCell(v transform.Value) cell {
	switch v.Type {
	case transform.Null:
		return cell{kind: "NULL"}
	case transform.Boolean:
		return cell{kind: "BOOLEAN", text: strconv.FormatBool(v.I != 0)}
	case transform.Int32, transform.Int64, transform.TinyInt, transform.SmallInt, transform.UTinyInt, transform.USmallInt, transform.UInteger, transform.UBigInt:
		return cell{kind: "INTEGER", text: string(v.AppendText(nil))} // a column cast to a narrow type
	case transform.Double, transform.Float:
		return cell{kind: "DOUBLE", f: v.F}
	case transform.Timestamp:
		return cell{kind: "TIMESTAMP", text: strconv.FormatInt(v.I, 10)}
	case transform.Date:
		return cell{kind: "DATE", text: string(v.AppendText(nil))}
	}
	if _, _, ok := v.Type.Decimal(); ok {
		f, _ := strconv.ParseFloat(string(v.AppendText(nil)), 64)
		return cell{kind: "DOUBLE", f: f}
	}
	return cell{kind: "VARCHAR", text: string(v.AppendText(nil))} // VARCHAR, JSON
}

// duckCell reads a cell as internal/testenv/duckdb encodes it, given its DuckDB type.
func duckCell(typ string, v any) cell {
	if v == nil {
		return cell{kind: "NULL"}
	}
	switch x := v.(type) {
	case bool:
		return cell{kind: "BOOLEAN", text: strconv.FormatBool(x)}
	case float64:
		return cell{kind: "DOUBLE", f: x}
	}
	s := fmt.Sprint(v)
	switch {
	case strings.HasPrefix(typ, "TIMESTAMP"):
		return cell{kind: "TIMESTAMP", text: s}
	case typ == "DATE":
		return cell{kind: "DATE", text: s}
	case typ == "DOUBLE" || typ == "FLOAT" || strings.HasPrefix(typ, "DECIMAL"):
		f, err := strconv.ParseFloat(s, 64) // also "NaN", "Infinity", "-Infinity"
		if err != nil {
			return cell{kind: "VARCHAR", text: s}
		}
		return cell{kind: "DOUBLE", f: f}
	case strings.HasSuffix(typ, "INT") || strings.HasSuffix(typ, "INTEGER"):
		return cell{kind: "INTEGER", text: s}
	}
	return cell{kind: "VARCHAR", text: s}
}

// sameCell compares a cell of ours with DuckDB's: NULL only equals NULL,
// integers, strings, booleans, timestamps and dates exactly, doubles within a
// relative 1e-9. An integer of ours equals DuckDB's DOUBLE of the same value:
// we type each value from its JSON text and widen INT64 → DOUBLE per column at
// flush, where DuckDB types the expression.
func sameCell(ours, duck cell) bool {
	if ours.kind == "INTEGER" && duck.kind == "DOUBLE" {
		i, _ := strconv.ParseInt(ours.text, 10, 64)
		ours = cell{kind: "DOUBLE", f: float64(i)}
	}
	if ours.kind != duck.kind {
		return false
	}
	if ours.kind != "DOUBLE" {
		return ours.text == duck.text
	}
	a, b := ours.f, duck.f
	switch {
	case math.IsNaN(a) || math.IsNaN(b):
		return math.IsNaN(a) && math.IsNaN(b)
	case a == b:
		return true
	}
	return math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b))
}

// compareRows returns "" when the rows agree; else a report of the rows kept
// by one engine only and, per column, how many rows differ and the first
// difference; and the id of the first differing row.
func compareRows(ours []diffRow, res duckdb.Result) (string, int64) {
	duck := make([]diffRow, len(res.Rows))
	for i, r := range res.Rows {
		id, err := strconv.ParseInt(fmt.Sprint(r[0]), 10, 64)
		if err != nil {
			return fmt.Sprintf("DuckDB row %d: bad id %v", i, r[0]), 0
		}
		duck[i] = diffRow{id: id}
		for j, v := range r[1:] {
			duck[i].vals = append(duck[i].vals, duckCell(res.Types[j+1], v))
		}
	}
	var firstID int64
	var kinds []string // "kept by us only", "column x"…, in order of discovery
	count, first := map[string]int{}, map[string]string{}
	note := func(id int64, kind, what string) {
		if firstID == 0 {
			firstID = id
		}
		if count[kind]++; count[kind] == 1 {
			kinds = append(kinds, kind)
			first[kind] = what
		}
	}
	i, j := 0, 0
	for i < len(ours) || j < len(duck) {
		switch {
		case j == len(duck) || (i < len(ours) && ours[i].id < duck[j].id):
			note(ours[i].id, "kept by us only", fmt.Sprintf("row id=%d", ours[i].id))
			i++
		case i == len(ours) || duck[j].id < ours[i].id:
			note(duck[j].id, "kept by DuckDB only", fmt.Sprintf("row id=%d", duck[j].id))
			j++
		default:
			o, d := ours[i], duck[j]
			if len(o.vals) != len(d.vals) {
				return fmt.Sprintf("column count: ours %d, DuckDB %d", len(o.vals)+1, len(d.vals)+1), 0
			}
			for k := range o.vals {
				if !sameCell(o.vals[k], d.vals[k]) {
					note(o.id, "column "+res.Columns[k+1], fmt.Sprintf("row id=%d: DuckDB %v, ours %v", o.id, d.vals[k], o.vals[k]))
				}
			}
			i++
			j++
		}
	}
	if firstID == 0 {
		return "", 0
	}
	msg := fmt.Sprintf("rows: ours %d, DuckDB %d", len(ours), len(duck))
	for _, k := range kinds {
		msg += fmt.Sprintf("\n  %s: %d rows, first %s", k, count[k], first[k])
	}
	return msg, firstID
}

// writeCorpus writes about 2,000 deterministic log/event records to path and
// returns them. Every field is sometimes missing and sometimes null; each
// field keeps one JSON type so that DuckDB's pinned column types hold.
func writeCorpus(t *testing.T, path string) []string {
	t.Helper()
	r := rand.New(rand.NewPCG(20240501, 7))
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	str := func(s string) string { b, _ := json.Marshal(s); return string(b) }

	levels := []string{"debug", "info", "info", "warn", "error", "INFO", "Warn", "ERROR", ""}
	services := []string{"api", "auth-service", "billing", "Search API", "worker_1", "ingest", "édition"}
	msgs := []string{
		"user logged in", "user_42 logged out", "GET /api/v1/items 200", "POST /login 401",
		"timeout after 3000ms", "Request TIMEOUT", "error: disk full!", "ERROR connecting to db",
		"Connection reset by peer", "100% done", "under_score value", "Straße gesperrt",
		"ÉCOLE fermée", "Ünïcödé façade", "日本語のログ", "emoji 👍🏽 ok", "  padded message  ",
		"\tTabbed\t", `quote " and backslash \`, "x", "ab", "", "İstanbul", "ΣΑΣ", "retry #3 of 5",
		"mixed Case Message", "cache hit", "!!", " ! trailing bang !",
	}
	names := []string{"alice", "Bob", "ÉLODIE", "élise", "José Ñúñez", "Straße", "İlker", "李雷", "  spaced  ", "", "o'brien", "X"}
	codes := []string{"42", " 7 ", "-13", "1.5", "2.5", "-2.5", "abc", "", "1e3", "9999999999", "0", ".5", "+3", "3.", "007"}
	flags := []string{"true", "false", "TRUE", "False", "t", "f", "1", "0", "yes", "no", "y", "n", "maybe", "", "on", "off", " true "}
	seen := []string{
		"2024-01-02T03:04:05Z", "2024-01-02T03:04:05.5Z", "2024-01-02 03:04:05", "2024-01-02T03:04:05+02:00",
		"2024-01-02T23:30:00-05:30", "2024-01-02", "2024-02-29T12:00:00Z", "2023-02-29T12:00:00Z",
		"2024-13-01", "not a date", "", "2024-01-02T25:00:00Z", "1999-12-31T23:59:59.999999Z",
		"2024-01-02T03:04:05.1234567Z", "2024-06-30T22:15:00.25+01:00",
	}
	tagSet := []string{"prod", "staging", "eu-west-1", "beta", "α", "Needs Review", ""}
	bigInts := []int64{0, -5, math.MaxInt32, math.MaxInt32 + 1, math.MinInt32, math.MinInt32 - 1,
		1 << 32, 1<<53 + 1, math.MaxInt64, math.MinInt64}

	// latency is JSON number text that always reads back as a double (it has
	// a '.' or an exponent), in plain or exponent notation as producers write.
	latency := func() string {
		var f float64
		switch r.IntN(8) {
		case 0:
			f = float64(r.IntN(100)) + 0.5 // exact halves
		case 1:
			f = math.Round((1e6+r.Float64()*1e9)*100) / 100 // large
		case 2:
			return pick("0.0", "-0.25", "42.0", "1.5e-7", "2.5", "3.5", "-2.5", "1.5e15", "123456.7",
				"188869973.08", "1.8886997308e+08", "1.25E2")
		default:
			f = math.Round(r.Float64()*2000*1000) / 1000
		}
		s := strconv.FormatFloat(f, pick("f", "g")[0], -1, 64)
		if !strings.ContainsAny(s, ".e") {
			s += ".0"
		}
		return s
	}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()

	var lines []string
	var b strings.Builder
	for id := 1; id <= 2000; id++ {
		b.Reset()
		fmt.Fprintf(&b, `{"id":%d`, id)
		// put writes key: value, or null (5%), or nothing (5%).
		put := func(key string, value func() string) {
			switch r.IntN(20) {
			case 0:
				return
			case 1:
				fmt.Fprintf(&b, `,%q:null`, key)
			default:
				fmt.Fprintf(&b, `,%q:%s`, key, value())
			}
		}
		put("ts", func() string {
			us := base + r.Int64N(150*86400*1_000_000)
			switch r.IntN(5) {
			case 0:
				us -= us % 1_000_000 // whole seconds
			case 1:
				us -= us % 1000 // whole milliseconds
			}
			return str(time.UnixMicro(us).UTC().Format("2006-01-02T15:04:05.000000Z"))
		})
		put("level", func() string { return str(pick(levels...)) })
		put("service", func() string { return str(pick(services...)) })
		put("msg", func() string { return str(pick(msgs...)) })
		put("status", func() string {
			return pick("200", "200", "200", "201", "204", "301", "400", "404", "429", "500", "503", "0", "-1")
		})
		put("count", func() string {
			if r.IntN(8) == 0 {
				return "0"
			}
			return strconv.Itoa(r.IntN(2001) - 1000)
		})
		put("bytes", func() string {
			if r.IntN(3) == 0 {
				return strconv.FormatInt(bigInts[r.IntN(len(bigInts))], 10)
			}
			return strconv.FormatInt(r.Int64N(1_000_000), 10)
		})
		put("latency", latency)
		put("ok", func() string { return strconv.FormatBool(r.IntN(2) == 0) })
		put("code", func() string { return str(pick(codes...)) })
		put("flag", func() string { return str(pick(flags...)) })
		put("seen_at", func() string { return str(pick(seen...)) })
		epoch := 1_600_000_000 + r.Int64N(200_000_000)
		put("epoch", func() string { return strconv.FormatInt(epoch, 10) })
		put("ms", func() string { return strconv.FormatInt(epoch*1000+r.Int64N(1000), 10) })
		put("user", func() string {
			var u []string
			if r.IntN(10) > 0 {
				u = append(u, fmt.Sprintf(`"id":%d`, r.IntN(1_000_000)))
			}
			switch r.IntN(10) {
			case 0:
			case 1:
				u = append(u, `"name":null`)
			default:
				u = append(u, `"name":`+str(pick(names...)))
			}
			return "{" + strings.Join(u, ",") + "}"
		})
		put("tags", func() string {
			tags := make([]string, r.IntN(5))
			for i := range tags {
				tags[i] = str(pick(tagSet...))
			}
			return "[" + strings.Join(tags, ",") + "]"
		})
		b.WriteString("}")
		lines = append(lines, b.String())
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return lines
}
