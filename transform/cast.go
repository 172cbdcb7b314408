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
		return parseNumber(b2s(st.num))
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
		// Might not fit: let strconv judge (it allocates only when it fails).
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return Value{Type: Int64, I: n}
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
			return Value{Type: Double, F: float64(v.I)}, true
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
	case JSON:
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
	st.arena = v.J.MarshalTo(st.arena)
	return b2s(st.arena[start:])
}
