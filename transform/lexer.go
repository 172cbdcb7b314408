package transform

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokenKind uint8

const (
	tokEOF     tokenKind = iota
	tokIdent             // name or keyword; keywords are told apart by the parser
	tokQuoted            // "quoted identifier"
	tokString            // 'string literal'
	tokNumber            // 12, 1.5, 1e3
	tokOp                // punctuation and operators, text in token.text
	tokInvalid           // a character that starts no token
)

// token is one lexeme. text is the identifier, the unquoted string or the
// operator; pos is the byte offset of its first character in the source.
type token struct {
	kind tokenKind
	text string
	pos  int // offset of the first byte
	end  int // offset just past the last byte
}

// lexer splits a statement into tokens. It never fails by itself: bad input
// becomes tokInvalid (or an unterminated literal) that the parser reports at
// its position.
type lexer struct {
	src string
	off int
	err *Error // first lexical error, reported by the parser
}

// longer operators first, so that "<=" is not lexed as "<" "=".
var operators = []string{"->>", "->", "!~~*", "~~*", "!~~", "~~", "!~", "~", "::", ":", "<>", "!=", "<=", ">=", "||", "//", "=", "<", ">", "+", "-", "*", "/", "%", "(", ")", ",", ".", "[", "]", ";"}

func (l *lexer) next() token {
	t := l.scan()
	t.end = max(l.off, t.pos)
	return t
}

func (l *lexer) scan() token {
	l.skipSpaceAndComments()
	if l.off >= len(l.src) {
		return token{kind: tokEOF, pos: len(l.src)}
	}
	start := l.off
	c := l.src[l.off]
	switch {
	case c == '\'':
		s, ok := l.quoted('\'')
		if !ok {
			l.fail(start, "unterminated string literal")
			return token{kind: tokEOF, pos: start}
		}
		return token{kind: tokString, text: s, pos: start}
	case c == '"':
		s, ok := l.quoted('"')
		if !ok {
			l.fail(start, "unterminated quoted identifier")
			return token{kind: tokEOF, pos: start}
		}
		if s == "" {
			l.fail(start, "empty quoted identifier")
		}
		return token{kind: tokQuoted, text: s, pos: start}
	case isDigit(c) || (c == '.' && l.off+1 < len(l.src) && isDigit(l.src[l.off+1])):
		return token{kind: tokNumber, text: l.number(), pos: start}
	case isIdentStart(l.src[l.off:]):
		for l.off < len(l.src) {
			r, n := utf8.DecodeRuneInString(l.src[l.off:])
			if !isIdentRune(r) {
				break
			}
			l.off += n
		}
		return token{kind: tokIdent, text: l.src[start:l.off], pos: start}
	}
	for _, op := range operators {
		if strings.HasPrefix(l.src[l.off:], op) {
			l.off += len(op)
			return token{kind: tokOp, text: op, pos: start}
		}
	}
	_, n := utf8.DecodeRuneInString(l.src[l.off:])
	l.off += n
	return token{kind: tokInvalid, text: l.src[start:l.off], pos: start}
}

func (l *lexer) fail(off int, msg string) {
	if l.err == nil {
		l.err = errorAt(l.src, off, "%s", msg)
	}
}

func (l *lexer) skipSpaceAndComments() {
	for l.off < len(l.src) {
		c := l.src[l.off]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			l.off++
		case strings.HasPrefix(l.src[l.off:], "--"):
			end := strings.IndexByte(l.src[l.off:], '\n')
			if end < 0 {
				l.off = len(l.src)
			} else {
				l.off += end + 1
			}
		case strings.HasPrefix(l.src[l.off:], "/*"):
			end := strings.Index(l.src[l.off+2:], "*/")
			if end < 0 {
				l.fail(l.off, "unterminated comment")
				l.off = len(l.src)
				return
			}
			l.off += end + 4
		default:
			r, n := utf8.DecodeRuneInString(l.src[l.off:])
			if r < utf8.RuneSelf || !unicode.IsSpace(r) {
				return
			}
			l.off += n
		}
	}
}

// quoted reads a literal delimited by q, where a doubled q stands for one.
func (l *lexer) quoted(q byte) (string, bool) {
	l.off++ // opening quote
	var b strings.Builder
	start := l.off
	for l.off < len(l.src) {
		c := l.src[l.off]
		if c != q {
			l.off++
			continue
		}
		if l.off+1 < len(l.src) && l.src[l.off+1] == q {
			b.WriteString(l.src[start : l.off+1])
			l.off += 2
			start = l.off
			continue
		}
		b.WriteString(l.src[start:l.off])
		l.off++ // closing quote
		return b.String(), true
	}
	l.off = len(l.src)
	return "", false
}

func (l *lexer) number() string {
	start := l.off
	for l.off < len(l.src) && (isDigit(l.src[l.off]) || l.src[l.off] == '_') {
		l.off++
	}
	if l.off < len(l.src) && l.src[l.off] == '.' && !strings.HasPrefix(l.src[l.off:], "..") {
		l.off++
		for l.off < len(l.src) && isDigit(l.src[l.off]) {
			l.off++
		}
	}
	if l.off < len(l.src) && (l.src[l.off] == 'e' || l.src[l.off] == 'E') {
		save := l.off
		l.off++
		if l.off < len(l.src) && (l.src[l.off] == '+' || l.src[l.off] == '-') {
			l.off++
		}
		if l.off < len(l.src) && isDigit(l.src[l.off]) {
			for l.off < len(l.src) && isDigit(l.src[l.off]) {
				l.off++
			}
		} else {
			l.off = save // "1e" is 1 followed by the name e
		}
	}
	return l.src[start:l.off]
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isIdentStart(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return r == '_' || unicode.IsLetter(r)
}

func isIdentRune(r rune) bool {
	return r == '_' || r == '$' || unicode.IsLetter(r) || unicode.IsDigit(r)
}
