package auth

import (
	"errors"
	"fmt"
	"strings"
)

// IAM is the gate of TAP_AUTH=iam: Lambda has already checked the caller's
// SigV4 signature (Function URL with AWS_IAM auth); IAM checks the caller's
// ARN against TAP_ACL. It is safe for concurrent use.
type IAM struct {
	any      bool
	patterns []string
}

// NewIAM builds an IAM gate from TAP_ACL entries: "*" (any caller Lambda
// authenticated), or ARNs in which "*" matches any run of characters within
// one colon-separated field, such as
//
//	arn:aws:iam::123456789012:user/alice
//	arn:aws:iam::123456789012:role/*
//	arn:aws:sts::*:assumed-role/sender/*
//
// A caller using a role is seen as its session,
// arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION, so allow a role with the
// last form. An empty ACL is an error.
func NewIAM(acl []string) (*IAM, error) {
	a := &IAM{}
	n := 0
	for _, e := range acl {
		e = strings.TrimSpace(e)
		switch {
		case e == "":
			continue
		case e == "*":
			a.any = true
		case !strings.HasPrefix(e, "arn:") || strings.Count(e, ":") < 5:
			return nil, fmt.Errorf("TAP_ACL: %q is not an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, \"*\" allowed within a field) nor \"*\"", e)
		default:
			a.patterns = append(a.patterns, e)
		}
		n++
	}
	if n == 0 {
		return nil, errors.New(`TAP_ACL: empty: list the IAM ARNs allowed to send (e.g. arn:aws:sts::123456789012:assumed-role/sender/*), comma-separated, or set "*" to accept any caller that Lambda authenticated`)
	}
	return a, nil
}

// Check returns userArn as the identity when TAP_ACL allows it. An empty
// userArn (the Function URL does not use AWS_IAM auth) wraps ErrUnauthorized;
// an ARN not allowed wraps ErrForbidden.
func (a *IAM) Check(userArn string) (identity string, err error) {
	if userArn == "" {
		return "", deny(ErrUnauthorized, "no IAM caller: the Function URL must use AWS_IAM auth and the request must be SigV4-signed")
	}
	if a.any {
		return userArn, nil
	}
	for _, p := range a.patterns {
		if arnMatch(p, userArn) {
			return userArn, nil
		}
	}
	return "", deny(ErrForbidden, fmt.Sprintf("%q is not in TAP_ACL", userArn))
}

// arnMatch reports whether arn matches pattern, where "*" matches any run of
// characters other than ':' and everything else matches itself. It
// backtracks only to the last "*", which is enough since a star cannot cross
// a field, and runs in O(len(pattern)·len(arn)) at worst.
func arnMatch(pattern, arn string) bool {
	p, s := 0, 0
	star, next := -1, 0 // the last '*' seen, and where its match ends
	for p < len(pattern) || s < len(arn) {
		if p < len(pattern) {
			switch c := pattern[p]; {
			case c == '*':
				star, next = p, s
				p++
				continue
			case s < len(arn) && arn[s] == c:
				p++
				s++
				continue
			}
		}
		// Mismatch: let the last star swallow one more character, unless
		// that character ends the field.
		if star >= 0 && next < len(arn) && arn[next] != ':' {
			next++
			p, s = star+1, next
			continue
		}
		return false
	}
	return true
}
