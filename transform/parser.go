package transform

import (
	"math"
	"strconv"
	"strings"
)

// Limits that keep a hostile or mistaken statement from costing more than it
// is worth at start-up.
const (
	MaxStatementBytes = 16 << 10 // longer statements are refused
	MaxDepth          = 64       // nesting of parentheses, functions and unary operators
)

// reserved words cannot be bare field names; "quote" them to use them so.
var reserved = map[string]bool{
	"SELECT": true, "FROM": true, "WHERE": true, "PARTITION": true, "BY": true,
	"AS": true, "AND": true, "OR": true, "NOT": true, "IS": true, "NULL": true,
	"TRUE": true, "FALSE": true, "IN": true, "LIKE": true, "ILIKE": true,
	"BETWEEN": true, "CASE": true, "WHEN": true, "THEN": true, "ELSE": true,
	"END": true, "CAST": true, "TRY_CAST": true, "EXCLUDE": true, "ESCAPE": true,
	"GROUP": true, "ORDER": true, "LIMIT": true, "HAVING": true, "DISTINCT": true,
}

type parser struct {
	src   string
	lx    lexer
	tok   token // current token
	peek  token // the one after it
	depth int
}

// bailout carries a compile error up through the recursive descent.
type bailout struct{ err *Error }

func parse(src string) (*statement, error) {
	return parseWith(src, "statement", (*parser).statement)
}

// parseWith parses src (a statement or an expression: what names it in
// errors) with top, turning a bailout into its positioned error.
func parseWith[T any](src, what string, top func(*parser) T) (res T, err error) {
	var zero T
	if len(src) > MaxStatementBytes {
		return zero, errorAt(src, 0, "%s is too long (%d bytes, limit %d)", what, len(src), MaxStatementBytes)
	}
	p := &parser{src: src, lx: lexer{src: src}}
	p.tok = p.lx.next()
	p.peek = p.lx.next()
	defer func() {
		if r := recover(); r != nil {
			b, ok := r.(bailout)
			if !ok {
				panic(r)
			}
			res, err = zero, b.err
		}
	}()
	res = top(p)
	if p.lx.err != nil {
		return zero, p.lx.err
	}
	return res, nil
}

func (p *parser) failAt(pos int, format string, args ...any) {
	if p.lx.err != nil && p.lx.err.Line > 0 {
		// A lexical error (unterminated string…) explains more than what the
		// parser makes of the truncated token stream.
		panic(bailout{p.lx.err})
	}
	panic(bailout{errorAt(p.src, pos, format, args...)})
}

func (p *parser) advance() token {
	t := p.tok
	p.tok = p.peek
	p.peek = p.lx.next()
	return t
}

// peek2 returns the token after peek, without consuming anything.
func (p *parser) peek2() token {
	lx := p.lx // a copy: scanning it leaves the parser where it is
	return lx.next()
}

func isKeyword(t token, kw string) bool {
	return t.kind == tokIdent && strings.EqualFold(t.text, kw)
}

func isOp(t token, op string) bool { return t.kind == tokOp && t.text == op }

func (p *parser) acceptKeyword(kw string) bool {
	if isKeyword(p.tok, kw) {
		p.advance()
		return true
	}
	return false
}

func (p *parser) acceptOp(op string) bool {
	if isOp(p.tok, op) {
		p.advance()
		return true
	}
	return false
}

func (p *parser) expectKeyword(kw string) {
	if !p.acceptKeyword(kw) {
		p.failAt(p.tok.pos, "expected %s, found %s", kw, describe(p.tok))
	}
}

func (p *parser) expectOp(op string) token {
	t := p.tok
	if !p.acceptOp(op) {
		p.failAt(p.tok.pos, "expected '%s', found %s", op, describe(p.tok))
	}
	return t
}

// describe names a token the way an error message should quote it.
func describe(t token) string {
	switch t.kind {
	case tokEOF:
		return "end of statement"
	case tokString:
		return "string '" + t.text + "'"
	case tokQuoted:
		return `"` + t.text + `"`
	case tokIdent:
		if reserved[strings.ToUpper(t.text)] {
			return "keyword " + strings.ToUpper(t.text)
		}
		return "'" + t.text + "'"
	}
	return "'" + t.text + "'"
}

func (p *parser) statement() *statement {
	if !isKeyword(p.tok, "SELECT") {
		if p.tok.kind == tokEOF {
			p.failAt(p.tok.pos, "empty statement: expected SELECT")
		}
		p.failAt(p.tok.pos, "expected SELECT, found %s", describe(p.tok))
	}
	p.advance()
	st := &statement{}
	st.items = p.itemList(true)
	if isKeyword(p.tok, "FROM") {
		p.failAt(p.tok.pos, "FROM is not needed: the input is the request body")
	}
	if p.acceptKeyword("WHERE") {
		st.where = p.expr()
	}
	if p.acceptKeyword("PARTITION") {
		p.expectKeyword("BY")
		st.partitions = p.itemList(false)
	}
	p.acceptOp(";")
	if p.tok.kind != tokEOF {
		for _, kw := range []string{"GROUP", "ORDER", "LIMIT", "HAVING"} {
			if isKeyword(p.tok, kw) {
				p.failAt(p.tok.pos, "%s is not supported: a transform works on one record at a time", kw)
			}
		}
		p.failAt(p.tok.pos, "unexpected %s", describe(p.tok))
	}
	return st
}

func (p *parser) itemList(allowStar bool) []selectItem {
	var items []selectItem
	for {
		pos := p.tok.pos
		if isOp(p.tok, "*") {
			if !allowStar {
				p.failAt(pos, "* is not allowed in PARTITION BY")
			}
			p.advance()
			it := selectItem{star: true, pos: pos}
			if p.acceptKeyword("EXCLUDE") {
				it.exclude = p.excludeList()
			}
			if isKeyword(p.tok, "REPLACE") && isOp(p.peek, "(") {
				p.advance()
				it.replace = p.replaceList()
			}
			items = append(items, it)
		} else {
			if isKeyword(p.tok, "DISTINCT") {
				p.failAt(pos, "DISTINCT is not supported: a transform works on one record at a time")
			}
			it := selectItem{expr: p.expr(), pos: pos}
			if p.acceptKeyword("AS") {
				it.alias = p.name("a column name after AS")
			} else if (p.tok.kind == tokIdent && !reserved[strings.ToUpper(p.tok.text)]) || p.tok.kind == tokQuoted {
				it.alias = p.name("")
			}
			if e := it.expr; e.kind == nCall && e.name == "columns" {
				it = p.columnsItem(it, allowStar)
			}
			items = append(items, it)
		}
		if !p.acceptOp(",") {
			return items
		}
	}
}

// columnsItem turns the item COLUMNS('regex') into a * that keeps the
// fields whose name the regular expression matches (anywhere in the name,
// as DuckDB's COLUMNS matches). The columns of a record are known only when
// it comes, so the expansion is per record, as *'s is; DuckDB's other forms
// (a list of names, a lambda, COLUMNS inside an expression) are refused.
func (p *parser) columnsItem(it selectItem, allowStar bool) selectItem {
	e := it.expr
	switch {
	case !allowStar:
		p.failAt(e.pos, "COLUMNS(…) is not allowed in PARTITION BY")
	case len(e.args) != 1 || e.args[0].kind != nLiteral || e.args[0].lit.Type != Varchar:
		p.failAt(e.pos, "COLUMNS takes one constant regular expression, COLUMNS('^user_'): it keeps the record's top-level fields whose name matches")
	case it.alias != "":
		p.failAt(e.pos, "COLUMNS(…) makes one column per matching field, named by its key: it takes no alias")
	}
	return selectItem{star: true, columns: e.args[0], pos: it.pos}
}

func (p *parser) excludeList() []string {
	p.expectOp("(")
	var names []string
	for {
		names = append(names, p.name("a field name in EXCLUDE"))
		if !p.acceptOp(",") {
			break
		}
	}
	p.expectOp(")")
	return names
}

// replaceList reads the (expr AS name, …) of * REPLACE.
func (p *parser) replaceList() []selectItem {
	p.expectOp("(")
	var items []selectItem
	for {
		it := selectItem{pos: p.tok.pos, expr: p.expr()}
		p.expectKeyword("AS")
		it.alias = p.name("a field name after AS")
		items = append(items, it)
		if !p.acceptOp(",") {
			break
		}
	}
	p.expectOp(")")
	return items
}

// name reads an identifier or a "quoted identifier".
func (p *parser) name(what string) string {
	t := p.tok
	switch {
	case t.kind == tokQuoted:
	case t.kind == tokIdent && !reserved[strings.ToUpper(t.text)]:
	case t.kind == tokIdent:
		p.failAt(t.pos, "%s is a reserved word; write \"%s\" to use it as a name", strings.ToUpper(t.text), t.text)
	default:
		p.failAt(t.pos, "expected %s, found %s", what, describe(t))
	}
	p.advance()
	return t.text
}

func (p *parser) enter(pos int) {
	p.depth++
	if p.depth > MaxDepth {
		p.failAt(pos, "expression nested too deeply (limit %d)", MaxDepth)
	}
}

func (p *parser) leave() { p.depth-- }

func (p *parser) expr() *node {
	p.enter(p.tok.pos)
	defer p.leave()
	return p.or()
}

func (p *parser) binary(op string, l, r *node) *node {
	return &node{kind: nBinary, op: op, args: []*node{l, r}, pos: l.pos, end: r.end}
}

func (p *parser) or() *node {
	n := p.and()
	for isKeyword(p.tok, "OR") {
		p.advance()
		n = p.binary("OR", n, p.and())
	}
	return n
}

func (p *parser) and() *node {
	n := p.not()
	for isKeyword(p.tok, "AND") {
		p.advance()
		n = p.binary("AND", n, p.not())
	}
	return n
}

func (p *parser) not() *node {
	if isKeyword(p.tok, "NOT") {
		t := p.advance()
		p.enter(t.pos)
		defer p.leave()
		x := p.not()
		return &node{kind: nUnary, op: "NOT", args: []*node{x}, pos: t.pos, end: x.end}
	}
	return p.predicate()
}

var comparisons = map[string]bool{"=": true, "<>": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true}

func (p *parser) predicate() *node {
	n := p.concat()
	for {
		t := p.tok
		switch {
		case t.kind == tokOp && comparisons[t.text]:
			p.advance()
			op := t.text
			if op == "!=" {
				op = "<>"
			}
			n = p.binary(op, n, p.concat())
		case isKeyword(t, "IS"):
			p.advance()
			not := p.acceptKeyword("NOT")
			end := p.tok.end
			switch {
			case p.acceptKeyword("TRUE"):
				n = &node{kind: nIsBool, op: "TRUE", not: not, args: []*node{n}, pos: n.pos, end: end}
			case p.acceptKeyword("FALSE"):
				n = &node{kind: nIsBool, op: "FALSE", not: not, args: []*node{n}, pos: n.pos, end: end}
			case p.acceptKeyword("DISTINCT"):
				p.expectKeyword("FROM")
				r := p.concat()
				n = &node{kind: nDistinct, not: not, args: []*node{n, r}, pos: n.pos, end: r.end}
			default:
				if !isKeyword(p.tok, "NULL") {
					p.failAt(p.tok.pos, "expected NULL, TRUE, FALSE or DISTINCT FROM after IS, found %s", describe(p.tok))
				}
				p.advance()
				n = &node{kind: nIsNull, not: not, args: []*node{n}, pos: n.pos, end: end}
			}
		case t.kind == tokOp && likeOps[t.text] != "":
			p.advance()
			op := likeOps[t.text]
			pat := p.concat()
			n = &node{kind: nLike, op: op, not: t.text[0] == '!', args: []*node{n, pat}, pos: n.pos, end: pat.end}
		case isKeyword(t, "NOT") && (postfixKeyword(p.peek, token{kind: tokString}) || isKeyword(p.peek, "SIMILAR")):
			p.advance()
			n = p.postfixPredicate(n, true)
		case postfixKeyword(t, p.peek):
			n = p.postfixPredicate(n, false)
		default:
			return n
		}
	}
}

// likeOps are DuckDB's operator spellings of LIKE, ILIKE and SIMILAR TO
// (regular-expression full match); a leading ! negates.
var likeOps = map[string]string{
	"~~": "LIKE", "!~~": "LIKE", "~~*": "ILIKE", "!~~*": "ILIKE", "~": "SIMILAR", "!~": "SIMILAR",
}

// postfixKeyword reports whether t starts a postfix predicate (next is the
// token after it). GLOB and SIMILAR are not reserved words, so that fields
// and aliases may keep those names: GLOB is the operator only when an operand
// follows, SIMILAR only before TO. After NOT, either is the operator.
func postfixKeyword(t, next token) bool {
	for _, kw := range []string{"IN", "LIKE", "ILIKE", "BETWEEN"} {
		if isKeyword(t, kw) {
			return true
		}
	}
	switch {
	case isKeyword(t, "SIMILAR"):
		return isKeyword(next, "TO")
	case isKeyword(t, "GLOB"):
		return next.kind == tokString || next.kind == tokQuoted || next.kind == tokNumber || isOp(next, "(") ||
			next.kind == tokIdent && !reserved[strings.ToUpper(next.text)]
	}
	return false
}

func (p *parser) postfixPredicate(x *node, not bool) *node {
	kw := p.advance()
	switch strings.ToUpper(kw.text) {
	case "GLOB", "SIMILAR":
		op := strings.ToUpper(kw.text)
		if op == "SIMILAR" {
			p.expectKeyword("TO")
		}
		pat := p.concat()
		return &node{kind: nLike, op: op, not: not, args: []*node{x, pat}, pos: x.pos, end: pat.end}
	case "IN":
		p.expectOp("(")
		if isKeyword(p.tok, "SELECT") {
			p.failAt(p.tok.pos, "subqueries are not supported")
		}
		args := []*node{x}
		for {
			args = append(args, p.expr())
			if !p.acceptOp(",") {
				break
			}
		}
		end := p.expectOp(")").end
		return &node{kind: nIn, not: not, args: args, pos: x.pos, end: end}
	case "BETWEEN":
		lo := p.concat()
		p.expectKeyword("AND")
		hi := p.concat()
		return &node{kind: nBetween, not: not, args: []*node{x, lo, hi}, pos: x.pos, end: hi.end}
	default: // LIKE, ILIKE
		pat := p.concat()
		args := []*node{x, pat}
		if p.acceptKeyword("ESCAPE") {
			args = append(args, p.concat())
		}
		return &node{kind: nLike, op: strings.ToUpper(kw.text), not: not, args: args, pos: x.pos, end: args[len(args)-1].end}
	}
}

func (p *parser) concat() *node {
	n := p.additive()
	for isOp(p.tok, "||") {
		p.advance()
		n = p.binary("||", n, p.additive())
	}
	return n
}

func (p *parser) additive() *node {
	n := p.multiplicative()
	for isOp(p.tok, "+") || isOp(p.tok, "-") {
		op := p.advance().text
		n = p.binary(op, n, p.multiplicative())
	}
	return n
}

func (p *parser) multiplicative() *node {
	n := p.unary()
	for isOp(p.tok, "*") || isOp(p.tok, "/") || isOp(p.tok, "//") || isOp(p.tok, "%") {
		op := p.advance().text
		n = p.binary(op, n, p.unary())
	}
	return n
}

func (p *parser) unary() *node {
	if isOp(p.tok, "-") || isOp(p.tok, "+") {
		t := p.advance()
		p.enter(t.pos)
		defer p.leave()
		x := p.unary()
		if t.text == "-" && x.kind == nLiteral && x.pos == t.end {
			// -9223372036854775808 is a valid BIGINT only when read as one literal.
			if lit, ok := negateLiteral(p.src[x.pos:x.end], x.lit); ok {
				return &node{kind: nLiteral, lit: lit, pos: t.pos, end: x.end}
			}
		}
		return &node{kind: nUnary, op: t.text, args: []*node{x}, pos: t.pos, end: x.end}
	}
	return p.postfix()
}

func negateLiteral(text string, v Value) (Value, bool) {
	switch v.Type {
	case Int64:
		return Value{Type: Int64, I: -v.I}, true
	case Double:
		if text == "9223372036854775808" {
			return Value{Type: Int64, I: -1 << 63}, true
		}
		return Value{Type: Double, F: -v.F}, true
	}
	return Value{}, false
}

// postfix reads casts (x::TYPE) and JSON extraction (j->'k', j->>'$.a[0]'),
// left to right: j->>'n'::INT is (j->>'n')::INT. (DuckDB gives -> and ->>
// a low precedence, so that j->>'k' = 'x' means j->>('k' = 'x') there;
// write (j->>'k') = 'x' for both.)
func (p *parser) postfix() *node {
	n := p.primary()
	for {
		switch {
		case isOp(p.tok, "::"):
			p.advance()
			typ, narrow, end := p.typeName()
			n = &node{kind: nCast, typ: typ, op: narrow, args: []*node{n}, pos: n.pos, end: end}
			continue
		case isOp(p.tok, "["):
			n = p.subscript(n)
			continue
		case isOp(p.tok, "->") || isOp(p.tok, "->>"):
			op := p.advance()
			p.enter(op.pos)
			var key *node
			if isOp(p.tok, "-") && p.peek.kind == tokNumber {
				key = p.unary()
			} else {
				key = p.primary()
			}
			p.leave()
			name := "json_extract"
			if op.text == "->>" {
				name = "json_extract_string"
			}
			n = &node{kind: nCall, name: name, args: []*node{n, key}, pos: n.pos, end: key.end}
			continue
		}
		break
	}
	if isOp(p.tok, ".") && n.kind != nPath {
		p.failAt(p.tok.pos, "'%s' applies to field paths only", p.tok.text)
	}
	return n
}

// subscript reads l[i] (list_extract) and l[a:b] (list_slice; an omitted
// bound is the start or the end) after n.
func (p *parser) subscript(n *node) *node {
	open := p.advance()
	p.enter(open.pos)
	defer p.leave()
	var lo, hi *node
	if !isOp(p.tok, ":") {
		lo = p.expr()
	}
	slice := p.acceptOp(":")
	if slice && !isOp(p.tok, "]") {
		hi = p.expr()
	}
	end := p.expectOp("]").end
	if !slice {
		if lo.kind == nLiteral && lo.lit.Type == Int64 && lo.lit.I == 0 {
			p.failAt(lo.pos, "%s", indexZero(p.src[n.pos:n.end]))
		}
		return &node{kind: nCall, name: "list_extract", args: []*node{n, lo}, pos: n.pos, end: end}
	}
	if lo == nil {
		lo = &node{kind: nLiteral, lit: Value{Type: Int64, I: 1}, pos: open.end, end: open.end}
	}
	if hi == nil {
		hi = &node{kind: nLiteral, lit: Value{Type: Int64, I: math.MaxInt64}, pos: end - 1, end: end - 1}
	}
	return &node{kind: nCall, name: "list_slice", args: []*node{n, lo, hi}, pos: n.pos, end: end}
}

// listLiteral reads [a, b, …] as list_value(a, b, …).
func (p *parser) listLiteral() *node {
	open := p.advance()
	p.enter(open.pos)
	defer p.leave()
	n := &node{kind: nCall, name: "list_value", pos: open.pos}
	if !isOp(p.tok, "]") {
		for {
			n.args = append(n.args, p.expr())
			if !p.acceptOp(",") {
				break
			}
		}
	}
	n.end = p.expectOp("]").end
	return n
}

// typeName reads a type name; narrow is the DuckDB name of a narrower type
// stored as typ (TINYINT as INT32, FLOAT as DOUBLE), "" for the others.
func (p *parser) typeName() (typ Type, narrow string, end int) {
	t := p.tok
	if t.kind != tokIdent {
		p.failAt(t.pos, "expected a type name, found %s", describe(t))
	}
	name := strings.ToUpper(t.text)
	if (name == "STRUCT" && isOp(p.peek, "(")) || isOp(p.peek, "[") {
		// A nested type (nested.go): read from the source text, then skip
		// the tokens it spans.
		typ, rest, ok := parseNestedType(p.src[t.pos:])
		end := len(p.src) - len(rest)
		if !ok {
			p.failAt(end, "bad nested type (write STRUCT(name TYPE, …) or TYPE[])")
		}
		for p.tok.kind != tokEOF && p.tok.pos < end {
			p.advance()
		}
		return typ, "", end
	}
	if name == "DECIMAL" || name == "NUMERIC" {
		_, _, msg, ok := parseDecimalType(p.src[t.pos:])
		if !ok {
			p.failAt(t.pos, "%s", msg)
		}
		typ, rest, _ := parseNestedType(p.src[t.pos:]) // DECIMAL(p,s), or a list of them
		end := len(p.src) - len(rest)
		for p.tok.kind != tokEOF && p.tok.pos < end {
			p.advance()
		}
		return typ, "", end
	}
	p.advance()
	if n, ok := narrowTypes[name]; ok {
		return n.typ, n.name, t.end
	}
	typ, ok := ParseType(name)
	switch name {
	case "HUGEINT", "INT128", "UHUGEINT", "UINT128":
		p.failAt(t.pos, "type %s is not supported (DuckDB's Parquet writer stores it as DOUBLE, which rounds beyond 2^53; use DECIMAL(38,0) for exact integers of up to 38 digits, or DOUBLE)", name)
	}
	if !ok {
		p.failAt(t.pos, "unknown type '%s' (types: BOOLEAN, TINYINT, SMALLINT, INTEGER, BIGINT, UTINYINT, USMALLINT, UINTEGER, UBIGINT, FLOAT, DOUBLE, VARCHAR, TIMESTAMP, DATE, TIME, UUID, JSON, STRUCT(…), TYPE[])", t.text)
	}
	return typ, "", t.end
}

func (p *parser) primary() *node {
	t := p.tok
	switch t.kind {
	case tokNumber:
		p.advance()
		return &node{kind: nLiteral, lit: numberLiteral(t.text), pos: t.pos, end: t.end}
	case tokString:
		p.advance()
		return &node{kind: nLiteral, lit: Value{Type: Varchar, S: t.text}, pos: t.pos, end: t.end}
	case tokQuoted:
		return p.path()
	case tokOp:
		if t.text == "(" {
			p.advance()
			if isKeyword(p.tok, "SELECT") {
				p.failAt(p.tok.pos, "subqueries are not supported")
			}
			n := p.expr()
			end := p.expectOp(")").end
			// Keep the parentheses in the span: they belong to a default column name.
			n2 := *n
			n2.pos, n2.end = t.pos, end
			return &n2
		}
		if t.text == "*" {
			p.failAt(t.pos, "* is allowed only as a SELECT item")
		}
		if t.text == "[" {
			return p.listLiteral()
		}
	case tokIdent:
		kw := strings.ToUpper(t.text)
		switch kw {
		case "NULL":
			p.advance()
			return &node{kind: nLiteral, pos: t.pos, end: t.end}
		case "TRUE", "FALSE":
			p.advance()
			v := Value{Type: Boolean}
			if kw == "TRUE" {
				v.I = 1
			}
			return &node{kind: nLiteral, lit: v, pos: t.pos, end: t.end}
		case "CASE":
			return p.caseExpr()
		case "CAST", "TRY_CAST":
			p.advance()
			p.expectOp("(")
			x := p.expr()
			p.expectKeyword("AS")
			typ, narrow, _ := p.typeName()
			end := p.expectOp(")").end
			return &node{kind: nCast, typ: typ, op: narrow, args: []*node{x}, pos: t.pos, end: end}
		case "INTERVAL":
			if p.peek.kind == tokString || p.peek.kind == tokNumber || isOp(p.peek, "(") {
				return p.interval()
			}
		case "TIMESTAMP", "DATE", "TIME":
			if p.peek.kind == tokString {
				// A typed literal: TIMESTAMP '2024-01-01 00:00:00'.
				p.advance()
				s := p.advance()
				typ, _ := ParseType(kw)
				lit := &node{kind: nLiteral, lit: Value{Type: Varchar, S: s.text}, pos: s.pos, end: s.end}
				return &node{kind: nCast, typ: typ, args: []*node{lit}, pos: t.pos, end: s.end, op: "literal"}
			}
		}
		if isOp(p.peek, "(") {
			return p.call()
		}
		if !reserved[kw] {
			return p.path()
		}
	}
	p.failAt(t.pos, "expected an expression, found %s", describe(t))
	return nil
}

func numberLiteral(text string) Value {
	text = strings.ReplaceAll(text, "_", "")
	if !strings.ContainsAny(text, ".eE") {
		if i, err := strconv.ParseInt(text, 10, 64); err == nil {
			return Value{Type: Int64, I: i}
		}
	}
	f, _ := strconv.ParseFloat(text, 64) // the lexer admits only valid numbers; huge ones become ±Inf
	return Value{Type: Double, F: f}
}

func (p *parser) path() *node {
	t := p.advance()
	n := &node{kind: nPath, pos: t.pos, end: t.end, path: []step{{key: t.text}}}
	for {
		switch {
		case isOp(p.tok, "."):
			p.advance()
			k := p.tok
			if k.kind != tokIdent && k.kind != tokQuoted {
				p.failAt(k.pos, "expected a field name after '.', found %s", describe(k))
			}
			p.advance()
			n.path = append(n.path, step{key: k.text})
			n.end = k.end
		case isOp(p.tok, "[") && isOp(p.peek2(), "]") && (p.peek.kind == tokString || p.peek.kind == tokNumber):
			// A constant key or index stays a step of the path; anything
			// else in brackets (tags[-1], tags[n], tags[1:2]) is l[i] or
			// l[a:b] on the path, read by postfix.
			p.advance()
			k := p.advance()
			if k.kind == tokString {
				n.path = append(n.path, step{key: k.text})
			} else {
				i, err := strconv.Atoi(k.text)
				switch {
				case err != nil || i > 1<<20:
					p.failAt(k.pos, "array index must be a whole number, found %s", k.text)
				case i == 0:
					p.failAt(k.pos, "%s", indexZero(p.src[n.pos:n.end]))
				}
				n.path = append(n.path, step{index: i - 1, isIndex: true})
			}
			n.end = p.expectOp("]").end
		default:
			return n
		}
	}
}

func (p *parser) call() *node {
	t := p.advance()
	p.enter(t.pos)
	defer p.leave()
	p.expectOp("(")
	n := &node{kind: nCall, name: strings.ToLower(t.text), pos: t.pos}
	if isOp(p.tok, "*") {
		p.failAt(p.tok.pos, "%s(*) is not supported: a transform works on one record at a time", t.text)
	}
	if p.specialCall(n) {
		n.end = p.expectOp(")").end
		return n
	}
	if !isOp(p.tok, ")") {
		for {
			n.args = append(n.args, p.expr())
			if !p.acceptOp(",") {
				break
			}
		}
	}
	n.end = p.expectOp(")").end
	return n
}

func (p *parser) caseExpr() *node {
	t := p.advance()
	p.enter(t.pos)
	defer p.leave()
	n := &node{kind: nCase, pos: t.pos}
	if !isKeyword(p.tok, "WHEN") {
		n.operand = p.expr()
	}
	if !isKeyword(p.tok, "WHEN") {
		p.failAt(p.tok.pos, "expected WHEN, found %s", describe(p.tok))
	}
	for p.acceptKeyword("WHEN") {
		n.whens = append(n.whens, p.expr())
		p.expectKeyword("THEN")
		n.thens = append(n.thens, p.expr())
	}
	if p.acceptKeyword("ELSE") {
		n.els = p.expr()
	}
	end := p.tok.end
	p.expectKeyword("END")
	n.end = end
	return n
}

// specialCall parses the argument lists that SQL spells with keywords instead
// of commas, rewriting them to the plain call:
//
//	position(needle IN haystack)          → position(needle, haystack)
//	                                         (strpos(haystack, needle))
//	trim([BOTH|LEADING|TRAILING] [chars] FROM s) → trim|ltrim|rtrim(s[, chars])
//	substring(s FROM start [FOR length])  → substring(s, start[, length])
//	substring(s FOR length)               → substring(s, 1, length)
//	extract(part FROM t)                  → date_part('part', t)
//
// It reports whether it consumed the arguments (up to the closing ')').
func (p *parser) specialCall(n *node) bool {
	switch n.name {
	case "position":
		if isOp(p.tok, ")") {
			return false
		}
		needle := p.concat()
		p.expectKeyword("IN")
		n.args = []*node{needle, p.concat()}
		return true
	case "trim":
		side := ""
		for _, kw := range []string{"BOTH", "LEADING", "TRAILING"} {
			// A field called leading stays a field: the keyword is followed by
			// the characters or FROM, never by an operator.
			if isKeyword(p.tok, kw) && (p.peek.kind != tokOp || isOp(p.peek, "(")) {
				p.advance()
				side = kw
			}
		}
		var chars *node
		if !isKeyword(p.tok, "FROM") {
			if side == "" && isOp(p.tok, ")") {
				return false
			}
			chars = p.expr()
			if side == "" && !isKeyword(p.tok, "FROM") {
				// Plain trim(s[, chars]).
				n.args = []*node{chars}
				for p.acceptOp(",") {
					n.args = append(n.args, p.expr())
				}
				return true
			}
		}
		p.expectKeyword("FROM")
		n.args = []*node{p.expr()}
		if chars != nil {
			n.args = append(n.args, chars)
		}
		switch side {
		case "LEADING":
			n.name = "ltrim"
		case "TRAILING":
			n.name = "rtrim"
		}
		return true
	case "extract":
		t := p.tok
		if t.kind != tokIdent && t.kind != tokString {
			p.failAt(t.pos, "expected a part name (year, month, day, hour…), found %s", describe(t))
		}
		p.advance()
		p.expectKeyword("FROM")
		n.name = "date_part"
		n.args = []*node{{kind: nLiteral, lit: Value{Type: Varchar, S: strings.ToLower(t.text)}, pos: t.pos, end: t.end}, p.expr()}
		return true
	case "substring", "substr":
		if isOp(p.tok, ")") {
			return false
		}
		s := p.expr()
		n.args = []*node{s}
		switch {
		case p.acceptKeyword("FROM"):
			n.args = append(n.args, p.expr())
			if p.acceptKeyword("FOR") {
				n.args = append(n.args, p.expr())
			}
		case p.acceptKeyword("FOR"):
			one := &node{kind: nLiteral, lit: Value{Type: Int64, I: 1}, pos: s.end, end: s.end}
			n.args = append(n.args, one, p.expr())
		default:
			for p.acceptOp(",") {
				n.args = append(n.args, p.expr())
			}
		}
		return true
	}
	return false
}

// interval reads INTERVAL '1 day 2 hours', INTERVAL 3 DAY, INTERVAL '3' DAY
// or INTERVAL (expr) DAY; the compiler requires a constant.
func (p *parser) interval() *node {
	t := p.advance()
	var val *node
	if p.tok.kind == tokString || p.tok.kind == tokNumber {
		v := p.advance()
		lit := Value{Type: Varchar, S: v.text}
		if v.kind == tokNumber {
			lit = numberLiteral(v.text)
		}
		val = &node{kind: nLiteral, lit: lit, pos: v.pos, end: v.end}
	} else {
		val = p.primary()
	}
	n := &node{kind: nInterval, args: []*node{val}, pos: t.pos, end: val.end}
	if u := p.tok; u.kind == tokIdent {
		if pt, ok := parts[strings.ToLower(u.text)]; ok && truncatable(pt) {
			p.advance()
			n.op, n.end = strings.ToLower(u.text), u.end
		}
	}
	return n
}
