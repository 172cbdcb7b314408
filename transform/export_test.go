package transform

// HostileLines lets the tests of package transform_test (which may import
// the writer, unlike package transform's own) use the hostile corpus.
var HostileLines = hostileLines

// SetPathModes sets how the statements compiled next resolve their paths
// (see paths.go): walked from walk top-level keys on, repeated ones cached
// or not. It returns the function that restores the defaults.
func SetPathModes(walk int, cache bool) (restore func()) {
	w, c := walkKeys, cachePaths
	walkKeys, cachePaths = walk, cache
	return func() { walkKeys, cachePaths = w, c }
}

// SetProjection turns EvalLine's one pass (project.go) on or off for the
// statements compiled next. It returns the function that restores it.
func SetProjection(on bool) (restore func()) {
	old := projection
	projection = on
	return func() { projection = old }
}
