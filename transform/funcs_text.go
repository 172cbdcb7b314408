package transform

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// maxMade bounds the text that repeat, lpad and rpad make for one value:
// beyond it they give NULL (DuckDB would build the string; one record must
// not be able to ask for gigabytes).
const maxMade = 1 << 20

// textFunctions are the string functions beyond the first few of funcs.go.
func textFunctions() map[string]function {
	return map[string]function{
		"lcase":          {1, 1, Varchar, false, caseMapper(unicode.ToLower)},
		"ucase":          {1, 1, Varchar, false, caseMapper(unicode.ToUpper)},
		"char_length":    {1, 1, Int64, false, buildLength},
		"strlen":         {1, 1, Int64, false, buildStrlen},
		"prefix":         {2, 2, Boolean, false, stringTest(strings.HasPrefix)},
		"suffix":         {2, 2, Boolean, false, stringTest(strings.HasSuffix)},
		"regexp_extract": {2, 4, Varchar, false, buildRegexpExtract},
		"regexp_replace": {3, 4, Varchar, false, buildRegexpReplace},
		"split_part":     {3, 3, Varchar, false, buildSplitPart},
		"left":           {2, 2, Varchar, false, buildLeftRight(false)},
		"right":          {2, 2, Varchar, false, buildLeftRight(true)},
		"lpad":           {3, 3, Varchar, false, buildPad(true)},
		"rpad":           {3, 3, Varchar, false, buildPad(false)},
		"strpos":         {2, 2, Int64, false, buildStrpos(false)},
		"instr":          {2, 2, Int64, false, buildStrpos(false)},
		"position":       {2, 2, Int64, false, buildStrpos(true)},
		"reverse":        {1, 1, Varchar, false, buildReverse},
		"repeat":         {2, 2, Varchar, false, buildRepeat},
		"concat_ws":      {2, -1, Varchar, false, buildConcatWS},
		"ascii":          {1, 1, Int32, false, buildASCII},
		"chr":            {1, 1, Varchar, false, buildChr},
		"format":         {1, -1, Varchar, false, buildFormat},
		"printf":         {1, -1, Varchar, false, buildPrintf},
	}
}

func buildStrlen(_ *compiler, _ *node, args []compiled) expr {
	a := args[0].fn
	return func(st *State, rec *fastjson.Value) Value {
		v := a(st, rec)
		if v.Type == Null {
			return v
		}
		return Value{Type: Int64, I: int64(len(st.text(v)))}
	}
}

// buildRegexpExtract is regexp_extract(s, pattern[, group[, options]]): the
// text of the group (0: the whole match) of the first match, ” when there is
// none, the group did not take part, or a pattern from the data has no such
// group (as in DuckDB).
func buildRegexpExtract(c *compiler, n *node, args []compiled) expr {
	p := c.patternArg("regexp_extract", n, args, 1, 3, nil, patSearch)
	group := 0
	if len(args) >= 3 {
		g := args[2]
		if !g.konst || !isInteger(g.val.Type) || g.val.I < 0 {
			c.fail(n.args[2].pos, "regexp_extract: the group must be a constant whole number")
		}
		if p.re != nil && g.val.I > int64(p.re.NumSubexp()) {
			c.fail(n.args[2].pos, "regexp_extract: the pattern has %d groups, not %d", p.re.NumSubexp(), g.val.I)
		}
		group = int(min(g.val.I, 1<<20))
	}
	a := args[0].fn
	return func(st *State, rec *fastjson.Value) Value {
		v := a(st, rec)
		if v.Type == Null {
			return v
		}
		re, _ := p.get(st, rec)
		if re == nil {
			return Value{}
		}
		s := st.text(v)
		if group == 0 {
			if loc := re.FindStringIndex(s); loc != nil {
				return Value{Type: Varchar, S: s[loc[0]:loc[1]]}
			}
			return Value{Type: Varchar}
		}
		if group > re.NumSubexp() {
			return Value{Type: Varchar}
		}
		m := re.FindStringSubmatchIndex(s)
		if m == nil || m[2*group] < 0 {
			return Value{Type: Varchar}
		}
		return Value{Type: Varchar, S: s[m[2*group]:m[2*group+1]]}
	}
}

// buildRegexpReplace is regexp_replace(s, pattern, replacement[, options]):
// the first match (every match with option g) replaced. In the replacement,
// \0 to \9 stand for the groups and \\ for a backslash, as in RE2; a
// replacement that names a group the pattern does not have, or holds another
// backslash sequence, leaves s as it is (as DuckDB does).
func buildRegexpReplace(c *compiler, n *node, args []compiled) expr {
	var global bool
	p := c.patternArg("regexp_replace", n, args, 1, 3, &global, patSearch)
	a, r := args[0].fn, args[2].fn
	return func(st *State, rec *fastjson.Value) Value {
		v, w := a(st, rec), r(st, rec)
		if v.Type == Null || w.Type == Null {
			return Value{}
		}
		re, _ := p.get(st, rec)
		if re == nil {
			return Value{}
		}
		s, repl := st.text(v), st.text(w)
		if !validRewrite(repl, re.NumSubexp()) {
			return Value{Type: Varchar, S: s}
		}
		var ms [][]int
		if global {
			ms = re.FindAllStringSubmatchIndex(s, -1)
		} else if m := re.FindStringSubmatchIndex(s); m != nil {
			ms = [][]int{m}
		}
		if ms == nil {
			return Value{Type: Varchar, S: s}
		}
		start, last := len(st.arena), 0
		for _, m := range ms {
			st.arena = append(st.arena, s[last:m[0]]...)
			st.arena = appendRewrite(st.arena, repl, s, m)
			last = m[1]
		}
		st.arena = append(st.arena, s[last:]...)
		return Value{Type: Varchar, S: b2s(st.arena[start:])}
	}
}

func validRewrite(repl string, nsub int) bool {
	for i := 0; i < len(repl); i++ {
		if repl[i] != '\\' {
			continue
		}
		i++
		switch {
		case i == len(repl):
			return false
		case repl[i] == '\\':
		case repl[i] >= '0' && repl[i] <= '9':
			if int(repl[i]-'0') > nsub {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// appendRewrite appends repl with \N replaced by group N of the match m of s
// (repl has passed validRewrite).
func appendRewrite(dst []byte, repl, s string, m []int) []byte {
	for i := 0; i < len(repl); i++ {
		ch := repl[i]
		if ch != '\\' {
			dst = append(dst, ch)
			continue
		}
		i++
		if repl[i] == '\\' {
			dst = append(dst, '\\')
			continue
		}
		if g := int(repl[i] - '0'); m[2*g] >= 0 {
			dst = append(dst, s[m[2*g]:m[2*g+1]]...)
		}
	}
	return dst
}

// buildSplitPart is split_part(s, sep, index): the index-th field (1-based;
// negative counts from the end) of s split at sep, ” when there is no such
// field; an empty sep splits into characters.
func buildSplitPart(_ *compiler, _ *node, args []compiled) expr {
	a, b, c := args[0].fn, args[1].fn, args[2].fn
	return func(st *State, rec *fastjson.Value) Value {
		v, w, x := a(st, rec), b(st, rec), st.integer(c(st, rec))
		if v.Type == Null || w.Type == Null || x.Type == Null {
			return Value{}
		}
		s, sep := st.text(v), st.text(w)
		idx := x.I
		if sep == "" {
			size := int64(utf8.RuneCountInString(s))
			if idx < 0 {
				idx += size + 1
			}
			if idx < 1 || idx > size {
				return Value{Type: Varchar}
			}
			return Value{Type: Varchar, S: runeSlice(s, idx-1, idx)}
		}
		if idx < 0 {
			idx += int64(strings.Count(s, sep)) + 2
		}
		if idx < 1 {
			return Value{Type: Varchar}
		}
		for ; idx > 1; idx-- {
			i := strings.Index(s, sep)
			if i < 0 {
				return Value{Type: Varchar}
			}
			s = s[i+len(sep):]
		}
		if i := strings.Index(s, sep); i >= 0 {
			s = s[:i]
		}
		return Value{Type: Varchar, S: s}
	}
}

// buildLeftRight is left(s, n) and right(s, n): the first (last) n
// characters; a negative n leaves out the last (first) -n.
func buildLeftRight(right bool) func(*compiler, *node, []compiled) expr {
	return func(_ *compiler, _ *node, args []compiled) expr {
		a, b := args[0].fn, args[1].fn
		return func(st *State, rec *fastjson.Value) Value {
			v, k := a(st, rec), st.integer(b(st, rec))
			if v.Type == Null || k.Type == Null {
				return Value{}
			}
			s := st.text(v)
			size := int64(utf8.RuneCountInString(s))
			n := max(min(k.I, size), -size)
			switch {
			case !right && n >= 0:
				return Value{Type: Varchar, S: runeSlice(s, 0, n)}
			case !right:
				return Value{Type: Varchar, S: runeSlice(s, 0, size+n)}
			case n >= 0:
				return Value{Type: Varchar, S: runeSlice(s, size-n, size)}
			}
			return Value{Type: Varchar, S: runeSlice(s, -n, size)}
		}
	}
}

// buildPad is lpad and rpad(s, n, pad): s cut or padded with pad, repeated,
// to n characters. Padding with an empty pad is NULL (an error in DuckDB).
func buildPad(left bool) func(*compiler, *node, []compiled) expr {
	return func(_ *compiler, _ *node, args []compiled) expr {
		a, b, c := args[0].fn, args[1].fn, args[2].fn
		return func(st *State, rec *fastjson.Value) Value {
			v, k, p := a(st, rec), st.integer(b(st, rec)), c(st, rec)
			if v.Type == Null || k.Type == Null || p.Type == Null {
				return Value{}
			}
			s := st.text(v)
			pad := st.text(p)
			n := k.I
			size := int64(utf8.RuneCountInString(s))
			switch {
			case n <= 0:
				return Value{Type: Varchar}
			case n <= size:
				return Value{Type: Varchar, S: runeSlice(s, 0, n)}
			case pad == "" || n > maxMade:
				return Value{}
			}
			start := len(st.arena)
			if !left {
				st.arena = append(st.arena, s...)
			}
			for need := n - size; need > 0; {
				for _, r := range pad {
					if need == 0 {
						break
					}
					st.arena = utf8.AppendRune(st.arena, r)
					need--
				}
			}
			if left {
				st.arena = append(st.arena, s...)
			}
			return Value{Type: Varchar, S: b2s(st.arena[start:])}
		}
	}
}

// buildStrpos is strpos(s, needle): the 1-based character position of the
// first needle in s, 0 when there is none. position(needle IN s) has its
// arguments the other way round.
func buildStrpos(swapped bool) func(*compiler, *node, []compiled) expr {
	return func(_ *compiler, _ *node, args []compiled) expr {
		a, b := args[0].fn, args[1].fn
		if swapped {
			a, b = b, a
		}
		return func(st *State, rec *fastjson.Value) Value {
			v, w := a(st, rec), b(st, rec)
			if v.Type == Null || w.Type == Null {
				return Value{}
			}
			s := st.text(v)
			i := strings.Index(s, st.text(w))
			if i < 0 {
				return Value{Type: Int64}
			}
			return Value{Type: Int64, I: int64(utf8.RuneCountInString(s[:i])) + 1}
		}
	}
}

// buildReverse reverses s by user-perceived characters, as DuckDB does: a
// character keeps its combining marks, variation selectors, emoji modifiers
// and zero-width-joined sequences (an approximation of Unicode grapheme
// clusters that covers text and emoji; regional-indicator flags are not kept
// together).
func buildReverse(_ *compiler, _ *node, args []compiled) expr {
	a := args[0].fn
	return func(st *State, rec *fastjson.Value) Value {
		v := a(st, rec)
		if v.Type == Null {
			return v
		}
		s := st.text(v)
		start := len(st.arena)
		end := len(s)
		for i := len(s); i > 0; {
			r, n := utf8.DecodeLastRuneInString(s[:i])
			i -= n
			if extendsCluster(r) {
				continue
			}
			if p, _ := utf8.DecodeLastRuneInString(s[:i]); i > 0 && p == '\u200d' {
				continue
			}
			st.arena = append(st.arena, s[i:end]...)
			end = i
		}
		st.arena = append(st.arena, s[:end]...)
		return Value{Type: Varchar, S: b2s(st.arena[start:])}
	}
}

func extendsCluster(r rune) bool {
	switch {
	case r < 0x300:
		return false
	case r == '\u200d', r >= 0xFE00 && r <= 0xFE0F, r >= 0x1F3FB && r <= 0x1F3FF, r >= 0xE0020 && r <= 0xE007F:
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc)
}

func buildRepeat(_ *compiler, _ *node, args []compiled) expr {
	a, b := args[0].fn, args[1].fn
	return func(st *State, rec *fastjson.Value) Value {
		v, k := a(st, rec), st.integer(b(st, rec))
		if v.Type == Null || k.Type == Null {
			return Value{}
		}
		s := st.text(v)
		if k.I <= 0 || s == "" {
			return Value{Type: Varchar}
		}
		if k.I > maxMade/int64(len(s)) {
			return Value{}
		}
		start := len(st.arena)
		for range k.I {
			st.arena = append(st.arena, s...)
		}
		return Value{Type: Varchar, S: b2s(st.arena[start:])}
	}
}

// buildConcatWS is concat_ws(sep, x…): the non-NULL x joined by sep; NULL
// when sep is NULL.
func buildConcatWS(_ *compiler, _ *node, args []compiled) expr {
	sep, fs := args[0].fn, fns(args[1:])
	return func(st *State, rec *fastjson.Value) Value {
		sv := sep(st, rec)
		if sv.Type == Null {
			return sv
		}
		s := st.text(sv)
		start, first := len(st.arena), true
		for _, f := range fs {
			mark := len(st.arena)
			v := f(st, rec)
			if v.Type == Null {
				st.arena = st.arena[:mark]
				continue
			}
			sep := s
			if first {
				sep = ""
			}
			first = false
			st.appendAt(mark, sep, v)
		}
		return Value{Type: Varchar, S: b2s(st.arena[start:])}
	}
}

func buildASCII(_ *compiler, _ *node, args []compiled) expr {
	a := args[0].fn
	return func(st *State, rec *fastjson.Value) Value {
		v := a(st, rec)
		if v.Type == Null {
			return v
		}
		s := st.text(v)
		if s == "" {
			return Value{Type: Int32}
		}
		r, _ := utf8.DecodeRuneInString(s)
		return Value{Type: Int32, I: int64(r)}
	}
}

// buildChr is chr(code): the character of that code point; NULL for what is
// not one (DuckDB fails the query).
func buildChr(_ *compiler, _ *node, args []compiled) expr {
	a := args[0].fn
	return func(st *State, rec *fastjson.Value) Value {
		v := st.integer(a(st, rec))
		if v.Type == Null || v.I < 0 || v.I > unicode.MaxRune || (v.I >= 0xD800 && v.I <= 0xDFFF) {
			return Value{}
		}
		start := len(st.arena)
		st.arena = utf8.AppendRune(st.arena, rune(v.I))
		return Value{Type: Varchar, S: b2s(st.arena[start:])}
	}
}

// piece is one part of a compiled format or printf string: literal text, or
// argument arg formatted by verb (0 for format's {}).
type piece struct {
	lit   string
	arg   int // -1: lit only
	verb  byte
	minus bool // left-justify
	zero  bool // pad with zeros
	plus  bool // always a sign
	space bool // a space for the sign of positive numbers
	width int
	prec  int // -1: none
}

// buildFormat is format(fmt, x…) with fmt's {} (the next argument) and {N}
// (argument N, from 0), {{ and }} for braces; each argument as it casts to
// VARCHAR. NULL when any argument is NULL.
func buildFormat(c *compiler, n *node, args []compiled) expr {
	f := c.constString("format", n, args[0], "the format")
	var ps []piece
	next, lit := 0, []byte{}
	for i := 0; i < len(f); i++ {
		ch := f[i]
		switch {
		case ch == '{' && i+1 < len(f) && f[i+1] == '{', ch == '}' && i+1 < len(f) && f[i+1] == '}':
			lit = append(lit, ch)
			i++
		case ch == '{':
			j := strings.IndexByte(f[i:], '}')
			if j < 0 {
				c.fail(n.args[0].pos, "format: unterminated {")
			}
			spec := f[i+1 : i+j]
			arg := next
			if spec != "" {
				k, err := strconv.Atoi(spec)
				if err != nil || k < 0 {
					c.fail(n.args[0].pos, "format: {%s} is not supported (only {} and {N})", spec)
				}
				arg = k
			} else {
				next++
			}
			if arg+1 >= len(args) {
				c.fail(n.args[0].pos, "format: {%s} asks for argument %d, there are %d", spec, arg, len(args)-1)
			}
			ps = append(ps, piece{lit: string(lit), arg: arg + 1})
			lit = lit[:0]
			i += j
		case ch == '}':
			c.fail(n.args[0].pos, "format: lone } (write }} for a brace)")
		default:
			lit = append(lit, ch)
		}
	}
	ps = append(ps, piece{lit: string(lit), arg: -1})
	return formatter(ps, fns(args))
}

// buildPrintf is printf(fmt, x…) with the verbs %s (text), %d and %i
// (integers), %f, %F, %e and %E (DOUBLE), %x, %X and %o (integers, negative
// ones as 64-bit two's complement) and %% for a percent sign; the flags
// - 0 + and space, a width and a .precision. An argument of the wrong type
// for its verb is NULL (an error in DuckDB), as is any NULL argument.
func buildPrintf(c *compiler, n *node, args []compiled) expr {
	f := c.constString("printf", n, args[0], "the format")
	var ps []piece
	next, lit := 1, []byte{}
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			lit = append(lit, f[i])
			continue
		}
		if i+1 < len(f) && f[i+1] == '%' {
			lit = append(lit, '%')
			i++
			continue
		}
		p := piece{lit: string(lit), arg: next, prec: -1}
		lit = lit[:0]
		i++
		for ; i < len(f) && strings.IndexByte("-0+ ", f[i]) >= 0; i++ {
			switch f[i] {
			case '-':
				p.minus = true
			case '0':
				p.zero = true
			case '+':
				p.plus = true
			case ' ':
				p.space = true
			}
		}
		for ; i < len(f) && isDigit(f[i]) && p.width < 1000; i++ {
			p.width = p.width*10 + int(f[i]-'0')
		}
		if i < len(f) && f[i] == '.' {
			p.prec = 0
			for i++; i < len(f) && isDigit(f[i]) && p.prec < 1000; i++ {
				p.prec = p.prec*10 + int(f[i]-'0')
			}
		}
		if i == len(f) || strings.IndexByte("sdifFeExXo", f[i]) < 0 {
			c.fail(n.args[0].pos, "printf: unsupported conversion at byte %d (verbs: %%s %%d %%i %%f %%e %%x %%X %%o %%%%)", i)
		}
		p.verb = f[i]
		if next >= len(args) {
			c.fail(n.args[0].pos, "printf: the format asks for argument %d, there are %d", next, len(args)-1)
		}
		next++
		ps = append(ps, p)
	}
	ps = append(ps, piece{lit: string(lit), arg: -1})
	return formatter(ps, fns(args))
}

func formatter(ps []piece, fs []expr) expr {
	return func(st *State, rec *fastjson.Value) Value {
		for _, f := range fs[1:] {
			if f(st, rec).Type == Null {
				return Value{}
			}
		}
		start := len(st.arena)
		for _, p := range ps {
			if p.arg < 0 {
				st.arena = append(st.arena, p.lit...)
				break
			}
			mark := len(st.arena)
			v := fs[p.arg](st, rec)
			if p.verb == 0 {
				st.appendAt(mark, p.lit, v)
				continue
			}
			end := len(st.arena)
			st.arena = append(st.arena, p.lit...)
			var ok bool
			if st.arena, ok = p.appendVerb(st.arena, v); !ok {
				st.arena = st.arena[:start]
				return Value{}
			}
			st.dropBetween(mark, end)
		}
		return Value{Type: Varchar, S: b2s(st.arena[start:])}
	}
}

// appendVerb appends v formatted by p's verb, flags, width and precision;
// ok is false when v's type does not go with the verb.
func (p piece) appendVerb(dst []byte, v Value) ([]byte, bool) {
	var buf [72]byte
	body := buf[:0]
	sign := ""
	numeric := true
	switch p.verb {
	case 's':
		if isNumeric(v.Type) {
			return dst, false
		}
		numeric = false
		at := len(dst)
		dst = v.AppendText(dst)
		if p.prec >= 0 {
			if s := b2s(dst[at:]); utf8.RuneCountInString(s) > p.prec {
				dst = dst[:at+len(runeSlice(s, 0, int64(p.prec)))]
			}
		}
		// Pad the text in place.
		return padField(dst, at, "", p, false), true
	case 'd', 'i':
		if !isInteger(v.Type) && v.Type != Boolean {
			return dst, false
		}
		if v.I < 0 {
			sign = "-"
			body = strconv.AppendUint(body, uint64(-(v.I+1))+1, 10)
		} else {
			body = strconv.AppendInt(body, v.I, 10)
		}
	case 'x', 'X', 'o':
		if !isInteger(v.Type) && v.Type != Boolean {
			return dst, false
		}
		base := 16
		if p.verb == 'o' {
			base = 8
		}
		body = strconv.AppendUint(body, uint64(v.I), base)
		if p.verb == 'X' {
			for i, ch := range body {
				if ch >= 'a' && ch <= 'f' {
					body[i] = ch - 'a' + 'A'
				}
			}
		}
	default: // f F e E
		if v.Type != Double {
			return dst, false
		}
		f := v.F
		if math.Signbit(f) && !math.IsNaN(f) {
			sign, f = "-", -f
		}
		prec := p.prec
		if prec < 0 {
			prec = 6
		}
		switch {
		case math.IsNaN(f):
			body, numeric = append(body, "nan"...), false
		case math.IsInf(f, 0):
			body, numeric = append(body, "inf"...), false
		case p.verb == 'f' || p.verb == 'F':
			body = strconv.AppendFloat(body, f, 'f', min(prec, 40), 64)
		default:
			body = strconv.AppendFloat(body, f, 'e', min(prec, 40), 64)
		}
		if p.verb == 'F' || p.verb == 'E' {
			for i, ch := range body {
				if ch >= 'a' && ch <= 'z' {
					body[i] = ch - 'a' + 'A'
				}
			}
		}
	}
	if sign == "" && (p.verb == 'd' || p.verb == 'i' || p.verb == 'f' || p.verb == 'F' || p.verb == 'e' || p.verb == 'E') {
		switch {
		case p.plus:
			sign = "+"
		case p.space:
			sign = " "
		}
	}
	at := len(dst)
	dst = append(dst, body...)
	return padField(dst, at, sign, p, numeric), true
}

// padField makes dst[at:] (a field without its sign) at least p.width
// characters wide with the sign in front: spaces on the left (or the right
// for -), or zeros after the sign for 0 on numbers.
func padField(dst []byte, at int, sign string, p piece, numeric bool) []byte {
	n := utf8.RuneCount(dst[at:]) + len(sign)
	fill := max(p.width-n, 0)
	zero := p.zero && numeric && !p.minus
	if p.minus {
		dst = insertBytes(dst, at, sign, 0, ' ')
		for range fill {
			dst = append(dst, ' ')
		}
		return dst
	}
	if zero {
		return insertBytes(dst, at, sign, fill, '0')
	}
	dst = insertBytes(dst, at, "", fill, ' ')
	return insertBytes(dst, at+fill, sign, 0, ' ')
}

// insertBytes inserts prefix followed by k copies of c at dst[at].
func insertBytes(dst []byte, at int, prefix string, k int, c byte) []byte {
	add := len(prefix) + k
	if add == 0 {
		return dst
	}
	for range add {
		dst = append(dst, 0)
	}
	copy(dst[at+add:], dst[at:len(dst)-add])
	copy(dst[at:], prefix)
	for i := at + len(prefix); i < at+add; i++ {
		dst[i] = c
	}
	return dst
}
