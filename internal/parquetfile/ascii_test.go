package parquetfile

import (
	"bytes"
	"testing"
)

// TestIsASCII checks the word-at-a-time check against a byte loop, with a
// byte of 0x80 or more at every place of strings of every length up to 40.
func TestIsASCII(t *testing.T) {
	ref := func(b []byte) bool {
		for _, c := range b {
			if c >= 0x80 {
				return false
			}
		}
		return true
	}
	for n := 0; n <= 40; n++ {
		b := bytes.Repeat([]byte{'a'}, n)
		if !isASCII(b) {
			t.Fatalf("%d ASCII bytes: not ASCII", n)
		}
		for i := range n {
			for _, c := range []byte{0x80, 0xc3, 0xff} {
				b[i] = c
				if got, want := isASCII(b), ref(b); got != want {
					t.Fatalf("len %d, byte %#x at %d: isASCII %v, want %v", n, c, i, got, want)
				}
			}
			b[i] = 0x7f
		}
	}
}
