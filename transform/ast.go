package transform

// nodeKind says which fields of a node are in use.
type nodeKind uint8

const (
	nLiteral  nodeKind = iota // lit
	nPath                     // path
	nUnary                    // op ("-", "+", "NOT"), args[0]
	nBinary                   // op, args[0], args[1]
	nIsNull                   // args[0] IS [NOT] NULL
	nIn                       // args[0] [NOT] IN (args[1:])
	nLike                     // args[0] [NOT] LIKE|ILIKE|GLOB|SIMILAR args[1] [ESCAPE args[2]]; ~ is SIMILAR
	nIsBool                   // args[0] IS [NOT] TRUE|FALSE (op)
	nDistinct                 // args[0] IS [NOT] DISTINCT FROM args[1]
	nInterval                 // INTERVAL args[0] [op: unit], a constant; only in t ± INTERVAL and date_add
	nBetween                  // args[0] [NOT] BETWEEN args[1] AND args[2]
	nCase                     // CASE [operand] WHEN whens[i] THEN thens[i] … [ELSE els] END
	nCast                     // args[0]::typ
	nCall                     // name(args…)
)

// node is one expression of the AST, with its source span for error
// messages and default column names.
type node struct {
	kind nodeKind
	pos  int // byte offset where the expression starts
	end  int // byte offset just past it
	op   string
	not  bool
	args []*node
	lit  Value
	path []step
	typ  Type
	name string // function name, lower case

	operand *node // simple CASE
	whens   []*node
	thens   []*node
	els     *node
}

// step is one element of a field path: a key of an object, or an index of an
// array (negative counts from the end).
type step struct {
	key     string
	index   int
	isIndex bool
}

// selectItem is one item of the SELECT or PARTITION BY list.
type selectItem struct {
	star    bool
	columns *node // COLUMNS('regex'): * keeps the fields whose name matches (the literal)
	exclude []string
	replace []selectItem // * REPLACE (expr AS name, …)
	expr    *node
	alias   string
	pos     int
}

// statement is a parsed SELECT.
type statement struct {
	items      []selectItem
	where      *node
	partitions []selectItem
}
