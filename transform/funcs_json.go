package transform

import (
	"strconv"
	"strings"
	"unsafe"

	"github.com/valyala/fastjson"
)

// jsonFunctions read the objects and arrays of the record as DuckDB's JSON
// functions read JSON: j->path and json_extract give JSON, j->>path and
// json_extract_string text. A path is a constant: a key ('name'), a
// 0-based array index (0, -1 from the end), or a JSONPath ('$.user.tags[0]',
// '$."odd key"', '$.tags[#-1]'). A string holding JSON text is parsed, as
// DuckDB does (see State.jsonArg); one that is not JSON gives NULL.
func jsonFunctions() map[string]function {
	return map[string]function{
		"json_extract":           {2, 2, JSON, false, buildJSONExtract(false)},
		"json_extract_path":      {2, 2, JSON, false, buildJSONExtract(false)},
		"json_extract_string":    {2, 2, Varchar, false, buildJSONExtract(true)},
		"json_extract_path_text": {2, 2, Varchar, false, buildJSONExtract(true)},
		"json_array_length":      {1, 2, Int64, false, buildJSONArrayLength},
		"json_type":              {1, 2, Varchar, false, buildJSONType},
		"json_exists":            {2, 2, Boolean, false, buildJSONExists},
		"json_valid":             {1, 1, Boolean, false, buildJSONValid},
	}
}

// jsonPath compiles the constant path argument args[i].
func (c *compiler) jsonPath(fn string, n *node, args []compiled, i int) []step {
	a := args[i]
	if a.konst && isInteger(a.val.Type) {
		return []step{{index: int(max(min(a.val.I, 1<<30), -1<<30)), isIndex: true}}
	}
	s := c.constString(fn, n, a, "the path")
	if !strings.HasPrefix(s, "$") {
		return []step{{key: s}}
	}
	path, err := parseJSONPath(s[1:])
	if err != "" {
		c.fail(n.args[i].pos, "%s: bad JSON path '%s': %s", fn, s, err)
	}
	return path
}

// parseJSONPath reads the part of a JSONPath after '$': .key, ."key",
// [index] and [#-n].
func parseJSONPath(s string) ([]step, string) {
	path := []step{}
	for s != "" {
		switch s[0] {
		case '.':
			s = s[1:]
			if strings.HasPrefix(s, `"`) {
				end := strings.IndexByte(s[1:], '"')
				if end < 0 {
					return nil, "unterminated quoted key"
				}
				path = append(path, step{key: s[1 : 1+end]})
				s = s[2+end:]
				continue
			}
			end := strings.IndexAny(s, ".[")
			if end < 0 {
				end = len(s)
			}
			if end == 0 || s[:end] == "*" {
				return nil, "expected a key after '.' (no wildcards)"
			}
			path = append(path, step{key: s[:end]})
			s = s[end:]
		case '[':
			end := strings.IndexByte(s, ']')
			if end < 0 {
				return nil, "unterminated ["
			}
			idx := s[1:end]
			fromEnd := strings.HasPrefix(idx, "#-")
			if fromEnd {
				idx = idx[2:]
			}
			i, err := strconv.Atoi(idx)
			if err != nil || i < 0 || i > 1<<30 {
				return nil, "expected [n] or [#-n]"
			}
			if fromEnd {
				i = -i
			}
			path = append(path, step{index: i, isIndex: true})
			s = s[end+1:]
		default:
			return nil, "expected '.' or '['"
		}
	}
	return path, ""
}

// walk follows path from v (nil when a step is missing).
func walk(v *fastjson.Value, path []step) *fastjson.Value {
	for _, s := range path {
		if v = stepInto(v, s); v == nil {
			return nil
		}
	}
	return v
}

// jsonArg is the JSON value v holds: an object or array of the record or a
// made list as it is; JSON text (a VARCHAR holding JSON, a ::JSON cast)
// parsed with one of the State's reused parsers, valid until the next Eval;
// nil for NULL and for text that is not valid JSON (DuckDB fails the query
// there).
func (st *State) jsonArg(v Value) *fastjson.Value {
	switch {
	case v.Type == JSON && v.J != nil:
		return v.J
	case v.Type == JSON || v.Type == Varchar:
		return st.parseText(v.S)
	}
	return nil
}

// parseText parses the JSON text s with the next parser of the State's
// pool (each parse of one Eval needs its own: the values of a parser live
// until its next parse). Like ParseRecord it accepts strict JSON only and
// brings invalid UTF-8 and lone surrogates to U+FFFD.
func (st *State) parseText(s string) *fastjson.Value {
	if fastjson.Validate(s) != nil {
		return nil
	}
	b, raw := s, unsafe.Slice(unsafe.StringData(s), len(s)) // read only
	if needsRepair(raw) {
		start := len(st.arena)
		st.arena = repairLine(st.arena, raw)
		b = b2s(st.arena[start:])
	}
	if st.parsed == len(st.parsers) {
		if len(st.parsers) >= maxTextParses {
			return nil
		}
		st.parsers = append(st.parsers, new(fastjson.Parser))
	}
	j, err := st.parsers[st.parsed].Parse(b)
	st.parsed++
	if err != nil {
		return nil
	}
	return j
}

// maxTextParses bounds the JSON texts one Eval parses (one per JSON
// function on text in the statement, unless a CASE repeats them): each
// keeps a parser and its memory.
const maxTextParses = 64

func buildJSONExtract(text bool) func(*compiler, *node, []compiled) expr {
	return func(c *compiler, n *node, args []compiled) expr {
		path := c.jsonPath(n.name, n, args, 1)
		a := args[0].fn
		return func(st *State, rec *fastjson.Value) Value {
			j := walk(st.jsonArg(a(st, rec)), path)
			switch {
			case j == nil:
				return Value{}
			case !text:
				return Value{Type: JSON, J: j}
			}
			return st.jsonString(j)
		}
	}
}

// jsonString is ->>: a string's text, NULL for null, else the JSON text
// (numbers as sent).
func (st *State) jsonString(j *fastjson.Value) Value {
	switch j.Type() {
	case fastjson.TypeNull:
		return Value{}
	case fastjson.TypeString:
		b, _ := j.StringBytes()
		return Value{Type: Varchar, S: b2s(b)}
	}
	start := len(st.arena)
	st.arena = appendJSONValue(st.arena, j)
	return Value{Type: Varchar, S: b2s(st.arena[start:])}
}

// optionalPath compiles the optional path argument of json_type and
// json_array_length.
func (c *compiler) optionalPath(n *node, args []compiled) []step {
	if len(args) < 2 {
		return nil
	}
	return c.jsonPath(n.name, n, args, 1)
}

// buildJSONArrayLength is the number of elements, 0 for what is not an array.
func buildJSONArrayLength(c *compiler, n *node, args []compiled) expr {
	path := c.optionalPath(n, args)
	a := args[0].fn
	return func(st *State, rec *fastjson.Value) Value {
		j := walk(st.jsonArg(a(st, rec)), path)
		switch {
		case j == nil:
			return Value{}
		case j.Type() == fastjson.TypeArray:
			return Value{Type: Int64, I: int64(len(j.GetArray()))}
		}
		return Value{Type: Int64}
	}
}

// buildJSONType names the JSON type as DuckDB does: OBJECT, ARRAY, VARCHAR,
// UBIGINT, BIGINT, DOUBLE, BOOLEAN, NULL.
func buildJSONType(c *compiler, n *node, args []compiled) expr {
	path := c.optionalPath(n, args)
	a := args[0].fn
	return func(st *State, rec *fastjson.Value) Value {
		j := walk(st.jsonArg(a(st, rec)), path)
		if j == nil {
			return Value{}
		}
		var t string
		switch j.Type() {
		case fastjson.TypeObject:
			t = "OBJECT"
		case fastjson.TypeArray:
			t = "ARRAY"
		case fastjson.TypeString:
			t = "VARCHAR"
		case fastjson.TypeTrue, fastjson.TypeFalse:
			t = "BOOLEAN"
		case fastjson.TypeNull:
			t = "NULL"
		default:
			// As DuckDB's reader types numbers: integer text that UBIGINT
			// holds is UBIGINT, a negative one that BIGINT holds is BIGINT,
			// anything else (fractions, exponents) DOUBLE.
			st.num = j.MarshalTo(st.num[:0])
			switch num := b2s(st.num); {
			case isUint64(num):
				t = "UBIGINT"
			case strings.HasPrefix(num, "-") && parseNumber(num).Type == Int64:
				t = "BIGINT"
			default:
				t = "DOUBLE"
			}
		}
		return Value{Type: Varchar, S: t}
	}
}

// isUint64 reports whether s is an integer in UBIGINT's range.
func isUint64(s string) bool {
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

func buildJSONExists(c *compiler, n *node, args []compiled) expr {
	path := c.jsonPath(n.name, n, args, 1)
	a := args[0].fn
	return func(st *State, rec *fastjson.Value) Value {
		j := st.jsonArg(a(st, rec))
		if j == nil {
			return Value{}
		}
		return boolValue(walk(j, path) != nil)
	}
}

// buildJSONValid tells whether text is valid JSON; a JSON value of the
// record is.
func buildJSONValid(_ *compiler, _ *node, args []compiled) expr {
	a := args[0].fn
	return func(st *State, rec *fastjson.Value) Value {
		v := a(st, rec)
		switch v.Type {
		case Null:
			return v
		case JSON:
			return boolValue(true)
		}
		return boolValue(fastjson.Validate(st.text(v)) == nil)
	}
}
