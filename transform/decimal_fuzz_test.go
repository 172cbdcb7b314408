package transform

import (
	"math/big"
	"strings"
	"testing"
)

// FuzzDecimalText checks the 128-bit reading of decimal text against
// math/big: a value it gives is the text rounded half away from zero at the
// scale and has at most p digits, and reads back from its own rendering;
// plain text (no exponent) of at most p digits after rounding is never
// refused.
func FuzzDecimalText(f *testing.F) {
	for _, s := range []string{"1.005", "-99999999999999999999999999999999999999", "12345678901234567890.123456789", "0.5", ".5", "5.",
		"1e37", "-1e-38", "0.0012e3", "99999999999999999999999999999999999999.5", "18446744073709551616", "-0", "+7.25"} {
		f.Add(s, uint8(38), uint8(10))
		f.Add(s, uint8(18), uint8(3))
		f.Add(s, uint8(20), uint8(0))
	}
	f.Fuzz(func(t *testing.T, s string, pb, sb uint8) {
		p := 1 + int(pb)%maxDecimalPrecision
		sc := int(sb) % (p + 1)
		hi, lo, ok := decimalText(s, p, sc)
		want, plain := decimalRat(s, sc)
		if !ok {
			if plain && want.CmpAbs(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(p)), nil)) < 0 {
				t.Fatalf("%q as DECIMAL(%d,%d): refused, want %s", s, p, sc, want)
			}
			return
		}
		got := int128Big(hi, lo)
		if want != nil && got.Cmp(want) != 0 {
			t.Fatalf("%q as DECIMAL(%d,%d): unscaled %s, want %s", s, p, sc, got, want)
		}
		if got.CmpAbs(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(p)), nil)) >= 0 {
			t.Fatalf("%q as DECIMAL(%d,%d): %s has more than %d digits", s, p, sc, got, p)
		}
		text := string(appendDecimal(nil, hi, lo, sc))
		if hi2, lo2, ok2 := decimalText(text, p, sc); !ok2 || hi2 != hi || lo2 != lo {
			t.Fatalf("%q as DECIMAL(%d,%d) renders %s, which reads back as %v", s, p, sc, text, int128Big(hi2, lo2))
		}
	})
}

// decimalRat is the unscaled value of s at scale sc, rounded half away from
// zero, by math/big; nil when big.Rat does not read s as a decimal (or its
// exponent is too large to try). plain says s has no exponent.
func decimalRat(s string, sc int) (*big.Int, bool) {
	if s == "" || strings.ContainsAny(s, "/xXpPbBoO_ \t\n\r\v\f") {
		return nil, false
	}
	if i := strings.IndexAny(s, "eE"); i >= 0 && len(s)-i > 4 {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, false
	}
	r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(sc)), nil)))
	neg := r.Sign() < 0
	r.Abs(r)
	r.Add(r, big.NewRat(1, 2))
	n := new(big.Int).Quo(r.Num(), r.Denom()) // floor(|x| + 1/2)
	if neg {
		n.Neg(n)
	}
	return n, !strings.ContainsAny(s, "eE")
}

func int128Big(hi int64, lo uint64) *big.Int {
	n := new(big.Int).Lsh(big.NewInt(hi), 64)
	return n.Add(n, new(big.Int).SetUint64(lo))
}
