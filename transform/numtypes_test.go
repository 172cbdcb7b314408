package transform

import (
	"math"
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
// its exact text; an expression's cast to it stores as UBIGINT.
func TestUBigIntExpression(t *testing.T) {
	prog, err := Compile("SELECT n::UBIGINT AS u, n::UBIGINT + 1 AS v, (n::UBIGINT)::VARCHAR AS s")
	if err != nil {
		t.Fatal(err)
	}
	if c := prog.Columns(); c[0].Type != UBigInt || c[1].Type != Int64 || c[2].Type != Varchar {
		t.Fatalf("column types %v", c)
	}
	st := prog.NewState()
	var p fastjsonParser
	rec, _ := p.Parse(`{"n":"18446744073709551615"}`)
	prog.Eval(st, rec)
	if got := st.Row[2].Value.S; got != "18446744073709551615" {
		t.Errorf("text %q", got)
	}
	if u := st.Cast(st.Row[0].Value, UBigInt); uint64(u.I) != math.MaxUint64 || u.Type != UBigInt {
		t.Errorf("stored %v", u)
	}
}
