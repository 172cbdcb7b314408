package transform

import (
	"bytes"
	"sync"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// This file holds the rules that make whatever a sender posts storable: every
// string and key of a record valid UTF-8 without lone surrogates, and no NUL
// in a top-level key (repairLine, used by ParseRecord), JSON text that is JSON
// (appendJSONValue), and column names that a Parquet writer and DuckDB accept
// (starName; Program.Eval keeps them distinct).

// appendJSONValue appends v as compact JSON text. Unlike fastjson's
// MarshalTo, which quotes strings holding special characters the way Go does
// ("eu\a", "\x7f"), strings and keys go through AppendJSONString, so the
// output is always JSON. Numbers keep their text as sent, exactly (a huge
// integer stays exact). It allocates nothing beyond growing dst.
func appendJSONValue(dst []byte, v *fastjson.Value) []byte {
	switch v.Type() {
	case fastjson.TypeObject:
		dst = append(dst, '{')
		first := true
		v.GetObject().Visit(func(key []byte, v *fastjson.Value) {
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = AppendJSONString(dst, b2s(key))
			dst = append(dst, ':')
			dst = appendJSONValue(dst, v)
		})
		return append(dst, '}')
	case fastjson.TypeArray:
		dst = append(dst, '[')
		for i, e := range v.GetArray() {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONValue(dst, e)
		}
		return append(dst, ']')
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		return AppendJSONString(dst, b2s(b))
	case fastjson.TypeNumber:
		return v.MarshalTo(dst) // the number's text as sent (strict JSON: ParseRecord)
	case fastjson.TypeTrue:
		return append(dst, "true"...)
	case fastjson.TypeFalse:
		return append(dst, "false"...)
	}
	return append(dst, "null"...)
}

// needsRepair reports whether a line of valid JSON holds invalid UTF-8, an
// escaped lone surrogate (\ud800 without its low half, or a low half alone)
// or an escaped NUL (\u0000, which a key must not hold), which ParseRecord
// rewrites before parsing. Lines without a backslash, the common case, cost
// one utf8.Valid and one IndexByte.
func needsRepair(line []byte) bool {
	return !utf8.Valid(line) || scanEscapes(line, true)
}

// hasLoneSurrogate reports whether the JSON text b holds a \u escape of a
// surrogate (D800–DFFF) that is not part of a high-low pair. b must be valid
// JSON, so that every backslash starts an escape.
func hasLoneSurrogate(b []byte) bool { return scanEscapes(b, false) }

// scanEscapes reports whether the valid JSON text b holds a lone surrogate
// escape, or, with nul, a \u0000.
func scanEscapes(b []byte, nul bool) bool {
	for {
		i := bytes.IndexByte(b, '\\')
		if i < 0 || i+1 >= len(b) {
			return false
		}
		b = b[i:]
		if b[1] != 'u' || len(b) < 6 {
			b = b[2:]
			continue
		}
		switch surrogate(b) {
		case 0:
			if nul && string(b[2:6]) == "0000" {
				return true
			}
			b = b[6:]
		case 'h':
			if surrogate(b[6:]) != 'l' {
				return true
			}
			b = b[12:]
		default:
			return true
		}
	}
}

// surrogate tells whether b starts with a \u escape of a high surrogate ('h'),
// a low surrogate ('l') or neither (0).
func surrogate(b []byte) byte {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' || (b[2] != 'd' && b[2] != 'D') {
		return 0
	}
	switch b[3] {
	case '8', '9', 'a', 'b', 'A', 'B':
		return 'h'
	case 'c', 'd', 'e', 'f', 'C', 'D', 'E', 'F':
		return 'l'
	}
	return 0
}

// repairLine appends to dst the valid JSON line with each invalid UTF-8 byte
// replaced by U+FFFD, each lone surrogate escape by \ufffd, and each \u0000
// in a top-level key by \ufffd, so that every string and key parsed from it
// is valid UTF-8, every JSON text made of it is accepted by DuckDB, and no
// column name that * makes holds NUL (see starName). Invalid bytes can only be inside strings (the line is
// valid JSON), so the result is valid JSON too.
func repairLine(dst, line []byte) []byte {
	var stackBuf [64]byte
	stack := stackBuf[:0] // the open containers, '{' or '['
	inString, isKey, expectKey := false, false, false
	for i := 0; i < len(line); {
		c := line[i]
		switch {
		case c == '\\' && i+1 < len(line) && line[i+1] == 'u':
			switch surrogate(line[i:]) {
			case 0:
				if isKey && i+6 <= len(line) && string(line[i+2:i+6]) == "0000" {
					dst = append(dst, `\ufffd`...)
				} else {
					dst = append(dst, line[i:min(i+6, len(line))]...)
				}
				i += 6
			case 'h':
				if surrogate(line[i+6:]) == 'l' {
					dst = append(dst, line[i:i+12]...)
					i += 12
					continue
				}
				dst = append(dst, `\ufffd`...)
				i += 6
			default:
				dst = append(dst, `\ufffd`...)
				i += 6
			}
		case c == '\\':
			dst = append(dst, line[i:min(i+2, len(line))]...)
			i += 2
		case c < utf8.RuneSelf:
			dst = append(dst, c)
			i++
			if c == '"' {
				if inString = !inString; inString {
					isKey = expectKey && len(stack) == 1 // a top-level key: a column name
				} else {
					isKey, expectKey = false, false
				}
				continue
			}
			if inString {
				continue
			}
			switch c {
			case '{':
				stack = append(stack, c)
				expectKey = true
			case '[':
				stack = append(stack, c)
			case '}', ']':
				if len(stack) > 0 {
					stack = stack[:len(stack)-1]
				}
			case ',':
				expectKey = len(stack) > 0 && stack[len(stack)-1] == '{'
			}
		default:
			r, n := utf8.DecodeRune(line[i:])
			if r == utf8.RuneError && n == 1 {
				dst = append(dst, "\uFFFD"...)
			} else {
				dst = append(dst, line[i:i+n]...)
			}
			i += n
		}
	}
	return dst
}

// repairBuffers holds the scratch copies of lines that need repair (rare), so
// that repairing does not allocate once warm.
var repairBuffers = sync.Pool{New: func() any { return new([]byte) }}

// EmptyKeyName is the column name that * gives a field whose key is the empty
// string ({"":1}): Parquet and DuckDB have no empty column name, and DuckDB's
// own read_json calls it by its position (C0, C1 …), which would put the same
// key in different columns from one line to the next.
const EmptyKeyName = "_empty"

// starName returns the column name that * gives the key of a top-level
// field: the key itself, except that the empty key is EmptyKeyName. Keys are
// valid UTF-8 and free of NUL already (ParseRecord makes a NUL in a key
// U+FFFD: readers that use C strings, DuckDB's own API among them, cut a name
// at NUL, so "k\x00" would read as "k"). Other characters, control
// characters, '.', and any length included, are kept: DuckDB reads them as
// they are.
func starName(key string) string {
	if key == "" {
		return EmptyKeyName
	}
	return key
}
