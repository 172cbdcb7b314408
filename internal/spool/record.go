package spool

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"time"

	"github.com/datatap/datatap/transform"
)

// Header says what the rows of a segment mean, so that a segment can be
// flushed by a process whose transform differs (a restart after a change, or
// the extension), and where they belong.
//
// Version 2 added Output, Prefix and ErrorsPrefix. A reader of either
// version reads both (JSON: unknown fields are ignored, missing ones empty).
// Version 3 says every batch ends with a schema record (KindSchema), which
// lets the flush read a segment once; the rest of the header is version 2's.
// A segment that names no output (version 1, or written by a spool opened
// without one) is flushed by any spool, as before.
type Header struct {
	Version    int       `json:"version"`
	ID         string    `json:"id"`
	Created    time.Time `json:"created"`
	Statement  string    `json:"statement"`
	Columns    []Column  `json:"columns"`    // the statement's explicit columns, in order
	StarAt     int       `json:"star_at"`    // how many explicit columns precede *; -1 without *
	Partitions []string  `json:"partitions"` // PARTITION BY names, in order
	// Time is the event-time expression (TAP_TIME) the rows were spooled
	// with, "" without: then every row holds one more partition value, last,
	// its event time (a TIMESTAMP, or NULL). A tap older than this field
	// would refuse (quarantine) a PARTITION BY segment holding it, or put
	// the rows of a segment without PARTITION BY under the arrival time.
	Time string `json:"time,omitempty"`
	// Where the segment's objects go: the sink as it names itself
	// ("s3://bucket", "dir:/abs/path"), TAP_PREFIX and TAP_ERRORS_PREFIX.
	// A spool hands its flusher only the segments of its own (see Sealed).
	Output       string `json:"output,omitempty"`
	Prefix       string `json:"prefix,omitempty"`
	ErrorsPrefix string `json:"errors_prefix,omitempty"`
}

// HeaderVersion is the version of the headers this package writes.
const HeaderVersion = 3

// SchemaVersion is the first header version whose batches end with a
// schema record.
const SchemaVersion = 3

// belongsTo reports whether a segment with header h may be flushed by a
// spool whose own header is mine: same output and prefixes, or either of
// them names no output.
func (h Header) belongsTo(mine Header) bool {
	if h.Output == "" || mine.Output == "" {
		return true
	}
	return h.Output == mine.Output && h.Prefix == mine.Prefix && h.ErrorsPrefix == mine.ErrorsPrefix
}

// Column is an explicit output column and its declared type ("NULL": infer).
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// HeaderFor describes the rows that prog produces. It names no output: set
// Output, Prefix and ErrorsPrefix (config.Config.SpoolHeader does) for a
// spool that must not flush other taps' segments.
func HeaderFor(prog *transform.Program) Header {
	h := Header{Version: HeaderVersion, Statement: prog.Source(), StarAt: -1}
	for _, c := range prog.Columns() {
		if c.Star {
			h.StarAt = len(h.Columns)
		} else {
			h.Columns = append(h.Columns, Column{Name: c.Name, Type: c.Type.String()})
		}
	}
	for _, c := range prog.Partitions() {
		h.Partitions = append(h.Partitions, c.Name)
	}
	h.Time = prog.Time()
	return h
}

// Record kinds.
const (
	KindRow      = 'R' // a row that passed the transform
	KindRejected = 'E' // a line that could not be used, with the reason
	KindCounts   = 'C' // how many lines the WHERE clause dropped, for metrics
	KindLossy    = 'L' // how many values were stored with a loss, for metrics (Lossy)
	KindSchema   = 'S' // the batch's fields and their widened types; last (version 3)
)

// schemaTrailer is the size of the schema record's last part: its whole
// length, so that a reader finds it from the end of the frame.
const schemaTrailer = 4

// Batch encodes the records of one request, to be appended as one frame.
type Batch struct {
	buf       []byte
	scratch   []byte
	parts     []uint64 // a hash of each row's partition values, with PARTITION BY
	prog      *transform.Program
	nExplicit int
	// Rows and Rejected count what was added since the last Reset.
	Rows, Rejected int

	// The batch's schema: the Widen of each explicit column's values'
	// types, and each field * produced, first seen first, with the Widen
	// of its values' types.
	explTypes []transform.Type
	fields    []schemaField
	last      []int32          // star place k of a row → fields index, as last seen
	starAt    map[string]int32 // star field name → fields index
	names     []byte           // the star fields' names (fields[i].name points here)
}

// schemaField is a field * produced, in a batch's schema.
type schemaField struct {
	name string
	typ  transform.Type
}

// NewBatch returns an empty batch for rows produced by prog.
func NewBatch(prog *transform.Program) *Batch {
	b := &Batch{prog: prog, starAt: map[string]int32{}}
	for _, c := range prog.Columns() {
		if !c.Star {
			b.nExplicit++
		}
	}
	b.explTypes = make([]transform.Type, b.nExplicit)
	return b
}

// Reset empties the batch, keeping its memory.
func (b *Batch) Reset() {
	b.buf, b.parts, b.Rows, b.Rejected = b.buf[:0], b.parts[:0], 0, 0
	b.fields, b.names, b.last = b.fields[:0], b.names[:0], b.last[:0]
	clear(b.explTypes)
	if len(b.starAt) > 1<<12 { // a request of thousands of keys: its map is not kept for the next
		b.starAt = map[string]int32{}
	} else {
		clear(b.starAt)
	}
}

// Len is the encoded size of the batch.
func (b *Batch) Len() int { return len(b.buf) }

// AddRow encodes the current row of a State: its fields in order (explicit
// columns by index, fields that * produced by name) and its partition values.
func (b *Batch) AddRow(row, partition []transform.Field) {
	b.AddRowAt(row, partition, transform.Value{})
}

// AddRowAt is AddRow with the row's event time (State.Time), which is
// spooled after the partition values when the program has an event time
// (transform.Program.WithTime), and ignored otherwise.
func (b *Batch) AddRowAt(row, partition []transform.Field, at transform.Value) {
	timed := b.prog.Time() != ""
	b.buf = append(b.buf, KindRow)
	n := len(partition)
	if timed {
		n++
	}
	b.buf = binary.AppendUvarint(b.buf, uint64(n))
	start := len(b.buf)
	for _, f := range partition {
		b.appendValue(f.Value)
	}
	if len(partition) > 0 || timed { // the spool counts the open segment's partition values
		h := maphash.Bytes(partSeed, b.buf[start:])
		if timed && at.Type == transform.Timestamp {
			// Counted by the hour (the default prefix's finest verb): each
			// hour is another file, not each instant.
			h ^= uint64(floorDiv(at.I, 3600e6)+1) * 0x9E3779B97F4A7C15
		}
		b.parts = append(b.parts, h)
	}
	if timed {
		b.appendValue(at)
	}
	b.buf = binary.AppendUvarint(b.buf, uint64(len(row)))
	nStar := len(row) - b.nExplicit
	i, explicit := 0, 0
	for _, c := range b.prog.Columns() {
		if c.Star {
			for k := 0; k < nStar; k++ {
				b.buf = append(b.buf, 0)
				b.buf = binary.AppendUvarint(b.buf, uint64(len(row[i].Name)))
				b.buf = append(b.buf, row[i].Name...)
				b.appendValue(row[i].Value)
				if t := row[i].Value.Type; k < len(b.last) && b.last[k] >= 0 && b.fields[b.last[k]].name == row[i].Name {
					if f := &b.fields[b.last[k]]; f.typ != t {
						f.typ = transform.Widen(f.typ, t)
					}
				} else {
					b.seeStar(k, row[i].Name, t)
				}
				i++
			}
			continue
		}
		explicit++
		b.buf = binary.AppendUvarint(b.buf, uint64(explicit))
		b.appendValue(row[i].Value)
		if t := row[i].Value.Type; b.explTypes[explicit-1] != t { // every row holds every explicit column
			b.explTypes[explicit-1] = transform.Widen(b.explTypes[explicit-1], t)
		}
		i++
	}
	b.Rows++
}

// seeStar adds the field at star place k of a row to the batch's schema,
// when it is not the field the same place named in the row before (AddRow
// tries that first: rows mostly repeat the fields of the row before, in the
// same order, and comparing names is cheaper than hashing them).
func (b *Batch) seeStar(k int, name string, t transform.Type) {
	j, ok := b.starAt[name]
	if !ok {
		start := len(b.names)
		b.names = append(b.names, name...)
		// The name points into names: appends move it, but never
		// change the bytes an earlier name points to, and Reset
		// forgets every name before names is written over.
		key := b2s(b.names[start:])
		j = int32(len(b.fields))
		b.fields = append(b.fields, schemaField{name: key, typ: t})
		b.starAt[key] = j
	}
	for len(b.last) <= k {
		b.last = append(b.last, -1)
	}
	b.last[k] = j
	if f := &b.fields[j]; f.typ != t {
		f.typ = transform.Widen(f.typ, t)
	}
}

// appendSchema appends the schema record: the batch's rows and rejected
// lines, its fields with their types (the explicit columns, which every row
// holds, when there are rows; then the fields * produced, first seen
// first), and the record's length.
func (b *Batch) appendSchema(dst []byte) []byte {
	start := len(dst)
	dst = append(dst, KindSchema)
	dst = binary.AppendUvarint(dst, uint64(b.Rows))
	dst = binary.AppendUvarint(dst, uint64(b.Rejected))
	explicit := b.explTypes
	if b.Rows == 0 {
		explicit = nil
	}
	dst = binary.AppendUvarint(dst, uint64(len(explicit)+len(b.fields)))
	for i, t := range explicit {
		dst = binary.AppendUvarint(dst, uint64(i+1))
		dst = appendType(dst, t)
	}
	for _, f := range b.fields {
		dst = append(dst, 0)
		dst = binary.AppendUvarint(dst, uint64(len(f.name)))
		dst = append(dst, f.name...)
		dst = appendType(dst, f.typ)
	}
	return binary.LittleEndian.AppendUint32(dst, uint32(len(dst)+schemaTrailer-start))
}

// AddRejected records a line that was not used: at most maxLine bytes of it,
// why, and when.
func (b *Batch) AddRejected(line []byte, reason string, at time.Time, maxLine int) {
	if len(line) > maxLine {
		line = line[:maxLine]
	}
	b.buf = append(b.buf, KindRejected)
	b.buf = binary.AppendVarint(b.buf, at.UnixMicro())
	b.buf = binary.AppendUvarint(b.buf, uint64(len(reason)))
	b.buf = append(b.buf, reason...)
	b.buf = binary.AppendUvarint(b.buf, uint64(len(line)))
	b.buf = append(b.buf, line...)
	b.Rejected++
}

// AddFiltered records that n lines were dropped by the WHERE clause, so that
// the flush can report every line that came in.
func (b *Batch) AddFiltered(n int) {
	b.buf = append(b.buf, KindCounts)
	b.buf = binary.AppendUvarint(b.buf, uint64(n))
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// partSeed seeds the hashes that count partition values (see Stats):
// they are compared only within this process.
var partSeed = maphash.MakeSeed()

// Lossy counts what a request's rows hold with a loss that the rows cannot
// show: numbers rounded to DOUBLE, fields * left out as duplicates, casts
// that gave NULL (the transform.State counters of the same names).
type Lossy struct {
	RoundedNumbers, DuplicateFields, CastFailures int64
}

// AddLossy records l when it is not zero.
func (b *Batch) AddLossy(l Lossy) {
	if l == (Lossy{}) {
		return
	}
	b.buf = append(b.buf, KindLossy)
	b.buf = binary.AppendUvarint(b.buf, uint64(l.RoundedNumbers))
	b.buf = binary.AppendUvarint(b.buf, uint64(l.DuplicateFields))
	b.buf = binary.AppendUvarint(b.buf, uint64(l.CastFailures))
}

// wideType stands for a type whose number does not fit the type byte of a
// spooled value or schema field: a DECIMAL(19..38), whose precision and
// scale bytes follow it. The other types are their number in one byte.
const wideType = 0xFF

// appendType appends the type t of a value or a schema field.
func appendType(dst []byte, t transform.Type) []byte {
	if p, s, ok := t.Decimal(); ok && p > 18 {
		return append(dst, wideType, byte(p), byte(s))
	}
	return append(dst, byte(t))
}

func (b *Batch) appendValue(v transform.Value) {
	b.buf = appendType(b.buf, v.Type)
	if p, _, ok := v.Type.Decimal(); ok { // a column cast to DECIMAL: its unscaled value
		if p <= 18 {
			b.buf = binary.AppendVarint(b.buf, v.I)
			return
		}
		hi, lo := v.Unscaled() // 128 bits: the high word, then the low one
		b.buf = binary.AppendVarint(b.buf, hi)
		b.buf = binary.LittleEndian.AppendUint64(b.buf, lo)
		return
	}
	switch v.Type {
	case transform.Boolean:
		b.buf = append(b.buf, byte(v.I))
	case transform.Int32, transform.Int64, transform.Timestamp, transform.Date, transform.Time,
		transform.TinyInt, transform.SmallInt, transform.UTinyInt, transform.USmallInt, transform.UInteger, transform.UBigInt:
		b.buf = binary.AppendVarint(b.buf, v.I)
	case transform.Double, transform.Float:
		b.buf = binary.LittleEndian.AppendUint64(b.buf, math.Float64bits(v.F))
	case transform.Varchar, transform.UUID:
		b.buf = binary.AppendUvarint(b.buf, uint64(len(v.S)))
		b.buf = append(b.buf, v.S...)
	case transform.JSON:
		b.scratch = v.AppendText(b.scratch[:0])
		b.buf = binary.AppendUvarint(b.buf, uint64(len(b.scratch)))
		b.buf = append(b.buf, b.scratch...)
	}
}

// Field is a decoded output field. Name and string values point into the
// reader's buffer: valid until the next call to Next.
type Field struct {
	Name  string
	Value transform.Value
}

// Record is one decoded record.
type Record struct {
	Kind byte
	// Row: fields in order, and the partition values.
	Fields    []Field
	Partition []transform.Value
	// Counts: lines the WHERE clause dropped.
	Filtered int64
	// Lossy: values stored with a loss.
	Lossy Lossy
	// Rejected: when, why, and the line (capped).
	Time   time.Time
	Reason string
	Line   []byte
	// Schema: the batch's rows and rejected lines, and its fields in
	// first-seen order (Value holds only the widened Type).
	Rows, RejectedLines int64
	// Raw is the record's encoding, for copying it to another segment.
	Raw []byte
}

var errCorrupt = errors.New("spool: corrupt record")

// RawDecoder decodes records copied out of a segment (Record.Raw).
type RawDecoder struct{ columns []string }

// NewRawDecoder decodes records of segments with header h.
func NewRawDecoder(h Header) *RawDecoder {
	d := &RawDecoder{}
	for _, c := range h.Columns {
		d.columns = append(d.columns, c.Name)
	}
	return d
}

// Decode decodes one record; its strings point into raw.
func (d *RawDecoder) Decode(raw []byte, rec *Record) error {
	_, err := decodeRecord(raw, d.columns, rec)
	return err
}

// decodeRecord decodes the record at the start of p and returns the rest.
// columns maps explicit column indexes to names.
func decodeRecord(p []byte, columns []string, rec *Record) ([]byte, error) {
	d := decoder{p: p}
	rec.Kind = d.byte()
	rec.Fields, rec.Partition = rec.Fields[:0], rec.Partition[:0]
	switch rec.Kind {
	case KindRow:
		n := d.uvarint()
		for i := uint64(0); i < n && d.err == nil; i++ {
			rec.Partition = append(rec.Partition, d.value())
		}
		n = d.uvarint()
		if n <= uint64(len(d.p)) && uint64(cap(rec.Fields)) < n { // each field takes a byte at least
			rec.Fields = make([]Field, 0, n)
		}
		for i := uint64(0); i < n && d.err == nil; i++ {
			// Decoded in place: a Field holds pointers, and copying one
			// while the GC marks costs a bulk write barrier.
			rec.Fields = append(rec.Fields, Field{})
			d.field(&rec.Fields[len(rec.Fields)-1], columns)
		}
	case KindSchema:
		start := len(p)
		rec.Rows, rec.RejectedLines = int64(d.uvarint()), int64(d.uvarint())
		n := d.uvarint()
		for i := uint64(0); i < n && d.err == nil; i++ {
			f := Field{Name: d.name(columns)}
			f.Value.Type = d.typ()
			rec.Fields = append(rec.Fields, f)
		}
		if len(d.p) < schemaTrailer || int(binary.LittleEndian.Uint32(d.p)) != start-len(d.p)+schemaTrailer {
			d.fail()
		} else {
			d.p = d.p[schemaTrailer:]
		}
	case KindCounts:
		rec.Filtered = int64(d.uvarint())
	case KindLossy:
		rec.Lossy.RoundedNumbers = int64(d.uvarint())
		rec.Lossy.DuplicateFields = int64(d.uvarint())
		rec.Lossy.CastFailures = int64(d.uvarint())
	case KindRejected:
		rec.Time = time.UnixMicro(d.varint()).UTC()
		rec.Reason = d.str()
		rec.Line = []byte(d.str())
	default:
		d.fail()
	}
	if d.err != nil {
		return nil, fmt.Errorf("%w (kind %q)", errCorrupt, rec.Kind)
	}
	rec.Raw = p[:len(p)-len(d.p)]
	return d.p, nil
}

// field decodes a row's field into f, which must be zero. The common
// forms, where the name's reference and a string's length take a byte each,
// are read here with one bounds check per step; any other form (or a record
// cut short) is read again from the field's start by name and valueInto,
// which also report the errors.
func (d *decoder) field(f *Field, columns []string) {
	p := d.p
	if len(p) >= 3 && p[0] < 0x80 {
		i := 1
		switch ref := int(p[0]); {
		case ref > 0 && ref <= len(columns):
			f.Name = columns[ref-1]
		case ref == 0 && p[1] < 0x80 && 2+int(p[1]) < len(p):
			i = 2 + int(p[1])
			f.Name = b2s(p[2:i])
		default:
			i = 0
		}
		if i > 0 { // i < len(p): a type follows the name
			t := transform.Type(p[i])
			i++
			switch t {
			case transform.Null:
				f.Value.Type = t
				d.p = p[i:]
				return
			case transform.Varchar, transform.JSON, transform.UUID:
				if i < len(p) && p[i] < 0x80 && i+1+int(p[i]) <= len(p) {
					n := int(p[i])
					f.Value.Type, f.Value.S = t, b2s(p[i+1:i+1+n])
					d.p = p[i+1+n:]
					return
				}
			case transform.Int32, transform.Int64, transform.Timestamp, transform.Date, transform.Time:
				if v, n := binary.Varint(p[i:]); n > 0 {
					f.Value.Type, f.Value.I = t, v
					d.p = p[i+n:]
					return
				}
			case transform.Double:
				if len(p)-i >= 8 {
					f.Value.Type, f.Value.F = t, math.Float64frombits(binary.LittleEndian.Uint64(p[i:]))
					d.p = p[i+8:]
					return
				}
			}
		}
	}
	f.Name = d.name(columns)
	d.valueInto(&f.Value)
}

// decoder reads the encoding Batch writes; the first error sticks and every
// later read returns zero values.
type decoder struct {
	p   []byte
	err error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errCorrupt
	}
	d.p = nil
}

func (d *decoder) byte() byte {
	if len(d.p) < 1 {
		d.fail()
		return 0
	}
	c := d.p[0]
	d.p = d.p[1:]
	return c
}

// typ reads a type written by appendType.
func (d *decoder) typ() transform.Type {
	c := d.byte()
	t := transform.Type(c)
	if c == wideType {
		p, s := d.byte(), d.byte()
		t, _ = transform.DecimalOf(int(p), int(s))
		if p <= 18 {
			t = transform.Null
		}
	}
	if p, _, ok := t.Decimal(); (ok && p > 18) != (c == wideType) {
		d.fail()
		return transform.Null
	}
	return t
}

func (d *decoder) uvarint() uint64 {
	if len(d.p) > 0 && d.p[0] < 0x80 { // lengths, counts and indexes: mostly one byte
		v := d.p[0]
		d.p = d.p[1:]
		return uint64(v)
	}
	v, n := binary.Uvarint(d.p)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.p = d.p[n:]
	return v
}

func (d *decoder) varint() int64 {
	if len(d.p) > 0 && d.p[0] < 0x80 {
		u := int64(d.p[0])
		d.p = d.p[1:]
		return u>>1 ^ -(u & 1) // zigzag, as binary.Varint
	}
	v, n := binary.Varint(d.p)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.p = d.p[n:]
	return v
}

// name reads a field's name: 0 and the name (a field * made), or the
// 1-based index of an explicit column in columns.
func (d *decoder) name(columns []string) string {
	switch ref := d.uvarint(); {
	case ref == 0:
		return d.str()
	case ref <= uint64(len(columns)):
		return columns[ref-1]
	}
	d.fail()
	return ""
}

func (d *decoder) str() string {
	n := d.uvarint()
	if n > uint64(len(d.p)) {
		d.fail()
		return ""
	}
	s := b2s(d.p[:n])
	d.p = d.p[n:]
	return s
}

func (d *decoder) value() transform.Value {
	var v transform.Value
	d.valueInto(&v)
	return v
}

// valueInto decodes a value into v, which must be zero.
func (d *decoder) valueInto(v *transform.Value) {
	v.Type = d.typ()
	switch v.Type {
	case transform.Null:
	case transform.Boolean:
		v.I = int64(d.byte() & 1)
	case transform.Int32, transform.Int64, transform.Timestamp, transform.Date, transform.Time,
		transform.TinyInt, transform.SmallInt, transform.UTinyInt, transform.USmallInt, transform.UInteger, transform.UBigInt:
		v.I = d.varint()
	case transform.Double, transform.Float:
		if len(d.p) < 8 {
			d.fail()
			break
		}
		v.F = math.Float64frombits(binary.LittleEndian.Uint64(d.p))
		d.p = d.p[8:]
	case transform.Varchar, transform.JSON, transform.UUID:
		v.S = d.str()
	default:
		if p, _, ok := v.Type.Decimal(); ok {
			if p <= 18 {
				v.I = d.varint()
				break
			}
			hi := d.varint()
			if len(d.p) < 8 {
				d.fail()
				break
			}
			*v = transform.DecimalValue(v.Type, hi, binary.LittleEndian.Uint64(d.p))
			d.p = d.p[8:]
			break
		}
		d.fail()
	}
}
