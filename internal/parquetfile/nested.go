package parquetfile

import (
	"fmt"
	"strconv"
	"strings"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"
	"github.com/parquet-go/parquet-go/format"
	"github.com/valyala/fastjson"

	"github.com/datatap/datatap/transform"
)

// Nested columns.
//
// A STRUCT column is an OPTIONAL group of its fields, in order; a LIST
// column is the standard three-level LIST (OPTIONAL group (LIST) { REPEATED
// group list { OPTIONAL element } }), which DuckDB, Arrow, Spark and Athena
// read as a list. Every field and element is OPTIONAL. The values given for
// a nested column are JSON (transform.JSON, parsed or as text) of the
// column's shape (as transform's casts to nested types make them); the
// Writer shreds them into the leaves' values with repetition and definition
// levels (Dremel). A value that does not fit the shape (an array where the
// struct wants an object, text in an INTEGER field) is a RowError.

// shape is the compiled form of a column type: how its values become leaf
// values.
type shape struct {
	typ    transform.Type
	leaf   int      // scalar: the leaf's index among the file's leaves
	lo, hi int      // the leaves under this shape
	rep    int      // LIST: the repetition level of its elements
	fields []*shape // STRUCT
	names  []string // STRUCT: field names
	elem   *shape   // LIST
}

// leafColumn is one leaf of the file: a flat column, or a scalar inside a
// nested one.
type leafColumn struct {
	Column          // Name is the leaf's dotted path, for messages
	path   []string // the path in the schema, for SkipPageStatistics
}

// compileShape appends the leaves of a column of type t at path to leaves
// and returns its shape. rep is the repetition level of the column's
// enclosing lists.
func compileShape(t transform.Type, path []string, rep int, leaves *[]leafColumn) (*shape, error) {
	s := &shape{typ: t, lo: len(*leaves)}
	switch {
	case len(t.Fields()) > 0:
		for _, f := range t.Fields() {
			fs, err := compileShape(f.Type, append(path[:len(path):len(path)], f.Name), rep, leaves)
			if err != nil {
				return nil, err
			}
			s.fields = append(s.fields, fs)
			s.names = append(s.names, f.Name)
		}
	case t.IsNested():
		elem, _ := t.Elem()
		s.rep = rep + 1
		es, err := compileShape(elem, append(path[:len(path):len(path)], "list", "element"), rep+1, leaves)
		if err != nil {
			return nil, err
		}
		s.elem = es
	default:
		if _, err := leafFor(t); err != nil {
			return nil, err
		}
		s.leaf = len(*leaves)
		name := path[0]
		for _, p := range path[1:] {
			if p != "list" && p != "element" {
				name += "." + p
			}
		}
		*leaves = append(*leaves, leafColumn{Column: Column{Name: name, Type: t}, path: path})
	}
	s.hi = len(*leaves)
	return s, nil
}

// node returns the schema node of the shape (OPTIONAL), its leaves encoded
// with encs.
func (s *shape) node(encs []encoding.Encoding) parquet.Node {
	switch {
	case s.fields != nil:
		fields := make([]parquet.Field, len(s.fields))
		for i, f := range s.fields {
			fields[i] = field{Node: f.node(encs), name: s.names[i]}
		}
		return parquet.Optional(orderedGroup{fields: fields})
	case s.elem != nil:
		return parquet.Optional(parquet.List(s.elem.node(encs)))
	}
	leaf, _ := leafFor(s.typ)
	return parquet.Optional(parquet.Encoded(leaf, encs[s.leaf]))
}

// nulls appends a null value at definition level def to every leaf of s.
func (w *Writer) nulls(s *shape, def, rep int) {
	for l := s.lo; l < s.hi; l++ {
		w.batch[l] = append(w.batch[l], parquet.Value{}.Level(rep, def, l))
	}
	w.nestedValues += s.hi - s.lo
}

// shred appends the leaf values of j (nil: missing) for the shape s whose
// parent is defined at level def.
func (w *Writer) shred(s *shape, j *fastjson.Value, def, rep int) error {
	if j == nil || j.Type() == fastjson.TypeNull {
		w.nulls(s, def, rep)
		return nil
	}
	switch {
	case s.fields != nil:
		obj, err := j.Object()
		if err != nil {
			return fmt.Errorf("%s where a STRUCT is wanted", j.Type())
		}
		for i, f := range s.fields {
			if err := w.shred(f, obj.Get(s.names[i]), def+1, rep); err != nil {
				return err
			}
		}
		return nil
	case s.elem != nil:
		arr, err := j.Array()
		if err != nil {
			return fmt.Errorf("%s where a LIST is wanted", j.Type())
		}
		if len(arr) == 0 { // the list is defined, its repeated group is not
			w.nulls(s, def+1, rep)
			return nil
		}
		for k, e := range arr {
			r := rep
			if k > 0 {
				r = s.rep
			}
			if err := w.shred(s.elem, e, def+2, r); err != nil {
				return err
			}
		}
		return nil
	}
	var pv parquet.Value
	switch jt := j.Type(); {
	case jt == fastjson.TypeString && s.typ == transform.Varchar:
		// The commonest leaves, stored as leafValue and setLeaf would
		// without their calls and without copying the string twice.
		b, _ := j.StringBytes()
		pv = w.bytes(unsafe.String(unsafe.SliceData(b), len(b)))
	case jt == fastjson.TypeNumber && s.typ == transform.Int64:
		if i, err := j.Int64(); err == nil {
			pv = parquet.Int64Value(i)
			break
		}
		fallthrough
	default:
		v, err := w.leafValue(s.typ, j)
		if err != nil {
			return err
		}
		lc := &w.leaves[s.leaf]
		if err := w.setLeaf(&pv, &lc.Column, &v); err != nil {
			return err
		}
	}
	w.batch[s.leaf] = append(w.batch[s.leaf], pv.Level(rep, def+1, s.leaf))
	w.nestedValues++
	return nil
}

// leafValue converts a JSON scalar to a value of type t: VARCHAR takes the
// text of any value, JSON any value, the others what a cast takes (TRY
// semantics: what does not convert is an error, not a NULL).
func (w *Writer) leafValue(t transform.Type, j *fastjson.Value) (transform.Value, error) {
	var v transform.Value
	switch j.Type() {
	case fastjson.TypeString:
		b, _ := j.StringBytes()
		v = transform.Value{Type: transform.Varchar, S: string(b)}
	case fastjson.TypeTrue:
		v = transform.Value{Type: transform.Boolean, I: 1}
	case fastjson.TypeFalse:
		v = transform.Value{Type: transform.Boolean}
	case fastjson.TypeNumber:
		if i, err := j.Int64(); err == nil {
			v = transform.Value{Type: transform.Int64, I: i}
		} else {
			v = transform.Value{Type: transform.Double, F: j.GetFloat64()}
			if _, _, dec := t.Decimal(); dec || t == transform.UBigInt {
				v.S = string(j.MarshalTo(nil)) // the exact text: 18446744073709551615, 18 digits
			}
		}
	default:
		v = transform.Value{Type: transform.JSON, J: j}
	}
	switch {
	case t == transform.JSON:
		return transform.Value{Type: transform.JSON, J: j}, nil
	case t == transform.Varchar && v.Type != transform.Varchar:
		return transform.Value{Type: transform.Varchar, S: string(j.MarshalTo(nil))}, nil
	case v.Type == t:
		return v, nil
	case v.Type == transform.JSON:
		return v, fmt.Errorf("%s where %s is wanted", j.Type(), t)
	}
	w.cast.ClearScratch()
	r := w.cast.Cast(v, t)
	if r.IsNull() {
		return r, fmt.Errorf("%s does not convert to %s", j.MarshalTo(nil), t)
	}
	return r, nil
}

// setNested stores the value of the nested column i, which has shape s.
func (w *Writer) setNested(i int, s *shape, v *transform.Value) error {
	col := &w.cols[i]
	var j *fastjson.Value
	switch v.Type {
	case transform.Null:
	case transform.JSON:
		j = v.J
		if j == nil && i < len(w.flats) && w.flats[i] != nil && w.writeFlat(w.flats[i], v.S) {
			return nil
		}
		if j == nil {
			var err error
			if j, err = w.parser.Parse(v.S); err != nil {
				return fmt.Errorf("column %q: invalid JSON text: %w", col.Name, err)
			}
		}
	default:
		return fmt.Errorf("column %q: %s value in a %s column", col.Name, v.Type, col.Type)
	}
	if err := w.shred(s, j, 0, 0); err != nil {
		return fmt.Errorf("column %q: %w", col.Name, err)
	}
	return nil
}

// readShape is how a nested column of a file is read back as JSON: the
// groups and three-level LISTs the Writer writes (every node OPTIONAL).
type readShape struct {
	leaf   int // scalar: the leaf's column index in the file
	col    ReadColumn
	lo, hi int // the leaves under it
	rep    int // LIST: its elements' repetition level
	fields []*readShape
	names  []string
	elem   *readShape
	list   bool
}

// readShapeOf compiles the field fd, whose first leaf is column *leaf.
func readShapeOf(fd parquet.Field, leaf *int, rep int) (*readShape, error) {
	s := &readShape{lo: *leaf}
	if fd.Repeated() || fd.Required() && !fd.Leaf() {
		return nil, fmt.Errorf("%q: only OPTIONAL groups and LISTs can be read back", fd.Name())
	}
	switch {
	case fd.Leaf():
		c, err := readColumn(fd)
		if err != nil {
			return nil, err
		}
		s.leaf, s.col = *leaf, c
		*leaf++
	case isList(fd):
		inner := fd.Fields()[0].Fields()[0]
		s.list, s.rep = true, rep+1
		e, err := readShapeOf(inner, leaf, rep+1)
		if err != nil {
			return nil, err
		}
		s.elem = e
	default:
		for _, f := range fd.Fields() {
			fs, err := readShapeOf(f, leaf, rep)
			if err != nil {
				return nil, err
			}
			s.fields = append(s.fields, fs)
			s.names = append(s.names, f.Name())
		}
	}
	s.hi = *leaf
	return s, nil
}

// isList reports whether fd is a three-level LIST with one element.
func isList(fd parquet.Field) bool {
	lt := fd.Type().LogicalType()
	if lt == nil || len(fd.Fields()) != 1 {
		return false
	}
	if _, ok := lt.Value.(*format.ListType); !ok {
		return false
	}
	mid := fd.Fields()[0]
	return mid.Repeated() && !mid.Leaf() && len(mid.Fields()) == 1
}

// typeName is the DuckDB name of the shape's type.
func (s *readShape) typeName() string {
	switch {
	case s.list:
		return s.elem.typeName() + "[]"
	case s.fields != nil:
		var sb strings.Builder
		sb.WriteString("STRUCT(")
		for i, f := range s.fields {
			if i > 0 {
				sb.WriteString(", ")
			}
			if transform.PlainName(s.names[i]) {
				sb.WriteString(s.names[i])
			} else {
				sb.WriteString(strconv.Quote(s.names[i]))
			}
			sb.WriteString(" " + f.typeName())
		}
		sb.WriteString(")")
		return sb.String()
	}
	return s.col.Type
}

// assembler rebuilds the JSON of nested columns from a row's leaf values.
type assembler struct {
	vals [][]parquet.Value // per leaf column, this row's values
	pos  []int             // per leaf column, the next value
}

func (a *assembler) peek(l int) (parquet.Value, bool) {
	if a.pos[l] < len(a.vals[l]) {
		return a.vals[l][a.pos[l]], true
	}
	return parquet.Value{}, false
}

func (a *assembler) skip(s *readShape) {
	for l := s.lo; l < s.hi; l++ {
		a.pos[l]++
	}
}

// appendJSON appends the value of s whose parent is defined at level def.
func (a *assembler) appendJSON(dst []byte, s *readShape, def int) []byte {
	v, _ := a.peek(s.lo)
	if v.DefinitionLevel() <= def {
		a.skip(s)
		return append(dst, "null"...)
	}
	switch {
	case s.list:
		if v.DefinitionLevel() == def+1 {
			a.skip(s)
			return append(dst, "[]"...)
		}
		dst = append(dst, '[')
		for k := 0; ; k++ {
			if k > 0 {
				dst = append(dst, ',')
			}
			dst = a.appendJSON(dst, s.elem, def+2)
			next, ok := a.peek(s.lo)
			if !ok || next.RepetitionLevel() < s.rep {
				break
			}
		}
		return append(dst, ']')
	case s.fields != nil:
		dst = append(dst, '{')
		for i, f := range s.fields {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = transform.AppendJSONString(dst, s.names[i])
			dst = append(dst, ':')
			dst = a.appendJSON(dst, f, def+1)
		}
		return append(dst, '}')
	}
	a.pos[s.leaf]++
	return s.col.AppendJSON(dst, v)
}
