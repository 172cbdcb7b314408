package config

import (
	"errors"
	"fmt"

	"github.com/datatap/datatap/internal/auth"
)

// Gate builds who may send from the settings. The mode is TAP_AUTH, or when
// unset: jwt when keys are configured; Firehose deliveries only with
// TAP_FIREHOSE_ACCESS_KEY alone; else none for serve on a loopback
// address (a developer's machine), and a refusal anywhere else, so that a
// tap is never open to the world by accident. It returns the gate and a
// description for the start-up log (never a secret).
func (c Config) Gate(onLambda, loopback bool) (auth.Gate, string, error) {
	hasKeys := c.JWTSecret != "" || c.JWTKeys != ""
	mode := c.Auth
	if mode == "" {
		switch {
		case hasKeys:
			mode = "jwt"
		case c.FirehoseAccessKey != "":
			// Firehose requests carry their own key (ingest.Firehose
			// checks it); every other request is refused, on loopback
			// too: a key says the tap is not meant to be open.
			return firehoseOnly{}, "firehose only (TAP_FIREHOSE_ACCESS_KEY; other requests are refused: set TAP_JWT_SECRET or TAP_AUTH to take them)", nil
		case !onLambda && loopback:
			mode = "none"
		case onLambda:
			return nil, "", &Error{Var: "TAP_AUTH", Err: errors.New("on Lambda the tap refuses to start without authentication: " +
				"set TAP_JWT_SECRET (or TAP_JWT_KEYS) and TAP_ACL, or TAP_AUTH=iam with a Function URL using AWS_IAM, " +
				"or TAP_AUTH=none to accept every request explicitly")}
		default:
			return nil, "", &Error{Var: "TAP_AUTH", Err: errors.New("serve accepts unauthenticated requests on a loopback address only: " +
				"set TAP_JWT_SECRET (or TAP_JWT_KEYS) and TAP_ACL, or listen on 127.0.0.1")}
		}
	}
	switch mode {
	case "none":
		if !onLambda && !loopback {
			return nil, "", &Error{Var: "TAP_AUTH", Value: "none", Err: errors.New("serve accepts unauthenticated requests on a loopback address only")}
		}
		if onLambda {
			return auth.Open{}, "none (TAP_AUTH=none: every request is accepted)", nil
		}
		return auth.Open{}, "none (loopback only: requests need no token)", nil
	case "jwt":
		if !hasKeys {
			return nil, "", &Error{Var: "TAP_AUTH", Value: "jwt", Err: errors.New("needs TAP_JWT_SECRET or TAP_JWT_KEYS (or their _ARN or _PARAMETER variables)")}
		}
		v, err := auth.NewVerifier(auth.Config{Secret: c.JWTSecret, Keys: c.JWTKeys, Issuer: c.JWTIssuer, Audience: c.JWTAudience, ACL: c.ACL})
		if err != nil {
			return nil, "", err
		}
		return v, "jwt (senders in TAP_ACL)", nil
	case "iam":
		if !onLambda {
			return nil, "", &Error{Var: "TAP_AUTH", Value: "iam", Err: errors.New("works only on Lambda, behind a Function URL with AWS_IAM auth")}
		}
		a, err := auth.NewIAM(c.ACL)
		if err != nil {
			return nil, "", err
		}
		return a, "iam (callers' ARNs in TAP_ACL)", nil
	}
	return nil, "", &Error{Var: "TAP_AUTH", Value: mode, Err: errors.New("must be jwt, iam or none")}
}

// firehoseOnly is the gate of a tap that takes Firehose delivery only: the
// Firehose requests never reach it, everything else is refused.
type firehoseOnly struct{}

func (firehoseOnly) Allow(auth.Request) (string, error) {
	return "", fmt.Errorf("%w: this tap takes Firehose delivery requests only (X-Amz-Firehose-Access-Key); "+
		"set TAP_JWT_SECRET or TAP_JWT_KEYS and TAP_ACL to take other requests", auth.ErrUnauthorized)
}
