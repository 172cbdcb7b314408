package transform

import (
	"regexp"
	"strings"

	"github.com/valyala/fastjson"
)

// Patterns. Every operator and function that takes a regular expression
// (regexp_matches, regexp_extract, regexp_replace, regexp_split_to_array,
// ~, SIMILAR TO, GLOB) reads its pattern through a patternArg: a constant
// pattern is compiled once, at start-up, and a bad one fails the statement
// with its position. A pattern that is not a constant is compiled the first
// time a State meets it and kept in the State, so that a column of a few
// distinct patterns compiles each once per goroutine; a statement that sees
// a new pattern in every record compiles per record (bounded memory: the
// cache is emptied when it holds maxPatterns). A pattern from the data that
// does not compile is remembered as such and gives NULL (DuckDB fails the
// query).

// maxPatterns bounds the patterns a State keeps.
const maxPatterns = 256

// patternKind says how a pattern's text becomes an RE2 expression.
type patternKind uint8

const (
	patSearch patternKind = iota // as written, a match anywhere (the regexp_ functions)
	patWhole                     // the whole string must match (SIMILAR TO, ~)
	patGlob                      // a GLOB pattern, the whole string (see globRegexp)
)

// source is the RE2 expression for the pattern pat of kind k with the
// inline flags (see regexpFlags).
func (k patternKind) source(flags, pat string) string {
	switch k {
	case patWhole:
		return flags + `^(?:` + pat + `)$`
	case patGlob:
		return flags + `^(?:` + globRegexp(pat) + `)$`
	}
	return flags + pat
}

// patternKey names a pattern with how it is read and its options (a
// constant of the call).
type patternKey struct {
	kind       patternKind
	flags, pat string
}

// pattern returns the compiled pattern, nil when it does not compile.
func (st *State) pattern(kind patternKind, flags, pat string) *regexp.Regexp {
	if re, ok := st.patterns[patternKey{kind, flags, pat}]; ok {
		return re
	}
	if st.patterns == nil || len(st.patterns) >= maxPatterns {
		st.patterns = make(map[patternKey]*regexp.Regexp, 16)
	}
	re, err := regexp.Compile(kind.source(flags, pat))
	if err != nil {
		re = nil
	}
	st.patterns[patternKey{kind, flags, strings.Clone(pat)}] = re
	return re
}

// patternArg is the pattern argument of an operator or function.
type patternArg struct {
	re    *regexp.Regexp // the constant pattern; nil when it comes from the data (or is NULL)
	fn    expr           // the pattern from the data
	kind  patternKind
	flags string
}

// get returns the record's pattern: re is nil when the pattern is NULL
// (null is then true) or does not compile.
func (p *patternArg) get(st *State, rec *fastjson.Value) (re *regexp.Regexp, null bool) {
	if p.re != nil {
		return p.re, false
	}
	v := p.fn(st, rec)
	if v.Type == Null {
		return nil, true
	}
	return st.pattern(p.kind, p.flags, st.text(v)), false
}

// patternArg compiles args[at], the pattern of fn, read as kind, with the
// constant options of args[opt] (when there, see regexpFlags; global is
// for regexp_replace's g). A constant pattern that does not compile fails
// the statement at its position, quoting the pattern as written.
func (c *compiler) patternArg(fn string, n *node, args []compiled, at, opt int, global *bool, kind patternKind) patternArg {
	p := patternArg{fn: args[at].fn, kind: kind, flags: c.regexpFlags(fn, n, args, opt, global)}
	a := args[at]
	if !a.konst || a.val.Type == Null {
		return p
	}
	if a.val.Type != Varchar {
		c.fail(n.args[at].pos, "%s: the pattern must be a string", fn)
	}
	pat := a.val.S
	src := pat
	if kind == patGlob {
		src = globRegexp(pat)
	}
	_, err := regexp.Compile(p.flags + src) // the error quotes the pattern as written
	if err == nil {
		p.re, err = regexp.Compile(kind.source(p.flags, pat))
	}
	if err != nil {
		c.fail(n.args[at].pos, "%s: bad pattern: %s", fn, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
	return p
}

// regexpFlags reads the constant options of a regexp function in
// args[opt] (when there) as an inline flag group ("(?i)"): i
// (case-insensitive), s (dot matches newline, DuckDB's default is off), m
// and n (multi-line), c (case-sensitive), and g (every match; only where
// global is not nil).
func (c *compiler) regexpFlags(fn string, n *node, args []compiled, opt int, global *bool) string {
	if opt >= len(args) {
		return ""
	}
	flags := ""
	for _, o := range c.constString(fn, n, args[opt], "the options") {
		switch {
		case o == 'i' || o == 's' || o == 'm':
			flags += string(o)
		case o == 'n' || o == 'p':
			flags += "m"
		case o == 'c':
		case o == 'g' && global != nil:
			*global = true
		default:
			known := "i, s, m, c"
			if global != nil {
				known += ", g"
			}
			c.fail(n.args[opt].pos, "%s: unknown option '%c' (options: %s)", fn, o, known)
		}
	}
	if flags == "" {
		return ""
	}
	return "(?" + flags + ")"
}
