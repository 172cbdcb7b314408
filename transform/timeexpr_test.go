package transform

import (
	"strings"
	"testing"
	"time"

	"github.com/valyala/fastjson"
)

func TestWithTime(t *testing.T) {
	f := func(expr, line string, want string) {
		t.Helper()
		base, err := Compile("SELECT msg")
		if err != nil {
			t.Fatal(err)
		}
		prog, err := base.WithTime(expr)
		if err != nil {
			t.Fatalf("WithTime(%q): %v", expr, err)
		}
		if prog.Time() != expr || base.Time() != "" {
			t.Fatalf("Time() = %q, base %q", prog.Time(), base.Time())
		}
		st := prog.NewState()
		var p fastjson.Parser
		rec, err := ParseRecord(&p, []byte(line))
		if err != nil {
			t.Fatal(err)
		}
		if !prog.Eval(st, rec) {
			t.Fatal("filtered")
		}
		got := "NULL"
		if st.Time.Type == Timestamp {
			got = time.UnixMicro(st.Time.I).UTC().Format(time.RFC3339Nano)
		} else if st.Time.Type != Null {
			t.Fatalf("Time has type %v", st.Time.Type)
		}
		if got != want {
			t.Errorf("%s on %s: %s, want %s", expr, line, got, want)
		}
		if st.CastFailures != 0 {
			t.Errorf("%s on %s: %d cast failures counted", expr, line, st.CastFailures)
		}
	}
	f("ts::TIMESTAMP", `{"ts":"2024-05-01T10:30:00Z","msg":"a"}`, "2024-05-01T10:30:00Z")
	f("ts", `{"ts":"2024-05-01T10:30:00+02:00"}`, "2024-05-01T08:30:00Z")
	f("ts", `{"ts":1714559400}`, "2024-05-01T10:30:00Z")
	f("ts", `{"ts":1714559400123}`, "2024-05-01T10:30:00.123Z")
	f("ts::DATE", `{"ts":"2024-05-01T10:30:00Z"}`, "2024-05-01T00:00:00Z")
	f("ts", `{"ts":"not a time"}`, "NULL")
	f("ts", `{"msg":"no ts"}`, "NULL")
	f("ts", `{"ts":true}`, "NULL")
	f("coalesce(event.at, ts)", `{"event":{"at":"2023-01-02T03:04:05Z"},"ts":"2024-05-01T10:30:00Z"}`, "2023-01-02T03:04:05Z")
}

func TestWithTimeErrors(t *testing.T) {
	f := func(expr, want string) {
		t.Helper()
		prog, _ := Compile("SELECT *")
		_, err := prog.WithTime(expr)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("WithTime(%q) = %v, want an error containing %q", expr, err, want)
		}
	}
	f("", "empty expression at 1:1")
	f("ts::TIMESTAMP AS t", "unexpected keyword AS after the expression at 1:15")
	f("lowr(ts)", "lowr")
	f("ts = 1", "must be a TIMESTAMP")
	f("(ts", "1:")
}

// TestParseRFC3339 checks parseTimestamp's fixed-place path against its
// general path: where the fast path gives a value, the general one gives
// the same; it decides the usual shapes; and every byte of those shapes,
// changed to each of a set of bytes, gives the same answer both ways.
func TestParseRFC3339(t *testing.T) {
	shapes := []string{
		"2024-05-01T00:00:00.002111Z", "2024-05-01T10:00:00Z", "2024-05-01 10:00:00.1Z",
		"2024-02-29T23:59:59.999999999Z", "1970-01-01T00:00:00.000000Z", "0001-01-01T00:00:00Z",
		"9999-12-31T23:59:59.123456789012Z", "1969-12-31T23:59:59.5Z",
	}
	check := func(s string) bool {
		us, ok := parseRFC3339(s)
		want, wantOK := parseISO8601(s)
		if ok && (!wantOK || us != want) {
			t.Errorf("%q: fixed places %d, general path %d, %v", s, us, want, wantOK)
		}
		return ok
	}
	for _, s := range shapes {
		if !check(s) {
			t.Errorf("%q: the fixed-place path does not decide it", s)
		}
		for i := range len(s) {
			for _, c := range []byte("0123456789-:.,TtZz +/a\x00\xff") {
				b := []byte(s)
				b[i] = c
				check(string(b))
			}
			check(s[:i])
			check(s[:i] + "Z")
			check(s[:i] + s[i+1:])
		}
	}
	for _, s := range []string{"2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-04-31T00:00:00Z",
		"2024-05-01T24:00:00Z", "2024-05-01T10:60:00Z", "2024-05-01T10:00:60Z", "2024-05-01T10:00:00.Z"} {
		if _, ok := parseTimestamp(s); ok {
			t.Errorf("%q accepted", s)
		}
	}
}
