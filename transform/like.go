package transform

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// likePattern is a LIKE or ILIKE pattern compiled once. Common shapes
// ('abc', 'abc%', '%abc', '%abc%') become plain string tests.
type likePattern struct {
	kind   byte // '=' exact, '^' prefix, '$' suffix, '~' contains, '*' general
	lit    string
	pat    string
	escape rune // -1 when there is none
	fold   bool // ILIKE
}

func compileLike(pat string, escape rune, fold bool) likePattern {
	lp := likePattern{kind: '*', pat: pat, escape: escape, fold: fold}
	if fold || escape >= 0 || strings.ContainsRune(pat, '_') {
		return lp
	}
	inner := strings.Trim(pat, "%")
	if strings.ContainsRune(inner, '%') {
		return lp
	}
	lead, trail := strings.HasPrefix(pat, "%"), strings.HasSuffix(pat, "%") && len(pat) > 1
	lp.lit = inner
	switch {
	case lead && trail:
		lp.kind = '~'
	case lead:
		lp.kind = '$'
	case trail:
		lp.kind = '^'
	default:
		lp.kind = '='
	}
	return lp
}

func (lp *likePattern) match(s string) bool {
	switch lp.kind {
	case '=':
		return s == lp.lit
	case '^':
		return strings.HasPrefix(s, lp.lit)
	case '$':
		return strings.HasSuffix(s, lp.lit)
	case '~':
		return strings.Contains(s, lp.lit)
	}
	return likeMatch(s, lp.pat, lp.escape, lp.fold)
}

// likeMatch reports whether s matches the LIKE pattern p: % is any run of
// characters, _ exactly one, and esc (when >= 0) makes the next character
// literal. It backtracks only to the last %, so it runs in O(len(s)·len(p))
// at worst, never exponentially.
func likeMatch(s, p string, esc rune, fold bool) bool {
	si, pi := 0, 0
	starP, starS := -1, -1
	for si < len(s) {
		if pi < len(p) {
			pc, pn := utf8.DecodeRuneInString(p[pi:])
			switch {
			case pc == '%':
				pi += pn
				starP, starS = pi, si
				continue
			case pc == '_':
				_, sn := utf8.DecodeRuneInString(s[si:])
				si += sn
				pi += pn
				continue
			case pc == esc && pi+pn < len(p):
				pi += pn
				pc, pn = utf8.DecodeRuneInString(p[pi:])
			}
			sc, sn := utf8.DecodeRuneInString(s[si:])
			if sc == pc || (fold && unicode.ToLower(sc) == unicode.ToLower(pc)) {
				si += sn
				pi += pn
				continue
			}
		}
		if starP < 0 {
			return false
		}
		_, sn := utf8.DecodeRuneInString(s[starS:])
		starS += sn
		si, pi = starS, starP
	}
	for pi < len(p) && p[pi] == '%' {
		pi++
	}
	return pi == len(p)
}
