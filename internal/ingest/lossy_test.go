package ingest_test

import (
	"context"
	"testing"

	"github.com/datatap/datatap/internal/flush"
	"github.com/datatap/datatap/internal/ingest"
	"github.com/datatap/datatap/internal/sink/dir"
	"github.com/datatap/datatap/internal/spool"
	"github.com/datatap/datatap/transform"
)

// TestLossIsCounted: what a row holds with a loss it cannot show (a number
// rounded to DOUBLE, a duplicate field * left out, a cast that gave NULL)
// is counted at ingest and reported by the flush of its segment.
func TestLossIsCounted(t *testing.T) {
	prog, err := transform.Compile("SELECT *, n::INT64 AS ni")
	if err != nil {
		t.Fatal(err)
	}
	sp, err := spool.Open(t.TempDir(), spool.HeaderFor(prog), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	in := ingest.New(prog, sp, ingest.Limits{MaxBodyBytes: 1 << 20, MaxLineBytes: 1 << 20})
	body := `{"big":18446744073709551615,"n":"x"}` + "\n" + // one rounded, one failed cast
		`{"a":1,"a":2,"n":3}` + "\n" + // one duplicate
		`{"n":4,"f":0.5}` + "\n" // exact: nothing
	for range 2 { // two requests: the counts add up
		if _, err := in.Ingest([]byte(body), ""); err != nil {
			t.Fatal(err)
		}
	}
	seg, err := sp.Seal()
	if err != nil {
		t.Fatal(err)
	}
	sk, err := dir.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f := &flush.Flusher{Sink: sk, Prefix: "p/", ErrorsPrefix: "e/", TempDir: t.TempDir()}
	res, err := f.Segment(context.Background(), seg)
	if err != nil {
		t.Fatal(err)
	}
	want := spool.Lossy{RoundedNumbers: 2, DuplicateFields: 2, CastFailures: 2}
	if res.Lossy != want || res.Rows != 6 {
		t.Errorf("flush reports %d rows, %+v; want 6 rows, %+v", res.Rows, res.Lossy, want)
	}
}
