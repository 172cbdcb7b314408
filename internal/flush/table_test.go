package flush

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/datatap/datatap/internal/awscreds"
	"github.com/datatap/datatap/internal/config"
	"github.com/datatap/datatap/internal/sink"
	s3sink "github.com/datatap/datatap/internal/sink/s3"
	"github.com/datatap/datatap/internal/testenv/duckdb"
	"github.com/datatap/datatap/internal/testenv/minio"
	"github.com/datatap/datatap/transform"
)

func TestTablePrefix(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		if got := TablePrefix(in); got != want {
			t.Errorf("TablePrefix(%q) = %q, want %q", in, got, want)
		}
	}
	f("datataps/year=%Y/month=%m/", "datataps/")
	f("a/b/", "a/b/")
	f("a/b", "a/")
	f("%Y/", "")
	f("logs/x%Y/", "logs/")
}

// TestTableKeepsTypesMinIO is the acceptance test of a stable schema: two
// taps (two Flushers, each its own spool, sink and copy of the table
// schema) flush rounds of drifting rows (ints then strings, NULLs first,
// new fields, nested objects, two partitions) to the same prefix of a real
// MinIO at the same time. Then every Parquet file has the same type for
// every column it shares with another, DuckDB reads the whole prefix
// without union_by_name, and every value sent is in its column or in the
// overflow column, as many in the overflow as the flushes counted.
func TestTableKeepsTypesMinIO(t *testing.T) {
	if testing.Short() {
		t.Skip("starts MinIO")
	}
	duckdb.Require(t)
	srv := minio.Start(t)
	for _, kv := range srv.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	const rounds, rowsPerRound = 6, 10
	sent := map[string]int{} // non-NULL values sent per field
	var mu sync.Mutex
	var overflowed int64
	taps := make([]*testSpool, 2)
	for w := range taps {
		region, endpoint := config.S3Env(os.LookupEnv)
		sk, err := s3sink.New(context.Background(), srv.Bucket, s3sink.Options{Region: region, Endpoint: endpoint, Credentials: awscreds.Load})
		if err != nil {
			t.Fatal(err)
		}
		taps[w] = newTestSpool(t, "SELECT * PARTITION BY k")
		taps[w].f.Sink, taps[w].f.Prefix = sk, "t/%Y/"
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(taps))
	lines := make([][][]string, len(taps))
	for w := range taps {
		for r := range rounds {
			var ls []string
			for i := range rowsPerRound {
				m := map[string]any{"k": []string{"a", "b"}[i%2], "i": i}
				if r < 2 { // v: ints first, then strings; n: NULL first, then each tap its own type
					m["v"] = r*100 + i
					m["n"] = nil
				} else {
					m["v"] = fmt.Sprintf("s%d", i)
					m["n"] = []any{i, fmt.Sprint(i)}[w]
				}
				m[fmt.Sprintf("new%d", r)] = 1.5
				if i%3 == 0 {
					m["obj"] = map[string]any{"x": i, "y": []int{r}}
				}
				b, _ := json.Marshal(m)
				ls = append(ls, string(b))
				for k, v := range m {
					if v != nil && k != "k" {
						sent[k]++
					}
				}
			}
			lines[w] = append(lines[w], ls)
		}
	}
	for w, ts := range taps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				ts.add(t, lines[w][r]...)
				if err := ts.f.All(context.Background(), ts.sp); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, ts := range taps {
		for _, r := range ts.res {
			mu.Lock()
			overflowed += r.Overflowed
			mu.Unlock()
		}
	}

	// Download the prefix, to read it with DuckDB.
	local := t.TempDir()
	out, err := srv.Client().ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: &srv.Bucket, Prefix: ptr("t/")})
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	for _, o := range out.Contents {
		obj, err := srv.Client().GetObject(context.Background(), &s3.GetObjectInput{Bucket: &srv.Bucket, Key: o.Key})
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(obj.Body)
		obj.Body.Close()
		p := filepath.Join(local, filepath.FromSlash(*o.Key))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(*o.Key, ".parquet") {
			files++
		}
	}
	schema, err := os.ReadFile(filepath.Join(local, "t", filepath.FromSlash(TableSchemaName)))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d Parquet files, %d values overflowed; %s", files, overflowed, schema)
	var tf tableFile
	if err := json.Unmarshal(schema, &tf); err != nil {
		t.Fatal(err)
	}
	types := map[string]string{}
	for _, c := range tf.Columns {
		if _, dup := types[c.Name]; dup {
			t.Errorf("column %s twice in the table schema", c.Name)
		}
		types[c.Name] = c.Type
	}
	if types["v"] != transform.Int64.String() {
		t.Errorf("v is %s in the table, want INT64 (its first values)", types["v"])
	}
	// The nested objects are a native STRUCT (TAP_NESTED=native, shape.go),
	// the same one whichever tap added it first.
	if want := "STRUCT(x INT64, y INT64[])"; types["obj"] != want {
		t.Errorf("obj is %s in the table, want %s", types["obj"], want)
	}
	if files < 2*rounds {
		t.Errorf("%d files, want at least %d", files, 2*rounds)
	}

	glob := filepath.Join(local, "t", "**", "*.parquet")
	q := func(sql string) duckdb.Result {
		t.Helper()
		res, err := duckdb.Run(context.Background(), sql)
		if err != nil {
			t.Fatal(err)
		}
		if res[0].Err != "" {
			t.Fatalf("%s: %s", sql, res[0].Err)
		}
		return res[0]
	}
	// One physical and logical type per column name, over every file.
	mixed := q(fmt.Sprintf(`SELECT name, list(DISTINCT type || '/' || coalesce(logical_type, '')) FROM parquet_schema('%s')
		WHERE num_children IS NULL OR num_children = 0 GROUP BY name HAVING count(DISTINCT type || '/' || coalesce(logical_type, '')) > 1`, glob))
	if len(mixed.Rows) > 0 {
		t.Errorf("columns with more than one type across files: %v", mixed.Rows)
	}
	// Every value sent is in its column or in the overflow, once.
	total := int64(0)
	for field, n := range sent {
		res := q(fmt.Sprintf(`SELECT count("%[1]s") + count(json_extract(_overflow, '$.%[1]s')) FROM read_parquet('%[2]s', union_by_name = true)`, field, glob))
		got := toInt(res.Rows[0][0])
		if got != int64(n) {
			t.Errorf("field %s: %d values in the table, %d sent", field, got, n)
		}
		res = q(fmt.Sprintf(`SELECT count(json_extract(_overflow, '$.%[1]s')) FROM read_parquet('%[2]s', union_by_name = true)`, field, glob))
		total += toInt(res.Rows[0][0])
	}
	if total != overflowed || overflowed == 0 {
		t.Errorf("%d values in the overflow column, the flushes counted %d", total, overflowed)
	}
	// DuckDB reads the prefix without union_by_name: the column sets differ
	// (fields came and went), but no type does.
	plain := q(fmt.Sprintf(`SELECT count(*), count(v), typeof(any_value(v)) FROM read_parquet('%s')`, glob))
	t.Logf("without union_by_name: %v", plain.Rows)
	if toInt(plain.Rows[0][0]) != int64(2*rounds*rowsPerRound) {
		t.Errorf("%v rows read without union_by_name, want %d", plain.Rows[0][0], 2*rounds*rowsPerRound)
	}
}

func ptr[T any](v T) *T { return &v }

func toInt(v any) int64 {
	switch x := v.(type) {
	case float64:
		return int64(x)
	case string:
		var n int64
		fmt.Sscan(x, &n)
		return n
	case json.Number:
		n, _ := x.Int64()
		return n
	}
	return -1
}

// countingSink counts the table schema requests of a Versioned sink.
type countingSink struct {
	sink.Versioned
	mu         sync.Mutex
	gets, puts int
}

func (c *countingSink) GetVersion(ctx context.Context, key string) ([]byte, string, error) {
	c.mu.Lock()
	c.gets++
	c.mu.Unlock()
	return c.Versioned.GetVersion(ctx, key)
}

func (c *countingSink) PutIf(ctx context.Context, key string, data []byte, version string) (string, error) {
	c.mu.Lock()
	c.puts++
	c.mu.Unlock()
	return c.Versioned.PutIf(ctx, key, data, version)
}

// TestTableSchemaCost: a process reads the table schema once, and writes
// it only for flushes that bring a new column; a value that does not fit
// its column's type goes to the overflow column and is counted.
func TestTableSchemaCost(t *testing.T) {
	ts := newTestSpool(t, "SELECT *")
	cs := &countingSink{Versioned: ts.f.Sink.(sink.Versioned)}
	ts.f.Sink = cs
	for i := range 10 {
		ts.add(t, fmt.Sprintf(`{"a":%d,"b":"x"}`, i))
		if err := ts.f.All(context.Background(), ts.sp); err != nil {
			t.Fatal(err)
		}
	}
	ts.add(t, `{"a":"not a number","c":true}`)
	if err := ts.f.All(context.Background(), ts.sp); err != nil {
		t.Fatal(err)
	}
	if cs.gets != 1 || cs.puts != 2 {
		t.Errorf("11 flushes made %d schema reads and %d writes, want 1 and 2 (the first flush, and the one that brought c)", cs.gets, cs.puts)
	}
	last := ts.res[len(ts.res)-1]
	if last.Overflowed != 1 {
		t.Errorf("Overflowed %d, want 1 (the string in the BIGINT column a)", last.Overflowed)
	}
}

// TestFit: a value goes into a column of the table's type when it converts
// without loss, and to the overflow otherwise.
func TestFit(t *testing.T) {
	dec, _ := transform.DecimalOf(5, 2)
	dec2, _ := transform.DecimalOf(8, 2)
	wide, _ := transform.DecimalOf(38, 10)
	d19, _ := transform.DecimalOf(19, 0)
	d191, _ := transform.DecimalOf(19, 1)
	num := func(f float64) transform.Value { return transform.Value{Type: transform.Double, F: f} }
	i64 := func(i int64) transform.Value { return transform.Value{Type: transform.Int64, I: i} }
	str := func(s string) transform.Value { return transform.Value{Type: transform.Varchar, S: s} }
	for _, c := range []struct {
		v    transform.Value
		t    transform.Type
		fits bool
	}{
		{i64(7), transform.Int32, true},
		{num(7), transform.Int64, true},
		{num(7.5), transform.Int64, false},
		{str("abc"), transform.Int64, false},
		{i64(7), transform.Double, true},
		{i64(7), transform.Varchar, true},
		{i64(100), transform.TinyInt, true},
		{i64(300), transform.TinyInt, false},
		{i64(-1), transform.UTinyInt, false},
		{i64(65535), transform.USmallInt, true},
		{i64(1 << 40), transform.UBigInt, true},
		{i64(123), dec, true},
		{i64(1234), dec, false}, // DECIMAL(5,2) holds up to 999.99
		{str("1.5"), dec, false},
		{i64(math.MinInt64), wide, true},
		{i64(math.MaxInt64), d19, true},
		{i64(math.MaxInt64), d191, false},                             // DECIMAL(19,1) holds 18 integer digits
		{transform.DecimalValue(dec, -1, ^uint64(99998)), wide, true}, // -999.99
		{transform.DecimalValue(wide, 0, 150), dec, false},            // DECIMAL(38,10) into DECIMAL(5,2): would round
		{transform.DecimalValue(dec2, 0, 10000000), dec, false},       // 100000.00 is past DECIMAL(5,2)
		{transform.DecimalValue(dec2, 0, 100), dec, true},
		{transform.DecimalValue(dec, 0, 100), dec2, true},
		{transform.DecimalValue(wide, 0, 150), transform.Varchar, true},
	} {
		var st transform.State
		got, ok := fit(&st, c.v, c.t)
		if ok != c.fits {
			t.Errorf("fit(%s %s, %s) = %v, want %v", c.v.Type, c.v.AppendJSON(nil), c.t, ok, c.fits)
		}
		if ok && got.Type != c.t && c.t != transform.Varchar {
			t.Errorf("fit(%s, %s) gave a %s", c.v.AppendJSON(nil), c.t, got.Type)
		}
		if st.CastFailures != 0 {
			t.Errorf("fit(%s, %s) counted a cast failure: overflowed values are not lost", c.v.AppendJSON(nil), c.t)
		}
	}
}
