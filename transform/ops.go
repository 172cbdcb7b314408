package transform

import (
	"math"
	"math/bits"
	"strings"
)

// compare orders a and b; ok is false when the result is NULL: either is NULL,
// or the types do not compare. A string compared with a number, timestamp,
// date or boolean is read as that type first, as DuckDB does with literals
// (ts > '2024-01-01' works).
func (st *State) compare(a, b Value) (int, bool) {
	if a.Type == Null || b.Type == Null {
		return 0, false
	}
	if isNumeric(a.Type) && isNumeric(b.Type) {
		if a.Type != Double && b.Type != Double {
			return cmpInt(a.I, b.I), true
		}
		return cmpFloat(asFloat(a), asFloat(b)), true
	}
	if a.Type == b.Type {
		switch a.Type {
		case Varchar, UUID: // canonical UUID text orders as the 128-bit number
			return strings.Compare(a.S, b.S), true
		case Boolean, Timestamp, Date, Time:
			return cmpInt(a.I, b.I), true
		case JSON:
			return strings.Compare(st.jsonText(a), st.jsonText(b)), true
		}
		return 0, false
	}
	switch {
	case a.Type == UUID && b.Type == Varchar:
		return cmpUUIDText(a.S, b.S)
	case a.Type == Varchar && b.Type == UUID:
		d, ok := cmpUUIDText(b.S, a.S)
		return -d, ok
	case a.Type == Timestamp && b.Type == Date:
		return cmpInt(a.I, b.I*microsPerDay), true
	case a.Type == Date && b.Type == Timestamp:
		return cmpInt(a.I*microsPerDay, b.I), true
	case a.Type == Varchar && b.Type != JSON:
		if a, ok := coerce(a, b.Type); ok {
			return st.compare(a, b)
		}
	case b.Type == Varchar && a.Type != JSON:
		if b, ok := coerce(b, a.Type); ok {
			return st.compare(a, b)
		}
	}
	return 0, false
}

// coerce reads the string s as a value comparable with type t.
func coerce(s Value, t Type) (Value, bool) {
	var st State // the conversions used here produce no text
	switch t {
	case Int32, Int64, Double:
		return st.convert(s, Double)
	case Boolean, Timestamp, Date, Time:
		return st.convert(s, t)
	}
	return Value{}, false
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// cmpFloat orders NaN above every number and equal to itself, as DuckDB does.
func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	case a == b:
		return 0
	case a != a && b != b:
		return 0
	case a != a:
		return 1
	}
	return -1
}

func asFloat(v Value) float64 {
	if v.Type == Double {
		return v.F
	}
	return float64(v.I)
}

// arith applies + - * / // % to numbers. Integers stay INT64 (NULL on
// overflow); / always divides as DOUBLE, as in DuckDB; division by zero is
// NULL; anything that is not a number makes NULL.
func arith(op string, a, b Value) Value {
	if !isNumeric(a.Type) || !isNumeric(b.Type) {
		return dateArith(op, a, b)
	}
	if op == "/" || a.Type == Double || b.Type == Double {
		x, y := asFloat(a), asFloat(b)
		var r float64
		switch op {
		case "+":
			r = x + y
		case "-":
			r = x - y
		case "*":
			r = x * y
		case "/":
			if y == 0 {
				return Value{}
			}
			r = x / y
		case "//":
			if y == 0 {
				return Value{}
			}
			r = math.Trunc(x / y)
		case "%":
			if y == 0 {
				return Value{}
			}
			r = math.Mod(x, y)
		}
		return Value{Type: Double, F: r}
	}
	x, y := a.I, b.I
	var r int64
	switch op {
	case "+":
		r = x + y
		if (x >= 0) == (y >= 0) && (r >= 0) != (x >= 0) {
			return Value{}
		}
	case "-":
		r = x - y
		if (x >= 0) != (y >= 0) && (r >= 0) != (x >= 0) {
			return Value{}
		}
	case "*":
		hi, lo := bits.Mul64(uint64(abs64(x)), uint64(abs64(y)))
		if hi != 0 || lo > math.MaxInt64 || x == math.MinInt64 || y == math.MinInt64 {
			if !(x == 0 || y == 0) {
				return Value{}
			}
		}
		r = x * y
	case "//":
		if y == 0 || (x == math.MinInt64 && y == -1) {
			return Value{}
		}
		r = x / y // truncated toward zero, as DuckDB's // does
	case "%":
		if y == 0 {
			return Value{}
		}
		r = x % y
	}
	return Value{Type: Int64, I: r}
}

// unsignedArith applies + - * // % to two UBIGINT operands (values of the
// computing types, see State.computed), in unsigned 64-bit arithmetic:
// NULL past 2^64 - 1 or below 0, where DuckDB fails the statement
// ("Overflow in addition of UINT64"), and for a division by zero.
func (st *State) unsignedArith(op string, a, b Value) Value {
	x, okx := uintOperand(a)
	y, oky := uintOperand(b)
	if !okx || !oky {
		return Value{}
	}
	var r, carry uint64
	switch op {
	case "+":
		r, carry = bits.Add64(x, y, 0)
	case "-":
		r, carry = bits.Sub64(x, y, 0)
	case "*":
		carry, r = bits.Mul64(x, y)
	case "//", "%":
		if y == 0 {
			return Value{}
		}
		r = x / y
		if op == "%" {
			r = x % y
		}
	}
	if carry != 0 {
		return Value{}
	}
	return st.computed(Value{Type: UBigInt, I: int64(r)})
}

// uintOperand reads a UBIGINT operand: an integer, or a DOUBLE beyond INT64
// that keeps its exact text.
func uintOperand(v Value) (uint64, bool) {
	switch v.Type {
	case Int32, Int64:
		return uint64(v.I), v.I >= 0
	case Double:
		return toUint64(v)
	}
	return 0, false
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// dateArith is DATE ± days and days + DATE, a DATE, and DATE + TIME, a
// TIMESTAMP, as in DuckDB; NULL for anything else that is not numbers.
func dateArith(op string, a, b Value) Value {
	const maxDays = 106_000_000 // beyond DuckDB's range of dates, far inside INT64
	var days, n int64
	switch {
	case a.Type == Date && isInteger(b.Type) && (op == "+" || op == "-"):
		days, n = a.I, b.I
		if op == "-" {
			n = -n
		}
	case isInteger(a.Type) && b.Type == Date && op == "+":
		days, n = b.I, a.I
	case op == "+" && (a.Type == Date && b.Type == Time || a.Type == Time && b.Type == Date):
		if a.Type == Time {
			a, b = b, a
		}
		return Value{Type: Timestamp, I: a.I*microsPerDay + b.I} // DATE + TIME
	default:
		return Value{}
	}
	if n > maxDays || n < -maxDays || days+n > maxDays || days+n < -maxDays {
		return Value{}
	}
	return Value{Type: Date, I: days + n}
}

// cmpUUIDText compares the UUID u (canonical text) with the text s read as a
// UUID; ok is false when s is none. The canonical form of s is made in a
// buffer on the stack.
func cmpUUIDText(u, s string) (int, bool) {
	var buf [36]byte
	b, ok := appendUUID(buf[:0], s)
	if !ok {
		return 0, false
	}
	for i := range min(len(u), len(b)) {
		if u[i] != b[i] {
			return cmpInt(int64(u[i]), int64(b[i])), true
		}
	}
	return cmpInt(int64(len(u)), int64(len(b))), true
}
