package transform

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"unsafe"

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
	if f, ok := shortDouble(s); ok {
		return Value{Type: Double, F: f}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return Value{} // not reached for validated JSON
	}
	return Value{Type: Double, F: f}
}

// shortDouble reads a decimal without an exponent and of at most 15
// digits, such as 123.456, the usual DOUBLE of a record: its digits as an
// integer are a float64 exactly (below 2^53), and so is the power of ten
// they are divided by (at most 10^15), so the one division rounds
// correctly (Clinger's fast path, which strconv takes too, after a longer
// read of the text). ok false: strconv reads it.
func shortDouble(s string) (float64, bool) {
	i, neg := 0, false
	if len(s) > 0 && s[0] == '-' {
		i, neg = 1, true
	}
	if len(s)-i > 16 || len(s)-i < 3 {
		return 0, false
	}
	var m uint64
	point := -1
	for j := i; j < len(s); j++ {
		switch c := s[j]; {
		case c-'0' < 10:
			m = m*10 + uint64(c-'0')
		case c == '.' && point < 0 && j > i && j+1 < len(s):
			point = j
		default:
			return 0, false
		}
	}
	if point < 0 {
		return 0, false
	}
	f := float64(m) / float64(pow10[len(s)-1-point])
	if neg {
		f = -f
	}
	return f, true
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
	if t >= TinyInt { // the narrow number types and DECIMAL
		if t <= Float {
			return st.narrow(v, narrowByType[t-TinyInt])
		}
		if p, s, ok := t.Decimal(); ok {
			if _, vs, ok := v.Type.Decimal(); ok { // rescaled exactly
				var b [48]byte
				hi, lo := v.Unscaled()
				v = Value{Type: Varchar, S: b2s(appendDecimal(b[:0], hi, lo, vs))}
			}
			hi, lo, ok := toDecimal(st.computed(v), p, s)
			return DecimalValue(t, hi, lo), ok
		}
	}
	if v.Type >= TinyInt && t != Varchar && t != JSON { // AppendText and AppendJSON take every type
		v = st.computed(v)
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
			// DuckDB rounds a DOUBLE half to even (2.5 → 2), after checking
			// the unrounded value against the lower bound (-2147483648.5 is
			// no INTEGER) …
			f := math.RoundToEven(v.F)
			if !(v.F >= float64(lo) && f < 9.223372036854775808e18) {
				return Value{}, false
			}
			i = int64(f)
		case Varchar:
			s := strings.TrimSpace(v.S)
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil && len(s) > 2 && s[0] == '0' {
				// DuckDB also reads hexadecimal and binary text ('0x1F', '0b101').
				switch s[1] {
				case 'x', 'X':
					n, err = parseBase(s[2:], 16)
				case 'b', 'B':
					n, err = parseBase(s[2:], 2)
				}
			}
			if err != nil {
				// … but decimal text half away from zero ('2.5' → 3),
				// exactly (not through a DOUBLE, which would take
				// '-9223372036854775809' for the minimum).
				hi, lo, ok := decimalText(s, maxDecimalPrecision, 0)
				if !ok || hi != int64(lo)>>63 {
					return Value{}, false
				}
				n = int64(lo)
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

// castJSON is x::JSON in a statement: a VARCHAR is read as JSON text, as
// DuckDB reads it, and kept as written; text that is not JSON is NULL (and
// counted: DuckDB fails the query, its TRY_CAST gives NULL). Other values
// become their JSON (Cast, which writers use, keeps a VARCHAR a JSON
// string).
func (st *State) castJSON(v Value) Value {
	if v.Type != Varchar {
		return st.cast(v, JSON)
	}
	if fastjson.Validate(v.S) != nil {
		st.CastFailures++
		return Value{}
	}
	if raw := unsafe.Slice(unsafe.StringData(v.S), len(v.S)); needsRepair(raw) { // read only
		start := len(st.arena)
		st.arena = repairLine(st.arena, raw)
		return Value{Type: JSON, S: b2s(st.arena[start:])}
	}
	return Value{Type: JSON, S: v.S}
}

// parseBase reads digits in base 16 or 2 as a non-negative INT64 (no sign,
// no underscores: strconv would take both).
func parseBase(s string, base int) (int64, error) {
	if s == "" || s[0] == '+' || s[0] == '-' || strings.IndexByte(s, '_') >= 0 {
		return 0, strconv.ErrSyntax
	}
	return strconv.ParseInt(s, base, 64)
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

// narrowType is a DuckDB number type the language computes with in a wider
// one: the integers narrower than INT32 (and the unsigned ones up to 32 bits)
// as INT32 or INT64 with their range checked, UBIGINT as INT64 (as a DOUBLE
// that keeps its exact text, like a record number, beyond INT64's range),
// FLOAT as the DOUBLE of its single precision value. A cast to one gives
// exactly DuckDB's value; a cast to one at the top of a select item declares
// the column's type col, which the Parquet writer stores as DuckDB does.
type narrowType struct {
	name   string
	col    Type  // the column type
	typ    Type  // the type an expression computes with
	lo, hi int64 // integers other than UBIGINT
	float  bool  // FLOAT: rounded to single precision
}

var (
	narrowTypes  = map[string]narrowType{}       // by DuckDB name and alias
	narrowByType [Float - TinyInt + 1]narrowType // by col - TinyInt
)

func init() {
	for _, n := range []narrowType{
		{name: "TINYINT", col: TinyInt, typ: Int32, lo: math.MinInt8, hi: math.MaxInt8},
		{name: "SMALLINT", col: SmallInt, typ: Int32, lo: math.MinInt16, hi: math.MaxInt16},
		{name: "UTINYINT", col: UTinyInt, typ: Int32, hi: math.MaxUint8},
		{name: "USMALLINT", col: USmallInt, typ: Int32, hi: math.MaxUint16},
		{name: "UINTEGER", col: UInteger, typ: Int64, hi: math.MaxUint32},
		{name: "UBIGINT", col: UBigInt, typ: Int64},
		{name: "FLOAT", col: Float, typ: Double, float: true},
	} {
		narrowTypes[n.name] = n
		narrowByType[n.col-TinyInt] = n
	}
	for alias, t := range typeAliases {
		if t >= TinyInt && t <= Float {
			narrowTypes[alias] = narrowByType[t-TinyInt]
		}
	}
}

// castNarrow casts v to the narrow type n with TRY semantics, giving the
// value an expression computes with.
func (st *State) castNarrow(v Value, n narrowType) Value {
	if v.Type == Null {
		return v
	}
	r, ok := st.narrow(v, n)
	if !ok {
		st.CastFailures++
		return Value{}
	}
	if n.col == UBigInt {
		return st.computed(r)
	}
	r.Type = n.typ
	return r
}

// narrow converts v to a value of the column type n.col (Type n.col).
func (st *State) narrow(v Value, n narrowType) (Value, bool) {
	v = st.computed(v)
	if n.float {
		var f float32
		switch v.Type {
		case Boolean, Int32, Int64:
			f = float32(v.I) // rounded once, from the integer
		case Double:
			f = float32(v.F)
			if math.IsInf(float64(f), 0) && !math.IsInf(v.F, 0) {
				return Value{}, false // beyond FLOAT's range
			}
		case Varchar:
			g, err := strconv.ParseFloat(strings.TrimSpace(v.S), 32)
			if err != nil && !errors.Is(err, strconv.ErrRange) {
				return Value{}, false // beyond FLOAT's range, text is ±inf, as in DuckDB
			}
			f = float32(g)
		default:
			return Value{}, false
		}
		return Value{Type: Float, F: float64(f)}, true
	}
	if n.col == UBigInt {
		u, ok := toUint64(v)
		return Value{Type: UBigInt, I: int64(u)}, ok
	}
	if v.Type == Double && !(v.F >= float64(n.lo)) {
		return Value{}, false // DuckDB checks the lower bound before rounding
	}
	if n.lo == 0 && v.Type == Varchar && negativeText(v.S) {
		return Value{}, false // '-0.05' is no UTINYINT in DuckDB ('-0' is 0)
	}
	r, ok := st.convert(v, Int64)
	if !ok || r.I < n.lo || r.I > n.hi {
		return Value{}, false
	}
	return Value{Type: n.col, I: r.I}, true
}

// toUint64 converts v (of a computing type) to a UBIGINT as DuckDB casts:
// DOUBLE rounded half to even, text half away from zero (exactly), in
// [0, 2^64).
func toUint64(v Value) (uint64, bool) {
	switch v.Type {
	case Boolean, Int32, Int64:
		return uint64(v.I), v.I >= 0
	case Double:
		if v.S != "" { // a record number beyond INT64: its exact text
			if u, err := strconv.ParseUint(v.S, 10, 64); err == nil {
				return u, true
			}
		}
		if !(v.F >= 0) {
			return 0, false // DuckDB checks the lower bound before rounding (-0.4 is no UBIGINT)
		}
		return floatUint64(math.RoundToEven(v.F))
	case Varchar:
		s := strings.TrimSpace(v.S)
		if negativeText(s) {
			return 0, false
		}
		if u, err := strconv.ParseUint(strings.TrimPrefix(s, "+"), 10, 64); err == nil {
			return u, true
		}
		if len(s) > 2 && s[0] == '0' {
			base := 0
			switch s[1] {
			case 'x', 'X':
				base = 16
			case 'b', 'B':
				base = 2
			}
			if base != 0 && s[2] != '+' && s[2] != '-' && strings.IndexByte(s, '_') < 0 {
				if u, err := strconv.ParseUint(s[2:], base, 64); err == nil {
					return u, true
				}
			}
		}
		hi, lo, ok := decimalText(s, maxDecimalPrecision, 0) // half away from zero, exactly
		return lo, ok && hi == 0
	}
	return 0, false
}

// negativeText reports whether the number text s has a minus sign and is
// not an integer zero: DuckDB's unsigned casts refuse it ('-0' is 0, '-0.0'
// and '-0.05' are NULL).
func negativeText(s string) bool {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "-") {
		return false
	}
	return strings.Trim(s[1:], "0") != ""
}

func floatUint64(f float64) (uint64, bool) {
	if !(f > -1 && f < 0x1p64) {
		return 0, false
	}
	return uint64(f), true
}

// computed returns v, of any type, as a value of the types expressions
// compute with: a narrow integer as INT64, FLOAT as DOUBLE, a UBIGINT beyond
// INT64 as a DOUBLE that keeps its exact text (in the scratch space).
func (st *State) computed(v Value) Value {
	switch v.Type {
	case TinyInt, SmallInt, UTinyInt, USmallInt, UInteger:
		v.Type = Int64
	case Float:
		v.Type = Double
	case UBigInt:
		if v.I >= 0 {
			v.Type = Int64
			break
		}
		start := len(st.arena)
		st.arena = strconv.AppendUint(st.arena, uint64(v.I), 10)
		v = Value{Type: Double, F: float64(uint64(v.I)), S: b2s(st.arena[start:])}
	default:
		if p, s, ok := v.Type.Decimal(); ok {
			if p <= maxInt64Precision {
				v = Value{Type: Double, F: float64(v.I) / float64(pow10[s])}
				break
			}
			hi, lo := v.Unscaled() // the DOUBLE nearest, but for the rounding of the sum
			v = Value{Type: Double, F: (float64(hi)*0x1p64 + float64(lo)) / pow10f[s]}
		}
	}
	return v
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
