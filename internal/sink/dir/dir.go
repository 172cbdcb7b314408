// Package dir is the local-filesystem sink: objects become files under a root
// folder (TAP_DIR, "./data" for serve), laid out exactly like the S3 keys so
// that the same DuckDB or Spark glob reads either.
package dir

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/datatap/datatap/internal/sink"
)

var _ sink.Sink = (*Sink)(nil)

// Sink writes objects as files under Root.
type Sink struct {
	root string // absolute, so String and errors say where data went
}

// New returns a Sink writing under root, creating root if needed so that a
// fresh checkout can run serve without any setup.
func New(root string) (*Sink, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("dir: %s: %w", root, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("dir: create root: %w", err)
	}
	return &Sink{root: abs}, nil
}

// Root returns the absolute folder objects are written under.
func (s *Sink) Root() string { return s.root }

// String returns "dir:" and the absolute root, for logs.
func (s *Sink) String() string { return "dir:" + s.root }

// Put writes size bytes of body to root/key. The bytes go to a temporary file
// in the destination folder first, named with a leading "." so that globs like
// "*.parquet" and Hive-style readers skip it, and are renamed into place only
// when complete and synced: rename within a folder is atomic, so a reader sees
// either the old file, the new one, or nothing, never a partial file. Putting
// the same key again replaces the file. On any error the temporary file is
// removed.
func (s *Sink) Put(ctx context.Context, key string, body io.ReadSeeker, size int64) (err error) {
	if err := sink.ValidKey(key); err != nil {
		return fmt.Errorf("dir: put: %w", err)
	}
	if size < 0 {
		return fmt.Errorf("dir: put %s: negative size %d", key, size)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("dir: put %s: %w", key, err)
	}
	dst := filepath.Join(s.root, filepath.FromSlash(key))
	folder := filepath.Dir(dst)
	if err := os.MkdirAll(folder, 0o755); err != nil {
		return fmt.Errorf("dir: put %s: %w", key, err)
	}
	// The base name is shortened so that a long key still gives a temporary
	// name within the 255-byte limit; it is only there to help a human.
	base := filepath.Base(dst)
	if len(base) > 64 {
		base = base[:64]
	}
	f, err := os.CreateTemp(folder, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("dir: put %s: %w", key, err)
	}
	defer func() {
		if err != nil {
			_ = f.Close() // may already be closed; the first error is the one that matters
			_ = os.Remove(f.Name())
		}
	}()

	n, err := io.Copy(f, io.LimitReader(ctxReader{ctx, body}, size))
	if err != nil {
		return fmt.Errorf("dir: put %s: %w", key, err)
	}
	if n != size {
		return fmt.Errorf("dir: put %s: body ended after %d of %d bytes: %w", key, n, size, io.ErrUnexpectedEOF)
	}
	// Sync before rename: without it a crash can leave the new name pointing
	// at an empty or partial file on some filesystems, which is exactly the
	// partial object Put promises never to show.
	if err := f.Sync(); err != nil {
		return fmt.Errorf("dir: put %s: %w", key, err)
	}
	// CreateTemp makes 0600 files; outputs are meant to be read by others
	// (a notebook, a query engine run as another user).
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("dir: put %s: %w", key, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("dir: put %s: %w", key, err)
	}
	if err := os.Rename(f.Name(), dst); err != nil {
		return fmt.Errorf("dir: put %s: %w", key, err)
	}
	return nil
}

// ctxReader stops a copy when ctx is done, so a cancelled flush does not go on
// writing a large file nobody will rename.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
