package parquetfile

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"

	"github.com/datatap/datatap/transform"
)

// leafFor returns the parquet node for a column of type t: the physical type
// with its logical type, before optionality and encoding are applied.
func leafFor(t transform.Type) (parquet.Node, error) {
	switch t {
	case transform.Boolean:
		return parquet.Leaf(parquet.BooleanType), nil
	case transform.Int32:
		return parquet.Int(32), nil
	case transform.Int64:
		return parquet.Int(64), nil
	case transform.Double:
		return parquet.Leaf(parquet.DoubleType), nil
	case transform.TinyInt:
		return parquet.Int(8), nil
	case transform.SmallInt:
		return parquet.Int(16), nil
	case transform.UTinyInt:
		return parquet.Uint(8), nil
	case transform.USmallInt:
		return parquet.Uint(16), nil
	case transform.UInteger:
		return parquet.Uint(32), nil
	case transform.UBigInt:
		return parquet.Uint(64), nil
	case transform.Float:
		return parquet.Leaf(parquet.FloatType), nil
	case transform.Varchar:
		return parquet.String(), nil
	case transform.Timestamp:
		// Never NANOS: Athena and Spark cannot read it. UTC-adjusted, so
		// DuckDB reads TIMESTAMP WITH TIME ZONE and Spark a TimestampType.
		return parquet.TimestampAdjusted(parquet.Microsecond, true), nil
	case transform.Date:
		return parquet.Date(), nil
	case transform.Time:
		// Not UTC-adjusted (parquet.Time's default is adjusted, which DuckDB
		// reads as TIME WITH TIME ZONE): a TIME of ours is a time of day.
		return parquet.TimeAdjusted(parquet.Microsecond, false), nil
	case transform.JSON:
		return parquet.JSON(), nil
	case transform.UUID:
		return parquet.UUID(), nil
	}
	if p, s, ok := t.Decimal(); ok {
		// INT32 up to 9 digits, INT64 up to 18, 16 bytes of big-endian two's
		// complement beyond, as DuckDB writes them.
		switch {
		case p <= 9:
			return parquet.Decimal(s, p, parquet.Int32Type), nil
		case p <= 18:
			return parquet.Decimal(s, p, parquet.Int64Type), nil
		}
		return parquet.Decimal(s, p, parquet.FixedLenByteArrayType(16)), nil
	}
	return nil, fmt.Errorf("unsupported type %s", t)
}

// checkColumns reports the first problem with cols: none, an empty or
// repeated name, or a type that has no column form.
func checkColumns(cols []Column) error {
	if len(cols) == 0 {
		return errors.New("no columns")
	}
	seen := make(map[string]bool, len(cols))
	for i, c := range cols {
		if c.Name == "" {
			return fmt.Errorf("column %d: empty name", i+1)
		}
		if seen[c.Name] {
			return fmt.Errorf("column %d: duplicate name %q", i+1, c.Name)
		}
		seen[c.Name] = true
		if c.Type.IsNested() {
			continue // compileShape checks its leaves
		}
		if _, err := leafFor(c.Type); err != nil {
			return fmt.Errorf("column %q: %w", c.Name, err)
		}
	}
	return nil
}

// newSchema builds the file schema: one OPTIONAL node per column, in the
// order given: a leaf for a flat column, the node of its shape for a nested
// one (shapes[i], nested.go); leaf l is encoded with encs[l]. cols must
// have passed checkColumns.
func newSchema(cols []Column, shapes []*shape, encs []encoding.Encoding) *parquet.Schema {
	fields := make([]parquet.Field, len(cols))
	l := 0
	for i, c := range cols {
		if s := shapes[i]; s != nil {
			fields[i] = field{Node: s.node(encs), name: c.Name}
			l = s.hi
			continue
		}
		leaf, _ := leafFor(c.Type)
		fields[i] = field{Node: parquet.Optional(parquet.Encoded(leaf, encs[l])), name: c.Name}
		l++
	}
	return parquet.NewSchema("datatap", orderedGroup{fields: fields})
}

// orderedGroup is a group node whose fields keep the order they were given
// in. parquet.Group is a map and sorts its fields by name, which would put the
// file's columns in alphabetical order rather than the SELECT list's (the
// same idea as parquet-go's internal orderedGroup for VARIANT).
type orderedGroup struct {
	parquet.Group // for the group-node methods; its map stays empty
	fields        []parquet.Field
}

func (g orderedGroup) Fields() []parquet.Field { return g.fields }

func (g orderedGroup) String() string {
	var sb strings.Builder
	_ = parquet.PrintSchema(&sb, "", g)
	return sb.String()
}

// GoType would be a struct of the fields; the writer never uses it, and
// building it through the embedded (empty) Group would be wrong.
func (g orderedGroup) GoType() reflect.Type {
	sf := make([]reflect.StructField, len(g.fields))
	for i, f := range g.fields {
		sf[i] = reflect.StructField{
			Name: fmt.Sprintf("F%d", i),
			Type: f.GoType(),
			Tag:  reflect.StructTag(fmt.Sprintf("parquet:%q", f.Name())),
		}
	}
	return reflect.StructOf(sf)
}

// field names a node within an orderedGroup.
type field struct {
	parquet.Node
	name string
}

func (f field) Name() string { return f.name }

// Value is used by parquet-go's reflection-based row writers, which this
// package does not use: values go straight to the column writers.
func (f field) Value(reflect.Value) reflect.Value { return reflect.Value{} }
