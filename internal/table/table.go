// Package table describes what the tap writes as a table that query engines
// can read without a crawler: a Glue table (TableInput, the shape of Glue's
// CreateTable and of CloudFormation's AWS::Glue::Table) with Athena
// partition projection matching TAP_PREFIX, the Athena DDL rendered from
// that same TableInput (so the two cannot drift), and a DuckDB view.
//
// The prefix's folders become partition keys. A folder whose value is one
// strftime verb (year=%Y, %m, hour=%H) is an integer key, with "digits" for
// the zero-padded ones; a folder whose value holds several verbs starting
// with %Y (dt=%Y-%m-%d) is one date key. The statement's PARTITION BY items
// follow, projected as "injected": their values are not known in advance, so
// Athena needs every query to give each of them (WHERE level = 'error').
// storage.location.template spells the folders exactly as the flush writes
// them, so folder names that Athena cannot hold as column names (Year=, a
// folder without name=) still work.
//
// Columns are the statement's declared ones (x::BIGINT AS x, functions
// whose type is fixed); the columns * makes are not known before the data
// arrives, and their types are inferred file by file, so they are left out.
package table

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/datatap/datatap/internal/sink"
	"github.com/datatap/datatap/transform"
)

// Glue's names for the Parquet SerDe and formats.
const (
	ParquetSerDe  = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
	ParquetInput  = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
	ParquetOutput = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
)

// Column is a Glue column: a name and a Hive type.
type Column struct {
	Name    string `json:"Name"`
	Type    string `json:"Type"`
	Comment string `json:"Comment,omitempty"`
}

// SerDeInfo is Glue's SerDeInfo.
type SerDeInfo struct {
	SerializationLibrary string            `json:"SerializationLibrary"`
	Parameters           map[string]string `json:"Parameters,omitempty"`
}

// StorageDescriptor is the part of Glue's StorageDescriptor the table uses.
type StorageDescriptor struct {
	Columns      []Column  `json:"Columns"`
	Location     string    `json:"Location"`
	InputFormat  string    `json:"InputFormat"`
	OutputFormat string    `json:"OutputFormat"`
	SerdeInfo    SerDeInfo `json:"SerdeInfo"`
}

// TableInput is Glue's TableInput, as CreateTable and AWS::Glue::Table take
// it.
type TableInput struct {
	Name              string            `json:"Name"`
	TableType         string            `json:"TableType"`
	Parameters        map[string]string `json:"Parameters"`
	PartitionKeys     []Column          `json:"PartitionKeys"`
	StorageDescriptor StorageDescriptor `json:"StorageDescriptor"`
}

// Options are what the table is built from.
type Options struct {
	Bucket  string // TAP_BUCKET; empty: Dir
	Dir     string // TAP_DIR
	Prefix  string // TAP_PREFIX
	Program *transform.Program
	// Database and Name name the table; an empty Name is derived from the
	// prefix's fixed folders (the last one), else DefaultName.
	Database, Name string
	// FirstYear starts the range of a %Y key (0: DefaultFirstYear); the
	// range ends at LastYear.
	FirstYear int
	// Learned are the columns of the table schema the flushes wrote
	// (flush.LearnedColumns), if read: they give SELECT *'s columns, those
	// the statement does not name itself.
	Learned []transform.Column
	// LearnedFrom names where Learned was read, for the notes.
	LearnedFrom string
}

// Defaults.
const (
	DefaultDatabase  = "datatap"
	DefaultName      = "datatap_events"
	DefaultFirstYear = 2024
	LastYear         = 2099
)

// Table is the tap's output described as a table.
type Table struct {
	Database string
	Input    TableInput
	// Glob is what DuckDB reads: every Parquet file under the prefix's
	// fixed part, s3:// or a local path.
	Glob string
	// Notes are said above the Athena statements, as comments: columns
	// left out, names lower-cased, the injected keys. (The DuckDB view
	// reads every column as the files have it.)
	Notes []string
	// NoColumns says why the statement gives no column at all (SELECT *
	// alone): Athena cannot have a table without columns.
	NoColumns string

	// values holds the strftime pattern of each key from the prefix: what
	// the flush writes where the location template has ${key}.
	values map[string]string
}

// Build describes the output of o.
func Build(o Options) (*Table, error) {
	if o.Program == nil {
		return nil, errors.New("table: no statement")
	}
	first := o.FirstYear
	if first == 0 {
		first = DefaultFirstYear
	}
	fixed, rest := splitPrefix(o.Prefix)
	t := &Table{Database: o.Database}
	if strings.Contains(o.Prefix, "${") {
		return nil, fmt.Errorf("table: TAP_PREFIX %q holds ${, which Athena's storage.location.template would read as a key", o.Prefix)
	}
	if t.Database == "" {
		t.Database = DefaultDatabase
	}
	name := o.Name
	if name == "" {
		name = derivedName(fixed)
	}
	var errs []error
	if err := checkName("database", t.Database); err != nil {
		errs = append(errs, err)
	}
	if err := checkName("table", name); err != nil {
		errs = append(errs, err)
	}
	location := "s3://" + o.Bucket + "/" + fixed
	if o.Bucket == "" {
		abs, err := filepath.Abs(filepath.Join(o.Dir, fixed))
		if err != nil {
			return nil, fmt.Errorf("table: %w", err)
		}
		location = filepath.ToSlash(abs) + "/"
		t.Glob = location + "**/*.parquet"
		t.Notes = append(t.Notes, "TAP_BUCKET is not set: the location is the local folder, which Athena cannot read; set TAP_BUCKET to the bucket the tap writes to")
	} else {
		t.Glob = location + "**/*.parquet"
	}
	params := map[string]string{
		"classification":     "parquet",
		"EXTERNAL":           "TRUE",
		"projection.enabled": "true",
	}
	keys, template, err := prefixKeys(rest, first, params)
	t.values = map[string]string{}
	for _, k := range keys {
		t.values[k.Name], _ = strings.CutPrefix(k.Comment, "TAP_PREFIX ")
	}
	if err != nil {
		errs = append(errs, err)
	}
	if tm := o.Program.Time(); tm != "" && len(keys) > 0 {
		t.Notes = append(t.Notes, fmt.Sprintf("TAP_TIME=%s: the prefix's folders hold each row's event time, so the projection lists only the times it covers (%%Y keys: %d to %d; a date key: from %d to NOW): rows of other times are stored, and read by DuckDB, but Athena does not see them (lower -first-year for older events)", tm, first, LastYear, first))
	}
	taken := map[string]string{}
	for _, k := range keys {
		taken[k.Name] = "the prefix's " + k.Name + " folder"
	}
	var injected []string
	for _, p := range o.Program.Partitions() {
		key := strings.ToLower(p.Name)
		if err := checkName("PARTITION BY item", p.Name); err != nil {
			errs = append(errs, err)
			continue
		}
		if by, ok := taken[key]; ok {
			errs = append(errs, fmt.Errorf("table: PARTITION BY %s: Athena names it %s, as %s", p.Name, key, by))
			continue
		}
		taken[key] = "PARTITION BY " + p.Name
		keys = append(keys, Column{Name: key, Type: "string", Comment: "PARTITION BY " + p.Name})
		params["projection."+key+".type"] = "injected"
		template += escapedName(p.Name) + "=${" + key + "}/"
		injected = append(injected, key)
	}
	if len(injected) > 0 {
		t.Notes = append(t.Notes, fmt.Sprintf("%s: projected as injected (values not known in advance): every Athena query must give each one, WHERE %s = '…'; values other than [A-Za-z0-9._-] are percent-encoded in the folder names, NULL is %s", strings.Join(injected, ", "), injected[0], sink.NullPartition))
	}
	params["storage.location.template"] = location + template
	var cols []Column
	var left, lowered, shadowed []string
	keyNames := map[string]string{} // a column cannot have a partition key's name
	for k, by := range taken {
		keyNames[k] = by
	}
	for _, c := range starColumns(o, &t.Notes) {
		switch {
		case c.Star:
			continue
		case c.Type == transform.Null:
			left = append(left, c.Name)
			continue
		}
		if err := checkName("column", c.Name); err != nil {
			errs = append(errs, err)
			continue
		}
		key := strings.ToLower(c.Name)
		if by, ok := keyNames[key]; ok {
			shadowed = append(shadowed, fmt.Sprintf("%s (%s)", c.Name, by))
			continue
		}
		if by, ok := taken[key]; ok {
			errs = append(errs, fmt.Errorf("table: column %s: Athena names it %s, as %s", c.Name, key, by))
			continue
		}
		taken[key] = "column " + c.Name
		if key != c.Name {
			lowered = append(lowered, c.Name)
		}
		typ, comment := HiveType(c.Type)
		cols = append(cols, Column{Name: key, Type: typ, Comment: comment})
	}
	if len(left) > 0 {
		t.Notes = append(t.Notes, fmt.Sprintf("no declared type, left out: %s (cast them, x::BIGINT AS x, to include them)", strings.Join(left, ", ")))
	}
	if len(shadowed) > 0 {
		t.Notes = append(t.Notes, fmt.Sprintf("left out, as Athena cannot have a column and a partition key of one name (the key holds the folder's value): %s", strings.Join(shadowed, ", ")))
	}
	if len(lowered) > 0 {
		t.Notes = append(t.Notes, fmt.Sprintf("Athena lower-cases names, and matches Parquet columns to them whatever their case: %s", strings.Join(lowered, ", ")))
	}
	if len(cols) == 0 {
		t.NoColumns = "the statement declares no column type (" + o.Program.Source() + "): cast the columns the table should have, SELECT *, ts::TIMESTAMP AS ts, n::BIGINT AS n …, or, once the tap has flushed, run datatap table -from-data"
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	t.Input = TableInput{
		Name:          strings.ToLower(name),
		TableType:     "EXTERNAL_TABLE",
		Parameters:    params,
		PartitionKeys: keys,
		StorageDescriptor: StorageDescriptor{
			Columns:      cols,
			Location:     location,
			InputFormat:  ParquetInput,
			OutputFormat: ParquetOutput,
			SerdeInfo:    SerDeInfo{SerializationLibrary: ParquetSerDe, Parameters: map[string]string{"serialization.format": "1"}},
		},
	}
	return t, nil
}

// starColumns is the statement's columns with * replaced by the learned
// columns it does not name itself (in the table schema's order), or, with
// none learned, left as it is, said in notes.
func starColumns(o Options, notes *[]string) []transform.Column {
	cols := o.Program.Columns()
	i := slices.IndexFunc(cols, func(c transform.Column) bool { return c.Star })
	if i < 0 {
		return cols
	}
	if o.Learned == nil {
		*notes = append(*notes, "SELECT *: the columns * makes are not known before the data: left out (once the tap has flushed, datatap table -from-data reads their types from the table schema the flushes keep; or add them with ALTER TABLE … ADD COLUMNS)")
		return cols
	}
	named := map[string]bool{}
	for _, c := range cols {
		named[c.Name] = true
	}
	var star []transform.Column
	for _, c := range o.Learned {
		if !named[c.Name] {
			star = append(star, c)
		}
	}
	*notes = append(*notes, fmt.Sprintf("SELECT *: %d columns from the table schema at %s, as the flushes so far learned them; a field first seen later is added there, not here: run datatap table -from-data again and ALTER TABLE … ADD COLUMNS", len(star), o.LearnedFrom))
	return slices.Concat(cols[:i], star, cols[i+1:])
}

// HiveType is the Athena/Glue type of a column the tap writes as t (see
// internal/parquetfile/schema.go), and a comment when the type says less
// than the column holds.
func HiveType(t transform.Type) (typ, comment string) {
	if elem, ok := t.Elem(); ok {
		e, _ := HiveType(elem)
		return "array<" + e + ">", ""
	}
	if fs := t.Fields(); fs != nil {
		parts := make([]string, len(fs))
		for i, f := range fs {
			ft, _ := HiveType(f.Type)
			name := f.Name
			if !plainName(name) {
				name = hiveQuote(name)
			}
			parts[i] = name + ":" + ft
		}
		return "struct<" + strings.Join(parts, ",") + ">", ""
	}
	if p, s, ok := t.Decimal(); ok {
		return fmt.Sprintf("decimal(%d,%d)", p, s), ""
	}
	switch t {
	case transform.Boolean:
		return "boolean", ""
	case transform.Int32:
		return "int", ""
	case transform.Int64:
		return "bigint", ""
	case transform.Double:
		return "double", ""
	case transform.TinyInt:
		return "tinyint", ""
	case transform.SmallInt:
		return "smallint", ""
	// Hive has no unsigned integers: the narrowest signed type that holds
	// every value, as Spark reads Parquet UINT(n) (SPARK-34817, SPARK-34786).
	case transform.UTinyInt:
		return "smallint", "UTINYINT"
	case transform.USmallInt:
		return "int", "USMALLINT"
	case transform.UInteger:
		return "bigint", "UINTEGER"
	case transform.UBigInt:
		return "decimal(20,0)", "UBIGINT"
	case transform.Float:
		return "float", ""
	case transform.Varchar:
		return "string", ""
	case transform.Timestamp:
		return "timestamp", "UTC, microseconds"
	case transform.Date:
		return "date", ""
	case transform.JSON:
		return "string", "JSON text"
	case transform.Time:
		return "bigint", "TIME: microseconds since midnight"
	case transform.UUID:
		return "binary", "UUID: 16 bytes"
	}
	return "string", ""
}

// plainName reports whether a struct field name needs no quoting in Hive
// DDL: letters, digits and underscores, not starting with a digit.
func plainName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

// TemplateColumns is how many columns the SAM template's GlueColumns
// parameter can hold (sam/template.yaml has that many slots).
const TemplateColumns = 40

// GlueColumns is the columns as name:type,name:type, the SAM template's
// GlueColumns parameter.
func (t *Table) GlueColumns() string {
	var parts []string
	for _, c := range t.Input.StorageDescriptor.Columns {
		parts = append(parts, c.Name+":"+c.Type)
	}
	return strings.Join(parts, ",")
}

// splitPrefix cuts a TAP_PREFIX pattern after the last '/' before its
// first strftime verb: the fixed folders (with %% made %), and the rest.
func splitPrefix(pattern string) (fixed, rest string) {
	cut := len(pattern)
	for i := 0; i < len(pattern); i++ {
		if pattern[i] == '%' {
			if i+1 < len(pattern) && pattern[i+1] == '%' {
				i++
				continue
			}
			cut = i
			break
		}
	}
	cut = strings.LastIndexByte(pattern[:cut], '/') + 1
	return strings.ReplaceAll(pattern[:cut], "%%", "%"), pattern[cut:]
}

// verbs are the strftime verbs of sink.ObjectPrefix as projection keys: a
// name for a folder that has none, the integer range and digits, and the
// Java DateTimeFormatter letters and interval unit for a date key.
var verbs = map[byte]struct {
	name       string
	lo, hi     int
	digits     int
	java, unit string
}{
	'Y': {"year", 0, LastYear, 0, "yyyy", "YEARS"},
	'm': {"month", 1, 12, 2, "MM", "MONTHS"},
	'd': {"day", 1, 31, 2, "dd", "DAYS"},
	'j': {"yday", 1, 366, 3, "DDD", "DAYS"},
	'H': {"hour", 0, 23, 2, "HH", "HOURS"},
	'M': {"minute", 0, 59, 2, "mm", "MINUTES"},
	'S': {"second", 0, 59, 2, "ss", "SECONDS"},
}

// fineness orders the verbs for a date key's interval unit.
const fineness = "YmdjHMS"

// prefixKeys turns the folders after the fixed part into partition keys,
// setting their projection parameters, and returns the location template
// of those folders (relative to the fixed part).
func prefixKeys(rest string, firstYear int, params map[string]string) ([]Column, string, error) {
	var keys []Column
	var tmpl strings.Builder
	used := map[string]bool{}
	segs := strings.Split(rest, "/")
	for i, seg := range segs {
		if i > 0 {
			tmpl.WriteByte('/')
		}
		first, last := verbSpan(seg)
		if first < 0 {
			tmpl.WriteString(strings.ReplaceAll(seg, "%%", "%"))
			continue
		}
		head, value, tail := seg[:first], seg[first:last], seg[last:]
		var name string
		if n, ok := strings.CutSuffix(head, "="); ok && n != "" && !strings.Contains(n, "=") {
			name = strings.ToLower(n)
			if err := checkName("TAP_PREFIX folder", n); err != nil {
				return nil, "", err
			}
		}
		vs := verbsIn(value)
		if name == "" {
			name = "dt"
			if len(vs) == 1 {
				name = verbs[vs[0]].name
			}
			for k := 2; used[name]; k++ {
				name = strings.TrimRight(name, "_0123456789") + "_" + strconv.Itoa(k)
			}
		}
		if used[name] {
			return nil, "", fmt.Errorf("table: TAP_PREFIX has two %s= folders", name)
		}
		used[name] = true
		if len(vs) == 1 && value == "%"+string(vs[0]) {
			v := verbs[vs[0]]
			lo := v.lo
			if vs[0] == 'Y' {
				lo = firstYear
			}
			params["projection."+name+".type"] = "integer"
			params["projection."+name+".range"] = fmt.Sprintf("%d,%d", lo, v.hi)
			if v.digits > 0 {
				params["projection."+name+".digits"] = strconv.Itoa(v.digits)
			}
			keys = append(keys, Column{Name: name, Type: "int", Comment: "TAP_PREFIX %" + string(vs[0])})
		} else {
			format, unit, err := dateFormat(value)
			if err != nil {
				return nil, "", fmt.Errorf("table: TAP_PREFIX folder %q: %w", seg, err)
			}
			from, _ := sink.ObjectPrefix(value, time.Date(firstYear, 1, 1, 0, 0, 0, 0, time.UTC))
			params["projection."+name+".type"] = "date"
			params["projection."+name+".format"] = format
			params["projection."+name+".range"] = from + ",NOW"
			params["projection."+name+".interval"] = "1"
			params["projection."+name+".interval.unit"] = unit
			keys = append(keys, Column{Name: name, Type: "string", Comment: "TAP_PREFIX " + value})
		}
		tmpl.WriteString(strings.ReplaceAll(head, "%%", "%"))
		tmpl.WriteString("${" + name + "}")
		tmpl.WriteString(strings.ReplaceAll(tail, "%%", "%"))
	}
	return keys, tmpl.String(), nil
}

// verbSpan returns where the first verb of seg starts and the last one
// ends, or -1, -1 without verbs ("%%" is not a verb).
func verbSpan(seg string) (first, last int) {
	first, last = -1, -1
	for i := 0; i+1 < len(seg); i++ {
		if seg[i] != '%' {
			continue
		}
		if seg[i+1] != '%' {
			if first < 0 {
				first = i
			}
			last = i + 2
		}
		i++
	}
	return first, last
}

// verbsIn lists the verbs of value in order.
func verbsIn(value string) []byte {
	var vs []byte
	for i := 0; i+1 < len(value); i++ {
		if value[i] == '%' {
			if value[i+1] != '%' {
				vs = append(vs, value[i+1])
			}
			i++
		}
	}
	return vs
}

// dateFormat is the Java DateTimeFormatter pattern of a folder value made
// of several verbs, and the unit of its finest verb. The value must start
// with a year, or the date would not be one.
func dateFormat(value string) (format, unit string, err error) {
	var b strings.Builder
	finest := -1
	vs := verbsIn(value)
	if len(vs) == 0 || vs[0] != 'Y' {
		return "", "", errors.New("a folder of several strftime verbs must start with %Y (a date); put each verb in its own folder, month=%m/day=%d")
	}
	for i := 0; i < len(value); i++ {
		c := value[i]
		if c == '%' && i+1 < len(value) {
			i++
			if value[i] == '%' {
				b.WriteByte('%')
				continue
			}
			v := verbs[value[i]]
			b.WriteString(v.java)
			finest = max(finest, strings.IndexByte(fineness, value[i]))
			continue
		}
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte("'[]{}#", c) >= 0 {
			return "", "", fmt.Errorf("%q between the verbs: Athena's date format (Java's DateTimeFormatter) cannot hold it", c)
		}
		b.WriteByte(c)
	}
	return b.String(), verbs[fineness[finest]].unit, nil
}

// derivedName is the table name a prefix suggests: its last fixed folder,
// when it can be an Athena name, else DefaultName.
func derivedName(fixed string) string {
	segs := strings.Split(strings.TrimSuffix(fixed, "/"), "/")
	last := strings.ToLower(strings.ReplaceAll(segs[len(segs)-1], "-", "_"))
	if last == "" || checkName("", last) != nil {
		return DefaultName
	}
	return last
}

// checkName refuses a name Athena cannot hold: Athena keeps lower-case
// letters, digits and the underscore (it lower-cases the rest, which this
// package does too), 255 bytes at most.
func checkName(what, name string) error {
	if name == "" {
		return fmt.Errorf("table: empty %s name", what)
	}
	if len(name) > 255 {
		return fmt.Errorf("table: %s name %.20q…: longer than Athena's 255 bytes", what, name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return fmt.Errorf("table: %s name %q: Athena names hold only letters, digits and _ (rename it, … AS %s)", what, name, suggest(name))
		}
	}
	return nil
}

// suggest is name with every character Athena cannot hold made '_'.
func suggest(name string) string {
	b := []byte(strings.ToLower(name))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			b[i] = '_'
		}
	}
	return string(b)
}

// escapedName is a PARTITION BY name as the flush writes it in keys.
func escapedName(name string) string {
	p := sink.PartitionPath([]string{name}, []string{"x"}, nil)
	return strings.TrimSuffix(p, "=x/")
}

// sortedKeys returns m's keys in order, for output that does not change
// from run to run.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
