package transform

// HostileLines lets the tests of package transform_test (which may import
// the writer, unlike package transform's own) use the hostile corpus.
var HostileLines = hostileLines
