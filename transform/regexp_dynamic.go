package transform

import (
	"regexp"
	"strings"
)

// Patterns from the data. A pattern that is not a constant is compiled the
// first time a State meets it and kept in the State, so that a column of a
// few distinct patterns compiles each once per goroutine; a statement that
// sees a new pattern in every record compiles per record (bounded memory:
// the cache is emptied when it holds maxPatterns). A pattern that does not
// compile is remembered as such and gives NULL (DuckDB fails the query).

// maxPatterns bounds the patterns a State keeps.
const maxPatterns = 256

// pattern returns the compiled flags+pat, nil when it does not compile.
func (st *State) pattern(flags, pat string) *regexp.Regexp {
	if re, ok := st.patterns[patternKey{flags, pat}]; ok {
		return re
	}
	if st.patterns == nil || len(st.patterns) >= maxPatterns {
		st.patterns = make(map[patternKey]*regexp.Regexp, 16)
	}
	re, err := regexp.Compile(flags + pat)
	if err != nil {
		re = nil
	}
	st.patterns[patternKey{flags, strings.Clone(pat)}] = re
	return re
}

// patternKey names a pattern with its options (a constant of the call).
type patternKey struct{ flags, pat string }

// regexpFlags reads the constant options of a regexp function in
// args[opt] (when there) as an inline flag group ("(?i)"): i
// (case-insensitive), s (dot matches newline, DuckDB's default is off), m
// and n (multi-line), c (case-sensitive), and g (every match; only where
// global is not nil).
func (c *compiler) regexpFlags(fn string, n *node, args []compiled, opt int, global *bool) string {
	if opt >= len(args) {
		return ""
	}
	flags := ""
	for _, o := range c.constString(fn, n, args[opt], "the options") {
		switch {
		case o == 'i' || o == 's' || o == 'm':
			flags += string(o)
		case o == 'n' || o == 'p':
			flags += "m"
		case o == 'c':
		case o == 'g' && global != nil:
			*global = true
		default:
			known := "i, s, m, c"
			if global != nil {
				known += ", g"
			}
			c.fail(n.args[opt].pos, "%s: unknown option '%c' (options: %s)", fn, o, known)
		}
	}
	if flags == "" {
		return ""
	}
	return "(?" + flags + ")"
}
