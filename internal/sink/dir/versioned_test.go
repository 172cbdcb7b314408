package dir

import (
	"testing"

	"github.com/datatap/datatap/internal/testenv/fixture"
)

// TestVersioned checks the conditional writes in a folder.
func TestVersioned(t *testing.T) {
	s, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	fixture.CheckVersioned(t, s)
}
