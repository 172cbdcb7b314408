package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"

	"github.com/datatap/datatap/internal/awscreds"
	"github.com/datatap/datatap/internal/config"
	"github.com/datatap/datatap/internal/parquetfile"
	s3sink "github.com/datatap/datatap/internal/sink/s3"
	"github.com/datatap/datatap/transform"
)

const catUsage = `datatap cat [-table] [-schema] [-n ROWS] PATH...

Prints the rows of Parquet files as NDJSON (one object per row, NULLs as
null, times as RFC 3339), or as an aligned table with -table. A PATH is a
file, a folder (every *.parquet under it), a glob (* and ? within a name, **
for any number of folders: 'data/**/*.parquet'), or s3://bucket/prefix (every
*.parquet object under the prefix; globs work there too), read with the
credentials, region and endpoint the S3 sink uses (AWS_REGION,
AWS_ACCESS_KEY_ID…, AWS_ENDPOINT_URL_S3). Files are read in name order.

For real queries, use DuckDB:
  duckdb -c "SELECT * FROM read_parquet('data/**/*.parquet', union_by_name = true)"`

// tableRows is how many rows -table prints when -n is not given.
const tableRows = 50

// maxCell is the widest a -table cell gets, in characters; longer ones are cut
// with "…".
const maxCell = 40

// Cat is the cat command.
func Cat(ctx context.Context, args []string, std Streams) error {
	fs := newFlagSet("cat", catUsage)
	table := fs.Bool("table", false, "print an aligned table instead of NDJSON")
	schema := fs.Bool("schema", false, "print each file's columns and types instead of its rows")
	n := fs.Int("n", -1, fmt.Sprintf("print at most this many `ROWS` in all; -1: all (%d with -table)", tableRows))
	if err := parseFlags(fs, args, std); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return &ExitError{Code: 2, Err: errors.New("cat: give one or more paths")}
	}
	limit := int64(*n)
	if limit < 0 && *table {
		limit = tableRows
	}
	out := bufio.NewWriterSize(std.Stdout, 64<<10)
	defer out.Flush()
	p := &printer{out: out, limit: limit, table: *table}
	var errs []error
	for _, arg := range fs.Args() {
		files, err := expand(ctx, arg)
		if err == nil && len(files) == 0 {
			err = errors.New("no Parquet files there")
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("cat: %s: %w", arg, err))
			continue
		}
		for _, f := range files {
			if p.full() && !*schema {
				p.more++ // at least one more row, in a file not opened
				break
			}
			if err := f.open(ctx, func(pf *parquetfile.File) error {
				if *schema {
					return printSchema(out, f.name, pf)
				}
				return p.file(pf)
			}); err != nil {
				errs = append(errs, fmt.Errorf("cat: %s: %w", f.name, err))
			}
		}
	}
	if *table && !*schema {
		p.flushTable()
	}
	if err := out.Flush(); err != nil {
		return err
	}
	if len(errs) > 0 {
		return &ExitError{Code: 1, Err: errors.Join(errs...)}
	}
	return nil
}

// source is one Parquet file to read: a local path or an S3 object.
type source struct {
	name string // as printed: the path, or s3://bucket/key
	open func(ctx context.Context, use func(*parquetfile.File) error) error
}

// expand turns one PATH argument into the files it names, in name order.
func expand(ctx context.Context, arg string) ([]source, error) {
	if rest, ok := strings.CutPrefix(arg, "s3://"); ok {
		return expandS3(ctx, rest)
	}
	var paths []string
	if hasMeta(arg) {
		root := filepath.Dir(arg[:metaIndex(arg)+1])
		pattern := filepath.ToSlash(arg)
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && globMatch(pattern, filepath.ToSlash(p)) {
				paths = append(paths, p)
			}
			return nil
		})
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	} else {
		st, err := os.Stat(arg)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			paths = []string{arg}
		} else if err := filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".parquet") {
				paths = append(paths, p)
			}
			return err
		}); err != nil {
			return nil, err
		}
	}
	slices.Sort(paths)
	files := make([]source, len(paths))
	for i, p := range paths {
		files[i] = source{name: p, open: func(_ context.Context, use func(*parquetfile.File) error) error {
			return openLocal(p, use)
		}}
	}
	return files, nil
}

func openLocal(p string, use func(*parquetfile.File) error) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	pf, err := parquetfile.Open(f, st.Size())
	if err != nil {
		return err
	}
	return use(pf)
}

// expandS3 lists bucket/prefix (rest) and returns its Parquet objects; each
// is downloaded to a temporary file when it is read.
func expandS3(ctx context.Context, rest string) ([]source, error) {
	bucket, key, _ := strings.Cut(rest, "/")
	if bucket == "" {
		return nil, errors.New("want s3://bucket/prefix")
	}
	region, endpoint := config.S3Env(os.LookupEnv)
	s, err := s3sink.New(ctx, bucket, s3sink.Options{Region: region, Endpoint: endpoint, Credentials: awscreds.Load})
	if err != nil {
		return nil, err
	}
	prefix, match := key, func(k string) bool { return strings.HasSuffix(k, ".parquet") }
	if hasMeta(key) {
		prefix = key[:metaIndex(key)]
		match = func(k string) bool { return globMatch(key, k) }
	}
	var files []source
	err = s.List(ctx, prefix, func(o s3sink.Object) error {
		if !match(o.Key) {
			return nil
		}
		k := o.Key
		files = append(files, source{name: "s3://" + bucket + "/" + k, open: func(ctx context.Context, use func(*parquetfile.File) error) error {
			tmp, err := os.CreateTemp("", "datatap-cat-*.parquet")
			if err != nil {
				return err
			}
			defer os.Remove(tmp.Name())
			defer tmp.Close()
			if err := s.Get(ctx, k, tmp); err != nil {
				return err
			}
			return openLocal(tmp.Name(), use)
		}})
		return nil
	})
	return files, err
}

func hasMeta(p string) bool { return metaIndex(p) >= 0 }

func metaIndex(p string) int { return strings.IndexAny(p, "*?[") }

// globMatch matches name against pattern, both with "/" between their
// parts: "**" as a whole part matches any number of parts (none included),
// other parts match one part each as path.Match does.
func globMatch(pattern, name string) bool {
	return matchParts(strings.Split(pattern, "/"), strings.Split(name, "/"))
}

func matchParts(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(name); i++ {
				if matchParts(pat[1:], name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, err := path.Match(pat[0], name[0]); err != nil || !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}

func printSchema(w io.Writer, name string, f *parquetfile.File) error {
	printColumns(w, name, f.NumRows(), f.Columns())
	return nil
}

// printColumns writes a file's name and rows, then its columns and types,
// aligned (datatap cat -schema, datatap eval -schema).
func printColumns(w io.Writer, name string, rows int64, cols []parquetfile.ReadColumn) {
	fmt.Fprintf(w, "%s: %d rows\n", name, rows)
	width := 0
	for _, c := range cols {
		width = max(width, utf8.RuneCountInString(printable(c.Name)))
	}
	for _, c := range cols {
		n := printable(c.Name)
		fmt.Fprintf(w, "  %s%s  %s\n", n, strings.Repeat(" ", width-utf8.RuneCountInString(n)), c.Type)
	}
}

// printer prints rows, as NDJSON as they come, or gathered into one table
// (columns by name, in the order first seen) printed at the end.
type printer struct {
	out   *bufio.Writer
	limit int64 // < 0: no limit
	table bool
	rows  int64
	more  int64 // rows the limit left out (> 0 means some were)

	// -table
	names []string
	index map[string]int
	right []bool // numbers are aligned right
	cells [][]string
	buf   []byte
}

func (p *printer) full() bool { return p.limit >= 0 && p.rows >= p.limit }

func (p *printer) file(f *parquetfile.File) error {
	cols := f.Columns()
	at := p.columns(cols)
	read := int64(0)
	err := f.Rows(func(row []parquet.Value) error {
		if p.full() {
			return io.EOF
		}
		read++
		p.rows++
		if p.table {
			line := make([]string, len(p.names))
			for i, c := range cols {
				p.buf = c.AppendText(p.buf[:0], row[i])
				line[at[i]] = string(p.buf)
			}
			p.cells = append(p.cells, line)
			return nil
		}
		b := append(p.buf[:0], '{')
		for i, c := range cols {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendKey(b, c.Name)
			b = c.AppendJSON(b, row[i])
		}
		b = append(b, '}', '\n')
		p.buf = b
		_, err := p.out.Write(b)
		return err
	})
	p.more += f.NumRows() - read
	return err
}

func appendKey(b []byte, name string) []byte {
	b = transform.AppendJSONString(b, name)
	return append(b, ':')
}

// columns adds cols to the table's columns and returns where each goes.
func (p *printer) columns(cols []parquetfile.ReadColumn) []int {
	if !p.table {
		return nil
	}
	if p.index == nil {
		p.index = map[string]int{}
	}
	at := make([]int, len(cols))
	for i, c := range cols {
		j, ok := p.index[c.Name]
		if !ok {
			j = len(p.names)
			p.index[c.Name] = j
			p.names = append(p.names, c.Name)
			p.right = append(p.right, numeric(c.Type))
		}
		at[i] = j
	}
	return at
}

// printable makes a cell safe to put on a terminal: white space becomes a
// space, and other control characters (ESC, BEL, NUL, C1: what a sender could
// use to rewrite the screen or the window title) their \u escape.
func printable(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case unicode.IsControl(r):
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func numeric(t string) bool {
	switch {
	case strings.HasSuffix(t, "INT"), strings.HasPrefix(t, "DECIMAL"), t == "INTEGER", t == "UINTEGER", t == "FLOAT", t == "DOUBLE":
		return true
	}
	return false
}

// flushTable prints the gathered rows as a table, cells cut to maxCell
// characters, and a last line that says how many rows were left out.
func (p *printer) flushTable() {
	if len(p.names) == 0 {
		return
	}
	cut := func(s string) string {
		s = printable(s)
		if utf8.RuneCountInString(s) > maxCell {
			return string([]rune(s)[:maxCell-1]) + "…"
		}
		return s
	}
	widths := make([]int, len(p.names))
	for i, n := range p.names {
		widths[i] = utf8.RuneCountInString(cut(n))
	}
	for k, line := range p.cells {
		// Columns first seen in a later file are empty in earlier rows.
		line = append(line, make([]string, len(p.names)-len(line))...)
		p.cells[k] = line
		for i := range line {
			line[i] = cut(line[i])
			widths[i] = max(widths[i], utf8.RuneCountInString(line[i]))
		}
	}
	row := func(cells []string) {
		var b strings.Builder
		for i, c := range cells {
			if i > 0 {
				b.WriteString("  ")
			}
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if p.right[i] {
				b.WriteString(pad + c)
			} else {
				b.WriteString(c + pad)
			}
		}
		p.out.WriteString(strings.TrimRight(b.String(), " "))
		p.out.WriteByte('\n')
	}
	header := make([]string, len(p.names))
	for i, n := range p.names {
		header[i] = cut(n)
	}
	row(header)
	for i, w := range widths {
		if i > 0 {
			p.out.WriteString("  ")
		}
		p.out.WriteString(strings.Repeat("─", w))
	}
	p.out.WriteByte('\n')
	for _, line := range p.cells {
		row(line)
	}
	if p.more > 0 {
		fmt.Fprintf(p.out, "(%d rows shown, more left out: -n ROWS to see more)\n", len(p.cells))
	} else {
		fmt.Fprintf(p.out, "(%d rows)\n", len(p.cells))
	}
}
