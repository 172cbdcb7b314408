package cost

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

// near reports whether got equals want to 1 part in 10⁹: the sums are of
// decimal fractions, which float64 holds only approximately.
func near(got, want float64) bool {
	return got == want || math.Abs(got-want) <= 1e-9*math.Max(math.Abs(got), math.Abs(want))
}

// checkReport compares every field of got with want, floats with near.
func checkReport(t *testing.T, got, want Report) {
	t.Helper()
	ints := []struct {
		name      string
		got, want int64
	}{
		{"Invocations", got.Invocations, want.Invocations},
		{"BilledMs", got.BilledMs, want.BilledMs},
		{"MaxMemoryUsedMB", int64(got.MaxMemoryUsedMB), int64(want.MaxMemoryUsedMB)},
		{"InitCount", got.InitCount, want.InitCount},
		{"Malformed", got.Malformed, want.Malformed},
	}
	for _, f := range ints {
		if f.got != f.want {
			t.Errorf("%s = %d, want %d", f.name, f.got, f.want)
		}
	}
	floats := []struct {
		name      string
		got, want float64
	}{
		{"GBSeconds", got.GBSeconds, want.GBSeconds},
		{"InitMs", got.InitMs, want.InitMs},
		{"DurationP50", got.DurationP50, want.DurationP50},
		{"DurationP99", got.DurationP99, want.DurationP99},
		{"ComputeUSD", got.ComputeUSD, want.ComputeUSD},
		{"RequestUSD", got.RequestUSD, want.RequestUSD},
		{"TotalUSD", got.TotalUSD, want.TotalUSD},
	}
	for _, f := range floats {
		if !near(f.got, f.want) {
			t.Errorf("%s = %v, want %v", f.name, f.got, f.want)
		}
	}
}

// readFile reads a fixture with the default prices.
func readFile(t testing.TB, name string) (Report, error) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return Read(f, DefaultPrices())
}

// TestReadMixed sums a file with every shape in it and checks the result
// against the arithmetic done by hand from the file's six reports:
//
//	shape                              duration  billed  memory  max used  init
//	REPORT, tabs                           1.23       2     128        21
//	REPORT, spaces, XRAY tail            395.99     662     512       301  265.72
//	REPORT after timestamp and tab        12.50      13     128        30
//	platform.report                      693.92     694     128        84  397.68
//	export event, REPORT message           3.10       4     128        47
//	export event, platform.report msg   1233.96    1698     256       123  463.512
func TestReadMixed(t *testing.T) {
	got, err := readFile(t, "mixed.log")
	if err != nil {
		t.Fatal(err)
	}
	// MB·ms: 2×128 + 662×512 + 13×128 + 694×128 + 4×128 + 1698×256
	//      = 256 + 338944 + 1664 + 88832 + 512 + 434688 = 864896
	// GB-s: 864896 / 1024 / 1000 = 0.844625
	const gbs = 0.844625
	checkReport(t, got, Report{
		Invocations:     6,
		BilledMs:        2 + 662 + 13 + 694 + 4 + 1698, // 3073
		GBSeconds:       gbs,
		MaxMemoryUsedMB: 301,
		InitCount:       3,
		InitMs:          265.72 + 397.68 + 463.512, // 1126.912
		// sorted: 1.23 3.10 12.50 395.99 693.92 1233.96; nearest rank
		// ceil(0.50×6) = 3rd, ceil(0.99×6) = 6th
		DurationP50: 12.50,
		DurationP99: 1233.96,
		ComputeUSD:  0.000011261722975,             // 0.844625 × $0.0000133334
		RequestUSD:  0.0000012,                     // 6 / 1,000,000 × $0.20
		TotalUSD:    0.000011261722975 + 0.0000012, // $0.000012461722975
	})
}

// TestReadShapes reads one fixture per input shape; the expected sums are
// worked out from the reports in each file.
func TestReadShapes(t *testing.T) {
	for _, tc := range []struct {
		file string
		want Report
	}{
		// 395.99/662 init 265.72, 1.23/2, 12.50/13, 3000/3000 timeout; all 512 MB
		{"report.log", Report{Invocations: 4, BilledMs: 3677, GBSeconds: 3677 * 512 / 1024000.0,
			MaxMemoryUsedMB: 302, InitCount: 1, InitMs: 265.72, DurationP50: 12.50, DurationP99: 3000}},
		// 1233.96/1698 init 463.51, 3.10/4; 256 MB
		{"cloudwatch-export.log", Report{Invocations: 2, BilledMs: 1702, GBSeconds: 1702 * 256 / 1024000.0,
			MaxMemoryUsedMB: 124, InitCount: 1, InitMs: 463.51, DurationP50: 3.10, DurationP99: 1233.96}},
		// 2599.40/3149 init 549.04, 1.05/2; 128 MB
		{"logs-tail.log", Report{Invocations: 2, BilledMs: 3151, GBSeconds: 3151 * 128 / 1024000.0,
			MaxMemoryUsedMB: 94, InitCount: 1, InitMs: 549.04, DurationP50: 1.05, DurationP99: 2599.40}},
		// 98.50/170 init 71.02, 7.77/8; 128 MB
		{"filter-log-events.json", Report{Invocations: 2, BilledMs: 178, GBSeconds: 178 * 128 / 1024000.0,
			MaxMemoryUsedMB: 48, InitCount: 1, InitMs: 71.02, DurationP50: 7.77, DurationP99: 98.50}},
		// 693.92/1092 init 397.68, 3000/3000 timeout; 128 MB
		{"json-format.ndjson", Report{Invocations: 2, BilledMs: 4092, GBSeconds: 4092 * 128 / 1024000.0,
			MaxMemoryUsedMB: 85, InitCount: 1, InitMs: 397.68, DurationP50: 693.92, DurationP99: 3000}},
		// 1233.96/1698 init 463.512, 3.1/4; 256 MB
		{"json-in-export.ndjson", Report{Invocations: 2, BilledMs: 1702, GBSeconds: 1702 * 256 / 1024000.0,
			MaxMemoryUsedMB: 124, InitCount: 1, InitMs: 463.512, DurationP50: 3.1, DurationP99: 1233.96}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got, err := readFile(t, tc.file)
			if err != nil {
				t.Fatal(err)
			}
			p := DefaultPrices()
			tc.want.ComputeUSD = tc.want.GBSeconds * p.PerGBSecond
			tc.want.RequestUSD = float64(tc.want.Invocations) * p.PerMillionRequests / 1e6
			tc.want.TotalUSD = tc.want.ComputeUSD + tc.want.RequestUSD
			checkReport(t, got, tc.want)
		})
	}
}

// TestReadLines reads single lines and small inputs: what counts, what is
// malformed, what is ignored.
func TestReadLines(t *testing.T) {
	f := func(in string, invocations, malformed, billed int64) {
		t.Helper()
		got, err := Read(strings.NewReader(in), DefaultPrices())
		if invocations == 0 {
			if !errors.Is(err, ErrNoReports) {
				t.Errorf("Read(%q): error %v, want ErrNoReports", in, err)
			}
		} else if err != nil {
			t.Errorf("Read(%q): %v", in, err)
		}
		if got.Invocations != invocations || got.Malformed != malformed || got.BilledMs != billed {
			t.Errorf("Read(%q) = %d invocations, %d malformed, %d ms billed; want %d, %d, %d",
				in, got.Invocations, got.Malformed, got.BilledMs, invocations, malformed, billed)
		}
	}
	const good = "REPORT RequestId: a\tDuration: 1.5 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB\t"
	f(good, 1, 0, 2)
	f(good+"\r\n"+good+"\r\n", 2, 0, 4)          // CRLF
	f("\uFEFF"+good, 1, 0, 2)                    // byte order mark
	f("2026-08-09T08:37:29.512Z "+good, 1, 0, 2) // S3 export prefix
	f("XREPORT RequestId: a Duration: 1 ms Billed Duration: 2 ms Memory Size: 128 MB", 0, 0, 0)
	f("REPORT RequestId: a Duration: 1.5ms Billed Duration: 2ms Memory Size: 128MB", 1, 0, 2) // glued units
	f("REPORT RequestId: a Duration: 1.5 ms Billed Duration: 2.2 ms Memory Size: 128 MB", 1, 0, 3)
	f("REPORT RequestId: a Duration: 1.5 ms Memory Size: 128 MB", 0, 1, 0)
	f("REPORT RequestId: a Duration: 1.5 ms Billed Duration: 2 ms Memory Size: 0 MB", 0, 1, 0)
	f("REPORT RequestId: a Duration: 1.5 ms Billed Duration: -2 ms Memory Size: 128 MB", 0, 1, 0)
	f("REPORT RequestId: a Duration: 1.5 ms Billed Duration: 0x1p4 ms Memory Size: 128 MB", 0, 1, 0) // hex, which strconv would read
	f("REPORT RequestId: a Duration: 1_5 ms Billed Duration: 2 ms Memory Size: 128 MB", 0, 1, 0)
	f("REPORT RequestId: a Duration: 1.5 ms Billed Duration: Memory Size: 128 MB", 0, 1, 0)
	f("REPORT RequestId:", 0, 1, 0)
	f(`{"type":"platform.report","record":{"metrics":{"durationMs":1,"billedDurationMs":2,"memorySizeMB":128}}}`, 1, 0, 2)
	f(`{"type":"platform.report","record":{"metrics":{"durationMs":1,"billedDurationMs":2,"memorySizeMB":128,"initDurationMs":null}}}`, 0, 1, 0)
	f(`{"type":"platform.report","record":"oops"}`, 0, 1, 0)
	f(`{"type":"platform.initReport","record":{"metrics":{"durationMs":125.33}}}`, 0, 0, 0)
	f(`[{"message":"`+strings.ReplaceAll(good, "\t", `\t`)+`"},{"message":"START RequestId: b"}]`, 1, 0, 2)
	// a broken JSON line is ignored, and must not swallow the report after it
	f("{\"message\":\"REPORT RequestId: a\n"+good+"\n", 1, 0, 2)
	// a pretty-printed document cut short is ignored whole
	f("{\n  \"events\": [\n    {\"message\": \"REPORT RequestId: a Duration: 1 ms Billed Duration: 2 ms Memory Size: 128 MB\"}\n", 0, 0, 0)
	// … and one that closes too much ends there, and reading goes on
	f("[\n]]\n"+good+"\n", 1, 0, 2)
	// an application log that quotes a JSON platform.report is not one
	f(`INFO saw {"type":"platform.report" in a log`, 0, 0, 0)
}

// TestReadMalformed reads a file of broken reports around one good one: the
// good one is summed, each broken one counted, nothing panics.
func TestReadMalformed(t *testing.T) {
	got, err := readFile(t, "malformed.log")
	if err != nil {
		t.Fatal(err)
	}
	p := DefaultPrices()
	gbs := 5 * 128 / 1024000.0
	checkReport(t, got, Report{
		Invocations: 1, BilledMs: 5, GBSeconds: gbs, MaxMemoryUsedMB: 21,
		DurationP50: 5, DurationP99: 5, Malformed: 12,
		ComputeUSD: gbs * p.PerGBSecond, RequestUSD: p.PerMillionRequests / 1e6,
		TotalUSD: gbs*p.PerGBSecond + p.PerMillionRequests/1e6,
	})
}

// TestReadNothing pins the decision for input without a usable report: an
// error wrapping ErrNoReports that says how much was read, never a $0 bill
// that looks like a result.
func TestReadNothing(t *testing.T) {
	f := func(in, wantErr string, malformed int64) {
		t.Helper()
		got, err := Read(strings.NewReader(in), DefaultPrices())
		if !errors.Is(err, ErrNoReports) || err.Error() != wantErr {
			t.Errorf("Read(%q): error %v, want %q wrapping ErrNoReports", in, err, wantErr)
		}
		if got.Invocations != 0 || got.TotalUSD != 0 || got.Malformed != malformed {
			t.Errorf("Read(%q) = %+v, want an empty report with %d malformed", in, got, malformed)
		}
	}
	f("", "cost: no Lambda invocation reports in 0 lines read", 0)
	f("\n\n", "cost: no Lambda invocation reports in 2 lines read", 0)
	f("REPORT RequestId: a Duration: x ms\nREPORT RequestId: b\n",
		"cost: no Lambda invocation reports: 2 lines read, all 2 reports in them malformed", 2)

	_, err := readFile(t, "nothing.log")
	if !errors.Is(err, ErrNoReports) || err.Error() != "cost: no Lambda invocation reports in 6 lines read" {
		t.Errorf("nothing.log: error %v", err)
	}
}

// TestReadErrors checks the errors that are not about the content.
func TestReadErrors(t *testing.T) {
	boom := errors.New("boom")
	_, err := Read(iotest.ErrReader(boom), DefaultPrices())
	if !errors.Is(err, boom) || err.Error() != "cost: read log export: boom" {
		t.Errorf("reader error: %v", err)
	}
	for _, tc := range []struct {
		p    Prices
		want string
	}{
		{Prices{PerGBSecond: -1, PerMillionRequests: 0.2}, "cost: price PerGBSecond: -1 is not a finite non-negative number"},
		{Prices{PerGBSecond: 1, PerMillionRequests: math.NaN()}, "cost: price PerMillionRequests: NaN is not a finite non-negative number"},
		{Prices{PerGBSecond: math.Inf(1)}, "cost: price PerGBSecond: +Inf is not a finite non-negative number"},
	} {
		_, err := Read(strings.NewReader(""), tc.p)
		if err == nil || err.Error() != tc.want {
			t.Errorf("Read with %+v: error %v, want %q", tc.p, err, tc.want)
		}
	}
}

// TestPercentile checks the nearest-rank rule at the edges.
func TestPercentile(t *testing.T) {
	f := func(sorted []float64, pct int, want float64) {
		t.Helper()
		if got := percentile(sorted, pct); got != want {
			t.Errorf("percentile(%v, %d) = %v, want %v", sorted, pct, got, want)
		}
	}
	f(nil, 50, 0)
	f([]float64{7}, 50, 7)
	f([]float64{7}, 99, 7)
	f([]float64{1, 2}, 50, 1)
	f([]float64{1, 2, 3, 4, 5}, 50, 3)
	f([]float64{1, 2, 3, 4, 5}, 99, 5)
	hundred := make([]float64, 100)
	for i := range hundred {
		hundred[i] = float64(i + 1)
	}
	f(hundred, 50, 50)
	f(hundred, 99, 99)
	thousand := make([]float64, 1000)
	for i := range thousand {
		thousand[i] = float64(i + 1)
	}
	f(thousand, 99, 990)
}

// TestFormat pins the table for the hand-checked sample.
func TestFormat(t *testing.T) {
	r, err := readFile(t, "mixed.log")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	r.Format(&b)
	want := `invocations         6
cold starts         3 (50.00%), 1126.91 ms init in total
billed duration     3,073 ms
compute             0.844625 GB-s
peak memory used    301 MB
duration p50 / p99  12.50 ms / 1233.96 ms
compute cost        $0.000011
request cost        $0.000001
total               $0.000012
Prices: first tier, before the free tier. Billed duration already includes init where Lambda bills it.
`
	if b.String() != want {
		t.Errorf("Format:\n%s\nwant:\n%s", b.String(), want)
	}

	b.Reset()
	Report{Invocations: 1234567, Malformed: 2}.Format(&b)
	for _, s := range []string{"1,234,567", "malformed reports   2 (left out of every sum above)"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("Format: no %q in\n%s", s, b.String())
		}
	}
}

// TestGroup checks the thousands separator.
func TestGroup(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1234: "-1,234"} {
		if got := group(n); got != want {
			t.Errorf("group(%d) = %q, want %q", n, got, want)
		}
	}
}
