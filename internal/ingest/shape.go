package ingest

import "github.com/datatap/datatap/internal/jsonscan"

// Body shapes besides NDJSON. Senders that batch rarely send NDJSON: many
// post a JSON array of objects, others an envelope object with the batch in
// one array member (Telegraf's `{"metrics":[…]}`, loggers' `{"logs":[…]}`).
// Read as lines, such a body is one row (or one rejected line) where the
// sender meant many.
//
// How a body is recognised, cheaply and before any parsing:
//
//   - its first byte that is not white space (after a byte order mark) is
//     '[': a JSON array, whatever TAP_UNNEST says. NDJSON lines must be
//     objects, so a body starting with '[' was never valid NDJSON;
//   - TAP_UNNEST is set, the first byte is '{', and the first value of the
//     body is an object whose member of that name (compared as written,
//     escapes and all) is an array: an envelope.
//
// Then the whole body is read as a sequence of JSON values separated by
// white space: an array gives its elements, an envelope the elements of its
// TAP_UNNEST array (its other members are not stored), and any other value
// is itself one element. Each element then goes exactly where a line would
// go: the line limit, transform.ParseRecord with its strictness and U+FFFD
// rules, the statement, and an element that is not an object is a rejected
// line in the error output. If the sequence cannot be cut into values (an
// unterminated string, a missing comma), the body is read as NDJSON lines
// instead, so that what was sent still lands, as rows or rejected lines.
//
// Plain NDJSON pays one byte comparison when TAP_UNNEST is unset, and a scan
// of its first line when it is set.

// span is an element's place in the body: body[start:end].
type span struct{ start, end int }

// elements returns the spans of body's elements, appended to dst, and true
// when body is a JSON array or an envelope (see above); false means NDJSON.
func elements(body []byte, unnest string, dst []span) ([]span, bool) {
	i := jsonscan.SkipSpace(body, 0)
	switch {
	case i >= len(body):
		return dst, false
	case body[i] == '[':
	case body[i] == '{' && unnest != "":
		if a, _ := envelope(body, i, unnest); a < 0 {
			return dst, false
		}
	default:
		return dst, false
	}
	for i < len(body) {
		var ok bool
		switch body[i] {
		case '[':
			if dst, i, ok = arrayElements(body, i, dst); !ok {
				return dst, false
			}
		case '{':
			a, end := -1, -1
			if unnest != "" {
				a, end = envelope(body, i, unnest)
			}
			if a >= 0 {
				if dst, _, ok = arrayElements(body, a, dst); !ok {
					return dst, false
				}
				i = end
				break
			}
			fallthrough
		default:
			end := jsonscan.SkipValue(body, i)
			if end <= i {
				return dst, false
			}
			dst = append(dst, span{i, end})
			i = end
		}
		next := jsonscan.SkipSpace(body, i)
		if next == i && next < len(body) {
			return dst, false // two values with nothing between them
		}
		i = next
	}
	return dst, true
}

// arrayElements appends the spans of the elements of the array at body[i]
// ('[') and returns the index past it.
func arrayElements(body []byte, i int, dst []span) ([]span, int, bool) {
	i = jsonscan.SkipSpace(body, i+1)
	if i < len(body) && body[i] == ']' {
		return dst, i + 1, true
	}
	for {
		end := jsonscan.SkipValue(body, i)
		if end <= i {
			return dst, 0, false
		}
		dst = append(dst, span{i, end})
		i = jsonscan.SkipSpace(body, end)
		if i >= len(body) {
			return dst, 0, false
		}
		switch body[i] {
		case ']':
			return dst, i + 1, true
		case ',':
			i = jsonscan.SkipSpace(body, i+1)
		default:
			return dst, 0, false
		}
	}
}

// envelope looks at the object at body[i] ('{'): when its first member
// named name holds an array, it returns that array's index and the index
// past the object; else -1.
func envelope(body []byte, i int, name string) (array, end int) {
	array = -1
	i = jsonscan.SkipSpace(body, i+1)
	if i < len(body) && body[i] == '}' {
		return -1, -1
	}
	for {
		if i >= len(body) || body[i] != '"' {
			return -1, -1
		}
		k := jsonscan.SkipString(body, i)
		if k < 0 {
			return -1, -1
		}
		key := body[i+1 : k-1]
		i = jsonscan.SkipSpace(body, k)
		if i >= len(body) || body[i] != ':' {
			return -1, -1
		}
		i = jsonscan.SkipSpace(body, i+1)
		if array < 0 && i < len(body) && body[i] == '[' && string(key) == name {
			array = i
		}
		if i = jsonscan.SkipValue(body, i); i < 0 {
			return -1, -1
		}
		i = jsonscan.SkipSpace(body, i)
		if i >= len(body) {
			return -1, -1
		}
		switch body[i] {
		case '}':
			if array < 0 {
				return -1, -1
			}
			return array, i + 1
		case ',':
			i = jsonscan.SkipSpace(body, i+1)
		default:
			return -1, -1
		}
	}
}
