package transform

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/valyala/fastjson"
)

// Type is the type of a value or of an output column.
type Type uint16

// The types of the language. Null is the type of NULL and, for a column, "not
// declared: infer it from the data".
const (
	Null      Type = iota
	Boolean        // true or false
	Int32          // 32-bit signed integer
	Int64          // 64-bit signed integer
	Double         // IEEE 754 binary64
	Varchar        // UTF-8 text
	Timestamp      // microseconds since the Unix epoch, UTC
	Date           // days since the Unix epoch
	JSON           // JSON text: nested objects and arrays, or a JSON cast
	Time           // microseconds since midnight (0 to 24:00:00), no date, no zone
	UUID           // a UUID, held as its canonical lower-case text in S

	// Column types of DuckDB's narrower numbers (cast.go, narrowType). An
	// expression computes with them as INT32, INT64 or DOUBLE; a cast to one
	// at the top of a select item declares the column so, and the writer's
	// cast to the column type gives a Value of the type itself, which the
	// Parquet writer stores as the matching Parquet type.
	TinyInt   // 8-bit signed integer (Parquet INT(8,true))
	SmallInt  // 16-bit signed integer (Parquet INT(16,true))
	UTinyInt  // 8-bit unsigned integer (Parquet INT(8,false))
	USmallInt // 16-bit unsigned integer (Parquet INT(16,false))
	UInteger  // 32-bit unsigned integer (Parquet INT(32,false))
	UBigInt   // 64-bit unsigned integer (Parquet INT(64,false)), its bits in I
	Float     // IEEE 754 binary32, held as the DOUBLE of its value in F (Parquet FLOAT)
)

var typeNames = [...]string{"NULL", "BOOLEAN", "INT32", "INT64", "DOUBLE", "VARCHAR", "TIMESTAMP", "DATE", "JSON", "TIME", "UUID",
	"TINYINT", "SMALLINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "FLOAT"}

func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	if _, _, ok := t.Decimal(); ok {
		return decimalString(t)
	}
	s, _ := nestedString(t)
	return s
}

// typeAliases maps the names a DuckDB user may write to our types.
var typeAliases = map[string]Type{
	"BOOLEAN": Boolean, "BOOL": Boolean,
	"INT32": Int32, "INT": Int32, "INTEGER": Int32, "INT4": Int32,
	"INT64": Int64, "BIGINT": Int64, "INT8": Int64, "LONG": Int64,
	"DOUBLE": Double, "FLOAT8": Double, "FLOAT64": Double,
	"VARCHAR": Varchar, "TEXT": Varchar, "STRING": Varchar,
	"TIMESTAMP": Timestamp, "TIMESTAMPTZ": Timestamp, "DATETIME": Timestamp,
	"DATE":    Date,
	"JSON":    JSON,
	"TIME":    Time,
	"UUID":    UUID,
	"TINYINT": TinyInt, "INT1": TinyInt,
	"SMALLINT": SmallInt, "INT2": SmallInt, "SHORT": SmallInt,
	"UTINYINT": UTinyInt, "UINT8": UTinyInt,
	"USMALLINT": USmallInt, "UINT16": USmallInt,
	"UINTEGER": UInteger, "UINT32": UInteger,
	"UBIGINT": UBigInt, "UINT64": UBigInt,
	"FLOAT": Float, "FLOAT4": Float, "REAL": Float,
}

// ParseType returns the type named name (case-insensitive; DuckDB aliases
// such as BIGINT and INTEGER are accepted).
func ParseType(name string) (Type, bool) {
	if t, ok := typeAliases[strings.ToUpper(name)]; ok {
		return t, true
	}
	if t, rest, _, ok := parseDecimalType(name); ok && strings.TrimSpace(rest) == "" {
		return t, true
	}
	t, rest, ok := parseNestedType(name)
	if !ok || strings.TrimSpace(rest) != "" {
		return Null, false
	}
	return t, true
}

// Value is one value computed by a Program. Strings and JSON held by a Value
// point into the parser's buffer or the State's scratch space: they are valid
// until the next call to Eval with the same State or the next Parse of the
// record, whichever comes first. Copy them to keep them longer.
//
// A Double read from a record number that DOUBLE cannot hold exactly (an
// integer beyond INT64 such as 18446744073709551615, more digits than a
// DOUBLE keeps, or beyond its range) keeps the number's JSON text in S, so
// that AppendText, and so a cast to VARCHAR, and a cast to JSON give the
// exact number; AppendJSON and computing use F, the DOUBLE that is stored.
// State.RoundedNumbers counts such values stored as DOUBLE.
type Value struct {
	Type Type
	I    int64           // Boolean (0 or 1), Int32, Int64, Timestamp (µs), Date (days), Time (µs)
	F    float64         // Double
	S    string          // Varchar, UUID (canonical text); for JSON, the text when J is nil; for Double, see below
	J    *fastjson.Value // JSON: the parsed object or array, when it came from the record
}

// IsNull reports whether v is SQL NULL.
func (v Value) IsNull() bool { return v.Type == Null }

// Bool returns v as a boolean; ok is false for NULL and non-booleans.
func (v Value) Bool() (b, ok bool) { return v.I != 0, v.Type == Boolean }

// AppendText appends v as text, the way a cast to VARCHAR renders it: numbers
// in decimal, timestamps as "2006-01-02 15:04:05.999999", dates as
// "2006-01-02", times as "15:04:05.999999", JSON as compact JSON text (always valid JSON: strings are
// escaped by AppendJSONString, numbers keep their text as sent), a rounded
// record number as its exact text. NULL appends nothing.
func (v Value) AppendText(dst []byte) []byte {
	if _, s, ok := v.Type.Decimal(); ok {
		hi, lo := v.Unscaled()
		return appendDecimal(dst, hi, lo, s)
	}
	switch v.Type {
	case Boolean:
		if v.I != 0 {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case Int32, Int64, TinyInt, SmallInt, UTinyInt, USmallInt, UInteger:
		return strconv.AppendInt(dst, v.I, 10)
	case UBigInt:
		return strconv.AppendUint(dst, uint64(v.I), 10)
	case Float:
		return appendFloat(dst, v.F, 32)
	case Double:
		if v.S != "" {
			return append(dst, v.S...) // a number of the record that DOUBLE rounds: its exact text
		}
		return appendFloat(dst, v.F, 64)
	case Varchar, UUID:
		return append(dst, v.S...)
	case Timestamp:
		return appendTimestamp(dst, v.I, ' ', false)
	case Date:
		return appendDate(dst, v.I)
	case Time:
		return appendClock(dst, v.I)
	case JSON:
		if v.J != nil {
			return appendJSONValue(dst, v.J)
		}
		return append(dst, v.S...)
	}
	return dst
}

// AppendJSON appends v as a JSON value: NULL as null, strings quoted,
// timestamps as RFC 3339 strings in UTC, dates as "2006-01-02", times as
// "15:04:05.999999", JSON as is.
// NaN and infinities, which JSON cannot hold, become null.
func (v Value) AppendJSON(dst []byte) []byte {
	switch v.Type {
	case Null:
		return append(dst, "null"...)
	case Double:
		if math.IsNaN(v.F) || math.IsInf(v.F, 0) {
			return append(dst, "null"...)
		}
		return strconv.AppendFloat(dst, v.F, 'g', -1, 64)
	case Float:
		if math.IsNaN(v.F) || math.IsInf(v.F, 0) {
			return append(dst, "null"...)
		}
		return strconv.AppendFloat(dst, v.F, 'g', -1, 32)
	case Varchar, UUID:
		return AppendJSONString(dst, v.S)
	case Timestamp:
		dst = append(dst, '"')
		dst = appendTimestamp(dst, v.I, 'T', true)
		return append(dst, '"')
	case Date:
		dst = append(dst, '"')
		dst = appendDate(dst, v.I)
		return append(dst, '"')
	case Time:
		dst = append(dst, '"')
		dst = appendClock(dst, v.I)
		return append(dst, '"')
	}
	return v.AppendText(dst)
}

// AppendJSONString appends s as a quoted JSON string. Invalid UTF-8 becomes
// U+FFFD so that the output is always valid JSON.
func AppendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if plainJSON[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += n
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// plainJSON tells the bytes that a JSON string holds as they are: ASCII from
// space on, except '"' and '\\'.
var plainJSON = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendFloat renders f the way DuckDB casts a DOUBLE (bits 64) or a FLOAT
// (bits 32) to VARCHAR: the shortest text that reads back at that precision,
// in fixed notation for 1e-4 <= |f| < 1e16 (integral values keep a ".0"),
// otherwise in scientific notation (1e+16, 1.234e-05).
func appendFloat(dst []byte, f float64, bits int) []byte {
	switch a := math.Abs(f); {
	case math.IsNaN(f):
		return append(dst, "nan"...)
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case a != 0 && (a < 1e-4 || a >= 1e16):
		return strconv.AppendFloat(dst, f, 'e', -1, bits)
	}
	n := len(dst)
	dst = strconv.AppendFloat(dst, f, 'f', -1, bits)
	if !bytes.ContainsRune(dst[n:], '.') {
		dst = append(dst, ".0"...)
	}
	return dst
}

// b2s views b as a string without copying; b must not change while the string
// is in use (see the lifetime rules on Value).
func b2s(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
