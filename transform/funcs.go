package transform

import (
	"maps"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/valyala/fastjson"

	"github.com/datatap/datatap/internal/nearest"
)

// function describes one built-in: its arity (max < 0: any number), the type
// it always returns (Null: it depends), whether it may be evaluated at compile
// time when its arguments are constants, and how to build it.
type function struct {
	min, max int
	typ      Type
	impure   bool
	build    func(c *compiler, n *node, args []compiled) expr
}

var functions map[string]function

func init() {
	functions = map[string]function{
		"lower":          {1, 1, Varchar, false, caseMapper(unicode.ToLower)},
		"upper":          {1, 1, Varchar, false, caseMapper(unicode.ToUpper)},
		"length":         {1, 1, Int64, false, buildLength},
		"substr":         {2, 3, Varchar, false, buildSubstr},
		"substring":      {2, 3, Varchar, false, buildSubstr},
		"trim":           {1, 2, Varchar, false, trimmer(strings.Trim)},
		"ltrim":          {1, 2, Varchar, false, trimmer(strings.TrimLeft)},
		"rtrim":          {1, 2, Varchar, false, trimmer(strings.TrimRight)},
		"concat":         {1, -1, Varchar, false, buildConcat},
		"replace":        {3, 3, Varchar, false, buildReplace},
		"coalesce":       {1, -1, Null, false, buildCoalesce},
		"ifnull":         {2, 2, Null, false, buildCoalesce},
		"nullif":         {2, 2, Null, false, buildNullif},
		"starts_with":    {2, 2, Boolean, false, stringTest(strings.HasPrefix)},
		"ends_with":      {2, 2, Boolean, false, stringTest(strings.HasSuffix)},
		"contains":       {2, 2, Boolean, false, stringTest(strings.Contains)},
		"regexp_matches": {2, 3, Boolean, false, buildRegexpMatches},
		"strftime":       {2, 2, Varchar, false, buildStrftime},
		"epoch_ms":       {1, 1, Null, false, buildEpochMs},
		"now":            {0, 0, Timestamp, true, buildNow},
		"abs":            {1, 1, Null, false, buildAbs},
		"round":          {1, 2, Null, false, buildRound},
		"floor":          {1, 1, Null, false, rounder(math.Floor)},
		"ceil":           {1, 1, Null, false, rounder(math.Ceil)},
	}
	maps.Copy(functions, textFunctions())
	maps.Copy(functions, hashFunctions())
	maps.Copy(functions, numberFunctions())
	maps.Copy(functions, predicateFunctions())
	maps.Copy(functions, timeFunctions())
	maps.Copy(functions, listFunctions())
	maps.Copy(functions, jsonFunctions())
	maps.Copy(functions, madeListFunctions())
}

func (c *compiler) call(n *node) compiled {
	f, ok := functions[n.name]
	if !ok {
		if aggregates[n.name] {
			c.fail(n.pos, "%s is an aggregate: a transform works on one record at a time", n.name)
		}
		if why, ok := refused[n.name]; ok {
			c.fail(n.pos, "%s is not supported: %s", n.name, why)
		}
		if near := nearestFunction(n.name); near != "" {
			c.fail(n.pos, "unknown function '%s' (did you mean %s?)", n.name, near)
		}
		c.fail(n.pos, "unknown function '%s'", n.name)
	}
	if len(n.args) < f.min || (f.max >= 0 && len(n.args) > f.max) {
		c.fail(n.pos, "%s takes %s, got %d", n.name, arity(f), len(n.args))
	}
	if n.name == "date_add" {
		return c.shift(n.args[0], n.args[1], 1)
	}
	args := c.exprs(n.args)
	x := compiled{typ: f.typ, fn: f.build(c, n, args)}
	if x.typ == Null && argTyped[n.name] {
		x.typ = args[0].typ
		for _, a := range args[1:] {
			if n.name != "nullif" && a.typ != x.typ {
				x.typ = Null
			}
		}
	}
	if (n.name == "if" || n.name == "iff") && args[1].typ == args[2].typ {
		x.typ = args[1].typ
	}
	if f.impure {
		return x
	}
	return c.folded(x, args...)
}

// argTyped are the functions whose result has the type of their arguments
// when all have the same (nullif: of its first).
var argTyped = map[string]bool{
	"coalesce": true, "ifnull": true, "nullif": true, "abs": true, "greatest": true, "least": true,
	"trunc": true, "floor": true, "ceil": true, "ceiling": true, "round": true,
}

func arity(f function) string {
	plural := func(n int) string {
		if n == 1 {
			return "1 argument"
		}
		return string(rune('0'+n)) + " arguments"
	}
	switch {
	case f.max < 0:
		return "at least " + plural(f.min)
	case f.min == f.max:
		return plural(f.min)
	}
	return string(rune('0'+f.min)) + " to " + plural(f.max)
}

// constString returns the value of a constant string argument, or fails with
// what the function needs.
func (c *compiler) constString(fn string, n *node, a compiled, what string) string {
	if !a.konst || a.val.Type != Varchar {
		c.fail(n.pos, "%s: %s must be a constant string", fn, what)
	}
	return a.val.S
}

func caseMapper(m func(rune) rune) func(*compiler, *node, []compiled) expr {
	return func(_ *compiler, _ *node, args []compiled) expr {
		a := args[0].fn
		return func(st *State, rec *fastjson.Value) Value {
			v := a(st, rec)
			if v.Type == Null {
				return v
			}
			s := st.text(v)
			// Leave strings that do not change where they are: no copy.
			i := 0
			for i < len(s) {
				r, n := utf8.DecodeRuneInString(s[i:])
				if m(r) != r {
					break
				}
				i += n
			}
			if i == len(s) {
				return Value{Type: Varchar, S: s}
			}
			start := len(st.arena)
			st.arena = append(st.arena, s[:i]...)
			for _, r := range s[i:] {
				st.arena = utf8.AppendRune(st.arena, m(r))
			}
			return Value{Type: Varchar, S: b2s(st.arena[start:])}
		}
	}
}

func buildLength(_ *compiler, _ *node, args []compiled) expr {
	a := args[0].fn
	return func(st *State, rec *fastjson.Value) Value {
		v := a(st, rec)
		switch {
		case v.Type == Null:
			return v
		case v.Type == JSON && v.J != nil && v.J.Type() == fastjson.TypeArray:
			return Value{Type: Int64, I: int64(len(v.J.GetArray()))}
		case v.Type == JSON:
			return Value{}
		}
		return Value{Type: Int64, I: int64(utf8.RuneCountInString(st.text(v)))}
	}
}

// buildSubstr follows DuckDB's substring: 1-based character positions, a
// negative start counts from the end, start 0 lies just before the first
// character, a negative length takes the characters before start. The range
// is computed first and clamped to the string last.
func buildSubstr(_ *compiler, _ *node, args []compiled) expr {
	a, b := args[0].fn, args[1].fn
	var l expr
	if len(args) == 3 {
		l = args[2].fn
	}
	const far = 1 << 40 // beyond any string; keeps start+length from overflowing
	return func(st *State, rec *fastjson.Value) Value {
		v, off := a(st, rec), st.integer(b(st, rec))
		if v.Type == Null || off.Type == Null {
			return Value{}
		}
		length := int64(far)
		if l != nil {
			n := st.integer(l(st, rec))
			if n.Type == Null {
				return Value{}
			}
			length = max(min(n.I, far), -far)
		}
		s := st.text(v)
		size := int64(utf8.RuneCountInString(s))
		start := max(min(off.I, far), -far) - 1
		if off.I < 0 {
			start = size + off.I
		}
		end := start + length
		if length < 0 {
			start, end = end, start
		}
		start, end = max(start, 0), min(end, size)
		if start >= end {
			return Value{Type: Varchar}
		}
		return Value{Type: Varchar, S: runeSlice(s, start, end)}
	}
}

// runeSlice returns the characters [from, to) of s.
func runeSlice(s string, from, to int64) string {
	var n int64
	lo, hi := len(s), len(s)
	for off := range s {
		if n == from {
			lo = off
		}
		if n == to {
			hi = off
			break
		}
		n++
	}
	if lo > hi {
		return ""
	}
	return s[lo:hi]
}

// integer brings a numeric argument to INT64 (NULL when it is not a number).
func (st *State) integer(v Value) Value {
	switch v.Type {
	case Int32, Int64:
		return v
	case Double:
		if f := math.Round(v.F); f >= -9e18 && f <= 9e18 {
			return Value{Type: Int64, I: int64(f)}
		}
	}
	return Value{}
}

func trimmer(trim func(s, cutset string) string) func(*compiler, *node, []compiled) expr {
	return func(_ *compiler, _ *node, args []compiled) expr {
		a := args[0].fn
		var b expr
		if len(args) == 2 {
			b = args[1].fn
		}
		return func(st *State, rec *fastjson.Value) Value {
			v := a(st, rec)
			if v.Type == Null {
				return v
			}
			cutset := " "
			if b != nil {
				c := b(st, rec)
				if c.Type == Null {
					return Value{}
				}
				cutset = st.text(c)
			}
			return Value{Type: Varchar, S: trim(st.text(v), cutset)}
		}
	}
}

// buildConcat joins its arguments as text, skipping NULLs (DuckDB's concat;
// the || operator instead makes NULL of a NULL).
func buildConcat(_ *compiler, _ *node, args []compiled) expr {
	fs := fns(args)
	return func(st *State, rec *fastjson.Value) Value {
		start := len(st.arena)
		for _, f := range fs {
			mark := len(st.arena)
			st.appendAt(mark, "", f(st, rec))
		}
		return Value{Type: Varchar, S: b2s(st.arena[start:])}
	}
}

// appendAt appends prefix and v's text at mark, the end of the text being
// built in the arena, dropping whatever evaluating v left in the arena after
// mark (the text of an argument computed by a function, which v may point
// into: it is copied first). A function that builds its result while it
// evaluates its arguments so keeps the result contiguous.
func (st *State) appendAt(mark int, prefix string, v Value) {
	end := len(st.arena)
	st.arena = append(st.arena, prefix...)
	st.arena = v.AppendText(st.arena)
	st.dropBetween(mark, end)
}

// dropBetween removes arena[mark:end], moving what follows down.
func (st *State) dropBetween(mark, end int) {
	if end > mark {
		st.arena = append(st.arena[:mark], st.arena[end:]...)
	}
}

func buildReplace(_ *compiler, _ *node, args []compiled) expr {
	a, b, r := args[0].fn, args[1].fn, args[2].fn
	return func(st *State, rec *fastjson.Value) Value {
		v, from, to := a(st, rec), b(st, rec), r(st, rec)
		if v.Type == Null || from.Type == Null || to.Type == Null {
			return Value{}
		}
		s, old, nw := st.text(v), st.text(from), st.text(to)
		if old == "" || !strings.Contains(s, old) {
			return Value{Type: Varchar, S: s}
		}
		start := len(st.arena)
		for {
			i := strings.Index(s, old)
			if i < 0 {
				break
			}
			st.arena = append(st.arena, s[:i]...)
			st.arena = append(st.arena, nw...)
			s = s[i+len(old):]
		}
		st.arena = append(st.arena, s...)
		return Value{Type: Varchar, S: b2s(st.arena[start:])}
	}
}

func buildCoalesce(_ *compiler, _ *node, args []compiled) expr {
	fs := fns(args)
	return func(st *State, rec *fastjson.Value) Value {
		for _, f := range fs {
			if v := f(st, rec); v.Type != Null {
				return v
			}
		}
		return Value{}
	}
}

func buildNullif(_ *compiler, _ *node, args []compiled) expr {
	a, b := args[0].fn, args[1].fn
	return func(st *State, rec *fastjson.Value) Value {
		v := a(st, rec)
		if d, ok := st.compare(v, b(st, rec)); ok && d == 0 {
			return Value{}
		}
		return v
	}
}

func stringTest(test func(s, t string) bool) func(*compiler, *node, []compiled) expr {
	return func(_ *compiler, _ *node, args []compiled) expr {
		a, b := args[0].fn, args[1].fn
		return func(st *State, rec *fastjson.Value) Value {
			v, w := a(st, rec), b(st, rec)
			if v.Type == Null || w.Type == Null {
				return Value{}
			}
			return boolValue(test(st.text(v), st.text(w)))
		}
	}
}

// buildRegexpMatches is regexp_matches(s, pattern[, options]): a match
// anywhere in s (see patternArg).
func buildRegexpMatches(c *compiler, n *node, args []compiled) expr {
	a, p := args[0].fn, c.patternArg("regexp_matches", n, args, 1, 2, nil, patSearch)
	return func(st *State, rec *fastjson.Value) Value {
		v := a(st, rec)
		if v.Type == Null {
			return v
		}
		re, _ := p.get(st, rec)
		if re == nil {
			return Value{}
		}
		return boolValue(re.MatchString(st.text(v)))
	}
}

func buildStrftime(c *compiler, n *node, args []compiled) expr {
	tf, err := compileTimeFormat(c.constString("strftime", n, args[1], "the format"))
	if err != nil {
		c.fail(n.args[1].pos, "strftime: %s", err)
	}
	a := args[0].fn
	return func(st *State, rec *fastjson.Value) Value {
		v := a(st, rec)
		us, ok := st.timestamp(v)
		if !ok {
			return Value{}
		}
		start := len(st.arena)
		st.arena = tf.append(st.arena, us)
		return Value{Type: Varchar, S: b2s(st.arena[start:])}
	}
}

// timestamp reads v as a point in time: a TIMESTAMP, a DATE, or a string in
// RFC 3339 form; a TIME as that time on 1970-01-01 (so that hour(t) and
// date_part work on it).
func (st *State) timestamp(v Value) (int64, bool) {
	switch v.Type {
	case Timestamp, Time:
		return v.I, true
	case Date:
		return v.I * microsPerDay, true
	case Varchar:
		return parseTimestamp(v.S)
	}
	return 0, false
}

// buildEpochMs is DuckDB's epoch_ms both ways: a timestamp gives milliseconds
// since the epoch; a number of milliseconds gives a timestamp.
func buildEpochMs(_ *compiler, _ *node, args []compiled) expr {
	a := args[0].fn
	return func(st *State, rec *fastjson.Value) Value {
		v := a(st, rec)
		switch v.Type {
		case Int32, Int64:
			if v.I > math.MaxInt64/1000 || v.I < math.MinInt64/1000 {
				return Value{}
			}
			return Value{Type: Timestamp, I: v.I * 1000}
		case Double:
			return st.integer(Value{Type: Double, F: v.F * 1000})
		}
		if us, ok := st.timestamp(v); ok {
			return Value{Type: Int64, I: us / 1000} // truncated, as DuckDB does
		}
		return Value{}
	}
}

func buildNow(*compiler, *node, []compiled) expr {
	return func(st *State, _ *fastjson.Value) Value {
		if st.now == 0 {
			st.now = st.clock().UnixMicro()
		}
		return Value{Type: Timestamp, I: st.now}
	}
}

func buildAbs(_ *compiler, _ *node, args []compiled) expr {
	a := args[0].fn
	return func(st *State, rec *fastjson.Value) Value {
		v := a(st, rec)
		switch v.Type {
		case Int32, Int64:
			if v.I == math.MinInt64 {
				return Value{}
			}
			return Value{Type: v.Type, I: abs64(v.I)}
		case Double:
			return Value{Type: Double, F: math.Abs(v.F)}
		}
		return Value{}
	}
}

// digitsArg returns the evaluation of round's and trunc's optional second
// argument, the decimal places (0 without it, clamped to ±300); false for
// NULL, which makes the result NULL.
func digitsArg(args []compiled) func(*State, *fastjson.Value) (int64, bool) {
	if len(args) < 2 {
		return func(*State, *fastjson.Value) (int64, bool) { return 0, true }
	}
	b := args[1].fn
	return func(st *State, rec *fastjson.Value) (int64, bool) {
		d := st.integer(b(st, rec))
		return max(min(d.I, 300), -300), d.Type != Null
	}
}

// buildRound rounds half away from zero, to n decimal places (n < 0 rounds to
// tens, hundreds…). Integers stay integers.
func buildRound(_ *compiler, _ *node, args []compiled) expr {
	a, digitsOf := args[0].fn, digitsArg(args)
	return func(st *State, rec *fastjson.Value) Value {
		v := a(st, rec)
		digits, ok := digitsOf(st, rec)
		if !ok {
			return Value{}
		}
		switch v.Type {
		case Int32, Int64:
			if digits >= 0 {
				return v
			}
			if digits < -18 {
				return Value{Type: v.Type}
			}
			p := int64(math.Pow10(int(-digits)))
			r := (abs64(v.I) + p/2) / p * p
			if v.I < 0 {
				r = -r
			}
			return Value{Type: v.Type, I: r}
		case Double:
			if digits == 0 {
				return Value{Type: Double, F: math.Round(v.F)}
			}
			p := math.Pow10(int(digits))
			r := math.Round(v.F*p) / p
			if math.IsInf(r, 0) || math.IsNaN(r) {
				return v
			}
			return Value{Type: Double, F: r}
		}
		return Value{}
	}
}

func rounder(f func(float64) float64) func(*compiler, *node, []compiled) expr {
	return func(_ *compiler, _ *node, args []compiled) expr {
		a := args[0].fn
		return func(st *State, rec *fastjson.Value) Value {
			v := a(st, rec)
			switch v.Type {
			case Int32, Int64:
				return v
			case Double:
				return Value{Type: Double, F: f(v.F)}
			}
			return Value{}
		}
	}
}

// refused are DuckDB functions left out on purpose, with the reason and
// what to write instead.
var refused = map[string]string{
	"age":     "it returns an INTERVAL, and the language has no INTERVAL values; use date_diff('day', a, b) (or another part) for the time between two timestamps",
	"columns": "COLUMNS('regex') is a select item of its own (SELECT COLUMNS('^user_'), …), which keeps the record's top-level fields whose name matches",
	"hash":    "its value is DuckDB's own and changes between versions; use md5, sha1 or sha256",
}

// aggregates are DuckDB's common aggregate functions, refused with a reason.
var aggregates = map[string]bool{
	"count": true, "sum": true, "avg": true, "min": true, "max": true, "mean": true, "median": true,
	"first": true, "last": true, "any_value": true, "arg_max": true, "arg_min": true, "list": true,
	"array_agg": true, "string_agg": true, "group_concat": true, "stddev": true, "variance": true,
	"bool_and": true, "bool_or": true, "approx_count_distinct": true, "quantile": true, "mode": true,
}

// nearestFunction returns the known function a mistyped name was probably
// meant to be (see package nearest), or "".
func nearestFunction(name string) string {
	return nearest.Name(name, slices.Collect(maps.Keys(functions)))
}
