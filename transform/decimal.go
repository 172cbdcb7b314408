package transform

import (
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// DECIMAL(p,s).
//
// A DECIMAL column type is one Type per precision and scale, below
// nestedBase: DECIMAL(p,s) for 1 <= p <= 38 and 0 <= s <= p, numbered by
// precision then scale (so the numbers of DECIMAL(1..18, s), which the spool
// keeps, did not move when the wider ones came). A Value of a DECIMAL type
// holds the unscaled integer (1.50 as DECIMAL(5,2) is 150): for p <= 18,
// which fits an INT64 (Parquet DECIMAL on INT32 for p <= 9, on INT64
// beyond), in I; for 19 <= p <= 38 (Parquet DECIMAL on
// FIXED_LEN_BYTE_ARRAY(16), as DuckDB writes it) as a 128-bit two's
// complement integer, its low 64 bits in I and its high 64 bits in F (see
// DecimalValue and Value.Unscaled), so that a Value stays four words. The
// high word is kept as float bits chosen never to be a NaN nor -0, so that
// two such Values are == exactly when they hold the same decimal: |hi| <
// 10^38 / 2^64 < 2^62.3, so a high word >= 0 is the bits of a finite
// positive DOUBLE as it is, and a negative one is moved 2^53 down, past the
// NaNs at the top of the negative bit patterns (see hiFloat). Inside an expression a cast to DECIMAL computes as the DOUBLE
// nearest the decimal; a cast at the top of a select item gives the DECIMAL
// value itself, exact, which the Parquet writer stores.

// decimalBase is the Type of DECIMAL(1,0); maxDecimalPrecision is the
// widest precision supported; maxInt64Precision the widest whose unscaled
// value fits an INT64.
const decimalBase Type = 0x20

const (
	maxDecimalPrecision = 38
	maxInt64Precision   = 18
)

// decimalTypes holds the precision and scale of each DECIMAL Type, by
// t - decimalBase.
var decimalTypes = func() (ps [][2]uint8) {
	for p := 1; p <= maxDecimalPrecision; p++ {
		for s := 0; s <= p; s++ {
			ps = append(ps, [2]uint8{uint8(p), uint8(s)})
		}
	}
	return ps
}()

// pow10 holds the powers of ten an INT64 holds.
var pow10 = func() (t [19]int64) {
	t[0] = 1
	for i := 1; i < len(t); i++ {
		t[i] = t[i-1] * 10
	}
	return t
}()

// pow10x holds the powers of ten up to 10^38 as 128-bit integers.
var pow10x = func() (t [maxDecimalPrecision + 1]u128) {
	t[0] = u128{lo: 1}
	for i := 1; i < len(t); i++ {
		t[i], _ = t[i-1].mulAdd(10, 0)
	}
	return t
}()

// pow10f holds the DOUBLEs nearest 10^0 … 10^38 (as DuckDB's
// DOUBLE_POWERS_OF_TEN; math.Pow10 multiplies two table entries beyond 1e31
// and may miss the nearest by one unit).
var pow10f = func() (t [maxDecimalPrecision + 1]float64) {
	for i := range t {
		t[i], _ = strconv.ParseFloat("1e"+strconv.Itoa(i), 64)
	}
	return t
}()

// u128 is an unsigned 128-bit integer: the magnitude of an unscaled
// DECIMAL while it is read or printed.
type u128 struct{ hi, lo uint64 }

// mulAdd returns x*m + a; ok is false when that overflows 128 bits.
func (x u128) mulAdd(m, a uint64) (u128, bool) {
	h1, l := bits.Mul64(x.lo, m)
	h2, h := bits.Mul64(x.hi, m)
	h, c := bits.Add64(h, h1, 0)
	l, c2 := bits.Add64(l, a, 0)
	h, c3 := bits.Add64(h, 0, c2)
	return u128{h, l}, h2 == 0 && c == 0 && c3 == 0
}

// less reports whether x < y.
func (x u128) less(y u128) bool { return x.hi < y.hi || x.hi == y.hi && x.lo < y.lo }

// divmod10 returns x/10 and x%10.
func (x u128) divmod10() (u128, uint64) {
	qh, r := x.hi/10, x.hi%10
	ql, r := bits.Div64(r, x.lo, 10)
	return u128{qh, ql}, r
}

// signed returns the two's complement (hi, lo) of x, negated when neg.
func (x u128) signed(neg bool) (int64, uint64) {
	if neg {
		lo, b := bits.Sub64(0, x.lo, 0)
		hi, _ := bits.Sub64(0, x.hi, b)
		return int64(hi), lo
	}
	return int64(x.hi), x.lo
}

// magnitude returns |(hi, lo)| and whether it is negative.
func magnitude(hi int64, lo uint64) (u128, bool) {
	if hi < 0 {
		l, b := bits.Sub64(0, lo, 0)
		h, _ := bits.Sub64(0, uint64(hi), b)
		return u128{h, l}, true
	}
	return u128{uint64(hi), lo}, false
}

// DecimalValue returns the Value of the DECIMAL type t whose unscaled value
// is the 128-bit two's complement integer (hi, lo). For a precision up to
// 18, hi must be the sign extension of lo.
func DecimalValue(t Type, hi int64, lo uint64) Value {
	if p, _, ok := t.Decimal(); ok && p > maxInt64Precision {
		return Value{Type: t, I: int64(lo), F: hiFloat(hi)}
	}
	return Value{Type: t, I: int64(lo)}
}

// hiFloat keeps the high word hi (|hi| < 2^62.3) of a wide DECIMAL as
// float bits that are neither a NaN nor -0; floatHi reads it back.
func hiFloat(hi int64) float64 {
	b := uint64(hi)
	if hi < 0 {
		b -= 1 << 53
	}
	return math.Float64frombits(b)
}

func floatHi(f float64) int64 {
	b := math.Float64bits(f)
	if b>>63 != 0 {
		b += 1 << 53
	}
	return int64(b)
}

// Unscaled returns the unscaled value of a DECIMAL v as a 128-bit two's
// complement integer (hi, lo); for a precision up to 18 hi is the sign
// extension of I. It is (0, 0) for the other types.
func (v Value) Unscaled() (hi int64, lo uint64) {
	p, _, ok := v.Type.Decimal()
	switch {
	case !ok:
		return 0, 0
	case p > maxInt64Precision:
		return floatHi(v.F), uint64(v.I)
	}
	return v.I >> 63, uint64(v.I)
}

// DecimalOf returns the type DECIMAL(p,s); ok is false for a precision or
// scale out of range.
func DecimalOf(p, s int) (Type, bool) {
	if p < 1 || p > maxDecimalPrecision || s < 0 || s > p {
		return Null, false
	}
	return decimalBase + Type((p-1)*(p+2)/2+s), true
}

// Decimal returns the precision and scale of a DECIMAL type; ok is false
// for the other types.
func (t Type) Decimal() (precision, scale int, ok bool) {
	if t < decimalBase || int(t-decimalBase) >= len(decimalTypes) {
		return 0, 0, false
	}
	ps := decimalTypes[t-decimalBase]
	return int(ps[0]), int(ps[1]), true
}

// parseDecimalType reads DECIMAL, DECIMAL(p) or DECIMAL(p,s) (also spelt
// NUMERIC) at the start of s and returns the type and the rest of s. A bare
// DECIMAL is DECIMAL(18,3), as in DuckDB. msg tells what is wrong when ok
// is false and s does start with DECIMAL or NUMERIC.
func parseDecimalType(src string) (t Type, rest string, msg string, ok bool) {
	s := src
	i := 0
	for i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z') {
		i++
	}
	if name := strings.ToUpper(s[:i]); name != "DECIMAL" && name != "NUMERIC" {
		return Null, src, "", false
	}
	s = s[i:]
	p, sc := 18, 3
	if r := strings.TrimLeft(s, " \t\r\n"); strings.HasPrefix(r, "(") {
		r = r[1:]
		num := func() (int, bool) {
			r = strings.TrimLeft(r, " \t\r\n")
			j := 0
			for j < len(r) && j < 4 && r[j] >= '0' && r[j] <= '9' {
				j++
			}
			n, err := strconv.Atoi(r[:j])
			r = strings.TrimLeft(r[j:], " \t\r\n")
			return n, err == nil
		}
		var ok bool
		if p, ok = num(); !ok {
			return Null, src, "expected DECIMAL(precision, scale)", false
		}
		sc = 0
		if strings.HasPrefix(r, ",") {
			r = r[1:]
			if sc, ok = num(); !ok {
				return Null, src, "expected DECIMAL(precision, scale)", false
			}
		}
		if !strings.HasPrefix(r, ")") {
			return Null, src, "expected DECIMAL(precision, scale)", false
		}
		s = r[1:]
	}
	if p < 1 || p > maxDecimalPrecision || sc > p {
		return Null, src, "DECIMAL(p,s) needs 1 <= p <= 38 and 0 <= s <= p", false
	}
	t, _ = DecimalOf(p, sc)
	return t, s, "", true
}

// decimalString is the DuckDB name of the DECIMAL type t.
func decimalString(t Type) string {
	p, s, _ := t.Decimal()
	return "DECIMAL(" + strconv.Itoa(p) + "," + strconv.Itoa(s) + ")"
}

// appendDecimal appends the unscaled value (hi, lo) (a 128-bit two's
// complement integer, see Value.Unscaled) of scale s as decimal text, with s
// digits after the point (150, 2 → 1.50), as DuckDB prints it.
func appendDecimal(dst []byte, hi int64, lo uint64, s int) []byte {
	m, neg := magnitude(hi, lo)
	if neg {
		dst = append(dst, '-')
	}
	var b [40]byte
	var digits []byte
	if m.hi == 0 {
		digits = strconv.AppendUint(b[:0], m.lo, 10)
	} else {
		i := len(b)
		for m != (u128{}) {
			var d uint64
			m, d = m.divmod10()
			i--
			b[i] = byte('0' + d)
		}
		digits = b[i:]
	}
	if s == 0 {
		return append(dst, digits...)
	}
	if len(digits) <= s {
		dst = append(dst, '0', '.')
		for range s - len(digits) {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
	dst = append(dst, digits[:len(digits)-s]...)
	dst = append(dst, '.')
	return append(dst, digits[len(digits)-s:]...)
}

// toDecimal converts v (of a computing type) to the unscaled value (hi, lo)
// of a DECIMAL(p,s), as DuckDB casts: integers exactly, text rounded half
// away from zero at the scale, a DOUBLE multiplied by 10^s and rounded half
// away from zero (then taken exactly: 1e30 is
// 1000000000000000019884624838656); ok is false when the value needs more
// than p digits.
func toDecimal(v Value, p, s int) (hi int64, lo uint64, ok bool) {
	switch v.Type {
	case Boolean, Int32, Int64:
		m, neg := magnitude(v.I>>63, uint64(v.I))
		if !m.less(pow10x[p-s]) {
			return 0, 0, false
		}
		m = mul128(m, pow10x[s]) // < 10^p: fits
		hi, lo = m.signed(neg)
		return hi, lo, true
	case Double:
		if v.S != "" { // a record number DOUBLE rounds: its exact text
			return decimalText(v.S, p, s)
		}
		x := math.Round(v.F * pow10f[s])
		if !(x > -pow10f[p] && x < pow10f[p]) {
			return 0, 0, false
		}
		hi, lo = float128(x)
		return hi, lo, true
	case Varchar:
		return decimalText(strings.TrimSpace(v.S), p, s)
	}
	return 0, 0, false
}

// mul128 returns x*y, which the caller knows fits 128 bits.
func mul128(x, y u128) u128 {
	h, l := bits.Mul64(x.lo, y.lo)
	return u128{h + x.hi*y.lo + x.lo*y.hi, l}
}

// float128 returns the integer DOUBLE x (|x| < 2^127) as a 128-bit two's
// complement integer, exactly.
func float128(x float64) (int64, uint64) {
	if x > -0x1p63 && x < 0x1p63 {
		i := int64(x)
		return i >> 63, uint64(i)
	}
	frac, exp := math.Frexp(math.Abs(x)) // |x| = frac * 2^exp, 0.5 <= frac < 1
	mant := uint64(frac * 0x1p53)        // exact: 53 significant bits
	shift := exp - 53                    // >= 11, since |x| >= 2^63
	var m u128
	if shift >= 64 {
		m = u128{hi: mant << (shift - 64)}
	} else {
		m = u128{hi: mant >> (64 - shift), lo: mant << shift}
	}
	return m.signed(x < 0)
}

// decimalText reads decimal text ([+-]digits[.digits][e[+-]digits]) as the
// unscaled value of a DECIMAL(p,s), rounded half away from zero.
func decimalText(t string, p, s int) (int64, uint64, bool) {
	neg := false
	if t != "" && (t[0] == '+' || t[0] == '-') {
		neg = t[0] == '-'
		t = t[1:]
	}
	mant, exp := t, 0
	if i := strings.IndexAny(t, "eE"); i >= 0 {
		mant = t[:i]
		e, sign := t[i+1:], 1
		if e != "" && (e[0] == '+' || e[0] == '-') {
			if e[0] == '-' {
				sign = -1
			}
			e = e[1:]
		}
		if e == "" || len(e) > 4 || strings.Trim(e, "0123456789") != "" {
			return 0, 0, false
		}
		n, _ := strconv.Atoi(e)
		n *= sign
		exp = n
	}
	// mant: digits with at most one point, at least one digit.
	intLen, digits := -1, 0
	for i := 0; i < len(mant); i++ {
		switch c := mant[i]; {
		case c == '.' && intLen < 0:
			intLen = digits
		case c >= '0' && c <= '9':
			digits++
		default:
			return 0, 0, false
		}
	}
	if digits == 0 {
		return 0, 0, false
	}
	if intLen < 0 {
		intLen = digits
	}
	if exp != 0 {
		// DuckDB reads the digits before the exponent as the DECIMAL first:
		// they must fit it ('1e-5' is no DECIMAL(3,3)).
		lead := 0
		for i := 0; i < len(mant) && mant[i] == '0'; i++ {
			lead++
		}
		whole := intLen - min(lead, intLen)
		if whole > p-s {
			return 0, 0, false
		}
		// … and then appends the exponent's zeros (less the decimals past
		// the scale) to its integer digits, which must fit again, whatever
		// the value ('0.0012e3' is no DECIMAL(4,3), though 1.2 would be).
		if e := exp - max(0, digits-intLen-s); e > 0 && whole+e > p-s && strings.Trim(mant, "0.") != "" {
			return 0, 0, false
		}
	}
	// Digit k (0-based, the point skipped) weighs 10^(intLen+exp-1-k): the
	// unscaled value is the digits k < K = intLen+exp+s, digit K rounds.
	K := intLen + exp + s
	digit := func(k int) uint64 {
		if k < 0 || k >= digits {
			return 0
		}
		for i := 0; i < len(mant); i++ {
			if mant[i] == '.' {
				continue
			}
			if k == 0 {
				return uint64(mant[i] - '0')
			}
			k--
		}
		return 0
	}
	limit := pow10x[p]
	var u u128
	k := 0
	for i := 0; i < len(mant) && k < K; i++ {
		if mant[i] == '.' {
			continue
		}
		if u.hi == 0 && u.lo < 1<<59 { // most decimals: 64-bit arithmetic
			u.lo = u.lo*10 + uint64(mant[i]-'0')
		} else {
			var fits bool
			if u, fits = u.mulAdd(10, uint64(mant[i]-'0')); !fits { // 10^39 passes 2^128
				return 0, 0, false
			}
		}
		if !u.less(limit) {
			return 0, 0, false
		}
		k++
	}
	for ; k < K; k++ { // zeros past the last digit
		if u == (u128{}) {
			break
		}
		var fits bool
		u, fits = u.mulAdd(10, 0)
		if !fits || !u.less(limit) {
			return 0, 0, false
		}
	}
	if K >= 0 && digit(K) >= 5 {
		u, _ = u.mulAdd(1, 1)
		if !u.less(limit) {
			return 0, 0, false
		}
	}
	hi, lo := u.signed(neg)
	return hi, lo, true
}
