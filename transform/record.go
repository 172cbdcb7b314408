package transform

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/valyala/fastjson"
)

// ErrNotObject is returned by ParseRecord for JSON that is not an object.
var ErrNotObject = errors.New("not a JSON object")

// ParseRecord parses one NDJSON line into a record with the reusable parser
// p. The line must be strict JSON (RFC 8259) holding an object: fastjson's
// parser alone accepts a few non-JSON forms (NaN, "1.2.3", bare ".") that
// would otherwise travel into JSON columns. The record is valid until the
// next call with the same parser.
//
// Every string and key of the record is valid UTF-8 and holds no lone
// surrogate, so that whatever a Program makes of it can be stored and read:
// invalid UTF-8 bytes become U+FFFD, and so does an escaped surrogate that is
// not half of a pair ("\ud800"; DuckDB refuses JSON holding one). Only
// lines that need it are rewritten, in a scratch copy.
func ParseRecord(p *fastjson.Parser, line []byte) (*fastjson.Value, error) {
	if rec, ok := parseStrict(p, line); ok {
		if rec.Type() != fastjson.TypeObject {
			return nil, fmt.Errorf("%w: %s", ErrNotObject, rec.Type())
		}
		return rec, nil
	}
	return parseChecked(p, line)
}

// parseStrict is ParseRecord's one pass for the common line: fastjson's
// parser checks the structure, and what it lets through that strict JSON
// does not is checked around it, cheaply. It parses a line only when the
// line holds no raw control character (the parser takes one inside a
// string; such lines, and lines with tabs between tokens, take
// parseChecked) and every escape is one of JSON's (the parser keeps "\x"
// as it is); once parsed, every number must be a JSON number (the parser
// takes NaN, inf, 1.2.3, +1, 01, "."). ok false means "not decided here":
// parseChecked then gives the verdict and the reason, as it always did, so
// that the accepted set and every reason are unchanged
// (FuzzParseRecordStrict compares both with fastjson.Validate and
// encoding/json.Valid).
func parseStrict(p *fastjson.Parser, line []byte) (*fastjson.Value, bool) {
	var rec *fastjson.Value
	var err error
	switch plain, control := scanLine(line); {
	case plain: // nothing to check or repair
		rec, err = p.ParseBytes(line)
	case control || !validEscapes(line):
		return nil, false
	default:
		rec, err = parseRepaired(p, line)
	}
	if err != nil {
		return nil, false
	}
	buf := repairBuffers.Get().(*[]byte) // a number's text, while it is checked
	ok := validNumbers(rec, buf)
	repairBuffers.Put(buf)
	return rec, ok
}

// validEscapes reports whether every backslash of the line starts one of
// JSON's escapes (\" \\ \/ \b \f \n \r \t \uXXXX). It is exact for a line
// that fastjson's parser accepts: there a backslash can only be inside a
// string, so the escapes pair up from the first backslash on.
func validEscapes(line []byte) bool {
	for {
		i := bytes.IndexByte(line, '\\')
		if i < 0 {
			return true
		}
		if i+1 >= len(line) {
			return false
		}
		switch line[i+1] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			line = line[i+2:]
		case 'u':
			if i+6 > len(line) {
				return false
			}
			for _, c := range line[i+2 : i+6] {
				if !isHex(c) {
					return false
				}
			}
			line = line[i+6:]
		default:
			return false
		}
	}
}

func isHex(c byte) bool { return c-'0' < 10 || (c|0x20)-'a' < 6 }

// validNumbers reports whether every number in v is a JSON number; buf is
// scratch space for a number's text. Members that cannot hold a number
// (strings and literals, most of a log line) are passed over without a
// call.
func validNumbers(v *fastjson.Value, buf *[]byte) bool {
	switch v.Type() {
	case fastjson.TypeNumber:
		*buf = v.MarshalTo((*buf)[:0])
		return validNumber(*buf)
	case fastjson.TypeObject:
		ok := true
		v.GetObject().Visit(func(_ []byte, e *fastjson.Value) {
			switch e.Type() {
			case fastjson.TypeString, fastjson.TypeTrue, fastjson.TypeFalse, fastjson.TypeNull:
			default:
				ok = ok && validNumbers(e, buf)
			}
		})
		return ok
	case fastjson.TypeArray:
		for _, e := range v.GetArray() {
			if !validNumbers(e, buf) {
				return false
			}
		}
	}
	return true
}

// validNumber reports whether s is exactly a JSON number:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func validNumber(s []byte) bool {
	i, n := 0, len(s)
	if i < n && s[i] == '-' {
		i++
	}
	switch {
	case i >= n:
		return false
	case s[i] == '0':
		i++
	case s[i]-'1' < 9:
		i++
		for i < n && s[i]-'0' < 10 {
			i++
		}
	default:
		return false
	}
	if i < n && s[i] == '.' {
		i++
		j := i
		for i < n && s[i]-'0' < 10 {
			i++
		}
		if i == j {
			return false
		}
	}
	if i < n && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < n && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := i
		for i < n && s[i]-'0' < 10 {
			i++
		}
		if i == j {
			return false
		}
	}
	return i == n
}

// parseChecked is ParseRecord the long way: fastjson.Validate first (its
// reasons are the ones a rejected line keeps), the raw control characters
// it misses, then the parse.
func parseChecked(p *fastjson.Parser, line []byte) (*fastjson.Value, error) {
	if err := fastjson.ValidateBytes(line); err != nil {
		return nil, fmt.Errorf("malformed JSON: %w", err)
	}
	if bytes.IndexByte(line, '\\') >= 0 && hasControl(line) {
		// fastjson's validator misses a raw control character in a string that
		// also holds an escape ("\x01\\n").
		if c, ok := rawControlInString(line); ok {
			return nil, fmt.Errorf("malformed JSON: string cannot contain control char 0x%02X", c)
		}
	}
	rec, err := parseRepaired(p, line)
	if err != nil {
		return nil, fmt.Errorf("malformed JSON: %w", err)
	}
	if rec.Type() != fastjson.TypeObject {
		return nil, fmt.Errorf("%w: %s", ErrNotObject, rec.Type())
	}
	return rec, nil
}

// scanLine reports, 8 bytes a step, whether line is plain (ASCII, without a
// backslash or a control character: nothing in it for validEscapes or
// needsRepair to find) and whether it holds a byte below 0x20 (hasControl).
func scanLine(line []byte) (plain, control bool) {
	var ctl, odd uint64 // high bits: a control byte; a byte >= 0x80 or a backslash
	for len(line) >= 8 {
		x := binary.LittleEndian.Uint64(line)
		y := x ^ 0x5c5c5c5c5c5c5c5c // a backslash becomes zero
		ctl |= (x - 0x2020202020202020) &^ x
		odd |= x | (y-0x0101010101010101)&^y
		line = line[8:]
	}
	ctl &= 0x8080808080808080
	odd &= 0x8080808080808080
	for _, c := range line {
		if c < 0x20 {
			ctl = 1
		}
		if c >= 0x80 || c == '\\' {
			odd = 1
		}
	}
	return ctl == 0 && odd == 0, ctl != 0
}

// hasControl reports whether b holds a byte below 0x20, 8 bytes a step.
func hasControl(b []byte) bool {
	for len(b) >= 8 {
		x := binary.LittleEndian.Uint64(b)
		if (x-0x2020202020202020)&^x&0x8080808080808080 != 0 {
			return true
		}
		b = b[8:]
	}
	for _, c := range b {
		if c < 0x20 {
			return true
		}
	}
	return false
}

// rawControlInString returns the first raw control character inside a string
// of the line, which JSON forbids (outside strings the validator allows only
// whitespace).
func rawControlInString(line []byte) (byte, bool) {
	in := false
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case in && c == '\\':
			i++ // the escaped character
		case c == '"':
			in = !in
		case in && c < 0x20:
			return c, true
		}
	}
	return 0, false
}

// parseRepaired parses line, its lone surrogates repaired first when it has
// any (needsRepair).
func parseRepaired(p *fastjson.Parser, line []byte) (*fastjson.Value, error) {
	if !needsRepair(line) {
		return p.ParseBytes(line)
	}
	buf := repairBuffers.Get().(*[]byte)
	*buf = repairLine((*buf)[:0], line)
	rec, err := p.ParseBytes(*buf)
	repairBuffers.Put(buf) // ParseBytes copied the line
	return rec, err
}
