package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/datatap/datatap/internal/config"
	"github.com/datatap/datatap/internal/flush"
	"github.com/datatap/datatap/internal/sink/dir"
	"github.com/datatap/datatap/internal/spool"
	"github.com/datatap/datatap/internal/testenv/fixture"
)

func runTable(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	var out, errb bytes.Buffer
	err := Table(context.Background(), args, Streams{Stdout: &out, Stderr: &errb})
	if err != nil {
		errb.WriteString(err.Error())
	}
	return out.String(), errb.String(), ExitCode(err)
}

func TestTableCommand(t *testing.T) {
	env := map[string]string{"TAP_BUCKET": "bkt", "TAP_TRANSFORM": "SELECT *, n::INT64 AS n PARTITION BY level"}
	out, errs, code := runTable(t, env, "-name", "ev", "-database", "db")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, s := range []string{"-- Athena", "CREATE EXTERNAL TABLE IF NOT EXISTS `db`.`ev`", "-- DuckDB",
		`CREATE OR REPLACE VIEW "db"."ev"`, "'s3://bkt/datataps/**/*.parquet'"} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
	out, _, _ = runTable(t, env, "-duckdb")
	if strings.Contains(out, "Athena") || !strings.Contains(out, `"datatap"."datataps"`) {
		t.Errorf("-duckdb:\n%s", out)
	}
	out, _, _ = runTable(t, env, "-glue-columns")
	if out != "n:bigint\n" {
		t.Errorf("-glue-columns %q", out)
	}
	env["TAP_TRANSFORM"] = "SELECT n::DECIMAL(38,10) AS n, n::UBIGINT * 2 AS u"
	if out, errs, _ = runTable(t, env, "-athena"); !strings.Contains(out, "`n` decimal(38,10)") || !strings.Contains(out, "`u` decimal(20,0)") {
		t.Errorf("-athena with DECIMAL(38,10) and UBIGINT arithmetic:\n%s%s", out, errs)
	}
}

func TestTableWithoutDeclaredColumns(t *testing.T) {
	env := map[string]string{"TAP_BUCKET": "bkt", "TAP_TRANSFORM": "SELECT *"}
	out, errs, code := runTable(t, env)
	if code != 0 || !strings.Contains(out, "-- no Athena table: the statement declares no column type") || !strings.Contains(out, "CREATE OR REPLACE VIEW") {
		t.Errorf("exit %d, stdout:\n%s\nstderr: %s", code, out, errs)
	}
	_, errs, code = runTable(t, env, "-athena")
	if code != 2 || !strings.Contains(errs, "no Athena table") {
		t.Errorf("-athena: exit %d, %s", code, errs)
	}
	_, errs, code = runTable(t, map[string]string{"TAP_TRANSFORM": `SELECT n::INT64 AS "a b"`})
	if code != 2 || !strings.Contains(errs, `column name "a b"`) {
		t.Errorf("bad name: exit %d, %s", code, errs)
	}
}

// The template splits GlueColumns at , and : so a nested type or a
// decimal(p,s) cannot go through it; the Athena DDL holds them.
func TestTableNestedColumnsNotForTheTemplate(t *testing.T) {
	env := map[string]string{"TAP_BUCKET": "bkt", "TAP_TRANSFORM": "SELECT n::INT64 AS n, u::STRUCT(id BIGINT, tags VARCHAR[]) AS u"}
	_, errs, code := runTable(t, env, "-glue-columns")
	if code != 2 || !strings.Contains(errs, "column u is struct<id:bigint,tags:array<string>>") {
		t.Errorf("-glue-columns: exit %d, %s", code, errs)
	}
	out, errs, code := runTable(t, env, "-athena")
	if code != 0 || !strings.Contains(out, "struct<id:bigint,tags:array<string>>") {
		t.Errorf("-athena: exit %d, %s\n%s", code, errs, out)
	}
	env["TAP_TRANSFORM"] = "SELECT n::DECIMAL(10,2) AS n"
	if _, errs, code := runTable(t, env, "-glue-columns"); code != 2 || !strings.Contains(errs, "column n is decimal(10,2)") {
		t.Errorf("-glue-columns with a decimal: exit %d, %s", code, errs)
	}
}

// With -from-data the columns of SELECT * come from the table schema the
// flushes wrote, with the types the files have; before any flush it says
// there is none yet.
func TestTableFromData(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"TAP_DIR": dir, "TAP_BUCKET": "", "TAP_TRANSFORM": "SELECT *, ts::TIMESTAMP AS ts"}
	_, errs, code := runTable(t, env, "-from-data", "-athena")
	if code != 1 || !strings.Contains(errs, "no table schema at dir:") {
		t.Errorf("before a flush: exit %d, %s", code, errs)
	}
	cfg, err := config.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	sp, err := spool.Open(t.TempDir(), cfg.SpoolHeader(), cfg.SpoolMaxBytes)
	if err != nil {
		t.Fatal(err)
	}
	seg := fixture.Segment(t, sp, cfg.Program,
		`{"ts":"2026-12-02T10:00:00Z","n":1,"s":"a","u":{"id":7,"tags":["x"]}}`,
		`{"ts":"2026-12-02T10:00:01Z","n":2,"s":"b","u":{"id":8,"tags":[]}}`)
	f := &flush.Flusher{Sink: mustDir(t, dir), Prefix: cfg.Prefix, ErrorsPrefix: cfg.ErrorsPrefix, TempDir: t.TempDir(), CreatedBy: "test", KeepJSON: cfg.KeepJSON()}
	if _, err := f.Segment(context.Background(), seg); err != nil {
		t.Fatal(err)
	}
	out, errs, code := runTable(t, env, "-from-data", "-athena")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, s := range []string{"`n` bigint", "`s` string", "`u` struct<id:bigint,tags:array<string>>", "`ts` timestamp", "`_overflow` string", "SELECT *: 4 columns from the table schema at dir:"} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
	if strings.Count(out, "`ts`") != 1 {
		t.Errorf("ts twice (named by the statement and learned):\n%s", out)
	}
}

func mustDir(t *testing.T, root string) *dir.Sink {
	t.Helper()
	s, err := dir.New(root)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
