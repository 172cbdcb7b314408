package transform

import (
	"bytes"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// This file holds the rules that make whatever a sender posts storable: every
// string and key of a record valid UTF-8 without lone surrogates (repairLine,
// used by ParseRecord), JSON text that is JSON (appendJSONValue), and column
// names that a Parquet writer and DuckDB accept (starName).

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

// needsRepair reports whether a line of valid JSON holds invalid UTF-8 or an
// escaped lone surrogate (\ud800 without its low half, or a low half alone),
// which ParseRecord rewrites before parsing. Lines without a backslash, the
// common case, cost one utf8.Valid and one IndexByte.
func needsRepair(line []byte) bool {
	return !utf8.Valid(line) || hasLoneSurrogate(line)
}

// hasLoneSurrogate reports whether the JSON text b holds a \u escape of a
// surrogate (D800–DFFF) that is not part of a high-low pair. b must be valid
// JSON, so that every backslash starts an escape.
func hasLoneSurrogate(b []byte) bool {
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
// replaced by U+FFFD and each lone surrogate escape by \ufffd, so that every
// string and key parsed from it is valid UTF-8 and every JSON text made of it
// is accepted by DuckDB. Invalid bytes can only be inside strings (the line is
// valid JSON), so the result is valid JSON too.
func repairLine(dst, line []byte) []byte {
	for i := 0; i < len(line); {
		c := line[i]
		switch {
		case c == '\\' && i+1 < len(line) && line[i+1] == 'u':
			switch surrogate(line[i:]) {
			case 0:
				dst = append(dst, line[i:min(i+6, len(line))]...)
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
// field: the key itself, except that the empty key is EmptyKeyName and a NUL
// character becomes U+FFFD (readers that use C strings, DuckDB's own API
// among them, cut a name at NUL, so "k\x00" would read as "k"). Keys are
// valid UTF-8 already (ParseRecord). Other characters, control characters,
// '.', and any length included, are kept: DuckDB reads them as they are.
func (st *State) starName(key string) string {
	if key == "" {
		return EmptyKeyName
	}
	if strings.IndexByte(key, 0) < 0 {
		return key
	}
	start := len(st.arena)
	for i := 0; i < len(key); i++ {
		if key[i] == 0 {
			st.arena = append(st.arena, "\uFFFD"...)
		} else {
			st.arena = append(st.arena, key[i])
		}
	}
	return b2s(st.arena[start:])
}
