package transform

import (
	"github.com/valyala/fastjson"
)

// listFunctions read JSON arrays of the record as DuckDB's list functions
// read lists, and the lists the statement makes (lists.go). Their positions
// are 1-based, as DuckDB's are, and so are a path's (tags[1]); only a
// JSONPath ('$.tags[0]') counts from 0, as in DuckDB.
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

// buildListExtract is list_extract(list, i): see State.extract.
func buildListExtract(_ *compiler, _ *node, args []compiled) expr {
	a, b := args[0].fn, args[1].fn
	return func(st *State, rec *fastjson.Value) Value { return st.extract(a(st, rec), b(st, rec)) }
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
