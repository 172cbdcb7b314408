package flush

import (
	"io"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/datatap/datatap/internal/parquetfile"
	"github.com/datatap/datatap/transform"
)

// fitFlatSeeds are values of a STRUCT(id BIGINT, name VARCHAR, n VARCHAR,
// x DOUBLE) column and near misses.
var fitFlatSeeds = []string{
	`{"id":42,"name":"ann"}`, `{"name":"ann","id":42}`, `{}`, `{"id":null,"name":null}`,
	`{"id":-0,"n":12}`, `{"id":"42"}`, `{"name":42}`, `{"id":1.5}`, `{"x":1}`, `{"id":1,"id":2}`,
	`{"other":1}`, `{"name":"a\"b"}`, `{"s":{"a":1}}`, `{"id":01}`, `{"id":1} `, `null`,
}

// checkFitsFlat checks that a value the writer takes without a parse
// (FitsFlat) is one fitShape lets into the column: the flush may skip
// fitShape for it.
func checkFitsFlat(t *testing.T, w *parquetfile.Writer, plans []*fitPlan, text string) {
	t.Helper()
	if !w.FitsFlat(1, text) {
		return
	}
	var st transform.State
	var p fastjson.Parser
	if _, ok := fitShape(&st, &p, transform.Value{Type: transform.JSON, S: text}, plans[1]); !ok {
		t.Errorf("%q: FitsFlat but not fitShape", text)
	}
}

func flatWriter(t *testing.T) (*parquetfile.Writer, []*fitPlan) {
	t.Helper()
	flat, ok := transform.ParseType("STRUCT(id BIGINT, name VARCHAR, n VARCHAR, x DOUBLE)")
	if !ok {
		t.Fatal("ParseType failed")
	}
	cols := []parquetfile.Column{{Name: "k", Type: transform.Int64}, {Name: "u", Type: flat}}
	w, err := parquetfile.NewWriter(io.Discard, cols, parquetfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return w, []*fitPlan{nil, compileFit(flat)}
}

func TestFitsFlatFits(t *testing.T) {
	w, plans := flatWriter(t)
	taken := 0
	for _, s := range fitFlatSeeds {
		if w.FitsFlat(1, s) {
			taken++
		}
		checkFitsFlat(t, w, plans, s)
	}
	if taken < 4 {
		t.Errorf("FitsFlat took %d seeds, want the 4 flat ones at least", taken)
	}
}

// FuzzFitsFlatFits checks, for any text, that FitsFlat implies fitShape.
func FuzzFitsFlatFits(f *testing.F) {
	for _, s := range fitFlatSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		w, plans := flatWriter(t)
		checkFitsFlat(t, w, plans, text)
	})
}
