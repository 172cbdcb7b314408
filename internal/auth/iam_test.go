package auth

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestIAMCheck(t *testing.T) {
	acl := []string{
		"arn:aws:iam::123456789012:user/alice",
		"arn:aws:iam::123456789012:role/*",
		"arn:aws:sts::*:assumed-role/sender/*",
		"arn:aws:sts::111111111111:assumed-role/*-writer/*",
	}
	a, err := NewIAM(acl)
	if err != nil {
		t.Fatal(err)
	}
	f := func(arn string, want error) {
		t.Helper()
		id, err := a.Check(arn)
		if want == nil && (err != nil || id != arn) {
			t.Errorf("Check(%q) = %q, %v; want allowed", arn, id, err)
		}
		if want != nil && (!errors.Is(err, want) || id != "") {
			t.Errorf("Check(%q) = %q, %v; want %v", arn, id, err, want)
		}
	}
	f("arn:aws:iam::123456789012:user/alice", nil)
	f("arn:aws:iam::123456789012:user/alice2", ErrForbidden)
	f("arn:aws:iam::123456789012:user/Alice", ErrForbidden)
	f("arn:aws:iam::210987654321:user/alice", ErrForbidden)
	f("arn:aws:iam::123456789012:role/sender", nil)
	f("arn:aws:iam::123456789012:role/path/sender", nil) // "*" crosses "/"
	f("arn:aws:iam::123456789012:role/", nil)            // "*" matches nothing
	f("arn:aws:iam::123456789012:rolex/sender", ErrForbidden)
	f("arn:aws:iam::123456789012:role", ErrForbidden)
	f("arn:aws:iam::123456789012:role/a:b", ErrForbidden) // "*" stops at ":"
	f("arn:aws:sts::123456789012:assumed-role/sender/session-1", nil)
	f("arn:aws:sts::999999999999:assumed-role/sender/i-0abc", nil)
	f("arn:aws:sts::999999999999:assumed-role/sender2/i-0abc", ErrForbidden)
	f("arn:aws:sts::1:2:assumed-role/sender/x", ErrForbidden) // account "*" cannot swallow a field
	f("arn:aws:sts:us-east-1:999999999999:assumed-role/sender/x", ErrForbidden)
	f("arn:aws:sts::111111111111:assumed-role/s3-writer/x", nil)
	f("arn:aws:sts::111111111111:assumed-role/-writer/x", nil)
	f("arn:aws:sts::111111111111:assumed-role/writer/x", ErrForbidden)
	f("arn:aws-cn:iam::123456789012:user/alice", ErrForbidden)
	f("", ErrUnauthorized)

	any, err := NewIAM([]string{"arn:aws:iam::1:user/x", "*"})
	if err != nil {
		t.Fatal(err)
	}
	if id, err := any.Check("arn:aws:iam::2:user/y"); err != nil || id != "arn:aws:iam::2:user/y" {
		t.Errorf("\"*\": %q, %v", id, err)
	}
	if _, err := any.Check(""); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("\"*\" with no caller: %v", err)
	}
}

func TestNewIAMErrors(t *testing.T) {
	f := func(acl []string, msg string) {
		t.Helper()
		_, err := NewIAM(acl)
		if err == nil || !strings.HasPrefix(err.Error(), msg) {
			t.Errorf("NewIAM(%q) error %v, want %q…", acl, err, msg)
		}
	}
	f(nil, `TAP_ACL: empty: list the IAM ARNs allowed to send`)
	f([]string{"", " "}, `TAP_ACL: empty`)
	f([]string{"alice@example.com"}, `TAP_ACL: "alice@example.com" is not an ARN`)
	f([]string{"arn:aws:iam::123456789012"}, `TAP_ACL: "arn:aws:iam::123456789012" is not an ARN`)
	if _, err := NewIAM([]string{" * "}); err != nil {
		t.Errorf(`NewIAM("*"): %v`, err)
	}
}

// arnRegexp is the reference semantics of arnMatch.
func arnRegexp(pattern string) *regexp.Regexp {
	return regexp.MustCompile("^" + strings.ReplaceAll(regexp.QuoteMeta(pattern), `\*`, `[^:]*`) + "$")
}

func TestArnMatch(t *testing.T) {
	f := func(pattern, arn string, want bool) {
		t.Helper()
		if got := arnMatch(pattern, arn); got != want {
			t.Errorf("arnMatch(%q, %q) = %v, want %v", pattern, arn, got, want)
		}
		if ref := arnRegexp(pattern).MatchString(arn); ref != want {
			t.Fatalf("bad test: reference says %v for %q, %q", ref, pattern, arn)
		}
	}
	f("", "", true)
	f("*", "", true)
	f("*", "abc", true)
	f("*", "a:b", false)
	f("**", "abc", true)
	f("a*", "a", true)
	f("a*c", "abbbc", true)
	f("a*c", "abbb", false)
	f("a*c", "ab:c", false)
	f("*b*", "xxbyy", true)
	f("*ab*:c", "aab:c", true)
	f("*a*b:*", "xaxxb:yy", true)
	f("*a*b:*", "xaxxbb:yy", true)
	f("*a*b:*", "xaxxc:yy", false)
	f("a:*:c", "a::c", true)
	f("a:*:c", "a:b:b:c", false)
	f("*:*", "a:b", true)
	f("*:*", "ab", false)
	f("abc", "abcd", false)
	f("abcd", "abc", false)
}

func FuzzArnMatch(f *testing.F) {
	f.Add("arn:aws:sts::*:assumed-role/sender/*", "arn:aws:sts::123456789012:assumed-role/sender/s1")
	f.Add("arn:aws:iam::*:role/*", "arn:aws:iam::1:role/a:b")
	f.Add("*a*b:*", "xaxxbb:yy")
	f.Add("a*c*", "abcbc:")
	f.Fuzz(func(t *testing.T, pattern, arn string) {
		if len(pattern) > 64 || len(arn) > 64 || !utf8.ValidString(pattern) || !utf8.ValidString(arn) {
			return // the reference regexp wants UTF-8
		}
		want := arnRegexp(pattern).MatchString(arn)
		if got := arnMatch(pattern, arn); got != want {
			t.Errorf("arnMatch(%q, %q) = %v, want %v", pattern, arn, got, want)
		}
	})
}

// TestIAMIsCaseSensitive: ARNs are compared exactly (IAM names and ARNs are
// case-sensitive), so no case folding lets another principal through.
func TestIAMIsCaseSensitive(t *testing.T) {
	a, err := NewIAM([]string{"arn:aws:iam::123456789012:user/alice", "arn:aws:sts::123456789012:assumed-role/Sender/*"})
	if err != nil {
		t.Fatal(err)
	}
	for _, arn := range []string{
		"arn:aws:iam::123456789012:user/Alice",
		"arn:aws:iam::123456789012:user/ALICE",
		"ARN:aws:iam::123456789012:user/alice",
		"arn:AWS:iam::123456789012:user/alice",
		"arn:aws:iam::123456789012:user/al\u0130ce",
		"arn:aws:iam::123456789012:user/alİce",
		"arn:aws:sts::123456789012:assumed-role/sender/s1",
		"arn:aws:sts::123456789012:assumed-role/\u017Fender/s1",
	} {
		if id, err := a.Check(arn); !errors.Is(err, ErrForbidden) {
			t.Errorf("Check(%q) = %q, %v; want ErrForbidden", arn, id, err)
		}
	}
	for _, arn := range []string{"arn:aws:iam::123456789012:user/alice", "arn:aws:sts::123456789012:assumed-role/Sender/S1"} {
		if id, err := a.Check(arn); err != nil || id != arn {
			t.Errorf("Check(%q) = %q, %v", arn, id, err)
		}
	}
}
