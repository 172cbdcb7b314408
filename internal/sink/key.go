package sink

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ObjectPrefix expands the strftime verbs %Y %m %d %H %M %S %j and %% in
// pattern with t in UTC. UTC, because objects from functions in different
// regions, or a laptop, must land in the same hour= folder for the same
// instant. Any other verb, or a lone trailing '%', is an error: a typo in
// TAP_PREFIX should fail configuration validation, not silently write keys
// containing a literal "%y".
func ObjectPrefix(pattern string, t time.Time) (string, error) {
	p, err := expand(pattern, t)
	if err != nil {
		return "", fmt.Errorf("sink: prefix %q: %w", pattern, err)
	}
	return p, nil
}

// verbError is a bad strftime verb in a prefix pattern.
type verbError struct {
	verb  byte // 0: a lone trailing '%'
	index int  // byte offset of the '%'
}

func (e verbError) Error() string {
	if e.verb == 0 {
		return "trailing %"
	}
	return fmt.Sprintf("unknown verb %%%c (known: %s)", e.verb, knownVerbs)
}

const knownVerbs = "%Y %m %d %H %M %S %j %%"

// expand is ObjectPrefix without the error's context.
func expand(pattern string, t time.Time) (string, error) {
	if strings.IndexByte(pattern, '%') < 0 {
		return pattern, nil
	}
	t = t.UTC()
	var b strings.Builder
	b.Grow(len(pattern) + 8)
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+1 == len(pattern) {
			return "", verbError{index: i}
		}
		i++
		switch v := pattern[i]; v {
		case 'Y':
			pad(&b, t.Year(), 4)
		case 'm':
			pad(&b, int(t.Month()), 2)
		case 'd':
			pad(&b, t.Day(), 2)
		case 'H':
			pad(&b, t.Hour(), 2)
		case 'M':
			pad(&b, t.Minute(), 2)
		case 'S':
			pad(&b, t.Second(), 2)
		case 'j':
			pad(&b, t.YearDay(), 3)
		case '%':
			b.WriteByte('%')
		default:
			return "", verbError{verb: v, index: i - 1}
		}
	}
	return b.String(), nil
}

// pad writes n in decimal, zero-padded to width digits.
func pad(b *strings.Builder, n, width int) {
	s := strconv.Itoa(n)
	for i := len(s); i < width; i++ {
		b.WriteByte('0')
	}
	b.WriteString(s)
}

// Sentinels for the values that have no escaped spelling of their own. They
// start with '_', which escape never leaves unencoded at the start of a real
// value, so no real value can be mistaken for them.
const (
	// NullPartition stands for a NULL partition value; it is Hive's spelling,
	// which Athena, Spark and DuckDB read back as NULL.
	NullPartition = "__HIVE_DEFAULT_PARTITION__"
	// EmptyPartition stands for the empty string, which would otherwise give
	// "name=/", a segment some tools drop or misread.
	EmptyPartition = "__EMPTY__"
)

// Limits for one escaped name or value. A path segment must stay below the
// 255-byte file name limit of common filesystems and remain readable, while
// values (user input) can be arbitrarily long.
//
// A name is allowed two bytes fewer than a value so that "name=value" always
// fits in 255 bytes (126 + 1 + 128); with 128 for both, a 127-byte name and a
// 128-byte value would make a segment that ext4 refuses (ENAMETOOLONG).
const (
	maxEscapedValue = 128 // longer escaped values are cut
	maxEscapedName  = 126 // longer escaped names are cut
	keepEscaped     = 100 // bytes of the escaped form kept when cut
	hashHexChars    = 16  // hex chars of SHA-256 appended after '~' when cut
)

// PartitionPath renders one "name=value/" segment per PARTITION BY item, in
// order. null[i] marks values[i] as NULL; null may be shorter than values (or
// nil), the missing entries meaning "not NULL". names and values must have the
// same length.
//
// Values are user data, so the escaping guarantees that no value can leave the
// prefix or collide with another:
//   - every byte outside [A-Za-z0-9._-] is percent-encoded with upper-case hex
//     ('/' is %2F, '%' is %25, ' ' is %20, non-ASCII is its UTF-8 bytes);
//   - a '.' is encoded when the value is "." or the dot is next to another
//     dot, so "." is %2E, ".." is %2E%2E, and the result never contains "..";
//   - NULL is NullPartition and "" is EmptyPartition; a real value starting
//     with '_' has that underscore encoded (%5F), so it never equals either;
//   - an escaped value longer than 128 bytes (a name: 126) is cut to at most 100 bytes (never
//     inside a %XX or a UTF-8 sequence) followed by "~" and the first 16 hex chars of the SHA-256
//     of the raw value; '~' never appears otherwise, so long values stay
//     distinct from short ones and from each other.
//
// Names are escaped the same way, with a limit of 126 bytes so that a segment
// never exceeds the usual 255-byte file name limit. Every segment therefore has exactly one '/',
// at its end, and one '=', after the name, and percent-decoding gives back the
// raw name and value, which is what makes the mapping injective.
func PartitionPath(names []string, values []string, null []bool) string {
	if len(names) != len(values) {
		panic(fmt.Sprintf("sink: PartitionPath: %d names but %d values", len(names), len(values)))
	}
	var b []byte
	for i, name := range names {
		b = appendEscaped(b, name, maxEscapedName)
		b = append(b, '=')
		if i < len(null) && null[i] {
			b = append(b, NullPartition...)
		} else {
			b = appendEscaped(b, values[i], maxEscapedValue)
		}
		b = append(b, '/')
	}
	return string(b)
}

// appendEscaped appends the escaped form of s (see PartitionPath) to dst,
// cut if it is longer than limit bytes.
func appendEscaped(dst []byte, s string, limit int) []byte {
	if s == "" {
		return append(dst, EmptyPartition...)
	}
	start := len(dst)
	for i := 0; i < len(s); i++ {
		if c := s[i]; plain(s, i) {
			dst = append(dst, c)
		} else {
			dst = append(dst, '%', hexUpper[c>>4], hexUpper[c&0xF])
		}
	}
	if len(dst)-start <= limit {
		return dst
	}
	// Too long: keep at most keepEscaped bytes, backing off so that no %XX is
	// split (a '%' in the last two kept bytes starts an escape that would be).
	cut := start + keepEscaped
	for k := cut - 2; k < cut; k++ {
		if dst[k] == '%' {
			cut = k
			break
		}
	}
	// Nor a UTF-8 sequence: while the byte at the cut is a continuation byte
	// (%80–%BF), the cut moves before its escape, so the kept part decodes to
	// valid UTF-8 whenever the value is (DuckDB refuses a folder that does not).
	for cut-start >= 3 && dst[cut-3] == '%' && dst[cut] == '%' && dst[cut+1] >= '8' && dst[cut+1] <= 'B' {
		cut -= 3
	}
	dst = dst[:cut]
	sum := sha256.Sum256([]byte(s))
	dst = append(dst, '~')
	return hex.AppendEncode(dst, sum[:hashHexChars/2])
}

// plain reports whether s[i] may appear as itself in an escaped name or value.
func plain(s string, i int) bool {
	c := s[i]
	switch {
	case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-':
		return true
	case c == '_':
		return i > 0 // a leading '_' could spell a sentinel
	case c == '.':
		if s == "." {
			return false
		}
		return (i == 0 || s[i-1] != '.') && (i+1 == len(s) || s[i+1] != '.')
	}
	return false
}

const hexUpper = "0123456789ABCDEF"

// ErrBadKey is returned, wrapped, for a key that could escape its folder or
// names no file. Keys are built from ObjectPrefix and PartitionPath, so a bad
// key is a bug or a bad TAP_PREFIX, never user data.
var ErrBadKey = errors.New("bad key")

// MaxSegment is the longest path segment a key may have: the usual file name
// limit of local filesystems (ext4, XFS, APFS). PartitionPath never makes a
// longer one; only a prefix can.
const MaxSegment = 255

// MaxKey is the longest key: S3's limit on a key name (1,024 bytes of
// UTF-8). A local folder could hold longer ones, but both backends agree.
const MaxKey = 1024

// ValidKey reports why key cannot be stored, or nil. It rejects the empty key,
// absolute keys, keys containing ".." anywhere (stricter than needed, but
// PartitionPath never produces "..", so a key containing it did not come from
// there), empty or "." segments, segments longer than MaxSegment bytes, keys
// longer than MaxKey bytes, NUL bytes, and invalid UTF-8 (S3 key names are
// UTF-8). S3 would accept most of
// these, but a local folder cannot hold them safely, and both backends
// should agree.
func ValidKey(key string) error {
	if f := keyFault(key); f != faultNone {
		return fmt.Errorf("key %q: %s: %w", key, faultInKey[f], ErrBadKey)
	}
	return nil
}

// fault is what is wrong with a key.
type fault int

const (
	faultNone fault = iota
	faultEmpty
	faultAbsolute
	faultDotDot
	faultNUL
	faultEmptySegment
	faultDotSegment
	faultLongSegment
	faultUTF8
	faultLong
)

// faultInKey says what is wrong with a key; faultInPrefix says it of the
// prefix that made the key (see CheckPrefix).
var (
	faultInKey = [...]string{"", "empty", "absolute", `contains ".."`, "contains a NUL byte",
		"empty segment", `"." segment`, fmt.Sprintf("segment longer than %d bytes", MaxSegment), "not valid UTF-8",
		fmt.Sprintf("longer than %d bytes", MaxKey)}
	faultInPrefix = [...]string{"", "must not be empty", "must not start with /", `must not contain ".."`,
		"must not contain a NUL byte", `must not contain "//" (an empty path segment)`,
		`must not contain a "." path segment`, fmt.Sprintf("makes a path segment longer than %d bytes", MaxSegment),
		"must be valid UTF-8",
		fmt.Sprintf("makes keys longer than %d bytes (S3's limit) with the longest partition values", MaxKey)}
)

// keyFault is the first thing wrong with key, in the order ValidKey documents.
func keyFault(key string) fault {
	switch {
	case key == "":
		return faultEmpty
	case strings.HasPrefix(key, "/"):
		return faultAbsolute
	case strings.Contains(key, ".."):
		return faultDotDot
	case strings.IndexByte(key, 0) >= 0:
		return faultNUL
	case !utf8.ValidString(key):
		return faultUTF8
	case len(key) > MaxKey:
		return faultLong
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch {
		case seg == "":
			return faultEmptySegment
		case seg == ".":
			return faultDotSegment
		case len(seg) > MaxSegment:
			return faultLongSegment
		}
	}
	return faultNone
}

// Samples CheckPrefix builds keys with. The file name has the shape of the
// flush's: a spool segment id (spool.NewID) and an extension. The value is
// as long as an escaped value gets (maxEscapedValue), so that a prefix which
// passes with it passes with every value: escaped values never contain '/'
// or "..", never start with '.' next to an '=', and are never longer.
var (
	sampleTime  = time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)
	sampleFile  = "20060102T150405.000000000Z-0123abcd.parquet"
	sampleValue = strings.Repeat("v", maxEscapedValue)
)

// CheckPrefix says whether pattern (TAP_PREFIX or TAP_ERRORS_PREFIX) makes
// keys that ValidKey accepts, with the same code the flush builds keys with:
// the pattern expanded by ObjectPrefix, followed by the PartitionPath of
// partitions (the statement's PARTITION BY names; nil for the errors prefix)
// and a file name. The partition names matter when the pattern does not end
// in '/': "a." followed by the name ".b" would make "a..b=". The error says
// what is wrong in the prefix's terms and shows a key it would make; it does
// not name the variable (the caller does).
func CheckPrefix(pattern string, partitions []string) error {
	prefix, err := expand(pattern, sampleTime)
	if err != nil {
		var ve verbError
		if errors.As(err, &ve) && ve.verb != 0 {
			return fmt.Errorf("unknown strftime verb %%%c at byte %d (use %s)", ve.verb, ve.index, knownVerbs)
		}
		if errors.As(err, &ve) {
			return fmt.Errorf("ends with a lone %% at byte %d (write %%%% for a literal %%)", ve.index)
		}
		return err
	}
	for _, seg := range strings.Split(prefix, "/") {
		name, _, ok := strings.Cut(seg, "=")
		if !ok {
			continue
		}
		for _, p := range partitions {
			if strings.EqualFold(p, name) {
				return fmt.Errorf("PARTITION BY %s: the prefix already has %s= (keys would hold %s twice, and readers of hive partitions keep one of the two): name the item otherwise (… AS event_%s) or take %s= out of the prefix", p, name, p, p, name)
			}
		}
	}
	values := make([]string, len(partitions))
	for i := range values {
		values[i] = sampleValue
	}
	key := prefix + PartitionPath(partitions, values, nil) + sampleFile
	if f := keyFault(key); f != faultNone {
		return fmt.Errorf("%s: object keys would be refused, e.g. %q", faultInPrefix[f], key)
	}
	return nil
}
