package spool

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fastjson"

	"github.com/datatap/datatap/transform"
)

// fill evaluates lines with prog into a new batch.
func fill(t testing.TB, prog *transform.Program, lines ...string) *Batch {
	t.Helper()
	b := NewBatch(prog)
	st := prog.NewState()
	var p fastjson.Parser
	for _, l := range lines {
		rec, err := transform.ParseRecord(&p, []byte(l))
		if err != nil {
			b.AddRejected([]byte(l), err.Error(), time.Unix(1700000000, 0), 1024)
			continue
		}
		if prog.Eval(st, rec) {
			b.AddRowAt(st.Row, st.Partition, st.Time)
		}
	}
	return b
}

func compile(t testing.TB, src string) *transform.Program {
	t.Helper()
	p, err := transform.Compile(src)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// readAll renders every record of a segment as text.
func readAll(t *testing.T, path string) []string {
	t.Helper()
	r, err := OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []string
	var rec Record
	for {
		err := r.Next(&rec)
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		if rec.Kind == KindRejected {
			b.WriteString("E " + rec.Reason[:min(len(rec.Reason), 12)] + " " + string(rec.Line) + " " + rec.Time.Format(time.RFC3339))
		} else {
			b.WriteString("R")
			for _, v := range rec.Partition {
				b.WriteString(" p=" + string(v.AppendJSON(nil)))
			}
			for _, f := range rec.Fields {
				b.WriteString(" " + f.Name + "=" + string(f.Value.AppendJSON(nil)))
			}
		}
		out = append(out, b.String())
	}
}

func TestRoundTrip(t *testing.T) {
	prog := compile(t, "SELECT *, ts::TIMESTAMP AS t, d::DATE AS d, n::INT32 AS n32, x + 0.5 AS x, ts::TIME AS tm, CASE WHEN d IS NOT NULL THEN '{550E8400-E29B-41D4-A716-446655440000}'::UUID END AS u WHERE keep PARTITION BY svc")
	dir := t.TempDir()
	s, err := Open(dir, HeaderFor(prog), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	b := fill(t, prog,
		`{"keep":true,"svc":"a","s":"ünï \"q\"","n":-5,"big":9223372036854775807,"ts":"2024-01-02T03:04:05.123456Z","d":"2024-02-29","x":1,"o":{"k":[1,null]},"nul":null,"f":false}`,
		`{"keep":false,"svc":"b"}`,
		`not json`,
		`{"keep":true}`,
	)
	if b.Rows != 2 || b.Rejected != 1 {
		t.Fatalf("rows %d rejected %d", b.Rows, b.Rejected)
	}
	if err := s.Append(b); err != nil {
		t.Fatal(err)
	}
	path, err := s.Seal()
	if err != nil || filepath.Ext(path) != ExtSealed {
		t.Fatalf("Seal: %q %v", path, err)
	}
	got := strings.Join(readAll(t, path), "\n")
	want := strings.Join([]string{
		`R p="a" keep=true svc="a" s="ünï \"q\"" n=-5 big=9223372036854775807 ts="2024-01-02T03:04:05.123456Z" o={"k":[1,null]} nul=null f=false t="2024-01-02T03:04:05.123456Z" d="2024-02-29" n32=-5 x=1.5 tm="03:04:05.123456" u="550e8400-e29b-41d4-a716-446655440000"`,
		`E malformed JS not json 2023-11-14T22:13:20Z`,
		`R p=null keep=true t=null d=null n32=null x=null tm=null u=null`,
	}, "\n")
	if got != want {
		t.Errorf("records\n got %s\nwant %s", got, want)
	}
	r, _ := OpenReader(path)
	defer r.Close()
	if r.Header.Statement != prog.Source() || r.Header.DeclaredType("t") != transform.Timestamp ||
		r.Header.DeclaredType("x") != transform.Null || len(r.Header.Partitions) != 1 {
		t.Errorf("header %+v", r.Header)
	}
}

// TestTornTailIsCut kills a write at every possible byte: recovery must keep
// every whole batch before it and never the torn one.
func TestTornTailIsCut(t *testing.T) {
	prog := compile(t, "SELECT a")
	dir := t.TempDir()
	s, err := Open(dir, HeaderFor(prog), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := s.Append(fill(t, prog, `{"a":1}`, `{"a":2}`)); err != nil {
			t.Fatal(err)
		}
	}
	s.mu.Lock()
	open := s.cur.path
	s.cur.f.Close()
	s.mu.Unlock()
	whole, err := os.ReadFile(open)
	if err != nil {
		t.Fatal(err)
	}
	batch := (len(whole) - int(fr(t, whole))) / 3 // size of one batch frame
	for cut := len(whole); cut > 0; cut-- {
		path := filepath.Join(t.TempDir(), "x"+ExtOpen)
		if err := os.WriteFile(path, whole[:cut], 0o644); err != nil {
			t.Fatal(err)
		}
		sealed, err := Recover(path)
		if err != nil {
			t.Fatalf("cut %d: %v", cut, err)
		}
		header := int(fr(t, whole))
		wantBatches := 0
		if cut >= header {
			wantBatches = (cut - header) / batch
		}
		if cut < header {
			if sealed != "" {
				t.Fatalf("cut %d inside the header: want the segment removed, got %s", cut, sealed)
			}
			continue
		}
		if got := len(readAll(t, sealed)); got != 2*wantBatches {
			t.Fatalf("cut %d: %d records, want %d", cut, got, 2*wantBatches)
		}
	}
}

// fr returns the size of the first frame (the header).
func fr(t *testing.T, b []byte) int64 {
	r := frameReader{r: strings.NewReader(string(b))}
	if _, err := r.next(); err != nil {
		t.Fatal(err)
	}
	return r.off
}

func TestOpenRecoversLeftovers(t *testing.T) {
	prog := compile(t, "SELECT a")
	dir := t.TempDir()
	s, _ := Open(dir, HeaderFor(prog), 1<<20)
	if err := s.Append(fill(t, prog, `{"a":1}`)); err != nil {
		t.Fatal(err)
	}
	// Simulate a crash: the process dies with the segment open, mid-append.
	s.mu.Lock()
	s.cur.f.Write([]byte{200, 0, 0, 0, 1, 2}) // a torn frame
	s.cur.f.Close()
	s.mu.Unlock()
	os.WriteFile(filepath.Join(dir, "junk.txt"), []byte("x"), 0o644)

	s2, err := Open(dir, HeaderFor(prog), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	sealed, _ := s2.Sealed()
	if len(sealed) != 1 {
		t.Fatalf("sealed %v, want one recovered segment", sealed)
	}
	if got := readAll(t, sealed[0]); len(got) != 1 || got[0] != "R a=1" {
		t.Errorf("recovered %v", got)
	}
	info, _ := os.Stat(sealed[0])
	if st := s2.Stats(); st.TotalBytes != info.Size() || st.OpenBytes != 0 {
		t.Errorf("stats %+v, want total %d", st, info.Size())
	}
	c, err := s2.Claim(sealed[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Done(); err != nil || s2.Stats().TotalBytes != 0 {
		t.Errorf("Done: %v, total %d", err, s2.Stats().TotalBytes)
	}
}

func TestFull(t *testing.T) {
	prog := compile(t, "SELECT a")
	s, _ := Open(t.TempDir(), HeaderFor(prog), 300)
	var err error
	n := 0
	for ; n < 100 && err == nil; n++ {
		err = s.Append(fill(t, prog, `{"a":"0123456789"}`))
	}
	if !errors.Is(err, ErrFull) {
		t.Fatalf("err %v after %d appends, want ErrFull", err, n)
	}
	if st := s.Stats(); st.TotalBytes > 300 {
		t.Errorf("total %d over the limit", st.TotalBytes)
	}
	path, _ := s.Seal()
	if got := len(readAll(t, path)); got != n-1 {
		t.Errorf("%d rows in the segment, want %d (every accepted append)", got, n-1)
	}
}

func TestSegmentsSortByAge(t *testing.T) {
	prog := compile(t, "SELECT a")
	s, _ := Open(t.TempDir(), HeaderFor(prog), 1<<20)
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var want []string
	for i := 0; i < 3; i++ {
		s.now = func() time.Time { return base.Add(time.Duration(2-i) * time.Hour) }
		s.Append(fill(t, prog, `{"a":1}`))
		p, _ := s.Seal()
		want = append([]string{p}, want...)
	}
	got, _ := s.Sealed()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("Sealed() = %v, want oldest first %v", got, want)
	}
}

// TestLocks checks the protocol between the runtime and the extension: an
// open segment held by a live process is left alone, and a sealed segment is
// flushed by one claimant only.
//
// The runtime and the extension open the spool with the same header, with
// or without an output (config.SpoolHeader names one).
func TestLocks(t *testing.T) {
	prog := compile(t, "SELECT a")
	t.Run("no output", func(t *testing.T) { testLocks(t, prog, HeaderFor(prog)) })
	t.Run("output", func(t *testing.T) { testLocks(t, prog, owned(prog, "s3://bucket", "p/")) })
}

func testLocks(t *testing.T, prog *transform.Program, h Header) {
	dir := t.TempDir()
	runtime, _ := Open(dir, h, 1<<20)
	if err := runtime.Append(fill(t, prog, `{"a":1}`)); err != nil {
		t.Fatal(err)
	}
	// The extension starts while the runtime appends: it must not touch the
	// open segment, not even to recover it.
	ext, err := Open(dir, h, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if busy, err := ext.RecoverOpen(20 * time.Millisecond); err != nil || len(busy) != 1 {
		t.Fatalf("RecoverOpen while the runtime holds the segment: busy %v, %v", busy, err)
	}
	if sealed, _ := ext.Sealed(); len(sealed) != 0 {
		t.Fatalf("the extension sealed a live segment: %v", sealed)
	}
	// The runtime seals; one claim wins, the other is told busy.
	path, err := runtime.Seal()
	if err != nil {
		t.Fatal(err)
	}
	c1, err := runtime.Claim(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ext.Claim(path); !errors.Is(err, ErrBusy) {
		t.Fatalf("second claim: %v, want ErrBusy", err)
	}
	if err := c1.Done(); err != nil {
		t.Fatal(err)
	}
	if _, err := ext.Claim(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("claim after Done: %v, want not exist", err)
	}
	// A runtime that dies (its lock goes with it) leaves an open segment the
	// extension then recovers.
	if err := runtime.Append(fill(t, prog, `{"a":2}`)); err != nil {
		t.Fatal(err)
	}
	runtime.mu.Lock()
	runtime.cur.f.Close() // what the kernel does when the process dies
	runtime.mu.Unlock()
	if busy, err := ext.RecoverOpen(time.Second); err != nil || len(busy) != 0 {
		t.Fatalf("RecoverOpen after the runtime died: busy %v, %v", busy, err)
	}
	sealed, _ := ext.Sealed()
	if len(sealed) != 1 || strings.Join(readAll(t, sealed[0]), ",") != "R a=2" {
		t.Fatalf("recovered %v", sealed)
	}
	if f := append(runtime.Foreign(), ext.Foreign()...); len(f) != 0 {
		t.Errorf("the same tap's segments reported as foreign: %+v", f)
	}
}

// owned is HeaderFor(prog) for an output and its prefixes.
func owned(prog *transform.Program, output, prefix string) Header {
	h := HeaderFor(prog)
	h.Output, h.Prefix, h.ErrorsPrefix = output, prefix, "errors/"
	return h
}

// TestForeignSegmentsAreKept: two taps share a folder; neither hands the
// other's segments to its flusher, recovers them or removes them, and each
// foreign segment is reported once.
func TestForeignSegmentsAreKept(t *testing.T) {
	prog := compile(t, "SELECT a")
	dir := t.TempDir()
	a, err := Open(dir, owned(prog, "dir:/data/a", "p/"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Append(fill(t, prog, `{"a":1}`)); err != nil {
		t.Fatal(err)
	}
	aSealed, err := a.Seal()
	if err != nil {
		t.Fatal(err)
	}
	// A second segment of a, left open by a process that died mid-append.
	if err := a.Append(fill(t, prog, `{"a":2}`)); err != nil {
		t.Fatal(err)
	}
	a.mu.Lock()
	aOpen := a.cur.path
	a.cur.f.Write([]byte{9, 0, 0, 0, 1}) // a torn frame
	a.cur.f.Close()
	a.cur = nil
	a.mu.Unlock()
	aOpenBytes, _ := os.ReadFile(aOpen)

	for _, other := range []Header{owned(prog, "s3://b", "p/"), owned(prog, "dir:/data/a", "q/")} {
		b, err := Open(dir, other, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Append(fill(t, prog, `{"a":3}`)); err != nil {
			t.Fatal(err)
		}
		bSealed, _ := b.Seal()
		if busy, err := b.RecoverOpen(0); err != nil || len(busy) != 0 {
			t.Fatalf("RecoverOpen: %v %v", busy, err)
		}
		sealed, err := b.Sealed()
		if err != nil || len(sealed) != 1 || sealed[0] != bSealed {
			t.Errorf("%s %s: Sealed() = %v, %v; want only its own %s", other.Output, other.Prefix, sealed, err, bSealed)
		}
		if got, _ := os.ReadFile(aOpen); string(got) != string(aOpenBytes) {
			t.Errorf("%s: the other tap's open segment was changed", other.Output)
		}
		f := b.Foreign()
		paths := map[string]Foreign{}
		for _, x := range f {
			paths[x.Path] = x
		}
		if len(f) != 2 || paths[aSealed].Output != "dir:/data/a" || paths[aSealed].Prefix != "p/" ||
			paths[aSealed].ErrorsPrefix != "errors/" || paths[aOpen].Output != "dir:/data/a" {
			t.Errorf("Foreign() = %+v, want the sealed and the open segment of dir:/data/a", f)
		}
		b.Sealed()
		if again := b.Foreign(); len(again) != 0 {
			t.Errorf("foreign segments reported twice: %+v", again)
		}
		c, err := b.Claim(bSealed)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Done(); err != nil {
			t.Fatal(err)
		}
	}
	// The owner, restarted, recovers and flushes both of its segments.
	a2, err := Open(dir, owned(prog, "dir:/data/a", "p/"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	sealed, _ := a2.Sealed()
	if len(sealed) != 2 || sealed[0] != aSealed || readAll(t, sealed[1])[0] != "R a=2" || len(a2.Foreign()) != 0 {
		t.Errorf("owner's Sealed() = %v, want %s and its recovered segment", sealed, aSealed)
	}
	r, err := OpenReader(aSealed)
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	if r.Header.Version != HeaderVersion || r.Header.Output != "dir:/data/a" || r.Header.Prefix != "p/" || r.Header.ErrorsPrefix != "errors/" {
		t.Errorf("header read back: %+v", r.Header)
	}
}

// TestVersion1Segments: a segment written before headers named their output
// is flushed by any spool, and a spool opened without an output (HeaderFor
// alone) flushes every segment.
func TestVersion1Segments(t *testing.T) {
	prog := compile(t, "SELECT a")
	dir := t.TempDir()
	// A version 1 header, as the previous release wrote it, and one batch.
	v1 := `{"version":1,"id":"20240101T000000.000000000Z-00000001","created":"2024-01-01T00:00:00Z",` +
		`"statement":"SELECT a","columns":[{"name":"a","type":"NULL"}],"star_at":-1,"partitions":null}`
	data := appendFrame(nil, []byte(v1))
	data = appendFrame(data, fill(t, prog, `{"a":7}`).buf)
	old := filepath.Join(dir, "20240101T000000.000000000Z-00000001"+ExtSealed)
	if err := os.WriteFile(old, data, 0o644); err != nil {
		t.Fatal(err)
	}
	// A segment of another output, and a v1 segment left open.
	other, _ := Open(dir, owned(prog, "s3://other", "p/"), 1<<20)
	other.Append(fill(t, prog, `{"a":8}`))
	otherSealed, _ := other.Seal()
	oldOpen := filepath.Join(dir, "20240101T000001.000000000Z-00000002"+ExtOpen)
	if err := os.WriteFile(oldOpen, data, 0o644); err != nil {
		t.Fatal(err)
	}

	s, err := Open(dir, owned(prog, "s3://mine", "p/"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	sealed, _ := s.Sealed()
	if len(sealed) != 2 || sealed[0] != old || filepath.Base(sealed[1]) != "20240101T000001.000000000Z-00000002"+ExtSealed {
		t.Fatalf("Sealed() = %v, want the two version 1 segments", sealed)
	}
	if got := readAll(t, old); len(got) != 1 || got[0] != "R a=7" {
		t.Errorf("version 1 segment read back as %v", got)
	}
	if f := s.Foreign(); len(f) != 1 || f[0].Path != otherSealed {
		t.Errorf("Foreign() = %+v, want %s", f, otherSealed)
	}
	unowned, _ := Open(dir, HeaderFor(prog), 1<<20)
	if all, _ := unowned.Sealed(); len(all) != 3 || len(unowned.Foreign()) != 0 {
		t.Errorf("a spool without an output: Sealed() = %v, want all 3", all)
	}
}

func TestBatchTooLarge(t *testing.T) {
	prog := compile(t, "SELECT a")
	s, _ := Open(t.TempDir(), HeaderFor(prog), 1<<30)
	b := NewBatch(prog)
	b.buf = make([]byte, MaxFrame+1)
	if err := s.Append(b); !errors.Is(err, ErrBatchTooLarge) {
		t.Fatalf("Append of %d bytes: %v, want ErrBatchTooLarge", b.Len(), err)
	}
	if st := s.Stats(); st.TotalBytes != 0 || st.OpenBytes != 0 {
		t.Errorf("something was stored: %+v", st)
	}
	b.buf = b.buf[:0]
	b.AddFiltered(1)
	if err := s.Append(b); err != nil {
		t.Fatal(err)
	}
	// A batch bigger than the whole spool would get ErrFull for ever.
	small, _ := Open(t.TempDir(), HeaderFor(prog), 100)
	b = fill(t, prog, `{"a":"`+strings.Repeat("x", 100)+`"}`)
	if err := small.Append(b); !errors.Is(err, ErrBatchTooLarge) || !strings.Contains(err.Error(), "TAP_SPOOL_MAX_BYTES 100") {
		t.Fatalf("Append of %d bytes to a 100-byte spool: %v, want ErrBatchTooLarge", b.Len(), err)
	}
	if err := small.Append(fill(t, prog, `{"a":1}`)); err != nil {
		t.Fatalf("a batch that fits: %v", err)
	}
	if err := small.Append(fill(t, prog, `{"a":"`+strings.Repeat("x", 60)+`"}`)); !errors.Is(err, ErrFull) {
		t.Fatalf("a batch that fits an empty spool only: %v, want ErrFull", err)
	}
}

// TestAdopt: segments an older version left directly in the old default
// folder move into the tap's own folder when they belong to it; another
// output's segments and a segment a live process holds stay.
func TestAdopt(t *testing.T) {
	prog := compile(t, "SELECT a")
	root := t.TempDir()
	v1 := `{"version":1,"id":"20240101T000000.000000000Z-00000001","created":"2024-01-01T00:00:00Z",` +
		`"statement":"SELECT a","columns":[{"name":"a","type":"NULL"}],"star_at":-1,"partitions":null}`
	data := appendFrame(nil, []byte(v1))
	data = appendFrame(data, fill(t, prog, `{"a":7}`).buf)
	other, _ := Open(root, owned(prog, "s3://other", "p/"), 1<<20)
	other.Append(fill(t, prog, `{"a":8}`))
	otherSealed, _ := other.Seal()
	live, _ := Open(root, HeaderFor(prog), 1<<20) // an older tap still running
	live.Append(fill(t, prog, `{"a":9}`))
	// What a version that spooled into the root left there: a sealed
	// segment, and one left open by a crash (a torn tail).
	oldSealed := filepath.Join(root, "20240101T000000.000000000Z-00000001"+ExtSealed)
	oldOpen := filepath.Join(root, "20240101T000001.000000000Z-00000002"+ExtOpen)
	os.WriteFile(oldSealed, data, 0o644)
	os.WriteFile(oldOpen, append(data, 3, 0, 0, 0), 0o644)

	s, err := Open(filepath.Join(root, "0123456789ab"), owned(prog, "s3://mine", "p/"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	moved, err := s.Adopt(root)
	if err != nil || len(moved) != 2 {
		t.Fatalf("Adopt: %v, %v; want the two version 1 segments", moved, err)
	}
	sealed, _ := s.Sealed()
	if len(sealed) != 2 || sealed[0] != moved[0] || sealed[1] != moved[1] || filepath.Dir(sealed[0]) != s.Dir() {
		t.Fatalf("Sealed() = %v after adopting %v", sealed, moved)
	}
	if got := strings.Join(append(readAll(t, sealed[0]), readAll(t, sealed[1])...), ","); got != "R a=7,R a=7" {
		t.Errorf("adopted rows %s", got)
	}
	var size int64
	for _, p := range sealed {
		info, _ := os.Stat(p)
		size += info.Size()
	}
	if st := s.Stats(); st.TotalBytes != size {
		t.Errorf("TotalBytes %d, want %d", st.TotalBytes, size)
	}
	left, _ := filepath.Glob(filepath.Join(root, "*.*"))
	live.mu.Lock()
	livePath := live.cur.path
	live.mu.Unlock()
	if len(left) != 2 || !strings.Contains(strings.Join(left, ","), otherSealed) || !strings.Contains(strings.Join(left, ","), livePath) {
		t.Errorf("left in the old folder: %v, want %s and %s", left, otherSealed, livePath)
	}
	if again, err := s.Adopt(root); err != nil || len(again) != 0 {
		t.Errorf("second Adopt: %v, %v", again, err)
	}
	if self, err := s.Adopt(s.Dir()); err != nil || len(self) != 0 {
		t.Errorf("Adopt of its own folder: %v, %v", self, err)
	}
	// A spool in the old folder counts its own segments, not those of the
	// per-output folders below it.
	var rootSize int64
	for _, p := range left {
		info, _ := os.Stat(p)
		rootSize += info.Size()
	}
	if rootSpool, _ := Open(root, HeaderFor(prog), 1<<30); rootSpool.Stats().TotalBytes != rootSize {
		t.Errorf("spool in %s: TotalBytes %d, want %d (its own segments only)", root, rootSpool.Stats().TotalBytes, rootSize)
	}
}

// TestOpenPartitions: Stats counts the distinct PARTITION BY values of the
// open segment's rows (NULL is one value), across appends, and starts again
// with the next segment.
func TestOpenPartitions(t *testing.T) {
	prog := compile(t, "SELECT * PARTITION BY p, q")
	sp, err := Open(t.TempDir(), HeaderFor(prog), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	add := func(lines ...string) int {
		t.Helper()
		if err := sp.Append(fill(t, prog, lines...)); err != nil {
			t.Fatal(err)
		}
		return sp.Stats().OpenPartitions
	}
	if n := add(`{"p":"a","q":1}`, `{"p":"a","q":1}`, `{"p":"a","q":2}`); n != 2 {
		t.Errorf("after (a,1) (a,1) (a,2): %d partitions, want 2", n)
	}
	if n := add(`{"p":"b"}`, `{"q":1}`, `{"p":null}`, `{"p":"a","q":2}`); n != 5 {
		t.Errorf("after (b,NULL) (NULL,1) (NULL,NULL) (a,2): %d partitions, want 5", n)
	}
	if _, err := sp.Seal(); err != nil {
		t.Fatal(err)
	}
	if n := add(`{"p":"a","q":1}`); n != 1 {
		t.Errorf("new segment: %d partitions, want 1", n)
	}
	unpartitioned := compile(t, "SELECT *")
	sp2, err := Open(t.TempDir(), HeaderFor(unpartitioned), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	if err := sp2.Append(fill(t, unpartitioned, `{"p":1}`, `{"p":2}`)); err != nil {
		t.Fatal(err)
	}
	if n := sp2.Stats().OpenPartitions; n != 0 {
		t.Errorf("without PARTITION BY: %d partitions, want 0", n)
	}
}

// TestSchemaRecord: each batch of a version 3 segment ends with its schema
// (its explicit columns, then the fields * produced, first seen first, with the Widen of their
// types, and its counts), which NextSchema reads from the end of the frame;
// a version 2 spool writes batches without one.
func TestSchemaRecord(t *testing.T) {
	prog := compile(t, "SELECT n::INT64 AS n, *, x WHERE keep IS NULL")
	dir := t.TempDir()
	s, err := Open(dir, HeaderFor(prog), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	b := fill(t, prog, `{"a":1,"b":"x","x":1}`, `{"b":2,"a":2.5,"c":true}`, `not json`, `{}`, `{"c":null,"a":"s","x":1.5}`)
	if err := s.Append(b); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(b); err != nil { // appending twice writes the same frame twice
		t.Fatal(err)
	}
	b.Reset()
	b.AddFiltered(3)
	if err := s.Append(b); err != nil {
		t.Fatal(err)
	}
	path, err := s.Seal()
	if err != nil {
		t.Fatal(err)
	}
	r, err := OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var got []string
	var rec Record
	for {
		err := r.NextSchema(&rec)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		line := fmt.Sprintf("rows=%d rejected=%d", rec.Rows, rec.RejectedLines)
		for _, f := range rec.Fields {
			line += " " + f.Name + ":" + f.Value.Type.String()
		}
		got = append(got, line)
	}
	want := []string{
		"rows=4 rejected=1 n:NULL x:DOUBLE a:VARCHAR b:VARCHAR c:BOOLEAN",
		"rows=4 rejected=1 n:NULL x:DOUBLE a:VARCHAR b:VARCHAR c:BOOLEAN",
		"rows=0 rejected=0",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("schemas\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Next leaves schema records out.
	kinds := ""
	r2, err := OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	for r2.Next(&rec) == nil {
		kinds += string(rune(rec.Kind))
	}
	if kinds != "RRERRRRERRC" {
		t.Errorf("record kinds %q", kinds)
	}

	h := HeaderFor(prog)
	h.Version = 2
	s2, err := Open(t.TempDir(), h, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.Append(fill(t, prog, `{"a":1}`)); err != nil {
		t.Fatal(err)
	}
	path2, _ := s2.Seal()
	r3, err := OpenReader(path2)
	if err != nil {
		t.Fatal(err)
	}
	defer r3.Close()
	kinds = ""
	for r3.Next(&rec) == nil {
		kinds += string(rune(rec.Kind))
	}
	if kinds != "R" || r3.Header.Version != 2 {
		t.Errorf("version 2 segment: record kinds %q, version %d", kinds, r3.Header.Version)
	}
}

// TestWideDecimals spools DECIMAL(19..38) values, 128-bit, whose type
// numbers do not fit a byte (the wideType escape), beside narrower ones.
func TestWideDecimals(t *testing.T) {
	prog := compile(t, "SELECT s::DECIMAL(38,10) AS w, s::DECIMAL(20,0) AS z, s::DECIMAL(5,2) AS n, s")
	s, err := Open(t.TempDir(), HeaderFor(prog), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	b := fill(t, prog, `{"s":"-12345678901234567890.123456789"}`, `{"s":"1.005"}`, `{"s":"99999999999999999999"}`, `{"s":-1}`)
	if err := s.Append(b); err != nil {
		t.Fatal(err)
	}
	path, err := s.Seal()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(readAll(t, path), "\n")
	want := strings.Join([]string{
		`R w=-12345678901234567890.1234567890 z=-12345678901234567890 n=null s="-12345678901234567890.123456789"`,
		`R w=1.0050000000 z=1 n=1.01 s="1.005"`,
		`R w=99999999999999999999.0000000000 z=99999999999999999999 n=null s="99999999999999999999"`,
		`R w=-1.0000000000 z=-1 n=-1.00 s=-1`,
	}, "\n")
	if got != want {
		t.Errorf("records\n got %s\nwant %s", got, want)
	}
	r, err := OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var rec Record
	if err := r.NextSchema(&rec); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, f := range rec.Fields {
		types = append(types, f.Name+":"+f.Value.Type.String())
	}
	if g := strings.Join(types, " "); g != "w:DECIMAL(38,10) z:DECIMAL(20,0) n:DECIMAL(5,2) s:VARCHAR" {
		t.Errorf("schema %s", g)
	}
}
