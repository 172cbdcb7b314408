package cli

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/datatap/datatap/internal/flush"
	"github.com/datatap/datatap/internal/ingest"
	"github.com/datatap/datatap/internal/parquetfile"
	"github.com/datatap/datatap/internal/sink/dir"
	"github.com/datatap/datatap/internal/spool"
	"github.com/datatap/datatap/transform"
)

func runEval(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := Eval(context.Background(), args, Streams{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb})
	if err != nil {
		errb.WriteString(err.Error())
	}
	return out.String(), errb.String(), ExitCode(err)
}

func TestEvalCommand(t *testing.T) {
	in := "\xef\xbb\xbf" + `{"a":1,"b":"x","s":"api"}` + "\r\n" +
		"\n   \n" + // blank lines are not records
		`{"a":2,"b":"y","s":"db"}` + "\n" +
		`{"a":"bad json"` + "\n" +
		`[1,2]` + "\n" +
		`{"a":3,"n":NaN}` + "\n" +
		`{"a":0,"b":"z"}` // no newline at the end
	out, errs, code := runEval(t, in, "-t", "SELECT b, a * 10 AS a10 WHERE a > 0 PARTITION BY s")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	want := `{"b":"x","a10":10,"_partition":{"s":"api"}}` + "\n" + `{"b":"y","a10":20,"_partition":{"s":"db"}}` + "\n"
	if out != want {
		t.Errorf("stdout\n got %q\nwant %q", out, want)
	}
	for _, s := range []string{
		"stdin:5: malformed: malformed JSON",
		"stdin:6: malformed: not a JSON object: array",
		"stdin:7: malformed: malformed JSON",
		"read 6, kept 2, filtered 1, malformed 3, cast failures 0",
	} {
		if !strings.Contains(errs, s) {
			t.Errorf("stderr lacks %q:\n%s", s, errs)
		}
	}
}

func TestEvalWithoutPartitionHasNoPartitionKey(t *testing.T) {
	out, _, code := runEval(t, `{"a":1}`+"\n", "-t", "SELECT *")
	if code != 0 || out != `{"a":1}`+"\n" {
		t.Errorf("exit %d, stdout %q", code, out)
	}
}

func TestEvalBadStatementExits2(t *testing.T) {
	out, errs, code := runEval(t, `{"a":1}`, "-t", "SELECT lowr(msg)")
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if out != "" {
		t.Errorf("stdout %q, want nothing", out)
	}
	want := "unknown function 'lowr' (did you mean lower?) at 1:8\n  SELECT lowr(msg)\n         ^"
	if !strings.Contains(errs, want) {
		t.Errorf("stderr\n%s\nlacks\n%s", errs, want)
	}
}

func TestEvalLongLinesAndFiles(t *testing.T) {
	dir := t.TempDir()
	f1 := filepath.Join(dir, "one.ndjson")
	f2 := filepath.Join(dir, "two.ndjson")
	long := `{"a":"` + strings.Repeat("x", 200) + `"}`
	if err := os.WriteFile(f1, []byte(`{"a":1}`+"\n"+long+"\n"+`{"a":2}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f2, []byte(`{"a":3}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := runEval(t, "", "-max-line", "100", "-t", "SELECT a", f1, f2)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if want := "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n"; out != want {
		t.Errorf("stdout %q, want %q", out, want)
	}
	if !strings.Contains(errs, "one.ndjson:2: malformed: line longer than 100 bytes") || !strings.Contains(errs, "read 4, kept 3") {
		t.Errorf("stderr: %s", errs)
	}
	if _, errs, code := runEval(t, "", filepath.Join(dir, "missing")); code != 1 || !strings.Contains(errs, "no such file") {
		t.Errorf("missing file: exit %d, %s", code, errs)
	}
	if _, _, code := runEval(t, "", "-nope"); code != 2 {
		t.Errorf("bad flag: exit %d, want 2", code)
	}
}

func TestReadLineAcrossBufferBoundary(t *testing.T) {
	// Lines longer than the reader's 64 KiB buffer but under the cap must
	// arrive whole.
	big := `{"a":"` + strings.Repeat("y", 100<<10) + `"}`
	out, errs, code := runEval(t, big+"\n"+`{"a":"z"}`, "-t", "SELECT length(a) AS n")
	if code != 0 || out != "{\"n\":102400}\n{\"n\":1}\n" {
		t.Errorf("exit %d, stdout %q, stderr %s", code, out, errs)
	}
}

func TestCostCommand(t *testing.T) {
	var out, errb bytes.Buffer
	in := "REPORT RequestId: a Duration: 1.50 ms Billed Duration: 2 ms Memory Size: 128 MB Max Memory Used: 30 MB\n" +
		"REPORT RequestId: b Duration: 3.20 ms Billed Duration: 4 ms Memory Size: 128 MB Max Memory Used: 31 MB\n"
	err := Cost(context.Background(), nil, Streams{Stdin: strings.NewReader(in), Stdout: &out, Stderr: &errb})
	if err != nil {
		t.Fatal(err)
	}
	// 6 ms × 0.125 GB = 0.00075 GB-s.
	for _, want := range []string{"invocations         2", "0.000750 GB-s", "peak memory used    31 MB"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if err := Cost(context.Background(), nil, Streams{Stdin: strings.NewReader("nothing here\n"), Stdout: &out, Stderr: &errb}); err == nil {
		t.Error("no error for a log without reports")
	}
}

// TestEvalSchemaMatchesFlush: eval -schema says what a real flush of the
// same sample writes, file by file (types drifting, NULLs, nested values,
// explicit columns around *, PARTITION BY, more fields than a file holds).
func TestEvalSchemaMatchesFlush(t *testing.T) {
	var wide strings.Builder
	wide.WriteString(`{"k":"wide"`)
	for i := range flush.DefaultMaxColumns + 20 {
		fmt.Fprintf(&wide, `,"f%d":%d`, i, i)
	}
	wide.WriteString("}\n")
	sample := `{"k":"a","i":1,"s":"x","n":null,"o":{"p":1},"ts":"2024-05-01T00:00:00Z"}` + "\n" +
		`{"k":"a","i":"two","d":2.5,"arr":[1,2],"_overflow":1}` + "\n" +
		`{"k":"b","i":3,"d":4}` + "\n" +
		`{"k":"b","user":{"id":1,"tags":["x"]},"pts":[{"x":1},{"x":2.5}]}` + "\n" +
		`{"k":null,"u":"6f1c2b1e-4c59-4b8a-9f3e-2a8c1d9b7e10"}` + "\n" +
		`{}` + "\n" + wide.String()
	for _, stmt := range []string{
		"SELECT *",
		"SELECT i::INT64 AS i, *, ts::TIMESTAMP AS ts, u::UUID AS u PARTITION BY k",
		"SELECT * EXCLUDE (k), d::DOUBLE AS dd PARTITION BY k",
		"SELECT i::BOOLEAN AS b, i::INT32 AS i32, ts::DATE AS day, '10:00:00'::TIME AS t, k PARTITION BY i",
		"SELECT i::DECIMAL(38,10) AS w, d::DECIMAL(20,2) AS x, i::UBIGINT + 1 AS y, d::DECIMAL(10,2)[] AS z, k",
	} {
		out, errs, code := runEval(t, sample, "-schema", "-t", stmt)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", stmt, code, errs)
		}
		if got, want := parseSchemaBlocks(t, out), flushedSchemas(t, stmt, sample); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: eval -schema\n%v\nflush wrote\n%v", stmt, got, want)
		}
		// Objects and arrays get their inferred shape (TAP_NESTED=native).
		for _, want := range []string{"user STRUCT(id BIGINT, tags VARCHAR[])", "pts STRUCT(x DOUBLE)[]"} {
			if strings.Contains(stmt, "*") && !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
				t.Errorf("%s: eval -schema does not show %q:\n%s", stmt, want, out)
			}
		}
	}
	out, _, _ := runEval(t, sample, "-schema", "-nested", "json")
	if !strings.Contains(strings.Join(strings.Fields(out), " "), "user JSON") {
		t.Errorf("eval -schema -nested json: user is not JSON:\n%s", out)
	}
}

// parseSchemaBlocks reads eval -schema's output: partition path → its
// columns as "name TYPE" lines.
func parseSchemaBlocks(t *testing.T, out string) map[string][]string {
	t.Helper()
	blocks := map[string][]string{}
	var cur string
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if strings.HasPrefix(line, "  ") {
			f := strings.Fields(line)
			blocks[cur] = append(blocks[cur], f[0]+" "+strings.Join(f[1:], " "))
			continue
		}
		cur, _, _ = strings.Cut(line, ": ")
		if cur == "file" {
			cur = ""
		}
	}
	return blocks
}

// flushedSchemas writes sample through ingest, the spool and a flush into a
// folder, and reads each file's schema back.
func flushedSchemas(t *testing.T, stmt, sample string) map[string][]string {
	t.Helper()
	prog, err := transform.Compile(stmt)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := spool.Open(t.TempDir(), spool.HeaderFor(prog), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	in := ingest.New(prog, sp, ingest.Limits{MaxBodyBytes: 1 << 20, MaxLineBytes: 1 << 20})
	if _, err := in.Ingest([]byte(sample), ""); err != nil {
		t.Fatal(err)
	}
	seg, err := sp.Seal()
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	sk, err := dir.New(root)
	if err != nil {
		t.Fatal(err)
	}
	f := &flush.Flusher{Sink: sk, Prefix: "p/", ErrorsPrefix: "e/", TempDir: t.TempDir()}
	if _, err := f.Segment(context.Background(), seg); err != nil {
		t.Fatal(err)
	}
	blocks := map[string][]string{}
	err = filepath.WalkDir(filepath.Join(root, "p"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".parquet") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		pf, err := parquetfile.Open(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(filepath.Join(root, "p"), filepath.Dir(path))
		key := ""
		if rel != "." {
			key = filepath.ToSlash(rel) + "/"
		}
		for _, c := range pf.Columns() {
			blocks[key] = append(blocks[key], c.Name+" "+c.Type)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return blocks
}

func TestEvalTimeShowsThePrefix(t *testing.T) {
	in := `{"ts":"2024-05-01T10:30:00Z","k":"a"}` + "\n" + `{"ts":1714559400000,"k":"b"}` + "\n" + `{"k":"c"}` + "\n"
	out, errs, code := runEval(t, in, "-t", "SELECT k PARTITION BY k AS kk", "-time", "ts", "-prefix", "p/%Y/%m/%d/%H/")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	now := time.Now().UTC().Format("p/2006/") // the arrival prefix: now's hour
	if len(lines) != 3 ||
		lines[0] != `{"k":"a","_partition":{"kk":"a"},"_prefix":"p/2024/05/01/10/"}` ||
		lines[1] != `{"k":"b","_partition":{"kk":"b"},"_prefix":"p/2024/05/01/10/"}` ||
		!strings.HasPrefix(lines[2], `{"k":"c","_partition":{"kk":"c"},"_prefix":"`+now) {
		t.Errorf("eval -time printed\n%s", out)
	}
	if _, errs, code := runEval(t, in, "-time", "ts AS x"); code != 2 || !strings.Contains(errs, "bad -time") {
		t.Errorf("a bad -time: exit %d, %s", code, errs)
	}
}
