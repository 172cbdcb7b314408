package sink

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestObjectPrefix(t *testing.T) {
	// 2024-03-05 07:08:09 UTC given in another zone: the prefix must use UTC.
	at := time.Date(2024, 3, 5, 9, 8, 9, 0, time.FixedZone("EET", 2*3600))
	f := func(pattern, want string) {
		t.Helper()
		got, err := ObjectPrefix(pattern, at)
		if err != nil {
			t.Fatalf("ObjectPrefix(%q): %v", pattern, err)
		}
		if got != want {
			t.Errorf("ObjectPrefix(%q) = %q, want %q", pattern, got, want)
		}
	}
	f("datataps/year=%Y/month=%m/day=%d/hour=%H/", "datataps/year=2024/month=03/day=05/hour=07/")
	f("%Y%m%d%H%M%S", "20240305070809")
	f("doy=%j/", "doy=065/")
	f("100%%/", "100%/")
	f("plain/", "plain/")
	f("", "")

	early, err := ObjectPrefix("%Y-%j", time.Date(7, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || early != "0007-001" {
		t.Errorf("padding: got %q, %v; want 0007-001", early, err)
	}
}

func TestObjectPrefixErrors(t *testing.T) {
	f := func(pattern, wantSub string) {
		t.Helper()
		got, err := ObjectPrefix(pattern, time.Now())
		if err == nil {
			t.Fatalf("ObjectPrefix(%q) = %q, want error", pattern, got)
		}
		if !strings.Contains(err.Error(), wantSub) {
			t.Errorf("ObjectPrefix(%q) error %q does not mention %q", pattern, err, wantSub)
		}
	}
	f("year=%y/", "unknown verb %y")
	f("%Y/%Q", "unknown verb %Q")
	f("x/%", "trailing %")
}

func TestPartitionPath(t *testing.T) {
	one := func(value, want string) {
		t.Helper()
		got := PartitionPath([]string{"k"}, []string{value}, nil)
		if got != "k="+want+"/" {
			t.Errorf("value %q: got %q, want %q", value, got, "k="+want+"/")
		}
	}
	one("web", "web")
	one("2024-03-05", "2024-03-05")
	one("1.5", "1.5")
	one("a_b", "a_b")
	one("", EmptyPartition)
	one(".", "%2E")
	one("..", "%2E%2E")
	one("...", "%2E%2E%2E")
	one("a..b", "a%2E%2Eb")
	one(".hidden", ".hidden")
	one("../x", "%2E%2E%2Fx")
	one("/", "%2F")
	one("a/b", "a%2Fb")
	one("%2F", "%252F")
	one("x y", "x%20y")
	one("a=b", "a%3Db")
	one("~", "%7E")
	one("é", "%C3%A9")
	one("日本", "%E6%97%A5%E6%9C%AC")
	one("\x00\xff", "%00%FF")
	one("_x", "%5Fx")
	one("__HIVE_DEFAULT_PARTITION__", "%5F_HIVE_DEFAULT_PARTITION__")
	one("__EMPTY__", "%5F_EMPTY__")

	if got := PartitionPath([]string{"k"}, []string{"ignored"}, []bool{true}); got != "k=__HIVE_DEFAULT_PARTITION__/" {
		t.Errorf("NULL: got %q", got)
	}
	if got := PartitionPath(nil, nil, nil); got != "" {
		t.Errorf("no items: got %q", got)
	}
	got := PartitionPath([]string{"service", "day", "odd name/.."}, []string{"api", "2024-03-05", "v"}, []bool{false, false})
	if want := "service=api/day=2024-03-05/odd%20name%2F%2E%2E=v/"; got != want {
		t.Errorf("several items: got %q, want %q", got, want)
	}
}

func TestPartitionPathLong(t *testing.T) {
	hash := func(s string) string {
		sum := sha256.Sum256([]byte(s))
		return hex.EncodeToString(sum[:])[:16]
	}
	f := func(value, wantKept string) {
		t.Helper()
		got := PartitionPath([]string{"k"}, []string{value}, nil)
		want := "k=" + wantKept + "~" + hash(value) + "/"
		if got != want {
			t.Errorf("long value:\n got %q\nwant %q", got, want)
		}
	}
	// Exactly at the limit: kept as is.
	at := strings.Repeat("a", 128)
	if got := PartitionPath([]string{"k"}, []string{at}, nil); got != "k="+at+"/" {
		t.Errorf("128 bytes: got %q", got)
	}
	f(strings.Repeat("a", 129), strings.Repeat("a", 100))
	f(strings.Repeat("a", 1000), strings.Repeat("a", 100))
	// 99 plain bytes then escapes: %2F would straddle byte 100, so cut before it.
	f(strings.Repeat("a", 99)+strings.Repeat("/", 20), strings.Repeat("a", 99))
	f(strings.Repeat("a", 98)+strings.Repeat("/", 20), strings.Repeat("a", 98)) // "%2F" would end at 101
	f(strings.Repeat("a", 97)+strings.Repeat("/", 20), strings.Repeat("a", 97)+"%2F")
	// Non-ASCII escapes to 9 bytes per character; the cut never splits one.
	f(strings.Repeat("日", 20), strings.Repeat("%E6%97%A5", 11)[:99])
	// Nor a UTF-8 sequence: "é" is %C3%A9, and a cut after %C3 would leave a
	// folder that decodes to invalid UTF-8 (DuckDB refuses to read it).
	f(strings.Repeat("é", 600), strings.Repeat("%C3%A9", 16))
	f("a"+strings.Repeat("😀", 40), "a"+strings.Repeat("%F0%9F%98%80", 8))

	// Two long values sharing the kept prefix stay distinct.
	a := PartitionPath([]string{"k"}, []string{strings.Repeat("x", 200) + "1"}, nil)
	b := PartitionPath([]string{"k"}, []string{strings.Repeat("x", 200) + "2"}, nil)
	if a == b {
		t.Errorf("long values collide: %q", a)
	}
	// Names are cut the same way, two bytes earlier.
	n126 := strings.Repeat("n", 126)
	if got := PartitionPath([]string{n126}, []string{at}, nil); got != n126+"="+at+"/" || len(got) != 256 {
		t.Errorf("126-byte name: got %q", got)
	}
	n127 := strings.Repeat("n", 127)
	if got, want := PartitionPath([]string{n127}, []string{"v"}, nil), strings.Repeat("n", 100)+"~"+hash(n127)+"=v/"; got != want {
		t.Errorf("127-byte name: got %q, want %q", got, want)
	}
	n := PartitionPath([]string{strings.Repeat("n", 300)}, []string{"v"}, nil)
	if want := strings.Repeat("n", 100) + "~" + hash(strings.Repeat("n", 300)) + "=v/"; n != want {
		t.Errorf("long name: got %q, want %q", n, want)
	}
}

func TestPartitionPathPanicsOnMismatch(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for 2 names and 1 value")
		}
	}()
	PartitionPath([]string{"a", "b"}, []string{"x"}, nil)
}

// unescapeItem inverts the escaping of one name or value, for the property
// test: a decoder that works is the proof that nothing was lost.
func unescapeItem(s string) (v string, null, cut bool, err error) {
	switch s {
	case NullPartition:
		return "", true, false, nil
	case EmptyPartition:
		return "", false, false, nil
	}
	if strings.ContainsRune(s, '~') {
		return "", false, true, nil
	}
	v, err = url.PathUnescape(s)
	return v, false, false, err
}

// checkPath asserts the structural properties of a PartitionPath result for n
// items and returns the decoded items (nil for a cut one).
func checkPath(t *testing.T, p string, n int) []*string {
	t.Helper()
	if strings.Contains(p, "..") {
		t.Fatalf("%q contains ..", p)
	}
	if strings.HasPrefix(p, "/") {
		t.Fatalf("%q starts with /", p)
	}
	if got := strings.Count(p, "/"); got != n {
		t.Fatalf("%q has %d slashes for %d items", p, got, n)
	}
	if n > 0 && !strings.HasSuffix(p, "/") {
		t.Fatalf("%q does not end in /", p)
	}
	var out []*string
	for _, seg := range strings.Split(strings.TrimSuffix(p, "/"), "/") {
		if n == 0 {
			break
		}
		if seg == "." || seg == ".." || len(seg) > 255 {
			t.Fatalf("%q: bad segment %q", p, seg)
		}
		if strings.Count(seg, "=") != 1 {
			t.Fatalf("%q: segment %q has not exactly one =", p, seg)
		}
		name, value, _ := strings.Cut(seg, "=")
		if len(name) > maxEscapedName || len(value) > maxEscapedValue {
			t.Fatalf("%q: segment %q too long", p, seg)
		}
		for _, part := range []string{name, value} {
			for i := 0; i < len(part); i++ {
				if c := part[i]; c < 0x21 || c > 0x7e {
					t.Fatalf("%q: byte %#x is not printable ASCII", p, c)
				}
			}
		}
		for _, part := range []string{name, value} {
			v, null, cut, err := unescapeItem(part)
			if err != nil {
				t.Fatalf("%q: %q does not decode: %v", p, part, err)
			}
			switch {
			case cut:
				out = append(out, nil)
			case null:
				s := "\x00NULL"
				out = append(out, &s)
			default:
				out = append(out, &v)
			}
		}
	}
	return out
}

func FuzzPartitionPath(f *testing.F) {
	seeds := []string{"", ".", "..", "../x", "/", "%2F", "_", "__HIVE_DEFAULT_PARTITION__", "__EMPTY__",
		"é", "a..b", "x y", strings.Repeat("a", 129), strings.Repeat("/", 60), "~", "a=b", "%", "\x00"}
	for i, a := range seeds {
		b := seeds[(i+1)%len(seeds)]
		f.Add(a, b, false, false)
		f.Add(a, a, true, false)
	}
	// Found by the fuzzer: a 127-byte name and a 128-byte value made a
	// 256-byte segment, one more than ext4 allows.
	f.Add(strings.Repeat("0", 127), strings.Repeat("0", 128), true, false)
	f.Fuzz(func(t *testing.T, a, b string, aNull, bNull bool) {
		pa := PartitionPath([]string{"k"}, []string{a}, []bool{aNull})
		pb := PartitionPath([]string{"k"}, []string{b}, []bool{bNull})
		if err := ValidKey(pa + "f.parquet"); err != nil {
			t.Fatal(err)
		}
		da := checkPath(t, pa, 1)
		if dec, err := url.PathUnescape(strings.TrimSuffix(strings.TrimPrefix(pa, "k="), "/")); err != nil || (utf8.ValidString(a) && !utf8.ValidString(dec)) {
			t.Fatalf("valid UTF-8 %q gives a folder %q that decodes to invalid UTF-8 %q (%v)", a, pa, dec, err)
		}
		checkPath(t, pb, 1)
		if v := da[1]; v != nil && !aNull && *v != a {
			t.Fatalf("%q decodes to %q", a, *v)
		}
		same := aNull == bNull && (aNull || a == b)
		if same != (pa == pb) {
			t.Fatalf("injectivity: (%q,%v) -> %q, (%q,%v) -> %q", a, aNull, pa, b, bNull, pb)
		}

		// Values used as names, and two items: the structure holds and the
		// pair (name, value) is recovered.
		p2 := PartitionPath([]string{a, b}, []string{b, a}, []bool{bNull, false})
		d2 := checkPath(t, p2, 2)
		if d2[0] != nil && *d2[0] != a {
			t.Fatalf("name %q decodes to %q in %q", a, *d2[0], p2)
		}
		swapped := PartitionPath([]string{b, a}, []string{a, b}, []bool{false, bNull})
		if (p2 == swapped) != (a == b && !bNull) {
			t.Fatalf("injectivity on two items: %q vs %q", p2, swapped)
		}
	})
}

func ExamplePartitionPath() {
	fmt.Println(PartitionPath(
		[]string{"service", "path", "region"},
		[]string{"api", "../etc", ""},
		[]bool{false, false, true},
	))
	// Output: service=api/path=%2E%2E%2Fetc/region=__HIVE_DEFAULT_PARTITION__/
}

func TestValidKey(t *testing.T) {
	for _, key := range []string{
		"", "/etc/passwd", "../escape", "a/../../escape", "a/..", "..", "a..b/c",
		"a//b", "a/", "/", "./a", "a/./b", "nul\x00byte", "a/\xffb", "a/\xed\xa0\x80", // invalid UTF-8, a lone surrogate
	} {
		if err := ValidKey(key); !errors.Is(err, ErrBadKey) {
			t.Errorf("ValidKey(%q) = %v, want ErrBadKey", key, err)
		}
	}
	for _, key := range []string{"a", "a/b.parquet", ".hidden/x", "a.b/c_d-e/%2E%2E"} {
		if err := ValidKey(key); err != nil {
			t.Errorf("ValidKey(%q) = %v", key, err)
		}
	}
	// Every key built from the helpers is valid, whatever the values.
	prefix, err := ObjectPrefix("datataps/year=%Y/", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{".", "..", "../x", "/", "%2F", "", "__EMPTY__", "é", strings.Repeat("/", 300)} {
		key := prefix + PartitionPath([]string{"a", "b"}, []string{v, v}, []bool{false, true}) + "f.parquet"
		if err := ValidKey(key); err != nil {
			t.Errorf("value %q: %v", v, err)
		}
	}
}

func TestValidKeyLongSegment(t *testing.T) {
	if err := ValidKey("a/" + strings.Repeat("x", MaxSegment) + "/b"); err != nil {
		t.Errorf("a %d-byte segment: %v", MaxSegment, err)
	}
	if err := ValidKey("a/" + strings.Repeat("x", MaxSegment+1) + "/b"); !errors.Is(err, ErrBadKey) {
		t.Errorf("a %d-byte segment: %v, want ErrBadKey", MaxSegment+1, err)
	}
	key := strings.Repeat(strings.Repeat("x", 99)+"/", 10) + strings.Repeat("y", MaxKey-1000)
	if len(key) != MaxKey || ValidKey(key) != nil || !errors.Is(ValidKey(key+"3"), ErrBadKey) {
		t.Errorf("a key of %d bytes: %v; of %d: %v", len(key), ValidKey(key), len(key)+1, ValidKey(key+"3"))
	}
}

func TestCheckPrefix(t *testing.T) {
	bad := func(pattern string, partitions []string, want string) {
		t.Helper()
		err := CheckPrefix(pattern, partitions)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckPrefix(%q, %q) = %v, want an error containing %q", pattern, partitions, err, want)
		}
	}
	// A PARTITION BY name the prefix already has as a hive key: the
	// README's own example once wrote …/day=01/hour=22/…/day=2024-05-01/.
	bad("datataps/year=%Y/month=%m/day=%d/hour=%H/", []string{"service", "day"}, "PARTITION BY day: the prefix already has day=")
	bad("t/Day=%d/", []string{"day"}, "PARTITION BY day: the prefix already has Day=")
	if err := CheckPrefix("datataps/year=%Y/month=%m/day=%d/hour=%H/", []string{"service", "event_day"}); err != nil {
		t.Errorf("no collision: %v", err)
	}
	// The two prefixes the old start-up check accepted and the flush refused.
	bad("a..b/%Y/", nil, `must not contain ".."`)
	bad("x//y/", nil, `must not contain "//"`)
	bad("/abs/", nil, "must not start with /")
	bad("../up/", nil, `must not contain ".."`)
	bad("a/./b/", nil, `must not contain a "." path segment`)
	bad("./", nil, `"." path segment`)
	bad("nul\x00/", nil, "NUL byte")
	bad("bad\xff/", nil, "must be valid UTF-8")
	bad("x/%Q/", nil, "unknown strftime verb %Q at byte 2")
	bad("x/%", nil, "lone %")
	bad(strings.Repeat("p", 256)+"/", nil, "longer than 255 bytes")
	// Where the prefix meets the first partition name or the file name.
	bad("a.", []string{".b"}, `must not contain ".."`)
	bad("t=", []string{strings.Repeat("n", 126)}, "longer than 255 bytes")
	bad(strings.Repeat("p", 220), nil, "longer than 255 bytes")
	// Seven PARTITION BY items with long names: a key can pass S3's limit.
	long := make([]string, 7)
	for i := range long {
		long[i] = fmt.Sprintf("%s%d", strings.Repeat("n", 40), i)
	}
	bad("p/", long, "longer than 1024 bytes")
	if err := CheckPrefix("p/", long[:5]); err != nil {
		t.Errorf("five 41-byte partition names: %v", err)
	}
	// The error shows a key, and it is one ValidKey refuses.
	if err := CheckPrefix("x//y/", nil); err == nil || !strings.Contains(err.Error(), `"x//y/20060102T150405.000000000Z-0123abcd.parquet"`) {
		t.Errorf("x//y/: %v, want the sample key quoted", err)
	}
	for _, p := range []string{"", "datataps/year=%Y/month=%m/day=%d/hour=%H/", "flat", ".hidden/", "a.b/", "100%%/", "a.",
		"p=%j-%M%S/", strings.Repeat("p", 212) + "/"} {
		if err := CheckPrefix(p, nil); err != nil {
			t.Errorf("CheckPrefix(%q) = %v", p, err)
		}
		if err := CheckPrefix(p, []string{"region", "user.id"}); err != nil {
			t.Errorf("CheckPrefix(%q, partitions) = %v", p, err)
		}
	}
}

// FuzzCheckPrefix: every prefix CheckPrefix accepts makes keys that ValidKey
// accepts, at any time, with any partition value, as the flush builds them.
func FuzzCheckPrefix(f *testing.F) {
	for _, p := range []string{"datataps/year=%Y/month=%m/day=%d/hour=%H/", "a..b/%Y/", "x//y/", "a.", "./", ".", "a/.",
		"%%", "%", "/x", "x/", "", "%Y%j", strings.Repeat("p", 200), "a/%%./"} {
		f.Add(p, ".b", "v", int64(0))
		f.Add(p, "", strings.Repeat("é", 100), int64(1e12))
	}
	f.Fuzz(func(t *testing.T, pattern, name, value string, unix int64) {
		at := time.Unix(unix%(400*366*86400), 0) // years 1600–2370, both ways around 1970
		for _, partitions := range [][]string{nil, {name}, {name, value}} {
			if CheckPrefix(pattern, partitions) != nil {
				continue
			}
			prefix, err := ObjectPrefix(pattern, at)
			if err != nil {
				t.Fatalf("CheckPrefix accepted %q, ObjectPrefix refuses it: %v", pattern, err)
			}
			values := make([]string, len(partitions))
			for i := range values {
				values[i] = value
			}
			key := prefix + PartitionPath(partitions, values, nil) + "20260102T030405.123456789Z-deadbeef.parquet"
			if err := ValidKey(key); err != nil {
				t.Fatalf("CheckPrefix accepted %q with partitions %q, the flush's key check refuses: %v", pattern, partitions, err)
			}
		}
	})
}
