package transform

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// The column types of DuckDB's narrow numbers: what a writer's cast to one
// gives (the value the Parquet writer stores), and how it renders.
func TestNarrowColumnCasts(t *testing.T) {
	st := &State{}
	for _, c := range []struct {
		in   Value
		to   string
		ok   bool
		text string // AppendText of the result
		json string // AppendJSON of the result
	}{
		{Value{Type: Int64, I: 127}, "TINYINT", true, "127", "127"},
		{Value{Type: Int64, I: 128}, "TINYINT", false, "", ""},
		{Value{Type: Int64, I: -128}, "INT1", true, "-128", "-128"},
		{Value{Type: Varchar, S: " -2.5 "}, "TINYINT", true, "-3", "-3"}, // text: half away from zero
		{Value{Type: Double, F: 2.5}, "SMALLINT", true, "2", "2"},        // DOUBLE: half to even
		{Value{Type: Double, F: 32767.4}, "INT2", true, "32767", "32767"},
		{Value{Type: Int32, I: 32768}, "SMALLINT", false, "", ""},
		{Value{Type: Int64, I: -1}, "UTINYINT", false, "", ""},
		{Value{Type: Int64, I: 255}, "UINT8", true, "255", "255"},
		{Value{Type: Varchar, S: "65535"}, "USMALLINT", true, "65535", "65535"},
		{Value{Type: Varchar, S: "65536"}, "USMALLINT", false, "", ""},
		{Value{Type: Int64, I: math.MaxUint32}, "UINTEGER", true, "4294967295", "4294967295"},
		{Value{Type: Int64, I: math.MaxUint32 + 1}, "UINT32", false, "", ""},
		{Value{Type: Varchar, S: "18446744073709551615"}, "UBIGINT", true, "18446744073709551615", "18446744073709551615"},
		{Value{Type: Varchar, S: "18446744073709551616"}, "UBIGINT", false, "", ""},
		{Value{Type: Double, F: 1e19, S: "10000000000000000001"}, "UBIGINT", true, "10000000000000000001", "10000000000000000001"},
		{Value{Type: Double, F: -0.4}, "UBIGINT", false, "", ""}, // DuckDB: the lower bound before rounding
		{Value{Type: Double, F: 0.5}, "UBIGINT", true, "0", "0"},
		{Value{Type: Varchar, S: "0x1F"}, "UTINYINT", true, "31", "31"},
		{Value{Type: Varchar, S: "0b101"}, "INT1", true, "5", "5"},
		{Value{Type: Varchar, S: "0x-1"}, "INT1", false, "", ""},
		{Value{Type: Int64, I: -1}, "UBIGINT", false, "", ""},
		{Value{Type: Boolean, I: 1}, "UBIGINT", true, "1", "1"},
		{Value{Type: Double, F: 0.1}, "FLOAT", true, "0.1", "0.1"},
		{Value{Type: Varchar, S: "3.4028235e38"}, "REAL", true, "3.4028235e+38", "3.4028235e+38"},
		{Value{Type: Double, F: 1e39}, "FLOAT4", false, "", ""},
		{Value{Type: Int64, I: 16777217}, "FLOAT", true, "16777216.0", "1.6777216e+07"},
		{Value{Type: Varchar, S: "x"}, "FLOAT", false, "", ""},
		{Value{Type: JSON, S: "[1]"}, "TINYINT", false, "", ""},
	} {
		typ, ok := ParseType(c.to)
		if !ok {
			t.Fatalf("ParseType(%q) failed", c.to)
		}
		r := st.Cast(c.in, typ)
		if r.IsNull() != !c.ok {
			t.Errorf("%v AS %s = %v, want ok %v", c.in, c.to, r, c.ok)
			continue
		}
		if !c.ok {
			continue
		}
		if r.Type != typ {
			t.Errorf("%v AS %s has type %s", c.in, c.to, r.Type)
		}
		if got := string(r.AppendText(nil)); got != c.text {
			t.Errorf("%v AS %s: text %q, want %q", c.in, c.to, got, c.text)
		}
		if got := string(r.AppendJSON(nil)); got != c.json {
			t.Errorf("%v AS %s: JSON %q, want %q", c.in, c.to, got, c.json)
		}
		// Back to the types expressions compute with, and again: the same.
		if again := st.Cast(st.Cast(r, Varchar), typ); again != r {
			t.Errorf("%v AS %s AS VARCHAR AS %s = %v, want %v", c.in, c.to, c.to, again, r)
		}
	}
}

func TestNarrowTypeNames(t *testing.T) {
	for _, name := range []string{"TINYINT", "SMALLINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "FLOAT"} {
		typ, ok := ParseType(name)
		if !ok || typ.String() != name {
			t.Errorf("ParseType(%q) = %v %v; its String must read back", name, typ, ok)
		}
	}
}

// A UBIGINT beyond INT64 computes as the DOUBLE of a record number, keeping
// its exact text; an expression's cast to it stores as UBIGINT, and so does
// UBIGINT arithmetic (NULL past 2^64 - 1, where DuckDB fails).
func TestUBigIntExpression(t *testing.T) {
	prog, err := Compile("SELECT n::UBIGINT AS u, n::UBIGINT + 1 AS v, (n::UBIGINT)::VARCHAR AS s")
	if err != nil {
		t.Fatal(err)
	}
	if c := prog.Columns(); c[0].Type != UBigInt || c[1].Type != UBigInt || c[2].Type != Varchar {
		t.Fatalf("column types %v", c)
	}
	st := prog.NewState()
	var p fastjsonParser
	rec, _ := p.Parse(`{"n":"18446744073709551615"}`)
	prog.Eval(st, rec)
	if got := st.Row[2].Value.S; got != "18446744073709551615" {
		t.Errorf("text %q", got)
	}
	if v := st.Row[1].Value; !v.IsNull() {
		t.Errorf("2^64 - 1 + 1 = %v, want NULL", v)
	}
	if u := st.Cast(st.Row[0].Value, UBigInt); uint64(u.I) != math.MaxUint64 || u.Type != UBigInt {
		t.Errorf("stored %v", u)
	}
}

func TestDecimal(t *testing.T) {
	st := &State{}
	for _, c := range []struct {
		in   Value
		to   string
		ok   bool
		text string
	}{
		{Value{Type: Varchar, S: "1.005"}, "DECIMAL(10,2)", true, "1.01"},
		{Value{Type: Varchar, S: "-1.005"}, "DECIMAL(10,2)", true, "-1.01"},
		{Value{Type: Varchar, S: "1.004999"}, "DECIMAL(10,2)", true, "1.00"},
		{Value{Type: Varchar, S: " 12.5e-1 "}, "NUMERIC(4,1)", true, "1.3"},
		{Value{Type: Varchar, S: "999.995"}, "DECIMAL(5,2)", false, ""},
		{Value{Type: Varchar, S: "999.994"}, "DECIMAL(5,2)", true, "999.99"},
		{Value{Type: Varchar, S: ".5"}, "DECIMAL(3,0)", true, "1"},
		{Value{Type: Varchar, S: "5."}, "DECIMAL(3,1)", true, "5.0"},
		{Value{Type: Varchar, S: "0.001"}, "DECIMAL(3,3)", true, "0.001"},
		{Value{Type: Varchar, S: "1"}, "DECIMAL(3,3)", false, ""},
		{Value{Type: Varchar, S: "1e3"}, "DECIMAL(4,0)", true, "1000"},
		{Value{Type: Varchar, S: "1e4"}, "DECIMAL(4,0)", false, ""},
		{Value{Type: Varchar, S: "0e9999"}, "DECIMAL(4,0)", true, "0"},
		{Value{Type: Varchar, S: "."}, "DECIMAL(4,0)", false, ""},
		{Value{Type: Varchar, S: "1.2.3"}, "DECIMAL(4,0)", false, ""},
		{Value{Type: Varchar, S: "abc"}, "DECIMAL", false, ""},
		{Value{Type: Varchar, S: "123456789012345.678"}, "DECIMAL", true, "123456789012345.678"},
		{Value{Type: Varchar, S: "999999999999999999"}, "DECIMAL(18,0)", true, "999999999999999999"},
		{Value{Type: Int64, I: 42}, "DECIMAL(4,2)", true, "42.00"},
		{Value{Type: Int64, I: 100}, "DECIMAL(4,2)", false, ""},
		{Value{Type: Int64, I: -99}, "DECIMAL(4,2)", true, "-99.00"},
		{Value{Type: Double, F: 0.125}, "DECIMAL(4,2)", true, "0.13"},
		{Value{Type: Double, F: -2.5}, "DECIMAL(2,0)", true, "-3"},
		{Value{Type: Boolean, I: 1}, "DECIMAL(2,1)", true, "1.0"},
		{Value{Type: Int64, I: 0}, "DECIMAL(1,1)", true, "0.0"},
		{Value{Type: Varchar, S: "0.05"}, "DECIMAL(1,1)", true, "0.1"},
		// DECIMAL(19..38), 128-bit; the expected text is DuckDB's TRY_CAST
		// (but for the leading zero of p == s, see AppendText).
		{Value{Type: Varchar, S: "12345678901234567890.123456789"}, "DECIMAL(38,10)", true, "12345678901234567890.1234567890"},
		{Value{Type: Varchar, S: "-99999999999999999999999999999999999999"}, "DECIMAL(38,0)", true, "-99999999999999999999999999999999999999"},
		{Value{Type: Varchar, S: "99999999999999999999999999999999999999.4"}, "DECIMAL(38,0)", true, "99999999999999999999999999999999999999"},
		{Value{Type: Varchar, S: "99999999999999999999999999999999999999.5"}, "DECIMAL(38,0)", false, ""},
		{Value{Type: Varchar, S: "1e38"}, "DECIMAL(38,0)", false, ""},
		{Value{Type: Varchar, S: "1e37"}, "DECIMAL(38,0)", true, "10000000000000000000000000000000000000"},
		{Value{Type: Varchar, S: "0.00000000000000000000000000000000000005"}, "DECIMAL(38,38)", true, "0.00000000000000000000000000000000000005"},
		{Value{Type: Varchar, S: "-0.5"}, "DECIMAL(38,38)", true, "-0.50000000000000000000000000000000000000"},
		{Value{Type: Varchar, S: "1.5e-30"}, "DECIMAL(38,30)", true, "0.000000000000000000000000000002"},
		{Value{Type: Varchar, S: " 42 "}, "DECIMAL(20,0)", true, "42"},
		{Value{Type: Varchar, S: "-0"}, "DECIMAL(38,2)", true, "0.00"},
		{Value{Type: Varchar, S: "18446744073709551616"}, "DECIMAL(20,0)", true, "18446744073709551616"},
		{Value{Type: Double, F: 1.8446744073709552e19, S: "18446744073709551615"}, "DECIMAL(20,0)", true, "18446744073709551615"},
		{Value{Type: UBigInt, I: -1}, "DECIMAL(20,0)", true, "18446744073709551615"},
		{Value{Type: UBigInt, I: -1}, "DECIMAL(19,0)", false, ""},
		{Value{Type: Int64, I: math.MaxInt64}, "DECIMAL(19,0)", true, "9223372036854775807"},
		{Value{Type: Int64, I: math.MaxInt64}, "DECIMAL(19,1)", false, ""},
		{Value{Type: Int64, I: math.MinInt64}, "DECIMAL(38,10)", true, "-9223372036854775808.0000000000"},
		{Value{Type: Int64, I: -1}, "DECIMAL(38,37)", true, "-1.0000000000000000000000000000000000000"},
		{Value{Type: Int64, I: 10}, "DECIMAL(38,37)", false, ""},
		{Value{Type: Double, F: -2.5}, "DECIMAL(38,0)", true, "-3"},
		{Value{Type: Double, F: 1e30}, "DECIMAL(38,0)", true, "1000000000000000019884624838656"},
		{Value{Type: Double, F: -1e37}, "DECIMAL(38,0)", true, "-9999999999999999538762658202121142272"},
		{Value{Type: Double, F: 9.9e18}, "DECIMAL(38,0)", true, "9900000000000000000"},
		{Value{Type: Double, F: 9.99999999999999e37}, "DECIMAL(38,0)", true, "99999999999999903301480166063129755648"},
		{Value{Type: Double, F: 1e38}, "DECIMAL(38,0)", false, ""},
		{Value{Type: Double, F: 0.1}, "DECIMAL(38,30)", true, "0.100000000000000009025336901632"},
		{Value{Type: Double, F: 123.456}, "DECIMAL(20,2)", true, "123.46"},
		{Value{Type: Double, F: math.MaxFloat64}, "DECIMAL(38,0)", false, ""},
		{Value{Type: Double, F: math.NaN()}, "DECIMAL(38,0)", false, ""},
		{Value{Type: Double, F: math.Copysign(0, -1)}, "DECIMAL(38,2)", true, "0.00"},
		{DecimalValue(mustType("DECIMAL(38,1)"), -1, ^uint64(54)), "DECIMAL(19,0)", true, "-6"},
		{DecimalValue(mustType("DECIMAL(38,1)"), -1, ^uint64(54)), "DECIMAL(4,2)", true, "-5.50"},
		{DecimalValue(mustType("DECIMAL(5,2)"), -1, ^uint64(149)), "DECIMAL(38,37)", true, "-1.5000000000000000000000000000000000000"},
	} {
		typ, ok := ParseType(c.to)
		if !ok {
			t.Fatalf("ParseType(%q)", c.to)
		}
		r := st.Cast(c.in, typ)
		if r.IsNull() == c.ok {
			t.Errorf("%v AS %s = %v, want ok %v", c.in, c.to, r, c.ok)
			continue
		}
		if !c.ok {
			continue
		}
		if got := string(r.AppendText(nil)); got != c.text || r.Type != typ {
			t.Errorf("%v AS %s = %s (%s), want %s", c.in, c.to, got, r.Type, c.text)
		}
		if again := st.Cast(st.Cast(r, Varchar), typ); again != r {
			t.Errorf("%v AS %s round trip: %v, want %v", c.in, c.to, again, r)
		}
	}
	for _, name := range []string{"DECIMAL(1,0)", "DECIMAL(18,18)", "DECIMAL(9,2)", "DECIMAL(18,3)", "DECIMAL(19,0)", "DECIMAL(38,10)", "DECIMAL(38,38)"} {
		typ, ok := ParseType(name)
		if !ok || typ.String() != name {
			t.Errorf("ParseType(%q) = %v; String must read back", name, typ)
		}
	}
	if typ, _ := ParseType("decimal"); typ.String() != "DECIMAL(18,3)" {
		t.Errorf("DECIMAL is %v, want DECIMAL(18,3)", typ)
	}
	for _, bad := range []string{"DECIMAL(39,2)", "DECIMAL(0)", "DECIMAL(4,5)", "DECIMAL(4,", "DECIMAL(x)"} {
		if typ, ok := ParseType(bad); ok {
			t.Errorf("ParseType(%q) = %v", bad, typ)
		}
	}
}

func TestDecimalColumn(t *testing.T) {
	prog, err := Compile("SELECT s::DECIMAL(18,2) AS d, s::DECIMAL(18,2) * 2 AS e, CAST(s AS NUMERIC(4, 1)) AS f, CAST(s AS STRUCT(a DECIMAL(5,1))) AS g, s::DECIMAL(10,2)[] AS h")
	if err != nil {
		t.Fatal(err)
	}
	c := prog.Columns()
	if c[0].Type.String() != "DECIMAL(18,2)" || c[1].Type != Double || c[2].Type.String() != "DECIMAL(4,1)" ||
		c[3].Type.String() != "STRUCT(a DECIMAL(5,1))" || c[4].Type.String() != "DECIMAL(10,2)[]" {
		t.Fatalf("column types %v", c)
	}
	st := prog.NewState()
	var p fastjsonParser
	rec, _ := p.Parse(`{"s":"1234567890123456.785"}`)
	prog.Eval(st, rec)
	if got := string(st.Row[0].Value.AppendText(nil)); got != "1234567890123456.79" {
		t.Errorf("exact column: %s", got)
	}
	if st.Row[2].Value.Type != Null || st.CastFailures == 0 {
		t.Errorf("out of range: %v, %d failures", st.Row[2].Value, st.CastFailures)
	}
	for _, bad := range []string{"SELECT x::DECIMAL(39,2)", "SELECT x::DECIMAL(3,4)", "SELECT CAST(x AS DECIMAL(3 4))"} {
		if _, err := Compile(bad); err == nil || !strings.Contains(err.Error(), "DECIMAL") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

func mustType(name string) Type {
	t, ok := ParseType(name)
	if !ok {
		panic(name)
	}
	return t
}

// TestShortDouble checks parseDouble's fast path against strconv on every
// decimal it takes: random digits with the point at every place, signs,
// and the edges of its length limit.
func TestShortDouble(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	try := func(s string) {
		f, ok := shortDouble(s)
		if !ok {
			return
		}
		want, err := strconv.ParseFloat(s, 64)
		if err != nil || math.Float64bits(f) != math.Float64bits(want) {
			t.Fatalf("shortDouble(%q) = %v, strconv %v (%v)", s, f, want, err)
		}
	}
	taken := 0
	for range 200000 {
		n := 1 + r.IntN(16)
		b := make([]byte, 0, 18)
		if r.IntN(2) == 0 {
			b = append(b, '-')
		}
		for range n {
			b = append(b, byte('0'+r.IntN(10)))
		}
		at := len(b) - r.IntN(n+1)
		s := string(b[:at]) + "." + string(b[at:])
		try(s)
		if _, ok := shortDouble(s); ok {
			taken++
		}
	}
	for _, s := range []string{"0.1", "-0.0", "9007199254740.993", "999999999999999.9", "0.000000000000001",
		"123456789012345.6", "1.", ".5", "-.5", "1.2.3", "1e5", "12", "-", "", "1234567890123456.7"} {
		try(s)
	}
	if taken == 0 {
		t.Fatal("shortDouble took nothing")
	}
	for _, s := range []string{"1.", ".5", "1e5", "12", "1.2.3", "12345678901234567.8"} {
		if _, ok := shortDouble(s); ok {
			t.Errorf("shortDouble took %q", s)
		}
	}
}
