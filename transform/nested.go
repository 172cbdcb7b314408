package transform

import (
	"strconv"
	"strings"
	"sync"

	"github.com/valyala/fastjson"
)

// Nested types.
//
// STRUCT(a INTEGER, b VARCHAR) and LIST types (VARCHAR[], INTEGER[][],
// STRUCT(x DOUBLE)[]) are column types: a cast to one, or a column declared
// so, produces a JSON value shaped to fit the type (an object with exactly
// the struct's fields, in order, each cast; an array whose elements are
// cast), and the Parquet writer stores it as a group (STRUCT) or a LIST.
// A Value's Type is never a nested type: the values are JSON.
//
// A nested Type is an index into a table of the nested types seen so far in
// the process, interned by their DuckDB spelling, so that Types stay
// comparable with == and usable as map keys. The table only grows: it is
// capped at maxNested entries (a statement holds a few; inference that would
// pass the cap keeps JSON instead, see NestedOf).

// nestedBase is the first nested Type; the scalar types are below it.
const nestedBase Type = 0x400

// maxNested bounds the table of nested types.
const maxNested = 1 << 14

// Field is one field of a STRUCT type.
type StructField struct {
	Name string
	Type Type
}

// nestedType describes one nested Type.
type nestedType struct {
	name   string        // DuckDB spelling, e.g. STRUCT("a" INTEGER, b VARCHAR[])
	elem   Type          // LIST: the element type; Null for a STRUCT
	fields []StructField // STRUCT: the fields, in order
}

var nested struct {
	sync.RWMutex
	types []nestedType
	index map[string]Type
}

func nestedInfo(t Type) *nestedType {
	if t < nestedBase {
		return nil
	}
	nested.RLock()
	defer nested.RUnlock()
	if i := int(t - nestedBase); i < len(nested.types) {
		return &nested.types[i]
	}
	return nil
}

func intern(n nestedType) (Type, bool) {
	nested.Lock()
	defer nested.Unlock()
	if t, ok := nested.index[n.name]; ok {
		return t, true
	}
	if len(nested.types) >= maxNested {
		return Null, false
	}
	if nested.index == nil {
		nested.index = map[string]Type{}
	}
	t := nestedBase + Type(len(nested.types))
	nested.types = append(nested.types, n)
	nested.index[n.name] = t
	return t, true
}

// ListOf returns the type LIST of elem (DuckDB: elem[]). ok is false when
// elem is Null or the table of nested types is full.
func ListOf(elem Type) (Type, bool) {
	if elem == Null {
		return Null, false
	}
	return intern(nestedType{name: elem.String() + "[]", elem: elem})
}

// StructOf returns the type STRUCT of fields, in that order. ok is false
// when there is no field, a field name is empty or repeated, a field type is
// Null, or the table of nested types is full.
func StructOf(fields []StructField) (Type, bool) {
	if len(fields) == 0 {
		return Null, false
	}
	var sb strings.Builder
	sb.WriteString("STRUCT(")
	seen := make(map[string]bool, len(fields))
	for i, f := range fields {
		if f.Name == "" || seen[f.Name] || f.Type == Null {
			return Null, false
		}
		seen[f.Name] = true
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(fieldName(f.Name))
		sb.WriteByte(' ')
		sb.WriteString(f.Type.String())
	}
	sb.WriteByte(')')
	return intern(nestedType{name: sb.String(), fields: append([]StructField(nil), fields...)})
}

// fieldName spells a struct field name as DuckDB reads it back: bare when
// it is a plain identifier, else double-quoted.
func fieldName(name string) string {
	plain := name != ""
	for i := 0; i < len(name) && plain; i++ {
		c := name[i]
		plain = c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9'
	}
	if plain && !reserved[strings.ToUpper(name)] {
		return name
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// PlainName reports whether a struct field name is written bare in a type
// name (an identifier that is not a keyword), rather than double-quoted.
func PlainName(name string) bool { return fieldName(name) == name }

// IsNested reports whether t is a STRUCT or LIST type.
func (t Type) IsNested() bool { return nestedInfo(t) != nil }

// Elem returns the element type of a LIST type; ok is false for other types.
func (t Type) Elem() (Type, bool) {
	if n := nestedInfo(t); n != nil && n.elem != Null {
		return n.elem, true
	}
	return Null, false
}

// Fields returns the fields of a STRUCT type (nil for other types). Do not
// modify it.
func (t Type) Fields() []StructField {
	if n := nestedInfo(t); n != nil {
		return n.fields
	}
	return nil
}

// parseNestedType reads a type name that may be nested: a scalar type name,
// STRUCT(name type, …) (names bare or double-quoted), each optionally
// followed by one or more []. It returns the type and the rest of s.
func parseNestedType(s string) (Type, string, bool) {
	s = strings.TrimLeft(s, " \t\r\n")
	var t Type
	var ok bool
	if len(s) >= 6 && strings.EqualFold(s[:6], "STRUCT") && strings.HasPrefix(strings.TrimLeft(s[6:], " \t\r\n"), "(") {
		s = strings.TrimLeft(s[6:], " \t\r\n")[1:]
		var fields []StructField
		for {
			var name string
			name, s, ok = parseFieldName(s)
			if !ok {
				return Null, s, false
			}
			var ft Type
			ft, s, ok = parseNestedType(s)
			if !ok {
				return Null, s, false
			}
			fields = append(fields, StructField{Name: name, Type: ft})
			s = strings.TrimLeft(s, " \t\r\n")
			if strings.HasPrefix(s, ",") {
				s = s[1:]
				continue
			}
			if !strings.HasPrefix(s, ")") {
				return Null, s, false
			}
			s = s[1:]
			break
		}
		if t, ok = StructOf(fields); !ok {
			return Null, s, false
		}
	} else {
		i := 0
		for i < len(s) && (s[i] == '_' || s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || i > 0 && s[i] >= '0' && s[i] <= '9') {
			i++
		}
		if d, rest, _, isDec := parseDecimalType(s); isDec {
			t, s = d, rest
		} else if t, ok = typeAliases[strings.ToUpper(s[:i])]; !ok {
			return Null, s, false
		} else {
			s = s[i:]
		}
	}
	for {
		rest := strings.TrimLeft(s, " \t\r\n")
		if !strings.HasPrefix(rest, "[") {
			return t, s, true
		}
		rest = strings.TrimLeft(rest[1:], " \t\r\n")
		if !strings.HasPrefix(rest, "]") {
			return Null, rest, false
		}
		if t, ok = ListOf(t); !ok {
			return Null, rest, false
		}
		s = rest[1:]
	}
}

func parseFieldName(s string) (string, string, bool) {
	s = strings.TrimLeft(s, " \t\r\n")
	if strings.HasPrefix(s, `"`) {
		var sb strings.Builder
		for i := 1; i < len(s); i++ {
			if s[i] == '"' {
				if i+1 < len(s) && s[i+1] == '"' {
					sb.WriteByte('"')
					i++
					continue
				}
				return sb.String(), s[i+1:], sb.Len() > 0
			}
			sb.WriteByte(s[i])
		}
		return "", s, false
	}
	i := 0
	for i < len(s) && (s[i] == '_' || s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || i > 0 && s[i] >= '0' && s[i] <= '9') {
		i++
	}
	return s[:i], s[i:], i > 0
}

// castNested converts v to the nested type t: a JSON object or array, or
// VARCHAR holding one as text, becomes the JSON text of a value of the
// type's shape. Struct fields are matched by name (exactly, else ignoring
// case, as DuckDB does); missing fields and elements that do not convert
// are null, and count as cast failures. ok is false when v is not JSON of
// the right kind.
func (st *State) castNested(v Value, t Type) (Value, bool) {
	var j *fastjson.Value
	switch v.Type {
	case JSON:
		j = v.J
		if j == nil {
			var p fastjson.Parser
			var err error
			if j, err = p.Parse(v.S); err != nil {
				return Value{}, false
			}
		}
	case Varchar:
		var p fastjson.Parser
		var err error
		if j, err = p.Parse(v.S); err != nil {
			return Value{}, false
		}
	default:
		return Value{}, false
	}
	// Shaped in a buffer of its own: casting the leaves writes to the arena.
	out, ok := st.appendShaped(st.shaped[:0], j, t)
	st.shaped = out
	if !ok {
		return Value{}, false
	}
	start := len(st.arena)
	st.arena = append(st.arena, out...)
	return Value{Type: JSON, S: b2s(st.arena[start:])}, true
}

// appendShaped appends j cast to t as JSON; ok is false when j is of another
// kind than t (an object for a STRUCT, an array for a LIST).
func (st *State) appendShaped(dst []byte, j *fastjson.Value, t Type) ([]byte, bool) {
	n := nestedInfo(t)
	if n == nil {
		if j.Type() == fastjson.TypeNull {
			return append(dst, "null"...), true
		}
		var sv Value
		if j.Type() == fastjson.TypeObject || j.Type() == fastjson.TypeArray {
			sv = Value{Type: JSON, J: j}
		} else {
			sv = st.fromJSON(j)
		}
		if t == JSON {
			return sv.AppendText(dst), true
		}
		return st.cast(sv, t).AppendJSON(dst), true
	}
	if n.elem != Null {
		arr, err := j.Array()
		if err != nil {
			return dst, false
		}
		dst = append(dst, '[')
		for i, e := range arr {
			if i > 0 {
				dst = append(dst, ',')
			}
			var ok bool
			if dst, ok = st.appendShaped(dst, e, n.elem); !ok {
				st.CastFailures++
				dst = append(dst, "null"...)
			}
		}
		return append(dst, ']'), true
	}
	obj, err := j.Object()
	if err != nil {
		return dst, false
	}
	dst = append(dst, '{')
	for i, f := range n.fields {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendJSONString(dst, f.Name)
		dst = append(dst, ':')
		fv := obj.Get(f.Name)
		if fv == nil {
			obj.Visit(func(key []byte, v *fastjson.Value) {
				if fv == nil && strings.EqualFold(b2s(key), f.Name) {
					fv = v
				}
			})
		}
		if fv == nil {
			dst = append(dst, "null"...)
			continue
		}
		var ok bool
		if dst, ok = st.appendShaped(dst, fv, f.Type); !ok {
			st.CastFailures++
			dst = append(dst, "null"...)
		}
	}
	return append(dst, '}'), true
}

// nestedString is Type.String for nested types.
func nestedString(t Type) (string, bool) {
	if n := nestedInfo(t); n != nil {
		return n.name, true
	}
	return "Type(" + strconv.Itoa(int(t)) + ")", false
}
