package jsonscan

import "testing"

func TestSkipValue(t *testing.T) {
	f := func(in string, want int) {
		t.Helper()
		if got := SkipValue([]byte(in), 0); got != want {
			t.Errorf("SkipValue(%q) = %d, want %d", in, got, want)
		}
	}
	f(`"a\"b",`, 6)
	f(`{"a":[1,{"b":"}"}]} x`, 19)
	f(`[1,2],[3]`, 5)
	f(`123,`, 3)
	f(`true}`, 4)
	f(`null`, 4)
	f(`"unterminated`, -1)
	f(`{"a":1`, -1)
	f(`[1,"]"`, -1)
	f(``, -1)
	f(`]`, 0) // nothing: the caller sees an empty span
}

func TestSkipSpaceAndString(t *testing.T) {
	if got := SkipSpace([]byte(" \t\r\nx"), 0); got != 4 {
		t.Errorf("SkipSpace = %d", got)
	}
	if got := SkipSpace([]byte("  "), 0); got != 2 {
		t.Errorf("SkipSpace of spaces = %d", got)
	}
	if got := SkipString([]byte(`"a\\"b`), 0); got != 5 {
		t.Errorf("SkipString = %d", got)
	}
	if got := SkipString([]byte(`"a\"`), 0); got != -1 {
		t.Errorf("SkipString unterminated = %d", got)
	}
}
