package lambda

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"testing"
)

// FuzzDecodeBase64 checks that decodeBase64 gives what
// base64.StdEncoding.Decode gives: the count, the bytes and the error.
func FuzzDecodeBase64(f *testing.F) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 3, 5, 6, 8, 9, 12, 40, 100} {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		enc := base64.StdEncoding.EncodeToString(b)
		f.Add([]byte(enc))
		f.Add([]byte(enc + "\n"))
		if len(enc) > 14 {
			f.Add([]byte(enc[:10] + "\r\n" + enc[10:]))
			f.Add([]byte(enc[:9] + "=" + enc[10:]))
			f.Add([]byte(enc[:13] + "*" + enc[14:]))
			f.Add([]byte(enc[:len(enc)-1]))
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		want := make([]byte, base64.StdEncoding.DecodedLen(len(src)))
		got := make([]byte, len(want))
		wn, werr := base64.StdEncoding.Decode(want, src)
		gn, gerr := decodeBase64(got, src)
		if gn != wn || !bytes.Equal(got[:gn], want[:wn]) || (gerr == nil) != (werr == nil) || gerr != nil && gerr.Error() != werr.Error() {
			t.Fatalf("%q: decodeBase64 %d %q %v; encoding/base64 %d %q %v", src, gn, got[:gn], gerr, wn, want[:wn], werr)
		}
	})
}

// TestDecodeBase64Long checks a long body with a fault at every offset of
// its first quanta, so that both the table loop and the hand-over are
// crossed.
func TestDecodeBase64Long(t *testing.T) {
	b := make([]byte, 3000)
	for i := range b {
		b[i] = byte(i * 7)
	}
	enc := []byte(base64.StdEncoding.EncodeToString(b))
	for at := -1; at < 64; at++ {
		for _, c := range []byte{'=', '\n', '*', 0x80} {
			src := bytes.Clone(enc)
			if at >= 0 {
				src[at] = c
			}
			want := make([]byte, base64.StdEncoding.DecodedLen(len(src)))
			got := make([]byte, len(want))
			wn, werr := base64.StdEncoding.Decode(want, src)
			gn, gerr := decodeBase64(got, src)
			if gn != wn || !bytes.Equal(got[:gn], want[:wn]) || (gerr == nil) != (werr == nil) || gerr != nil && gerr.Error() != werr.Error() {
				t.Fatalf("fault %q at %d: decodeBase64 %d %v; encoding/base64 %d %v", c, at, gn, gerr, wn, werr)
			}
		}
	}
}
