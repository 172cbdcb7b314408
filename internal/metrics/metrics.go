// Package metrics reports what the tap does. On Lambda (Lambda), each
// flush twice: a structured log line, and one CloudWatch Embedded Metric
// Format (EMF) line on standard output, which Lambda's log pipeline turns
// into metrics without any API call; the SAM template's dashboard and alarms
// read them. In datatap serve (Registry), as Prometheus text (GET /metrics)
// and the live page's figures.
package metrics

import (
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/datatap/datatap/internal/flush"
)

// Lambda writes the EMF lines of one Lambda mode of one function: a line
// per flush, per failed flush, and for what a shutdown could not send.
type Lambda struct {
	W   io.Writer // standard output, which Lambda sends to CloudWatch Logs
	Log *slog.Logger
	// Mode is the Mode dimension: runtime (flushes after invocations) or
	// extension (the flush at shutdown).
	Mode string
	// Function is the Function dimension, the function's name
	// (AWS_LAMBDA_FUNCTION_NAME), so that the stacks of one account keep
	// their metrics apart; without it, Mode is the only dimension.
	Function string
}

// Flushed logs res and writes its EMF line.
func (l Lambda) Flushed(res flush.Result) {
	Log(l.Log, res)
	l.W.Write(l.EMF(time.Now(), res))
}

// FlushFailed writes the EMF line of a flush that failed (its segments are
// kept and retried): FlushFailures, which the template's alarm watches.
func (l Lambda) FlushFailed(now time.Time) {
	l.W.Write(l.emf(now, []metric{{"FlushFailures", "Count"}}, map[string]any{"FlushFailures": 1}))
}

// Lost writes the EMF line of what a shutdown flush could not send before
// its deadline: segments and bytes lost with the environment.
func (l Lambda) Lost(now time.Time, segments int, bytes int64) {
	l.W.Write(l.emf(now, []metric{{"SegmentsLost", "Count"}, {"BytesLost", "Bytes"}},
		map[string]any{"SegmentsLost": segments, "BytesLost": bytes}))
}

// Log writes the structured log line of one flush.
func Log(log *slog.Logger, res flush.Result) {
	log.Info("flushed", "segment", filepath.Base(res.Segment), "rows", res.Rows, "filtered", res.Filtered,
		"rejected", res.Rejected, "bytes_in", res.BytesIn, "bytes_out", res.BytesOut, "objects", len(res.Objects),
		"flush_ms", res.FlushTime.Milliseconds(), "upload_ms", res.UploadTime.Milliseconds(),
		"quarantined", res.Quarantined, "rounded_numbers", res.Lossy.RoundedNumbers,
		"duplicate_fields", res.Lossy.DuplicateFields, "cast_failures", res.Lossy.CastFailures,
		"time_fallbacks", res.TimeFallbacks, "overflowed", res.Overflowed)
}

type metric struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

// EMF renders one flush as an Embedded Metric Format line.
func (l Lambda) EMF(now time.Time, res flush.Result) []byte {
	return l.emf(now, []metric{
		{"RowsIn", "Count"}, {"RowsOut", "Count"}, {"Filtered", "Count"}, {"Rejected", "Count"},
		{"BytesIn", "Bytes"}, {"BytesOut", "Bytes"}, {"FlushTime", "Milliseconds"}, {"UploadTime", "Milliseconds"},
		{"Quarantined", "Count"}, {"RoundedNumbers", "Count"}, {"DuplicateFields", "Count"}, {"CastFailures", "Count"},
		{"Overflowed", "Count"}, {"TimeFallbacks", "Count"},
	}, map[string]any{
		"RowsIn":          res.Rows + res.Filtered + res.Rejected,
		"RowsOut":         res.Rows,
		"Filtered":        res.Filtered,
		"Rejected":        res.Rejected,
		"BytesIn":         res.BytesIn,
		"BytesOut":        res.BytesOut,
		"FlushTime":       res.FlushTime.Milliseconds(),
		"UploadTime":      res.UploadTime.Milliseconds(),
		"Quarantined":     res.Quarantined,
		"RoundedNumbers":  res.Lossy.RoundedNumbers,
		"DuplicateFields": res.Lossy.DuplicateFields,
		"CastFailures":    res.Lossy.CastFailures,
		"Overflowed":      res.Overflowed,
		"TimeFallbacks":   res.TimeFallbacks,
		"segment":         filepath.Base(res.Segment),
	})
}

// emf renders one Embedded Metric Format line: the metrics declared, their
// values (and other members) in doc, and the dimensions.
func (l Lambda) emf(now time.Time, metrics []metric, doc map[string]any) []byte {
	dims := []string{"Mode"}
	if l.Function != "" {
		dims = []string{"Function", "Mode"}
		doc["Function"] = l.Function
	}
	doc["_aws"] = map[string]any{
		"Timestamp": now.UnixMilli(),
		"CloudWatchMetrics": []any{map[string]any{
			"Namespace":  "datatap",
			"Dimensions": [][]string{dims},
			"Metrics":    metrics,
		}},
	}
	doc["Mode"] = l.Mode
	b, _ := json.Marshal(doc)
	return append(b, '\n')
}
