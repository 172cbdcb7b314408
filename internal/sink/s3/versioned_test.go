package s3

import (
	"testing"

	"github.com/datatap/datatap/internal/testenv/fixture"
)

// TestVersionedMinIO checks the conditional writes against a real MinIO.
func TestVersionedMinIO(t *testing.T) {
	if testing.Short() {
		t.Skip("starts MinIO")
	}
	s, _ := minioSink(t)
	fixture.CheckVersioned(t, s)
}
