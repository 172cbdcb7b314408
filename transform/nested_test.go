package transform

import "testing"

func TestNestedTypeNames(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		typ, ok := ParseType(in)
		if !ok {
			t.Fatalf("ParseType(%q) failed", in)
		}
		if got := typ.String(); got != want {
			t.Errorf("ParseType(%q) = %s, want %s", in, got, want)
		}
		again, ok := ParseType(typ.String())
		if !ok || again != typ {
			t.Errorf("ParseType(%q) does not read back as the same type", typ.String())
		}
	}
	f("VARCHAR[]", "VARCHAR[]")
	f("int []", "INT32[]")
	f("BIGINT[][]", "INT64[][]")
	f("STRUCT(a INT, b VARCHAR)", "STRUCT(a INT32, b VARCHAR)")
	f(`struct("odd key" double, "select" bool, tags text[])`, `STRUCT("odd key" DOUBLE, "select" BOOLEAN, tags VARCHAR[])`)
	f("STRUCT(p STRUCT(x INT, y INT)[])[]", "STRUCT(p STRUCT(x INT32, y INT32)[])[]")
	for _, bad := range []string{"STRUCT()", "STRUCT(a INT, a INT)", "VARCHAR[", "FOO[]", "STRUCT(a)", "STRUCT(a INT"} {
		if _, ok := ParseType(bad); ok {
			t.Errorf("ParseType(%q) succeeded", bad)
		}
	}
	st, _ := ParseType("STRUCT(a INT, b VARCHAR[])")
	if fs := st.Fields(); len(fs) != 2 || fs[0].Name != "a" || fs[0].Type != Int32 {
		t.Errorf("Fields = %v", fs)
	}
	if e, ok := st.Fields()[1].Type.Elem(); !ok || e != Varchar {
		t.Errorf("Elem of b = %v %v", e, ok)
	}
	if Varchar.IsNested() || !st.IsNested() {
		t.Error("IsNested")
	}
}

func TestNestedCasts(t *testing.T) {
	f := func(stmt, want string) {
		t.Helper()
		if got := evalLine(t, stmt, rec); got != want {
			t.Errorf("%s\n got %s\nwant %s", stmt, got, want)
		}
	}
	f(`SELECT user::STRUCT(id VARCHAR, name VARCHAR, missing INT) AS u`, `{"u":{"id":"7","name":"ann","missing":null}}`)
	f(`SELECT CAST(user AS STRUCT(ID BIGINT, tags VARCHAR[])) AS u`, `{"u":{"ID":7,"tags":["a","b","c"]}}`)
	f(`SELECT tags::VARCHAR[] AS t, arr::INT[][] AS a, arr::INT[] AS bad`, `{"t":["x","y","z"],"a":[[1,2],[3]],"bad":[null,null]}`)
	f(`SELECT obj::STRUCT(k JSON[]) AS o, s::INT[] AS notlist, '{"a":"5"}'::STRUCT(a INT) AS txt`, `{"o":{"k":[1,{"v":true}]},"notlist":null,"txt":{"a":5}}`)
	prog, err := Compile(`SELECT user::STRUCT(id INT, name VARCHAR) AS u, tags::VARCHAR[] AS t`)
	if err != nil {
		t.Fatal(err)
	}
	if got := prog.Columns()[0].Type.String(); got != "STRUCT(id INT32, name VARCHAR)" {
		t.Errorf("declared type %s", got)
	}
	if got := prog.Columns()[1].Type.String(); got != "VARCHAR[]" {
		t.Errorf("declared type %s", got)
	}
	if _, err := Compile(`SELECT x::STRUCT(a INT`); err == nil {
		t.Error("a bad nested type compiled")
	}
}
