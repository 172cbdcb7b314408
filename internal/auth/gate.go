package auth

import (
	"errors"
	"net/http"
	"strings"
)

// ErrUnauthorized is wrapped by every error about missing or invalid
// credentials: a missing or malformed Authorization header, a bad signature,
// an expired token. It means HTTP 401.
var ErrUnauthorized = errors.New("unauthorized")

// ErrForbidden is wrapped by every error about valid credentials whose
// identity TAP_ACL does not list. It means HTTP 403.
var ErrForbidden = errors.New("forbidden")

// Request is what a [Gate] looks at: the parts of an HTTP request or Function
// URL event that carry credentials.
type Request struct {
	// Authorization is the raw Authorization header value.
	Authorization string
	// IAMUserArn is requestContext.authorizer.iam.userArn of a Function URL
	// event; Lambda sets it only when the URL uses AWS_IAM auth, after it has
	// checked the caller's SigV4 signature.
	IAMUserArn string
}

// Gate decides whether a request may send. Allow returns the sender's
// identity, or an error wrapping [ErrUnauthorized] or [ErrForbidden].
// Implementations are safe for concurrent use.
type Gate interface {
	Allow(r Request) (identity string, err error)
}

var (
	_ Gate = (*Verifier)(nil)
	_ Gate = (*IAM)(nil)
	_ Gate = Open{}
)

// Open is the gate of TAP_AUTH=none: it lets every request through, with an
// empty identity.
type Open struct{}

// Allow accepts r.
func (Open) Allow(Request) (string, error) { return "", nil }

// Allow verifies r's Authorization header; see [Verifier.Verify].
func (v *Verifier) Allow(r Request) (string, error) { return v.Verify(r.Authorization) }

// Allow checks r's IAM caller; see [IAM.Check].
func (a *IAM) Allow(r Request) (string, error) { return a.Check(r.IAMUserArn) }

// Status maps an error from a [Gate] to the HTTP status and a message that
// may be sent to the client: 401 for [ErrUnauthorized], 403 for
// [ErrForbidden], and 500 with a generic message for anything else, whose
// text the gate did not write for clients.
func Status(err error) (status int, message string) {
	switch {
	case err == nil:
		return http.StatusOK, ""
	case errors.Is(err, ErrForbidden):
		return http.StatusForbidden, strings.TrimPrefix(err.Error(), "auth: ")
	case errors.Is(err, ErrUnauthorized):
		return http.StatusUnauthorized, strings.TrimPrefix(err.Error(), "auth: ")
	}
	return http.StatusInternalServerError, "authentication failed"
}

// deny returns an error wrapping kind (ErrUnauthorized or ErrForbidden) with
// a reason. Callers must never put the token, the secret or the header in
// reason.
func deny(kind error, reason string) error {
	return &denial{kind: kind, reason: reason}
}

// denial is the error type of deny: a fixed kind and a reason written by this
// package, so that no library message (which might quote input) reaches a
// client.
type denial struct {
	kind   error
	reason string
}

func (d *denial) Error() string { return "auth: " + d.kind.Error() + ": " + d.reason }

func (d *denial) Unwrap() error { return d.kind }
