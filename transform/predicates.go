package transform

import (
	"regexp"
	"strings"

	"github.com/valyala/fastjson"
)

func predicateFunctions() map[string]function {
	return map[string]function{
		"if":  {3, 3, Null, false, buildIf},
		"iff": {3, 3, Null, false, buildIf},
	}
}

// buildIf is if(cond, then, else): then when cond is TRUE, else otherwise
// (NULL included); only the branch taken is evaluated.
func buildIf(_ *compiler, _ *node, args []compiled) expr {
	c, a, b := args[0].fn, args[1].fn, args[2].fn
	return func(st *State, rec *fastjson.Value) Value {
		if truth(st, c(st, rec)) {
			return a(st, rec)
		}
		return b(st, rec)
	}
}

// isBool is x IS [NOT] TRUE|FALSE: never NULL; a non-boolean x is cast to
// BOOLEAN first (1 IS TRUE), a NULL x is neither.
func (c *compiler) isBool(n *node) compiled {
	x := c.expr(n.args[0])
	a, not := x.fn, n.not
	want := int64(0)
	if n.op == "TRUE" {
		want = 1
	}
	return c.folded(compiled{typ: Boolean, fn: func(st *State, rec *fastjson.Value) Value {
		v := st.logical(a(st, rec))
		return boolValue((v.Type == Boolean && v.I == want) != not)
	}}, x)
}

// distinct is x IS [NOT] DISTINCT FROM y: equality where NULL equals NULL
// and differs from everything else; never NULL. Values that do not compare
// (a string that is no number, against a number) are distinct.
func (c *compiler) distinct(n *node) compiled {
	l, r := c.expr(n.args[0]), c.expr(n.args[1])
	a, b, not := l.fn, r.fn, n.not
	return c.folded(compiled{typ: Boolean, fn: func(st *State, rec *fastjson.Value) Value {
		u, v := a(st, rec), b(st, rec)
		var same bool
		switch {
		case u.Type == Null || v.Type == Null:
			same = u.Type == v.Type
		default:
			d, ok := st.compare(u, v)
			same = ok && d == 0
		}
		return boolValue(same == not)
	}}, l, r)
}

// regexPredicate is x [NOT] GLOB pattern and x [NOT] SIMILAR TO pattern (also
// spelt x ~ pattern, x !~ pattern): the whole of x must match (see
// patternArg).
func (c *compiler) regexPredicate(n *node) compiled {
	x, pat := c.expr(n.args[0]), c.expr(n.args[1])
	what, kind := "GLOB", patGlob
	if n.op == "SIMILAR" {
		what, kind = "SIMILAR TO", patWhole
	}
	if pat.konst && pat.val.Type == Null {
		return constant(Value{})
	}
	args := []compiled{x, pat}
	p := c.patternArg(what, n, args, 1, 2, nil, kind)
	a, not := x.fn, n.not
	return c.folded(compiled{typ: Boolean, fn: func(st *State, rec *fastjson.Value) Value {
		v := a(st, rec)
		if v.Type == Null {
			return v
		}
		re, _ := p.get(st, rec)
		if re == nil {
			return Value{}
		}
		return boolValue(re.MatchString(st.text(v)) != not)
	}}, x, pat)
}

// globRegexp translates a GLOB pattern to RE2: * is any run of characters, ?
// one character, [abc] and [a-z] a set, [!abc] its complement, \ makes the
// next character literal. A [ without its ] is a literal [.
func globRegexp(p string) string {
	var b strings.Builder
	b.WriteString("(?s)")
	for i := 0; i < len(p); i++ {
		switch ch := p[i]; ch {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '\\':
			if i+1 < len(p) {
				i++
				j := i
				for j+1 < len(p) && p[j+1]&0xC0 == 0x80 {
					j++
				}
				b.WriteString(regexp.QuoteMeta(p[i : j+1]))
				i = j
			} else {
				b.WriteString(`\\`)
			}
		case '[':
			end := strings.IndexByte(p[i+1:], ']')
			if end == 0 && i+2 < len(p) { // []…] holds a ]
				if e := strings.IndexByte(p[i+2:], ']'); e >= 0 {
					end = e + 1
				} else {
					end = -1
				}
			}
			if end < 0 {
				b.WriteString(`\[`)
				continue
			}
			set := p[i+1 : i+1+end]
			b.WriteByte('[')
			if strings.HasPrefix(set, "!") && len(set) > 1 {
				b.WriteByte('^')
				set = set[1:]
			}
			for _, r := range set {
				if r == '\\' || r == '[' || r == ']' || r == '^' {
					b.WriteByte('\\')
				}
				b.WriteRune(r)
			}
			b.WriteByte(']')
			i += end + 1
		default:
			j := i
			for j+1 < len(p) && p[j+1]&0xC0 == 0x80 {
				j++
			}
			b.WriteString(regexp.QuoteMeta(p[i : j+1]))
			i = j
		}
	}
	return b.String()
}
