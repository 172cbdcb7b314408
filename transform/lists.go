package transform

import (
	"math"
	"strings"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// List values. A list the statement makes (string_split, [1, 2, 3], a
// slice) is a JSON array built in the State's arena, so that every list
// function reads it as it reads an array of the record, and it is written
// as the existing JSON type. listValue is the one place a made list becomes
// a Value: when native LIST columns come, it is what changes.
//
// Indexing and slicing follow DuckDB: positions are 1-based, negative ones
// count from the end, l[i] is list_extract and l[a:b] is list_slice (both
// ends included); on a string they pick characters. A constant index 0 in
// brackets is refused at compile time: it is always NULL in DuckDB, and it
// meant the first element in earlier datatap (see the README's changes).

// listValue wraps a made array.
func listValue(arr *fastjson.Value) Value { return Value{Type: JSON, J: arr} }

// newList starts a made list, valid until the next Eval with st.
func (st *State) newList() *fastjson.Value { return st.made.NewArray() }

// listItem turns v into an element of a made list: numbers and booleans as
// JSON numbers and booleans, NULL as null, JSON as itself, everything else
// as its text.
func (st *State) listItem(v Value) *fastjson.Value {
	a := &st.made
	switch v.Type {
	case Null:
		return a.NewNull()
	case Boolean:
		if v.I != 0 {
			return a.NewTrue()
		}
		return a.NewFalse()
	case Int32, Int64, Double:
		if v.Type == Double && (math.IsNaN(v.F) || math.IsInf(v.F, 0)) {
			return a.NewNull()
		}
		start := len(st.arena)
		st.arena = v.AppendJSON(st.arena)
		return a.NewNumberString(b2s(st.arena[start:]))
	case JSON:
		if v.J != nil {
			return v.J
		}
		// JSON text (a ::JSON cast): parsed on its own, which allocates; the
		// rare case of a cast inside a list literal.
		if j, err := fastjson.Parse(v.S); err == nil {
			return j
		}
		return a.NewNull()
	case Varchar, UUID:
		return a.NewString(v.S)
	}
	return a.NewString(st.text(v))
}

// copyMade gives a constant JSON value its own memory: a list made while
// folding lives in the folding State's arena, which the next fold reuses.
func copyMade(v Value) Value {
	if v.Type == JSON && v.J != nil {
		j, err := fastjson.Parse(string(appendJSONValue(nil, v.J)))
		if err == nil {
			v.J = j
		}
	}
	return v
}

func madeListFunctions() map[string]function {
	return map[string]function{
		"string_split":    {2, 2, JSON, false, buildStringSplit},
		"str_split":       {2, 2, JSON, false, buildStringSplit},
		"string_to_array": {2, 2, JSON, false, buildStringSplit},
		"split":           {2, 2, JSON, false, buildStringSplit},
		"list_value":      {0, -1, JSON, false, buildListValue},
		"list_pack":       {0, -1, JSON, false, buildListValue},
		"list_slice":      {3, 3, Null, false, buildListSlice},
		"list_concat":     {1, -1, JSON, false, buildListConcat},
		"list_cat":        {1, -1, JSON, false, buildListConcat},
		"array_concat":    {1, -1, JSON, false, buildListConcat},
		"array_cat":       {1, -1, JSON, false, buildListConcat},

		"regexp_split_to_array": {2, 3, JSON, false, buildRegexpSplit},
		"string_split_regex":    {2, 3, JSON, false, buildRegexpSplit},
		"str_split_regex":       {2, 3, JSON, false, buildRegexpSplit},
		"array_slice":           {3, 3, Null, false, buildListSlice},
	}
}

// buildStringSplit is DuckDB's string_split(s, sep): the parts between the
// separators (” gives [”]); an empty separator splits into characters, a
// NULL one gives [s]; NULL for a NULL s.
func buildStringSplit(_ *compiler, _ *node, args []compiled) expr {
	a, b := args[0].fn, args[1].fn
	return func(st *State, rec *fastjson.Value) Value {
		v := a(st, rec)
		if v.Type == Null {
			return v
		}
		s := st.text(v)
		sv := b(st, rec)
		list := st.newList()
		n := 0
		add := func(part string) {
			list.SetArrayItem(n, st.made.NewString(part))
			n++
		}
		sep := ""
		if sv.Type != Null {
			sep = st.text(sv)
		}
		switch {
		case sv.Type == Null || s == "":
			add(s)
		case sep == "":
			for i := 0; i < len(s); {
				_, w := utf8.DecodeRuneInString(s[i:])
				add(s[i : i+w])
				i += w
			}
		default:
			for {
				i := strings.Index(s, sep)
				if i < 0 {
					add(s)
					break
				}
				add(s[:i])
				s = s[i+len(sep):]
			}
		}
		return listValue(list)
	}
}

// buildRegexpSplit is DuckDB's regexp_split_to_array(s, pattern[,
// options]): the parts between the matches, found as DuckDB finds them, in
// what is left after the previous match (so ^ matches again at each part);
// an empty match at the start of what is left makes its first character a
// part. A NULL pattern gives [s], a pattern from the data that does not
// compile NULL. Go's regexp allocates the index of each match.
func buildRegexpSplit(c *compiler, n *node, args []compiled) expr {
	a, p := args[0].fn, c.patternArg(n.name, n, args, 1, 2, nil, patSearch)
	return func(st *State, rec *fastjson.Value) Value {
		v := a(st, rec)
		if v.Type == Null {
			return v
		}
		s := st.text(v)
		re, null := p.get(st, rec)
		if re == nil && !null {
			return Value{}
		}
		list, k := st.newList(), 0
		for re != nil && len(s) > 0 {
			loc := re.FindStringIndex(s)
			if loc == nil {
				break
			}
			pos, end := loc[0], loc[1]
			if end == 0 {
				pos = 1
				for pos < len(s) && !utf8.RuneStart(s[pos]) {
					pos++
				}
				if pos == len(s) {
					break
				}
				end = pos
			}
			list.SetArrayItem(k, st.made.NewString(s[:pos]))
			k++
			s = s[end:]
		}
		list.SetArrayItem(k, st.made.NewString(s))
		return listValue(list)
	}
}

// buildListConcat is list_concat(l, …): the elements of each list in turn;
// a NULL list adds nothing (as in DuckDB, where even all NULLs give []), a
// value that is no list makes the result NULL (DuckDB refuses the
// statement).
func buildListConcat(_ *compiler, _ *node, args []compiled) expr {
	items := fns(args)
	return func(st *State, rec *fastjson.Value) Value {
		out, k := st.newList(), 0
		for _, item := range items {
			v := item(st, rec)
			if v.Type == Null {
				continue
			}
			list, ok := array(v)
			if !ok {
				return Value{}
			}
			for _, e := range list {
				out.SetArrayItem(k, e)
				k++
			}
		}
		return listValue(out)
	}
}

// buildListValue is [a, b, …] and list_value(a, b, …).
func buildListValue(_ *compiler, _ *node, args []compiled) expr {
	items := fns(args)
	return func(st *State, rec *fastjson.Value) Value {
		list := st.newList()
		for i, item := range items {
			list.SetArrayItem(i, st.listItem(item(st, rec)))
		}
		return listValue(list)
	}
}

// extract is l[i] (list_extract, array_extract): element i of a list from 1,
// negative from the end, NULL outside; on a string character i (” outside);
// on an object, with a string index, the key's value (DuckDB's struct['k']).
func (st *State) extract(v, idx Value) Value {
	if v.Type == Null || idx.Type == Null {
		return Value{}
	}
	if v.Type == JSON && v.J != nil && v.J.Type() == fastjson.TypeObject {
		if idx.Type != Varchar {
			return Value{}
		}
		return st.fromJSON(v.J.GetObject().Get(idx.S))
	}
	i := st.integer(idx)
	if i.Type == Null {
		return Value{}
	}
	if list, ok := array(v); ok {
		n := int64(len(list))
		switch {
		case i.I > 0 && i.I <= n:
			return st.fromJSON(list[i.I-1])
		case i.I < 0 && -i.I <= n:
			return st.fromJSON(list[n+i.I])
		}
		return Value{}
	}
	if v.Type == JSON {
		return Value{}
	}
	s := st.text(v)
	n := int64(utf8.RuneCountInString(s))
	k := i.I
	if k < 0 {
		k += n + 1
	}
	if k < 1 || k > n {
		return Value{Type: Varchar}
	}
	b, e := runeSpan(s, k, k)
	return Value{Type: Varchar, S: s[b:e]}
}

// sliceBounds brings DuckDB's 1-based, inclusive, possibly negative slice
// bounds to a 0-based half-open range of n elements.
func sliceBounds(begin, end, n int64) (int64, int64) {
	if begin < 0 {
		begin += n + 1
	}
	if end < 0 {
		end += n + 1
	}
	begin = max(begin, 1)
	end = min(end, n)
	if end < begin {
		return 0, 0
	}
	return begin - 1, end
}

// runeSpan returns the byte range of characters from..to (1-based, inclusive,
// within the string) of s.
func runeSpan(s string, from, to int64) (int, int) {
	b, e, k := len(s), len(s), int64(0)
	for i := range s {
		k++
		if k == from {
			b = i
		}
		if k == to+1 {
			e = i
			break
		}
	}
	return b, e
}

// buildListSlice is l[a:b] (list_slice, array_slice): elements a to b, both
// included; on a string characters a to b. An omitted bound in brackets is
// the start or the end.
func buildListSlice(_ *compiler, _ *node, args []compiled) expr {
	a, b, c := args[0].fn, args[1].fn, args[2].fn
	return func(st *State, rec *fastjson.Value) Value {
		v := a(st, rec)
		lo, hi := st.integer(b(st, rec)), st.integer(c(st, rec))
		if v.Type == Null || lo.Type == Null || hi.Type == Null {
			return Value{}
		}
		if list, ok := array(v); ok {
			from, to := sliceBounds(lo.I, hi.I, int64(len(list)))
			out := st.newList()
			for i := from; i < to; i++ {
				out.SetArrayItem(int(i-from), list[i])
			}
			return listValue(out)
		}
		if v.Type == JSON {
			return Value{}
		}
		s := st.text(v)
		from, to := sliceBounds(lo.I, hi.I, int64(utf8.RuneCountInString(s)))
		if from == to {
			return Value{Type: Varchar}
		}
		i, j := runeSpan(s, from+1, to)
		return Value{Type: Varchar, S: s[i:j]}
	}
}

// indexZero is the message for a constant [0].
func indexZero(what string) string {
	return "list indexes start at 1, as in DuckDB: " + what + "[1] is the first element (" + what + "[0], always NULL in DuckDB, is refused: datatap used to count from 0)"
}
