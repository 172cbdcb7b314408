package transform

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// A statement without * that reads its fields by key paths (level,
// user.id; no index, no *) is evaluated from the line's text: one pass
// checks that the line is strict JSON holding an object and, on the way,
// converts the value of every path the statement names into its slot of
// the path table (paths.go), so that the expressions read them as they
// read a cached path. fastjson parses nothing, and no node is made for the
// fields the statement does not read. That pass decides only the lines it
// knows to be plain: when it meets anything else (a line that is not strict
// JSON, an object or array where a path ends, a string to repair, a
// duplicate key it would have to reason about, nesting past maxProjDepth),
// it gives up and the line takes ParseRecord and Eval, which give the
// verdict and the reason as always. So the accepted set, the rows and the
// reasons are those of ParseRecord and Eval; FuzzEvalLine compares them on
// any line.

// maxProjDepth is the nesting past which the one pass leaves a line to
// ParseRecord (fastjson's limit, 300 levels, decides it there).
const maxProjDepth = 64

// When the one pass leaves passMisses lines in a row to the parser (a
// statement that reads a JSON object, from a sender whose every record has
// one), the next passOff lines go to the parser directly, so that such a
// statement costs what it did before the pass (BenchmarkInvocation with
// SELECT level, user AS u, msg: +19% without this, +1% with it).
const (
	passMisses = 8
	passOff    = 1024
)

// projection false compiles statements without the one pass; only tests
// change it (SetProjection), to compare the ways.
var projection = true

// projector is the compiled form of a Program's paths for the one pass.
type projector struct {
	root *projLevel // the record's keys; nil when the statement reads none
	used []int      // the slots that paths end at
}

// projLevel is one object on the paths: the keys the statement names in it.
type projLevel struct {
	keys []string
	slot []int
	read []bool       // a path ends at the key: its value is converted
	kids []*projLevel // the keys below it, nil when no path goes further
	hash [64]int16    // keyHash&63 → 1 + the index of the first key with that hash
	next []int16      // the next key of the same hash, 1 + its index
}

// newProjector compiles t for the one pass; ok is false when a path takes
// an index (the pass does not step into arrays).
func newProjector(t *pathTable) (*projector, bool) {
	pr := &projector{}
	if t == nil {
		return pr, true
	}
	levels := make([]*projLevel, len(t.slots)) // per slot, the level of its keys
	for i, s := range t.slots {
		if s.step.isIndex {
			return nil, false
		}
		l := &pr.root
		if s.parent >= 0 {
			l = &levels[s.parent]
		}
		if *l == nil {
			*l = &projLevel{}
		}
		(*l).add(s.step.key, i, t.uses[i] > 0)
		if t.uses[i] > 0 {
			pr.used = append(pr.used, i)
		}
	}
	for i, s := range t.slots {
		if levels[i] != nil {
			parent := pr.root
			if s.parent >= 0 {
				parent = levels[s.parent]
			}
			parent.kids[parent.find(s.step.key)] = levels[i]
		}
	}
	return pr, true
}

func (l *projLevel) add(key string, slot int, read bool) {
	n := len(l.keys)
	l.keys = append(l.keys, key)
	l.slot = append(l.slot, slot)
	l.read = append(l.read, read)
	l.kids = append(l.kids, nil)
	h := keyHash(key) & 63
	l.next = append(l.next, l.hash[h])
	l.hash[h] = int16(n + 1)
}

// find returns the index of key in l, -1 when the statement does not name it.
func (l *projLevel) find(key string) int {
	for e := l.hash[keyHash(key)&63]; e != 0; e = l.next[e-1] {
		if l.keys[e-1] == key {
			return int(e - 1)
		}
	}
	return -1
}

// EvalLine is ParseRecord(parser, line) then Eval: it evaluates the
// program on one NDJSON line and reports whether the WHERE clause keeps it;
// the error is ParseRecord's. A statement that the one pass can evaluate
// (see above) reads most lines without the parser; then st.Row may point
// into line, which must not change until the row is used.
func (p *Program) EvalLine(st *State, parser *fastjson.Parser, line []byte) (bool, error) {
	switch {
	case p.proj == nil:
	case st.passOff > 0:
		st.passOff--
	default:
		st.begin()
		if st.project(p.proj, p.paths, line) {
			st.passMisses = 0
			return p.finish(st, nil), nil
		}
		if st.passMisses++; st.passMisses == passMisses {
			st.passMisses, st.passOff = 0, passOff
		}
	}
	rec, err := ParseRecord(parser, line)
	if err != nil {
		return false, err
	}
	return p.Eval(st, rec), nil
}

// project is the one pass over line: it fills the slots of every path of
// pr from it, and reports whether the line is a strict JSON object that it
// read to the end. When it is not, the slots it filled are forgotten by the
// next Eval.
func (st *State) project(pr *projector, t *pathTable, line []byte) bool {
	ps := &st.paths
	if t != nil {
		st.startPaths(t, nil)
	}
	i := skipSpace(line, 0)
	if i >= len(line) || line[i] != '{' {
		return false
	}
	i, ok := st.projObject(pr.root, line, i, 1)
	if !ok || skipSpace(line, i) != len(line) {
		return false
	}
	for _, s := range pr.used {
		if ps.vgen[s] != ps.gen { // not in the record
			ps.vals[s], ps.vgen[s] = Value{}, ps.gen
		}
	}
	return true
}

// projObject reads the object at line[i] ('{'), filling the slots of the
// keys of l (nil: none) from the first member of each name, and returns
// the index after it.
func (st *State) projObject(l *projLevel, line []byte, i, depth int) (int, bool) {
	if depth > maxProjDepth {
		return 0, false
	}
	ps := &st.paths
	i = skipSpace(line, i+1)
	if i < len(line) && line[i] == '}' {
		return i + 1, true
	}
	for {
		if i >= len(line) || line[i] != '"' {
			return 0, false
		}
		start := i + 1
		end, esc, high := scanString(line, start)
		if end < 0 || esc || high {
			return 0, false // a key with an escape or a byte >= 0x80: ParseRecord compares it unescaped and repaired
		}
		if i = end + 1; i+1 < len(line) && line[i] == ':' && line[i+1] > ' ' {
			i++ // compact JSON, the common case
		} else {
			if i = skipSpace(line, i); i >= len(line) || line[i] != ':' {
				return 0, false
			}
			if i = skipSpace(line, i+1); i >= len(line) {
				return 0, false
			}
		}
		k := -1
		if l != nil {
			if k = l.find(b2s(line[start:end])); k >= 0 && ps.found[l.slot[k]] == ps.gen {
				k = -1 // a later member of the same name: Object.Get reads the first
			}
		}
		var ok bool
		if k < 0 {
			i, ok = skipValue(line, i, depth)
		} else {
			s := l.slot[k]
			ps.found[s] = ps.gen
			switch c := line[i]; {
			case c == '{' && l.read[k], c == '[' && l.read[k]:
				return 0, false // a JSON value: Eval keeps its node
			case c == '{' && l.kids[k] != nil:
				i, ok = st.projObject(l.kids[k], line, i, depth+1)
			case l.read[k]:
				i, ok = st.projScalar(&ps.vals[s], line, i)
				ps.vgen[s] = ps.gen
			default: // a prefix that leads nowhere: its keys stay missing
				i, ok = skipValue(line, i, depth)
			}
		}
		if !ok {
			return 0, false
		}
		if i+1 < len(line) && line[i] == ',' && line[i+1] == '"' {
			i++ // compact JSON, the common case
			continue
		}
		if i = skipSpace(line, i); i >= len(line) {
			return 0, false
		}
		switch line[i] {
		case ',':
			i = skipSpace(line, i+1)
		case '}':
			return i + 1, true
		default:
			return 0, false
		}
	}
}

// projScalar converts the string, number or literal at line[i] into *v as
// fromJSON converts its node, and returns the index after it.
func (st *State) projScalar(v *Value, line []byte, i int) (int, bool) {
	switch c := line[i]; {
	case c == '"':
		end, esc, high := scanString(line, i+1)
		if end < 0 {
			return 0, false
		}
		s := line[i+1 : end]
		switch {
		case esc:
			var ok bool
			if s, ok = st.unescape(s, high); !ok {
				return 0, false
			}
		case high:
			if !utf8.Valid(s) {
				return 0, false
			}
		}
		*v = Value{Type: Varchar, S: b2s(s)}
		return end + 1, true
	case c == '-' || c-'0' < 10:
		end := scanNumber(line, i)
		if end < 0 {
			return 0, false
		}
		text := b2s(line[i:end])
		*v = parseNumber(text)
		if v.Type == Double && !exactDouble(text, v.F) {
			v.S = text // the line outlives the row, unlike st.num
			st.rounded++
		}
		return end, true
	}
	end, ok := skipLiteral(line, i)
	switch {
	case !ok:
		return 0, false
	case line[i] == 't':
		*v = Value{Type: Boolean, I: 1}
	case line[i] == 'f':
		*v = Value{Type: Boolean}
	default:
		*v = Value{}
	}
	return end, true
}

// skipValue checks the JSON value at line[i] and returns the index after it.
func skipValue(line []byte, i, depth int) (int, bool) {
	switch c := line[i]; {
	case c == '"':
		end, _, _ := scanString(line, i+1)
		return end + 1, end >= 0
	case c == '-' || c-'0' < 10:
		end := scanNumber(line, i)
		return end, end >= 0
	case c == '{':
		return skipContainer(line, i, '}', depth+1)
	case c == '[':
		return skipContainer(line, i, ']', depth+1)
	}
	return skipLiteral(line, i)
}

// skipContainer checks the object or array at line[i], closed by end.
func skipContainer(line []byte, i int, end byte, depth int) (int, bool) {
	if depth > maxProjDepth {
		return 0, false
	}
	i = skipSpace(line, i+1)
	if i < len(line) && line[i] == end {
		return i + 1, true
	}
	for {
		if end == '}' {
			if i >= len(line) || line[i] != '"' {
				return 0, false
			}
			e, _, _ := scanString(line, i+1)
			if e < 0 {
				return 0, false
			}
			i = skipSpace(line, e+1)
			if i >= len(line) || line[i] != ':' {
				return 0, false
			}
			i = skipSpace(line, i+1)
		}
		if i >= len(line) {
			return 0, false
		}
		var ok bool
		if i, ok = skipValue(line, i, depth); !ok {
			return 0, false
		}
		i = skipSpace(line, i)
		if i >= len(line) {
			return 0, false
		}
		switch line[i] {
		case ',':
			i = skipSpace(line, i+1)
		case end:
			return i + 1, true
		default:
			return 0, false
		}
	}
}

// skipLiteral checks true, false or null at line[i].
func skipLiteral(line []byte, i int) (int, bool) {
	rest := b2s(line[i:])
	for _, lit := range [...]string{"true", "false", "null"} {
		if len(rest) >= len(lit) && rest[:len(lit)] == lit {
			return i + len(lit), true
		}
	}
	return 0, false
}

// skipSpace returns the index of the first byte from i on that is not JSON
// whitespace. The common case, none, is inlined.
func skipSpace(line []byte, i int) int {
	if i < len(line) && line[i] > ' ' {
		return i
	}
	return skipSpaces(line, i)
}

func skipSpaces(line []byte, i int) int {
	for i < len(line) {
		switch line[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// Bytes a string scan stops at: the closing quote, an escape, and a raw
// control character, which JSON forbids in a string.
var stringStop = func() (t [256]bool) {
	for c := range t {
		t[c] = c == '"' || c == '\\' || c < 0x20
	}
	return t
}()

// scanString checks the string whose text starts at line[i] (after the
// opening quote) and returns the index of its closing quote, -1 when it is
// not a JSON string, and what its value needs: esc, an escape undone; high,
// a check of its bytes >= 0x80 (invalid UTF-8 is repaired by ParseRecord).
// It reads 8 bytes a step.
func scanString(line []byte, i int) (end int, esc, high bool) {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	var hi uint64 // the high bits of the bytes passed over
	for {
		for ; i+8 <= len(line); i += 8 {
			x := binary.LittleEndian.Uint64(line[i:])
			q, b := x^0x2222222222222222, x^0x5c5c5c5c5c5c5c5c // a quote, a backslash become zero
			// The high bit of each byte that is zero in q or b, or below
			// 0x20. A borrow can set bits above a stop byte, never below the
			// first one, so the lowest bit set is exact.
			if m := ((q-ones)&^q | (b-ones)&^b | (x-0x2020202020202020)&^x) & highs; m != 0 {
				hi |= x & (m&-m - 1) // the bytes before the stop
				i += bits.TrailingZeros64(m) >> 3
				goto stop
			}
			hi |= x
		}
		for i < len(line) && !stringStop[line[i]] {
			hi |= uint64(line[i])
			i++
		}
		if i >= len(line) {
			return -1, false, false
		}
	stop:
		switch c := line[i]; {
		case c == '"':
			return i, esc, hi&highs != 0
		case c == '\\':
			esc = true
			n := escapeLen(line[i:])
			if n == 0 {
				return -1, false, false
			}
			i += n
		default: // a control character
			return -1, false, false
		}
	}
}

// escapeLen is the length of the JSON escape at the start of s, 0 when it
// is not one.
func escapeLen(s []byte) int {
	if len(s) < 2 {
		return 0
	}
	switch s[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2
	case 'u':
		if len(s) >= 6 && isHex(s[2]) && isHex(s[3]) && isHex(s[4]) && isHex(s[5]) {
			return 6
		}
	}
	return 0
}

// unescape returns the value of a string's text s that holds escapes, in
// st.unesc (which the Eval keeps); high says s holds bytes >= 0x80, which
// must then be UTF-8. ok is false when the value would need the repair of
// ParseRecord (invalid UTF-8, an escaped surrogate that is not half of a
// pair).
func (st *State) unescape(s []byte, high bool) ([]byte, bool) {
	start := len(st.unesc)
	for len(s) > 0 {
		i := bytes.IndexByte(s, '\\')
		if i < 0 {
			i = len(s)
		}
		if high && !utf8.Valid(s[:i]) {
			return nil, false
		}
		st.unesc = append(st.unesc, s[:i]...)
		if s = s[i:]; len(s) == 0 {
			break
		}
		switch c := s[1]; c {
		case 'u':
			r := rune(hex4(s[2:6]))
			s = s[6:]
			if utf16.IsSurrogate(r) {
				if r >= 0xdc00 || len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
					return nil, false
				}
				r2 := rune(hex4(s[2:6]))
				if r2 < 0xdc00 || r2 > 0xdfff {
					return nil, false
				}
				r = utf16.DecodeRune(r, r2)
				s = s[6:]
			}
			st.unesc = utf8.AppendRune(st.unesc, r)
		default:
			st.unesc = append(st.unesc, unescapes[c])
			s = s[2:]
		}
	}
	return st.unesc[start:], true
}

// unescapes maps the letter of a one-letter escape to its byte.
var unescapes = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// hex4 reads four hex digits (checked by escapeLen).
func hex4(s []byte) uint32 {
	var x uint32
	for _, c := range s[:4] {
		switch {
		case c <= '9':
			c -= '0'
		default:
			c = c | 0x20 - 'a' + 10
		}
		x = x<<4 | uint32(c)
	}
	return x
}

// scanNumber checks the JSON number at line[i] and returns the index after
// it, -1 when it is not one.
func scanNumber(line []byte, i int) int {
	n := len(line)
	if line[i] == '-' {
		i++
	}
	switch {
	case i >= n:
		return -1
	case line[i] == '0':
		i++
	case line[i]-'1' < 9:
		i++
		for i < n && line[i]-'0' < 10 {
			i++
		}
	default:
		return -1
	}
	if i < n && line[i] == '.' {
		i++
		j := i
		for i < n && line[i]-'0' < 10 {
			i++
		}
		if i == j {
			return -1
		}
	}
	if i < n && (line[i] == 'e' || line[i] == 'E') {
		i++
		if i < n && (line[i] == '+' || line[i] == '-') {
			i++
		}
		j := i
		for i < n && line[i]-'0' < 10 {
			i++
		}
		if i == j {
			return -1
		}
	}
	return i
}
