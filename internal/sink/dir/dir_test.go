package dir

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/datatap/datatap/internal/sink"
)

func newSink(t *testing.T) *Sink {
	t.Helper()
	s, err := New(filepath.Join(t.TempDir(), "out", "data"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func put(t *testing.T, s *Sink, key string, body []byte) {
	t.Helper()
	if err := s.Put(context.Background(), key, bytes.NewReader(body), int64(len(body))); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

// files lists every file under root, relative and slash-separated, including
// hidden ones, so that leftovers are seen.
func files(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestNewCreatesRoot(t *testing.T) {
	s := newSink(t)
	if fi, err := os.Stat(s.Root()); err != nil || !fi.IsDir() {
		t.Fatalf("root %s not created: %v", s.Root(), err)
	}
	if !filepath.IsAbs(s.Root()) || s.String() != "dir:"+s.Root() {
		t.Errorf("String() = %q, Root() = %q", s.String(), s.Root())
	}

	// A relative root is made absolute, so logs say where data really went.
	t.Chdir(t.TempDir())
	rel, err := New("./data")
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(rel.Root()) || filepath.Base(rel.Root()) != "data" {
		t.Errorf("relative root became %q", rel.Root())
	}
}

func TestNewFailsOnFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := New(file); err == nil {
		t.Error("New on a regular file succeeded")
	}
}

func TestPutWritesAndReplaces(t *testing.T) {
	s := newSink(t)
	key := "datataps/year=2024/month=03/" + sink.PartitionPath([]string{"svc"}, []string{"../x"}, nil) + "seg-1.parquet"
	put(t, s, key, []byte("first version"))
	put(t, s, key, []byte("v2")) // shorter: no stale tail may remain

	got, err := os.ReadFile(filepath.Join(s.Root(), filepath.FromSlash(key)))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "v2" {
		t.Errorf("content = %q, want %q", got, "v2")
	}
	fi, err := os.Stat(filepath.Join(s.Root(), filepath.FromSlash(key)))
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o644 {
		t.Errorf("mode = %v, want 0644", perm)
	}
	if all := files(t, s.Root()); len(all) != 1 || all[0] != key {
		t.Errorf("files = %q, want only %q", all, key)
	}
}

func TestPutEmptyAndFromOffset(t *testing.T) {
	s := newSink(t)
	put(t, s, "empty.ndjson", nil)
	if b, err := os.ReadFile(filepath.Join(s.Root(), "empty.ndjson")); err != nil || len(b) != 0 {
		t.Errorf("empty object: %q, %v", b, err)
	}

	// The body is read from its current offset, exactly size bytes.
	r := strings.NewReader("skip|keep|extra")
	if _, err := r.Seek(5, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(context.Background(), "k", r, 4); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(s.Root(), "k")); string(b) != "keep" {
		t.Errorf("got %q, want %q", b, "keep")
	}
}

func TestPutRejectsBadKeys(t *testing.T) {
	s := newSink(t)
	outside := filepath.Dir(s.Root())
	for _, key := range []string{
		"", "/etc/passwd", "../escape", "a/../../escape", "a/..", "..", "a..b/c",
		"a//b", "a/", "/", "./a", "a/./b", "nul\x00byte",
	} {
		err := s.Put(context.Background(), key, strings.NewReader("x"), 1)
		if !errors.Is(err, sink.ErrBadKey) {
			t.Errorf("Put(%q) = %v, want ErrBadKey", key, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), "dir: put: key ") {
			t.Errorf("Put(%q) error %q does not say what was wrong", key, err)
		}
	}
	// Nothing was written, inside or next to the root.
	if all := files(t, outside); len(all) != 0 {
		t.Errorf("files written: %q", all)
	}
}

// errReader fails after returning some bytes, like a spool file on a dying disk.
type errReader struct {
	io.ReadSeeker
	after int
}

func (e *errReader) Read(p []byte) (int, error) {
	if e.after <= 0 {
		return 0, errors.New("disk on fire")
	}
	if len(p) > e.after {
		p = p[:e.after]
	}
	n, err := e.ReadSeeker.Read(p)
	e.after -= n
	return n, err
}

func TestFailedPutLeavesNothing(t *testing.T) {
	s := newSink(t)
	put(t, s, "keep/old.parquet", []byte("old"))

	body := bytes.Repeat([]byte("z"), 1<<20)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		name string
		ctx  context.Context
		body io.ReadSeeker
		size int64
		want error
	}{
		{"read error", context.Background(), &errReader{bytes.NewReader(body), 1000}, int64(len(body)), nil},
		{"short body", context.Background(), bytes.NewReader(body[:10]), 11, io.ErrUnexpectedEOF},
		{"cancelled", cancelled, bytes.NewReader(body), int64(len(body)), context.Canceled},
	}
	for _, c := range cases {
		for _, key := range []string{"keep/old.parquet", "new/dir/new.parquet"} {
			err := s.Put(c.ctx, key, c.body, c.size)
			if err == nil {
				t.Fatalf("%s: Put(%q) succeeded", c.name, key)
			}
			if c.want != nil && !errors.Is(err, c.want) {
				t.Errorf("%s: error %v, want %v", c.name, err, c.want)
			}
			if !strings.Contains(err.Error(), key) {
				t.Errorf("%s: error %q does not name the key", c.name, err)
			}
			if _, err := c.body.Seek(0, io.SeekStart); err != nil {
				t.Fatal(err)
			}
		}
	}
	all := files(t, s.Root())
	if len(all) != 1 || all[0] != "keep/old.parquet" {
		t.Errorf("files after failed puts = %q, want only keep/old.parquet", all)
	}
	if b, _ := os.ReadFile(filepath.Join(s.Root(), "keep", "old.parquet")); string(b) != "old" {
		t.Errorf("old object changed to %q", b)
	}
}

func TestPutCancelledMidway(t *testing.T) {
	s := newSink(t)
	ctx, cancel := context.WithCancel(context.Background())
	// A body that cancels the context after the first read: the copy must
	// stop and the temporary file must go.
	body := &cancelAfterRead{ReadSeeker: bytes.NewReader(make([]byte, 4<<20)), cancel: cancel}
	err := s.Put(ctx, "x.parquet", body, 4<<20)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Put = %v, want context.Canceled", err)
	}
	if body.reads > 2 {
		t.Errorf("copy went on for %d reads after cancel", body.reads)
	}
	if all := files(t, s.Root()); len(all) != 0 {
		t.Errorf("files = %q, want none", all)
	}
}

type cancelAfterRead struct {
	io.ReadSeeker
	cancel func()
	reads  int
}

func (c *cancelAfterRead) Read(p []byte) (int, error) {
	c.reads++
	c.cancel()
	return c.ReadSeeker.Read(p)
}

func TestPutOverDirectoryFails(t *testing.T) {
	s := newSink(t)
	put(t, s, "a/b/c", []byte("x"))
	if err := s.Put(context.Background(), "a/b", strings.NewReader("y"), 1); err == nil {
		t.Error("Put over a directory succeeded")
	}
	if all := files(t, s.Root()); len(all) != 1 {
		t.Errorf("files = %q, want only a/b/c", all)
	}
}

// TestConcurrentReaderNeverSeesPartial rewrites one key with two different,
// large bodies while readers read it and list its folder: every read must be
// one whole body, a *.parquet glob must show only the key, and anything else
// in the folder must be a dot file.
func TestConcurrentReaderNeverSeesPartial(t *testing.T) {
	s := newSink(t)
	const key = "p/year=2024/seg.parquet"
	a := bytes.Repeat([]byte("a"), 1<<20)
	b := bytes.Repeat([]byte("b"), 3<<20)
	put(t, s, key, a)
	path := filepath.Join(s.Root(), filepath.FromSlash(key))

	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for reads := 0; ; reads++ {
				select {
				case <-stop:
					if reads == 0 {
						errs <- errors.New("reader never ran")
					}
					return
				default:
				}
				got, err := os.ReadFile(path)
				if err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(got, a) && !bytes.Equal(got, b) {
					errs <- fmt.Errorf("partial or mixed content seen: %q…, length %d", got[:min(len(got), 8)], len(got))
					return
				}
				// Readers glob for the extension (Go's Glob, unlike a shell,
				// does match dot files, so "*" would see the temporary file).
				visible, err := filepath.Glob(filepath.Join(filepath.Dir(path), "*.parquet"))
				if err != nil {
					errs <- err
					return
				}
				if len(visible) != 1 || visible[0] != path {
					errs <- fmt.Errorf("glob saw %q", visible)
					return
				}
				// Anything else in the folder is hidden, which Hive-style
				// readers (Spark, Athena) skip.
				entries, err := os.ReadDir(filepath.Dir(path))
				if err != nil {
					errs <- err
					return
				}
				for _, e := range entries {
					if e.Name() != filepath.Base(path) && !strings.HasPrefix(e.Name(), ".") {
						errs <- fmt.Errorf("visible non-object file %q", e.Name())
						return
					}
				}
			}
		}()
	}
	for i := range 40 {
		body := a
		if i%2 == 0 {
			body = b
		}
		put(t, s, key, body)
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
