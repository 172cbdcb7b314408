package flush

import (
	"github.com/datatap/datatap/internal/testenv/fixture"

	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/datatap/datatap/internal/sink"
	"github.com/datatap/datatap/internal/sink/dir"
	"github.com/datatap/datatap/internal/spool"
	"github.com/datatap/datatap/internal/testenv/duckdb"
	"github.com/datatap/datatap/transform"
)

// testSpool is a spool and a Flusher of it writing to a folder.
type testSpool struct {
	sp   *spool.Spool
	prog *transform.Program
	out  string
	f    *Flusher
	res  []Result // what Flushed was told
}

func newTestSpool(t *testing.T, stmt string) *testSpool {
	t.Helper()
	prog, err := transform.Compile(stmt)
	if err != nil {
		t.Fatal(err)
	}
	dirPath := t.TempDir()
	sp, err := spool.Open(dirPath, spool.HeaderFor(prog), 1<<40)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	sk, err := dir.New(out)
	if err != nil {
		t.Fatal(err)
	}
	ts := &testSpool{sp: sp, prog: prog, out: out}
	ts.f = &Flusher{Sink: sk, Prefix: "p/%Y/", ErrorsPrefix: "e/%Y/", TempDir: dirPath, CreatedBy: "test",
		Flushed: func(r Result) { ts.res = append(ts.res, r) }}
	return ts
}

// add spools lines through the statement and seals them as one segment.
func (ts *testSpool) add(t *testing.T, lines ...string) string {
	t.Helper()
	return fixture.Segment(t, ts.sp, ts.prog, lines...)
}

func (ts *testSpool) seal(t *testing.T, b *spool.Batch) string {
	t.Helper()
	return fixture.Seal(t, ts.sp, b)
}

// files lists the objects stored, as keys.
func (ts *testSpool) files(t *testing.T) []string {
	t.Helper()
	var keys []string
	filepath.WalkDir(ts.out, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && d.Name() == "_datatap" {
			return fs.SkipDir // the table schema (table_test.go)
		}
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(ts.out, path)
			keys = append(keys, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(keys)
	return keys
}

func (ts *testSpool) sealed(t *testing.T) []string {
	t.Helper()
	s, err := ts.sp.Sealed()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func segID(seg string) string { return strings.TrimSuffix(filepath.Base(seg), spool.ExtSealed) }

// readParquet opens a Parquet file with parquet-go's reader and returns its
// column names and its rows, each as column name -> value text (NULLs left
// out).
func readParquet(t *testing.T, path string) ([]string, []map[string]string) {
	t.Helper()
	fl, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fl.Close()
	info, _ := fl.Stat()
	pf, err := parquet.OpenFile(fl, info.Size())
	if err != nil {
		t.Fatalf("parquet-go cannot open %s: %v", path, err)
	}
	var names []string
	for _, c := range pf.Schema().Columns() {
		names = append(names, c[0])
	}
	var rows []map[string]string
	for _, rg := range pf.RowGroups() {
		rr := rg.Rows()
		buf := make([]parquet.Row, 64)
		for {
			n, err := rr.ReadRows(buf)
			for _, row := range buf[:n] {
				m := map[string]string{}
				for _, v := range row {
					if !v.IsNull() {
						m[names[v.Column()]] = v.String()
					}
				}
				rows = append(rows, m)
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		rr.Close()
	}
	if int64(len(rows)) != pf.NumRows() {
		t.Fatalf("%s: read %d rows, footer says %d", path, len(rows), pf.NumRows())
	}
	return names, rows
}

// errorLines reads an error NDJSON object.
func errorLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("error output line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

func TestRefusedRowGoesToTheErrorOutput(t *testing.T) {
	ts := newTestSpool(t, "SELECT *")
	b := spool.NewBatch(ts.prog)
	for i, j := range []string{`{"a":1}`, `{"a":`, `[2]`} { // the second is not JSON
		b.AddRow([]transform.Field{
			{Name: "n", Value: transform.Value{Type: transform.Int64, I: int64(i)}},
			{Name: "j", Value: transform.Value{Type: transform.JSON, S: j}},
		}, nil)
	}
	b.AddRejected([]byte("oops"), "not JSON", time.Unix(1714550400, 0), 1024)
	seg := ts.seal(t, b)
	if err := ts.f.All(context.Background(), ts.sp); err != nil {
		t.Fatal(err)
	}
	id, year := segID(seg), segID(seg)[:4]
	want := []string{"e/" + year + "/" + id + ".ndjson", "p/" + year + "/" + id + ".parquet"}
	if got := ts.files(t); !slices.Equal(got, want) {
		t.Fatalf("objects %v, want %v", got, want)
	}
	_, rows := readParquet(t, filepath.Join(ts.out, want[1]))
	if len(rows) != 2 || rows[0]["n"] != "0" || rows[1]["n"] != "2" || rows[1]["j"] != "[2]" {
		t.Errorf("rows %v, want n=0 and n=2", rows)
	}
	errs := errorLines(t, filepath.Join(ts.out, want[0]))
	if len(errs) != 2 || errs[0]["line"] != "oops" {
		t.Fatalf("error output %v", errs)
	}
	reason, _ := errs[1]["reason"].(string)
	line, _ := errs[1]["line"].(string)
	if !strings.Contains(reason, "invalid JSON") || !strings.Contains(reason, `"j"`) || line != `{"n":1,"j":{"a":}` {
		t.Errorf("refused row: reason %q, line %q", reason, line)
	}
	if len(ts.res) != 1 || ts.res[0].Rows != 2 || ts.res[0].Rejected != 2 || ts.res[0].Quarantined != 0 {
		t.Errorf("results %+v", ts.res)
	}
	if s := ts.sealed(t); len(s) != 0 {
		t.Errorf("spool still holds %v", s)
	}
}

// corrupt flips a byte near the end of the segment, inside its last frame.
func corrupt(t *testing.T, seg string) []byte {
	t.Helper()
	b, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-3] ^= 0xff
	if err := os.WriteFile(seg, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPoisonSegmentIsQuarantinedAndYoungerOnesGoOn(t *testing.T) {
	ts := newTestSpool(t, "SELECT * PARTITION BY k")
	old := ts.add(t, `{"k":"a","v":1}`)
	bad := ts.add(t, `{"k":"a","v":2}`, `{"k":"b","v":3}`)
	young := ts.add(t, `{"k":"b","v":4}`)
	body := corrupt(t, bad)

	if err := ts.f.All(context.Background(), ts.sp); err != nil {
		t.Fatalf("All: %v", err)
	}
	year := segID(old)[:4]
	want := []string{
		"e/" + year + "/" + segID(bad) + QuarantineExt,
		"p/" + year + "/k=a/" + segID(old) + ".parquet",
		"p/" + year + "/k=b/" + segID(young) + ".parquet",
	}
	if got := ts.files(t); !slices.Equal(got, want) {
		t.Fatalf("objects\n got %v\nwant %v", got, want)
	}
	q, err := os.ReadFile(filepath.Join(ts.out, want[0]))
	if err != nil || !bytes.Equal(q, body) {
		t.Errorf("quarantine object is not the segment byte for byte (%d vs %d bytes, %v)", len(q), len(body), err)
	}
	if len(ts.res) != 3 || ts.res[1].Quarantined != 1 || ts.res[1].Segment != bad || !strings.Contains(ts.res[1].Reason, "checksum") ||
		ts.res[0].Quarantined != 0 || ts.res[2].Quarantined != 0 || ts.res[2].Rows != 1 {
		t.Errorf("results %+v", ts.res)
	}
	if s := ts.sealed(t); len(s) != 0 {
		t.Errorf("spool still holds %v", s)
	}
}

func TestBadPrefixQuarantines(t *testing.T) {
	ts := newTestSpool(t, "SELECT *")
	seg := ts.add(t, `{"v":1}`)
	ts.f.Prefix = "a..b/%Y/" // the key check refuses it
	_, err := ts.f.Segment(context.Background(), seg)
	if !IsPermanent(err) || !errors.Is(err, sink.ErrBadKey) {
		t.Fatalf("Segment: %v, want a permanent bad key", err)
	}
	ts.f.ErrorsPrefix = "x//y/" // so is this one: the quarantine goes to its fallback folder
	if err := ts.f.All(context.Background(), ts.sp); err != nil {
		t.Fatal(err)
	}
	want := []string{QuarantineFallback + segID(seg) + QuarantineExt}
	if got := ts.files(t); !slices.Equal(got, want) {
		t.Errorf("objects %v, want %v", got, want)
	}
}

// flakySink fails every Put while down is set.
type flakySink struct {
	sink.Sink
	mu   sync.Mutex
	down bool
	puts int
}

func (s *flakySink) Put(ctx context.Context, key string, body io.ReadSeeker, size int64) error {
	s.mu.Lock()
	s.puts++
	down := s.down
	s.mu.Unlock()
	if down {
		return errors.New("connection refused")
	}
	return s.Sink.Put(ctx, key, body, size)
}

func TestTransientFailureKeepsTheSegment(t *testing.T) {
	ts := newTestSpool(t, "SELECT * PARTITION BY k")
	first := ts.add(t, `{"k":"a","v":1}`, `{"k":"b","v":2}`)
	ts.add(t, `{"k":"a","v":3}`)
	fs := &flakySink{Sink: ts.f.Sink, down: true}
	ts.f.Sink = fs
	err := ts.f.All(context.Background(), ts.sp)
	var inc *Incomplete
	if !errors.As(err, &inc) || IsPermanent(err) || inc.Segments != 2 || inc.Bytes == 0 {
		t.Fatalf("All with the sink down: %v, want a transient *Incomplete with 2 segments left", err)
	}
	if s := ts.sealed(t); len(s) != 2 || s[0] != first {
		t.Errorf("spool %v, want both segments kept", s)
	}
	if len(ts.files(t)) != 0 || len(ts.res) != 0 {
		t.Errorf("objects %v, results %v after a failed round", ts.files(t), ts.res)
	}
	fs.down = false // the retry, later
	if err := ts.f.All(context.Background(), ts.sp); err != nil {
		t.Fatal(err)
	}
	if got := ts.files(t); len(got) != 3 || len(ts.sealed(t)) != 0 || len(ts.res) != 2 {
		t.Errorf("after the retry: objects %v, spool %v, results %d", got, ts.sealed(t), len(ts.res))
	}
}

// wideLine is one JSON object of n keys k0…k<n-1>.
func wideLine(n int) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"k%d":%d`, i, i)
	}
	b.WriteByte('}')
	return b.String()
}

// peakHeap runs fn and returns the peak heap in use it caused (sampled every
// millisecond) and what it allocated in all.
func peakHeap(fn func()) (peak, total uint64) {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base, alloc := ms.HeapInuse, ms.TotalAlloc
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse-min(base, m.HeapInuse))
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	fn()
	close(done)
	wg.Wait()
	runtime.ReadMemStats(&ms)
	return peak, ms.TotalAlloc - alloc
}

func TestTenThousandKeysOverflow(t *testing.T) {
	ts := newTestSpool(t, "SELECT *")
	seg := ts.add(t, wideLine(10_000), `{"k1":"x","_overflow":true}`)
	var err error
	peak, total := peakHeap(func() { err = ts.f.All(context.Background(), ts.sp) })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("flush of 1 row x 10,000 keys: peak heap in use %.1f MiB, %.1f MiB allocated", float64(peak)/(1<<20), float64(total)/(1<<20))
	names, rows := readParquet(t, filepath.Join(ts.out, "p", segID(seg)[:4], segID(seg)+".parquet"))
	if len(names) != DefaultMaxColumns || len(rows) != 2 {
		t.Fatalf("%d columns, %d rows; want %d columns, 2 rows", len(names), len(rows), DefaultMaxColumns)
	}
	for i, n := range names[:DefaultMaxColumns-1] {
		if n != fmt.Sprintf("k%d", i) {
			t.Fatalf("column %d is %q", i, n)
		}
	}
	// A field named _overflow past the cap goes into the overflow object,
	// the overflow column having that name since no column does.
	if over := names[DefaultMaxColumns-1]; over != OverflowColumn {
		t.Fatalf("last column %q", over)
	}
	var rest map[string]int
	if err := json.Unmarshal([]byte(rows[0][OverflowColumn]), &rest); err != nil {
		t.Fatal(err)
	}
	if len(rest) != 10_000-(DefaultMaxColumns-1) || rest["k9999"] != 9999 || rest[fmt.Sprintf("k%d", DefaultMaxColumns-1)] != DefaultMaxColumns-1 {
		t.Errorf("overflow holds %d keys", len(rest))
	}
	if rows[0]["k0"] != "0" || rows[1]["k1"] != "x" || rows[1][OverflowColumn] != `{"_overflow":true}` {
		t.Errorf("rows[1] %v", rows[1])
	}
}

func TestOverflowNameTaken(t *testing.T) {
	ts := newTestSpool(t, "SELECT *")
	ts.f.MaxColumns = 3
	seg := ts.add(t, `{"_overflow":1,"a":2,"b":3,"c":4,"":5}`)
	if err := ts.f.All(context.Background(), ts.sp); err != nil {
		t.Fatal(err)
	}
	names, rows := readParquet(t, filepath.Join(ts.out, "p", segID(seg)[:4], segID(seg)+".parquet"))
	if !slices.Equal(names, []string{"_overflow", "a", "_overflow_2"}) || len(rows) != 1 || rows[0]["_overflow_2"] != `{"b":3,"c":4,"_empty":5}` {
		t.Errorf("columns %v, rows %v", names, rows)
	}
}

// TestRowsWithoutFields: rows that hold no field ({} with SELECT *, or every
// field excluded) are still rows: the file gets the overflow column, NULL.
// Found by FuzzAcceptedIsStored: such a segment was quarantined.
func TestRowsWithoutFields(t *testing.T) {
	for _, stmt := range []string{"SELECT *", "SELECT * EXCLUDE (a)"} {
		ts := newTestSpool(t, stmt)
		seg := ts.add(t, `{}`, `{"a":1}`, `{}`)
		if err := ts.f.All(context.Background(), ts.sp); err != nil {
			t.Fatal(err)
		}
		if q := ts.res[0].Quarantined; q != 0 {
			t.Fatalf("%s: quarantined: %s", stmt, ts.res[0].Reason)
		}
		names, rows := readParquet(t, filepath.Join(ts.out, "p", segID(seg)[:4], segID(seg)+".parquet"))
		want := []string{"a"}
		if stmt != "SELECT *" {
			want = []string{OverflowColumn}
		}
		if !slices.Equal(names, want) || len(rows) != 3 {
			t.Errorf("%s: columns %v, %d rows %v; want %v, 3 rows", stmt, names, len(rows), rows, want)
		}
	}
	ts := newTestSpool(t, "SELECT *")
	seg := ts.add(t, `{}`, `{}`)
	if err := ts.f.All(context.Background(), ts.sp); err != nil {
		t.Fatal(err)
	}
	names, rows := readParquet(t, filepath.Join(ts.out, "p", segID(seg)[:4], segID(seg)+".parquet"))
	if !slices.Equal(names, []string{OverflowColumn}) || len(rows) != 2 {
		t.Errorf("only {}: columns %v, rows %v; want [%s], 2 rows", names, rows, OverflowColumn)
	}
}

func TestManyDistinctKeys(t *testing.T) {
	ts := newTestSpool(t, "SELECT *")
	const n = 70_000
	lines := make([]string, n)
	for i := range lines {
		lines[i] = fmt.Sprintf(`{"key%d":%d}`, i, i)
	}
	seg := ts.add(t, lines...)
	var err error
	peak, total := peakHeap(func() { err = ts.f.All(context.Background(), ts.sp) })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("flush of %d rows with distinct keys: peak heap in use %.1f MiB, %.1f MiB allocated", n, float64(peak)/(1<<20), float64(total)/(1<<20))
	names, rows := readParquet(t, filepath.Join(ts.out, "p", segID(seg)[:4], segID(seg)+".parquet"))
	if len(names) != DefaultMaxColumns || len(rows) != n {
		t.Fatalf("%d columns, %d rows", len(names), len(rows))
	}
	for i, row := range rows {
		key := fmt.Sprintf("key%d", i)
		if i < DefaultMaxColumns-1 {
			if len(row) != 1 || row[key] != fmt.Sprint(i) {
				t.Fatalf("row %d: %v", i, row)
			}
		} else if len(row) != 1 || row[OverflowColumn] != fmt.Sprintf(`{"%s":%d}`, key, i) {
			t.Fatalf("row %d: %v", i, row)
		}
	}
}

// lowerFDLimit sets this process's soft RLIMIT_NOFILE to n until the test
// ends (go test runs each package in a process of its own).
func lowerFDLimit(t *testing.T, n uint64) {
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	lim := old
	lim.Cur = n
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old) })
}

func TestThousandsOfPartitionsUnderALowFDLimit(t *testing.T) {
	for _, onDisk := range []bool{false, true} {
		t.Run(fmt.Sprintf("on disk %v", onDisk), func(t *testing.T) {
			ts := newTestSpool(t, "SELECT * PARTITION BY k")
			if onDisk { // every partition's rows and every file in a temporary file
				ts.f.spillBudget, ts.f.outputBudget = 1, 1
			}
			const n = 2000
			lines := make([]string, 0, 2*n)
			for round := range 2 { // each partition twice, far apart: its file is closed and reopened
				for i := range n {
					lines = append(lines, fmt.Sprintf(`{"k":"p%d","v":%d}`, i, round))
				}
			}
			ts.add(t, lines...)
			lowerFDLimit(t, 256)
			if err := ts.f.All(context.Background(), ts.sp); err != nil {
				t.Fatal(err)
			}
			keys := ts.files(t)
			if len(keys) != n {
				t.Fatalf("%d objects, want %d", len(keys), n)
			}
			for _, k := range []string{keys[0], keys[n/2], keys[n-1]} {
				_, rows := readParquet(t, filepath.Join(ts.out, k))
				if len(rows) != 2 || rows[0]["v"] != "0" || rows[1]["v"] != "1" {
					t.Errorf("%s: rows %v", k, rows)
				}
			}
			if len(ts.res) != 1 || ts.res[0].Rows != 2*n || len(ts.sealed(t)) != 0 {
				t.Errorf("results %+v", ts.res)
			}
		})
	}
}

func TestRemoveStaleKeepsLiveFolders(t *testing.T) {
	ts := newTestSpool(t, "SELECT *")
	idle := ts.add(t, `{"v":1}`)
	live := ts.add(t, `{"v":2}`)
	dirs := map[string]string{
		"idle": tempPrefix + segID(idle) + "-123",
		"live": tempPrefix + segID(live) + "-456",
		"gone": tempPrefix + "20240101T000000.000000000Z-deadbeef-789",
	}
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(ts.sp.Dir(), d, "sub"), 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(ts.sp.Dir(), d, "sub", "part-0.parquet"), []byte("x"), 0o644)
	}
	claim, err := ts.sp.Claim(live) // another flush is at work on it
	if err != nil {
		t.Fatal(err)
	}
	defer claim.Release()
	if n := ts.f.RemoveStale(ts.sp); n != 2 {
		t.Errorf("RemoveStale removed %d folders, want 2", n)
	}
	exists := func(name string) bool { _, err := os.Stat(filepath.Join(ts.sp.Dir(), name)); return err == nil }
	if exists(dirs["idle"]) || exists(dirs["gone"]) || !exists(dirs["live"]) {
		t.Errorf("after RemoveStale: idle %v, gone %v, live %v; want only live", exists(dirs["idle"]), exists(dirs["gone"]), exists(dirs["live"]))
	}
	if !exists(filepath.Base(idle)) || !exists(filepath.Base(live)) {
		t.Error("RemoveStale removed a segment")
	}
	// Elsewhere than the spool's folder it cannot tell, and leaves all.
	other := t.TempDir()
	os.Mkdir(filepath.Join(other, dirs["gone"]), 0o755)
	f2 := Flusher{Sink: ts.f.Sink, Prefix: ts.f.Prefix, ErrorsPrefix: ts.f.ErrorsPrefix}
	f2.TempDir = other
	if n := f2.RemoveStale(ts.sp); n != 0 {
		t.Errorf("RemoveStale outside the spool removed %d", n)
	}
	// All removes them too, once the live flush let go.
	claim.Release()
	if err := ts.f.All(context.Background(), ts.sp); err != nil {
		t.Fatal(err)
	}
	if exists(dirs["live"]) {
		t.Error("All left a stale folder")
	}
}

// gateSink lets Puts return only while limit of them run at once (or all
// remaining ones have started), so that uploads one at a time would wait for
// the context's end; with block set, every Put waits for it.
type gateSink struct {
	mu       sync.Mutex
	cond     *sync.Cond
	limit    int
	total    int
	started  int
	inflight int
	most     int
	block    bool
	stored   int
}

func (s *gateSink) String() string { return "gate" }

func (s *gateSink) Put(ctx context.Context, key string, body io.ReadSeeker, size int64) error {
	if s.block {
		<-ctx.Done()
		return ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.started++
	s.inflight++
	s.most = max(s.most, s.inflight)
	s.cond.Broadcast()
	stop := context.AfterFunc(ctx, func() { s.mu.Lock(); s.cond.Broadcast(); s.mu.Unlock() })
	defer stop()
	for s.inflight < s.limit && s.started < s.total && ctx.Err() == nil {
		s.cond.Wait()
	}
	s.inflight--
	if ctx.Err() != nil {
		return ctx.Err()
	}
	s.stored++
	return nil
}

func TestUploadsRunInParallel(t *testing.T) {
	ts := newTestSpool(t, "SELECT * PARTITION BY k")
	const n = 100
	var lines []string
	for i := range n {
		lines = append(lines, fmt.Sprintf(`{"k":%d}`, i))
	}
	ts.add(t, lines...)
	gs := &gateSink{limit: DefaultUploads, total: n}
	gs.cond = sync.NewCond(&gs.mu)
	ts.f.Sink = gs
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := ts.f.All(ctx, ts.sp); err != nil {
		t.Fatal(err)
	}
	if gs.stored != n || gs.most != DefaultUploads {
		t.Errorf("stored %d, at most %d at once; want %d, %d", gs.stored, gs.most, n, DefaultUploads)
	}
}

func TestUploadsStopAtTheDeadline(t *testing.T) {
	ts := newTestSpool(t, "SELECT * PARTITION BY k")
	var lines []string
	for i := range 50 {
		lines = append(lines, fmt.Sprintf(`{"k":%d}`, i))
	}
	first := ts.add(t, lines...)
	ts.add(t, `{"k":1}`)
	ts.f.Sink = &gateSink{block: true}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := ts.f.All(ctx, ts.sp)
	var inc *Incomplete
	if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &inc) || inc.Segments != 2 || IsPermanent(err) {
		t.Fatalf("All: %v, want the deadline with 2 segments left", err)
	}
	if s := ts.sealed(t); len(s) != 2 || s[0] != first || len(ts.res) != 0 {
		t.Errorf("spool %v, results %v", s, ts.res)
	}
	// Out of time before a segment starts: nothing is tried.
	err = ts.f.All(ctx, ts.sp)
	if !errors.As(err, &inc) || inc.Segments != 2 {
		t.Errorf("All after the deadline: %v", err)
	}
}

// TestParquetPanicQuarantines lifts the cap past parquet-go's limit of
// 65,535 columns, where it panics, to check that a panic of the writer is
// recovered as a permanent failure: the segment is quarantined and the next
// one flushes.
func TestParquetPanicQuarantines(t *testing.T) {
	ts := newTestSpool(t, "SELECT *")
	ts.f.MaxColumns = 70_000
	lines := make([]string, 66_000)
	for i := range lines {
		lines[i] = fmt.Sprintf(`{"k%d":1}`, i)
	}
	bad := ts.add(t, lines...)
	_, err := ts.f.Segment(context.Background(), bad)
	if err == nil {
		t.Skip("parquet-go no longer panics past 65,535 columns")
	}
	if !IsPermanent(err) || !strings.Contains(err.Error(), "panic") {
		t.Fatalf("Segment: %v, want a recovered panic, permanent", err)
	}
	good := ts.add(t, `{"v":1}`)
	if err := ts.f.All(context.Background(), ts.sp); err != nil {
		t.Fatal(err)
	}
	year := segID(bad)[:4]
	want := []string{"e/" + year + "/" + segID(bad) + QuarantineExt, "p/" + year + "/" + segID(good) + ".parquet"}
	if got := ts.files(t); !slices.Equal(got, want) {
		t.Errorf("objects %v, want %v", got, want)
	}
}

// TestHostileLinesLandAsRowsOrErrorRows sends the lines of issue 11 that
// used to block the flush for ever, between good ones, through ingest's
// parsing and the statement: every line must come out as a Parquet row or
// an error row, the segment flushed, nothing quarantined.
func TestHostileLinesLandAsRowsOrErrorRows(t *testing.T) {
	lines := []string{
		`{"user":{"region":"eu"},"v":1}`,
		`{"":1}`,
		`{"user":{"region":"eu\u0007"},"v":2}`,
		`{"user":{"region":"eu\u0000x"},"v":3}`,
		`{"user":{"region":"\"\u007f"},"v":4}`,
		`{"user":{"region":"us"},"v":5}`,
	}
	for _, stmt := range []string{"SELECT *", "SELECT * PARTITION BY user.region", "SELECT user, user.region AS r"} {
		t.Run(stmt, func(t *testing.T) {
			ts := newTestSpool(t, stmt)
			ts.add(t, lines...)
			if err := ts.f.All(context.Background(), ts.sp); err != nil {
				t.Fatal(err)
			}
			if len(ts.res) != 1 || ts.res[0].Quarantined != 0 {
				t.Fatalf("results %+v", ts.res)
			}
			var rows, errs int
			for _, k := range ts.files(t) {
				switch {
				case strings.HasSuffix(k, ".parquet"):
					_, r := readParquet(t, filepath.Join(ts.out, k))
					rows += len(r)
				case strings.HasSuffix(k, ".ndjson"):
					errs += len(errorLines(t, filepath.Join(ts.out, k)))
				}
			}
			if rows+errs != len(lines) || int64(rows) != ts.res[0].Rows || int64(errs) != ts.res[0].Rejected {
				t.Errorf("%d rows + %d error rows for %d lines (result %+v)", rows, errs, len(lines), ts.res[0])
			}
			t.Logf("%d rows, %d error rows", rows, errs)
		})
	}
}

// TestOverflowReadsInDuckDB checks the reference reader on a file at the
// cap: every column, and the overflow object as JSON.
func TestOverflowReadsInDuckDB(t *testing.T) {
	duckdb.Require(t)
	ts := newTestSpool(t, "SELECT *")
	seg := ts.add(t, wideLine(2_000), `{"k0":7}`)
	if err := ts.f.All(context.Background(), ts.sp); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(ts.out, "p", segID(seg)[:4], segID(seg)+".parquet")
	res, err := duckdb.Run(context.Background(),
		"SELECT count(*) FROM parquet_schema('"+file+"') WHERE name <> 'duckdb_schema' AND num_children IS NULL",
		"SELECT k0, k1, json_extract("+OverflowColumn+", '$.k1999')::INT, "+OverflowColumn+" IS NULL FROM read_parquet('"+file+"') ORDER BY k0")
	if err != nil || res[0].Err != "" || res[1].Err != "" {
		t.Fatal(err, res)
	}
	if got := fmt.Sprint(res[0].Rows); got != fmt.Sprintf("[[%d]]", DefaultMaxColumns) {
		t.Errorf("DuckDB sees %s columns, want %d", got, DefaultMaxColumns)
	}
	if got := fmt.Sprint(res[1].Rows); got != "[[0 1 1999 false] [7 <nil> <nil> true]]" {
		t.Errorf("rows %s", got)
	}
}
