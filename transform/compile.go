package transform

import (
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// Compile parses and compiles a statement. A bad statement yields an *Error
// with the position of the offending token.
func Compile(src string) (prog *Program, err error) {
	if !utf8.ValidString(src) {
		off := 0
		for off < len(src) {
			r, n := utf8.DecodeRuneInString(src[off:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			off += n
		}
		return nil, errorAt(src, off, "invalid UTF-8 in the statement")
	}
	stmt, err := parse(src)
	if err != nil {
		return nil, err
	}
	c := &compiler{src: src}
	c.fold = &State{clock: nil}
	defer func() {
		if r := recover(); r != nil {
			b, ok := r.(bailout)
			if !ok {
				panic(r)
			}
			prog, err = nil, b.err
		}
	}()
	return c.program(stmt), nil
}

// compiled is an expression after compilation: its closure, the type it
// always has (Null when only the data can tell) and, for constants, the value.
type compiled struct {
	fn    expr
	typ   Type
	konst bool
	val   Value
}

type compiler struct {
	src   string
	fold  *State     // evaluates constant sub-expressions at compile time
	paths *pathTable // the paths compiled so far; nil before the first
	refs  []*pathRef // the paths this compiler compiled
	star  bool       // the statement has a * item
}

func (c *compiler) fail(pos int, format string, args ...any) {
	panic(bailout{errorAt(c.src, pos, format, args...)})
}

func (c *compiler) program(stmt *statement) *Program {
	p := &Program{src: c.src, skip: map[string]struct{}{}}
	names := map[string]bool{}
	star := false
	for _, it := range stmt.items {
		if it.star {
			if star && (it.columns != nil || p.starRe != nil) {
				c.fail(it.pos, "one * or COLUMNS(…) per statement: COLUMNS is a * that keeps the matching fields")
			}
			if star {
				c.fail(it.pos, "* appears twice")
			}
			star = true
			if it.columns != nil {
				re, err := regexp.Compile(it.columns.lit.S)
				if err != nil {
					c.fail(it.columns.pos, "COLUMNS: bad pattern: %s", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
				}
				p.starRe = re
			}
			for _, x := range it.exclude {
				// Named as * names fields: EXCLUDE (_empty) leaves out the empty key.
				p.skip[strings.ReplaceAll(x, "\x00", "\uFFFD")] = struct{}{}
			}
			for _, r := range it.replace {
				name := strings.ReplaceAll(r.alias, "\x00", "\uFFFD")
				if _, dup := p.replace[name]; dup {
					c.fail(r.pos, "'%s' is replaced twice", r.alias)
				}
				if slices.Contains(it.exclude, r.alias) {
					c.fail(r.pos, "'%s' is both excluded and replaced", r.alias)
				}
				if p.replace == nil {
					p.replace = map[string]expr{}
				}
				p.replace[name] = c.expr(r.expr).fn
			}
			p.columns = append(p.columns, Column{Name: "*", Star: true})
			p.exprs = append(p.exprs, nil)
			continue
		}
		col, fn := c.item(it, names)
		p.columns = append(p.columns, col)
		p.exprs = append(p.exprs, fn)
		// An explicit column wins over the field of the same name that * would add.
		p.skip[col.Name] = struct{}{}
	}
	if stmt.where != nil {
		p.where = c.expr(stmt.where).fn
	}
	pnames := map[string]bool{}
	for _, it := range stmt.partitions {
		col, fn := c.item(it, pnames)
		p.partitions = append(p.partitions, col)
		p.partExprs = append(p.partExprs, fn)
	}
	c.star = star
	p.proj = c.finishPaths()
	p.paths = c.paths
	return p
}

func (c *compiler) item(it selectItem, names map[string]bool) (Column, expr) {
	name := it.alias
	if name == "" {
		name = c.defaultName(it.expr)
	}
	switch {
	case name == "":
		c.fail(it.pos, "the column has no name (an empty key); name it with AS")
	case strings.IndexByte(name, 0) >= 0:
		c.fail(it.pos, "the column name holds a NUL character; rename it with AS")
	case names[name]:
		c.fail(it.pos, "duplicate column name '%s'; rename one with AS", name)
	}
	names[name] = true
	if d := it.expr; d.kind == nCast || d.kind == nBinary && unsigned(d) {
		col, arg := Null, d
		switch n, ok := narrowTypes[d.op]; {
		case d.kind == nBinary:
			col = UBigInt // UBIGINT arithmetic, a UBIGINT column as in DuckDB
		case ok:
			col, arg = n.col, d.args[0]
		default:
			if _, _, ok := d.typ.Decimal(); ok {
				col, arg = d.typ, d.args[0]
			}
		}
		if col != Null {
			// A column cast to a narrow number type or DECIMAL: a value of
			// the type itself (exact: a UBIGINT beyond INT64, a DECIMAL of
			// 38 digits), which the spool keeps and the writer stores.
			in := c.expr(arg)
			a := in.fn
			x := c.folded(compiled{typ: col, fn: func(st *State, rec *fastjson.Value) Value { return st.cast(a(st, rec), col) }}, in)
			return Column{Name: name, Type: col}, x.fn
		}
	}
	x := c.expr(it.expr)
	return Column{Name: name, Type: x.typ}, x.fn
}

// unsigned reports whether n is UBIGINT arithmetic as DuckDB types it:
// + - * // % of two UBIGINT operands (a cast to UBIGINT or such
// arithmetic), or of one and a non-negative integer literal (DuckDB fits
// an integer literal to the other operand's type). Other integers with a
// UBIGINT make a HUGEINT in DuckDB, which the language has not: they
// compute as INT64, as before.
func unsigned(n *node) bool {
	switch n.kind {
	case nCast:
		nt, ok := narrowTypes[n.op]
		return ok && nt.col == UBigInt
	case nBinary:
		switch n.op {
		case "+", "-", "*", "//", "%":
			l, r := n.args[0], n.args[1]
			return unsigned(l) && (unsigned(r) || uintLiteral(r)) || uintLiteral(l) && unsigned(r)
		}
	}
	return false
}

func uintLiteral(n *node) bool {
	return n.kind == nLiteral && (n.lit.Type == Int32 || n.lit.Type == Int64) && n.lit.I >= 0
}

// defaultName names an item without alias the way DuckDB users expect: a path
// by its last key (user.id → id), a cast by what it casts, anything else by
// its source text.
func (c *compiler) defaultName(n *node) string {
	for n.kind == nCast && n.op != "literal" {
		n = n.args[0]
	}
	if n.kind == nPath {
		last := n.path[len(n.path)-1]
		if !last.isIndex {
			return last.key
		}
	}
	return strings.TrimSpace(c.src[n.pos:n.end])
}

// constant wraps a value computed at compile time, copying its text out of
// the folding State.
func constant(v Value) compiled {
	if v.Type == Varchar || v.Type == JSON {
		v.S = strings.Clone(v.S)
	}
	v = copyMade(v)
	return compiled{fn: func(*State, *fastjson.Value) Value { return v }, typ: v.Type, konst: true, val: v}
}

// folded evaluates x now when all its inputs are constants.
func (c *compiler) folded(x compiled, args ...compiled) compiled {
	for _, a := range args {
		if !a.konst {
			return x
		}
	}
	c.fold.arena = c.fold.arena[:0]
	c.fold.made.Reset() // constant copies what it keeps (copyMade)
	c.fold.parsed = 0
	v := x.fn(c.fold, nil)
	k := constant(v)
	if x.typ != Null && v.Type == Null {
		k.typ = x.typ
	}
	return k
}

func (c *compiler) exprs(ns []*node) []compiled {
	out := make([]compiled, len(ns))
	for i, n := range ns {
		out[i] = c.expr(n)
	}
	return out
}

func fns(cs []compiled) []expr {
	out := make([]expr, len(cs))
	for i, x := range cs {
		out[i] = x.fn
	}
	return out
}

func (c *compiler) expr(n *node) compiled {
	switch n.kind {
	case nLiteral:
		return constant(n.lit)
	case nPath:
		if last := len(n.path) - 1; n.path[last].isIndex {
			// tags[1], msg[1]: the element, or the character, as l[i] does.
			prefix, i := c.pathExpr(n.path[:last]), Value{Type: Int64, I: int64(n.path[last].index)}
			if i.I >= 0 {
				i.I++ // the step is 0-based, the index 1-based
			}
			return compiled{fn: func(st *State, rec *fastjson.Value) Value { return st.extract(prefix(st, rec), i) }}
		}
		return compiled{fn: c.pathExpr(n.path)}
	case nUnary:
		return c.unary(n)
	case nBinary:
		return c.binary(n)
	case nIsNull:
		x := c.expr(n.args[0])
		a, not := x.fn, n.not
		return c.folded(compiled{typ: Boolean, fn: func(st *State, rec *fastjson.Value) Value {
			return boolValue((a(st, rec).Type == Null) != not)
		}}, x)
	case nIn:
		return c.in(n)
	case nLike:
		if n.op == "GLOB" || n.op == "SIMILAR" {
			return c.regexPredicate(n)
		}
		return c.like(n)
	case nInterval:
		c.fail(n.pos, "an INTERVAL can only be added to or subtracted from a TIMESTAMP or DATE (ts + INTERVAL '1 day', date_add(ts, INTERVAL 1 DAY))")
	case nIsBool:
		return c.isBool(n)
	case nDistinct:
		return c.distinct(n)
	case nBetween:
		return c.between(n)
	case nCase:
		return c.caseExpr(n)
	case nCast:
		x := c.expr(n.args[0])
		a, t := x.fn, n.typ
		cast := func(st *State, rec *fastjson.Value) Value { return st.cast(a(st, rec), t) }
		if nt, ok := narrowTypes[n.op]; ok {
			cast = func(st *State, rec *fastjson.Value) Value { return st.castNarrow(a(st, rec), nt) }
		}
		if t == JSON {
			cast = func(st *State, rec *fastjson.Value) Value { return st.castJSON(a(st, rec)) }
		}
		if _, _, ok := t.Decimal(); ok {
			// Computed as the DOUBLE nearest the decimal (see item for a
			// column cast to DECIMAL, which keeps it exact).
			dt := t
			cast = func(st *State, rec *fastjson.Value) Value { return st.computed(st.cast(a(st, rec), dt)) }
			t = Double
		}
		r := c.folded(compiled{typ: t, fn: cast}, x)
		if n.op == "literal" && r.val.Type == Null {
			c.fail(n.args[0].pos, "invalid %s literal '%s'", t, x.val.S)
		}
		return r
	case nCall:
		return c.call(n)
	}
	panic("transform: unknown node kind")
}

// pathExpr compiles a field path: one lookup, or a slot of the program's
// path table read through its cache (see paths.go); finishPaths decides
// which once the whole statement is compiled.
func (c *compiler) pathExpr(path []step) expr {
	if c.paths == nil {
		c.paths = &pathTable{}
	}
	r := &pathRef{slot: c.paths.slot(path)}
	c.refs = append(c.refs, r)
	i := r.slot
	if len(path) == 1 && !path[0].isIndex { // one key, the common case
		key := path[0].key
		return func(st *State, rec *fastjson.Value) Value {
			if r.cached {
				if ps := &st.paths; ps.vgen[i] == ps.gen {
					return ps.vals[i]
				}
				return st.convertPath(i, rec)
			}
			if rec == nil || rec.Type() != fastjson.TypeObject {
				return Value{}
			}
			return st.fromJSON(rec.GetObject().Get(key))
		}
	}
	return func(st *State, rec *fastjson.Value) Value {
		if r.cached {
			if ps := &st.paths; ps.vgen[i] == ps.gen {
				return ps.vals[i]
			}
			return st.convertPath(i, rec)
		}
		return st.lookPath(path, rec)
	}
}

func (c *compiler) unary(n *node) compiled {
	x := c.expr(n.args[0])
	a := x.fn
	switch n.op {
	case "NOT":
		return c.folded(compiled{typ: Boolean, fn: func(st *State, rec *fastjson.Value) Value {
			v := st.logical(a(st, rec))
			if v.Type == Null {
				return v
			}
			return boolValue(v.I == 0)
		}}, x)
	case "-":
		return c.folded(compiled{typ: x.typ, fn: func(st *State, rec *fastjson.Value) Value {
			v := a(st, rec)
			switch v.Type {
			case Int32, Int64:
				if v.I == math.MinInt64 {
					return Value{}
				}
				return Value{Type: Int64, I: -v.I}
			case Double:
				return Value{Type: Double, F: -v.F}
			}
			return Value{}
		}}, x)
	}
	return compiled{typ: x.typ, fn: func(st *State, rec *fastjson.Value) Value {
		v := a(st, rec)
		if isNumeric(v.Type) {
			return v
		}
		return Value{}
	}}
}

func (c *compiler) binary(n *node) compiled {
	switch {
	case (n.op == "+" || n.op == "-") && n.args[1].kind == nInterval:
		k := int64(1)
		if n.op == "-" {
			k = -1
		}
		return c.shift(n.args[0], n.args[1], k)
	case n.op == "+" && n.args[0].kind == nInterval:
		return c.shift(n.args[1], n.args[0], 1)
	}
	l, r := c.expr(n.args[0]), c.expr(n.args[1])
	a, b := l.fn, r.fn
	var x compiled
	switch op := n.op; op {
	case "AND":
		x = compiled{typ: Boolean, fn: func(st *State, rec *fastjson.Value) Value {
			u := st.logical(a(st, rec))
			if u.Type == Boolean && u.I == 0 {
				return u
			}
			v := st.logical(b(st, rec))
			if v.Type == Boolean && v.I == 0 {
				return v
			}
			if u.Type == Null || v.Type == Null {
				return Value{}
			}
			return v
		}}
	case "OR":
		x = compiled{typ: Boolean, fn: func(st *State, rec *fastjson.Value) Value {
			u := st.logical(a(st, rec))
			if u.Type == Boolean && u.I != 0 {
				return u
			}
			v := st.logical(b(st, rec))
			if v.Type == Boolean && v.I != 0 {
				return v
			}
			if u.Type == Null || v.Type == Null {
				return Value{}
			}
			return v
		}}
	case "=", "<>", "<", "<=", ">", ">=":
		test := comparison(op)
		x = compiled{typ: Boolean, fn: func(st *State, rec *fastjson.Value) Value {
			d, ok := st.compare(a(st, rec), b(st, rec))
			if !ok {
				return Value{}
			}
			return boolValue(test(d))
		}}
	case "||":
		x = compiled{typ: Varchar, fn: func(st *State, rec *fastjson.Value) Value {
			u, v := a(st, rec), b(st, rec)
			if u.Type == Null || v.Type == Null {
				return Value{}
			}
			start := len(st.arena)
			st.arena = u.AppendText(st.arena)
			st.arena = v.AppendText(st.arena)
			return Value{Type: Varchar, S: b2s(st.arena[start:])}
		}}
	default: // + - * / // %
		o := op
		if unsigned(n) {
			x = compiled{typ: Int64, fn: func(st *State, rec *fastjson.Value) Value {
				return st.unsignedArith(o, a(st, rec), b(st, rec))
			}}
			break
		}
		typ := Null
		switch {
		case op == "/":
			typ = Double
		case l.typ == Double && isNumeric(r.typ) || r.typ == Double && isNumeric(l.typ):
			typ = Double
		case isInteger(l.typ) && isInteger(r.typ):
			typ = Int64
		}
		x = compiled{typ: typ, fn: func(st *State, rec *fastjson.Value) Value {
			return arith(o, a(st, rec), b(st, rec))
		}}
	}
	return c.folded(x, l, r)
}

func comparison(op string) func(int) bool {
	switch op {
	case "=":
		return func(d int) bool { return d == 0 }
	case "<>":
		return func(d int) bool { return d != 0 }
	case "<":
		return func(d int) bool { return d < 0 }
	case "<=":
		return func(d int) bool { return d <= 0 }
	case ">":
		return func(d int) bool { return d > 0 }
	}
	return func(d int) bool { return d >= 0 }
}

func (c *compiler) in(n *node) compiled {
	x := c.expr(n.args[0])
	list := c.exprs(n.args[1:])
	a, not := x.fn, n.not
	// A list of string constants, the usual case, is one map lookup.
	set := map[string]struct{}{}
	for _, e := range list {
		if !e.konst || e.val.Type != Varchar {
			set = nil
			break
		}
		set[e.val.S] = struct{}{}
	}
	items := fns(list)
	r := compiled{typ: Boolean, fn: func(st *State, rec *fastjson.Value) Value {
		v := a(st, rec)
		if v.Type == Null {
			return v
		}
		if set != nil && v.Type == Varchar {
			_, ok := set[v.S]
			return boolValue(ok != not)
		}
		sawNull := false
		for _, item := range items {
			d, ok := st.compare(v, item(st, rec))
			if !ok {
				sawNull = true
			} else if d == 0 {
				return boolValue(!not)
			}
		}
		if sawNull {
			return Value{}
		}
		return boolValue(not)
	}}
	return c.folded(r, append(list, x)...)
}

func (c *compiler) like(n *node) compiled {
	x, pat := c.expr(n.args[0]), c.expr(n.args[1])
	fold, not := n.op == "ILIKE", n.not
	escape := rune(-1)
	if len(n.args) == 3 {
		e := c.expr(n.args[2])
		if !e.konst || e.val.Type != Varchar || len([]rune(e.val.S)) != 1 {
			c.fail(n.args[2].pos, "ESCAPE must be a single-character string")
		}
		escape = []rune(e.val.S)[0]
	}
	a := x.fn
	if pat.konst {
		if pat.val.Type == Null {
			return constant(Value{})
		}
		if pat.val.Type != Varchar {
			c.fail(n.args[1].pos, "LIKE pattern must be a string")
		}
		lp := compileLike(pat.val.S, escape, fold)
		return c.folded(compiled{typ: Boolean, fn: func(st *State, rec *fastjson.Value) Value {
			v := a(st, rec)
			if v.Type == Null {
				return v
			}
			return boolValue(lp.match(st.text(v)) != not)
		}}, x)
	}
	b := pat.fn
	return compiled{typ: Boolean, fn: func(st *State, rec *fastjson.Value) Value {
		v, p := a(st, rec), b(st, rec)
		if v.Type == Null || p.Type == Null {
			return Value{}
		}
		return boolValue(likeMatch(st.text(v), st.text(p), escape, fold) != not)
	}}
}

func (c *compiler) between(n *node) compiled {
	x, lo, hi := c.expr(n.args[0]), c.expr(n.args[1]), c.expr(n.args[2])
	a, l, h, not := x.fn, lo.fn, hi.fn, n.not
	return c.folded(compiled{typ: Boolean, fn: func(st *State, rec *fastjson.Value) Value {
		v := a(st, rec)
		d1, ok1 := st.compare(v, l(st, rec))
		d2, ok2 := st.compare(v, h(st, rec))
		// x BETWEEN lo AND hi is x >= lo AND x <= hi, with AND's NULL rules.
		if (ok1 && d1 < 0) || (ok2 && d2 > 0) {
			return boolValue(not)
		}
		if !ok1 || !ok2 {
			return Value{}
		}
		return boolValue(!not)
	}}, x, lo, hi)
}

func (c *compiler) caseExpr(n *node) compiled {
	var operand expr
	var deps []compiled
	if n.operand != nil {
		o := c.expr(n.operand)
		operand, deps = o.fn, append(deps, o)
	}
	whens, thens := c.exprs(n.whens), c.exprs(n.thens)
	deps = append(append(deps, whens...), thens...)
	var els expr
	typ := thens[0].typ
	for _, t := range thens {
		if t.typ != typ {
			typ = Null
		}
	}
	if n.els != nil {
		e := c.expr(n.els)
		els, deps = e.fn, append(deps, e)
		if e.typ != typ {
			typ = Null
		}
	}
	ws, ts := fns(whens), fns(thens)
	return c.folded(compiled{typ: typ, fn: func(st *State, rec *fastjson.Value) Value {
		var ov Value
		if operand != nil {
			ov = operand(st, rec)
		}
		for i, w := range ws {
			if operand != nil {
				if d, ok := st.compare(ov, w(st, rec)); ok && d == 0 {
					return ts[i](st, rec)
				}
			} else if truth(st, w(st, rec)) {
				return ts[i](st, rec)
			}
		}
		if els != nil {
			return els(st, rec)
		}
		return Value{}
	}}, deps...)
}

func isNumeric(t Type) bool { return t == Int32 || t == Int64 || t == Double }
func isInteger(t Type) bool { return t == Int32 || t == Int64 }

// logical brings a value to BOOLEAN for AND, OR and NOT (NULL stays NULL).
func (st *State) logical(v Value) Value {
	if v.Type == Boolean || v.Type == Null {
		return v
	}
	return st.cast(v, Boolean)
}

// shift is t + k·INTERVAL (k = ±1): a TIMESTAMP, for a DATE or a timestamp
// string too; NULL beyond the range of timestamps. On a TIME (known at
// compile time) it is a TIME.
func (c *compiler) shift(t, ivNode *node, k int64) compiled {
	iv := c.interval(ivNode)
	x := c.expr(t)
	a := x.fn
	if x.typ == Time {
		// TIME ± INTERVAL wraps around midnight; months and days do not move it.
		return c.folded(compiled{typ: Time, fn: func(st *State, rec *fastjson.Value) Value {
			v := a(st, rec)
			if v.Type != Time {
				return Value{}
			}
			us := (v.I + k*(iv.micros%microsPerDay)) % microsPerDay
			if us < 0 {
				us += microsPerDay
			}
			return Value{Type: Time, I: us}
		}}, x)
	}
	return c.folded(compiled{typ: Timestamp, fn: func(st *State, rec *fastjson.Value) Value {
		us, ok := st.timestamp(a(st, rec))
		if !ok {
			return Value{}
		}
		if us, ok = addInterval(us, iv, k); !ok {
			return Value{}
		}
		return Value{Type: Timestamp, I: us}
	}}, x)
}

// interval evaluates an INTERVAL node, which must be constant.
func (c *compiler) interval(n *node) interval {
	if n.kind != nInterval {
		c.fail(n.pos, "expected an INTERVAL, such as INTERVAL 1 DAY")
	}
	v := c.expr(n.args[0])
	if !v.konst || v.val.Type == Null {
		c.fail(n.args[0].pos, "an INTERVAL must be a constant")
	}
	if n.op == "" {
		if v.val.Type == Varchar {
			if iv, ok := parseInterval(v.val.S); ok {
				return iv
			}
		}
		c.fail(n.args[0].pos, "invalid INTERVAL '%s' (write it as '1 day', '2 hours 30 minutes', '00:30:00', or INTERVAL 3 DAY)", v.val.AppendText(nil))
	}
	x, ok := c.fold.convert(v.val, Double)
	var iv interval
	if !ok || math.IsInf(x.F, 0) || math.Abs(x.F) > 1e15 || !iv.add(parts[n.op], x.F) {
		c.fail(n.args[0].pos, "invalid INTERVAL quantity %s %s", v.val.AppendText(nil), strings.ToUpper(n.op))
	}
	return iv
}
