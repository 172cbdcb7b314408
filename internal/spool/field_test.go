package spool

import (
	"math"
	"strings"
	"testing"

	"github.com/datatap/datatap/transform"
)

// FuzzField checks that decoder.field, which reads the common forms of a
// row's field inline, decodes any bytes as name and valueInto do: the same
// field, the same rest and the same error.
func FuzzField(f *testing.F) {
	var b Batch
	for _, v := range []transform.Value{
		{}, {Type: transform.Boolean, I: 1}, {Type: transform.Int32, I: -3}, {Type: transform.Int64, I: 1 << 40},
		{Type: transform.Timestamp, I: 1714557600000000}, {Type: transform.Date, I: 19844}, {Type: transform.Time, I: 5},
		{Type: transform.UBigInt, I: -1}, {Type: transform.Double, F: 2.5}, {Type: transform.Float, F: 1},
		{Type: transform.Varchar, S: "info"}, {Type: transform.Varchar, S: ""}, {Type: transform.Varchar, S: strings.Repeat("x", 200)},
		{Type: transform.UUID, S: "0190c7a4-0000-7000-8000-000000000000"}, {Type: transform.JSON, S: `{"id":1}`},
	} {
		for _, name := range [][]byte{{1}, {2}, {3}, {0, 1, 'n'}, {0, 0}, append([]byte{0, 0x80, 1}, strings.Repeat("k", 128)...)} {
			b.buf = append(b.buf[:0], name...)
			b.appendValue(v)
			f.Add(append([]byte(nil), b.buf...))
			f.Add(append([]byte(nil), b.buf[:len(b.buf)-1]...)) // cut short
		}
	}
	columns := []string{"level", "status"}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, slow := decoder{p: data}, decoder{p: data}
		var ff, fs Field
		fast.field(&ff, columns)
		fs.Name = slow.name(columns)
		slow.valueInto(&fs.Value)
		same := ff.Name == fs.Name && ff.Value.Type == fs.Value.Type && ff.Value.I == fs.Value.I &&
			math.Float64bits(ff.Value.F) == math.Float64bits(fs.Value.F) && ff.Value.S == fs.Value.S && ff.Value.J == fs.Value.J
		if !same || len(fast.p) != len(slow.p) || fast.err != slow.err {
			t.Fatalf("% x: field %+v rest %d err %v, want %+v rest %d err %v", data, ff, len(fast.p), fast.err, fs, len(slow.p), slow.err)
		}
	})
}
