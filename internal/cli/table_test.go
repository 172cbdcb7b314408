package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
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
