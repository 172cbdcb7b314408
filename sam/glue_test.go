package sam

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/datatap/datatap/internal/config"
	"github.com/datatap/datatap/internal/table"
	"github.com/datatap/datatap/internal/testenv/moto"
	"github.com/datatap/datatap/transform"
)

// glueStatement declares one column of every type the tap writes.
const glueStatement = "SELECT *, b::BOOLEAN AS b, i::INT32 AS i, n::BIGINT AS n, d::DOUBLE AS d, s::VARCHAR AS s, " +
	"ts::TIMESTAMP AS ts, day::DATE AS dt, j::JSON AS j, t::TIME AS t, u::UUID AS u"

// goTable is what `datatap table` builds for the template's defaults.
func goTable(t *testing.T, tpl cfnTemplate, stmt string) *table.Table {
	t.Helper()
	prog, err := transform.Compile(stmt)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := table.Build(table.Options{Bucket: "my-bucket", Prefix: fmt.Sprint(tpl.Parameters["Prefix"].Default),
		Program: prog, Database: "analytics", Name: fmt.Sprint(tpl.Parameters["GlueTable"].Default)})
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// TestGlueTableIsDatatapTable: with GlueDatabase and the GlueColumns that
// `datatap table -glue-columns` prints, the template's Glue table is the
// TableInput `datatap table` renders its DDL from (the columns' comments
// aside), for the default Prefix; and moto's Glue creates it.
func TestGlueTableIsDatatapTable(t *testing.T) {
	if config.Default().Prefix != fmt.Sprint(translate(t, withKey, "as-is").Parameters["Prefix"].Default) {
		t.Fatal("the template's default Prefix is not the tap's")
	}
	params := merge(withKey, map[string]string{"BucketName": "my-bucket", "GlueDatabase": "analytics"})
	tpl := translate(t, params, "as-is")
	tb := goTable(t, tpl, glueStatement)
	params["GlueColumns"] = tb.GlueColumns()
	if got := refused(t, tpl, params); len(got) > 0 {
		t.Fatalf("refused: %v", got)
	}
	_, db := resource(t, tpl, "AWS::Glue::Database", params)
	if name := db["DatabaseInput"].(map[string]any)["Name"]; name != "analytics" {
		t.Errorf("database %v", name)
	}
	_, res := resource(t, tpl, "AWS::Glue::Table", params)
	raw, err := json.Marshal(res["TableInput"])
	if err != nil {
		t.Fatal(err)
	}
	var got table.TableInput
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	want := tb.Input
	want.StorageDescriptor.Columns = nil
	for _, c := range tb.Input.StorageDescriptor.Columns {
		want.StorageDescriptor.Columns = append(want.StorageDescriptor.Columns, table.Column{Name: c.Name, Type: c.Type})
	}
	if len(want.StorageDescriptor.Columns) != 10 {
		t.Fatalf("datatap table has %d columns: %v", len(want.StorageDescriptor.Columns), want.StorageDescriptor.Columns)
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		w, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("the template's table\n%s\ndatatap table's\n%s", g, w)
	}

	srv := moto.Start(t)
	srv.Call(t, "glue", "AWSGlue.CreateDatabase", `{"DatabaseInput":{"Name":"analytics"}}`)
	srv.Call(t, "glue", "AWSGlue.CreateTable", `{"DatabaseName":"analytics","TableInput":`+string(raw)+`}`)
	var back struct{ Table table.TableInput }
	if err := json.Unmarshal([]byte(srv.Call(t, "glue", "AWSGlue.GetTable", `{"DatabaseName":"analytics","Name":"datataps"}`)), &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Table, got) {
		t.Errorf("moto's Glue has\n%+v\nwant\n%+v", back.Table, got)
	}
}

// TestGlueColumnsSlots: GlueColumns fills the slots in order, up to the
// last one, and no Glue resource exists without GlueDatabase; a database
// without columns is refused.
func TestGlueColumnsSlots(t *testing.T) {
	tpl := translate(t, withKey, "as-is")
	for name, r := range tpl.Resources {
		if strings.HasPrefix(r.Type, "AWS::Glue::") && holds(t, tpl, r.Condition, withKey) {
			t.Errorf("%s without GlueDatabase", name)
		}
	}
	params := merge(withKey, map[string]string{"GlueDatabase": "analytics"})
	if got := refused(t, tpl, params); len(got) != 1 || !strings.Contains(got[0], "GlueColumns") {
		t.Errorf("GlueDatabase without GlueColumns: refused %v", got)
	}
	var cols []string
	for i := range table.TemplateColumns {
		cols = append(cols, fmt.Sprintf("c%d:bigint", i))
	}
	params["GlueColumns"] = strings.Join(cols, ",")
	_, res := resource(t, tpl, "AWS::Glue::Table", params)
	got := res["TableInput"].(map[string]any)["StorageDescriptor"].(map[string]any)["Columns"].([]any)
	if len(got) != table.TemplateColumns {
		t.Fatalf("%d columns, want %d", len(got), table.TemplateColumns)
	}
	for i, c := range got {
		if want := (map[string]any{"Name": fmt.Sprintf("c%d", i), "Type": "bigint"}); !reflect.DeepEqual(c, want) {
			t.Errorf("column %d: %v, want %v", i, c, want)
		}
	}
}
