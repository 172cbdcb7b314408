// Command pipeline runs datatap's own data path over a file, on one thread,
// for the comparison with DuckDB:
//
//	pipeline -t 'SELECT …' [-seal 64MB] INPUT.ndjson OUTDIR
//
// It cuts the input into requests of about 244 KiB on line boundaries (the
// size of a full Function URL event), feeds each to internal/ingest as the
// Lambda handler and serve do, into a spool in a temporary folder, then
// flushes the spool with internal/flush to an internal/sink/dir sink under
// OUTDIR. By default the whole input goes to one segment, so one Parquet file
// comes out, as from DuckDB's COPY; -seal N seals a segment (and flushes it)
// whenever it reaches N bytes, as TAP_FLUSH_BYTES does on Lambda.
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
	"github.com/datatap/datatap/internal/sink/dir"
	"github.com/datatap/datatap/internal/spool"
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
	cfg, err := config.Load(func(name string) (string, bool) {
		if name == "TAP_TRANSFORM" {
			return statement, true
		}
		return "", false
	})
	if err != nil {
		return err
	}
	spoolDir, err := os.MkdirTemp("", "datatap-compare-spool-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(spoolDir)

	// No spool limit: with -seal 0 the whole input is one segment.
	sp, err := spool.Open(spoolDir, spool.HeaderFor(cfg.Program), 1<<62)
	if err != nil {
		return err
	}
	in := ingest.New(cfg.Program, sp, ingest.Limits{MaxBodyBytes: cfg.MaxBodyBytes, MaxLineBytes: cfg.MaxLineBytes})
	sk, err := dir.New(outDir)
	if err != nil {
		return err
	}
	var total flush.Result
	fl := &flush.Flusher{
		Sink:         sk,
		Prefix:       cfg.Prefix,
		ErrorsPrefix: cfg.ErrorsPrefix,
		TempDir:      spoolDir,
		CreatedBy:    "datatap bench/compare",
		Flushed: func(r flush.Result) {
			total.Rows += r.Rows
			total.Rejected += r.Rejected
			total.BytesIn += r.BytesIn
			total.BytesOut += r.BytesOut
			total.Objects = append(total.Objects, r.Objects...)
		},
	}
	ctx := context.Background()
	flushAll := func() error {
		if _, err := sp.Seal(); err != nil {
			return err
		}
		return fl.All(ctx, sp)
	}

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
