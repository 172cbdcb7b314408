package cost

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
)

// Report is what a log export says about a function's bill. Sums and peaks
// are over the usable invocation reports; malformed ones are only counted.
type Report struct {
	// Invocations is the number of usable reports, one per billed request.
	Invocations int64
	// BilledMs is the sum of billed durations, in milliseconds. It includes
	// the Init phase wherever Lambda bills it (see the package
	// documentation).
	BilledMs int64
	// GBSeconds is the sum over reports of billed seconds × memory size in
	// GB (MB/1024), the unit compute is priced in.
	GBSeconds float64
	// MaxMemoryUsedMB is the highest Max Memory Used of any report: how close
	// the function came to its memory size.
	MaxMemoryUsedMB int
	// InitCount is the number of cold starts: reports with an init duration.
	InitCount int64
	// InitMs is the sum of init durations, in milliseconds. It is already
	// inside BilledMs where billed, so it is not priced again.
	InitMs float64
	// DurationP50 and DurationP99 are nearest-rank percentiles of the
	// reports' durations (the handler's run time, without init), in
	// milliseconds.
	DurationP50, DurationP99 float64
	// ComputeUSD is GBSeconds at the price per GB-second; RequestUSD is
	// Invocations at the price per million requests; TotalUSD is their sum.
	// All are first-tier prices before the free tier.
	ComputeUSD, RequestUSD, TotalUSD float64
	// Malformed is the number of reports left out because a number in them
	// could not be read or could not have come from Lambda.
	Malformed int64
}

// Format writes r as a two-column table for a person to read. It writes to w
// unchecked: a report goes to a terminal or a file, and there is nothing
// useful to do when that fails.
func (r Report) Format(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(label, format string, args ...any) {
		fmt.Fprintf(tw, "%s\t"+format+"\n", append([]any{label}, args...)...)
	}
	row("invocations", "%s", group(r.Invocations))
	if r.Invocations > 0 {
		row("cold starts", "%s (%.2f%%), %.2f ms init in total",
			group(r.InitCount), 100*float64(r.InitCount)/float64(r.Invocations), r.InitMs)
	} else {
		row("cold starts", "%s", group(r.InitCount))
	}
	row("billed duration", "%s ms", group(r.BilledMs))
	row("compute", "%.6f GB-s", r.GBSeconds)
	row("peak memory used", "%d MB", r.MaxMemoryUsedMB)
	row("duration p50 / p99", "%.2f ms / %.2f ms", r.DurationP50, r.DurationP99)
	row("compute cost", "$%.6f", r.ComputeUSD)
	row("request cost", "$%.6f", r.RequestUSD)
	row("total", "$%.6f", r.TotalUSD)
	if r.Malformed > 0 {
		row("malformed reports", "%s (left out of every sum above)", group(r.Malformed))
	}
	tw.Flush()
	fmt.Fprintln(w, "Prices: first tier, before the free tier. Billed duration already includes init where Lambda bills it.")
}

// group writes n with thousands separated by commas.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	start := 0
	if n < 0 {
		start = 1
	}
	out := []byte(s[:start])
	digits := s[start:]
	for i := range len(digits) {
		if i > 0 && (len(digits)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, digits[i])
	}
	return string(out)
}
