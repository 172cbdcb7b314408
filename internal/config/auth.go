package config

import "errors"

// The gates AuthMode picks (tap.Gate builds them).
const (
	AuthNone     = "none"
	AuthJWT      = "jwt"
	AuthIAM      = "iam"
	AuthFirehose = "firehose" // Firehose deliveries only: every other request is refused
)

// AuthMode picks who may send: TAP_AUTH, or when unset: jwt when keys are
// configured; Firehose deliveries only with TAP_FIREHOSE_ACCESS_KEY alone;
// else none for serve on a loopback address (a developer's machine), and a
// refusal anywhere else, so that a tap is never open to the world by
// accident. It returns the mode (AuthNone, AuthJWT, AuthIAM, AuthFirehose)
// and a description for the start-up log (never a secret). The gate itself
// is built by tap.Gate, so that config does not import auth.
func (c Config) AuthMode(onLambda, loopback bool) (mode, description string, err error) {
	hasKeys := c.JWTSecret != "" || c.JWTKeys != ""
	mode = c.Auth
	if mode == "" {
		switch {
		case hasKeys:
			mode = AuthJWT
		case c.FirehoseAccessKey != "":
			// Firehose requests carry their own key (ingest.Firehose
			// checks it); every other request is refused, on loopback
			// too: a key says the tap is not meant to be open.
			return AuthFirehose, "firehose only (TAP_FIREHOSE_ACCESS_KEY; other requests are refused: set TAP_JWT_SECRET or TAP_AUTH to take them)", nil
		case !onLambda && loopback:
			mode = AuthNone
		case onLambda:
			return "", "", &Error{Var: "TAP_AUTH", Err: errors.New("on Lambda the tap refuses to start without authentication: " +
				"set TAP_JWT_SECRET (or TAP_JWT_KEYS) and TAP_ACL, or TAP_AUTH=iam with a Function URL using AWS_IAM, " +
				"or TAP_AUTH=none to accept every request explicitly")}
		default:
			return "", "", &Error{Var: "TAP_AUTH", Err: errors.New("serve accepts unauthenticated requests on a loopback address only: " +
				"set TAP_JWT_SECRET (or TAP_JWT_KEYS) and TAP_ACL, or listen on 127.0.0.1")}
		}
	}
	switch mode {
	case AuthNone:
		if !onLambda && !loopback {
			return "", "", &Error{Var: "TAP_AUTH", Value: "none", Err: errors.New("serve accepts unauthenticated requests on a loopback address only")}
		}
		if onLambda {
			return mode, "none (TAP_AUTH=none: every request is accepted)", nil
		}
		return mode, "none (loopback only: requests need no token)", nil
	case AuthJWT:
		if !hasKeys {
			return "", "", &Error{Var: "TAP_AUTH", Value: "jwt", Err: errors.New("needs TAP_JWT_SECRET or TAP_JWT_KEYS (or their _ARN or _PARAMETER variables)")}
		}
		return mode, "jwt (senders in TAP_ACL)", nil
	case AuthIAM:
		if !onLambda {
			return "", "", &Error{Var: "TAP_AUTH", Value: "iam", Err: errors.New("works only on Lambda, behind a Function URL with AWS_IAM auth")}
		}
		return mode, "iam (callers' ARNs in TAP_ACL)", nil
	}
	return "", "", &Error{Var: "TAP_AUTH", Value: mode, Err: errors.New("must be jwt, iam or none")}
}
