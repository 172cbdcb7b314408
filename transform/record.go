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
	var rec *fastjson.Value
	var err error
	if needsRepair(line) {
		buf := repairBuffers.Get().(*[]byte)
		*buf = repairLine((*buf)[:0], line)
		rec, err = p.ParseBytes(*buf)
		repairBuffers.Put(buf) // ParseBytes copied the line
	} else {
		rec, err = p.ParseBytes(line)
	}
	if err != nil {
		return nil, fmt.Errorf("malformed JSON: %w", err)
	}
	if rec.Type() != fastjson.TypeObject {
		return nil, fmt.Errorf("%w: %s", ErrNotObject, rec.Type())
	}
	return rec, nil
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
