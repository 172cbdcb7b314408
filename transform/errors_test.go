package transform

import (
	"errors"
	"strings"
	"testing"
)

func TestCompileErrors(t *testing.T) {
	f := func(stmt, want string) {
		t.Helper()
		_, err := Compile(stmt)
		if err == nil {
			t.Errorf("Compile(%q): no error, want %q", stmt, want)
			return
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Compile(%q): error %T is not *Error", stmt, err)
			return
		}
		// The first line is the message and position; the rest is the caret.
		if got, _, _ := strings.Cut(err.Error(), "\n"); got != want {
			t.Errorf("Compile(%q)\n got %s\nwant %s", stmt, got, want)
		}
	}
	f("", "empty statement: expected SELECT at 1:1")
	f("   -- nothing\n", "empty statement: expected SELECT at 2:1")
	f("SELEC a", "expected SELECT, found 'SELEC' at 1:1")
	f("SELECT lowr(msg)", "unknown function 'lowr' (did you mean lower?) at 1:8")
	f("SELECT a FROM logs", "FROM is not needed: the input is the request body at 1:10")
	f("SELECT", "expected an expression, found end of statement at 1:7")
	f("SELECT a,", "expected an expression, found end of statement at 1:10")
	f("SELECT a b c", "unexpected 'c' at 1:12")
	f("SELECT 'abc", "unterminated string literal at 1:8")
	f(`SELECT "abc`, "unterminated quoted identifier at 1:8")
	f(`SELECT ""`, "empty quoted identifier at 1:8")
	f("SELECT a /* open", "unterminated comment at 1:10")
	f("SELECT a WHERE", "expected an expression, found end of statement at 1:15")
	f("SELECT a WHERE b = ", "expected an expression, found end of statement at 1:20")
	f("SELECT (a + 1", "expected ')', found end of statement at 1:14")
	f("SELECT a::BLOB", "unknown type 'BLOB' (types: BOOLEAN, TINYINT, SMALLINT, INTEGER, BIGINT, UTINYINT, USMALLINT, UINTEGER, UBIGINT, FLOAT, DOUBLE, VARCHAR, TIMESTAMP, DATE, TIME, UUID, JSON, STRUCT(…), TYPE[]) at 1:11")
	f("SELECT a::HUGEINT", "type HUGEINT is not supported (DuckDB's Parquet writer stores it as DOUBLE, which rounds beyond 2^53; use DECIMAL(38,0) for exact integers of up to 38 digits, or DOUBLE) at 1:11")
	f("SELECT CAST(a INT64)", "expected AS, found 'INT64' at 1:15")
	f("SELECT lower(a, b)", "lower takes 1 argument, got 2 at 1:8")
	f("SELECT substr(a)", "substr takes 2 to 3 arguments, got 1 at 1:8")
	f("SELECT coalesce()", "coalesce takes at least 1 argument, got 0 at 1:8")
	f("SELECT now(1)", "now takes 0 arguments, got 1 at 1:8")
	f("SELECT regexp_extract(a, 1)", "regexp_extract: the pattern must be a string at 1:26")
	f("SELECT regexp_matches(a, b, c)", "regexp_matches: the options must be a constant string at 1:8")
	f("SELECT regexp_matches(a, '(')", "regexp_matches: bad pattern: missing closing ): `(` at 1:26")
	f("SELECT regexp_matches(a, 'x', 'q')", "regexp_matches: unknown option 'q' (options: i, s, m, c) at 1:31")
	f("SELECT strftime(ts, '%Q')", "strftime: unknown strftime specifier %Q at 1:21")
	f("SELECT strftime(ts, fmt)", "strftime: the format must be a constant string at 1:8")
	f("SELECT a LIKE 'x' ESCAPE 'ab'", "ESCAPE must be a single-character string at 1:26")
	f("SELECT *, *", "* appears twice at 1:11")
	f("SELECT a, b AS a", "duplicate column name 'a'; rename one with AS at 1:11")
	f("SELECT user.id, id", "duplicate column name 'id'; rename one with AS at 1:17")
	f("SELECT a PARTITION BY *", "* is not allowed in PARTITION BY at 1:23")
	f("SELECT a PARTITION a", "expected BY, found 'a' at 1:20")
	f("SELECT a + *", "* is allowed only as a SELECT item at 1:12")
	f("SELECT select", "expected an expression, found keyword SELECT at 1:8")
	f("SELECT a AS from", "FROM is a reserved word; write \"from\" to use it as a name at 1:13")
	f("SELECT * EXCLUDE a", "expected '(', found 'a' at 1:18")
	f("SELECT count(*)", "count(*) is not supported: a transform works on one record at a time at 1:14")
	f("SELECT a GROUP BY a", "GROUP is not supported: a transform works on one record at a time at 1:10")
	f("SELECT DISTINCT a", "DISTINCT is not supported: a transform works on one record at a time at 1:8")
	f("SELECT a IN (SELECT 1)", "subqueries are not supported at 1:14")
	f("SELECT a IS 1", "expected NULL, TRUE, FALSE or DISTINCT FROM after IS, found '1' at 1:13")
	f("SELECT CASE a END", "expected WHEN, found keyword END at 1:15")
	f("SELECT CASE WHEN a THEN 1", "expected END, found end of statement at 1:26")
	f("SELECT a BETWEEN 1 OR 2", "expected AND, found keyword OR at 1:20")
	f("SELECT a.", "expected a field name after '.', found end of statement at 1:10")
	f("SELECT a[0]", "list indexes start at 1, as in DuckDB: a[1] is the first element (a[0], always NULL in DuckDB, is refused: datatap used to count from 0) at 1:10")
	f("SELECT a[1:2", "expected ']', found end of statement at 1:13")
	f("SELECT a[1.5]", "array index must be a whole number, found 1.5 at 1:10")
	f("SELECT lower(a)[0]", "list indexes start at 1, as in DuckDB: lower(a)[1] is the first element (lower(a)[0], always NULL in DuckDB, is refused: datatap used to count from 0) at 1:17")
	f("SELECT lower(a).b", "'.' applies to field paths only at 1:16")
	f("SELECT a # b", "unexpected '#' at 1:10")
	f("SELECT TIMESTAMP 'yesterday'", "invalid TIMESTAMP literal 'yesterday' at 1:18")
	f("SELECT a\nWHERE b =\n  AND c", "expected an expression, found keyword AND at 3:3")
	f("SELECT 'é' || lowr(x)", "unknown function 'lowr' (did you mean lower?) at 1:15")
	f(strings.Repeat("(", 100)+"1", "expected SELECT, found '(' at 1:1")
	f("SELECT "+strings.Repeat("(", 100)+"1"+strings.Repeat(")", 100), "expression nested too deeply (limit 64) at 1:72")
	f("SELECT "+strings.Repeat("NOT ", 100)+"a", "expression nested too deeply (limit 64) at 1:260")
	f("SELECT "+strings.Repeat("- ", 100)+"1", "expression nested too deeply (limit 64) at 1:134")
	f("SELECT "+strings.Repeat("lower(", 100)+"a"+strings.Repeat(")", 100), "expression nested too deeply (limit 64) at 1:200")
	f("SELECT '"+strings.Repeat("x", MaxStatementBytes)+"'", "statement is too long (16393 bytes, limit 16384) at 1:1")
}

func TestErrorRendering(t *testing.T) {
	f := func(stmt, want string) {
		t.Helper()
		_, err := Compile(stmt)
		if err == nil || err.Error() != want {
			t.Errorf("Compile(%q)\n got %v\nwant %s", stmt, err, want)
		}
	}
	f("SELECT lowr(msg)", "unknown function 'lowr' (did you mean lower?) at 1:8\n  SELECT lowr(msg)\n         ^")
	f("SELECT a\n\tWHERE b = = 1", "expected an expression, found '=' at 2:12\n  \tWHERE b = = 1\n  \t          ^")
	f("SELECT 'ü' || lowr(x)", "unknown function 'lowr' (did you mean lower?) at 1:15\n  SELECT 'ü' || lowr(x)\n                ^")
	long := "SELECT " + strings.Repeat("a + ", 100) + "lowr(x)"
	_, err := Compile(long)
	var e *Error
	if !errors.As(err, &e) || e.Column != 408 || len(e.Source) > 130 {
		t.Fatalf("long line: got %#v", err)
	}
	if lines := strings.Split(err.Error(), "\n"); len(lines) != 3 || strings.Index(lines[2], "^") != strings.Index(lines[1], "lowr") {
		t.Errorf("long line: caret not under the token:\n%s", err)
	}
}
