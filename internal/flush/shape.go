package flush

import (
	"github.com/valyala/fastjson"
	"strings"

	"github.com/datatap/datatap/internal/parquetfile"
	"github.com/datatap/datatap/internal/spool"
	"github.com/datatap/datatap/transform"
)

// Native nested types by shape inference (TAP_NESTED=native, the default).
//
// A column with no declared type whose values in the flush are JSON objects
// or arrays (and NULLs) gets a native nested type, inferred from every value
// of the flush, over all its partitions:
//
//   - objects give a STRUCT of the union of their fields, in first-seen
//     order, each field's type inferred the same way;
//   - arrays give a LIST of the type their elements share;
//   - scalars inside take the types the top level gives JSON scalars
//     (strings VARCHAR, integers INT64, other numbers DOUBLE, true and false
//     BOOLEAN) and widen as columns do (transform.Widen: INT64 and DOUBLE to
//     DOUBLE, other mixes to VARCHAR);
//   - NULLs, empty arrays and empty objects say nothing: they fit any shape.
//
// JSON is the fallback at the place where a shape cannot be had, and only
// there: a struct field that is an object in one row and an array or a
// scalar in another is a JSON field of the struct (the struct stays), a
// field NULL in every row is a JSON field; an array whose elements are of
// different kinds (an integer and an object), or that is empty or all NULL
// in every row, is JSON as a whole; a column whose values are JSON scalars
// (json_extract results), or objects in some rows and arrays in others,
// stays a JSON column; so does an object with two field names that differ
// only in case (foldCollide). So does a column the statement declares (::JSON
// keeps one column JSON), and every column with TAP_NESTED=json.
//
// Bounds: a struct of more than maxShapeFields fields, or a place deeper
// than maxShapeDepth, is JSON; the leaves (the scalar columns inside) of
// the nested columns one flush infers are at most Flusher.MaxColumns in
// all (DefaultMaxColumns, 500), first-seen column first, so that a file
// stays within the memory the column cap gives it; a column past them is
// JSON.
//
// The inferred type is what the flush proposes to the table (table.go); a
// column the table already has keeps the table's type. Values are then
// checked against the column's nested type strictly (fitShape): an object
// with a field the STRUCT lacks, or an element that does not fit the
// LIST's type, goes whole to the overflow column, counted. A STRUCT never
// gains fields: that would change the column's Parquet type from one file
// to the next, which Athena and Glue refuse.

const (
	maxShapeFields = 500
	maxShapeDepth  = 16
)

// shapeKind is what a place of a JSON value held, over every value seen.
type shapeKind uint8

const (
	shapeUnknown shapeKind = iota // only NULLs (or nothing)
	shapeScalar
	shapeObject
	shapeArray
	shapeMixed // of different kinds: JSON
)

// shapeNode is the shape inferred so far at one place of a column's values.
type shapeNode struct {
	kind   shapeKind
	scalar transform.Type // shapeScalar: the Widen of the scalars
	names  []string       // shapeObject: fields in first-seen order
	fields []*shapeNode
	index  map[string]int
	elem   *shapeNode // shapeArray
}

// mix makes the node JSON and lets its children go.
func (n *shapeNode) mix() {
	*n = shapeNode{kind: shapeMixed}
}

// to sets the node's kind to k, or mixes it when it already has another.
func (n *shapeNode) to(k shapeKind) bool {
	switch n.kind {
	case k:
		return true
	case shapeUnknown:
		n.kind = k
		return true
	case shapeMixed:
		return false
	}
	n.mix()
	return false
}

// add widens the node with the JSON value j at depth.
func (n *shapeNode) add(j *fastjson.Value, depth int) {
	if j == nil || n.kind == shapeMixed {
		return
	}
	switch j.Type() {
	case fastjson.TypeNull:
		return
	case fastjson.TypeObject:
		if depth >= maxShapeDepth {
			n.mix()
			return
		}
		if !n.to(shapeObject) {
			return
		}
		obj, _ := j.Object()
		obj.Visit(func(key []byte, v *fastjson.Value) {
			if n.kind != shapeObject {
				return // mixed by too many fields
			}
			i, ok := n.index[string(key)]
			if !ok {
				if len(n.names) >= maxShapeFields || len(key) == 0 {
					n.mix()
					return
				}
				if n.index == nil {
					n.index = map[string]int{}
				}
				i = len(n.names)
				n.names = append(n.names, string(key))
				n.fields = append(n.fields, &shapeNode{})
				n.index[string(key)] = i
			}
			n.fields[i].add(v, depth+1)
		})
	case fastjson.TypeArray:
		if depth >= maxShapeDepth {
			n.mix()
			return
		}
		if !n.to(shapeArray) {
			return
		}
		arr, _ := j.Array()
		for _, e := range arr {
			if n.elem == nil {
				n.elem = &shapeNode{}
			}
			n.elem.add(e, depth+1)
		}
	default:
		if !n.to(shapeScalar) {
			return
		}
		n.scalar = transform.Widen(n.scalar, scalarType(j))
	}
}

// scalarType is the type the top level gives a JSON scalar (fromJSON).
func scalarType(j *fastjson.Value) transform.Type {
	switch j.Type() {
	case fastjson.TypeString:
		return transform.Varchar
	case fastjson.TypeNumber:
		if _, err := j.Int64(); err == nil {
			return transform.Int64
		}
		return transform.Double
	case fastjson.TypeTrue, fastjson.TypeFalse:
		return transform.Boolean
	}
	return transform.JSON
}

// merge widens n with what o saw.
func (n *shapeNode) merge(o *shapeNode) {
	if o == nil || o.kind == shapeUnknown || n.kind == shapeMixed {
		return
	}
	if o.kind == shapeMixed || !n.to(o.kind) {
		n.mix()
		return
	}
	switch o.kind {
	case shapeScalar:
		n.scalar = transform.Widen(n.scalar, o.scalar)
	case shapeArray:
		if o.elem != nil {
			if n.elem == nil {
				n.elem = &shapeNode{}
			}
			n.elem.merge(o.elem)
		}
	case shapeObject:
		for k, name := range o.names {
			i, ok := n.index[name]
			if !ok {
				if len(n.names) >= maxShapeFields {
					n.mix()
					return
				}
				if n.index == nil {
					n.index = map[string]int{}
				}
				i = len(n.names)
				n.names = append(n.names, name)
				n.fields = append(n.fields, &shapeNode{})
				n.index[name] = i
			}
			n.fields[i].merge(o.fields[k])
		}
	}
}

// columnType is the type of a column whose values had the shape n: a
// STRUCT or LIST, or JSON when n is no object or array, or its leaves
// would pass *budget (which it then takes from).
func (n *shapeNode) columnType(budget *int) transform.Type {
	if n == nil || n.kind != shapeObject && n.kind != shapeArray {
		return transform.JSON
	}
	leaves := 0
	t := n.typ(&leaves)
	if !t.IsNested() || leaves > *budget {
		return transform.JSON
	}
	*budget -= leaves
	return t
}

// typ is the type of a place of shape n, adding its leaves to *leaves.
func (n *shapeNode) typ(leaves *int) transform.Type {
	switch n.kind {
	case shapeScalar:
		*leaves++
		return n.scalar
	case shapeObject:
		at := *leaves
		if foldCollide(n.names) {
			*leaves = at + 1
			return transform.JSON
		}
		fields := make([]transform.StructField, len(n.names))
		for i, name := range n.names {
			fields[i] = transform.StructField{Name: name, Type: n.fields[i].typ(leaves)}
		}
		if t, ok := transform.StructOf(fields); ok {
			return t
		}
		*leaves = at + 1
	case shapeArray:
		at := *leaves
		if n.elem != nil {
			if e := n.elem.typ(leaves); e != transform.JSON {
				if t, ok := transform.ListOf(e); ok {
					return t
				}
			}
		}
		*leaves = at + 1
	default:
		*leaves++
	}
	return transform.JSON
}

// foldCollide reports whether two names are one to a reader that ignores
// case: Athena, Glue and Hive do ("a" and "A" would be one struct field
// twice), and DuckDB renames the second; such an object stays JSON.
func foldCollide(names []string) bool {
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		k := strings.ToLower(n)
		if seen[k] {
			return true
		}
		seen[k] = true
	}
	return false
}

// inferShape widens the shape of the partition's column c with a JSON
// value of a row.
func (sc *scanner) inferShape(p *partition, c int, v transform.Value) {
	for len(p.shapes) <= c {
		p.shapes = append(p.shapes, nil)
	}
	n := p.shapes[c]
	if n == nil {
		n = &shapeNode{}
		p.shapes[c] = n
	}
	if n.kind == shapeMixed {
		return // JSON already: no need to parse
	}
	j := v.J
	if j == nil {
		var err error
		if j, err = sc.parser.Parse(v.S); err != nil {
			n.mix() // no shape: the writer stores the text as it is
			return
		}
	}
	if t := j.Type(); t != fastjson.TypeObject && t != fastjson.TypeArray {
		n.mix() // a JSON scalar: the column stays JSON
		return
	}
	n.add(j, 0)
}

// inferShapes gives the columns that hold JSON objects or arrays in the
// flush, and that the statement does not declare, the nested type their
// values share across partitions (see the top of this file): the
// partitions where the column is JSON take it (partition.seen).
func inferShapes(h spool.Header, parts []*partition, maxLeaves int) {
	var names []string
	merged := map[string]*shapeNode{}
	for _, p := range parts {
		p.inferred = p.inferred[:0]
		for c, n := range p.shapes {
			if n == nil || p.types[c] != transform.JSON {
				continue
			}
			name := p.names[c]
			m := merged[name]
			if m == nil {
				m = &shapeNode{}
				merged[name] = m
				names = append(names, name)
			}
			m.merge(n)
		}
	}
	budget := maxLeaves
	for _, name := range names {
		if h.DeclaredType(name) != transform.Null {
			continue
		}
		t := merged[name].columnType(&budget)
		if t == transform.JSON {
			continue
		}
		for _, p := range parts {
			c, ok := p.index[name]
			if !ok || p.types[c] != transform.JSON {
				continue
			}
			for len(p.inferred) <= c {
				p.inferred = append(p.inferred, transform.Null)
			}
			p.inferred[c] = t
			if i, ok := p.colIdx[name]; ok && i != p.overflow {
				p.columns[i].Type = t
			}
		}
	}
}

// seen is the type of the partition's column c: the Widen of its values,
// or the nested type inferShapes gave it.
func (p *partition) seen(c int) transform.Type {
	if c < len(p.inferred) && p.inferred[c] != transform.Null {
		return p.inferred[c]
	}
	return p.types[c]
}

// fitPlan is a nested column type compiled for fitShape, so that checking
// a value looks nothing up in transform's registry of nested types (a lock
// per call to Fields or Elem).
type fitPlan struct {
	typ    transform.Type // a scalar place: its type (JSON: anything fits)
	names  []string       // STRUCT: field names
	fields []*fitPlan     // STRUCT
	elem   *fitPlan       // LIST
}

// compileFit returns the plan of type t.
func compileFit(t transform.Type) *fitPlan {
	p := &fitPlan{typ: t}
	if fields := t.Fields(); fields != nil {
		p.names = make([]string, len(fields))
		p.fields = make([]*fitPlan, len(fields))
		for i, f := range fields {
			p.names[i], p.fields[i] = f.Name, compileFit(f.Type)
		}
	} else if elem, isList := t.Elem(); isList {
		p.elem = compileFit(elem)
	}
	return p
}

// fitShape reports whether the JSON value v fits the nested column type
// of plan strictly: an object of no field that the STRUCT lacks, an array
// whose elements fit the element type, scalars that fit (see fit) the type
// of their place. v comes back parsed (by parser, valid until its next
// Parse) so that the writer does not parse it again.
func fitShape(st *transform.State, parser *fastjson.Parser, v transform.Value, plan *fitPlan) (transform.Value, bool) {
	if v.Type != transform.JSON {
		return transform.Value{}, false
	}
	j := v.J
	if j == nil {
		var err error
		if j, err = parser.Parse(v.S); err != nil {
			return transform.Value{}, false
		}
	}
	if !fitsJSON(st, j, plan) {
		return transform.Value{}, false
	}
	return transform.Value{Type: transform.JSON, J: j}, true
}

func fitsJSON(st *transform.State, j *fastjson.Value, p *fitPlan) bool {
	jt := j.Type()
	if jt == fastjson.TypeNull || p.typ == transform.JSON {
		return true
	}
	if p.fields != nil {
		obj, err := j.Object()
		if err != nil {
			return false
		}
		ok := true
		obj.Visit(func(key []byte, v *fastjson.Value) {
			if !ok {
				return
			}
			ok = false
			for i, name := range p.names {
				if name == string(key) {
					ok = fitsJSON(st, v, p.fields[i])
					break
				}
			}
		})
		return ok
	}
	if p.elem != nil {
		arr, err := j.Array()
		if err != nil {
			return false
		}
		for _, e := range arr {
			if !fitsJSON(st, e, p.elem) {
				return false
			}
		}
		return true
	}
	t := p.typ
	var v transform.Value
	switch jt {
	case fastjson.TypeObject, fastjson.TypeArray, fastjson.TypeString:
		return t == transform.Varchar // as text, as the writer stores it; a string fits no other scalar type (fit)
	case fastjson.TypeNumber:
		if t == transform.Varchar {
			return true
		}
		if i, err := j.Int64(); err == nil {
			if t == transform.Int64 {
				return true // fit's first case, without the call
			}
			v = transform.Value{Type: transform.Int64, I: i}
		} else {
			v = transform.Value{Type: transform.Double, F: j.GetFloat64()}
		}
	case fastjson.TypeTrue:
		v = transform.Value{Type: transform.Boolean, I: 1}
	case fastjson.TypeFalse:
		v = transform.Value{Type: transform.Boolean}
	}
	_, ok := fit(st, v, t)
	return ok
}

// nestedStrict gives, per column, the plan its values are checked with by
// fitShape, or nil: nested columns the statement does not declare have one
// (a declared one gets values its cast shaped).
func nestedStrict(h spool.Header, cols []parquetfile.Column) []*fitPlan {
	var strict []*fitPlan
	for i, c := range cols {
		if c.Type.IsNested() && h.DeclaredType(c.Name) == transform.Null {
			if strict == nil {
				strict = make([]*fitPlan, len(cols))
			}
			strict[i] = compileFit(c.Type)
		}
	}
	return strict
}

// mustInfer says whether the one-pass flush of a partition whose column
// types come from the batches' schemas must give way to scan, which sees
// the values: a column of JSON values that the statement does not declare
// and that the table does not know yet needs its shape inferred. Once the
// table has every column, segments are read once again.
func (f *Flusher) mustInfer(h spool.Header, p *partition) bool {
	if f.KeepJSON {
		return false
	}
	tb := f.tableState()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for c, t := range p.types {
		if t != transform.JSON || h.DeclaredType(p.names[c]) != transform.Null {
			continue
		}
		if _, ok := tb.types[p.names[c]]; !ok || !tb.loaded {
			return true
		}
	}
	return false
}
