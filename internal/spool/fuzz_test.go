package spool

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzRecover hands recovery arbitrary segment files, as a crash or a bad
// disk could leave them: it must never panic, and whatever it keeps must
// read back to the end without error.
func FuzzRecover(f *testing.F) {
	prog := compile(f, "SELECT *")
	dir := f.TempDir()
	s, _ := Open(dir, HeaderFor(prog), 1<<20)
	s.Append(fill(f, prog, `{"a":1,"b":"x"}`, `not json`, `{"c":[1,2]}`))
	s.Append(fill(f, prog, `{"a":2}`))
	path, _ := s.Seal()
	whole, _ := os.ReadFile(path)
	f.Add(whole)
	f.Add(whole[:len(whole)-3])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "x"+ExtOpen)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		sealed, err := Recover(p)
		if err != nil || sealed == "" {
			return
		}
		r, err := OpenReader(sealed)
		if err != nil {
			return // a whole frame that is not a header: not ours to read
		}
		defer r.Close()
		var rec Record
		for {
			err := r.Next(&rec)
			if err == io.EOF {
				return
			}
			if err != nil {
				return // intact frames of garbage decode to an error, not a panic
			}
		}
	})
}
