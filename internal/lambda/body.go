package lambda

import (
	"encoding/binary"
	"errors"
	"math/bits"
	"slices"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/datatap/datatap/internal/jsonscan"
)

// A Function URL event carries the request body as one JSON string that can
// be megabytes long and, for text bodies such as NDJSON, is dense with
// escapes (every quote of every line is \"). A general JSON parser scans such
// a string twice: once to find its end, once to unescape it. cutBody finds
// the top-level "body" member and unescapes it in one pass; the rest of the
// event, small, is left for the general parser.

var errNoBody = errors.New("no top-level string member \"body\"")

// cutBody returns the unescaped value of the event's top-level "body"
// member, appended to dst, and the event with that value replaced by "",
// appended to rest. ok is false when there is no such string member; the
// caller then parses the event as a whole.
func cutBody(event, dst, rest []byte) (body, without []byte, err error) {
	i := jsonscan.SkipSpace(event, 0)
	if i >= len(event) || event[i] != '{' {
		return nil, nil, errNoBody
	}
	i++
	for {
		i = jsonscan.SkipSpace(event, i)
		if i >= len(event) || event[i] != '"' {
			return nil, nil, errNoBody
		}
		keyStart := i
		i = jsonscan.SkipString(event, i)
		if i < 0 {
			return nil, nil, errNoBody
		}
		key := event[keyStart:i]
		i = jsonscan.SkipSpace(event, i)
		if i >= len(event) || event[i] != ':' {
			return nil, nil, errNoBody
		}
		i = jsonscan.SkipSpace(event, i+1)
		if string(key) == `"body"` && i < len(event) && event[i] == '"' {
			body, n, err := unescape(dst, event[i+1:])
			if err != nil {
				return nil, nil, err
			}
			end := i + 1 + n // just past the closing quote
			rest = append(rest, event[:i]...)
			rest = append(rest, `""`...)
			return body, append(rest, event[end:]...), nil
		}
		if i = jsonscan.SkipValue(event, i); i < 0 {
			return nil, nil, errNoBody
		}
		i = jsonscan.SkipSpace(event, i)
		if i >= len(event) || event[i] != ',' {
			return nil, nil, errNoBody
		}
		i++
	}
}

// unescape decodes the JSON string contents at the start of s (after the
// opening quote) into dst and returns it with the number of bytes consumed,
// closing quote included. Runs between escapes are copied 8 bytes a step,
// the first quote or backslash of a word found by bit arithmetic, and a
// simple escape (\" and the like) is undone without leaving that loop, so
// that a body dense with escapes (NDJSON text: every quote is \", one every
// 7 bytes or so) costs a word step per escape. Only \u, the closing quote and
// the last bytes of s leave it.
func unescape(dst, s []byte) ([]byte, int, error) {
	// Unescaped, a string is never longer than its JSON text: room for all
	// of s lets each step store a whole word.
	dst = slices.Grow(dst, len(s)+8)
	out, d := dst[:cap(dst)], len(dst)
	i := 0
	for {
		// The word loop reads and writes through pointers: with the bounds
		// checks of slices it took about three times the instructions. It
		// stays in bounds: i+8 <= len(s), and d-len(dst) <= i (an escape
		// writes fewer bytes than it reads), so d+8 <= cap(out).
		src, dp := unsafe.Pointer(unsafe.SliceData(s)), unsafe.Pointer(unsafe.SliceData(out))
		for i < len(s)-7 {
			x := binary.LittleEndian.Uint64((*[8]byte)(unsafe.Add(src, i))[:])
			binary.LittleEndian.PutUint64((*[8]byte)(unsafe.Add(dp, d))[:], x)
			bs := zeroByte(x ^ backslashes)
			m := zeroByte(x^quotes) | bs
			if m == 0 {
				i, d = i+8, d+8
				continue
			}
			k := bits.TrailingZeros64(m) >> 3
			i, d = i+k, d+k
			// The lowest bit of m is exact in both masks: it is in bs when
			// the byte is a backslash.
			if m&-m&bs == 0 || i+1 >= len(s) {
				break // the closing quote, or an escape at the very end
			}
			c := simpleEscapes[*(*byte)(unsafe.Add(src, i+1))]
			if c == 0 {
				break // \u, or not an escape
			}
			*(*byte)(unsafe.Add(dp, d)) = c
			i, d = i+2, d+1
		}
		for i < len(s) && s[i] != '"' && s[i] != '\\' {
			out[d] = s[i]
			i, d = i+1, d+1
		}
		if i+1 < len(s) && s[i] == '\\' {
			if c := simpleEscapes[s[i+1]]; c != 0 { // the last bytes of s
				out[d] = c
				i, d = i+2, d+1
				continue
			}
		}
		dst = out[:d]
		j := i
		if j >= len(s) {
			return nil, 0, errors.New("unterminated body string")
		}
		if s[j] == '"' {
			return dst, j + 1, nil
		}
		if j+1 >= len(s) {
			return nil, 0, errors.New("unterminated body string")
		}
		switch c := s[j+1]; c {
		case 'u':
			r, ok := hex4(s[j+2:])
			if !ok {
				return nil, 0, errors.New("bad \\u escape in body")
			}
			j += 4
			// A surrogate pair is two escapes; a lone surrogate becomes U+FFFD.
			if utf16.IsSurrogate(r) && len(s) >= j+8 && s[j+2] == '\\' && s[j+3] == 'u' {
				if r2, ok := hex4(s[j+4:]); ok {
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						r = d
						j += 6
					}
				}
			}
			dst = utf8.AppendRune(dst, r)
		default:
			return nil, 0, errors.New("bad escape in body")
		}
		i = j + 2
		out, d = dst[:cap(dst)], len(dst)
	}
}

// simpleEscapes maps the character after a backslash to what the escape
// stands for, for every escape but \u (0: not one of them).
var simpleEscapes = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

const (
	quotes      = 0x2222222222222222 // '"' in every byte
	backslashes = 0x5c5c5c5c5c5c5c5c // '\\' in every byte
)

// zeroByte has the high bit of the lowest zero byte of x set, and no lower
// bit (higher ones may be set too: only the lowest is exact).
func zeroByte(x uint64) uint64 {
	return (x - 0x0101010101010101) &^ x & 0x8080808080808080
}

// hex4 reads the 4 hex digits of a \u escape.
func hex4(s []byte) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range s[:4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c|0x20 >= 'a' && c|0x20 <= 'f':
			r = r<<4 | rune(c|0x20-'a'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
