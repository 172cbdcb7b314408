package cost

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzRead feeds arbitrary exports to Read, seeded with every fixture: it
// must not panic, and whatever it returns must be a report a person could
// trust: finite non-negative numbers, consistent counts and dollars, an
// error exactly when nothing was usable.
func FuzzRead(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, ".md") {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := Read(bytes.NewReader(in), DefaultPrices())
		if (err != nil) != (r.Invocations == 0) {
			t.Fatalf("error %v with %d invocations", err, r.Invocations)
		}
		for _, v := range []float64{r.GBSeconds, r.InitMs, r.DurationP50, r.DurationP99, r.ComputeUSD, r.RequestUSD, r.TotalUSD} {
			if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("report has %v: %+v", v, r)
			}
		}
		if r.BilledMs < 0 || r.MaxMemoryUsedMB < 0 || r.Malformed < 0 ||
			r.InitCount < 0 || r.InitCount > r.Invocations || r.DurationP50 > r.DurationP99 {
			t.Fatalf("inconsistent report %+v", r)
		}
		if r.TotalUSD != r.ComputeUSD+r.RequestUSD {
			t.Fatalf("total %v is not compute %v + requests %v", r.TotalUSD, r.ComputeUSD, r.RequestUSD)
		}
		r.Format(&bytes.Buffer{})
	})
}
