// Package transform is datatap's SQL-shaped transform language: one statement,
//
//	SELECT ts::TIMESTAMP AS ts, level, user.id AS user_id
//	WHERE level <> 'debug' AND status >= 200
//	PARTITION BY service, strftime(ts, '%Y-%m-%d') AS day
//
// compiled once at start-up into a tree of closures over fastjson values, then
// evaluated for every record with a reusable State, so that the common case
// (paths, comparisons, numeric casts) allocates nothing per record.
//
// The pipeline is lexer → parser (an AST with source positions) → compiler
// (name resolution, constant folding, functions, regular expressions and
// formats compiled once) → Program. A Program is immutable and may be shared by
// goroutines; each goroutine evaluates with its own State.
//
// The built-in functions are registered by family: funcs.go (the first few
// and the registry, with the nearest-name suggestion for unknown ones),
// funcs_text.go, funcs_hash.go, funcs_num.go, funcs_time.go (also INTERVAL),
// funcs_list.go, funcs_json.go and predicates.go (if, GLOB, SIMILAR TO, IS
// DISTINCT FROM); lists.go has the lists a statement makes ([a, b],
// string_split, l[i], l[a:b]) and regexp_dynamic.go every regular
// expression argument (constant, compiled once; or from the data, cached per
// State). A function that builds text while it evaluates its
// arguments appends through State.appendAt, since an argument's own text may
// already sit in the scratch space.
//
// Semantics follow SQL as DuckDB has it wherever JSON allows: NULL is
// three-valued, a missing field is NULL, a type mismatch is NULL (never a
// panic), and casts have TRY semantics: a value that does not convert is NULL
// and is counted in State.CastFailures. Where DuckDB fails the whole query
// on one value (sqrt(-1), chr(-1), strptime of a string that does not match)
// the result is NULL: one record must not fail a batch.
//
// Whatever a line that ParseRecord accepts holds, the row a Program makes of
// it can be stored and read back (FuzzAcceptedWritable): strings and names
// are valid UTF-8 (invalid bytes and lone surrogate escapes become U+FFFD),
// JSON values are valid JSON text, names are distinct and non-empty (the
// empty key is EmptyKeyName), and a number DOUBLE cannot hold exactly keeps
// its text for casts to VARCHAR and JSON and is counted in
// State.RoundedNumbers. See ParseRecord, Program.Eval and Value.
//
// Program.EvalLine is ParseRecord then Eval, the way ingest calls them. For
// a statement without * that reads fields by key paths it first tries one
// pass over the line's text (project.go) that checks strict JSON and
// converts the value of every path as it goes, without fastjson; a line it
// is not sure of goes to ParseRecord and Eval, so that the accepted set, the
// rows and the reasons are theirs (FuzzEvalLine).
package transform
