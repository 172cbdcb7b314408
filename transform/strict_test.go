package transform

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/valyala/fastjson"
)

// FuzzParseRecordStrict proves that ParseRecord's one pass (parseStrict)
// accepts exactly what the full check (parseChecked: fastjson.Validate, the
// raw control characters it misses, the parse) accepts, with the same record
// and the same reason for a rejected line, and that what it accepts is JSON
// to both fastjson.Validate and encoding/json.Valid.
func FuzzParseRecordStrict(f *testing.F) {
	for _, l := range hostileLines {
		f.Add([]byte(l))
	}
	for _, p := range []string{"testdata/hostile.ndjson", "../internal/ingest/testdata/hostile.ndjson"} {
		if b, err := os.ReadFile(p); err == nil {
			for _, l := range bytes.Split(b, []byte("\n")) {
				f.Add(l)
			}
		}
	}
	if fs, err := filepath.Glob("../internal/ingest/testdata/fuzz/*/*"); err == nil && len(fs) > 0 {
		// The ingest fuzzers' corpus files hold bodies; their lines are seeds.
		for _, p := range fs {
			b, _ := os.ReadFile(p)
			for _, l := range bytes.Split(b, []byte("\\n")) {
				f.Add(l)
			}
		}
	}
	for _, s := range strictSeeds {
		f.Add([]byte(s))
	}
	var p1, p2 fastjson.Parser
	f.Fuzz(func(t *testing.T, line []byte) {
		got, gotErr := ParseRecord(&p1, line)
		want, wantErr := parseChecked(&p2, line)
		switch {
		case (gotErr == nil) != (wantErr == nil):
			t.Fatalf("%q: one pass says %v, the full check %v", line, gotErr, wantErr)
		case gotErr != nil:
			if gotErr.Error() != wantErr.Error() {
				t.Fatalf("%q: reasons differ: %q, %q", line, gotErr, wantErr)
			}
			return
		}
		if g, w := appendJSONValue(nil, got), appendJSONValue(nil, want); !bytes.Equal(g, w) {
			t.Fatalf("%q: records differ: %s, %s", line, g, w)
		}
		if err := fastjson.ValidateBytes(line); err != nil {
			t.Fatalf("%q accepted, fastjson.Validate says %v", line, err)
		}
		if !json.Valid(line) {
			t.Fatalf("%q accepted, encoding/json.Valid refuses it", line)
		}
	})
}

// strictSeeds are what fastjson's parser takes and strict JSON does not, and
// their valid neighbours.
var strictSeeds = []string{
	`{"a":1}`, `{"a":-0.5e+10}`, `{"a":NaN}`, `{"a":nan}`, `{"a":inf}`, `{"a":-Inf}`, `{"a":+1}`,
	`{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":1.2.3}`, `{"a":1e}`, `{"a":1e+}`, `{"a":-}`, `{"a":1-2}`,
	`{"a":[1,2,{"b":1E5}]}`, `{"a":[1,2,{"b":1E5.}]}`, `{"a":"\x"}`, `{"a":"\u12"}`, `{"a":"\u12g4"}`,
	`{"a":"\uD800"}`, `{"a":"\ud83d\ude00"}`, `{"a\u0000":"\/\b\f\n\r\t\"\\"}`, "{\"a\":\"\x01\"}",
	"{\"a\":\"\x01\\n\"}", "{\"a\\n\x1f\":1}", "{\t\"a\":1}", "{\"a\":\"\xff\xfe\"}", `{"a":"\\"}`,
	`{"a":"\\\"}`, `{"a":tru}`, `{"a":truex}`, `{"a":null}`, `{"a":nul}`, `[1]`, `"x"`, `1`, `{}`, `{"a":1}x`,
	`{"a":1,}`, `{"a" 1}`, `{"a":1}}`, strings.Repeat("[", 301) + strings.Repeat("]", 301),
	`{"a":` + strings.Repeat("[", 300) + strings.Repeat("]", 300) + `}`, `{"a":1.5e-7,"b":-0,"c":0.0}`,
	`{"a":"x\\u00e9\\"}`, `{"k":"\u0041\u00"}`, `{"x":1\}`,
}

func TestParseRecordStrictSeeds(t *testing.T) {
	var p fastjson.Parser
	for _, s := range strictSeeds {
		_, err := ParseRecord(&p, []byte(s))
		strict := json.Valid([]byte(s)) && strings.HasPrefix(s, "{") && !strings.HasPrefix(s, `{"a":[[[`)
		if (err == nil) != strict {
			t.Errorf("%q: ParseRecord %v, encoding/json.Valid %v", s, err, json.Valid([]byte(s)))
		}
	}
}

// TestValidNumber compares validNumber with encoding/json.Valid over every
// string of up to 5 characters from the bytes numbers are made of.
func TestValidNumber(t *testing.T) {
	const alphabet = "-+.eE019"
	var s []byte
	var gen func(n int)
	gen = func(n int) {
		if want := len(s) > 0 && json.Valid(s) && s[0] != '"'; validNumber(s) != want {
			t.Errorf("validNumber(%q) = %v, want %v", s, !want, want)
		}
		if n == 0 {
			return
		}
		for i := range len(alphabet) {
			s = append(s, alphabet[i])
			gen(n - 1)
			s = s[:len(s)-1]
		}
	}
	gen(5)
}

// TestScanLine compares scanLine with the checks it stands for, with each
// kind of byte at every offset of a word and in the tail.
func TestScanLine(t *testing.T) {
	for _, c := range []byte{'a', 0, 0x1f, ' ', '\\', 0x7f, 0x80, 0xc3, 0xff, '"'} {
		for n := 1; n < 24; n++ {
			for at := 0; at < n; at++ {
				line := bytes.Repeat([]byte("x"), n)
				line[at] = c
				plain, control := scanLine(line)
				wantPlain := !hasControl(line) && bytes.IndexByte(line, '\\') < 0 && !bytes.ContainsFunc(line, func(r rune) bool { return r >= 0x80 })
				if plain != wantPlain || control != hasControl(line) {
					t.Errorf("scanLine(%q) = %v, %v; want %v, %v", line, plain, control, wantPlain, hasControl(line))
				}
			}
		}
	}
}
