// Package metrics reports each flush twice: a structured log line, and one
// CloudWatch Embedded Metric Format (EMF) line on standard output, which
// Lambda's log pipeline turns into metrics without any API call.
package metrics

import (
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/datatap/datatap/internal/flush"
)

// Flushed logs res and writes its EMF line to w. mode ("runtime",
// "extension") is the metrics' one dimension.
func Flushed(w io.Writer, log *slog.Logger, mode string, res flush.Result) {
	Log(log, res)
	w.Write(EMF(time.Now(), mode, res))
}

// Log writes the structured log line of one flush.
func Log(log *slog.Logger, res flush.Result) {
	log.Info("flushed", "segment", filepath.Base(res.Segment), "rows", res.Rows, "filtered", res.Filtered,
		"rejected", res.Rejected, "bytes_in", res.BytesIn, "bytes_out", res.BytesOut, "objects", len(res.Objects),
		"flush_ms", res.FlushTime.Milliseconds(), "upload_ms", res.UploadTime.Milliseconds(),
		"quarantined", res.Quarantined, "rounded_numbers", res.Lossy.RoundedNumbers,
		"duplicate_fields", res.Lossy.DuplicateFields, "cast_failures", res.Lossy.CastFailures)
}

type metric struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

// EMF renders one flush as an Embedded Metric Format line.
func EMF(now time.Time, mode string, res flush.Result) []byte {
	return emf(now, mode, []metric{
		{"RowsIn", "Count"}, {"RowsOut", "Count"}, {"Filtered", "Count"}, {"Rejected", "Count"},
		{"BytesIn", "Bytes"}, {"BytesOut", "Bytes"}, {"FlushTime", "Milliseconds"}, {"UploadTime", "Milliseconds"},
		{"Quarantined", "Count"}, {"RoundedNumbers", "Count"}, {"DuplicateFields", "Count"}, {"CastFailures", "Count"},
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
		"segment":         filepath.Base(res.Segment),
	})
}

// Lost writes the EMF line of what a shutdown flush could not send before
// its deadline: segments and bytes lost with the environment.
func Lost(w io.Writer, now time.Time, mode string, segments int, bytes int64) {
	w.Write(emf(now, mode, []metric{{"SegmentsLost", "Count"}, {"BytesLost", "Bytes"}},
		map[string]any{"SegmentsLost": segments, "BytesLost": bytes}))
}

// emf renders one Embedded Metric Format line: the metrics declared, their
// values (and other members) in doc, and the Mode dimension.
func emf(now time.Time, mode string, metrics []metric, doc map[string]any) []byte {
	doc["_aws"] = map[string]any{
		"Timestamp": now.UnixMilli(),
		"CloudWatchMetrics": []any{map[string]any{
			"Namespace":  "datatap",
			"Dimensions": [][]string{{"Mode"}},
			"Metrics":    metrics,
		}},
	}
	doc["Mode"] = mode
	b, _ := json.Marshal(doc)
	return append(b, '\n')
}
