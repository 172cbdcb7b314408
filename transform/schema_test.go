package transform

import (
	"strings"
	"testing"

	"github.com/valyala/fastjson"
)

func TestWiden(t *testing.T) {
	f := func(want Type, types ...Type) {
		t.Helper()
		got := Null
		for _, u := range types {
			got = Widen(got, u)
		}
		if got != want {
			t.Errorf("Widen%v = %s, want %s", types, got, want)
		}
	}
	f(Null)
	f(Null, Null, Null)
	f(Int64, Int64, Null, Int64)
	f(Int64, Int32, Int64)
	f(Double, Int64, Double)
	f(Double, Double, Null, Int64)
	f(Varchar, Int64, Varchar)
	f(Varchar, Boolean, Int64)
	f(Timestamp, Date, Timestamp)
	f(JSON, JSON, Null, JSON)
	f(Varchar, JSON, Varchar)
	f(Varchar, JSON, Int64)
	f(Varchar, Int64, Double, Boolean, Double)
}

// TestInferFromData runs the inference a writer does over real records: per
// column, Widen over the values' types, then ColumnType with the declared type.
func TestInferFromData(t *testing.T) {
	prog, err := Compile("SELECT *, a::INT32 AS a32")
	if err != nil {
		t.Fatal(err)
	}
	lines := []string{
		`{"a":1,"b":"x","c":1,"d":{"k":1},"e":null,"f":[1]}`,
		`{"a":2,"b":null,"c":2.5,"d":{"k":2},"e":null,"f":"s"}`,
		`{"a":3,"c":3}`,
	}
	st := prog.NewState()
	var p fastjson.Parser
	index := map[string]int{} // column name → position in order and types
	var order []string
	var types []Type
	for _, line := range lines {
		rec, err := p.Parse(line)
		if err != nil {
			t.Fatal(err)
		}
		prog.Eval(st, rec)
		for _, f := range st.Row {
			i, ok := index[f.Name]
			if !ok {
				// Names that * produces live in the parser's buffer: clone to
				// keep (a map assignment stores the key it is given).
				i = len(order)
				order = append(order, strings.Clone(f.Name))
				types = append(types, Null)
				index[order[i]] = i
			}
			types[i] = Widen(types[i], f.Value.Type)
		}
	}
	declared := map[string]Type{"a32": Int32}
	got := ""
	for i, name := range order {
		got += name + ":" + ColumnType(declared[name], types[i]).String() + " "
	}
	want := "a:INT64 b:VARCHAR c:DOUBLE d:JSON e:VARCHAR f:VARCHAR a32:INT32 "
	if got != want {
		t.Errorf("inferred\n got %s\nwant %s", got, want)
	}
}
