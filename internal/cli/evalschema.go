package cli

import (
	"fmt"
	"io"

	"github.com/datatap/datatap/internal/flush"
	"github.com/datatap/datatap/internal/parquetfile"
	"github.com/datatap/datatap/internal/sink"
	"github.com/datatap/datatap/internal/spool"
	"github.com/datatap/datatap/transform"
)

// schemaGuess is the Parquet schema a flush would give the rows of a
// sample: one flush.Schema per PARTITION BY value, in first-seen order.
// TestEvalSchemaMatchesFlush checks it against real flushes.
type schemaGuess struct {
	header   spool.Header
	keepJSON bool // -nested json
	parts    []*partGuess
	byPath   map[string]*partGuess
	names    []string // PARTITION BY names
	values   []string
	nulls    []bool
	fields   []spool.Field
	scratch  []byte
}

// partGuess is what the sample's rows of one partition say.
type partGuess struct {
	path   string
	schema *flush.Schema
}

func newSchemaGuess(prog *transform.Program, keepJSON bool) *schemaGuess {
	g := &schemaGuess{header: spool.HeaderFor(prog), keepJSON: keepJSON, byPath: map[string]*partGuess{}}
	for _, p := range prog.Partitions() {
		g.names = append(g.names, p.Name)
	}
	g.values, g.nulls = make([]string, len(g.names)), make([]bool, len(g.names))
	return g
}

// observe widens the types of the row's partition with one kept row.
func (g *schemaGuess) observe(row, partition []transform.Field) {
	path := ""
	if len(g.names) > 0 {
		for i, f := range partition {
			g.scratch = f.Value.AppendText(g.scratch[:0])
			g.values[i], g.nulls[i] = string(g.scratch), f.Value.IsNull()
		}
		path = sink.PartitionPath(g.names, g.values, g.nulls)
	}
	p := g.byPath[path]
	if p == nil {
		p = &partGuess{path: path, schema: flush.NewSchema(g.header, g.keepJSON)}
		g.byPath[path] = p
		g.parts = append(g.parts, p)
	}
	g.fields = g.fields[:0]
	for _, f := range row {
		g.fields = append(g.fields, spool.Field{Name: f.Name, Value: f.Value})
	}
	p.schema.Observe(g.fields)
}

// print writes each partition's schema as datatap cat -schema prints a
// file's.
func (g *schemaGuess) print(w io.Writer) {
	if len(g.parts) == 0 {
		fmt.Fprintln(w, "no rows kept: no file")
	}
	schemas := make([]*flush.Schema, len(g.parts))
	for i, p := range g.parts {
		schemas[i] = p.schema
	}
	columns := flush.TableColumns(schemas)
	for i, p := range g.parts {
		name := "file"
		if p.path != "" {
			name = p.path
		}
		var cols []parquetfile.ReadColumn
		for _, c := range columns[i] {
			cols = append(cols, parquetfile.ReadColumn{Name: c.Name, Type: parquetfile.TypeName(c.Type)})
		}
		printColumns(w, name, p.schema.Rows(), cols)
	}
}
