// Package flush turns a sealed spool segment into objects: one ZSTD Parquet
// file per partition value, and one NDJSON file of rejected lines, stored in
// a sink under keys derived from the segment, so that flushing the same
// segment twice writes the same keys.
//
// Memory stays flat whatever the segment size: a segment is read twice, once
// to infer each partition's schema (and, when there are several partitions,
// to split the rows into one temporary file each), once to write.
package flush

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/datatap/datatap/internal/config"
	"github.com/datatap/datatap/internal/parquetfile"
	"github.com/datatap/datatap/internal/sink"
	"github.com/datatap/datatap/internal/sink/dir"
	s3sink "github.com/datatap/datatap/internal/sink/s3"
	"github.com/datatap/datatap/internal/spool"
	"github.com/datatap/datatap/transform"
)

// Flusher writes segments to a sink.
type Flusher struct {
	Sink         sink.Sink
	Prefix       string // strftime pattern for Parquet keys (TAP_PREFIX)
	ErrorsPrefix string // strftime pattern for rejected-line keys (TAP_ERRORS_PREFIX)
	TempDir      string // where files are built before upload
	CreatedBy    string // written into the Parquet footer
	// Flushed, when set, is told about every segment stored (logs, metrics).
	Flushed func(Result)
}

// FromConfig builds the Flusher the configuration describes: S3 when
// TAP_BUCKET is set, else the TAP_DIR folder.
func FromConfig(ctx context.Context, cfg config.Config, createdBy string) (*Flusher, error) {
	var sk sink.Sink
	var err error
	if cfg.Bucket != "" {
		sk, err = s3sink.New(ctx, cfg.Bucket, s3sink.Options{})
	} else {
		sk, err = dir.New(cfg.Dir)
	}
	if err != nil {
		return nil, err
	}
	return &Flusher{Sink: sk, Prefix: cfg.Prefix, ErrorsPrefix: cfg.ErrorsPrefix, TempDir: cfg.SpoolDir, CreatedBy: createdBy}, nil
}

// All flushes every sealed segment of sp, oldest first, and removes each
// once its objects are stored. Segments another process is flushing are
// skipped. It stops at the first failure, leaving that segment and the
// younger ones for a later attempt.
func (f *Flusher) All(ctx context.Context, sp *spool.Spool) error {
	segments, err := sp.Sealed()
	if err != nil {
		return err
	}
	for _, seg := range segments {
		claim, err := sp.Claim(seg)
		if errors.Is(err, spool.ErrBusy) || errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		res, err := f.Segment(ctx, seg)
		if err != nil {
			claim.Release()
			return fmt.Errorf("flush %s: %w", filepath.Base(seg), err)
		}
		if err := claim.Done(); err != nil {
			return err
		}
		if f.Flushed != nil {
			f.Flushed(res)
		}
	}
	return nil
}

// Result describes one flushed segment.
type Result struct {
	Segment    string
	Rows       int64 // rows written to Parquet
	Filtered   int64 // lines the WHERE clause dropped (counted at ingest)
	Rejected   int64 // lines written to the error output
	BytesIn    int64 // segment size
	BytesOut   int64 // bytes uploaded
	Objects    []string
	FlushTime  time.Duration // reading and encoding
	UploadTime time.Duration
}

// partition is the rows of one PARTITION BY value, and what is known of
// their columns.
type partition struct {
	path    string // name=value/… of the key
	rows    int64
	file    *os.File // the partition's rows, when the segment has several
	w       *bufio.Writer
	names   []string // star fields in first-seen order
	index   map[string]int
	types   map[string]transform.Type // widened type per column
	columns []parquetfile.Column
	colIdx  map[string]int
}

// Segment flushes the sealed segment at path. It does not remove the
// segment: the caller does that once Segment returned nil, so that a failure
// at any point leaves the segment for the next attempt.
func (f *Flusher) Segment(ctx context.Context, path string) (Result, error) {
	start := time.Now()
	res := Result{Segment: path}
	if info, err := os.Stat(path); err == nil {
		res.BytesIn = info.Size()
	}
	r, err := spool.OpenReader(path)
	if err != nil {
		return res, err
	}
	defer r.Close()
	h := r.Header

	tmp, err := os.MkdirTemp(f.TempDir, ".flush-"+h.ID+"-")
	if err != nil {
		return res, fmt.Errorf("flush: %w", err)
	}
	defer os.RemoveAll(tmp)

	parts, rejected, err := f.scan(r, tmp, &res)
	if err != nil {
		return res, err
	}
	var uploads []upload
	if rejected != nil {
		key, err := f.key(f.ErrorsPrefix, h, "", ".ndjson")
		if err != nil {
			return res, err
		}
		uploads = append(uploads, upload{key: key, path: rejected.path})
		res.Rejected = rejected.n
	}
	for _, p := range parts {
		file := filepath.Join(tmp, fmt.Sprintf("part-%d.parquet", len(uploads)))
		if err := f.writeParquet(ctx, path, h, p, file); err != nil {
			return res, err
		}
		key, err := f.key(f.Prefix, h, p.path, ".parquet")
		if err != nil {
			return res, err
		}
		uploads = append(uploads, upload{key: key, path: file})
		res.Rows += p.rows
	}
	res.FlushTime = time.Since(start)

	start = time.Now()
	for _, u := range uploads {
		n, err := f.put(ctx, u)
		if err != nil {
			return res, err
		}
		res.BytesOut += n
		res.Objects = append(res.Objects, u.key)
	}
	res.UploadTime = time.Since(start)
	return res, nil
}

type upload struct{ key, path string }

func (f *Flusher) put(ctx context.Context, u upload) (int64, error) {
	file, err := os.Open(u.path)
	if err != nil {
		return 0, fmt.Errorf("flush: %w", err)
	}
	defer file.Close()
	info, err := file.Stat()
	if err != nil {
		return 0, fmt.Errorf("flush: %w", err)
	}
	if err := f.Sink.Put(ctx, u.key, file, info.Size()); err != nil {
		return 0, fmt.Errorf("flush: %w", err)
	}
	return info.Size(), nil
}

// key builds prefix (strftime at the segment's creation time, so that a
// retry an hour later writes the same key) + partition path + segment id.
func (f *Flusher) key(pattern string, h spool.Header, partPath, ext string) (string, error) {
	prefix, err := sink.ObjectPrefix(pattern, h.Created)
	if err != nil {
		return "", fmt.Errorf("flush: %w", err)
	}
	return prefix + partPath + h.ID + ext, nil
}

// rejectedFile is the NDJSON error output being built.
type rejectedFile struct {
	path string
	file *os.File
	w    *bufio.Writer
	n    int64
	buf  []byte
}

// scan reads the segment once: rejected lines go to an NDJSON file, rows are
// grouped by partition (into one temporary file each when the statement has
// PARTITION BY: one open file per value, so a PARTITION BY with thousands of
// values in one segment costs as many file descriptors) and their column
// types inferred.
func (f *Flusher) scan(r *spool.Reader, tmp string, res *Result) ([]*partition, *rejectedFile, error) {
	h := r.Header
	byPath := map[string]*partition{}
	var parts []*partition
	var rej *rejectedFile
	var rec spool.Record
	values := make([]string, len(h.Partitions))
	nulls := make([]bool, len(h.Partitions))
	var text []byte
	for {
		err := r.Next(&rec)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		if rec.Kind == spool.KindCounts {
			res.Filtered += rec.Filtered
			continue
		}
		if rec.Kind == spool.KindRejected {
			if rej == nil {
				rej = &rejectedFile{path: filepath.Join(tmp, "rejected.ndjson")}
				if rej.file, err = os.Create(rej.path); err != nil {
					return nil, nil, fmt.Errorf("flush: %w", err)
				}
				rej.w = bufio.NewWriterSize(rej.file, 64<<10)
			}
			rej.add(&rec)
			continue
		}
		text = text[:0]
		for i, v := range rec.Partition {
			start := len(text)
			text = v.AppendText(text)
			values[i], nulls[i] = string(text[start:]), v.IsNull()
		}
		pp := ""
		if len(h.Partitions) > 0 {
			pp = sink.PartitionPath(h.Partitions, values, nulls)
		}
		p := byPath[pp]
		if p == nil {
			p = &partition{path: pp, index: map[string]int{}, types: map[string]transform.Type{}}
			byPath[pp] = p
			parts = append(parts, p)
		}
		p.observe(&rec)
		if len(h.Partitions) > 0 { // the partition's rows, together, for the second pass
			if err := p.spill(tmp, rec.Raw); err != nil {
				return nil, nil, err
			}
		}
	}
	if rej != nil {
		if err := rej.close(); err != nil {
			return nil, nil, err
		}
	}
	for _, p := range parts {
		if p.w != nil {
			if err := p.w.Flush(); err != nil {
				return nil, nil, fmt.Errorf("flush: %w", err)
			}
		}
		p.schema(h)
	}
	return parts, rej, nil
}

// observe widens the partition's column types with one row.
func (p *partition) observe(rec *spool.Record) {
	p.rows++
	for _, fl := range rec.Fields {
		t, ok := p.types[fl.Name]
		if !ok {
			name := strings.Clone(fl.Name) // the record's strings do not outlive the next read
			p.names = append(p.names, name)
			p.index[name] = len(p.names) - 1
			p.types[name] = fl.Value.Type
			continue
		}
		if w := transform.Widen(t, fl.Value.Type); w != t {
			p.types[p.names[p.index[fl.Name]]] = w
		}
	}
}

// spill appends an encoded row to the partition's temporary file.
func (p *partition) spill(tmp string, raw []byte) error {
	if p.w == nil {
		f, err := os.CreateTemp(tmp, "rows-")
		if err != nil {
			return fmt.Errorf("flush: %w", err)
		}
		p.file, p.w = f, bufio.NewWriterSize(f, 32<<10)
	}
	var n [binary.MaxVarintLen64]byte
	p.w.Write(n[:binary.PutUvarint(n[:], uint64(len(raw)))])
	_, err := p.w.Write(raw)
	return err
}

// schema orders the columns as the statement does: explicit columns before
// *, the fields * produced (first-seen order), explicit columns after *.
func (p *partition) schema(h spool.Header) {
	explicit := map[string]bool{}
	for _, c := range h.Columns {
		explicit[c.Name] = true
	}
	col := func(name string) parquetfile.Column {
		return parquetfile.Column{Name: name, Type: transform.ColumnType(h.DeclaredType(name), p.types[name])}
	}
	starAt := h.StarAt
	if starAt < 0 {
		starAt = len(h.Columns)
	}
	for _, c := range h.Columns[:starAt] {
		p.columns = append(p.columns, col(c.Name))
	}
	for _, name := range p.names {
		if !explicit[name] {
			p.columns = append(p.columns, col(name))
		}
	}
	for _, c := range h.Columns[starAt:] {
		p.columns = append(p.columns, col(c.Name))
	}
	p.colIdx = make(map[string]int, len(p.columns))
	for i, c := range p.columns {
		p.colIdx[c.Name] = i
	}
}

func (rj *rejectedFile) add(rec *spool.Record) {
	rj.buf = append(rj.buf[:0], `{"time":`...)
	rj.buf = transform.Value{Type: transform.Timestamp, I: rec.Time.UnixMicro()}.AppendJSON(rj.buf)
	rj.buf = append(rj.buf, `,"reason":`...)
	rj.buf = transform.AppendJSONString(rj.buf, rec.Reason)
	rj.buf = append(rj.buf, `,"line":`...)
	rj.buf = transform.AppendJSONString(rj.buf, string(rec.Line))
	rj.buf = append(rj.buf, "}\n"...)
	rj.w.Write(rj.buf)
	rj.n++
}

func (rj *rejectedFile) close() error {
	err := rj.w.Flush()
	if cerr := rj.file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("flush: write rejected lines: %w", err)
	}
	return nil
}

// writeParquet writes the partition's rows, read back from its temporary
// file, or from the segment itself when the statement has no PARTITION BY.
func (f *Flusher) writeParquet(ctx context.Context, segment string, h spool.Header, p *partition, path string) error {
	out, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("flush: %w", err)
	}
	defer out.Close()
	bw := bufio.NewWriterSize(out, 256<<10)
	pw, err := parquetfile.NewWriter(bw, p.columns, parquetfile.Options{CreatedBy: f.CreatedBy})
	if err != nil {
		return fmt.Errorf("flush: %w", err)
	}
	next, done, err := p.open(segment, h)
	if err != nil {
		return err
	}
	defer done()
	row := make([]transform.Value, len(p.columns))
	var cast transform.State
	var rec spool.Record
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		err := next(&rec)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if rec.Kind != spool.KindRow {
			continue
		}
		clear(row)
		cast.ClearScratch()
		for _, fl := range rec.Fields {
			i := p.colIdx[fl.Name]
			row[i] = cast.Cast(fl.Value, p.columns[i].Type)
		}
		if err := pw.Write(row); err != nil {
			return fmt.Errorf("flush: %w", err)
		}
	}
	if err := pw.Close(); err != nil {
		return fmt.Errorf("flush: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("flush: %w", err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("flush: %w", err)
	}
	return nil
}

// open returns an iterator over the partition's rows.
func (p *partition) open(segment string, h spool.Header) (next func(*spool.Record) error, done func(), err error) {
	if p.file == nil {
		r, err := spool.OpenReader(segment)
		if err != nil {
			return nil, nil, err
		}
		return r.Next, func() { r.Close() }, nil
	}
	if _, err := p.file.Seek(0, io.SeekStart); err != nil {
		return nil, nil, fmt.Errorf("flush: %w", err)
	}
	br := bufio.NewReaderSize(p.file, 64<<10)
	dec := spool.NewRawDecoder(h)
	var buf []byte
	next = func(rec *spool.Record) error {
		n, err := binary.ReadUvarint(br)
		if err != nil {
			return err // io.EOF at the end
		}
		if cap(buf) < int(n) {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(br, buf); err != nil {
			return fmt.Errorf("flush: read rows: %w", err)
		}
		return dec.Decode(buf, rec)
	}
	return next, func() { p.file.Close() }, nil
}
