package nearest

import "testing"

func TestName(t *testing.T) {
	known := []string{"lower", "upper", "regexp_extract", "regexp_replace", "TAP_TRANSFORM", "TAP_BUCKET", "TAP_DIR", "len", "left"}
	f := func(name, want string) {
		t.Helper()
		if got := Name(name, known); got != want {
			t.Errorf("Name(%q) = %q, want %q", name, got, want)
		}
	}
	f("lowr", "lower")
	f("regexp_extrct", "regexp_extract")
	f("TAP_TRANSFROM", "TAP_TRANSFORM") // a transposition is two edits
	f("TAP_BUCKETS", "TAP_BUCKET")
	f("TAP_", "")    // 3 edits from TAP_DIR: too far for 4 bytes
	f("lef", "left") // ties (len, left) go to byte order: "left" < "len"
	f("zzzzzzz", "")
	f("lower", "lower")
}
