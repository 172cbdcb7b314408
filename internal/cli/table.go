package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/datatap/datatap/internal/config"
	"github.com/datatap/datatap/internal/flush"
	"github.com/datatap/datatap/internal/sink"
	"github.com/datatap/datatap/internal/table"
	"github.com/datatap/datatap/internal/tap"
)

const tableUsage = `datatap table [-athena] [-duckdb] [-glue-columns] [-from-data] [-database NAME] [-name TABLE] [-first-year YEAR]

Prints, from the settings (TAP_TRANSFORM, TAP_BUCKET or TAP_DIR,
TAP_PREFIX), the statements that make the tap's output a table: Athena's
CREATE EXTERNAL TABLE with partition projection matching TAP_PREFIX (no
crawler, no MSCK REPAIR), and a DuckDB CREATE VIEW. Both by default.
The table's columns are the statement's declared ones (x::BIGINT AS x);
the columns of SELECT * are not known before the data arrives: once the
tap has flushed, -from-data reads them, with their types, from the table
schema the flushes keep in the bucket or folder (_datatap/schema.json).
-glue-columns prints the columns as the SAM template's GlueColumns wants
them (name:type,...).`

// Table is the table command.
func Table(ctx context.Context, args []string, std Streams) error {
	fs := newFlagSet("table", tableUsage)
	athena := fs.Bool("athena", false, "print the Athena CREATE EXTERNAL TABLE")
	duck := fs.Bool("duckdb", false, "print the DuckDB CREATE VIEW")
	glueCols := fs.Bool("glue-columns", false, "print only the columns, name:type,… (the SAM template's GlueColumns)")
	db := fs.String("database", table.DefaultDatabase, "the Glue database (a DuckDB schema)")
	name := fs.String("name", "", "the table `NAME` (default: the prefix's last fixed folder, else "+table.DefaultName+")")
	first := fs.Int("first-year", table.DefaultFirstYear, "the first `YEAR` a %Y key's projection covers")
	fromData := fs.Bool("from-data", false, "read SELECT *'s columns from the table schema the flushes keep (TAP_BUCKET or TAP_DIR)")
	if err := parseFlags(fs, args, std); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &ExitError{Code: 2, Err: fmt.Errorf("table: unexpected argument %q", fs.Arg(0))}
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return &ExitError{Code: 2, Err: fmt.Errorf("table: %w", err)}
	}
	opt := table.Options{
		Bucket: cfg.Bucket, Dir: cfg.Dir, Prefix: cfg.Prefix, Program: cfg.Program,
		Database: *db, Name: *name, FirstYear: *first,
	}
	if *fromData {
		if err := learned(ctx, cfg, &opt); err != nil {
			return &ExitError{Code: 1, Err: fmt.Errorf("table: -from-data: %w", err)}
		}
	}
	t, err := table.Build(opt)
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	if *glueCols {
		if t.NoColumns != "" {
			return &ExitError{Code: 2, Err: errors.New("table: " + t.NoColumns)}
		}
		if n := len(t.Input.StorageDescriptor.Columns); n > table.TemplateColumns {
			return &ExitError{Code: 2, Err: fmt.Errorf("table: %d columns, more than the SAM template's GlueColumns holds (%d): create the table with the statement datatap table -athena prints", n, table.TemplateColumns)}
		}
		for _, c := range t.Input.StorageDescriptor.Columns {
			if strings.ContainsAny(c.Type, ",:") {
				return &ExitError{Code: 2, Err: fmt.Errorf("table: column %s is %s: the SAM template's GlueColumns cannot hold a type spelled with , or : (nested types, decimal(p,s)), since it splits at them: create the table with the statement datatap table -athena prints", c.Name, c.Type)}
			}
		}
		fmt.Fprintln(std.Stdout, t.GlueColumns())
		return nil
	}
	both := !*athena && !*duck
	if *athena || both {
		fmt.Fprintln(std.Stdout, "-- Athena (Glue): run each statement on its own")
		switch {
		case t.NoColumns == "":
			fmt.Fprint(std.Stdout, t.AthenaDDL())
		case both:
			fmt.Fprintf(std.Stdout, "-- no Athena table: %s\n", t.NoColumns)
		default:
			return &ExitError{Code: 2, Err: errors.New("table: no Athena table: " + t.NoColumns)}
		}
	}
	if both {
		fmt.Fprintln(std.Stdout)
	}
	if *duck || both {
		fmt.Fprintln(std.Stdout, "-- DuckDB")
		fmt.Fprint(std.Stdout, t.DuckDBView())
	}
	return nil
}

// learned reads the table schema the flushes under cfg's prefix keep into
// opt; none there yet is an error, since the user asked for it.
func learned(ctx context.Context, cfg config.Config, opt *table.Options) error {
	s, err := tap.NewSink(ctx, cfg)
	if err != nil {
		return err
	}
	where := s.String() + "/" + flush.TablePrefix(cfg.Prefix) + flush.TableSchemaName
	vs, ok := s.(sink.Versioned)
	if !ok {
		return fmt.Errorf("%s keeps no table schema", s)
	}
	cols, err := flush.LearnedColumns(ctx, vs, cfg.Prefix)
	if err != nil {
		return err
	}
	if cols == nil {
		return fmt.Errorf("no table schema at %s yet: the tap writes it at its first flush", where)
	}
	opt.Learned, opt.LearnedFrom = cols, where
	return nil
}
