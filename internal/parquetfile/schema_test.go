package parquetfile

import (
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"

	"github.com/datatap/datatap/transform"
)

// TestSchemaOrder checks, without a reader, that the schema keeps the given
// column order everywhere parquet-go looks: leaf columns, printing, Go type.
func TestSchemaOrder(t *testing.T) {
	cols := []Column{{Name: "zeta", Type: transform.Varchar}, {Name: "alpha", Type: transform.Int64}, {Name: "mid", Type: transform.Boolean}}
	encs := []encoding.Encoding{&parquet.RLEDictionary, &parquet.Plain, &parquet.Plain}
	s := newSchema(cols, make([]*shape, len(cols)), encs)

	var got []string
	for _, path := range s.Columns() {
		got = append(got, strings.Join(path, "."))
	}
	if strings.Join(got, ",") != "zeta,alpha,mid" {
		t.Errorf("Columns() = %v, want zeta, alpha, mid", got)
	}
	str := s.String()
	if z, a, m := strings.Index(str, "zeta"), strings.Index(str, "alpha"), strings.Index(str, "mid"); !(z >= 0 && z < a && a < m) {
		t.Errorf("String() does not list the columns in order:\n%s", str)
	}
	if !strings.Contains(str, "optional binary zeta (STRING)") || !strings.Contains(str, "optional int64 alpha (INT(64,true))") {
		t.Errorf("String() = %s", str)
	}
	gt := s.GoType()
	if gt.NumField() != 3 || gt.Field(0).Tag.Get("parquet") != "zeta" || gt.Field(2).Tag.Get("parquet") != "mid" {
		t.Errorf("GoType() = %v", gt)
	}
}
