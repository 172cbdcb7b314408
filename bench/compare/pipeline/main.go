// Command pipeline runs datatap's own data path over a file, on one thread,
// for the comparison with DuckDB:
//
//	pipeline -t 'SELECT …' [-seal 64MB] INPUT.ndjson OUTDIR
//
// It cuts the input into requests of about 244 KiB on line boundaries (the
// size of a full Function URL event), feeds each to the pipeline internal/tap
// opens (as the Lambda handler and serve do), with its spool in a temporary
// folder and its folder sink at OUTDIR, and flushes it. By default the
// whole input goes to one segment, so one Parquet file comes out, as from
// DuckDB's COPY; -seal N seals a segment (and flushes it) whenever it
// reaches N bytes, as TAP_FLUSH_BYTES does on Lambda.
//
// It prints the rows written, the lines filtered and rejected, the bytes of
// the spool segments and of the objects, and the objects' keys on stdout.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/datatap/datatap/internal/config"
	"github.com/datatap/datatap/internal/flush"
	"github.com/datatap/datatap/internal/ingest"
	"github.com/datatap/datatap/internal/tap"
)

// requestBytes is the size of one simulated request: a Function URL event
// carries at most 6 MB, but the budgets are stated for 244 KiB bodies.
const requestBytes = 244 << 10

func main() {
	statement := flag.String("t", "SELECT *", "the transform statement")
	seal := flag.String("seal", "0", "seal and flush the segment whenever it reaches this size (0: one segment for the whole input)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: pipeline -t STATEMENT [-seal SIZE] [-cpuprofile FILE] INPUT OUTDIR")
		os.Exit(2)
	}
	runtime.GOMAXPROCS(1)
	sealBytes, err := config.ParseSize(*seal)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pipeline: -seal:", err)
		os.Exit(2)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "pipeline:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(*statement, sealBytes, flag.Arg(0), flag.Arg(1)); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "pipeline:", err)
		os.Exit(1)
	}
}

func run(statement string, sealBytes int64, input, outDir string) error {
	spoolDir, err := os.MkdirTemp("", "datatap-compare-spool-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(spoolDir)
	// No spool limit: with -seal 0 the whole input is one segment.
	env := map[string]string{"TAP_TRANSFORM": statement, "TAP_DIR": outDir, "TAP_SPOOL_DIR": spoolDir, "TAP_SPOOL_MAX_BYTES": "1000000GiB"}
	cfg, err := config.Load(func(name string) (string, bool) { v, ok := env[name]; return v, ok })
	if err != nil {
		return err
	}
	ctx := context.Background()
	// The extension's mode: the pipeline without a gate.
	t, err := tap.Open(ctx, cfg, tap.Options{Mode: tap.Extension, CreatedBy: "datatap bench/compare"})
	if err != nil {
		return err
	}
	sp, in := t.Spool(), t.Ingester()
	var total flush.Result
	t.Flusher().Flushed = func(r flush.Result) {
		total.Rows += r.Rows
		total.Rejected += r.Rejected
		total.BytesIn += r.BytesIn
		total.BytesOut += r.BytesOut
		total.Objects = append(total.Objects, r.Objects...)
	}
	flushAll := func() error { return t.Flush(ctx) }

	f, err := os.Open(input)
	if err != nil {
		return err
	}
	defer f.Close()
	var counts ingest.Counts
	err = eachRequest(f, func(body []byte) error {
		c, err := in.Ingest(body, "")
		if err != nil {
			return err
		}
		counts.Accepted += c.Accepted
		counts.Filtered += c.Filtered
		counts.Rejected += c.Rejected
		if sealBytes > 0 && sp.Stats().OpenBytes >= sealBytes {
			return flushAll()
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := flushAll(); err != nil {
		return err
	}
	fmt.Printf("rows %d\nfiltered %d\nrejected %d\nspool_bytes %d\nbytes_out %d\n", total.Rows, counts.Filtered, counts.Rejected, total.BytesIn, total.BytesOut)
	for _, o := range total.Objects {
		fmt.Printf("object %s\n", o)
	}
	if total.Rows != int64(counts.Accepted) {
		return fmt.Errorf("accepted %d rows but wrote %d", counts.Accepted, total.Rows)
	}
	return nil
}

// eachRequest reads r in bodies of about requestBytes that end on a line
// boundary (a longer line makes one longer body) and calls fn with each.
func eachRequest(r io.Reader, fn func(body []byte) error) error {
	buf := make([]byte, requestBytes)
	carry := 0 // bytes of an unfinished line at the start of buf
	for {
		n, err := io.ReadFull(r, buf[carry:])
		data := buf[:carry+n]
		eof := err == io.EOF || err == io.ErrUnexpectedEOF
		if err != nil && !eof {
			return err
		}
		cut := len(data)
		if !eof {
			cut = bytes.LastIndexByte(data, '\n') + 1
			if cut == 0 { // one line fills the buffer: read more of it
				carry = len(buf)
				buf = append(buf, make([]byte, len(buf))...)
				continue
			}
		}
		if cut > 0 {
			if err := fn(data[:cut]); err != nil {
				return err
			}
		}
		if eof {
			return nil
		}
		carry = copy(buf, data[cut:])
	}
}
