package ingest

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/datatap/datatap/internal/spool"
	"github.com/datatap/datatap/transform"
)

func newIngester(t testing.TB, stmt string, maxSpool int64) (*Ingester, *spool.Spool) {
	t.Helper()
	prog, err := transform.Compile(stmt)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := spool.Open(t.TempDir(), spool.HeaderFor(prog), maxSpool)
	if err != nil {
		t.Fatal(err)
	}
	return New(prog, sp, Limits{MaxBodyBytes: 1 << 20, MaxLineBytes: 100}), sp
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func zst(b []byte) []byte {
	e, _ := zstd.NewWriter(nil)
	return e.EncodeAll(b, nil)
}

// spooled returns every record in the spool as text.
func spooled(t *testing.T, sp *spool.Spool) []string {
	t.Helper()
	path, err := sp.Seal()
	if err != nil || path == "" {
		t.Fatalf("Seal: %q %v", path, err)
	}
	r, err := spool.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []string
	var rec spool.Record
	for r.Next(&rec) == nil {
		if rec.Kind == spool.KindCounts {
			out = append(out, fmt.Sprintf("filtered: %d", rec.Filtered))
			continue
		}
		if rec.Kind == spool.KindRejected {
			out = append(out, "rejected: "+rec.Reason[:min(20, len(rec.Reason))]+": "+string(rec.Line))
			continue
		}
		var b []byte
		for _, f := range rec.Fields {
			b = append(b, f.Name+"="...)
			b = f.Value.AppendJSON(b)
			b = append(b, ' ')
		}
		out = append(out, strings.TrimSpace(string(b)))
	}
	return out
}

func TestIngestLines(t *testing.T) {
	in, sp := newIngester(t, "SELECT a WHERE a > 0", 1<<20)
	body := "\xef\xbb\xbf" + `{"a":1}` + "\r\n\r\n  \n" + `{"a":0}` + "\n" + `[1]` + "\n" +
		`{"a":"` + strings.Repeat("x", 120) + `"}` + "\n" + `{"a":2}`
	c, err := in.Ingest([]byte(body), "")
	if err != nil {
		t.Fatal(err)
	}
	if c != (Counts{Accepted: 2, Filtered: 1, Rejected: 2, FirstRejected: Rejection{Reason: "not a JSON object: array", Line: "[1]"}}) {
		t.Errorf("counts %+v", c)
	}
	got := strings.Join(spooled(t, sp), "\n")
	want := "a=1\nrejected: not a JSON object: a: [1]\nrejected: line too long (128 b: " + `{"a":"` + strings.Repeat("x", 94) + "\na=2\nfiltered: 1"
	if got != want {
		t.Errorf("spooled\n%s\nwant\n%s", got, want)
	}
}

func TestIngestEncodings(t *testing.T) {
	lines := []byte(`{"a":1}` + "\n" + `{"a":2}` + "\n")
	bomb := gz(bytes.Repeat([]byte(" "), 2<<20)) // 2 MiB of spaces: decompresses past the cap
	truncated := gz(lines)
	truncated = truncated[:len(truncated)-6]
	f := func(enc string, body []byte, wantStatus int, wantAccepted int) {
		t.Helper()
		in, _ := newIngester(t, "SELECT a", 1<<20)
		c, err := in.Ingest(body, enc)
		if got := Status(err); got != wantStatus || c.Accepted != wantAccepted {
			t.Errorf("encoding %q: status %d accepted %d (err %v), want %d and %d", enc, got, c.Accepted, err, wantStatus, wantAccepted)
		}
	}
	f("", lines, http.StatusAccepted, 2)
	f("identity", lines, http.StatusAccepted, 2)
	f("gzip", gz(lines), http.StatusAccepted, 2)
	f("GZIP", gz(lines), http.StatusAccepted, 2)
	f("zstd", zst(lines), http.StatusAccepted, 2)
	f("br", lines, http.StatusUnsupportedMediaType, 0)
	f("gzip, zstd", lines, http.StatusUnsupportedMediaType, 0)
	f("gzip", lines, http.StatusBadRequest, 0)
	f("gzip", truncated, http.StatusBadRequest, 0)
	// A reserved FLG bit: RFC 1952 (2.3.1.2) says a decompressor must refuse
	// it; klauspost/compress/gzip does (compress/gzip let it through).
	reserved := gz(lines)
	reserved[3] |= 0x20
	f("gzip", reserved, http.StatusBadRequest, 0)
	f("zstd", []byte("not zstd at all"), http.StatusBadRequest, 0)
	f("gzip", bomb, http.StatusRequestEntityTooLarge, 0)
	f("zstd", zst(bytes.Repeat([]byte(" "), 2<<20)), http.StatusRequestEntityTooLarge, 0)
	f("", bytes.Repeat([]byte(" "), 1<<20+1), http.StatusRequestEntityTooLarge, 0)
	f("", nil, http.StatusAccepted, 0)
	f("", []byte("\n\n\n"), http.StatusAccepted, 0)
}

func TestIngestFullSpoolSpoolsNothing(t *testing.T) {
	in, sp := newIngester(t, "SELECT a", 400)
	var err error
	accepted := 0
	for i := 0; i < 50 && err == nil; i++ {
		var c Counts
		c, err = in.Ingest([]byte(`{"a":"0123456789"}`+"\n"+`{"a":"0123456789"}`), "")
		accepted += c.Accepted
	}
	if !errors.Is(err, spool.ErrFull) || Status(err) != http.StatusTooManyRequests {
		t.Fatalf("err %v, want spool.ErrFull → 429", err)
	}
	if got := len(spooled(t, sp)); got != accepted { // no filtered lines here
		t.Errorf("%d rows spooled, %d acknowledged", got, accepted)
	}
}

func TestIngestConcurrent(t *testing.T) {
	in, sp := newIngester(t, "SELECT a", 64<<20)
	done := make(chan error)
	for g := 0; g < 8; g++ {
		go func() {
			var err error
			for i := 0; i < 100 && err == nil; i++ {
				_, err = in.Ingest([]byte(`{"a":1}`+"\n"+`{"a":2}`), "")
			}
			done <- err
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if got := len(spooled(t, sp)); got != 1600 {
		t.Errorf("%d rows spooled, want 1600", got)
	}
}
