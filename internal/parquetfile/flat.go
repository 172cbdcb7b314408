package parquetfile

import (
	"github.com/parquet-go/parquet-go"

	"github.com/datatap/datatap/transform"
)

// Flat objects.
//
// Most nested values in logs are small objects of strings and integers
// ({"id":42,"name":"ann"}), and parsing them with fastjson to walk the tree
// costs more than writing their leaves. A STRUCT column whose fields are
// all scalars takes its values' JSON text in the plainest form without a
// parse: an object with no whitespace, each key once and a field of the
// STRUCT, each value null, a string without escapes or control characters
// (in a VARCHAR field), or an integer of at most 18 digits (in an INT64 or
// VARCHAR field). Anything else, valid JSON or not, takes the general path
// (setNested), so the leaves written are the same either way
// (TestFlatMatchesParsed, FuzzFlatMatchesParsed).

// maxFlatFields bounds the STRUCTs that take the flat path: a key is looked
// up among the fields by a scan from the field after the last one found.
const maxFlatFields = 64

// flatShape is what the flat path needs of a STRUCT of scalars.
type flatShape struct {
	names []string
	types []transform.Type
	leaf  []int    // each field's leaf
	seen  []uint32 // each field's last row, as w.flatRow: a key given twice
}

// compileFlat returns the flat form of s, or nil if it has none.
func compileFlat(s *shape) *flatShape {
	if s == nil || len(s.fields) == 0 || len(s.fields) > maxFlatFields {
		return nil
	}
	f := &flatShape{names: s.names, seen: make([]uint32, len(s.fields))}
	for _, fs := range s.fields {
		if fs.fields != nil || fs.elem != nil {
			return nil
		}
		f.types = append(f.types, fs.typ)
		f.leaf = append(f.leaf, fs.leaf)
	}
	return f
}

// FitsFlat reports whether text, a value for column i, is the JSON text of
// an object that Write stores without parsing it (see the top of this
// file). Such a value fits the column's STRUCT strictly: no field it lacks,
// every value of its field's type.
func (w *Writer) FitsFlat(i int, text string) bool {
	if i < 0 || i >= len(w.flats) || w.flats[i] == nil {
		return false
	}
	return w.flat(w.flats[i], text, false)
}

// flat scans text as a flat object of f and, if write, appends its leaves
// to the batch. It reports false, having written nothing, when text is not
// in the flat form.
func (w *Writer) flat(f *flatShape, text string, write bool) bool {
	w.flatRow++
	if w.flatRow == 0 { // wrapped: forget the old rows
		clear(f.seen)
		w.flatRow = 1
	}
	row := w.flatRow
	arena := len(w.arena)
	undo := func() bool { // Write set the marks when the row began
		if write {
			for _, l := range f.leaf {
				w.batch[l] = w.batch[l][:w.marks[l]]
			}
			w.arena = w.arena[:arena]
		}
		return false
	}
	s := text
	if len(s) < 2 || s[0] != '{' {
		return false
	}
	s = s[1:]
	next := 0 // the field after the last one found
	if s[0] == '}' {
		s = s[1:]
	} else {
		for {
			key, rest, ok := flatString(s)
			if !ok || len(rest) == 0 || rest[0] != ':' {
				return undo()
			}
			s = rest[1:]
			k := -1
			for n := range f.names {
				if c := (next + n) % len(f.names); f.names[c] == key {
					k = c
					break
				}
			}
			if k < 0 || f.seen[k] == row {
				return undo() // a field the STRUCT lacks, or a key twice
			}
			f.seen[k], next = row, k+1
			if len(s) == 0 {
				return undo()
			}
			var pv parquet.Value
			def := 2 // the STRUCT's and the field's
			switch t, c := f.types[k], s[0]; {
			case c == '"':
				var v string
				if v, s, ok = flatString(s); !ok || t != transform.Varchar {
					return undo()
				}
				if write {
					pv = w.bytes(v)
				}
			case c == 'n':
				if len(s) < 4 || s[:4] != "null" {
					return undo()
				}
				s, def = s[4:], 1
			default:
				var num string
				var i int64
				if num, i, s, ok = flatInt(s); !ok {
					return undo()
				}
				switch t {
				case transform.Int64:
					pv = parquet.Int64Value(i)
				case transform.Varchar:
					if write {
						pv = w.bytes(num)
					}
				default:
					return undo()
				}
			}
			if write {
				w.batch[f.leaf[k]] = append(w.batch[f.leaf[k]], pv.Level(0, def, f.leaf[k]))
			}
			if len(s) == 0 {
				return undo()
			}
			if s[0] == '}' {
				s = s[1:]
				break
			}
			if s[0] != ',' {
				return undo()
			}
			s = s[1:]
		}
	}
	if len(s) != 0 {
		return undo()
	}
	if write {
		for k, l := range f.leaf {
			if f.seen[k] != row {
				w.batch[l] = append(w.batch[l], parquet.Value{}.Level(0, 1, l))
			}
		}
		w.nestedValues += len(f.leaf)
	}
	return true
}

// flatString reads a JSON string with no escapes and no control
// characters at the start of s: its contents and the rest of s.
func flatString(s string) (v, rest string, ok bool) {
	if len(s) == 0 || s[0] != '"' {
		return "", s, false
	}
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			return s[1:i], s[i+1:], true
		case c == '\\' || c < 0x20:
			return "", s, false
		}
	}
	return "", s, false
}

// flatInt reads a JSON integer of at most 18 digits at the start of s:
// its text, its value and the rest of s. A number with a fraction or an
// exponent is not one.
func flatInt(s string) (text string, v int64, rest string, ok bool) {
	i := 0
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		i++
	}
	start := i
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		v = v*10 + int64(s[i]-'0')
	}
	digits := i - start
	if digits == 0 || digits > 18 || digits > 1 && s[start] == '0' {
		return "", 0, s, false
	}
	if i < len(s) && (s[i] == '.' || s[i] == 'e' || s[i] == 'E') {
		return "", 0, s, false
	}
	if neg {
		v = -v
	}
	return s[:i], v, s[i:], true
}
