package parquetfile

import (
	"unsafe"

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
// up among the fields by a scan from the field after the last one found,
// and the fields a scan found are the bits of a uint64.
const maxFlatFields = 64

// flatShape is what the flat path needs of a STRUCT of scalars.
type flatShape struct {
	names []string
	types []transform.Type
	leaf  []int // each field's leaf

	// The last scan: its values, the fields it found (bit k: field k), and
	// the text if FitsFlat made it, kept for the Write of the same row
	// (keptRow) and text that follows.
	vals    []flatValue
	seen    uint64
	kept    string
	keptRow int64
}

// flatValue is one field's value in a scan.
type flatValue struct {
	leaf int
	def  int    // 1: null, 2: a value
	str  string // a string, or an integer's text for a VARCHAR field
	num  int64  // an integer for an INT64 field
	text bool   // str holds the value
}

// compileFlat returns the flat form of s, or nil if it has none.
func compileFlat(s *shape) *flatShape {
	if s == nil || len(s.fields) == 0 || len(s.fields) > maxFlatFields {
		return nil
	}
	f := &flatShape{names: s.names}
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
// every value of its field's type. The scan is kept for the next Write, if
// text is column i's value in it.
func (w *Writer) FitsFlat(i int, text string) bool {
	if i < 0 || i >= len(w.flats) || w.flats[i] == nil {
		return false
	}
	f := w.flats[i]
	f.kept = ""
	if !f.scan(text) {
		return false
	}
	f.kept, f.keptRow = text, w.rows
	return true
}

// writeFlat appends the leaves of text, a value of the flat column f, to
// the batch. It reports false, having written nothing, when text is not in
// the flat form.
func (w *Writer) writeFlat(f *flatShape, text string) bool {
	kept := len(f.kept) == len(text) && unsafe.StringData(f.kept) == unsafe.StringData(text) && f.keptRow == w.rows
	f.kept = ""
	if !kept && !f.scan(text) {
		return false
	}
	for _, v := range f.vals {
		var pv parquet.Value
		switch {
		case v.def == 1:
		case v.text:
			pv = w.bytes(v.str)
		default:
			pv = parquet.Int64Value(v.num)
		}
		w.batch[v.leaf] = append(w.batch[v.leaf], pv.Level(0, v.def, v.leaf))
	}
	for k, l := range f.leaf {
		if f.seen&(1<<k) == 0 {
			w.batch[l] = append(w.batch[l], parquet.Value{}.Level(0, 1, l))
		}
	}
	w.nestedValues += len(f.leaf)
	return true
}

// scan reads text as a flat object of f, into f.vals and f.seen. It
// reports whether text is in the flat form.
func (f *flatShape) scan(text string) bool {
	f.vals, f.seen = f.vals[:0], 0
	s := text
	if len(s) < 2 || s[0] != '{' {
		return false
	}
	s = s[1:]
	if s[0] == '}' {
		return len(s) == 1
	}
	next := 0 // the field after the last one found
	for {
		key, rest, ok := flatString(s)
		if !ok || len(rest) == 0 || rest[0] != ':' {
			return false
		}
		s = rest[1:]
		k := -1
		for n, c := 0, next; n < len(f.names); n, c = n+1, c+1 {
			if c == len(f.names) {
				c = 0
			}
			if f.names[c] == key {
				k = c
				break
			}
		}
		if k < 0 || f.seen&(1<<k) != 0 || len(s) == 0 {
			return false // a field the STRUCT lacks, or a key twice
		}
		f.seen, next = f.seen|1<<k, k+1
		v := flatValue{leaf: f.leaf[k], def: 2}
		switch t, c := f.types[k], s[0]; {
		case c == '"':
			if v.str, s, ok = flatString(s); !ok || t != transform.Varchar {
				return false
			}
			v.text = true
		case c == 'n':
			if len(s) < 4 || s[:4] != "null" {
				return false
			}
			s, v.def = s[4:], 1
		default:
			if v.str, v.num, s, ok = flatInt(s); !ok || t != transform.Int64 && t != transform.Varchar {
				return false
			}
			v.text = t == transform.Varchar
		}
		f.vals = append(f.vals, v)
		switch {
		case len(s) == 0:
			return false
		case s[0] == '}':
			return len(s) == 1
		case s[0] != ',':
			return false
		}
		s = s[1:]
	}
}

// flatStop marks the bytes that end a flat string: its closing quote, and
// the escapes and control characters that the flat form leaves to the
// parser.
var flatStop = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// flatString reads a JSON string with no escapes and no control
// characters at the start of s: its contents and the rest of s.
func flatString(s string) (v, rest string, ok bool) {
	if len(s) == 0 || s[0] != '"' {
		return "", s, false
	}
	i := 1
	for i < len(s) && !flatStop[s[i]] {
		i++
	}
	if i == len(s) || s[i] != '"' {
		return "", s, false
	}
	return s[1:i], s[i+1:], true
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
