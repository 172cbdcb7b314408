package transform

import "github.com/valyala/fastjson"

// The statement's field paths are resolved together where that pays. Every
// distinct path prefix of the statement (user, user.id, tags[0]…) is a slot
// of the Program's pathTable. A path the statement names more than once
// (level in SELECT and in WHERE) is cached: its slot keeps, for the current
// Eval, the node the path leads to and the Value that node converts to, so
// that it is looked up and converted once per record. A path named once is
// looked up directly, as a cache would only add its bookkeeping.
//
// A top-level key is looked up with Object.Get, which scans the record's
// keys. When the statement names many top-level keys (walkKeys), that is
// one scan per key: the slots of the top-level keys are then filled in one
// walk over the record's keys instead (Object.Visit, each key found through
// a small hash table), and every path is cached. Below that the walk's call
// per key of the record costs more than the scans (measured with
// cachegrind: the 7-column statement of BenchmarkInvocation on its 10-key
// records took about 5% more with a walk; BenchmarkEvalWide, 16 keys of a 40-key
// record, gained 45%).

// walkKeys is the number of top-level keys from which the slots are filled
// by one walk over the record rather than one lookup per key; cachePaths
// false reads a path named more than once directly too (unless walked).
// Only tests change them (SetPathModes), to compare the ways.
var (
	walkKeys   = 16
	cachePaths = true
)

// pathSlot is one path prefix: the step taken from the parent slot (-1: the
// record itself).
type pathSlot struct {
	parent int
	step   step
}

// pathTable holds the slots of a Program. It is built while compiling and
// immutable afterwards.
type pathTable struct {
	slots []pathSlot
	ids   map[pathSlot]int
	// top lists the slots of top-level keys; hash maps a key's hash to one
	// more than the index in top of the first such key, and next chains the
	// keys of the same hash.
	top  []int
	keys []string
	next []int32
	hash []int32
	walk bool  // fill the top-level slots in one walk (walkKeys)
	uses []int // per slot, the paths that end there
	used bool  // some path is cached: Eval starts the cache (startPaths)
}

// pathRef is one path of the statement: its slot, and whether it is read
// through the cache (decided once the statement is compiled; see
// compiler.finishPaths).
type pathRef struct {
	slot   int
	cached bool
}

// slot returns the slot of path, adding it and its prefixes.
func (t *pathTable) slot(path []step) int {
	if t.ids == nil {
		t.ids = map[pathSlot]int{}
	}
	id := -1
	for _, s := range path {
		ps := pathSlot{parent: id, step: s}
		n, ok := t.ids[ps]
		if !ok {
			n = len(t.slots)
			t.slots = append(t.slots, ps)
			t.uses = append(t.uses, 0)
			t.ids[ps] = n
			if id < 0 && !s.isIndex {
				t.top = append(t.top, n)
				t.keys = append(t.keys, s.key)
			}
		}
		id = n
	}
	t.uses[id]++
	return id
}

// finishPaths decides, once the compiler has compiled every expression of
// its statement, which of its paths are read through the cache, and
// returns the one pass of EvalLine when the statement can have it
// (project.go; nil otherwise). Every path of such a statement is read
// through the cache, where the pass leaves its value.
func (c *compiler) finishPaths() *projector {
	var pr *projector
	if projection && !c.star {
		pr, _ = newProjector(c.paths)
	}
	t := c.paths
	if t == nil {
		return pr
	}
	t.index()
	for _, r := range c.refs {
		r.cached = pr != nil || t.walk || cachePaths && t.uses[r.slot] > 1
		t.used = t.used || r.cached
	}
	return pr
}

// index rebuilds the hash table of the top-level keys.
func (t *pathTable) index() {
	t.walk = len(t.keys) >= walkKeys
	size := 16
	for size < 2*len(t.keys) {
		size *= 2
	}
	t.hash = make([]int32, size)
	t.next = make([]int32, len(t.keys))
	for i := len(t.keys) - 1; i >= 0; i-- {
		h := keyHash(t.keys[i]) & (size - 1)
		t.next[i] = t.hash[h]
		t.hash[h] = int32(i + 1)
	}
}

// clone returns a copy of t that slot may extend without changing t.
func (t *pathTable) clone() *pathTable {
	if t == nil {
		return &pathTable{}
	}
	c := &pathTable{
		slots: append([]pathSlot(nil), t.slots...),
		ids:   make(map[pathSlot]int, len(t.ids)),
		top:   append([]int(nil), t.top...),
		keys:  append([]string(nil), t.keys...),
		uses:  append([]int(nil), t.uses...),
		used:  t.used,
	}
	for k, v := range t.ids {
		c.ids[k] = v
	}
	c.index()
	return c
}

// keyHash mixes a key's length and last byte, which tell most keys apart.
func keyHash(k string) int {
	if k == "" {
		return 0
	}
	return len(k)<<3 ^ int(k[len(k)-1])
}

// pathState is the per-Eval view of a pathTable: the node of each slot and
// its converted Value, valid while their generation is the current one.
type pathState struct {
	t     *pathTable
	gen   uint32
	nodes []*fastjson.Value
	ngen  []uint32
	vals  []Value
	vgen  []uint32
	found []uint32                            // the slots whose key EvalLine's pass met (project.go)
	walk  func(key []byte, v *fastjson.Value) // bound once (see fillKey)
}

// startPaths begins an Eval of a program with the path table t on rec:
// the slots of the top-level keys are filled in one walk over rec's keys.
func (st *State) startPaths(t *pathTable, rec *fastjson.Value) {
	ps := &st.paths
	if ps.t != t || len(ps.ngen) < len(t.slots) {
		n := len(t.slots)
		ps.t = t
		ps.nodes, ps.ngen = make([]*fastjson.Value, n), make([]uint32, n)
		ps.vals, ps.vgen = make([]Value, n), make([]uint32, n)
		ps.found = make([]uint32, n)
		ps.gen = 0
		if ps.walk == nil {
			ps.walk = st.fillKey
		}
	}
	ps.gen++
	if ps.gen == 0 { // wrapped: forget every generation
		clear(ps.ngen)
		clear(ps.vgen)
		clear(ps.found)
		ps.gen = 1
	}
	if t.walk && rec != nil && rec.Type() == fastjson.TypeObject {
		rec.GetObject().Visit(ps.walk)
	}
}

// fillKey records v as the node of the top-level slot of key, unless an
// earlier key of the record had the same name (Object.Get returns the first).
func (st *State) fillKey(key []byte, v *fastjson.Value) {
	ps := &st.paths
	t := ps.t
	for e := t.hash[keyHash(b2s(key))&(len(t.hash)-1)]; e != 0; e = t.next[e-1] {
		if t.keys[e-1] == b2s(key) {
			if s := t.top[e-1]; ps.ngen[s] != ps.gen {
				ps.nodes[s], ps.ngen[s] = v, ps.gen
			}
			return
		}
	}
}

// node returns the JSON node of slot i of the record rec, nil when the
// path leads nowhere.
func (st *State) node(i int, rec *fastjson.Value) *fastjson.Value {
	ps := &st.paths
	if ps.ngen[i] == ps.gen {
		return ps.nodes[i]
	}
	s := &ps.t.slots[i]
	var v *fastjson.Value
	if s.parent < 0 {
		if ps.t.walk && !s.step.isIndex { // a top-level key the walk did not find
			return nil
		}
		v = rec
	} else {
		v = st.node(s.parent, rec)
	}
	v = stepInto(v, s.step)
	ps.nodes[i], ps.ngen[i] = v, ps.gen
	return v
}

// lookPath is a path looked up directly, from the record.
func (st *State) lookPath(path []step, rec *fastjson.Value) Value {
	v := rec
	for _, s := range path {
		if v = stepInto(v, s); v == nil {
			return Value{}
		}
	}
	return st.fromJSON(v)
}

// stepInto takes one step of a path from v: a key of an object, an element
// of an array (negative from the end); nil when there is none.
func stepInto(v *fastjson.Value, s step) *fastjson.Value {
	switch {
	case v == nil:
		return nil
	case s.isIndex:
		if v.Type() != fastjson.TypeArray {
			return nil
		}
		a := v.GetArray()
		i := s.index
		if i < 0 {
			i += len(a)
		}
		if i < 0 || i >= len(a) {
			return nil
		}
		return a[i]
	default:
		if v.Type() != fastjson.TypeObject {
			return nil
		}
		return v.GetObject().Get(s.key)
	}
}

// convertPath is the Value of slot i when the Eval has not converted it
// yet (compiler.pathExpr reads the converted ones). A number that DOUBLE
// rounds keeps its text in the arena, which a function may later move: that
// Value is converted on every use instead of kept.
func (st *State) convertPath(i int, rec *fastjson.Value) Value {
	ps := &st.paths
	v := st.fromJSON(st.node(i, rec))
	if v.Type != Double || v.S == "" {
		ps.vals[i], ps.vgen[i] = v, ps.gen
	}
	return v
}
