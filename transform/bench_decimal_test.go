package transform

import (
	"fmt"
	"testing"

	"github.com/valyala/fastjson"
)

// BenchmarkDecimalCast is a column cast to DECIMAL per record, from text
// and from a DOUBLE, for a DECIMAL that fits an INT64 and a 128-bit one.
func BenchmarkDecimalCast(b *testing.B) {
	for _, typ := range []string{"DECIMAL(18,3)", "DECIMAL(38,10)"} {
		for _, field := range []string{"s", "d"} {
			b.Run(fmt.Sprintf("%s/%s", typ, field), func(b *testing.B) {
				prog := mustCompile(b, "SELECT "+field+"::"+typ+" AS x")
				st := prog.NewState()
				var p fastjson.Parser
				rec, err := ParseRecord(&p, []byte(`{"s":"12345678.125","d":12345678.125}`))
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for range b.N {
					prog.Eval(st, rec)
				}
			})
		}
	}
}
