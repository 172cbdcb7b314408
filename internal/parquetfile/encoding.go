package parquetfile

import (
	"hash/maphash"
	"math"
	"sync"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"

	"github.com/datatap/datatap/transform"
)

// Choosing encodings.
//
// The file uses only PLAIN and RLE_DICTIONARY, the encodings DuckDB writes by
// default and every reader understands. DELTA_BINARY_PACKED would make log
// timestamps 25% smaller (2.5% of the file), but Spark's vectorized reader
// before 3.3, among others, rejects the DELTA_* encodings.
//
// Which of the two suits a column depends on its data: a dictionary makes
// low-cardinality columns (levels, services, status codes, user ids) several
// times smaller, but on nearly unique columns (timestamps, byte counts,
// messages) it is larger than PLAIN and slower to build: on log data, a
// dictionary on every column makes the file 10% larger, on random numbers
// 26%; none makes log files 12% larger. parquet-go fixes a
// column's encoding for the whole file and can only fall back from a
// dictionary to PLAIN when the dictionary passes a size in bytes, the same
// for every column: a size that lets a string column keep a useful 1 MiB
// dictionary lets an INT64 column index 131,072 distinct values, more than a
// row group holds, so it never falls back. DuckDB instead decides per column
// from the number of distinct values.
//
// So the Writer looks before it leaps: it holds the first probeRows rows,
// estimates from them how many distinct values each column will have in a
// row group, and gives a column a dictionary only if that is a small enough
// share of its values. The dictionary size limit stays as a safety net for
// data that changes later in the file.

const (
	// probeRows is how many rows the Writer holds before choosing the
	// encodings: enough for the estimate below to tell 5,000 distinct user
	// ids from 50,000 distinct ports.
	probeRows = 4096

	// probeBytes ends the probe early when the held rows' text reaches this
	// size, so that very long values cannot make it hold megabytes.
	probeBytes = 4 << 20

	// maxDictShareFixed is the highest estimated share of distinct values
	// for which a fixed-width column (numbers, dates, timestamps) gets a
	// dictionary. Measured on log-like data: 20,000 distinct INT32 values in
	// a 122,880-row group (16%) are smaller with a dictionary, 52,000 (43%)
	// without; DuckDB draws its line in the same place.
	maxDictShareFixed = 0.25

	// maxDictShareBytes is the same for strings. A dictionary pays off for
	// them up to a higher share, because each repeated string becomes a few
	// bits: URL paths with ids in them (about half distinct) are 10% smaller
	// with one, log messages (nearly all distinct) 1-2% larger.
	maxDictShareBytes = 0.7
)

// chooseEncodings returns the data page encoding of each column, given the
// first rows of the file: vals[i] holds column i's values, rowGroupRows is
// how many rows a row group will hold, and complete reports whether the
// sample is the whole file.
func chooseEncodings(cols []Column, vals [][]parquet.Value, rowGroupRows int, complete bool) []encoding.Encoding {
	encs := make([]encoding.Encoding, len(cols))
	for i, c := range cols {
		if useDictionary(c.Type, vals[i], rowGroupRows, complete) {
			encs[i] = &parquet.RLEDictionary
		} else {
			encs[i] = &parquet.Plain
		}
	}
	return encs
}

// useDictionary reports whether a column of type t whose first values are
// vals should be dictionary encoded.
func useDictionary(t transform.Type, vals []parquet.Value, rowGroupRows int, complete bool) bool {
	switch t {
	case transform.Boolean:
		return false // one bit per value already: smaller than any index
	case transform.Varchar, transform.JSON, transform.UUID:
		// Not extrapolated: strings are often a few frequent values and a
		// long tail of unique ones (URL paths with ids), which Chao's
		// estimator rightly sees as many distinct values, but a dictionary
		// still turns the frequent half into a few bits each.
		c := stringCounts.Get().(*counts[string])
		share, ok := distinctShare(c, vals, len(vals), true, byteArrayKey, stringHash)
		stringCounts.Put(c)
		return !ok || share <= maxDictShareBytes
	default:
		c := fixedCounts.Get().(*counts[uint64])
		share, ok := distinctShare(c, vals, rowGroupRows, complete, fixedKey, fixedHash)
		fixedCounts.Put(c)
		return ok && share <= maxDictShareFixed
	}
}

// byteArrayKey views v's bytes as a string without copying: the sample's
// bytes do not change while its counts are taken.
func byteArrayKey(v parquet.Value) string {
	b := v.ByteArray()
	return unsafe.String(unsafe.SliceData(b), len(b))
}

func fixedKey(v parquet.Value) uint64 {
	switch v.Kind() {
	case parquet.Boolean:
		if v.Boolean() {
			return 1
		}
		return 0
	case parquet.Int32:
		return uint64(uint32(v.Int32()))
	case parquet.Float:
		return uint64(math.Float32bits(v.Float()))
	case parquet.Double:
		return math.Float64bits(v.Double())
	default:
		return uint64(v.Int64())
	}
}

// distinctShare estimates the share of distinct values among the non-NULL
// values of a row group, from the sample vals (one value per row), counting
// them in c. ok is false when the sample has no non-NULL value to go by.
//
// When the sample is the whole file the share is exact. Otherwise the number
// of distinct values in the row group is estimated with Chao's estimator
// (bias-corrected Chao1), d + f1(f1-1) / 2(f2+1), where f1 and f2 count the
// values seen once and twice: it extrapolates from how often values repeat,
// and comes within a few percent on uniform data (5,000 ids in 4,096 rows are
// estimated as about 5,000, not 2,800 seen nor 122,880 possible).
func distinctShare[K comparable](c *counts[K], vals []parquet.Value, rowGroupRows int, complete bool, key func(parquet.Value) K, hash func(K) uint64) (share float64, ok bool) {
	c.reset(len(vals))
	n := 0
	for _, v := range vals {
		if v.IsNull() {
			continue
		}
		n++
		k := key(v)
		c.add(k, hash(k))
	}
	if n == 0 {
		return 0, false
	}
	d := float64(c.distinct)
	if complete {
		return d / float64(n), true
	}
	var f1, f2 float64
	for _, c := range c.counts {
		switch c {
		case 1:
			f1++
		case 2:
			f2++
		}
	}
	estimate := d + f1*(f1-1)/(2*(f2+1))
	// Non-NULL values a full row group will hold, at the sample's rate.
	values := float64(rowGroupRows) * float64(n) / float64(len(vals))
	if values < float64(n) {
		values = float64(n)
	}
	return min(estimate, values) / values, true
}

// counts counts the values of a sample in an open-addressing table sized
// for all of them at once: a Go map grows and rehashes on the way, and took
// a quarter of a 1 MB flush's instructions. The tables are kept for the next
// column and the next file (stringCounts, fixedCounts).
type counts[K comparable] struct {
	keys     []K
	counts   []int32 // 0: an empty slot
	shift    uint    // a hash's top bits index the table
	distinct int
}

var (
	stringCounts = sync.Pool{New: func() any { return new(counts[string]) }}
	fixedCounts  = sync.Pool{New: func() any { return new(counts[uint64]) }}
)

// reset empties c, with room for n values.
func (c *counts[K]) reset(n int) {
	size, bits := 16, uint(4)
	for size < 2*n {
		size, bits = size*2, bits+1
	}
	if len(c.keys) != size {
		c.keys, c.counts = make([]K, size), make([]int32, size)
	} else {
		clear(c.keys) // no string left pointing into an earlier sample
		clear(c.counts)
	}
	c.shift, c.distinct = 64-bits, 0
}

func (c *counts[K]) add(k K, h uint64) {
	mask := uint64(len(c.keys) - 1)
	for i := h >> c.shift; ; i = (i + 1) & mask {
		switch {
		case c.counts[i] == 0:
			c.keys[i], c.counts[i] = k, 1
			c.distinct++
			return
		case c.keys[i] == k:
			c.counts[i]++
			return
		}
	}
}

// The hashes of the counts' keys, seeded per process so that data cannot
// be chosen to collide: maphash for strings, and for fixed-width values a
// multiplication by a random odd number, whose top bits are a universal
// hash (Dietzfelbinger's multiply-shift).
var (
	hashSeed = maphash.MakeSeed()
	hashMul  = uint64(maphash.Comparable(hashSeed, 0)) | 1
)

func stringHash(s string) uint64 { return maphash.String(hashSeed, s) }

func fixedHash(k uint64) uint64 { return k * hashMul }
