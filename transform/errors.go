package transform

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Error is a compile error: what is wrong and where. Its Error method renders
//
//	unknown function 'lowr' at 1:8
//	  SELECT lowr(msg)
//	         ^
//
// so that a person reading a start-up log can fix the statement at once.
type Error struct {
	Msg    string // what is wrong, without the position
	Line   int    // 1-based line of the offending token
	Column int    // 1-based column, in characters
	Source string // the source line holding the token, or a window of a long one

	caret int // 1-based column of the caret within Source
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s at %d:%d", e.Msg, e.Line, e.Column)
	if e.Source != "" {
		b.WriteString("\n  ")
		b.WriteString(e.Source)
		b.WriteString("\n  ")
		// Keep tabs so that the caret lines up under tab-indented source.
		n := 0
		for _, r := range e.Source {
			if n == e.caret-1 {
				break
			}
			if r == '\t' {
				b.WriteByte('\t')
			} else {
				b.WriteByte(' ')
			}
			n++
		}
		b.WriteByte('^')
	}
	return b.String()
}

// errorAt builds an Error for the byte offset off in src.
func errorAt(src string, off int, format string, args ...any) *Error {
	if off > len(src) {
		off = len(src)
	}
	line, start := 1, 0
	for i := 0; i < off; i++ {
		if src[i] == '\n' {
			line++
			start = i + 1
		}
	}
	end := strings.IndexByte(src[start:], '\n')
	if end < 0 {
		end = len(src)
	} else {
		end += start
	}
	text := strings.TrimRight(src[start:end], "\r")
	if off-start > len(text) { // at the line's trailing \r: the caret goes after the text
		off = start + len(text)
	}
	e := &Error{
		Msg:    fmt.Sprintf(format, args...),
		Line:   line,
		Column: utf8.RuneCountInString(src[start:off]) + 1,
		Source: text,
	}
	e.caret = e.Column
	if len(text) > 160 {
		// A caret under column 5000 helps nobody: show a window around it.
		lo := max(off-start-60, 0)
		hi := min(lo+120, len(text))
		for lo > 0 && !utf8.RuneStart(text[lo]) {
			lo--
		}
		for hi < len(text) && !utf8.RuneStart(text[hi]) {
			hi++
		}
		e.Source = text[lo:hi]
		e.caret = utf8.RuneCountInString(text[lo:off-start]) + 1
	}
	return e
}
