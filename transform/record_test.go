package transform

import (
	"errors"
	"strings"
	"testing"

	"github.com/valyala/fastjson"
)

func TestParseRecord(t *testing.T) {
	var p fastjson.Parser
	f := func(line, wantErr string) {
		t.Helper()
		_, err := ParseRecord(&p, []byte(line))
		switch {
		case wantErr == "" && err != nil:
			t.Errorf("ParseRecord(%q): %v", line, err)
		case wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr)):
			t.Errorf("ParseRecord(%q) = %v, want an error with %q", line, err, wantErr)
		}
	}
	f(`{}`, "")
	f(`{"a":[1,{"b":null}],"c":-1.5e-3}`, "")
	f(` {"a":1} `, "")
	f(`[1]`, "not a JSON object: array")
	f(`"s"`, "not a JSON object: string")
	f(`12`, "not a JSON object: number")
	f(`null`, "not a JSON object: null")
	f(``, "malformed JSON")
	f(`{"a":1`, "malformed JSON")
	f(`{"a":1}{"b":2}`, "malformed JSON")
	// fastjson's parser alone accepts these; strict JSON does not.
	f(`{"a":NaN}`, "malformed JSON")
	f(`{"a":1.2.3}`, "malformed JSON")
	f(`{"a":.}`, "malformed JSON")
	f(`{"a":-}`, "malformed JSON")
	f(`{"a":"x\q"}`, "malformed JSON")
	f("{\"a\":\"tab\there\"}", "malformed JSON")
	f(`{"a":01}`, "malformed JSON")
	// fastjson's validator alone accepts a raw control character in a string
	// that also holds an escape; JSON does not (found by FuzzAcceptedWritable).
	f("{\"\x00\\b\":0}", "control char 0x00")
	f("{\"a\":\"\x01\\n\"}", "control char 0x01")
	f("{\"a\":[\"x\\\"\ty\"]}", "control char 0x09")
	f("{\"a\":\"\\n\",\t\"b\":\"\\\"\"}", "") // a tab between tokens is whitespace
	f("{\"a\":\"\\\\\"}", "")

	_, err := ParseRecord(&p, []byte(`[]`))
	if !errors.Is(err, ErrNotObject) {
		t.Errorf("ParseRecord([]) = %v, want ErrNotObject", err)
	}
}
