package parquetfile_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/datatap/datatap/internal/parquetfile"
	"github.com/datatap/datatap/internal/testenv/duckdb"
	"github.com/datatap/datatap/transform"
)

// flatSeeds are values of STRUCT(id BIGINT, name VARCHAR, n VARCHAR, x
// DOUBLE): the flat form and its near misses.
var flatSeeds = []string{
	`{"id":42,"name":"ann"}`, `{"name":"ann","id":42}`, `{}`, `{"id":null,"name":null}`,
	`{"id":-0,"name":""}`, `{"id":-7,"n":123456789012345678}`, `{"n":"x","id":1,"name":"é"}`,
	`{"id":1234567890123456789}`, `{"id":01}`, `{"id":1.5}`, `{"id":1e3}`, `{"id":-}`,
	`{"id":"42"}`, `{"name":42}`, `{"name":"a\"b"}`, `{"name":"a\u00e9"}`, `{"name":"\xff"}`,
	`{"id":1,"id":2}`, `{"other":1}`, `{"id":1,}`, `{"id":1} `, ` {"id":1}`, `{"id" :1}`,
	`{"x":1}`, `{"x":null}`, `{"id":true}`, `{"name":[1]}`, `{"name":{"a":1}}`, `null`, `[]`,
	`{"id":1`, `{"id":nul}`, `{`, `{"name":"tab	"}`, `{"n":-12}`, `{"id":99999999999999999}`,
}

// How writeFlat gives the values.
const (
	asText    = iota
	asParsed  // parsed by fastjson: the general path
	asChecked // as text, after FitsFlat of the same text (the flush's way)
	asStale   // as text, after FitsFlat of the previous row's text
)

// writeFlat writes the rows (JSON text, "" for NULL) of a flat STRUCT
// column, given as mode says, and returns the file and each row's error.
func writeFlat(t testing.TB, texts []string, mode int) ([]byte, []bool) {
	t.Helper()
	typ, ok := transform.ParseType("STRUCT(id BIGINT, name VARCHAR, n VARCHAR, x DOUBLE)")
	if !ok {
		t.Fatal("ParseType failed")
	}
	var buf bytes.Buffer
	w, err := parquetfile.NewWriter(&buf, []parquetfile.Column{{Name: "k", Type: transform.Int64}, {Name: "u", Type: typ}}, parquetfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var p fastjson.Parser
	failed := make([]bool, len(texts))
	for i, text := range texts {
		v := transform.Value{}
		if text != "" {
			v = transform.Value{Type: transform.JSON, S: text}
			switch mode {
			case asChecked:
				w.FitsFlat(1, text)
			case asStale:
				if i > 0 {
					w.FitsFlat(1, texts[i-1])
				}
			}
			if mode == asParsed {
				j, err := p.Parse(text)
				if err != nil {
					failed[i] = true
					continue
				}
				v = transform.Value{Type: transform.JSON, J: j}
			}
		}
		if err := w.Write([]transform.Value{{Type: transform.Int64, I: int64(i)}, v}); err != nil {
			failed[i] = true
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), failed
}

// checkFlat checks that the flat path writes what the parsed path writes,
// and that FitsFlat says yes only to texts that parse.
func checkFlat(t testing.TB, texts []string) {
	t.Helper()
	parsed, parsedFailed := writeFlat(t, texts, asParsed)
	for _, mode := range []int{asText, asChecked, asStale} {
		flat, flatFailed := writeFlat(t, texts, mode)
		for i := range texts {
			if flatFailed[i] != parsedFailed[i] {
				t.Errorf("%q (mode %d): refused as text %v, parsed %v", texts[i], mode, flatFailed[i], parsedFailed[i])
			}
		}
		if !bytes.Equal(flat, parsed) {
			t.Errorf("%q (mode %d): the files differ (%d bytes as text, %d parsed)", texts, mode, len(flat), len(parsed))
		}
	}
}

func TestFlatMatchesParsed(t *testing.T) {
	checkFlat(t, flatSeeds)
	for _, s := range flatSeeds {
		checkFlat(t, []string{s})
	}
	// What FitsFlat takes.
	typ, _ := transform.ParseType("STRUCT(id BIGINT, name VARCHAR, n VARCHAR, x DOUBLE)")
	w, err := parquetfile.NewWriter(&bytes.Buffer{}, []parquetfile.Column{{Name: "k", Type: transform.Int64}, {Name: "u", Type: typ}}, parquetfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := func(text string, want bool) {
		t.Helper()
		if got := w.FitsFlat(1, text); got != want {
			t.Errorf("FitsFlat(%q) = %v, want %v", text, got, want)
		}
	}
	f(`{"id":42,"name":"ann"}`, true)
	f(`{"name":"ann","id":42,"n":7}`, true)
	f(`{"id":null}`, true)
	f(`{}`, true)
	f(`{"id":"42"}`, false)                // a string in a BIGINT field
	f(`{"x":1}`, false)                    // DOUBLE takes the general path
	f(`{"id":1,"id":1}`, false)            // a key twice
	f(`{"other":1}`, false)                // a field the STRUCT lacks
	f(`{"name":"a\"b"}`, false)            // an escape
	f(`{"id":1234567890123456789}`, false) // 19 digits
	f(`{"id":1} `, false)
	if w.FitsFlat(0, `{}`) {
		t.Error("FitsFlat on a BIGINT column = true")
	}
}

// FuzzFlatMatchesParsed checks that a STRUCT value written from its text
// (the flat path when it applies) gives the same file as the same value
// parsed by fastjson (the general path), and the same refusals.
func FuzzFlatMatchesParsed(f *testing.F) {
	for _, s := range flatSeeds {
		f.Add(s, `{"id":1,"name":"b"}`)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		checkFlat(t, []string{a, b, a})
	})
}

// TestFlatColumnDuckDB writes a STRUCT of scalars from flat texts (nulls,
// missing and reordered fields, integers in a VARCHAR field; more rows than
// a probe and a batch) and checks DuckDB reads each value back.
func TestFlatColumnDuckDB(t *testing.T) {
	duckdb.Require(t)
	typ := mustType(t, "STRUCT(id BIGINT, name VARCHAR, n VARCHAR)")
	var buf bytes.Buffer
	w, err := parquetfile.NewWriter(&buf, []parquetfile.Column{{Name: "k", Type: transform.Int64}, {Name: "u", Type: typ}}, parquetfile.Options{RowGroupRows: 3000})
	if err != nil {
		t.Fatal(err)
	}
	text := func(i int) string {
		switch i % 5 {
		case 0:
			return fmt.Sprintf(`{"id":%d,"name":"user-%d"}`, i, i%97)
		case 1:
			return fmt.Sprintf(`{"n":%d,"id":-%d}`, i*7, i)
		case 2:
			return `{"id":null,"name":"é","n":"x"}`
		case 3:
			return `{}`
		}
		return ""
	}
	const rows = 9000
	for i := range rows {
		v := transform.Value{}
		if s := text(i); s != "" {
			if !w.FitsFlat(1, s) {
				t.Fatalf("FitsFlat(%q) = false", s)
			}
			v = transform.Value{Type: transform.JSON, S: s}
		}
		if err := w.Write([]transform.Value{{Type: transform.Int64, I: int64(i)}, v}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "flat.parquet")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	res := query(t, "SELECT k, to_json(u)::VARCHAR FROM "+lit(path)+" ORDER BY k")[0]
	if len(res.Rows) != rows {
		t.Fatalf("%d rows read, want %d", len(res.Rows), rows)
	}
	for i, got := range res.Rows {
		var want cell
		switch i % 5 {
		case 0:
			want = fmt.Sprintf(`{"id":%d,"name":"user-%d","n":null}`, i, i%97)
		case 1:
			want = fmt.Sprintf(`{"id":-%d,"name":null,"n":"%d"}`, i, i*7)
		case 2:
			want = `{"id":null,"name":"é","n":"x"}`
		case 3:
			want = `{"id":null,"name":null,"n":null}`
		}
		if got[1] != want {
			t.Errorf("row %d: %v, want %v", i, got[1], want)
		}
	}
}
