package transform

import (
	"time"

	"github.com/valyala/fastjson"
)

// expr is a compiled expression. It reads the record rec and may use the
// State's scratch space for the text it produces.
type expr func(st *State, rec *fastjson.Value) Value

// Column describes one output column (or partition value) of a Program.
type Column struct {
	// Name is the column name: the alias, else the last key of a path, else the
	// expression's source text. For the * item it is "*".
	Name string
	// Type is the declared type: the cast at the top of the item, or the type a
	// function always returns. Null means "infer from the data" (see Widen).
	Type Type
	// Star marks the * item, which expands to every top-level field of the
	// record that is not excluded and not named by another item.
	Star bool
}

// Program is a compiled statement. It is immutable and safe for concurrent
// use; each goroutine evaluates with its own State.
type Program struct {
	src        string
	columns    []Column
	exprs      []expr // per column; nil for the * item
	where      expr
	partitions []Column
	partExprs  []expr
	skip       map[string]struct{} // top-level keys * leaves out
}

// Source returns the statement the program was compiled from.
func (p *Program) Source() string { return p.src }

// Columns returns the output columns in SELECT order. Do not modify it.
func (p *Program) Columns() []Column { return p.columns }

// Partitions returns the PARTITION BY items in order. Do not modify it.
func (p *Program) Partitions() []Column { return p.partitions }

// HasStar reports whether the SELECT list has a * item, so that the set of
// output columns depends on the data.
func (p *Program) HasStar() bool {
	for _, c := range p.columns {
		if c.Star {
			return true
		}
	}
	return false
}

// Field is a named output value. Like the Value, the Name of a field that *
// produced points into the parser's buffer: clone it (strings.Clone) before
// keeping it past the next Parse, for example as a map key.
type Field struct {
	Name  string
	Value Value
}

// State is the reusable evaluation state of one goroutine: scratch space and
// the last result. Get one from Program.NewState to Eval; the zero State is
// enough for Cast.
type State struct {
	p     *Program
	arena []byte // text produced during one Eval
	num   []byte // a number's JSON text while it is parsed

	// Row holds the output fields of the last kept record in column order, with
	// * expanded in the record's key order. Valid until the next Eval.
	Row []Field
	// Partition holds the PARTITION BY values of the last kept record.
	Partition []Field
	// CastFailures counts values that a cast could not convert (and made
	// NULL), since the State was made or the counter last reset by the caller.
	CastFailures int

	now   int64            // now() for the current record, 0 until asked for
	clock func() time.Time // time source of now(); time.Now unless a test sets it
	visit func(key []byte, v *fastjson.Value)
}

// NewState returns evaluation state for p.
func (p *Program) NewState() *State {
	st := &State{p: p, clock: time.Now}
	st.visit = st.addStarField // bound once, so that Visit does not allocate per record
	return st
}

// Eval evaluates the program on one record (normally a JSON object) and
// reports whether the WHERE clause keeps it. When it does, st.Row and
// st.Partition hold the results, valid until the next Eval on st or the next
// Parse of the record's parser.
func (p *Program) Eval(st *State, rec *fastjson.Value) bool {
	st.arena = st.arena[:0]
	st.Row = st.Row[:0]
	st.Partition = st.Partition[:0]
	st.now = 0
	if p.where != nil && !truth(st, p.where(st, rec)) {
		return false
	}
	for i, c := range p.columns {
		if c.Star {
			if rec.Type() == fastjson.TypeObject {
				rec.GetObject().Visit(st.visit)
			}
			continue
		}
		st.Row = append(st.Row, Field{Name: c.Name, Value: p.exprs[i](st, rec)})
	}
	for i, c := range p.partitions {
		st.Partition = append(st.Partition, Field{Name: c.Name, Value: p.partExprs[i](st, rec)})
	}
	return true
}

func (st *State) addStarField(key []byte, v *fastjson.Value) {
	name := b2s(key)
	if _, skip := st.p.skip[name]; skip {
		return
	}
	st.Row = append(st.Row, Field{Name: name, Value: st.fromJSON(v)})
}

// truth is the WHERE rule: only TRUE keeps a row; NULL drops it. A
// non-boolean value is cast to BOOLEAN first.
func truth(st *State, v Value) bool {
	if v.Type != Boolean {
		v = st.cast(v, Boolean)
	}
	return v.Type == Boolean && v.I != 0
}

// ClearScratch forgets the text that Cast produced, keeping the memory. Eval
// does it by itself; a writer that only casts calls it between rows.
func (st *State) ClearScratch() { st.arena = st.arena[:0] }

// Cast converts v to t with TRY semantics (NULL when it does not convert, and
// counted in CastFailures). Writers use it to bring a value to its column's
// type. Text it produces lives in st until the next Eval.
func (st *State) Cast(v Value, t Type) Value { return st.cast(v, t) }
