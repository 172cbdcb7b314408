package transform

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/valyala/fastjson"
)

// fromJSON turns a JSON value of the record into a Value: objects and arrays
// stay JSON, numbers become INT64 when integral and in range, else DOUBLE.
func (st *State) fromJSON(v *fastjson.Value) Value {
	if v == nil {
		return Value{}
	}
	switch v.Type() {
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		return Value{Type: Varchar, S: b2s(b)}
	case fastjson.TypeNumber:
		st.num = v.MarshalTo(st.num[:0])
		x := parseNumber(b2s(st.num))
		if x.Type == Double && !exactDouble(b2s(st.num), x.F) {
			// Keep the exact text (st.num is reused by the next number).
			start := len(st.arena)
			st.arena = append(st.arena, st.num...)
			x.S = b2s(st.arena[start:])
			st.rounded++
		}
		return x
	case fastjson.TypeTrue:
		return Value{Type: Boolean, I: 1}
	case fastjson.TypeFalse:
		return Value{Type: Boolean}
	case fastjson.TypeObject, fastjson.TypeArray:
		return Value{Type: JSON, J: v}
	}
	return Value{}
}

// parseNumber reads JSON number text: integral and within int64 → INT64,
// otherwise DOUBLE. Integers, the common case, are read in one pass.
func parseNumber(s string) Value {
	i, neg := 0, false
	if len(s) > 0 && s[0] == '-' {
		i, neg = 1, true
	}
	if len(s)-i > 18 {
		// Might not fit. More than 19 digits never fits (JSON has no leading
		// zeros); 19 digits fit a uint64, which tells (no strconv: its error
		// would allocate for every huge integer).
		if len(s)-i > 19 {
			return parseDouble(s)
		}
		var u uint64
		for j := i; j < len(s); j++ {
			c := s[j]
			if c < '0' || c > '9' {
				return parseDouble(s)
			}
			u = u*10 + uint64(c-'0')
		}
		switch {
		case !neg && u <= math.MaxInt64:
			return Value{Type: Int64, I: int64(u)}
		case neg && u <= 1<<63:
			return Value{Type: Int64, I: int64(-u)}
		}
		return parseDouble(s)
	}
	if i == len(s) {
		return parseDouble(s)
	}
	var n int64
	for ; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return parseDouble(s)
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return Value{Type: Int64, I: n}
}

// parseDouble reads a JSON number exactly (strconv rounds once, correctly;
// fastfloat's fast path can be an ulp off for numbers with exponents).
func parseDouble(s string) Value {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return Value{} // not reached for validated JSON
	}
	return Value{Type: Double, F: f}
}

// exactDouble reports whether the DOUBLE f read from the JSON number text s
// is s exactly, in the sense that f's shortest text denotes the same number:
// 0.1, 1.5e300 and 10000000000000000000 are exact; 18446744073709551615,
// 0.12345678901234567890, 1e400 (infinity) and 1e-400 (zero) are not. Up to
// 15 significant digits in DOUBLE's normal range is exact without looking
// further (DBL_DIG); only longer numbers are formatted and compared.
func exactDouble(s string, f float64) bool {
	if a := math.Abs(f); len(s) <= 15 && a >= 0x1p-1022 && a <= math.MaxFloat64 {
		// The common case, such as 123.456: at most 15 digits, and in DOUBLE's
		// normal range, which only an exponent could leave.
		return true
	}
	var b1, b2 [40]byte
	digits, exp, ok := decimal(b1[:0], s)
	switch {
	case len(digits) == 0:
		return f == 0 // a zero, whatever its exponent
	case !ok || math.IsInf(f, 0) || f == 0:
		return false
	case len(digits) <= 15 && exp > -307 && exp < 308:
		return true
	}
	d2, exp2, _ := decimal(b2[:0], b2s(strconv.AppendFloat(b2[:0], f, 'e', -1, 64)))
	return string(d2) == string(digits) && exp2 == exp
}

// decimal appends to dst the significant digits of the JSON number text s
// (no leading or trailing zeros; none for zero) and returns them with the
// decimal exponent of the first: "-0.0120e3" is ("12", 1), meaning 1.2e1.
// ok is false when the exponent does not fit an int.
func decimal(dst []byte, s string) (digits []byte, exp int, ok bool) {
	s = strings.TrimPrefix(s, "-")
	mant, e, ok := s, 0, true
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant = s[:i]
		n, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+"))
		e, ok = n, err == nil
	}
	// mant is int[.frac]; the first significant digit's exponent is
	// e + len(int) - 1 - (zeros before it, on either side of the point).
	point, zeros := len(mant), 0
	for i := 0; i < len(mant); i++ {
		switch c := mant[i]; {
		case c == '.':
			point = i
		case c == '0' && len(dst) == 0:
			zeros++
		default:
			dst = append(dst, c)
		}
	}
	for len(dst) > 0 && dst[len(dst)-1] == '0' {
		dst = dst[:len(dst)-1]
	}
	return dst, e + point - 1 - zeros, ok
}

// text returns v rendered as text (see Value.AppendText), in the scratch space
// when it is not already a string.
func (st *State) text(v Value) string {
	if v.Type == Varchar {
		return v.S
	}
	start := len(st.arena)
	st.arena = v.AppendText(st.arena)
	return b2s(st.arena[start:])
}

// cast converts v to t with TRY semantics.
func (st *State) cast(v Value, t Type) Value {
	if v.Type == t || v.Type == Null {
		return v
	}
	r, ok := st.convert(v, t)
	if !ok {
		st.CastFailures++
		return Value{}
	}
	return r
}

func (st *State) convert(v Value, t Type) (Value, bool) {
	if t >= nestedBase {
		return st.castNested(v, t)
	}
	switch t {
	case Boolean:
		switch v.Type {
		case Int32, Int64:
			return boolValue(v.I != 0), true
		case Double:
			return boolValue(v.F != 0), true
		case Varchar:
			switch strings.ToLower(strings.TrimSpace(v.S)) {
			case "true", "t", "1", "yes", "y", "on":
				return boolValue(true), true
			case "false", "f", "0", "no", "n", "off":
				return boolValue(false), true
			}
		}
	case Int32, Int64:
		lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
		if t == Int32 {
			lo, hi = math.MinInt32, math.MaxInt32
		}
		var i int64
		switch v.Type {
		case Boolean, Int32, Int64:
			i = v.I
		case Double:
			// DuckDB rounds a DOUBLE half to even (2.5 → 2) …
			f := math.RoundToEven(v.F)
			if !(f >= -9.223372036854775808e18 && f < 9.223372036854775808e18) {
				return Value{}, false
			}
			i = int64(f)
		case Varchar:
			s := strings.TrimSpace(v.S)
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				// … but decimal text half away from zero ('2.5' → 3).
				f, ferr := strconv.ParseFloat(s, 64)
				f = math.Round(f)
				if ferr != nil || strings.ContainsAny(s, "nNiI") || !(f >= -9.223372036854775808e18 && f < 9.223372036854775808e18) {
					return Value{}, false
				}
				n = int64(f)
			}
			i = n
		default:
			return Value{}, false
		}
		if i < lo || i > hi {
			return Value{}, false
		}
		return Value{Type: t, I: i}, true
	case Double:
		switch v.Type {
		case Boolean, Int32, Int64:
			f := float64(v.I)
			if (v.I > 1<<53 || v.I < -1<<53) && !(f < 0x1p63 && int64(f) == v.I) {
				st.RoundedNumbers++ // beyond 2^53 DOUBLE holds only some integers
			}
			return Value{Type: Double, F: f}, true
		case Varchar:
			f, err := strconv.ParseFloat(strings.TrimSpace(v.S), 64)
			if err == nil {
				return Value{Type: Double, F: f}, true
			}
		}
	case Varchar:
		return Value{Type: Varchar, S: st.text(v)}, true
	case Timestamp:
		switch v.Type {
		case Varchar:
			if us, ok := parseTimestamp(v.S); ok {
				return Value{Type: Timestamp, I: us}, true
			}
		case Date:
			return Value{Type: Timestamp, I: v.I * microsPerDay}, true
		case Int32, Int64, Double:
			if us, ok := epochMicros(v); ok {
				return Value{Type: Timestamp, I: us}, true
			}
		}
	case Date:
		switch v.Type {
		case Varchar:
			if d, ok := parseDate(v.S); ok {
				return Value{Type: Date, I: d}, true
			}
		case Timestamp:
			return Value{Type: Date, I: floorDiv(v.I, microsPerDay)}, true
		case Int32, Int64, Double:
			if us, ok := epochMicros(v); ok {
				return Value{Type: Date, I: floorDiv(us, microsPerDay)}, true
			}
		}
	case UUID:
		if v.Type == Varchar {
			start := len(st.arena)
			if b, ok := appendUUID(st.arena, v.S); ok {
				st.arena = b
				return Value{Type: UUID, S: b2s(st.arena[start:])}, true
			}
		}
	case Time:
		switch v.Type {
		case Varchar:
			if us, ok := parseTime(v.S); ok {
				return Value{Type: Time, I: us}, true
			}
		case Timestamp:
			return Value{Type: Time, I: v.I - floorDiv(v.I, microsPerDay)*microsPerDay}, true
		}
	case JSON:
		if v.Type == Double && v.S != "" {
			return Value{Type: JSON, S: v.S}, true // a rounded record number: its exact JSON text
		}
		start := len(st.arena)
		st.arena = v.AppendJSON(st.arena)
		return Value{Type: JSON, S: b2s(st.arena[start:])}, true
	}
	return Value{}, false
}

func boolValue(b bool) Value {
	if b {
		return Value{Type: Boolean, I: 1}
	}
	return Value{Type: Boolean}
}

// jsonText returns the JSON text of a JSON value.
func (st *State) jsonText(v Value) string {
	if v.J == nil {
		return v.S
	}
	start := len(st.arena)
	st.arena = appendJSONValue(st.arena, v.J)
	return b2s(st.arena[start:])
}

// narrowType is a DuckDB type the language stores in a wider one: the
// integers narrower than INT32 (and the unsigned ones up to 32 bits) as INT32
// or INT64 with their range checked, FLOAT as the DOUBLE of its single
// precision value. A cast to one gives exactly DuckDB's value; the Parquet
// column has the wider type.
type narrowType struct {
	name   string
	typ    Type
	lo, hi int64 // integers
	float  bool  // FLOAT: rounded to single precision
}

var narrowTypes = map[string]narrowType{}

func init() {
	for _, n := range []narrowType{
		{name: "TINYINT", typ: Int32, lo: math.MinInt8, hi: math.MaxInt8},
		{name: "SMALLINT", typ: Int32, lo: math.MinInt16, hi: math.MaxInt16},
		{name: "UTINYINT", typ: Int32, hi: math.MaxUint8},
		{name: "USMALLINT", typ: Int32, hi: math.MaxUint16},
		{name: "UINTEGER", typ: Int64, hi: math.MaxUint32},
		{name: "FLOAT", typ: Double, float: true},
	} {
		narrowTypes[n.name] = n
	}
	for alias, name := range map[string]string{
		"INT1": "TINYINT", "INT2": "SMALLINT", "SHORT": "SMALLINT", "UINT8": "UTINYINT", "UINT16": "USMALLINT",
		"UINT32": "UINTEGER", "FLOAT4": "FLOAT", "REAL": "FLOAT",
	} {
		narrowTypes[alias] = narrowTypes[name]
	}
}

// castNarrow casts v to the narrow type n with TRY semantics.
func (st *State) castNarrow(v Value, n narrowType) Value {
	if v.Type == Null {
		return v
	}
	if n.float {
		var f float32
		switch v.Type {
		case Boolean, Int32, Int64:
			f = float32(v.I) // rounded once, from the integer
		case Double:
			f = float32(v.F)
			if math.IsInf(float64(f), 0) && !math.IsInf(v.F, 0) {
				st.CastFailures++ // beyond FLOAT's range
				return Value{}
			}
		case Varchar:
			g, err := strconv.ParseFloat(strings.TrimSpace(v.S), 32)
			if err != nil {
				st.CastFailures++
				return Value{}
			}
			f = float32(g)
		default:
			st.CastFailures++
			return Value{}
		}
		return Value{Type: Double, F: float64(f)}
	}
	r := st.cast(v, Int64)
	if r.Type == Null {
		return r
	}
	if r.I < n.lo || r.I > n.hi {
		st.CastFailures++
		return Value{}
	}
	return Value{Type: n.typ, I: r.I}
}

// appendUUID appends the canonical text (8-4-4-4-12 lower-case hex digits)
// of the UUID s, read as DuckDB reads one: 32 hex digits, hyphens anywhere
// between them, optionally in braces.
func appendUUID(dst []byte, s string) ([]byte, bool) {
	if strings.HasPrefix(s, "{") {
		if !strings.HasSuffix(s, "}") {
			return dst, false
		}
		s = s[1 : len(s)-1]
	}
	start, n := len(dst), 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '-':
			continue
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
		case c >= 'A' && c <= 'F':
			c += 'a' - 'A'
		default:
			return dst[:start], false
		}
		if n == 8 || n == 12 || n == 16 || n == 20 {
			dst = append(dst, '-')
		}
		dst = append(dst, c)
		n++
	}
	if n != 32 || strings.HasPrefix(s, "-") {
		return dst[:start], false
	}
	return dst, true
}
