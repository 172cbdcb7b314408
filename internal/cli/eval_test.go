package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
