package spool

import (
	"fmt"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/datatap/datatap/transform"
)

// BenchmarkAddRow is the spool's part of ingest: encoding rows into a batch
// (and, from version 3, keeping the batch's schema), one batch of 1,000
// rows per iteration.
func BenchmarkAddRow(b *testing.B) {
	for _, stmt := range []string{
		"SELECT ts::TIMESTAMP AS ts, level, user.id AS user_id, latency_ms::INT64 AS latency_ms, msg, status, service",
		"SELECT *",
	} {
		b.Run(stmt[:8], func(b *testing.B) {
			prog := compile(b, stmt)
			st := prog.NewState()
			var p fastjson.Parser
			type row struct{ fields, part []transform.Field }
			var rows []row
			for i := range 1000 {
				line := fmt.Sprintf(`{"ts":"2024-05-01T10:00:%02dZ","level":"info","user":{"id":%d},"latency_ms":%d,"msg":"GET /api/v1/items/%d","status":200,"service":"api"}`, i%60, i, i%500, i)
				rec, err := transform.ParseRecord(&p, []byte(line))
				if err != nil || !prog.Eval(st, rec) {
					b.Fatal(err)
				}
				var r row
				for _, f := range st.Row {
					f.Name = string([]byte(f.Name)) // the row outlives the parser's buffer
					if f.Value.Type == transform.JSON {
						f.Value = transform.Value{Type: transform.Varchar, S: "x"}
					}
					f.Value.S = string([]byte(f.Value.S))
					r.fields = append(r.fields, f)
				}
				rows = append(rows, r)
			}
			batch := NewBatch(prog)
			b.ReportAllocs()
			for b.Loop() {
				batch.Reset()
				for _, r := range rows {
					batch.AddRow(r.fields, r.part)
				}
				if hv := HeaderVersion; hv >= 3 {
					_ = batchSchema(batch)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/row")
		})
	}
}
