package e2e

// Helpers for the hostile-corpus test (hostile_test.go): the corpus itself,
// a serve child with Lambda's open-file limit, and the reading back of every
// object one file at a time.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/datatap/datatap/internal/spool"
	"github.com/datatap/datatap/internal/testenv/duckdb"
)

// hostileLine is one line of the corpus and the class it stands for.
type hostileLine struct {
	class string
	text  string
}

// lambdaNoFile is the open-file limit of a Lambda function (soft and hard).
const lambdaNoFile = 1024

// hostilePartitions is how many distinct PARTITION BY values the corpus
// holds: more than a Lambda process may have files open.
const hostilePartitions = 2000

// hostileCorpus returns hostile but legitimate lines, every class of issue
// 11 and a few more, and some that are not valid JSON at all (those must be
// error rows). maxLine is the tap's line cap (TAP_MAX_LINE_BYTES).
func hostileCorpus(maxLine int) []hostileLine {
	var c []hostileLine
	add := func(class string, lines ...string) {
		for _, l := range lines {
			c = append(c, hostileLine{class, l})
		}
	}
	add("empty key", `{"":1}`, `{"":{"":""}}`, `{"user":{"":"x","region":"e1"}}`, `{"":null,"x":1}`)
	add("invalid UTF-8 key", "{\"k\xff\":1}", "{\"\xc3\":2}", "{\"\xed\xa0\x80\":3}", "{\"\xc0\xaf\":4}", "{\"user\":{\"\xfe\":1,\"region\":\"e2\"}}")
	add("invalid UTF-8 value", "{\"user\":{\"region\":\"\xff\xfe\"}}", "{\"o\":[\"\xe2\x82\"]}", "{\"s\":\"\xf8\x88\x80\x80\x80\"}")
	add("lone surrogate", `{"o":["\ud800"]}`, `{"\ud800":1}`, `{"a\udc00b":2}`, `{"o":{"x":"\udfff\ud800","y":"\ud83d"}}`,
		`{"user":{"region":"\udc00"}}`, `{"user":{"\udbff":1,"region":"e3"}}`, `{"s":"\ud800"}`)
	add("control character in a nested string", `{"user":{"region":"eu\u0007"}}`, `{"user":{"region":"eu\u0000"}}`,
		`{"user":{"region":"e4","name":"a\u0000b\u001fc"}}`, `{"user":{"region":"e5","q":"\"\u007f"}}`,
		`{"o":["\u007f","\"\u007f","\\\u0007","\b\f\n\r\t"]}`, `{"user":{"region":"\u2028\u2029"}}`)
	add("huge or tiny number", `{"n":18446744073709551615}`, `{"n":1e400}`, `{"n":123456789012345678901234567890}`,
		`{"n":-9223372036854775809}`, `{"n":9007199254740993}`, `{"n":-1e400}`, `{"n":1e-400}`, `{"n":-0}`, `{"n":-0.0}`,
		`{"o":{"big":18446744073709551615,"inf":1e400,"tiny":1e-400}}`, `{"user":{"region":1e400}}`)
	add("mixed types in one column", `{"v":1}`, `{"v":18446744073709551615}`, `{"v":1.5}`, `{"v":true}`, `{"v":"s"}`, `{"v":{"x":1}}`, `{"v":[1]}`)
	add("duplicate keys", `{"a":1,"a":"x"}`, `{"user":{"region":"d1","region":"d2"}}`, `{"Key":1,"key":2,"KEY":3}`)
	add("deep nesting", `{"o":`+strings.Repeat(`{"a":`, 500)+`1`+strings.Repeat(`}`, 500)+`}`,
		`{"o":`+strings.Repeat(`[`, 1000)+strings.Repeat(`]`, 1000)+`}`)
	add("byte order mark", "\xef\xbb\xbf{\"bom\":1}", `{"s":"\ufeff","\ufeff":1}`)
	add("NUL", `{"s":"\u0000"}`, `{"\u0000":1}`, "{\"a\":1}\x00", "\x00")
	add("CR", "{\"cr\":1}\r", "{\"cr\":\"a\rb\"}", "\r")
	add("very long key", `{"`+strings.Repeat("k", 70000)+`":1}`, `{"user":{"`+strings.Repeat("é", 5000)+`":1,"region":"e6"}}`)
	add("special key name", `{"datatap":1,"schema":2,"_partition":3,"__HIVE_DEFAULT_PARTITION__":4}`,
		`{"year":"not a year","month":"x","hour":-1,"region":"top"}`, `{"filename":"f","file_row_number":1,"rowid":2}`,
		`{"*":1,"%Y":2,"select":3,"from":4,"COLUMNS":5}`, `{"list":[1],"element":2,"key_value":3,"map":{"k":"v"},"array":[]}`,
		`{"good_id":"not mine","kind":"hostile"}`)
	add("combining characters only", `{"s":"\u0301\u0302\u0303\u0304","\u0301\u0301":1}`, `{"user":{"region":"\u0301"}}`)
	add("emoji", `{"s":"🏳️‍🌈👩‍👩‍👧‍👦","😀":"x"}`, `{"user":{"region":"🌍"}}`)
	add("RTL and invisible marks", `{"s":"\u202eabc\u202c","\u202e":"\u200f\u202b","\u200b":"\u2060"}`, `{"user":{"region":"\u200f"}}`)
	add("noncharacters", `{"s":"\uffff\ufffe","\ufdd0":1}`)
	add("key with dots and slashes", `{"a.b":1,"a/b":2,"..":3,".":4,"/":5,"a\\b":6,"../x":7,"a=b":8}`)
	add("hostile partition value", `{"user":{"region":"../.."}}`, `{"user":{"region":"a/b"}}`, `{"user":{"region":""}}`,
		`{"user":{"region":"."}}`, `{"user":{"region":"%2F"}}`, `{"user":{"region":"__HIVE_DEFAULT_PARTITION__"}}`,
		`{"user":{"region":"`+strings.Repeat("x", 3000)+`"}}`, `{"user":{"region":"`+strings.Repeat("é", 600)+`"}}`, `{"user":{"region":{"x":1}}}`, `{"user":{"region":[1,2]}}`,
		`{"user":"notobj"}`, `{"user":null}`)
	add("odd whitespace", "{\"a\" :\t1 , \"b\"\r:[ ] }", "\t{\"t\":1}\t", "{\"vt\":1}\v")
	add("not JSON", `{`, `[1]`, `1`, `"x"`, `null`, `{"a":1}{"b":2}`, `{"a":01}`, `{'a':1}`)
	add("10,000 keys", manyKeys(10000))
	for i := range 3000 {
		add("many distinct keys", fmt.Sprintf(`{"k%04d":%d}`, i, i))
	}
	for i := range hostilePartitions {
		add("many partition values", fmt.Sprintf(`{"user":{"region":"p%04d"},"i":%d}`, i, i))
	}
	// The longest line the tap accepts: the cap, counted after trimming.
	add("line at the cap", `{"big":"`+strings.Repeat("b", maxLine-len(`{"big":""}`))+`"}`)
	return c
}

func manyKeys(n int) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"key_%05d":%d`, i, i)
	}
	b.WriteByte('}')
	return b.String()
}

// goodLine is an ordinary line with a unique id.
func goodLine(id int) string {
	return fmt.Sprintf(`{"good_id":%d,"kind":"good","user":{"id":%d,"region":"g%d"},"msg":"ordinary line %d","n":%d}`, id, id, id%5, id, id*3)
}

// requests interleaves the corpus with good lines (good line i follows
// hostile line i) and cuts it into bodies of about size bytes; a longer line
// makes a body of its own. The lines of the "many partition values" class go
// in one body of their own, so that they land in one segment: more partition
// values in one segment than the process may open files.
func requests(corpus []hostileLine, size int) [][]byte {
	const together = "many partition values"
	var out [][]byte
	var b bytes.Buffer
	cut := func() {
		if b.Len() > 0 {
			out = append(out, bytes.Clone(b.Bytes()))
			b.Reset()
		}
	}
	for i, h := range corpus {
		if i > 0 && (h.class == together) != (corpus[i-1].class == together) {
			cut()
		}
		pair := h.text + "\n" + goodLine(i) + "\n"
		if h.class != together && b.Len() > 0 && b.Len()+len(pair) > size {
			cut()
		}
		b.WriteString(pair)
	}
	cut()
	return out
}

// waitSealed waits until the spool has no open segment, or for limit.
func waitSealed(spoolDir string, limit time.Duration) {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if open, _ := filepath.Glob(filepath.Join(spoolDir, "*"+spool.ExtOpen)); len(open) == 0 {
			return
		}
	}
}

// stopWithin sends SIGTERM and waits up to limit for the exit. Unlike Stop
// it reports a failure with t.Errorf, so the test still checks what landed.
func (s *served) stopWithin(t *testing.T, limit time.Duration) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-s.exited:
		s.done = true
		if err != nil {
			t.Errorf("serve exited with %v after SIGTERM", err)
		}
	case <-time.After(limit):
		t.Errorf("serve did not exit within %v of SIGTERM; killed", limit)
		s.cmd.Process.Kill()
		<-s.exited
		s.done = true
	}
}

// landed is what the bucket holds, read back.
type landed struct {
	parquetFiles int
	parquetRows  int64
	badFiles     []string    // Parquet files DuckDB cannot read whole, with its error
	goodInPq     map[int]int // good id → times seen in Parquet rows
	errorFiles   int
	errorLines   int64
	goodInErrors map[int]int    // good id → times seen in error rows
	quarantine   map[string]int // quarantined segment object → records (rows and rejected lines)
	goodInQuar   map[int]int    // good id → times seen in quarantined rows
	unknown      []string       // objects that are none of the above
}

var goodIDInLine = regexp.MustCompile(`good_id\\?":\s*(\d+)`)

// readLanded reads every object downloaded under root. Every Parquet file is
// read whole by DuckDB with SELECT *, one statement per file, so that one bad
// file is named and does not hide the others; error files are NDJSON read
// by DuckDB too, and their lines counted; anything else must be a spool
// segment stored whole (a quarantine object), whose records are counted.
func readLanded(t *testing.T, root string) landed {
	t.Helper()
	l := landed{goodInPq: map[int]int{}, goodInErrors: map[int]int{}, quarantine: map[string]int{}, goodInQuar: map[int]int{}}
	var parquetPaths, errorPaths []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && d.Name() == "_datatap" {
			return fs.SkipDir // the table schema (flush.TableSchemaName)
		}
		if err != nil || d.IsDir() {
			return err
		}
		switch {
		case strings.HasSuffix(path, ".parquet"):
			parquetPaths = append(parquetPaths, path)
		case strings.HasSuffix(path, ".ndjson"):
			errorPaths = append(errorPaths, path)
		default:
			rel, _ := filepath.Rel(root, path)
			n, ids, err := readSegment(path)
			if err != nil {
				l.unknown = append(l.unknown, fmt.Sprintf("%s: %v", rel, err))
				return nil
			}
			l.quarantine[rel] = n
			for _, id := range ids {
				l.goodInQuar[id]++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(parquetPaths)
	l.parquetFiles, l.errorFiles = len(parquetPaths), len(errorPaths)

	// Parquet, for file i: the whole file into a table with SELECT * (the
	// reader's check), the rows its footer declares (so that rows in a file
	// DuckDB refuses are reported as unreadable, not as lost), and its good
	// ids. The ids are looked for in each whole row as JSON, wherever the
	// flush put the field (its own column, or a JSON column that holds the
	// fields past a column cap); for a file DuckDB cannot read whole, by
	// projection of a good_id column, which may work when another column is
	// the bad one.
	const perFile = 5
	stmts := []string{"CREATE TABLE ids (file INTEGER, gid VARCHAR)", "CREATE TABLE ids_fb (file INTEGER, gid VARCHAR)"}
	const base = 2
	for i, p := range parquetPaths {
		stmts = append(stmts,
			"DROP TABLE IF EXISTS f",
			fmt.Sprintf("CREATE TEMP TABLE f AS SELECT * FROM read_parquet(%s)", sqlString(p)),
			fmt.Sprintf("SELECT num_rows FROM parquet_file_metadata(%s)", sqlString(p)),
			fmt.Sprintf(`INSERT INTO ids SELECT %d, regexp_extract(to_json(f)::VARCHAR, '"good_id":"?(\d+)', 1) FROM f`, i),
			fmt.Sprintf("INSERT INTO ids_fb SELECT %d, good_id::VARCHAR FROM read_parquet(%s, hive_partitioning = false)", i, sqlString(p)))
	}
	stmts = append(stmts,
		"SELECT file, gid, count(*) FROM ids WHERE gid <> '' GROUP BY ALL",
		"SELECT file, gid, count(*) FROM ids_fb WHERE gid IS NOT NULL GROUP BY ALL")
	// Error files: each read whole as NDJSON, however its fields are named.
	for _, p := range errorPaths {
		stmts = append(stmts, fmt.Sprintf("SELECT count(*) FROM (SELECT * FROM read_ndjson(%s))", sqlString(p)))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	res, err := duckdb.Run(ctx, stmts...)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err != "" || res[1].Err != "" {
		t.Fatal(res[0].Err, res[1].Err)
	}
	unreadable := map[int]bool{}
	for i, p := range parquetPaths {
		rel, _ := filepath.Rel(root, p)
		r := res[base+perFile*i:]
		if e := r[1].Err; e != "" {
			l.badFiles = append(l.badFiles, fmt.Sprintf("%s: %s", rel, clipText(e, 300)))
			unreadable[i] = true
		}
		if r[2].Err != "" || len(r[2].Rows) != 1 {
			l.badFiles = append(l.badFiles, fmt.Sprintf("%s: no row count in its footer: %s", rel, clipText(r[2].Err, 300)))
			continue
		}
		n, _ := strconv.ParseInt(r[2].Rows[0][0].(string), 10, 64)
		l.parquetRows += n
	}
	at := base + perFile*len(parquetPaths)
	if res[at].Err != "" || res[at+1].Err != "" {
		t.Fatalf("counting good ids: %s %s", res[at].Err, res[at+1].Err)
	}
	for k, rows := range [][][]any{res[at].Rows, res[at+1].Rows} {
		for _, row := range rows {
			file, _ := strconv.Atoi(row[0].(string))
			if fallback := k == 1; fallback != unreadable[file] {
				continue
			}
			id, err := strconv.Atoi(row[1].(string))
			if err != nil {
				continue // a hostile line's own good_id, not a number
			}
			n, _ := strconv.Atoi(row[2].(string))
			l.goodInPq[id] += n
		}
	}
	at += 2
	for i, p := range errorPaths {
		rel, _ := filepath.Rel(root, p)
		if e := res[at+i].Err; e != "" {
			l.badFiles = append(l.badFiles, fmt.Sprintf("%s: %s", rel, clipText(e, 300)))
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n")) {
			l.errorLines++
			for _, m := range goodIDInLine.FindAllSubmatch(line, -1) {
				id, _ := strconv.Atoi(string(m[1]))
				l.goodInErrors[id]++
			}
		}
	}
	return l
}

// readSegment reads path as a spool segment and counts its rows and rejected
// lines, collecting the good ids of its rows.
func readSegment(path string) (int, []int, error) {
	r, err := spool.OpenReader(path)
	if err != nil {
		return 0, nil, err
	}
	defer r.Close()
	n := 0
	var ids []int
	var rec spool.Record
	for {
		err := r.Next(&rec)
		if err == io.EOF {
			return n, ids, nil
		}
		if err != nil {
			return n, ids, err
		}
		switch rec.Kind {
		case spool.KindRow:
			n++
			for _, f := range rec.Fields {
				if f.Name == "good_id" {
					if id, err := strconv.Atoi(string(f.Value.AppendText(nil))); err == nil {
						ids = append(ids, id)
					}
				}
			}
		case spool.KindRejected:
			n++
		}
	}
}

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func clipText(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
