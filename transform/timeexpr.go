package transform

import "unicode/utf8"

// WithTime returns a copy of p that also evaluates src, one expression of
// the statement's language (TAP_TIME, e.g. ts::TIMESTAMP), on every record
// the WHERE clause keeps, and leaves its value in State.Time as a
// TIMESTAMP: a string is read as RFC 3339, a number as epoch seconds or
// milliseconds, a DATE as its midnight; anything that does not convert is
// NULL (not counted in CastFailures: the value is not stored). The
// expression is compiled once, here; an error carries its position in src.
func (p *Program) WithTime(src string) (*Program, error) {
	if !utf8.ValidString(src) {
		return nil, errorAt(src, 0, "invalid UTF-8 in the expression")
	}
	n, err := parseExpr(src)
	if err != nil {
		return nil, err
	}
	c := &compiler{src: src}
	c.fold = &State{clock: nil}
	c.paths = p.paths.clone() // p's slots stay as they are; new ones are added
	c.star = p.HasStar()
	var x compiled
	var proj *projector
	err = func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				b, ok := r.(bailout)
				if !ok {
					panic(r)
				}
				err = b.err
			}
		}()
		x = c.expr(n)
		proj = c.finishPaths()
		switch x.typ {
		case Null, Timestamp, Date, Varchar, Int32, Int64, Double:
		default:
			c.fail(n.pos, "the event time must be a TIMESTAMP (or a DATE, an RFC 3339 string, epoch seconds or milliseconds); this expression is %s", x.typ)
		}
		return nil
	}()
	if err != nil {
		return nil, err
	}
	q := *p
	q.timeSrc, q.timeExpr, q.paths, q.proj = src, x.fn, c.paths, proj
	return &q, nil
}

// Time returns the event-time expression WithTime added, "" without.
func (p *Program) Time() string { return p.timeSrc }

// eventTime brings v to TIMESTAMP, NULL when it does not convert.
func (st *State) eventTime(v Value) Value {
	if v.Type == Timestamp || v.Type == Null {
		return v
	}
	if r, ok := st.convert(v, Timestamp); ok {
		return r
	}
	return Value{}
}

// parseExpr parses src as one expression and nothing after it.
func parseExpr(src string) (*node, error) {
	return parseWith(src, "expression", func(p *parser) *node {
		if p.tok.kind == tokEOF {
			p.failAt(p.tok.pos, "empty expression")
		}
		n := p.expr()
		if p.tok.kind != tokEOF {
			p.failAt(p.tok.pos, "unexpected %s after the expression", describe(p.tok))
		}
		return n
	})
}
