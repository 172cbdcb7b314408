package table

import (
	"fmt"
	"strings"
)

// AthenaDDL renders the table as Athena's CREATE EXTERNAL TABLE, from the
// TableInput alone, preceded by the notes as comments and a CREATE
// DATABASE. Athena runs one statement per query: run them one by one.
func (t *Table) AthenaDDL() string {
	var b strings.Builder
	t.comments(&b, "--")
	in := t.Input
	fmt.Fprintf(&b, "CREATE DATABASE IF NOT EXISTS %s;\n\n", hiveQuote(t.Database))
	fmt.Fprintf(&b, "CREATE EXTERNAL TABLE IF NOT EXISTS %s.%s (\n", hiveQuote(t.Database), hiveQuote(in.Name))
	hiveColumns(&b, in.StorageDescriptor.Columns)
	b.WriteString(")\n")
	if len(in.PartitionKeys) > 0 {
		b.WriteString("PARTITIONED BY (\n")
		hiveColumns(&b, in.PartitionKeys)
		b.WriteString(")\n")
	}
	b.WriteString("STORED AS PARQUET\n")
	fmt.Fprintf(&b, "LOCATION %s\n", hiveString(in.StorageDescriptor.Location))
	b.WriteString("TBLPROPERTIES (\n")
	var keys []string
	for _, k := range sortedKeys(in.Parameters) {
		if k != "EXTERNAL" { // what EXTERNAL TABLE says
			keys = append(keys, k)
		}
	}
	for i, k := range keys {
		fmt.Fprintf(&b, "  %s=%s", hiveString(k), hiveString(in.Parameters[k]))
		if i < len(keys)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString(");\n")
	return b.String()
}

func hiveColumns(b *strings.Builder, cols []Column) {
	for i, c := range cols {
		fmt.Fprintf(b, "  %s %s", hiveQuote(c.Name), c.Type)
		if c.Comment != "" {
			fmt.Fprintf(b, " COMMENT %s", hiveString(c.Comment))
		}
		if i < len(cols)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
}

// DuckDBView renders a DuckDB CREATE VIEW over every Parquet file under
// the prefix, hive folders as columns; the schema (DuckDB's name for a
// database inside one) is the table's database.
func (t *Table) DuckDBView() string {
	var b strings.Builder
	if strings.HasPrefix(t.Glob, "s3://") {
		b.WriteString("-- S3 needs the httpfs extension and credentials: INSTALL httpfs; LOAD httpfs; CREATE SECRET (TYPE s3, PROVIDER credential_chain);\n")
	}
	fmt.Fprintf(&b, "CREATE SCHEMA IF NOT EXISTS %s;\n", duckQuote(t.Database))
	fmt.Fprintf(&b, "CREATE OR REPLACE VIEW %s.%s AS\n  SELECT * FROM read_parquet(%s, hive_partitioning = true, union_by_name = true);\n",
		duckQuote(t.Database), duckQuote(t.Input.Name), sqlString(t.Glob))
	return b.String()
}

func (t *Table) comments(b *strings.Builder, mark string) {
	for _, n := range t.Notes {
		fmt.Fprintf(b, "%s %s\n", mark, n)
	}
}

// hiveQuote quotes an identifier for Hive DDL: backticks, a backtick
// doubled (names reaching here hold only [a-z0-9_], but the quoting is
// right for any).
func hiveQuote(name string) string { return "`" + strings.ReplaceAll(name, "`", "``") + "`" }

// duckQuote quotes an identifier for DuckDB: double quotes, doubled.
func duckQuote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// hiveString is a Hive string literal: single quotes, with backslash
// escapes for the quote and the backslash (Hive does not double quotes).
func hiveString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s) + "'"
}

// sqlString is a SQL string literal: single quotes, doubled.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
