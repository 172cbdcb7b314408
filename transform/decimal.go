package transform

import (
	"math"
	"strconv"
	"strings"
)

// DECIMAL(p,s).
//
// A DECIMAL column type is one Type per precision and scale, below
// nestedBase: DECIMAL(p,s) for 1 <= p <= 18 and 0 <= s <= p, the decimals
// whose unscaled value fits an INT64 (Parquet DECIMAL on INT32 for p <= 9,
// on INT64 beyond). A Value of a DECIMAL type holds the unscaled integer in
// I (1.50 as DECIMAL(5,2) is 150). Inside an expression a cast to DECIMAL
// computes as the DOUBLE nearest the decimal; a cast at the top of a select
// item gives the DECIMAL value itself, exact, which the Parquet writer
// stores.

// decimalBase is the Type of DECIMAL(1,0); maxDecimalPrecision is the
// widest precision supported.
const decimalBase Type = 0x20

const maxDecimalPrecision = 18

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
	switch {
	case p > maxDecimalPrecision && p <= 38:
		return Null, src, "DECIMAL precision above 18 is not supported (its unscaled value must fit BIGINT); use DOUBLE or VARCHAR", false
	case p < 1 || p > 38 || sc > p:
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

// appendDecimal appends the unscaled value u of scale s as decimal text,
// with s digits after the point (150, 2 → 1.50), as DuckDB prints it.
func appendDecimal(dst []byte, u int64, s int) []byte {
	if u < 0 {
		dst = append(dst, '-')
	}
	a := uint64(u)
	if u < 0 {
		a = -a
	}
	var b [24]byte
	digits := strconv.AppendUint(b[:0], a, 10)
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

// toDecimal converts v (of a computing type) to the unscaled value of a
// DECIMAL(p,s), as DuckDB casts: integers exactly, text rounded half away
// from zero at the scale, a DOUBLE multiplied by 10^s and rounded half away
// from zero; ok is false when the value needs more than p digits.
func toDecimal(v Value, p, s int) (int64, bool) {
	limit := pow10[p]
	switch v.Type {
	case Boolean, Int32, Int64:
		if m := pow10[p-s]; v.I <= -m || v.I >= m {
			return 0, false
		}
		return v.I * pow10[s], true
	case Double:
		if v.S != "" { // a record number DOUBLE rounds: its exact text
			return decimalText(v.S, p, s)
		}
		x := math.Round(v.F * float64(pow10[s]))
		if !(x > -float64(limit) && x < float64(limit)) {
			return 0, false
		}
		return int64(x), true
	case Varchar:
		return decimalText(strings.TrimSpace(v.S), p, s)
	}
	return 0, false
}

// decimalText reads decimal text ([+-]digits[.digits][e[+-]digits]) as the
// unscaled value of a DECIMAL(p,s), rounded half away from zero.
func decimalText(t string, p, s int) (int64, bool) {
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
			return 0, false
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
			return 0, false
		}
	}
	if digits == 0 {
		return 0, false
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
		if intLen-min(lead, intLen) > p-s {
			return 0, false
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
	limit := uint64(pow10[p])
	var u uint64
	k := 0
	for i := 0; i < len(mant) && k < K; i++ {
		if mant[i] == '.' {
			continue
		}
		u = u*10 + uint64(mant[i]-'0')
		if u >= limit {
			return 0, false
		}
		k++
	}
	for ; k < K; k++ { // zeros past the last digit
		if u == 0 {
			break
		}
		u *= 10
		if u >= limit {
			return 0, false
		}
	}
	if K >= 0 && digit(K) >= 5 {
		u++
		if u >= limit {
			return 0, false
		}
	}
	if neg {
		return -int64(u), true
	}
	return int64(u), true
}
