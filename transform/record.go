package transform

import (
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
func ParseRecord(p *fastjson.Parser, line []byte) (*fastjson.Value, error) {
	if err := fastjson.ValidateBytes(line); err != nil {
		return nil, fmt.Errorf("malformed JSON: %w", err)
	}
	rec, err := p.ParseBytes(line)
	if err != nil {
		return nil, fmt.Errorf("malformed JSON: %w", err)
	}
	if rec.Type() != fastjson.TypeObject {
		return nil, fmt.Errorf("%w: %s", ErrNotObject, rec.Type())
	}
	return rec, nil
}
