package spool

import (
	"bufio"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/datatap/datatap/transform"
)

// File name extensions of segments.
const (
	ExtOpen   = ".open" // being appended to
	ExtSealed = ".seg"  // complete, waiting for a flush
)

// ErrFull is returned by Append when the spool holds its maximum: the caller
// answers 429 and the sender retries later.
var ErrFull = errors.New("spool: full")

// ErrBatchTooLarge is returned, wrapped, by Append for a batch that can
// never be stored: larger than MaxFrame (written, it could not be read back:
// a reader takes such a length for a torn frame), or than the spool's
// maximum, so that ErrFull would be answered for ever. Nothing of it is
// stored; the caller answers 413.
var ErrBatchTooLarge = errors.New("spool: request too large to store")

// errForeign is returned by recovery for an open segment of another output.
var errForeign = errors.New("spool: segment of another output")

// Spool is the directory of segments. Its methods are safe for concurrent use.
type Spool struct {
	dir      string
	maxBytes int64
	header   Header
	now      func() time.Time

	mu       sync.Mutex
	cur      *segment        // the open segment, nil until the first Append
	total    int64           // bytes of every segment in dir
	owned    map[string]bool // sealed path: whether it belongs to this spool (header read once)
	foreign  []Foreign       // found, not yet returned by Foreign
	reported map[string]bool // paths ever put in foreign
}

// Foreign is a segment in the spool's folder that belongs to another output
// or other prefixes (see Header): the spool keeps it, never flushes nor
// removes it, and it counts in TotalBytes, since it fills the same disk.
// Flushing it takes a tap with those settings and this TAP_SPOOL_DIR.
type Foreign struct {
	Path                         string
	Output, Prefix, ErrorsPrefix string
}

// Stats describes the spool at one moment.
type Stats struct {
	OpenBytes int64 // size of the open segment (0 when none)
	// OpenPartitions is how many PARTITION BY values the open segment
	// holds rows of, as far as this process appended them (a segment
	// recovered at start counts from 0).
	OpenPartitions int
	OpenCreated    time.Time // when the open segment was started
	TotalBytes     int64     // every segment, open and sealed
}

// Open opens the spool in dir, creating it if needed, and recovers segments
// that an earlier process left open: each is cut after its last whole frame
// and sealed. Rows will be described by header (see HeaderFor), and when
// header names an output, segments of another output or other prefixes are
// left as they are (see Foreign).
func Open(dir string, header Header, maxBytes int64) (*Spool, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	s := &Spool{dir: dir, maxBytes: maxBytes, header: header, now: time.Now,
		owned: map[string]bool{}, reported: map[string]bool{}}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		switch filepath.Ext(e.Name()) {
		case ExtOpen:
			// Another live process may be appending to it: leave it then.
			_, err := recoverLocked(path, 0, &s.header)
			switch {
			case errors.Is(err, errForeign):
				s.noteForeign(path)
			case err != nil && !errors.Is(err, ErrBusy) && !errors.Is(err, os.ErrNotExist):
				return nil, err
			}
		case ExtSealed:
		default:
			continue
		}
	}
	if s.total, err = s.diskBytes(); err != nil {
		return nil, err
	}
	if _, err := s.Sealed(); err != nil { // finds the foreign segments
		return nil, err
	}
	return s, nil
}

// diskBytes sums the segments in dir. Segments lie in dir itself, never
// below: the flush's temporary folders and, under the old default
// /tmp/datatap, other outputs' spool folders are not this spool's.
func (s *Spool) diskBytes() (int64, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return 0, fmt.Errorf("spool: %w", err)
	}
	var total int64
	for _, e := range entries {
		if ext := filepath.Ext(e.Name()); !e.IsDir() && (ext == ExtOpen || ext == ExtSealed) {
			if info, err := e.Info(); err == nil {
				total += info.Size()
			}
		}
	}
	return total, nil
}

// Recover makes the segment at path whole and sealed: it keeps every frame
// that reads back intact, cuts the torn tail, and renames .open to .seg. A
// segment whose header is torn held no data and is removed. It returns the
// sealed path ("" when removed), or ErrBusy when a live process holds it.
func Recover(path string) (string, error) { return recoverLocked(path, 0, nil) }

// recoverLocked is Recover; when mine is not nil, a segment whose header
// does not belong to it (Header.belongsTo) is left untouched: errForeign.
func recoverLocked(path string, wait time.Duration, mine *Header) (string, error) {
	f, err := openLocked(path, os.O_RDWR, wait)
	if err != nil {
		if errors.Is(err, ErrBusy) || errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		return "", fmt.Errorf("spool: recover %s: %w", path, err)
	}
	fr := frameReader{r: bufio.NewReaderSize(f, 256<<10)}
	good := int64(0)
	if p, err := fr.next(); err == nil {
		var h Header
		if mine != nil && json.Unmarshal(p, &h) == nil && !h.belongsTo(*mine) {
			f.Close()
			return "", errForeign
		}
		good = fr.off
	} else if err != io.EOF && !errors.Is(err, errTorn) {
		f.Close()
		return "", fmt.Errorf("spool: recover %s: %w", path, err)
	}
	for good > 0 {
		_, err := fr.next()
		if err != nil {
			if err != io.EOF && !errors.Is(err, errTorn) {
				f.Close()
				return "", fmt.Errorf("spool: recover %s: %w", path, err)
			}
			break
		}
		good = fr.off
	}
	defer f.Close() // after the rename: the lock covers it
	if good == 0 {
		return "", os.Remove(path)
	}
	if err := f.Truncate(good); err != nil {
		return "", fmt.Errorf("spool: recover %s: %w", path, err)
	}
	sealed := strings.TrimSuffix(path, ExtOpen) + ExtSealed
	if err := os.Rename(path, sealed); err != nil {
		return "", fmt.Errorf("spool: recover %s: %w", path, err)
	}
	return sealed, nil
}

// Append writes one batch as one frame to the open segment, starting a
// segment if there is none. When it returns nil the batch is in the spool.
func (s *Spool) Append(b *Batch) error {
	if b.Len() == 0 {
		return nil
	}
	if s.header.Version >= SchemaVersion {
		n := len(b.buf)
		b.buf = b.appendSchema(b.buf)
		defer func() { b.buf = b.buf[:n] }() // the batch may be appended again (ErrFull)
	}
	size := int64(b.Len() + frameHeader)
	switch {
	case b.Len() > MaxFrame:
		return fmt.Errorf("%w: its rows encode to %d bytes, more than a spool frame holds (%d)", ErrBatchTooLarge, b.Len(), MaxFrame)
	case size > s.maxBytes:
		return fmt.Errorf("%w: its rows encode to %d bytes, more than the whole spool holds (TAP_SPOOL_MAX_BYTES %d)", ErrBatchTooLarge, size, s.maxBytes)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.total+size > s.maxBytes {
		return ErrFull
	}
	if s.cur == nil {
		seg, err := createSegment(s.dir, s.header, s.now())
		if err != nil {
			return err
		}
		s.cur = seg
		s.total += seg.size
	}
	prev := s.cur.size
	n, err := s.cur.append(b.buf)
	s.total += n
	if err != nil {
		// A short write (disk full) must not stay in the middle of the
		// segment, or recovery would stop there and lose later batches.
		if terr := s.cur.f.Truncate(prev); terr == nil {
			s.cur.size, s.total = prev, s.total-n
		} else {
			s.cur.f.Close() // recovery will cut the torn tail of this one
			s.cur = nil
		}
		return err
	}
	if len(b.parts) > 0 {
		if s.cur.parts == nil {
			s.cur.parts = make(map[uint64]struct{})
		}
		for _, h := range b.parts {
			s.cur.parts[h] = struct{}{}
		}
	}
	return nil
}

// Stats returns the spool's sizes and the open segment's age.
func (s *Spool) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{TotalBytes: s.total}
	if s.cur != nil {
		st.OpenBytes, st.OpenCreated, st.OpenPartitions = s.cur.size, s.cur.created, len(s.cur.parts)
	}
	return st
}

// Seal closes the open segment and renames it for flushing. It returns the
// sealed path, or "" when no segment was open.
func (s *Spool) Seal() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == nil {
		return "", nil
	}
	seg := s.cur
	s.cur = nil
	sealed := strings.TrimSuffix(seg.path, ExtOpen) + ExtSealed
	err := os.Rename(seg.path, sealed) // still locked: nobody recovers it meanwhile
	if cerr := seg.f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("spool: seal %s: %w", seg.path, err)
	}
	return sealed, nil
}

// Sealed lists the sealed segments that belong to this spool, oldest first.
// Segments of another output or other prefixes are left out (see Foreign);
// a segment whose header cannot be read is listed, for the flush to report.
func (s *Spool) Sealed() ([]string, error) {
	paths, err := filepath.Glob(filepath.Join(s.dir, "*"+ExtSealed))
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	sort.Strings(paths) // ids start with the creation time
	s.mu.Lock()
	known := s.owned
	s.mu.Unlock()
	owned := make(map[string]bool, len(paths)) // only the present ones: the map does not grow
	mine := paths[:0]
	for _, path := range paths {
		ok, seen := known[path]
		if !seen {
			h, err := readHeader(path)
			if errors.Is(err, os.ErrNotExist) {
				continue // flushed meanwhile
			}
			ok = err != nil || h.belongsTo(s.header)
			if !ok {
				s.noteForeignHeader(path, h)
			}
		}
		owned[path] = ok
		if ok {
			mine = append(mine, path)
		}
	}
	s.mu.Lock()
	s.owned = owned
	s.mu.Unlock()
	return mine, nil
}

// Foreign returns the segments of other outputs found since the last call,
// by Open, Sealed and RecoverOpen: each is returned once, for the caller to
// log.
func (s *Spool) Foreign() []Foreign {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.foreign
	s.foreign = nil
	return f
}

// LogForeign logs, once each, the segments of other outputs found since the
// last call (see Foreign), with what it takes to flush them.
func (s *Spool) LogForeign(log *slog.Logger) {
	for _, f := range s.Foreign() {
		log.Warn("spool: a segment of another tap is in this spool folder: kept, not flushed, not removed; "+
			"a tap with its output and prefixes and this TAP_SPOOL_DIR flushes it",
			"segment", f.Path, "output", f.Output, "prefix", f.Prefix, "errors_prefix", f.ErrorsPrefix, "spool", s.dir)
	}
}

// noteForeign records the foreign segment at path, reading its header.
func (s *Spool) noteForeign(path string) {
	h, _ := readHeader(path)
	s.noteForeignHeader(path, h)
}

func (s *Spool) noteForeignHeader(path string, h Header) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reported[path] {
		return
	}
	s.reported[path] = true
	s.foreign = append(s.foreign, Foreign{Path: path, Output: h.Output, Prefix: h.Prefix, ErrorsPrefix: h.ErrorsPrefix})
}

// readHeader reads the header of the segment at path, without a lock: a
// header is written once, with the segment's first write.
func readHeader(path string) (Header, error) {
	var h Header
	f, err := os.Open(path)
	if err != nil {
		return h, err
	}
	defer f.Close()
	fr := frameReader{r: bufio.NewReaderSize(f, 4<<10)}
	p, err := fr.next()
	if err == nil {
		err = json.Unmarshal(p, &h)
	}
	return h, err
}

// Dir is the spool's directory.
func (s *Spool) Dir() string { return s.dir }

// segment is the open segment file.
type segment struct {
	f       *os.File
	path    string
	size    int64
	created time.Time
	frame   []byte
	parts   map[uint64]struct{} // hashes of the partition values appended
}

// NewID returns a segment id: its creation time, sortable, and a random part
// so that two processes never pick the same one.
func NewID(t time.Time) string {
	var r [4]byte
	rand.Read(r[:])
	return t.UTC().Format("20060102T150405.000000000Z") + "-" + hex.EncodeToString(r[:])
}

func createSegment(dir string, h Header, now time.Time) (*segment, error) {
	h.ID, h.Created = NewID(now), now.UTC()
	path := filepath.Join(dir, h.ID+ExtOpen)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("spool: create segment: %w", err)
	}
	if err := lock(f, 0); err != nil {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	seg := &segment{f: f, path: path, created: h.Created}
	hj, _ := json.Marshal(h)
	if _, err := seg.append(hj); err != nil {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	return seg, nil
}

// append writes payload as one frame with one write call and returns the
// bytes written.
func (seg *segment) append(payload []byte) (int64, error) {
	seg.frame = appendFrame(seg.frame[:0], payload)
	n, err := seg.f.Write(seg.frame)
	seg.size += int64(n)
	if err != nil {
		return int64(n), fmt.Errorf("spool: append to %s: %w", seg.path, err)
	}
	return int64(n), nil
}

// Reader reads the records of a sealed segment in order.
type Reader struct {
	Header  Header
	f       *os.File
	br      *bufio.Reader
	fr      frameReader
	columns []string
	rest    []byte
	first   int64 // offset of the first batch
}

// OpenReader opens a sealed segment and reads its header.
func OpenReader(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	r := &Reader{f: f, br: bufio.NewReaderSize(f, 256<<10)}
	r.fr.r = r.br
	p, err := r.fr.next()
	if err == nil {
		err = json.Unmarshal(p, &r.Header)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("spool: read header of %s: %w", path, err)
	}
	for _, c := range r.Header.Columns {
		r.columns = append(r.columns, c.Name)
	}
	r.first = r.fr.off
	return r, nil
}

// Rewind goes back to the first batch, for another read of the segment.
func (r *Reader) Rewind() error {
	if _, err := r.f.Seek(r.first, io.SeekStart); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	r.br.Reset(r.f)
	r.fr.off, r.rest = r.first, nil
	return nil
}

// Next decodes the next record into rec (its strings are valid until the
// next call) and returns io.EOF after the last one. Schema records are
// skipped: NextSchema reads them.
func (r *Reader) Next(rec *Record) error {
	for {
		for len(r.rest) == 0 {
			p, err := r.fr.next()
			if err != nil {
				if err != io.EOF {
					err = fmt.Errorf("spool: read %s: %w", r.f.Name(), err)
				}
				return err
			}
			r.rest = p
		}
		rest, err := decodeRecord(r.rest, r.columns, rec)
		if err != nil {
			r.rest = nil
			return fmt.Errorf("spool: read %s: %w", r.f.Name(), err)
		}
		r.rest = rest
		if rec.Kind != KindSchema {
			return nil
		}
	}
}

// NextSchema reads the next batch and decodes only its schema record into
// rec (Kind KindSchema; strings valid until the next call), found from the
// end of the frame without decoding the rows. It returns io.EOF after the
// last batch. Only segments of version SchemaVersion or later have them.
func (r *Reader) NextSchema(rec *Record) error {
	r.rest = nil
	p, err := r.fr.next()
	if err != nil {
		if err != io.EOF {
			err = fmt.Errorf("spool: read %s: %w", r.f.Name(), err)
		}
		return err
	}
	if len(p) >= schemaTrailer {
		if n := int(binary.LittleEndian.Uint32(p[len(p)-schemaTrailer:])); n > schemaTrailer && n <= len(p) {
			rest, err := decodeRecord(p[len(p)-n:], r.columns, rec)
			if err == nil && len(rest) == 0 && rec.Kind == KindSchema {
				return nil
			}
		}
	}
	return fmt.Errorf("spool: read %s: %w (a batch without its schema record)", r.f.Name(), errCorrupt)
}

// Close closes the segment file.
func (r *Reader) Close() error { return r.f.Close() }

// DeclaredType returns the declared type of explicit column name, or Null.
func (h Header) DeclaredType(name string) transform.Type {
	for _, c := range h.Columns {
		if c.Name == name {
			t, _ := transform.ParseType(c.Type)
			return t
		}
	}
	return transform.Null
}

func b2s(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
