package parquetfile

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/datatap/datatap/transform"
)

// TestUseDictionary checks the probe's decision on samples of known
// cardinality, drawn the way a log would produce them.
func TestUseDictionary(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	ints := func(distinct int64) []parquet.Value {
		vals := make([]parquet.Value, probeRows)
		for i := range vals {
			vals[i] = parquet.Int64Value(r.Int64N(distinct)).Level(0, 1, 0)
		}
		return vals
	}
	strs := func(distinct int) []parquet.Value {
		vals := make([]parquet.Value, probeRows)
		for i := range vals {
			vals[i] = parquet.ByteArrayValue(fmt.Appendf(nil, "value-%d", r.IntN(distinct))).Level(0, 1, 0)
		}
		return vals
	}
	nulls := make([]parquet.Value, probeRows)
	f := func(name string, typ transform.Type, vals []parquet.Value, complete, want bool) {
		t.Helper()
		if got := useDictionary(typ, vals, DefaultRowGroupRows, complete); got != want {
			t.Errorf("%s: dictionary %v, want %v", name, got, want)
		}
	}
	f("20 status codes", transform.Int32, ints(20), false, true)
	f("5,000 user ids", transform.Int64, ints(5_000), false, true)
	f("20,000 values (16% of a row group)", transform.Int64, ints(20_000), false, true)
	f("60,000 ports (43% of a row group)", transform.Int64, ints(60_000), false, false)
	f("unique ids", transform.Int64, ints(1<<62), false, false)
	f("a whole file of 4,096 rows, 2,000 distinct", transform.Int64, ints(2_000), true, false)
	f("booleans", transform.Boolean, []parquet.Value{parquet.BooleanValue(true).Level(0, 1, 0)}, false, false)
	f("all-NULL numbers", transform.Int64, nulls, false, false)
	f("all-NULL strings", transform.Varchar, nulls, false, true)
	f("12 services", transform.Varchar, strs(12), false, true)
	f("2,000 paths", transform.Varchar, strs(2_000), false, true)
	f("unique messages", transform.Varchar, strs(1<<30), false, false)
	f("unique JSON", transform.JSON, strs(1<<30), false, false)
}

// TestDistinctShare checks Chao's estimate against the truth on uniform
// samples: within 15% of the distinct values a full row group holds.
func TestDistinctShare(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	for _, distinct := range []int64{1_000, 5_000, 20_000} {
		vals := make([]parquet.Value, probeRows)
		for i := range vals {
			vals[i] = parquet.Int64Value(r.Int64N(distinct)).Level(0, 1, 0)
		}
		share, ok := distinctShare(new(counts[uint64]), vals, DefaultRowGroupRows, false, fixedKey, fixedHash)
		want := float64(distinct) / DefaultRowGroupRows // all appear in 122,880 draws
		if !ok || share < want*0.85 || share > want*1.15 {
			t.Errorf("%d distinct values: estimated share %.4f, want %.4f ± 15%%", distinct, share, want)
		}
	}
}

// TestCounts compares the sample's counts table with a Go map, on keys
// that collide for a weak hash (multiples of large powers of two, one bit
// each) and on strings, with every table size near the sample's.
func TestCounts(t *testing.T) {
	reused := new(counts[uint64]) // reset between sizes, as the pool's are
	check := func(name string, n int, add func(c *counts[uint64], m map[uint64]int32, i int)) {
		c, m := reused, map[uint64]int32{}
		c.reset(n)
		for i := range n {
			add(c, m, i)
		}
		got := map[uint64]int32{}
		for i, k := range c.keys {
			if c.counts[i] != 0 {
				got[k] = c.counts[i]
			}
		}
		if c.distinct != len(m) || len(got) != len(m) {
			t.Fatalf("%s, %d: %d distinct (%d slots), want %d", name, n, c.distinct, len(got), len(m))
		}
		for k, v := range m {
			if got[k] != v {
				t.Fatalf("%s, %d: key %d counted %d, want %d", name, n, k, got[k], v)
			}
		}
	}
	for _, n := range []int{0, 1, 7, 8, 9, 100, probeRows} {
		check("shifted", n, func(c *counts[uint64], m map[uint64]int32, i int) {
			k := uint64(i%50) << 40
			c.add(k, fixedHash(k))
			m[k]++
		})
		check("bits", n, func(c *counts[uint64], m map[uint64]int32, i int) {
			k := uint64(1) << (i % 64)
			c.add(k, fixedHash(k))
			m[k]++
		})
	}
	c, m := new(counts[string]), map[string]int32{}
	c.reset(probeRows)
	for i := range probeRows {
		k := fmt.Sprintf("v%d", i%300)
		c.add(k, stringHash(k))
		m[k]++
	}
	if c.distinct != len(m) {
		t.Fatalf("strings: %d distinct, want %d", c.distinct, len(m))
	}
}
