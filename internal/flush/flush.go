// Package flush turns a sealed spool segment into objects: one ZSTD Parquet
// file per partition value, and one NDJSON file of rejected lines, stored in
// a sink under keys derived from the segment, so that flushing the same
// segment twice writes the same keys.
//
// Memory stays flat whatever the segment size: a segment is read twice, once
// to infer each partition's schema (and, when there are several partitions,
// to split the rows into one temporary file each), once to write. A segment
// without PARTITION BY whose batches end with their schema (spool header
// version 3) is decoded once: the first read decodes only the batches'
// schema records, and the pass that writes the rows collects the rest.
//
// Bounds, whatever a sender posts:
//
//   - Columns: a file has at most Flusher.MaxColumns columns
//     (DefaultMaxColumns, 500). The statement's explicit columns always are
//     columns; the fields * produces become columns in first-seen order
//     (per partition) while they fit. When more fields come than fit, the
//     first MaxColumns - explicit - 1 are columns and every further field of
//     a row goes into one JSON column, OverflowColumn ("_overflow"), as an
//     object of the row's remaining fields in their order (NULL when the row
//     has none); it stands where the * fields end. If a column already has
//     that name the overflow column is "_overflow_2" (then _3, …); a field
//     named "_overflow" past the cap is a key of the object like any other.
//     A field whose name cannot be a Parquet column (the empty name, in
//     segments spooled before ingest named it _empty) always goes to the
//     overflow object. Memory per column is a few tens of KiB
//     (see parquetfile), so a file at the cap stays far below 100 MB.
//   - Partitions: a PARTITION BY segment keeps each partition's rows in
//     memory while all of them fit in 4 MiB, and spills the partitions that
//     do not fit to a temporary file each, at most 64 of them open at once
//     (closed and reopened for append as rows come); finished Parquet files
//     of up to 1 MiB stay in memory until uploaded while they fit in 8 MiB
//     together, else they are built in a temporary file. So one flush holds at most 64 + 4 file
//     descriptors, and Uploads more (and the sink's own) while it uploads,
//     whatever the number of partitions, and a segment of many small
//     partitions creates no file per partition (900 partitions: 0.22 s to
//     encode instead of 1.3 s).
//   - Uploads: each file is uploaded as soon as it is written, while the
//     next is encoded, Flusher.Uploads at a time (DefaultUploads, 16);
//     segments go one after another, oldest first. When ctx ends, the
//     uploads in flight are cancelled and All returns an *Incomplete.
//
// Failures (see errors.go): a row the Parquet writer refuses goes to the
// error output, with its reason and the row as a JSON object in "line"; a
// segment that fails permanently is stored whole, byte for byte, as
// <errors prefix><segment id>.segment (QuarantineFallback when the errors
// prefix itself gives no valid key), logged, counted in
// Result.Quarantined and removed, and the younger segments go on; a
// transient failure keeps the segment for a later attempt.
//
// Temporary files live in TempDir/.flush-<segment id>-<random>/; a folder a
// killed flush left is removed by the next All (see RemoveStale).
package flush

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/datatap/datatap/internal/sink"
	"github.com/datatap/datatap/internal/spool"
)

// Flusher writes segments to a sink.
type Flusher struct {
	Sink         sink.Sink
	Prefix       string // strftime pattern for Parquet keys (TAP_PREFIX)
	ErrorsPrefix string // strftime pattern for rejected-line keys (TAP_ERRORS_PREFIX)
	TempDir      string // where files are built before upload
	CreatedBy    string // written into the Parquet footer
	// MaxColumns caps the columns of one Parquet file (0:
	// DefaultMaxColumns); see the package documentation for the overflow
	// column that holds the fields past it.
	MaxColumns int
	// KeepJSON keeps JSON objects and arrays in JSON columns
	// (TAP_NESTED=json); by default a column of them gets the native
	// nested type their shape allows (see shape.go).
	KeepJSON bool
	// Uploads is how many objects of one segment are uploaded at once (0:
	// DefaultUploads); Sink must be safe for concurrent use (sink/dir and
	// sink/s3 are).
	Uploads int
	// Log receives the quarantine and stale-folder lines (nil:
	// slog.Default()).
	Log *slog.Logger
	// Flushed, when set, is told about every segment stored (logs, metrics),
	// quarantined ones included (Result.Quarantined).
	Flushed func(Result)

	// tableMu guards table, the process's copy of the table schema (see
	// table.go), made at the first flush.
	tableMu sync.Mutex
	table   *table

	// spillBudget and outputBudget override spillMemory and outputMemory
	// (tests set 1 to have every partition and file go to disk).
	spillBudget, outputBudget int64
}

func (f *Flusher) log() *slog.Logger {
	if f.Log != nil {
		return f.Log
	}
	return slog.Default()
}

func (f *Flusher) maxColumns() int {
	if f.MaxColumns > 0 {
		return f.MaxColumns
	}
	return DefaultMaxColumns
}

func (f *Flusher) uploads() int {
	if f.Uploads > 0 {
		return f.Uploads
	}
	return DefaultUploads
}

// All flushes every sealed segment of sp, oldest first, and removes each
// once its objects are stored. Segments another process is flushing are
// skipped. It first removes the temporary folders killed flushes left (see
// RemoveStale).
//
// A segment that fails permanently (see IsPermanent) is quarantined: stored
// whole under the errors prefix, logged at error level, reported to Flushed
// with Result.Quarantined set, and removed; All goes on with the younger
// ones. A transient failure, or the end of ctx, stops All: it returns an
// *Incomplete saying how many segments and bytes are left, that segment and
// the younger ones stay in the spool for a later attempt.
func (f *Flusher) All(ctx context.Context, sp *spool.Spool) error {
	f.RemoveStale(sp)
	segments, err := sp.Sealed()
	if err != nil {
		return err
	}
	for i, seg := range segments {
		if err := ctx.Err(); err != nil {
			return incomplete(segments[i:], err)
		}
		claim, err := sp.Claim(seg)
		if errors.Is(err, spool.ErrBusy) || errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return incomplete(segments[i:], err)
		}
		res, err := f.Segment(ctx, seg)
		if err != nil && IsPermanent(err) && ctx.Err() == nil {
			res, err = f.quarantine(ctx, seg, err)
		}
		if err != nil {
			claim.Release()
			return incomplete(segments[i:], fmt.Errorf("flush %s: %w", filepath.Base(seg), err))
		}
		if err := claim.Done(); err != nil {
			return incomplete(segments[i:], err) // flushed, but still there: the next round flushes it again, to the same keys
		}
		if f.Flushed != nil {
			f.Flushed(res)
		}
	}
	return nil
}

// incomplete describes the segments left.
func incomplete(left []string, err error) *Incomplete {
	e := &Incomplete{Err: err}
	for _, seg := range left {
		if info, err := os.Stat(seg); err == nil {
			e.Segments++
			e.Bytes += info.Size()
		}
	}
	return e
}

// Result describes one flushed segment.
type Result struct {
	Segment    string
	Rows       int64 // rows written to Parquet
	Filtered   int64 // lines the WHERE clause dropped (counted at ingest)
	Rejected   int64 // lines and rows written to the error output
	BytesIn    int64 // segment size
	BytesOut   int64 // bytes uploaded
	Objects    []string
	ObjectRows []int64       // rows (Parquet) or lines (error output) of each of Objects
	FlushTime  time.Duration // reading and encoding, while the first files upload
	UploadTime time.Duration // waiting, after encoding, for the last uploads
	// Quarantined is 1 when the segment could not be flushed and was
	// stored whole under the errors prefix instead (Objects holds its key,
	// Reason why); Rows and Rejected are 0 then.
	Quarantined int64
	Reason      string
	// Lossy counts values the rows hold with a loss (rounded numbers,
	// duplicate fields left out, casts that gave NULL), at ingest and when
	// a column's type made the flush round an integer to DOUBLE.
	Lossy spool.Lossy
	// TimeFallbacks counts rows of a segment spooled with an event time
	// (TAP_TIME) that went under the arrival-time prefix: their time was
	// NULL or out of range, or the segment had MaxTimePrefixes already.
	TimeFallbacks int64
	// Overflowed counts values that did not fit the type their column has
	// in the table (see TableSchemaName) and went, with their field name,
	// into the overflow column instead.
	Overflowed int64
}

// Segment flushes the sealed segment at path. It does not remove the
// segment: the caller does that once Segment returned nil, so that a failure
// at any point leaves the segment for the next attempt. A failure that a new
// attempt would meet again is a *PermanentError; a panic in the Parquet
// writer is recovered as one.
func (f *Flusher) Segment(ctx context.Context, path string) (res Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = permanent(fmt.Errorf("flush: panic: %v", r))
		}
	}()
	start := time.Now()
	res = Result{Segment: path}
	if info, err := os.Stat(path); err == nil {
		res.BytesIn = info.Size()
	}
	r, err := spool.OpenReader(path)
	if err != nil {
		return res, readError(err)
	}
	defer r.Close()
	h := r.Header

	tmp, err := os.MkdirTemp(f.TempDir, tempPrefix+h.ID+"-")
	if err != nil {
		return res, fmt.Errorf("flush: %w", err)
	}
	defer os.RemoveAll(tmp)

	// A segment of one partition whose batches carry their schema is read
	// once: the columns come from the schemas, and the pass that writes the
	// rows also collects rejected lines and counts (see scanSchemas).
	var parts []*partition
	var rej *rejectedFile
	var one *onePass
	rejected := int64(0)
	if h.Version >= spool.SchemaVersion && len(h.Partitions) == 0 && h.Time == "" {
		p, n, err := f.scanSchemas(r)
		if err != nil {
			return res, err
		}
		if p != nil && f.mustInfer(h, p) { // the values' shapes are needed: scan reads them
			p = nil
			if err := r.Rewind(); err != nil {
				return res, err
			}
		}
		if p != nil {
			parts, rejected = []*partition{p}, n
			rej = &rejectedFile{path: filepath.Join(tmp, "rejected.ndjson"), created: h.Created}
			one = &onePass{r: r, res: &res, refused: &rejectedFile{path: filepath.Join(tmp, "refused.ndjson"), created: h.Created}}
			defer one.refused.discard()
		} else if err := r.Rewind(); err != nil { // no rows: scan is as cheap
			return res, err
		}
	}
	if one == nil {
		parts, rej, err = f.scan(r, tmp, &res)
		if err != nil {
			return res, err
		}
		rejected = rej.n
	}
	defer rej.discard()
	// Every column takes the type the table has (see table.go).
	if err := f.applyTable(ctx, h, parts); err != nil {
		return res, err
	}
	// Keys the sinks would refuse fail the segment before anything is
	// uploaded (the errors key matters only if there are error lines; rows
	// the writer refuses below are found once uploads have begun).
	errorsKey, errorsKeyErr := f.key(f.ErrorsPrefix, h, "", ".ndjson")
	if errorsKeyErr != nil && rejected > 0 {
		return res, errorsKeyErr
	}
	for _, p := range parts {
		if _, err := f.partKey(h, p); err != nil {
			return res, err
		}
	}
	// Files are uploaded as soon as they are written, while the next ones
	// are encoded.
	up := f.newUploader(ctx)
	defer up.wait()
	budget := new(atomic.Int64)
	budget.Store(cmp.Or(f.outputBudget, outputMemory))
	bw := bufio.NewWriterSize(nil, 256<<10)
	br := bufio.NewReaderSize(nil, 64<<10)
	for i, p := range parts {
		out := &output{path: filepath.Join(tmp, fmt.Sprintf("part-%d.parquet", i)), budget: budget}
		rows, err := f.writeParquet(up.ctx, path, h, p, out, bw, br, rej, one)
		if err != nil {
			out.discard()
			return res, up.failed(err)
		}
		res.Rows += rows
		res.Overflowed += p.overflowed
		if rows == 0 {
			out.discard() // every row went to the error output
			continue
		}
		key, err := f.partKey(h, p)
		if err == nil {
			var u upload
			if u, err = out.finish(key); err == nil {
				up.add(u)
				res.ObjectRows = append(res.ObjectRows, rows)
				continue
			}
		}
		out.discard()
		return res, up.failed(err)
	}
	if one != nil && one.refused.file != nil {
		err := one.refused.close()
		if err == nil {
			err = rej.appendFile(one.refused)
		}
		if err != nil {
			return res, up.failed(err)
		}
	}
	if rej.file != nil {
		if err := rej.close(); err != nil {
			return res, up.failed(err)
		}
		if errorsKeyErr != nil {
			return res, up.failed(errorsKeyErr)
		}
		up.add(upload{key: errorsKey, path: rej.path})
		res.Rejected = rej.n
		res.ObjectRows = append(res.ObjectRows, rej.n)
	}
	res.FlushTime = time.Since(start)

	start = time.Now()
	n, keys, err := up.wait()
	if err != nil {
		return res, err
	}
	res.BytesOut, res.Objects = n, keys
	res.UploadTime = time.Since(start)
	return res, nil
}

// upload is one object to store: a temporary file, or bytes in memory
// (release, when set, is called once they are no longer needed).
type upload struct {
	key, path string
	data      []byte
	release   func()
}

// uploader stores objects f.uploads() at a time, as they are added. At the
// first failure it cancels its context (which the encoding of the next
// files watches, too) and the uploads still running; objects already stored
// stay (a retry writes the same keys again).
type uploader struct {
	f      *Flusher
	ctx    context.Context
	cancel context.CancelFunc
	sem    chan struct{}
	wg     sync.WaitGroup
	keys   []string // in the order added

	mu    sync.Mutex
	first error
	total int64
	done  bool
}

func (f *Flusher) newUploader(ctx context.Context) *uploader {
	ctx, cancel := context.WithCancel(ctx)
	return &uploader{f: f, ctx: ctx, cancel: cancel, sem: make(chan struct{}, f.uploads())}
}

// add starts storing u, waiting for a free slot first.
func (up *uploader) add(u upload) {
	up.keys = append(up.keys, u.key)
	select {
	case up.sem <- struct{}{}:
	case <-up.ctx.Done():
	}
	if up.ctx.Err() != nil {
		if u.release != nil {
			u.release()
		}
		return
	}
	up.wg.Add(1)
	go func() {
		defer func() { <-up.sem; up.wg.Done() }()
		n, err := up.put(u)
		if u.release != nil {
			u.release()
		}
		up.mu.Lock()
		defer up.mu.Unlock()
		if err != nil {
			if up.first == nil {
				up.first = err
				up.cancel()
			}
			return
		}
		up.total += n
	}()
}

// put stores u; a panic of the sink is a failure like another (transient:
// it is no proof that the segment is at fault).
func (up *uploader) put(u upload) (n int64, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("flush: put %s: panic: %v", u.key, r)
		}
	}()
	return up.f.put(up.ctx, u)
}

// failed stops the uploads after err, the failure of what was to be
// uploaded, and returns err (or the upload failure that caused it).
func (up *uploader) failed(err error) error {
	up.cancel()
	up.wg.Wait()
	up.mu.Lock()
	defer up.mu.Unlock()
	if up.first != nil && errors.Is(err, context.Canceled) {
		return up.first
	}
	return err
}

// wait waits for every upload and returns the bytes stored, the keys, and
// the first failure.
func (up *uploader) wait() (int64, []string, error) {
	up.wg.Wait()
	up.mu.Lock()
	defer up.mu.Unlock()
	if !up.done {
		up.done = true
		if up.first == nil && up.ctx.Err() != nil {
			up.first = fmt.Errorf("flush: %w", up.ctx.Err()) // the caller's context ended
		}
		up.cancel()
	}
	return up.total, up.keys, up.first
}

func (f *Flusher) put(ctx context.Context, u upload) (int64, error) {
	if u.path == "" {
		if err := f.Sink.Put(ctx, u.key, bytes.NewReader(u.data), int64(len(u.data))); err != nil {
			return 0, putError(fmt.Errorf("flush: %w", err))
		}
		return int64(len(u.data)), nil
	}
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
		return 0, putError(fmt.Errorf("flush: %w", err))
	}
	return info.Size(), nil
}

// key builds prefix (strftime at the segment's creation time, so that a
// retry an hour later writes the same key) + partition path + segment id.
// A key the sinks would refuse is a permanent error, found before anything
// is uploaded.
func (f *Flusher) key(pattern string, h spool.Header, partPath, ext string) (string, error) {
	prefix, err := sink.ObjectPrefix(pattern, h.Created)
	if err != nil {
		return "", permanent(fmt.Errorf("flush: %w", err))
	}
	key := prefix + partPath + h.ID + ext
	if err := sink.ValidKey(key); err != nil {
		return "", permanent(fmt.Errorf("flush: %w", err))
	}
	return key, nil
}

// partKey is the key of a partition's Parquet file: its prefix (see
// partition.prefix; the segment's creation time when scanSchemas made it)
// + partition path + segment id. The prefix comes from the segment's rows
// and creation time only, so a retry writes the same keys.
func (f *Flusher) partKey(h spool.Header, p *partition) (string, error) {
	if p.prefix == "" {
		return f.key(f.Prefix, h, p.path, ".parquet")
	}
	key := p.prefix + p.path + h.ID + ".parquet"
	if err := sink.ValidKey(key); err != nil {
		return "", permanent(fmt.Errorf("flush: %w", err))
	}
	return key, nil
}

// QuarantineExt ends the key of a quarantined segment.
const QuarantineExt = ".segment"

// QuarantineFallback is the folder a quarantined segment goes to when the
// errors prefix itself gives no valid key (a bad TAP_ERRORS_PREFIX).
const QuarantineFallback = "_datatap_quarantine/"

// quarantine stores the segment at path whole, byte for byte, under
// <errors prefix><segment id>.segment (the prefix expanded at the creation
// time the id starts with), after a permanent failure cause. The object is
// the spool's own format (see internal/spool), which a later version or a
// human can replay. The caller removes the segment once this returns nil.
func (f *Flusher) quarantine(ctx context.Context, path string, cause error) (Result, error) {
	res := Result{Segment: path, Quarantined: 1, Reason: cause.Error()}
	start := time.Now()
	id := strings.TrimSuffix(filepath.Base(path), spool.ExtSealed)
	created, terr := time.Parse("20060102T150405.000000000Z", id[:min(len(id), len("20060102T150405.000000000Z"))])
	if terr != nil {
		if info, err := os.Stat(path); err == nil {
			created = info.ModTime()
		}
	}
	key := QuarantineFallback + id + QuarantineExt
	if prefix, err := sink.ObjectPrefix(f.ErrorsPrefix, created); err == nil && sink.ValidKey(prefix+id+QuarantineExt) == nil {
		key = prefix + id + QuarantineExt
	}
	n, err := f.put(ctx, upload{key: key, path: path})
	if err != nil && IsPermanent(err) && key != QuarantineFallback+id+QuarantineExt {
		key = QuarantineFallback + id + QuarantineExt
		n, err = f.put(ctx, upload{key: key, path: path})
	}
	if err != nil {
		return res, fmt.Errorf("quarantine after %v: %w", cause, err)
	}
	res.BytesIn, res.BytesOut, res.Objects = n, n, []string{key}
	res.UploadTime = time.Since(start)
	f.log().Error("flush: segment cannot be flushed; stored whole under the errors prefix and removed from the spool",
		"segment", filepath.Base(path), "key", key, "bytes", n, "reason", cause.Error())
	return res, nil
}

// tempPrefix starts the name of a segment's temporary folder:
// .flush-<segment id>-<random>.
const tempPrefix = ".flush-"

// RemoveStale removes the temporary folders that flushes killed before they
// could clean up left in f.TempDir, and returns how many it removed. All
// calls it first; it does nothing unless f.TempDir is sp's folder (as
// tap.NewFlusher sets it), because only there can it tell a live folder from a
// dead one. A folder .flush-<id>-* is stale when segment <id> is gone, or
// exists but nobody holds it: a flush holds its segment's Claim for as long
// as its folder exists (it removes the folder before the segment), so the
// runtime and the extension sharing a spool on Lambda never remove each
// other's live folders.
func (f *Flusher) RemoveStale(sp *spool.Spool) int {
	if f.TempDir == "" || !sameDir(f.TempDir, sp.Dir()) {
		return 0
	}
	entries, err := os.ReadDir(f.TempDir)
	if err != nil {
		return 0
	}
	removed := 0
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || !strings.HasPrefix(name, tempPrefix) {
			continue
		}
		dash := strings.LastIndexByte(name, '-')
		if dash < len(tempPrefix) {
			continue
		}
		id := name[len(tempPrefix):dash]
		claim, err := sp.Claim(filepath.Join(sp.Dir(), id+spool.ExtSealed))
		switch {
		case err == nil:
		case errors.Is(err, os.ErrNotExist):
		default:
			continue // ErrBusy: a live flush; anything else: leave it
		}
		if err := os.RemoveAll(filepath.Join(f.TempDir, name)); err != nil {
			f.log().Warn("flush: cannot remove a stale temporary folder", "folder", name, "err", err)
		} else {
			removed++
		}
		if claim != nil {
			claim.Release()
		}
	}
	if removed > 0 {
		f.log().Info("flush: removed temporary folders of interrupted flushes", "folders", removed)
	}
	return removed
}

func sameDir(a, b string) bool {
	ai, err1 := os.Stat(a)
	bi, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(ai, bi)
}
