package cli

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/valyala/fastjson"

	"github.com/datatap/datatap/internal/config"
	"github.com/datatap/datatap/internal/flush"
	"github.com/datatap/datatap/internal/sink"
	"github.com/datatap/datatap/transform"
)

const evalUsage = `datatap eval [-t STATEMENT] [-time EXPR [-prefix PATTERN]] [-schema [-nested MODE]] [-max-line BYTES] [FILE...]

Runs a transform over NDJSON (the FILEs, or standard input) and prints each
kept row as one JSON object per line, columns in SELECT order, partition
values under "_partition" when the statement has PARTITION BY. With
-schema, prints instead the Parquet schema a flush would give those rows:
one file per PARTITION BY value, its columns in order with their types as
DuckDB (and datatap cat -schema) names them, objects and arrays as the
STRUCT and LIST types their shape allows (-nested json, as TAP_NESTED=json:
JSON columns). With -time (TAP_TIME), each
row also shows under "_prefix" the TAP_PREFIX (-prefix) its event time
gives, or the arrival time (now) when it gives none; the flush's cap on
prefixes per segment is not applied. Counts go to standard error.
A bad statement exits with status 2 and its position.`

// EvalCounts are the figures an eval run reports.
type EvalCounts struct {
	Read, Kept, Filtered, Malformed, CastFailures int
}

func (c EvalCounts) String() string {
	return fmt.Sprintf("read %d, kept %d, filtered %d, malformed %d, cast failures %d",
		c.Read, c.Kept, c.Filtered, c.Malformed, c.CastFailures)
}

// Eval is the eval command: try a transform on sample data before deploying it.
func Eval(ctx context.Context, args []string, io Streams) error {
	fs := newFlagSet("eval", evalUsage)
	stmt := fs.String("t", "SELECT *", "the transform `STATEMENT`")
	schema := fs.Bool("schema", false, "print the Parquet schema the rows would get instead of the rows")
	nested := fs.String("nested", config.NestedNative, "with -schema, what objects and arrays become (TAP_NESTED): `native` or json")
	timeExpr := fs.String("time", "", "the event-time `EXPR` (TAP_TIME): show each row's prefix")
	prefix := fs.String("prefix", config.Default().Prefix, "the key prefix `PATTERN` (TAP_PREFIX) -time expands")
	maxLine := fs.Int("max-line", 1<<20, "longest line read, in `BYTES`; longer lines count as malformed")
	if err := parseFlags(fs, args, io); err != nil {
		return err
	}
	prog, err := transform.Compile(*stmt)
	if err != nil {
		return &ExitError{Code: 2, Err: fmt.Errorf("eval: bad statement: %w", err)}
	}
	if *nested != config.NestedNative && *nested != config.NestedJSON {
		return &ExitError{Code: 2, Err: fmt.Errorf("eval: bad -nested %q: must be native or json", *nested)}
	}
	if *timeExpr != "" {
		if prog, err = prog.WithTime(*timeExpr); err != nil {
			return &ExitError{Code: 2, Err: fmt.Errorf("eval: bad -time: %w", err)}
		}
		if err := sink.CheckPrefix(*prefix, nil); err != nil {
			return &ExitError{Code: 2, Err: fmt.Errorf("eval: bad -prefix: %w", err)}
		}
	}
	out := bufio.NewWriterSize(io.Stdout, 64<<10)
	e := &evaluator{prog: prog, st: prog.NewState(), out: out, stderr: io.Stderr, maxLine: *maxLine, prefix: *prefix}
	if *schema {
		e.schema = newSchemaGuess(prog, *nested == config.NestedJSON)
	}
	if fs.NArg() == 0 {
		err = e.run(ctx, "stdin", io.Stdin)
	}
	for _, name := range fs.Args() {
		if err != nil {
			break
		}
		var f *os.File
		if f, err = os.Open(name); err != nil {
			err = fmt.Errorf("eval: %w", err)
			break
		}
		err = e.run(ctx, name, f)
		f.Close()
	}
	if err == nil && e.schema != nil {
		e.schema.print(out)
	}
	if ferr := out.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("eval: write output: %w", ferr)
	}
	e.counts.CastFailures = e.st.CastFailures
	fmt.Fprintln(io.Stderr, e.counts)
	return err
}

// maxReasons is how many malformed lines are described on stderr; the rest
// are only counted.
const maxReasons = 5

type evaluator struct {
	prog    *transform.Program
	st      *transform.State
	parser  fastjson.Parser
	out     *bufio.Writer
	stderr  io.Writer
	buf     []byte
	maxLine int
	counts  EvalCounts
	schema  *schemaGuess // -schema: rows are observed, not printed
	prefix  string       // TAP_PREFIX, expanded per row with -time
}

func (e *evaluator) run(ctx context.Context, name string, r io.Reader) error {
	br := bufio.NewReaderSize(r, 64<<10)
	lineNo := 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		line, tooLong, err := readLine(br, e.maxLine)
		if err != nil && err != io.EOF {
			return fmt.Errorf("eval: read %s: %w", name, err)
		}
		if err == nil || len(line) > 0 || tooLong {
			lineNo++ // physical line numbers, blank lines included, so that people can find them
		}
		if lineNo == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
		}
		if line = bytes.TrimSpace(line); len(line) > 0 || tooLong {
			e.counts.Read++
			if tooLong {
				e.malformed(name, lineNo, fmt.Sprintf("line longer than %d bytes", e.maxLine))
			} else if werr := e.line(name, lineNo, line); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			return nil
		}
	}
}

// readLine returns the next line without its end. A line longer than max is
// skipped to its end and reported as tooLong.
func readLine(br *bufio.Reader, max int) (line []byte, tooLong bool, err error) {
	var acc []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			if len(acc)+len(chunk) > max+1 {
				tooLong, acc = true, nil
			} else if err == bufio.ErrBufferFull || acc != nil {
				acc = append(acc, chunk...)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if tooLong {
			return nil, true, err
		}
		if acc != nil {
			chunk = acc
		}
		return bytes.TrimSuffix(chunk, []byte("\n")), false, err
	}
}

func (e *evaluator) line(name string, lineNo int, line []byte) error {
	kept, err := e.prog.EvalLine(e.st, &e.parser, line)
	if err != nil {
		e.malformed(name, lineNo, err.Error())
		return nil
	}
	if !kept {
		e.counts.Filtered++
		return nil
	}
	e.counts.Kept++
	if e.schema != nil {
		e.schema.observe(e.st.Row, e.st.Partition)
		return nil
	}
	b := appendRow(e.buf[:0], e.st.Row)
	if len(e.prog.Partitions()) > 0 {
		b = b[:len(b)-1]
		if len(e.st.Row) > 0 {
			b = append(b, ',')
		}
		b = append(b, `"_partition":`...)
		b = appendRow(b, e.st.Partition)
		b = append(b, '}')
	}
	if e.prog.Time() != "" {
		at := time.Now()
		if flush.EventTimeUsable(e.st.Time) {
			at = time.UnixMicro(e.st.Time.I)
		}
		p, err := sink.ObjectPrefix(e.prefix, at)
		if err != nil {
			return err
		}
		b = b[:len(b)-1]
		if len(e.st.Row) > 0 || len(e.prog.Partitions()) > 0 {
			b = append(b, ',')
		}
		b = append(b, `"_prefix":`...)
		b = transform.AppendJSONString(b, p)
		b = append(b, '}')
	}
	e.buf = append(b, '\n')
	_, err = e.out.Write(e.buf)
	return err
}

func appendRow(b []byte, fields []transform.Field) []byte {
	b = append(b, '{')
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = transform.AppendJSONString(b, f.Name)
		b = append(b, ':')
		b = f.Value.AppendJSON(b)
	}
	return append(b, '}')
}

func (e *evaluator) malformed(name string, lineNo int, reason string) {
	e.counts.Malformed++
	if e.counts.Malformed <= maxReasons {
		fmt.Fprintf(e.stderr, "%s:%d: malformed: %s\n", name, lineNo, reason)
	} else if e.counts.Malformed == maxReasons+1 {
		fmt.Fprintf(e.stderr, "(further malformed lines are only counted)\n")
	}
}
