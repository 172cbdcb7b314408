package transform

import (
	"github.com/valyala/fastjson"
)

// listFunctions read JSON arrays of the record as DuckDB's list functions
// read lists. Their positions are 1-based, as DuckDB's are; a path index
// (tags[0]) stays 0-based, as in JSONPath (see the README).
func listFunctions() map[string]function {
	return map[string]function{
		"len":             {1, 1, Int64, false, buildLength},
		"array_length":    {1, 1, Int64, false, buildLength},
		"list_contains":   {2, 2, Boolean, false, buildListPosition(true)},
		"array_contains":  {2, 2, Boolean, false, buildListPosition(true)},
		"list_has":        {2, 2, Boolean, false, buildListPosition(true)},
		"list_position":   {2, 2, Int32, false, buildListPosition(false)},
		"list_indexof":    {2, 2, Int32, false, buildListPosition(false)},
		"array_position":  {2, 2, Int32, false, buildListPosition(false)},
		"list_extract":    {2, 2, Null, false, buildListExtract},
		"list_element":    {2, 2, Null, false, buildListExtract},
		"array_extract":   {2, 2, Null, false, buildListExtract},
		"array_to_string": {2, 2, Varchar, false, buildArrayToString},
	}
}

// array returns the elements of v when it is a JSON array of the record.
func array(v Value) ([]*fastjson.Value, bool) {
	if v.Type != JSON || v.J == nil || v.J.Type() != fastjson.TypeArray {
		return nil, false
	}
	return v.J.GetArray(), true
}

// buildListPosition is list_position(list, x) (1-based, NULL when absent;
// NULL finds a NULL element) and list_contains(list, x) (NULL for a NULL x).
func buildListPosition(contains bool) func(*compiler, *node, []compiled) expr {
	return func(_ *compiler, _ *node, args []compiled) expr {
		a, b := args[0].fn, args[1].fn
		return func(st *State, rec *fastjson.Value) Value {
			list, ok := array(a(st, rec))
			if !ok {
				return Value{}
			}
			x := b(st, rec)
			if x.Type == Null && contains {
				return Value{}
			}
			for i, e := range list {
				v := st.fromJSON(e)
				d, ok := st.compare(v, x)
				if ok && d == 0 || x.Type == Null && v.Type == Null {
					if contains {
						return boolValue(true)
					}
					return Value{Type: Int32, I: int64(i + 1)}
				}
			}
			if contains {
				return boolValue(false)
			}
			return Value{}
		}
	}
}

// buildListExtract is list_extract(list, i): element i from 1, negative from
// the end; NULL outside the list.
func buildListExtract(_ *compiler, _ *node, args []compiled) expr {
	a, b := args[0].fn, args[1].fn
	return func(st *State, rec *fastjson.Value) Value {
		list, ok := array(a(st, rec))
		i := st.integer(b(st, rec))
		if !ok || i.Type == Null {
			return Value{}
		}
		n := int64(len(list))
		switch {
		case i.I > 0 && i.I <= n:
			return st.fromJSON(list[i.I-1])
		case i.I < 0 && -i.I <= n:
			return st.fromJSON(list[n+i.I])
		}
		return Value{}
	}
}

// buildArrayToString joins the elements as text with sep, skipping NULLs.
func buildArrayToString(_ *compiler, _ *node, args []compiled) expr {
	a, b := args[0].fn, args[1].fn
	return func(st *State, rec *fastjson.Value) Value {
		list, ok := array(a(st, rec))
		sv := b(st, rec)
		if !ok || sv.Type == Null {
			return Value{}
		}
		sep := st.text(sv)
		start, first := len(st.arena), true
		for _, e := range list {
			mark := len(st.arena)
			v := st.fromJSON(e) // a rounded number keeps its text in the arena
			if v.Type == Null {
				continue
			}
			s := sep
			if first {
				s = ""
			}
			first = false
			st.appendAt(mark, s, v)
		}
		return Value{Type: Varchar, S: b2s(st.arena[start:])}
	}
}
