package spool_test

import (
	"context"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/datatap/datatap/internal/config"
	"github.com/datatap/datatap/internal/flush"
	"github.com/datatap/datatap/internal/ingest"
	"github.com/datatap/datatap/internal/spool"
	pipeline "github.com/datatap/datatap/internal/tap"
)

// TestTwoTapsOneFolder: two taps, each with its own output, share one
// TAP_SPOOL_DIR, as serve and the real flush would: each flushes only its
// own rows into its own folder, and leaves the other's segment in place.
func TestTwoTapsOneFolder(t *testing.T) {
	shared := t.TempDir()
	type tap struct {
		out string
		sp  *spool.Spool
		f   *flush.Flusher
		in  *ingest.Ingester
	}
	open := func() tap {
		out := t.TempDir()
		cfg, err := config.Load(func(name string) (string, bool) {
			v, ok := map[string]string{"TAP_DIR": out, "TAP_SPOOL_DIR": shared}[name]
			return v, ok
		})
		if err != nil {
			t.Fatal(err)
		}
		f, err := pipeline.NewFlusher(context.Background(), cfg, "test")
		if err != nil {
			t.Fatal(err)
		}
		sp, err := spool.Open(cfg.SpoolDir, cfg.SpoolHeader(), cfg.SpoolMaxBytes)
		if err != nil {
			t.Fatal(err)
		}
		return tap{out, sp, f, ingest.New(cfg.Program, sp, ingest.Limits{MaxBodyBytes: cfg.MaxBodyBytes, MaxLineBytes: cfg.MaxLineBytes})}
	}
	files := func(dir string) (names []string) {
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() && d.Name() == "_datatap" {
				return fs.SkipDir // the table schema (flush.TableSchemaName)
			}
			if err == nil && !d.IsDir() {
				names = append(names, path)
			}
			return nil
		})
		return names
	}
	a, b := open(), open()
	for _, x := range []tap{a, b} {
		if _, err := x.in.Ingest([]byte(`{"from":"`+x.out+`"}`+"\n"), ""); err != nil {
			t.Fatal(err)
		}
		if _, err := x.sp.Seal(); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.f.All(context.Background(), b.sp); err != nil {
		t.Fatal(err)
	}
	if got := files(a.out); len(got) != 0 {
		t.Errorf("b flushed into a's folder: %v", got)
	}
	if got := files(b.out); len(got) != 1 || !strings.HasSuffix(got[0], ".parquet") {
		t.Errorf("b's folder: %v, want one Parquet file", got)
	}
	if left, _ := filepath.Glob(filepath.Join(shared, "*"+spool.ExtSealed)); len(left) != 1 {
		t.Errorf("segments left after b's flush: %v, want a's", left)
	}
	if err := a.f.All(context.Background(), a.sp); err != nil {
		t.Fatal(err)
	}
	if got := files(a.out); len(got) != 1 {
		t.Errorf("a's folder: %v, want one file", got)
	}
	if left, _ := filepath.Glob(filepath.Join(shared, "*"+spool.ExtSealed)); len(left) != 0 {
		t.Errorf("segments left: %v", left)
	}
}
