package parquetfile

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/datatap/datatap/transform"
)

// File is a Parquet file opened to read its rows back (datatap cat). It
// reads what the Writer writes, and the flat files of other writers: every
// physical type, with the logical types STRING, JSON, ENUM, UUID, INT
// (signed and unsigned), DECIMAL, DATE, TIME and TIMESTAMP, and the STRUCT
// (OPTIONAL group) and LIST (three-level) columns the Writer writes, as
// their JSON. Other nested forms (repeated fields, MAP) are refused with an
// error naming the column.
type File struct {
	f      *parquet.File
	cols   []ReadColumn
	shapes []*readShape // per column: nil when flat
	leafOf []int        // per leaf column: its column
}

// ReadColumn is one column of a File, and how its values print.
type ReadColumn struct {
	// Name is the column's name.
	Name string
	// Type is the column's type as DuckDB names it (DESCRIBE), e.g.
	// BIGINT, VARCHAR or TIMESTAMP WITH TIME ZONE.
	Type string

	kind  readKind
	unit  time.Duration // TIME and TIMESTAMP
	scale int           // DECIMAL
}

type readKind int

const (
	readBool readKind = iota
	readInt
	readUint
	readFloat
	readString
	readJSON
	readBytes
	readDecimal
	readDate
	readTime
	readTimestamp
	readUUID
)

// Open reads the footer of the size-byte Parquet file in r.
func Open(r io.ReaderAt, size int64) (*File, error) {
	f, err := parquet.OpenFile(r, size)
	if err != nil {
		// parquet-go's own words ("readat …: negative offset") say little
		// about a file that is cut short or not Parquet at all.
		return nil, fmt.Errorf("not a Parquet file, or cut short (%d bytes): %w", size, err)
	}
	fields := f.Schema().Fields()
	cols := make([]ReadColumn, len(fields))
	shapes := make([]*readShape, len(fields))
	var leafOf []int
	for i, fd := range fields {
		if fd.Repeated() {
			return nil, fmt.Errorf("column %q: repeated columns cannot be read back yet", fd.Name())
		}
		if !fd.Leaf() {
			// A STRUCT or LIST: read back as its JSON (nested.go).
			leaf := len(leafOf)
			s, err := readShapeOf(fd, &leaf, 0)
			if err != nil {
				return nil, fmt.Errorf("column %q: %w", fd.Name(), err)
			}
			shapes[i] = s
			cols[i] = ReadColumn{Name: fd.Name(), Type: s.typeName(), kind: readJSON}
			for range s.hi - s.lo {
				leafOf = append(leafOf, i)
			}
			continue
		}
		c, err := readColumn(fd)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", fd.Name(), err)
		}
		cols[i] = c
		leafOf = append(leafOf, i)
	}
	return &File{f: f, cols: cols, shapes: shapes, leafOf: leafOf}, nil
}

// Columns returns the file's columns, in file order.
func (f *File) Columns() []ReadColumn { return f.cols }

// NumRows returns the number of rows in the file.
func (f *File) NumRows() int64 { return f.f.NumRows() }

// Rows calls fn with each row in turn, one value per column (a null Value for
// NULL), until fn returns an error, which Rows returns; io.EOF from fn stops
// the reading without an error. The row and the bytes it points to are valid
// only during the call.
func (f *File) Rows(fn func(row []parquet.Value) error) error {
	cells := make([]parquet.Value, len(f.cols))
	buf := make([]parquet.Row, 64)
	a := &assembler{vals: make([][]parquet.Value, len(f.leafOf)), pos: make([]int, len(f.leafOf))}
	var text []byte
	for _, rg := range f.f.RowGroups() {
		rows := rg.Rows()
		for {
			n, err := rows.ReadRows(buf)
			for _, r := range buf[:n] {
				clear(cells)
				for l := range a.vals {
					a.vals[l], a.pos[l] = a.vals[l][:0], 0
				}
				for _, v := range r {
					l := v.Column()
					if l < 0 || l >= len(f.leafOf) {
						continue
					}
					if c := f.leafOf[l]; f.shapes[c] == nil {
						cells[c] = v
					} else {
						a.vals[l] = append(a.vals[l], v)
					}
				}
				text = text[:0]
				for c, s := range f.shapes {
					if s == nil {
						continue
					}
					start := len(text)
					text = a.appendJSON(text, s, 0)
					if string(text[start:]) != "null" {
						cells[c] = parquet.ByteArrayValue(text[start:])
					}
				}
				if ferr := fn(cells); ferr != nil {
					rows.Close()
					if errors.Is(ferr, io.EOF) {
						return nil
					}
					return ferr
				}
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	return nil
}

func readColumn(fd parquet.Field) (ReadColumn, error) {
	c := ReadColumn{Name: fd.Name()}
	t := fd.Type()
	lt := t.LogicalType()
	if lt != nil {
		switch v := lt.Value.(type) {
		case *format.StringType, *format.EnumType:
			c.kind, c.Type = readString, "VARCHAR"
			return c, nil
		case *format.JsonType:
			c.kind, c.Type = readJSON, "JSON"
			return c, nil
		case *format.UUIDType:
			c.kind, c.Type = readUUID, "UUID"
			return c, nil
		case *format.DateType:
			c.kind, c.Type = readDate, "DATE"
			return c, nil
		case *format.IntType:
			c.kind, c.Type = readInt, intName(int(v.BitWidth), v.IsSigned)
			if !v.IsSigned {
				c.kind = readUint
			}
			return c, nil
		case *format.DecimalType:
			c.kind, c.scale, c.Type = readDecimal, int(v.Scale), fmt.Sprintf("DECIMAL(%d,%d)", v.Precision, v.Scale)
			return c, nil
		case *format.TimestampType:
			c.kind, c.unit, c.Type = readTimestamp, v.Unit.Value.Duration(), "TIMESTAMP"
			if v.IsAdjustedToUTC {
				c.Type = "TIMESTAMP WITH TIME ZONE"
			}
			return c, nil
		case *format.TimeType:
			c.kind, c.unit, c.Type = readTime, v.Unit.Value.Duration(), "TIME"
			return c, nil
		}
	}
	switch t.Kind() {
	case parquet.Boolean:
		c.kind, c.Type = readBool, "BOOLEAN"
	case parquet.Int32:
		c.kind, c.Type = readInt, "INTEGER"
	case parquet.Int64:
		c.kind, c.Type = readInt, "BIGINT"
	case parquet.Float:
		c.kind, c.Type = readFloat, "FLOAT"
	case parquet.Double:
		c.kind, c.Type = readFloat, "DOUBLE"
	case parquet.ByteArray, parquet.FixedLenByteArray:
		c.kind, c.Type = readBytes, "BLOB"
	case parquet.Int96:
		return c, errors.New("INT96 timestamps cannot be read back")
	default:
		return c, fmt.Errorf("unsupported type %s", t)
	}
	return c, nil
}

// TypeName is the name DuckDB (and datatap cat -schema) gives the column
// the tap writes for type t, as read back from a file.
func TypeName(t transform.Type) string {
	if elem, ok := t.Elem(); ok {
		return TypeName(elem) + "[]"
	}
	if fs := t.Fields(); fs != nil {
		var sb strings.Builder
		sb.WriteString("STRUCT(")
		for i, f := range fs {
			if i > 0 {
				sb.WriteString(", ")
			}
			if transform.PlainName(f.Name) {
				sb.WriteString(f.Name)
			} else {
				sb.WriteString(strconv.Quote(f.Name))
			}
			sb.WriteString(" ")
			sb.WriteString(TypeName(f.Type))
		}
		sb.WriteString(")")
		return sb.String()
	}
	leaf, err := leafFor(t)
	if err != nil {
		return t.String()
	}
	c, err := readColumn(field{Node: parquet.Optional(leaf)})
	if err != nil {
		return t.String()
	}
	return c.Type
}

func intName(bits int, signed bool) string {
	name := map[int]string{8: "TINYINT", 16: "SMALLINT", 32: "INTEGER", 64: "BIGINT"}[bits]
	if !signed {
		name = "U" + name
	}
	return name
}

// AppendJSON appends v as a JSON value: numbers as numbers (DECIMAL exactly,
// NaN and infinities as the strings DuckDB prints), JSON columns as the
// value they hold, times as RFC 3339 text (what the tap reads back as
// TIMESTAMP), BLOB as base64, NULL as null.
func (c ReadColumn) AppendJSON(dst []byte, v parquet.Value) []byte {
	if v.IsNull() {
		return append(dst, "null"...)
	}
	switch c.kind {
	case readBool, readInt, readUint, readDecimal:
		return c.appendText(dst, v)
	case readFloat:
		f := c.float(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return transform.AppendJSONString(dst, c.formatFloat(f))
		}
		return c.appendText(dst, v)
	case readJSON:
		if b := v.ByteArray(); json.Valid(b) {
			return append(dst, b...)
		}
	}
	return transform.AppendJSONString(dst, string(c.appendText(nil, v)))
}

// AppendText appends v as a table cell shows it: as AppendJSON but strings
// without quotes, and NULL as NULL.
func (c ReadColumn) AppendText(dst []byte, v parquet.Value) []byte {
	if v.IsNull() {
		return append(dst, "NULL"...)
	}
	return c.appendText(dst, v)
}

func (c ReadColumn) appendText(dst []byte, v parquet.Value) []byte {
	switch c.kind {
	case readBool:
		return strconv.AppendBool(dst, v.Boolean())
	case readInt:
		return strconv.AppendInt(dst, c.int(v), 10)
	case readUint:
		if v.Kind() == parquet.Int32 {
			return strconv.AppendUint(dst, uint64(uint32(v.Int32())), 10)
		}
		return strconv.AppendUint(dst, uint64(v.Int64()), 10)
	case readFloat:
		return append(dst, c.formatFloat(c.float(v))...)
	case readString, readJSON:
		return append(dst, v.ByteArray()...)
	case readBytes:
		return base64.StdEncoding.AppendEncode(dst, v.ByteArray())
	case readDecimal:
		return appendDecimal(dst, c.unscaled(v), c.scale)
	case readDate:
		return time.Unix(int64(v.Int32())*86400, 0).UTC().AppendFormat(dst, time.DateOnly)
	case readTime:
		d := time.Duration(c.int(v)) * c.unit
		return time.Unix(0, 0).UTC().Add(d).AppendFormat(dst, "15:04:05.999999999")
	case readTimestamp:
		var t time.Time
		n := c.int(v)
		switch c.unit {
		case time.Millisecond:
			t = time.UnixMilli(n).UTC()
		case time.Microsecond:
			t = time.UnixMicro(n).UTC()
		default:
			t = time.Unix(0, n).UTC()
		}
		if c.Type == "TIMESTAMP" {
			return t.AppendFormat(dst, "2006-01-02T15:04:05.999999999")
		}
		return t.AppendFormat(dst, time.RFC3339Nano)
	case readUUID:
		b := v.ByteArray()
		if len(b) != 16 {
			return base64.StdEncoding.AppendEncode(dst, b)
		}
		return fmt.Appendf(dst, "%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
	}
	return dst
}

func (c ReadColumn) int(v parquet.Value) int64 {
	if v.Kind() == parquet.Int32 {
		return int64(v.Int32())
	}
	return v.Int64()
}

func (c ReadColumn) float(v parquet.Value) float64 {
	if v.Kind() == parquet.Float {
		return float64(v.Float())
	}
	return v.Double()
}

// formatFloat prints f as the shortest text that reads back as the same
// value (of its own precision: a FLOAT column prints its float32).
func (c ReadColumn) formatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	bits := 64
	if c.Type == "FLOAT" {
		bits = 32
	}
	return strconv.FormatFloat(f, 'g', -1, bits)
}

// unscaled returns a DECIMAL's unscaled integer, from whichever physical
// type holds it (INT32, INT64, or big-endian two's complement bytes).
func (c ReadColumn) unscaled(v parquet.Value) *big.Int {
	switch v.Kind() {
	case parquet.Int32, parquet.Int64:
		return big.NewInt(c.int(v))
	}
	b := v.ByteArray()
	n := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return n
}

func appendDecimal(dst []byte, n *big.Int, scale int) []byte {
	s := n.String()
	neg := s[0] == '-'
	if neg {
		dst = append(dst, '-')
		s = s[1:]
	}
	if scale <= 0 {
		return append(dst, s...)
	}
	for len(s) <= scale {
		s = "0" + s
	}
	dst = append(dst, s[:len(s)-scale]...)
	dst = append(dst, '.')
	return append(dst, s[len(s)-scale:]...)
}
