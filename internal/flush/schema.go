package flush

import (
	"context"

	"github.com/datatap/datatap/internal/parquetfile"
	"github.com/datatap/datatap/internal/spool"
)

// Schema infers the columns of one file from its rows by the rules every
// flush writes files with (scanner.observe and scanner.schema): explicit
// columns where the statement puts them, the fields * made in first-seen
// order, each typed by transform.ColumnType over the Widen of its values,
// at most DefaultMaxColumns columns with the rest in the overflow column.
// datatap eval -schema shows it for a sample.
type Schema struct {
	sc  *scanner
	p   *partition
	rec spool.Record
}

// NewSchema returns an empty Schema for rows of a statement with header h;
// keepJSON is TAP_NESTED=json (see Flusher.KeepJSON).
func NewSchema(h spool.Header, keepJSON bool) *Schema {
	return &Schema{sc: newScanner(h, DefaultMaxColumns, !keepJSON), p: &partition{index: map[string]int{}}}
}

// Observe widens the columns with one row's fields.
func (s *Schema) Observe(fields []spool.Field) {
	s.rec.Fields = fields
	s.sc.observe(s.p, &s.rec)
}

// Rows is how many rows were observed.
func (s *Schema) Rows() int64 { return s.p.rows }

// Columns returns the file's columns for the rows observed so far.
func (s *Schema) Columns() []parquetfile.Column {
	s.p.columns = nil
	s.sc.schema(s.p)
	inferShapes(s.sc.h, []*partition{s.p}, DefaultMaxColumns)
	return s.p.columns
}

// TableColumns returns the columns of the files of one flush whose
// partitions observed schemas (all of the same statement), by the table
// rules of a fresh table (see table.go): a column takes one type across
// partitions, and a column NULL in every row is left out. datatap eval
// -schema shows them.
func TableColumns(schemas []*Schema) [][]parquetfile.Column {
	if len(schemas) == 0 {
		return nil
	}
	parts := make([]*partition, len(schemas))
	for i, s := range schemas {
		s.p.columns = nil
		s.sc.schema(s.p)
		parts[i] = s.p
	}
	f := &Flusher{}
	if err := f.applyTable(context.Background(), schemas[0].sc.h, parts); err != nil {
		panic(err) // no sink: no request that could fail
	}
	out := make([][]parquetfile.Column, len(parts))
	for i, p := range parts {
		out[i] = p.columns
	}
	return out
}
