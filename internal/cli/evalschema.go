package cli

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/datatap/datatap/internal/flush"
	"github.com/datatap/datatap/internal/sink"
	"github.com/datatap/datatap/transform"
)

// schemaGuess infers the Parquet schema a flush would give the rows of a
// sample, one per PARTITION BY value, with the rules of the flush's scan
// (internal/flush/scan.go, observe and schema, which are not exported):
// explicit columns where the statement puts them, the fields * made in
// first-seen order, each typed transform.ColumnType(declared, Widen over
// its values), at most flush.DefaultMaxColumns columns with the rest in
// the overflow column. TestEvalSchemaMatchesFlush holds the two together.
type schemaGuess struct {
	explicit []transform.Column // the statement's columns but *, in order
	isExpl   map[string]bool
	starAt   int // explicit columns before *; len(explicit) without *
	starMax  int
	parts    []*partGuess
	byPath   map[string]*partGuess
	names    []string // PARTITION BY names
	values   []string
	nulls    []bool
}

// partGuess is what the sample's rows of one partition say.
type partGuess struct {
	path  string
	rows  int
	names []string
	types []transform.Type
	index map[string]int
	star  int
	over  bool
}

func newSchemaGuess(prog *transform.Program) *schemaGuess {
	g := &schemaGuess{isExpl: map[string]bool{}, starAt: -1, byPath: map[string]*partGuess{}}
	for _, c := range prog.Columns() {
		if c.Star {
			g.starAt = len(g.explicit)
			continue
		}
		g.explicit = append(g.explicit, c)
		g.isExpl[c.Name] = true
	}
	if g.starAt < 0 {
		g.starAt = len(g.explicit)
	}
	g.starMax = max(flush.DefaultMaxColumns-len(g.explicit), 1)
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
			g.values[i], g.nulls[i] = string(f.Value.AppendText(nil)), f.Value.IsNull()
		}
		path = sink.PartitionPath(g.names, g.values, g.nulls)
	}
	p := g.byPath[path]
	if p == nil {
		p = &partGuess{path: path, index: map[string]int{}}
		g.byPath[path] = p
		g.parts = append(g.parts, p)
	}
	p.rows++
	for _, f := range row {
		c, ok := p.index[f.Name]
		if !ok {
			expl := g.isExpl[f.Name]
			if !expl && (f.Name == "" || p.star >= g.starMax) {
				p.over = true
				continue
			}
			c = len(p.names)
			p.names = append(p.names, strings.Clone(f.Name))
			p.types = append(p.types, f.Value.Type)
			p.index[p.names[c]] = c
			if !expl {
				p.star++
			}
		}
		p.types[c] = transform.Widen(p.types[c], f.Value.Type)
	}
}

// guessedColumn is one column of a guessed file schema.
type guessedColumn struct {
	Name string
	Type transform.Type
}

// columns is the file schema of one partition, as the flush's schema
// builds it.
func (g *schemaGuess) columns(p *partGuess) []guessedColumn {
	col := func(c transform.Column) guessedColumn {
		seen := transform.Null
		if i, ok := p.index[c.Name]; ok {
			seen = p.types[i]
		}
		return guessedColumn{c.Name, transform.ColumnType(c.Type, seen)}
	}
	var cols []guessedColumn
	for _, c := range g.explicit[:g.starAt] {
		cols = append(cols, col(c))
	}
	keep := p.star
	if p.over && keep >= g.starMax {
		keep = g.starMax - 1
	}
	taken := map[string]bool{}
	for _, name := range p.names {
		if g.isExpl[name] {
			continue
		}
		if keep == 0 {
			break
		}
		keep--
		cols = append(cols, col(transform.Column{Name: name}))
	}
	overflow := -1
	if p.over || len(cols) == 0 && g.starAt == len(g.explicit) {
		overflow = len(cols)
		cols = append(cols, guessedColumn{Type: transform.JSON})
	}
	for _, c := range g.explicit[g.starAt:] {
		cols = append(cols, col(c))
	}
	for i, c := range cols {
		if i != overflow {
			taken[c.Name] = true
		}
	}
	if overflow >= 0 {
		name := flush.OverflowColumn
		for k := 2; taken[name]; k++ {
			name = fmt.Sprintf("%s_%d", flush.OverflowColumn, k)
		}
		cols[overflow].Name = name
	}
	return cols
}

// duckTypes are the types of the tap's columns as DuckDB's DESCRIBE (and
// datatap cat -schema) names them (internal/parquetfile/schema.go).
var duckTypes = map[transform.Type]string{
	transform.Boolean: "BOOLEAN", transform.Int32: "INTEGER", transform.Int64: "BIGINT",
	transform.Double: "DOUBLE", transform.Varchar: "VARCHAR", transform.Timestamp: "TIMESTAMP WITH TIME ZONE",
	transform.Date: "DATE", transform.JSON: "JSON", transform.Time: "TIME", transform.UUID: "UUID",
}

// print writes each partition's schema as datatap cat -schema prints a
// file's: a line naming the rows, then one line per column.
func (g *schemaGuess) print(w io.Writer) {
	if len(g.parts) == 0 {
		fmt.Fprintln(w, "no rows kept: no file")
	}
	for _, p := range g.parts {
		name := "file"
		if p.path != "" {
			name = p.path
		}
		fmt.Fprintf(w, "%s: %d rows\n", name, p.rows)
		cols := g.columns(p)
		width := 0
		for _, c := range cols {
			width = max(width, utf8.RuneCountInString(printable(c.Name)))
		}
		for _, c := range cols {
			n := printable(c.Name)
			fmt.Fprintf(w, "  %s%s  %s\n", n, strings.Repeat(" ", width-utf8.RuneCountInString(n)), duckTypes[c.Type])
		}
	}
}
