package parquetfile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
	"github.com/valyala/fastjson"

	"github.com/datatap/datatap/transform"
)

// Defaults for Options.
const (
	// DefaultRowGroupRows is DuckDB's row group size: large enough for good
	// compression and useful column statistics.
	DefaultRowGroupRows = 122880

	// DefaultRowGroupBytes bounds what a row group holds in memory before it
	// is written out: compressed pages, the pages being filled and the
	// dictionaries. Typical log rows reach DefaultRowGroupRows first (their
	// row groups peak at 4.6 MiB); wide or long rows reach this. The count
	// includes a dictionary's bytes once, but parquet-go holds them about
	// three times over (values, copies keyed in a hash table), so the heap
	// can reach three or four times this: 20 string columns of URL-like
	// values peak at 31 MiB live with 8 MiB, 64 MiB with 16 MiB.
	DefaultRowGroupBytes = 8 << 20
)

const (
	// pageBufferSize is the uncompressed size at which a column's page is
	// encoded and compressed. Larger pages compress a little better (1 MiB:
	// 0.7% smaller on log data) but each column holds one in memory, and
	// parquet-go checks dictionary sizes only between pages.
	pageBufferSize = 256 << 10

	// pageBufferBudget bounds the page buffers of all columns together:
	// up to 64 columns each gets pageBufferSize; wider files get smaller
	// pages (16 KiB at 1,000 columns, never under minPageBufferSize), so
	// that the pages being filled do not grow with the number of columns.
	pageBufferBudget  = 16 << 20
	minPageBufferSize = 8 << 10

	// chunkBudget does the same for the buffers in which each column keeps
	// its compressed pages until the row group is written: parquet-go
	// grows them by chunks of 32 KiB, so a file of 1,000 columns would hold
	// 32 MiB of mostly empty chunks; wider than 128 columns, chunks get
	// smaller (4 KiB at 1,000 columns, never under minChunkSize).
	chunkBudget     = 4 << 20
	defaultChunk    = 32 << 10
	minChunkSize    = 2 << 10
	wideColumnCount = chunkBudget / defaultChunk

	// dictionaryMaxBytes is the size past which a column's dictionary stops
	// growing and the rest of the row group is PLAIN: a safety net for data
	// that changes after the probe (see encoding.go). 1 MiB is the order of
	// DuckDB's and parquet-mr's limits; URL-like columns, with many repeats
	// and a long tail, are 10% smaller with it than with 256 KiB.
	dictionaryMaxBytes = 1 << 20

	// batchRows is how many rows are gathered before they are handed to the
	// column writers, to spread parquet-go's per-call cost (16 rows: 25%
	// slower; 1,024: 3% faster).
	batchRows = 256

	// batchBytes ends a batch early when the text it holds reaches this
	// size, so that long values cannot make it hold megabytes.
	batchBytes = 1 << 20

	// probeValues and batchValues bound the values (24 bytes each) the
	// probe and a batch hold across all columns, so that their buffers do
	// not grow with the number of columns: up to 32 columns they hold
	// probeRows rows, up to 64 batchRows; a file of 1,000 columns probes
	// 131 rows and batches 16 (probeRows rows of 10,000 columns would be
	// 940 MiB).
	probeValues = 128 << 10
	batchValues = 16 << 10

	// minBatchRows is the fewest rows a probe or batch holds, however many
	// columns there are.
	minBatchRows = 16
)

// rowsFor returns how many rows of ncols columns a buffer of at most values
// values holds: between minBatchRows and limit.
func rowsFor(values, ncols, limit int) int {
	return min(limit, max(minBatchRows, values/max(ncols, 1)))
}

// Column is one output column: its name and its final type (never
// transform.Null: the caller resolves inferred types before writing).
type Column struct {
	Name string
	Type transform.Type
}

// Options tunes a Writer. The zero value means the defaults.
type Options struct {
	// RowGroupRows is the most rows a row group holds (default
	// DefaultRowGroupRows).
	RowGroupRows int
	// RowGroupBytes ends a row group early when the data it buffers
	// reaches this many bytes (default DefaultRowGroupBytes), so that wide
	// or long rows do not make memory grow with RowGroupRows.
	RowGroupBytes int64
	// CreatedBy is recorded in the file footer, e.g. "datatap 1.2.3".
	CreatedBy string
}

// Writer writes rows to one Parquet file. Every column is OPTIONAL and ZSTD
// compressed. Memory stays bounded whatever the number of rows: row groups
// are written out when they reach Options.RowGroupRows rows or
// Options.RowGroupBytes bytes.
//
// A Writer is not safe for concurrent use. After an error from the
// underlying io.Writer every later call fails with the same error.
type Writer struct {
	out    io.Writer
	cols   []Column
	config *parquet.WriterConfig

	// leaves are the file's leaf columns: one per flat column, one per
	// scalar inside a nested one (nested.go); shapes[i] is column i's
	// shape, nil for a flat column.
	leaves    []leafColumn
	shapes    []*shape
	flats     []*flatShape // per column, its flat form (flat.go) or nil
	hasNested bool
	parser    fastjson.Parser // nested values given as text
	cast      transform.State // nested leaves
	marks     []int           // each nested leaf's batch length when the row began
	// nestedLeaves are the leaves of nested columns, which take any number
	// of values per row.
	nestedLeaves []int
	// nestedValues counts the values nested columns added to the batch.
	nestedValues int

	// pw is nil until the first probeRows rows have been seen and the
	// encodings chosen.
	pw      *parquet.GenericWriter[any]
	columns []*parquet.ColumnWriter

	maxRows  int
	maxBytes int64

	// batch holds the values of up to batchCap rows per leaf (a flat
	// column's leaf one value per row, a nested one's any number); the
	// bytes of strings live in arena until the batch is handed to
	// parquet-go, which copies them.
	batch    [][]parquet.Value
	batchCap int
	arena    []byte
	nbatch   int

	groupRows int   // rows handed to the column writers for the current row group
	groupBase int64 // pw.Size() when the current row group started
	rows      int64 // rows accepted by Write
	err       error // sticky error
	closed    bool
}

// NewWriter returns a Writer of a file with the given columns, in that order,
// to w. It fails if there are no columns, a name is empty or repeated, or a
// type is transform.Null or unknown.
func NewWriter(w io.Writer, cols []Column, opt Options) (*Writer, error) {
	if err := checkColumns(cols); err != nil {
		return nil, fmt.Errorf("parquetfile: %w", err)
	}
	var leaves []leafColumn
	shapes := make([]*shape, len(cols))
	hasNested := false
	for i, c := range cols {
		if !c.Type.IsNested() {
			leaves = append(leaves, leafColumn{Column: c, path: []string{c.Name}})
			continue
		}
		s, err := compileShape(c.Type, []string{c.Name}, 0, &leaves)
		if err != nil {
			return nil, fmt.Errorf("parquetfile: column %q: %w", c.Name, err)
		}
		shapes[i], hasNested = s, true
	}
	var flats []*flatShape
	for i, s := range shapes {
		if f := compileFlat(s); f != nil {
			if flats == nil {
				flats = make([]*flatShape, len(cols))
			}
			flats[i] = f
		}
	}
	switch {
	case opt.RowGroupRows < 0:
		return nil, fmt.Errorf("parquetfile: RowGroupRows %d is negative", opt.RowGroupRows)
	case opt.RowGroupRows == 0:
		opt.RowGroupRows = DefaultRowGroupRows
	}
	switch {
	case opt.RowGroupBytes < 0:
		return nil, fmt.Errorf("parquetfile: RowGroupBytes %d is negative", opt.RowGroupBytes)
	case opt.RowGroupBytes == 0:
		opt.RowGroupBytes = DefaultRowGroupBytes
	}

	config := parquet.DefaultWriterConfig()
	config.CreatedBy = opt.CreatedBy
	if config.CreatedBy == "" {
		config.CreatedBy = "datatap"
	}
	config.Compression = zstdPages
	config.PageBufferSize = min(pageBufferSize, max(minPageBufferSize, pageBufferBudget/len(leaves)))
	config.DictionaryMaxBytes = dictionaryMaxBytes
	if len(leaves) > wideColumnCount {
		config.ColumnPageBuffers = parquet.NewChunkBufferPool(max(minChunkSize, chunkBudget/len(leaves)))
	}
	// Data page v1: what DuckDB and parquet-mr write by default, and what
	// every reader understands.
	config.DataPageVersion = 1
	// Min/max in every page header repeat what the page index holds, and
	// computing them costs as much again.
	for _, l := range leaves {
		config.SkipPageStatistics = append(config.SkipPageStatistics, l.path)
		if p, _, ok := l.Type.Decimal(); ok && p > 18 {
			// parquet-go orders FIXED_LEN_BYTE_ARRAY bounds as unsigned
			// bytes, whatever the DECIMAL: -1 would be the maximum, and a
			// reader trusting the bounds would skip pages wrongly.
			config.SkipPageBounds = append(config.SkipPageBounds, l.path)
		}
	}
	if err := config.Validate(); err != nil {
		return nil, fmt.Errorf("parquetfile: %w", err)
	}

	wr := &Writer{
		out:      w,
		cols:     cols,
		config:   config,
		maxRows:  opt.RowGroupRows,
		maxBytes: opt.RowGroupBytes,
		leaves:   leaves,
		shapes:   shapes,
		flats:    flats,

		hasNested: hasNested,
		batch:     make([][]parquet.Value, len(leaves)),
	}
	if hasNested {
		wr.marks = make([]int, len(leaves))
		for _, s := range shapes {
			if s != nil {
				for l := s.lo; l < s.hi; l++ {
					wr.nestedLeaves = append(wr.nestedLeaves, l)
				}
			}
		}
	}
	wr.batchCap = min(rowsFor(probeValues, len(leaves), probeRows), opt.RowGroupRows)
	for i := range wr.batch {
		wr.batch[i] = make([]parquet.Value, 0, wr.batchCap)
	}
	return wr, nil
}

// RowError is the error Write returns for a row it refuses because of the
// row's content (a value of the wrong type or out of range, JSON text that
// is not JSON): nothing of that row is written and the Writer stays usable,
// so the caller can set the row aside and go on. Every other error from
// Write or Close is sticky.
type RowError struct {
	Row int64 // rows accepted before this one
	Err error
}

func (e *RowError) Error() string {
	return fmt.Sprintf("parquetfile: write row %d: %v", e.Row, e.Err)
}

func (e *RowError) Unwrap() error { return e.Err }

// Write appends one row. row holds one value per column, in column order;
// each is NULL or of its column's type (the caller casts). Strings are
// copied, so row may be reused as soon as Write returns. A value of another
// type is a *RowError naming the column, and nothing of the row is written.
//
// Text is written as valid UTF-8: invalid bytes in VARCHAR and JSON values
// become U+FFFD, because readers such as DuckDB reject the whole file
// otherwise. For the same reason JSON given as text (in S) must be valid
// JSON, or the row is refused; JSON given parsed (in J) is valid by
// construction.
func (w *Writer) Write(row []transform.Value) error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return errors.New("parquetfile: write after Close")
	}
	if len(row) != len(w.cols) {
		return fmt.Errorf("parquetfile: write row %d: %d values for %d columns", w.rows, len(row), len(w.cols))
	}
	n := w.nbatch
	mark := len(w.arena)
	for _, l := range w.nestedLeaves {
		w.marks[l] = len(w.batch[l])
	}
	l := 0 // column i's first leaf
	for i := range row {
		var err error
		if s := w.shapes[i]; s != nil {
			err = w.setNested(i, s, &row[i])
			l = s.hi
		} else {
			b := w.batch[l][:n+1]
			w.batch[l] = b
			if v := &row[i]; v.Type == transform.Varchar && w.cols[i].Type == transform.Varchar {
				// The commonest value, stored as set would without its calls.
				b[n] = w.bytes(v.S)
				b[n].SetDefinitionLevel(1)
				b[n].SetColumnIndex(l)
			} else {
				err = w.set(&b[n], i, l, v)
			}
			l++
		}
		if err != nil {
			w.arena = w.arena[:mark]
			l := 0
			for _, s := range w.shapes {
				if s == nil {
					w.batch[l] = w.batch[l][:n]
					l++
					continue
				}
				for ; l < s.hi; l++ {
					w.batch[l] = w.batch[l][:w.marks[l]]
				}
			}
			return &RowError{Row: w.rows, Err: err}
		}
	}
	w.nbatch++
	w.rows++
	if w.nbatch == w.batchCap || w.groupRows+w.nbatch >= w.maxRows || len(w.arena) >= w.arenaLimit() || w.nestedValues >= w.nestedLimit() {
		return w.flushBatch()
	}
	return nil
}

// nestedLimit bounds the values nested columns add to a batch: like the
// rows of flat columns, a probe holds at most probeValues, a batch
// batchValues.
func (w *Writer) nestedLimit() int {
	if w.pw == nil {
		return probeValues
	}
	return batchValues
}

func (w *Writer) arenaLimit() int {
	if w.pw == nil {
		return probeBytes
	}
	return batchBytes
}

// set stores v, the value of the flat column i (leaf l), in dst as a
// parquet value. Byte arrays point into w.arena.
func (w *Writer) set(dst *parquet.Value, i, l int, v *transform.Value) error {
	col := &w.cols[i]
	if v.Type != col.Type {
		if v.Type == transform.Null {
			*dst = parquet.Value{} // definition level 0: NULL
			dst.SetColumnIndex(l)
			return nil
		}
		return fmt.Errorf("column %q: %s value in a %s column", col.Name, v.Type, col.Type)
	}
	if err := w.setLeaf(dst, col, v); err != nil {
		return err
	}
	dst.SetDefinitionLevel(1)
	dst.SetColumnIndex(l)
	return nil
}

// setLeaf stores v, a non-NULL value of col's type, in dst, without levels.
func (w *Writer) setLeaf(dst *parquet.Value, col *Column, v *transform.Value) error {
	if p, _, ok := col.Type.Decimal(); ok {
		switch {
		case p <= 9:
			*dst = parquet.Int32Value(int32(v.I)) // the unscaled value: the cast checked its digits
		case p <= 18:
			*dst = parquet.Int64Value(v.I)
		default:
			hi, lo := v.Unscaled()
			start := len(w.arena)
			w.arena = binary.BigEndian.AppendUint64(w.arena, uint64(hi))
			w.arena = binary.BigEndian.AppendUint64(w.arena, lo)
			*dst = parquet.FixedLenByteArrayValue(w.arena[start:])
		}
		return nil
	}
	switch col.Type {
	case transform.Boolean:
		*dst = parquet.BooleanValue(v.I != 0)
	case transform.Int32, transform.Date:
		if v.I < math.MinInt32 || v.I > math.MaxInt32 {
			return fmt.Errorf("column %q: %s value %d out of range", col.Name, col.Type, v.I)
		}
		*dst = parquet.Int32Value(int32(v.I))
	case transform.TinyInt, transform.SmallInt:
		*dst = parquet.Int32Value(int32(v.I)) // in range: the cast to the type checked it
	case transform.UTinyInt, transform.USmallInt, transform.UInteger:
		*dst = parquet.Int32Value(int32(uint32(v.I))) // Parquet keeps UINT(32) in INT32's bits
	case transform.Int64, transform.Timestamp, transform.Time, transform.UBigInt:
		*dst = parquet.Int64Value(v.I) // a UBIGINT's bits
	case transform.Float:
		*dst = parquet.FloatValue(float32(v.F))
	case transform.Double:
		*dst = parquet.DoubleValue(v.F)
	case transform.Varchar:
		*dst = w.bytes(v.S)
	case transform.UUID:
		// 16 bytes from the canonical text (8-4-4-4-12 hex digits).
		start := len(w.arena)
		for i := 0; i+1 < len(v.S); i++ {
			if v.S[i] == '-' {
				continue
			}
			hi, lo := unhex(v.S[i]), unhex(v.S[i+1])
			if hi < 0 || lo < 0 {
				break
			}
			w.arena = append(w.arena, byte(hi<<4|lo))
			i++
		}
		if len(w.arena)-start != 16 {
			w.arena = w.arena[:start]
			return fmt.Errorf("column %q: %q is not a UUID", col.Name, v.S)
		}
		*dst = parquet.FixedLenByteArrayValue(w.arena[start:])
	case transform.JSON:
		if v.J != nil {
			start := len(w.arena)
			w.arena = v.AppendText(w.arena)
			*dst = parquet.ByteArrayValue(w.validUTF8(start))
			break
		}
		// Text from elsewhere than a parsed value is checked: DuckDB
		// refuses a whole file over one invalid JSON value.
		if err := fastjson.Validate(v.S); err != nil {
			return fmt.Errorf("column %q: invalid JSON text: %w", col.Name, err)
		}
		*dst = w.bytes(v.S)
	}
	return nil
}

// bytes copies s to the arena as valid UTF-8 and returns it as a byte array
// value.
func (w *Writer) bytes(s string) parquet.Value {
	start := len(w.arena)
	w.arena = append(w.arena, s...)
	return parquet.ByteArrayValue(w.validUTF8(start))
}

// validUTF8 returns w.arena[start:], first replacing each invalid UTF-8
// sequence in it by U+FFFD (rare: the check is the common path).
func (w *Writer) validUTF8(start int) []byte {
	b := w.arena[start:]
	if isASCII(b) || utf8.Valid(b) {
		return b
	}
	fixed := make([]byte, 0, len(b)+8)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			fixed = utf8.AppendRune(fixed, utf8.RuneError)
		} else {
			fixed = append(fixed, b[:n]...)
		}
		b = b[n:]
	}
	w.arena = append(w.arena[:start], fixed...)
	return w.arena[start:]
}

// isASCII reports whether b is all ASCII, a word at a time: log text
// mostly is, and its values are short, which utf8.Valid checks byte by byte
// past the last whole word. The last word (or half word) of b is read
// overlapping the ones before it.
func isASCII(b []byte) bool {
	const hi = 0x8080808080808080
	n := len(b)
	switch {
	case n >= 8:
		acc := binary.LittleEndian.Uint64(b[n-8:])
		for ; len(b) >= 16; b = b[16:] {
			acc |= binary.LittleEndian.Uint64(b) | binary.LittleEndian.Uint64(b[8:])
		}
		if len(b) >= 8 {
			acc |= binary.LittleEndian.Uint64(b)
		}
		return acc&hi == 0
	case n >= 4:
		return (binary.LittleEndian.Uint32(b)|binary.LittleEndian.Uint32(b[n-4:]))&(hi&0xffffffff) == 0
	}
	var acc byte
	for _, c := range b {
		acc |= c
	}
	return acc < utf8.RuneSelf
}

// start chooses the encodings from the rows held so far and opens the
// parquet writer. complete reports whether those rows are the whole file.
func (w *Writer) start(complete bool) {
	leafCols := make([]Column, len(w.leaves))
	for l := range w.leaves {
		leafCols[l] = w.leaves[l].Column
	}
	encs := chooseEncodings(leafCols, w.batch, w.maxRows, complete)
	w.config.Schema = newSchema(w.cols, w.shapes, encs)
	w.pw = parquet.NewGenericWriter[any](w.out, w.config)
	w.columns = w.pw.ColumnWriters()
	w.groupBase = w.pw.Size()
}

// flushBatch hands the batched rows to the column writers (which copy them)
// and ends the row group if it is full.
func (w *Writer) flushBatch() error {
	probing := w.pw == nil
	if probing {
		w.start(w.closed)
	}
	if w.nbatch > 0 {
		for l, c := range w.columns {
			if _, err := c.WriteRowValues(w.batch[l]); err != nil {
				return w.fail(fmt.Errorf("parquetfile: write row %d: column %q: %w", w.rows-1, w.leaves[l].Name, err))
			}
			w.batch[l] = w.batch[l][:0]
		}
		w.groupRows += w.nbatch
		w.nbatch = 0
		w.nestedValues = 0
	}
	if probing {
		// The probe's buffers were sized for it: shrink them to a batch.
		w.batchCap = rowsFor(batchValues, len(w.leaves), batchRows)
		for i := range w.batch {
			w.batch[i] = make([]parquet.Value, 0, w.batchCap)
		}
		w.arena = nil
	}
	w.arena = w.arena[:0]
	if w.groupRows >= w.maxRows || w.pw.Size()-w.groupBase >= w.maxBytes {
		return w.flushRowGroup()
	}
	return nil
}

// flushRowGroup writes the current row group out.
func (w *Writer) flushRowGroup() error {
	if err := w.pw.Flush(); err != nil {
		return w.fail(fmt.Errorf("parquetfile: write row group ending at row %d: %w", w.rows-1, err))
	}
	w.groupRows = 0
	w.groupBase = w.pw.Size()
	return nil
}

func (w *Writer) fail(err error) error {
	w.err = err
	return err
}

// Close writes the rows still buffered and the file footer. It does not close
// the io.Writer. Calling Close again returns the first call's result.
func (w *Writer) Close() error {
	if w.closed || w.err != nil {
		return w.err
	}
	w.closed = true
	if err := w.flushBatch(); err != nil {
		return err
	}
	if err := w.pw.Close(); err != nil {
		return w.fail(fmt.Errorf("parquetfile: close: %w", err))
	}
	return nil
}

// Rows returns the number of rows written so far.
func (w *Writer) Rows() int64 { return w.rows }

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
