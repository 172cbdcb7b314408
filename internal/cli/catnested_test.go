package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/datatap/datatap/internal/flush"
	"github.com/datatap/datatap/internal/sink/dir"
	"github.com/datatap/datatap/internal/spool"
	"github.com/datatap/datatap/internal/testenv/fixture"
	"github.com/datatap/datatap/transform"
)

// TestCatInferredNested: cat prints the STRUCT and LIST columns a flush
// inferred from objects and arrays (TAP_NESTED=native) as the JSON they
// came from, and -schema names their types.
func TestCatInferredNested(t *testing.T) {
	prog, err := transform.Compile("SELECT *")
	if err != nil {
		t.Fatal(err)
	}
	sp, err := spool.Open(t.TempDir(), spool.HeaderFor(prog), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	seg := fixture.Segment(t, sp, prog,
		`{"i":1,"user":{"id":7,"tags":["a","b"]},"pts":[{"x":1.5}]}`,
		`{"i":2,"user":{"tags":[]},"pts":null}`)
	out := t.TempDir()
	sk, err := dir.New(out)
	if err != nil {
		t.Fatal(err)
	}
	f := &flush.Flusher{Sink: sk, Prefix: "p/", ErrorsPrefix: "e/", TempDir: t.TempDir()}
	if _, err := f.Segment(context.Background(), seg); err != nil {
		t.Fatal(err)
	}
	got, err := runCat(t, out+"/p")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"i":1,"user":{"id":7,"tags":["a","b"]},"pts":[{"x":1.5}]}` + "\n" +
		`{"i":2,"user":{"id":null,"tags":[]},"pts":null}` + "\n"
	if got != want {
		t.Errorf("cat printed\n%s\nwant\n%s", got, want)
	}
	got, err = runCat(t, "-schema", out+"/p")
	if err != nil {
		t.Fatal(err)
	}
	flat := strings.Join(strings.Fields(got), " ")
	for _, w := range []string{"user STRUCT(id BIGINT, tags VARCHAR[])", "pts STRUCT(x DOUBLE)[]"} {
		if !strings.Contains(flat, w) {
			t.Errorf("cat -schema does not show %q:\n%s", w, got)
		}
	}
}
