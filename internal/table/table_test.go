package table

import (
	"strings"
	"testing"
	"time"

	"github.com/datatap/datatap/internal/sink"
	"github.com/datatap/datatap/transform"
)

func build(t *testing.T, stmt, prefix string) (*Table, error) {
	t.Helper()
	prog, err := transform.Compile(stmt)
	if err != nil {
		t.Fatal(err)
	}
	return Build(Options{Bucket: "b", Prefix: prefix, Program: prog})
}

func mustBuild(t *testing.T, stmt, prefix string) *Table {
	t.Helper()
	tb, err := build(t, stmt, prefix)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func keyNames(cols []Column) string {
	var s []string
	for _, c := range cols {
		s = append(s, c.Name+" "+c.Type)
	}
	return strings.Join(s, ", ")
}

func TestDefaultPrefixKeys(t *testing.T) {
	tb := mustBuild(t, "SELECT ts::TIMESTAMP AS ts, n::INT64 AS n, ok::BOOLEAN AS ok, j::JSON AS j PARTITION BY level",
		"datataps/year=%Y/month=%m/day=%d/hour=%H/")
	in := tb.Input
	if got, want := keyNames(in.PartitionKeys), "year int, month int, day int, hour int, level string"; got != want {
		t.Errorf("partition keys %q, want %q", got, want)
	}
	if got, want := keyNames(in.StorageDescriptor.Columns), "ts timestamp, n bigint, ok boolean, j string"; got != want {
		t.Errorf("columns %q, want %q", got, want)
	}
	if in.Name != "datataps" || in.StorageDescriptor.Location != "s3://b/datataps/" {
		t.Errorf("name %q, location %q", in.Name, in.StorageDescriptor.Location)
	}
	want := map[string]string{
		"projection.year.type": "integer", "projection.year.range": "2024,2099",
		"projection.month.range": "1,12", "projection.month.digits": "2",
		"projection.day.range": "1,31", "projection.hour.range": "0,23", "projection.hour.digits": "2",
		"projection.level.type":     "injected",
		"storage.location.template": "s3://b/datataps/year=${year}/month=${month}/day=${day}/hour=${hour}/level=${level}/",
	}
	for k, v := range want {
		if in.Parameters[k] != v {
			t.Errorf("%s = %q, want %q", k, in.Parameters[k], v)
		}
	}
	if _, ok := in.Parameters["projection.year.digits"]; ok {
		t.Error("year has digits")
	}
	if tb.GlueColumns() != "ts:timestamp,n:bigint,ok:boolean,j:string" {
		t.Errorf("GlueColumns %q", tb.GlueColumns())
	}
	ddl := tb.AthenaDDL()
	for _, s := range []string{"CREATE EXTERNAL TABLE IF NOT EXISTS `datatap`.`datataps` (", "  `ts` timestamp COMMENT 'UTC, microseconds',\n",
		"PARTITIONED BY (\n  `year` int", "STORED AS PARQUET\nLOCATION 's3://b/datataps/'\n", "'projection.enabled'='true',\n", "level=${level}/'\n);\n"} {
		if !strings.Contains(ddl, s) {
			t.Errorf("DDL lacks %q:\n%s", s, ddl)
		}
	}
	if strings.Contains(ddl, "EXTERNAL'") {
		t.Errorf("DDL has EXTERNAL as a property:\n%s", ddl)
	}
}

func TestPrefixShapes(t *testing.T) {
	f := func(prefix, keys, template string, params ...string) {
		t.Helper()
		tb := mustBuild(t, "SELECT n::INT64 AS n", prefix)
		if got := keyNames(tb.Input.PartitionKeys); got != keys {
			t.Errorf("%s: keys %q, want %q", prefix, got, keys)
		}
		if got := tb.Input.Parameters["storage.location.template"]; got != template {
			t.Errorf("%s: template %q, want %q", prefix, got, template)
		}
		for i := 0; i < len(params); i += 2 {
			if got := tb.Input.Parameters[params[i]]; got != params[i+1] {
				t.Errorf("%s: %s = %q, want %q", prefix, params[i], got, params[i+1])
			}
		}
	}
	f("logs/dt=%Y-%m-%d/", "dt string", "s3://b/logs/dt=${dt}/",
		"projection.dt.type", "date", "projection.dt.format", "yyyy-MM-dd", "projection.dt.range", "2024-01-01,NOW",
		"projection.dt.interval.unit", "DAYS")
	f("logs/%Y/%m/%d/%H/", "year int, month int, day int, hour int", "s3://b/logs/${year}/${month}/${day}/${hour}/")
	f("a/Year=%Y/h%H-x/", "year int, hour int", "s3://b/a/Year=${year}/h${hour}-x/")
	f("a/%Y%m%d%H/", "dt string", "s3://b/a/${dt}/", "projection.dt.format", "yyyyMMddHH", "projection.dt.interval.unit", "HOURS")
	f("fixed/only/", "", "s3://b/fixed/only/")
	f("%Y/x-", "year int", "s3://b/${year}/x-")
	f("100%%/y=%Y/", "y int", "s3://b/100%/y=${y}/")
}

func TestRefused(t *testing.T) {
	f := func(stmt, prefix, want string) {
		t.Helper()
		_, err := build(t, stmt, prefix)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s / %s: error %v, want %q", stmt, prefix, err, want)
		}
	}
	f(`SELECT n::INT64 AS "a-b"`, "p/", `column name "a-b": Athena names hold only letters, digits and _ (rename it, … AS a_b)`)
	f(`SELECT n::INT64 AS n, m::INT64 AS "N"`, "p/", "column N: Athena names it n, as column n")
	f(`SELECT n::INT64 AS n PARTITION BY "my level"`, "p/", `PARTITION BY item name "my level"`)
	f(`SELECT n::INT64 AS n`, "p/dt=%m-%d/", "must start with %Y")
	f(`SELECT n::INT64 AS n`, "p/dt=%YT%H/", `'T' between the verbs`)
	f(`SELECT n::INT64 AS n`, "p/dt=%Y[%m]/", `'[' between the verbs`)
	f(`SELECT n::INT64 AS n`, "p/${x}/%Y/", "holds ${")
}

func TestColumnNamedLikeAKey(t *testing.T) {
	tb := mustBuild(t, "SELECT n::INT64 AS n, h::INT32 AS Hour, level::VARCHAR AS level PARTITION BY level", "p/year=%Y/hour=%H/")
	if got := tb.GlueColumns(); got != "n:bigint" {
		t.Errorf("columns %q", got)
	}
	if notes := strings.Join(tb.Notes, "\n"); !strings.Contains(notes, "Hour (the prefix's hour folder), level (PARTITION BY level)") {
		t.Errorf("notes: %s", notes)
	}
}

func TestStarOnly(t *testing.T) {
	tb := mustBuild(t, "SELECT *", "p/")
	if tb.NoColumns == "" {
		t.Error("SELECT * alone has columns")
	}
	tb = mustBuild(t, "SELECT *, n::INT64 AS n, x", "p/")
	if tb.NoColumns != "" || tb.GlueColumns() != "n:bigint" {
		t.Errorf("NoColumns %q, columns %q", tb.NoColumns, tb.GlueColumns())
	}
	notes := strings.Join(tb.Notes, "\n")
	for _, s := range []string{"SELECT *", "left out: x"} {
		if !strings.Contains(notes, s) {
			t.Errorf("notes lack %q: %s", s, notes)
		}
	}
}

func TestQuoting(t *testing.T) {
	if got := hiveString(`it's \ here`); got != `'it\'s \\ here'` {
		t.Errorf("hiveString %s", got)
	}
	if got := duckQuote(`a"b`); got != `"a""b"` {
		t.Errorf("duckQuote %s", got)
	}
	if got := sqlString(`it's`); got != `'it''s'` {
		t.Errorf("sqlString %s", got)
	}
}

// locationAt fills the location template as the flush fills the prefix at
// time at: each ${key} from the prefix is that key's strftime pattern
// expanded.
func locationAt(t *testing.T, tb *Table, at time.Time) string {
	t.Helper()
	loc := tb.Input.Parameters["storage.location.template"]
	for k, pattern := range tb.values {
		v, err := sink.ObjectPrefix(pattern, at)
		if err != nil {
			t.Fatalf("key %s: %v", k, err)
		}
		loc = strings.ReplaceAll(loc, "${"+k+"}", v)
	}
	return loc
}

// FuzzTemplateIsThePrefix: for every TAP_PREFIX the configuration accepts
// and the table takes, the location template with the keys' values is the
// folder the flush writes to, and every key is in the template.
func FuzzTemplateIsThePrefix(f *testing.F) {
	for _, s := range []string{"datataps/year=%Y/month=%m/day=%d/hour=%H/", "logs/dt=%Y-%m-%d/", "a/%Y/%m/x-%d-y/%H%M/",
		"100%%/y=%Y/", "%Y%j/", "p/", "a/Year=%Y/h%H-x/", "x/%Y-%m-%dT/", "q/%S/%M/"} {
		f.Add(s)
	}
	prog, err := transform.Compile("SELECT n::INT64 AS n")
	if err != nil {
		f.Fatal(err)
	}
	at := time.Date(2031, 7, 4, 5, 6, 7, 0, time.UTC)
	f.Fuzz(func(t *testing.T, prefix string) {
		if sink.CheckPrefix(prefix, nil) != nil {
			return
		}
		tb, err := Build(Options{Bucket: "b", Prefix: prefix, Program: prog})
		if err != nil {
			return
		}
		want, _ := sink.ObjectPrefix(prefix, at)
		if got := locationAt(t, tb, at); got != "s3://b/"+want {
			t.Fatalf("%q: template gives %q, the flush writes to %q", prefix, got, "s3://b/"+want)
		}
		if !strings.HasPrefix("s3://b/"+want, tb.Input.StorageDescriptor.Location) {
			t.Fatalf("%q: location %q is not a prefix of %q", prefix, tb.Input.StorageDescriptor.Location, want)
		}
		for _, k := range tb.Input.PartitionKeys {
			if !strings.Contains(tb.Input.Parameters["storage.location.template"], "${"+k.Name+"}") {
				t.Fatalf("%q: key %s not in the template", prefix, k.Name)
			}
			if tb.Input.Parameters["projection."+k.Name+".type"] == "" {
				t.Fatalf("%q: key %s has no projection", prefix, k.Name)
			}
		}
	})
}

func TestEventTimeNote(t *testing.T) {
	prog, err := transform.Compile("SELECT n::INT64 AS n")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := Build(Options{Bucket: "b", Prefix: "p/year=%Y/month=%m/", Program: prog})
	if err != nil {
		t.Fatal(err)
	}
	if prog, err = prog.WithTime("ts"); err != nil {
		t.Fatal(err)
	}
	timed, err := Build(Options{Bucket: "b", Prefix: "p/year=%Y/month=%m/", Program: prog, FirstYear: 2020})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.Join(plain.Notes, "\n"), "TAP_TIME") {
		t.Errorf("a note about TAP_TIME without it: %v", plain.Notes)
	}
	if notes := strings.Join(timed.Notes, "\n"); !strings.Contains(notes, "TAP_TIME=ts:") || !strings.Contains(notes, "2020 to 2099") {
		t.Errorf("notes: %s", notes)
	}
	// The projection is the same: the folders keep their shape.
	if plain.Input.Parameters["storage.location.template"] != timed.Input.Parameters["storage.location.template"] ||
		plain.Input.Parameters["projection.month.range"] != timed.Input.Parameters["projection.month.range"] {
		t.Errorf("projection differs: %v vs %v", plain.Input.Parameters, timed.Input.Parameters)
	}
}

func TestHiveNestedTypes(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		typ, ok := transform.ParseType(in)
		if !ok {
			t.Fatalf("ParseType(%q)", in)
		}
		if got, _ := HiveType(typ); got != want {
			t.Errorf("HiveType(%s) = %s, want %s", in, got, want)
		}
	}
	f("VARCHAR[]", "array<string>")
	f("STRUCT(id BIGINT, tags VARCHAR[], p STRUCT(x DOUBLE)[])", "struct<id:bigint,tags:array<string>,p:array<struct<x:double>>>")
	f(`STRUCT("a b" INT)`, "struct<`a b`:int>")
	f("TINYINT", "tinyint")
	f("INT2", "smallint")
	f("UTINYINT", "smallint")
	f("USMALLINT", "int")
	f("UINTEGER", "bigint")
	f("UBIGINT", "decimal(20,0)")
	f("REAL", "float")
	f("DECIMAL(10,2)", "decimal(10,2)")
	f("DECIMAL(38,10)", "decimal(38,10)")
	f("NUMERIC", "decimal(18,3)")
	f("STRUCT(a TINYINT, b FLOAT)[]", "array<struct<a:tinyint,b:float>>")
}
