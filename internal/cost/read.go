package cost

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// ErrNoReports is wrapped by the error [Read] returns when its input held no
// usable invocation report: an empty file, the wrong log group, or an export
// filtered without the REPORT lines. Read fails rather than return a bill of
// $0, which would look like good news.
var ErrNoReports = errors.New("cost: no Lambda invocation reports")

// Bounds beyond which a report cannot have come from Lambda (15 minutes of
// billed duration, 10,240 MB of memory, with a wide margin). They keep one
// corrupt line from turning every sum into +Inf.
const (
	maxMs = 1e9
	maxMB = 1 << 20
)

// maxNesting bounds how many times a message may hold JSON whose message
// holds JSON, and so on; real exports nest two deep.
const maxNesting = 4

// reportMarker starts every plain-text invocation report.
const reportMarker = "REPORT RequestId:"

// Read reads a Lambda log export from r and sums the invocation reports in
// it, priced at p. The input formats are described in the package
// documentation. Read keeps one duration per report, for the percentiles,
// and holds a pretty-printed JSON document in memory while it parses it;
// everything else streams.
//
// If no report could be used the error wraps [ErrNoReports] and says how
// many lines were read; the returned Report still counts the malformed
// reports, if any.
func Read(r io.Reader, p Prices) (Report, error) {
	if err := p.validate(); err != nil {
		return Report{}, err
	}
	var rd reader
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			rd.line(line)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return Report{}, fmt.Errorf("cost: read log export: %w", err)
		}
	}
	rd.flush()
	rep := rd.report(p)
	if rep.Invocations == 0 {
		if rep.Malformed > 0 {
			return rep, fmt.Errorf("%w: %d lines read, all %d reports in them malformed", ErrNoReports, rd.lines, rep.Malformed)
		}
		return rep, fmt.Errorf("%w in %d lines read", ErrNoReports, rd.lines)
	}
	return rep, nil
}

// reader is the state of one Read.
type reader struct {
	rep       Report
	mbms      float64   // sum of billed ms × memory MB, exact for any real export
	durations []float64 // ms, one per accepted report
	lines     int64

	// A JSON document spread over several lines, while it is read.
	block     strings.Builder
	blockScan jsonScan
	inBlock   bool
}

// record is one invocation's report, from either shape.
type record struct {
	durationMs float64
	billedMs   float64
	memoryMB   float64
	maxUsedMB  float64
	initMs     float64
	hasInit    bool
}

// line takes one line of input, with its line ending.
func (rd *reader) line(s string) {
	rd.lines++
	if rd.lines == 1 {
		s = strings.TrimPrefix(s, "\uFEFF")
	}
	s = strings.TrimSpace(s)
	if rd.inBlock {
		rd.block.WriteString(s)
		rd.block.WriteByte('\n')
		if !rd.blockScan.feed(s) {
			rd.inBlock = false // unbalanced: not JSON after all
			rd.block.Reset()
			return
		}
		if rd.blockScan.depth == 0 {
			rd.flush()
		}
		return
	}
	if s == "" {
		return
	}
	if s[0] == '{' || s[0] == '[' {
		if v, ok := decode(s); ok {
			rd.walk(v, 0)
			return
		}
		// A pretty-printed document (the AWS CLI's, jq's) opens with a
		// bracket alone on its line. Anything else that does not parse is a
		// broken line, and must not swallow the lines after it.
		if s == "{" || s == "[" {
			rd.blockScan = jsonScan{depth: 1}
			rd.inBlock = true
			rd.block.Reset()
			rd.block.WriteString(s)
			rd.block.WriteByte('\n')
			return
		}
	}
	rd.text(s, 0)
}

// flush parses the multi-line JSON document read so far, if it is complete;
// one that does not parse, or is still open at the end of the input, is
// ignored.
func (rd *reader) flush() {
	if rd.inBlock && rd.blockScan.depth == 0 {
		if v, ok := decode(rd.block.String()); ok {
			rd.walk(v, 0)
		}
	}
	rd.inBlock = false
	rd.block.Reset()
}

// text looks for a report in a line of text or a log event's message and
// reports whether it found one, usable or not.
func (rd *reader) text(s string, nesting int) bool {
	if i := reportIndex(s); i >= 0 {
		rd.add(parseReportLine(s[i:]))
		return true
	}
	// A JSON event after a prefix, as "aws logs tail" prints a function
	// whose log format is JSON, or a message that is itself JSON.
	if nesting >= maxNesting {
		return false
	}
	j := strings.IndexByte(s, '{')
	if j < 0 || !strings.Contains(s[j:], "platform.report") {
		return false
	}
	v, ok := decode(s[j:])
	if !ok {
		return false
	}
	return rd.walk(v, nesting+1)
}

// walk finds the reports in a decoded JSON value: platform.report events,
// and "message" strings anywhere (log events, alone or in an export's
// "events" or a subscription's "logEvents"). It reports whether it found
// one.
func (rd *reader) walk(v any, nesting int) bool {
	found := false
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			found = rd.walk(e, nesting) || found
		}
	case map[string]any:
		if t, _ := v["type"].(string); t == "platform.report" {
			rd.add(parsePlatformReport(v["record"]))
			return true
		}
		for k, e := range v {
			if s, ok := e.(string); ok {
				if k == "message" {
					found = rd.text(strings.TrimSpace(s), nesting) || found
				}
				continue
			}
			found = rd.walk(e, nesting) || found
		}
	}
	return found
}

// add counts one report, or one malformed report if ok is false.
func (rd *reader) add(rec record, ok bool) {
	if !ok || !rec.valid() {
		rd.rep.Malformed++
		return
	}
	billed := math.Ceil(rec.billedMs) // Lambda bills whole milliseconds
	rd.rep.Invocations++
	rd.rep.BilledMs += int64(billed)
	rd.mbms += billed * rec.memoryMB
	rd.rep.MaxMemoryUsedMB = max(rd.rep.MaxMemoryUsedMB, int(rec.maxUsedMB))
	if rec.hasInit {
		rd.rep.InitCount++
		rd.rep.InitMs += rec.initMs
	}
	rd.durations = append(rd.durations, rec.durationMs)
}

// valid reports whether every number of r is one Lambda could have written.
func (r record) valid() bool {
	in := func(v, hi float64) bool { return v >= 0 && v <= hi } // false for NaN
	return in(r.durationMs, maxMs) && in(r.billedMs, maxMs) &&
		in(r.memoryMB, maxMB) && r.memoryMB > 0 && in(r.maxUsedMB, maxMB) &&
		(!r.hasInit || in(r.initMs, maxMs))
}

// report finishes the sums and prices them.
func (rd *reader) report(p Prices) Report {
	rep := rd.rep
	rep.GBSeconds = rd.mbms / 1024 / 1000
	slices.Sort(rd.durations)
	rep.DurationP50 = percentile(rd.durations, 50)
	rep.DurationP99 = percentile(rd.durations, 99)
	rep.ComputeUSD = rep.GBSeconds * p.PerGBSecond
	rep.RequestUSD = float64(rep.Invocations) / 1e6 * p.PerMillionRequests
	rep.TotalUSD = rep.ComputeUSD + rep.RequestUSD
	return rep
}

// percentile returns the nearest-rank pct-th percentile of sorted: the
// smallest value with at least pct% of the values at or below it. Unlike an
// interpolated percentile it is always a duration that happened.
func percentile(sorted []float64, pct int) float64 {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	k := (pct*n + 99) / 100 // ceil(pct/100 × n), in integers to avoid rounding
	return sorted[max(k, 1)-1]
}

// reportIndex returns where the REPORT line starts in s, at the start or
// after a prefix ending in a space or tab, or -1.
func reportIndex(s string) int {
	for off := 0; ; {
		i := strings.Index(s[off:], reportMarker)
		if i < 0 {
			return -1
		}
		i += off
		if i == 0 || s[i-1] == ' ' || s[i-1] == '\t' {
			return i
		}
		off = i + len(reportMarker)
	}
}

// parseReportLine reads the fields of a plain-text REPORT line, which starts
// at s[0]. Each field is "Label: value" with an optional unit, the label one
// or more words; unknown labels (RequestId, XRAY TraceId, Status, Restore
// Duration, …) are skipped.
func parseReportLine(s string) (record, bool) {
	var (
		rec                        record
		dur, billed, mem, parseErr bool
		label                      []string
	)
	tok := strings.Fields(s)[1:] // after "REPORT"
	for i := 0; i < len(tok); i++ {
		t := tok[i]
		name, isLabel := strings.CutSuffix(t, ":")
		if !isLabel {
			label = append(label, t)
			continue
		}
		label = append(label, name)
		key := strings.Join(label, " ")
		label = label[:0]
		if i+1 >= len(tok) {
			break
		}
		i++
		raw := tok[i]
		if i+1 < len(tok) && (tok[i+1] == "ms" || tok[i+1] == "MB") {
			i++
		}
		var dst *float64
		switch key {
		case "Duration":
			dst, dur = &rec.durationMs, true
		case "Billed Duration":
			dst, billed = &rec.billedMs, true
		case "Memory Size":
			dst, mem = &rec.memoryMB, true
		case "Max Memory Used":
			dst = &rec.maxUsedMB
		case "Init Duration":
			dst, rec.hasInit = &rec.initMs, true
		default:
			continue
		}
		v, ok := parseNumber(raw)
		if !ok {
			parseErr = true
		}
		*dst = v
	}
	return rec, dur && billed && mem && !parseErr
}

// parsePlatformReport reads the record of a platform.report event.
func parsePlatformReport(rec any) (record, bool) {
	m, _ := rec.(map[string]any)
	metrics, _ := m["metrics"].(map[string]any)
	if metrics == nil {
		return record{}, false
	}
	var r record
	ok := true
	for _, f := range []struct {
		key      string
		dst      *float64
		required bool
	}{
		{"durationMs", &r.durationMs, true},
		{"billedDurationMs", &r.billedMs, true},
		{"memorySizeMB", &r.memoryMB, true},
		{"maxMemoryUsedMB", &r.maxUsedMB, false},
		{"initDurationMs", &r.initMs, false},
	} {
		v, present := metrics[f.key]
		if !present {
			ok = ok && !f.required
			continue
		}
		n, isNum := v.(json.Number)
		if !isNum {
			ok = false
			continue
		}
		x, good := parseNumber(string(n))
		ok = ok && good
		*f.dst = x
		if f.key == "initDurationMs" {
			r.hasInit = true
		}
	}
	return r, ok
}

// parseNumber parses a decimal number, tolerating a unit glued to it
// ("1.23ms"). It returns false for anything else: NaN, Inf, hexadecimal and
// underscores, which strconv would take, and numbers too large for float64.
func parseNumber(s string) (float64, bool) {
	s = strings.TrimSuffix(strings.TrimSuffix(s, "ms"), "MB")
	if s == "" || strings.TrimLeft(s, "0123456789.eE+-") != "" {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// decode parses one JSON value, keeping numbers as text so that a number too
// large for float64 makes one report malformed instead of hiding the line.
func decode(s string) (any, bool) {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, false
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, false // trailing data: not one JSON value
	}
	return v, true
}

// jsonScan follows the nesting of brackets in JSON text, line by line,
// outside strings, to find where a pretty-printed document ends.
type jsonScan struct {
	depth    int
	inString bool
	escaped  bool
}

// feed advances over one line; it returns false if a bracket closes one that
// was never opened.
func (j *jsonScan) feed(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case j.escaped:
			j.escaped = false
		case j.inString:
			switch c {
			case '\\':
				j.escaped = true
			case '"':
				j.inString = false
			}
		case c == '"':
			j.inString = true
		case c == '{' || c == '[':
			j.depth++
		case c == '}' || c == ']':
			j.depth--
			if j.depth < 0 {
				return false
			}
		}
	}
	return true
}
