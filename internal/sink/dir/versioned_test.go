package dir

import (
	"context"
	"errors"
	"testing"

	"github.com/datatap/datatap/internal/sink"
)

// TestVersioned checks the conditional writes in a folder:
// create only once, replace only at the version read, a stale version is
// a conflict and stores nothing.
func TestVersioned(t *testing.T) {

	s, nerr := New(t.TempDir())
	if nerr != nil {
		t.Fatal(nerr)
	}
	ctx := context.Background()
	const key = "t/_datatap/schema.json"
	if _, _, err := s.GetVersion(ctx, key); !errors.Is(err, sink.ErrNotFound) {
		t.Fatalf("get of a missing object: %v, want ErrNotFound", err)
	}
	v1, err := s.PutIf(ctx, key, []byte("one"), "")
	if err != nil || v1 == "" {
		t.Fatalf("create: %q %v", v1, err)
	}
	if _, err := s.PutIf(ctx, key, []byte("again"), ""); !errors.Is(err, sink.ErrConflict) {
		t.Fatalf("second create: %v, want ErrConflict", err)
	}
	v2, err := s.PutIf(ctx, key, []byte("two"), v1)
	if err != nil || v2 == v1 {
		t.Fatalf("replace at %s: %q %v", v1, v2, err)
	}
	if _, err := s.PutIf(ctx, key, []byte("stale"), v1); !errors.Is(err, sink.ErrConflict) {
		t.Fatalf("replace at a stale version: %v, want ErrConflict", err)
	}
	data, v, err := s.GetVersion(ctx, key)
	if err != nil || string(data) != "two" || v != v2 {
		t.Fatalf("get: %q %q %v, want two %q", data, v, err, v2)
	}
}
