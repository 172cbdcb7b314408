package transform

import (
	"regexp"
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
	// record that is not excluded and not named by another item; a field
	// named in REPLACE (expr AS name) holds expr instead, in its place.
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
	replace    map[string]expr     // top-level keys whose value * REPLACE computes
	starRe     *regexp.Regexp      // COLUMNS('regex'): * keeps the keys it matches
	timeSrc    string              // the event-time expression (WithTime), "" without
	timeExpr   expr
	paths      *pathTable // the fields the expressions read; nil for none
	proj       *projector // the one pass of EvalLine (project.go); nil when the statement needs the parser
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
	arena []byte         // text produced during one Eval
	num   []byte         // a number's JSON text while it is parsed
	made  fastjson.Arena // lists made during one Eval (see listValue)

	parsers  []*fastjson.Parser            // for JSON text during one Eval (see jsonArg)
	parsed   int                           // parsers in use in this Eval
	patterns map[patternKey]*regexp.Regexp // patterns from the data (see pattern)
	shaped   []byte                        // a value being cast to a nested type (nested.go)

	// Row holds the output fields of the last kept record in column order, with
	// * expanded in the record's key order. Valid until the next Eval.
	Row []Field
	// Partition holds the PARTITION BY values of the last kept record.
	Partition []Field
	// Time is the event time of the last kept record (a TIMESTAMP, or NULL)
	// when the program has one (WithTime).
	Time Value
	// CastFailures counts values that a cast could not convert (and made
	// NULL), since the State was made or the counter last reset by the caller.
	CastFailures int
	// RoundedNumbers counts numbers stored as DOUBLE that DOUBLE does not hold
	// exactly: output values read from a record number beyond INT64 or with
	// more precision or range than DOUBLE has (18446744073709551615,
	// 0.1234567890123456789, 1e400), and integers beyond 2^53 that Cast
	// brings to DOUBLE (a column widened from INT64 to DOUBLE). Like
	// CastFailures, it counts since the State was made or the caller reset it.
	RoundedNumbers int
	// DuplicateFields counts fields that * left out because an earlier field
	// of the same record had the same column name (a key sent twice, or two
	// keys that the naming rules of * make equal; see Program.Eval).
	DuplicateFields int

	now     int64            // now() for the current record, 0 until asked for
	clock   func() time.Time // time source of now(); time.Now unless a test sets it
	visit   func(key []byte, v *fastjson.Value)
	rec     *fastjson.Value     // the record * is expanding, for REPLACE
	rounded int                 // rounded numbers read during this Eval (see Value)
	star    int                 // index in Row of the first field * made for this record
	filter  uint64              // a filter of the names * made, for the first manyFields
	names   map[string]struct{} // the names * made, for records with many fields
	paths   pathState           // the record's fields the paths lead to, this Eval
	unesc   []byte              // the record's strings that EvalLine unescaped, this Eval
	// EvalLine's lines in a row that its pass left to the parser, and the
	// lines left before it tries the pass again (see passMisses).
	passMisses, passOff int
}

// manyFields is the number of fields * makes beyond which the names are
// looked up in a map rather than by comparing with each earlier one.
const manyFields = 32

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
//
// The names in st.Row are distinct, non-empty, valid UTF-8 and free of NUL.
// * names a field by its key, except the empty key (EmptyKeyName) and NUL
// characters (U+FFFD); when two fields of a record get the same name, the
// first one is kept, as a path (SELECT a) and DuckDB's JSON functions
// (j->>'a') read the first of duplicate keys, and the others are counted in
// DuplicateFields. For a record from ParseRecord every string is valid UTF-8
// and every JSON text valid JSON.
func (p *Program) Eval(st *State, rec *fastjson.Value) bool {
	st.begin()
	if p.paths != nil && p.paths.used {
		st.startPaths(p.paths, rec)
	}
	return p.finish(st, rec)
}

// begin forgets the previous Eval's results and scratch space.
func (st *State) begin() {
	st.arena = st.arena[:0]
	st.unesc = st.unesc[:0]
	st.made.Reset()
	st.parsed = 0
	st.Row = st.Row[:0]
	st.Partition = st.Partition[:0]
	st.now = 0
	st.rounded = 0
}

// finish is Eval once the paths are started: the WHERE clause, then the
// columns. rec is nil when the paths were filled from the line's text
// (EvalLine).
func (p *Program) finish(st *State, rec *fastjson.Value) bool {
	if p.where != nil && !truth(st, p.where(st, rec)) {
		return false
	}
	for i, c := range p.columns {
		if c.Star {
			if rec.Type() == fastjson.TypeObject {
				st.star = len(st.Row)
				st.rec = rec // for REPLACE; the record is not kept past this Eval
				rec.GetObject().Visit(st.visit)
				if len(st.names) > 0 {
					clear(st.names)
				}
			}
			continue
		}
		st.Row = append(st.Row, Field{Name: c.Name, Value: p.exprs[i](st, rec)})
	}
	for i, c := range p.partitions {
		st.Partition = append(st.Partition, Field{Name: c.Name, Value: p.partExprs[i](st, rec)})
	}
	if p.timeExpr != nil {
		st.Time = st.eventTime(p.timeExpr(st, rec))
	}
	if st.rounded > 0 { // a rounded number was read: count those that are stored
		st.countRounded(st.Row)
		st.countRounded(st.Partition)
	}
	return true
}

// countRounded counts the values of fs that hold a rounded record number
// (see Value).
func (st *State) countRounded(fs []Field) {
	for i := range fs {
		if fs[i].Value.Type == Double && fs[i].Value.S != "" {
			st.RoundedNumbers++
		}
	}
}

func (st *State) addStarField(key []byte, v *fastjson.Value) {
	name := starName(b2s(key))
	if _, skip := st.p.skip[name]; skip {
		return
	}
	if st.p.starRe != nil && !st.p.starRe.MatchString(name) {
		return
	}
	// Is there a field of that name already? A 64-bit filter of the length
	// and end bytes of the names made so far answers most names at once.
	if n := len(st.Row) - st.star; n < manyFields {
		bit := uint64(1) << ((uint(len(name)) + 3*uint(name[0]) + 5*uint(name[len(name)-1])) & 63)
		if n == 0 {
			st.filter = 0
		}
		if st.filter&bit != 0 && st.seen(name) {
			st.DuplicateFields++
			return
		}
		st.filter |= bit
	} else if st.seenMany(name) {
		st.DuplicateFields++
		return
	}
	if st.p.replace != nil {
		if r, ok := st.p.replace[name]; ok {
			st.Row = append(st.Row, Field{Name: name, Value: r(st, st.rec)})
			return
		}
	}
	st.Row = append(st.Row, Field{Name: name, Value: st.fromJSON(v)})
}

// seen reports whether * already made a field called name for this record,
// comparing with each (up to manyFields).
func (st *State) seen(name string) bool {
	for _, f := range st.Row[st.star:] {
		if f.Name == name {
			return true
		}
	}
	return false
}

// seenMany is seen beyond manyFields: the names are kept in a map, so that a
// record with 10,000 keys costs 10,000 lookups, not 50 million comparisons.
// It records name as made.
func (st *State) seenMany(name string) bool {
	if len(st.names) == 0 { // the first call for this record (Eval clears the map)
		if st.names == nil {
			st.names = make(map[string]struct{}, 2*manyFields)
		}
		for _, f := range st.Row[st.star:] {
			st.names[f.Name] = struct{}{}
		}
	}
	if _, ok := st.names[name]; ok {
		return true
	}
	st.names[name] = struct{}{}
	return false
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
