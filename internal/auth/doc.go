// Package auth decides who may send to a tap.
//
// Three gates share one interface, [Gate]:
//
//   - [Verifier] checks "Authorization: Bearer <JWT>" against keys from the
//     configuration (TAP_JWT_SECRET, TAP_JWT_KEYS), the token's claims
//     (TAP_JWT_ISSUER, TAP_JWT_AUDIENCE) and the list of senders (TAP_ACL).
//   - [IAM] checks the caller's ARN that a Lambda Function URL with AWS_IAM
//     auth has already authenticated, against ARN patterns in TAP_ACL.
//   - [Open] lets everything through (TAP_AUTH=none).
//
// Every error from a gate wraps exactly one of [ErrUnauthorized] (HTTP 401: no
// or invalid credentials) and [ErrForbidden] (HTTP 403: valid credentials, not
// allowed to send); [Status] maps an error to the status and a message safe to
// send back. Messages never contain the token, the secret or the Authorization
// header.
//
// # Keys and algorithms
//
// The accepted algorithms follow from the configured keys, never from the
// token: the HMAC secret accepts HS256, HS384 and HS512; an RSA key (2048
// bits or more) RS256/384/512 and PS256/384/512; an ECDSA key the one
// algorithm of its curve (ES256 for P-256, ES384 for P-384, ES512 for
// P-521); an Ed25519 key EdDSA. A JWK with an "alg" member is restricted to
// it. "none" is never accepted. An HS* token is checked against the secret
// only, so a token "signed" with a public key as HMAC secret fails whatever
// else is configured.
//
// # Key ids
//
// A token with a "kid" header is checked only against the keys with that id;
// an id that no key has is rejected. A JWK's id is its "kid"; a key without
// one (every PEM key, a JWK without "kid") is known by its RFC 7638 SHA-256
// thumbprint, base64url without padding. A token without "kid" is checked
// against every key that accepts its algorithm. The HMAC secret is the only
// HMAC key, so "kid" plays no part for HS* tokens.
//
// # Time
//
// "exp" is required; "exp" and "nbf" are checked with a leeway of 30 seconds
// for clock skew between the issuer and Lambda. "exp", "nbf" and "iat" must
// be JSON numbers (RFC 7519 NumericDate); a string such as "1700000000" is
// refused (401), and null counts as absent.
//
// # Identities
//
// The identity is the "email" claim, else "sub". An identity with an "@" is
// compared with TAP_ACL ignoring the case of ASCII letters only; every other
// byte must be equal, so "Alice@Example.com" matches alice@example.com but
// "alİce@example.com" (U+0130) or a Kelvin sign (U+212A) for "K" does not,
// though Unicode case mapping would make them equal. Other identities, and
// IAM ARNs, are compared exactly.
//
// # Cache
//
// Verifying an RS256 signature costs tens of microseconds, a noticeable share
// of a small invocation at 128 MB's CPU share, and a sender sends the same
// token many times. A [Verifier] therefore remembers successful verifications
// (the SHA-256 of the token, not the token) until the token's "exp" but no
// longer than five minutes, at most 4096 of them, evicting the oldest first.
// Failures are never remembered: only a correctly signed token can take a
// place, so a flood of garbage tokens costs CPU but cannot push out real
// senders; garbage is cheap to reject since malformed tokens fail before any
// signature check, and tokens over 16 KiB are refused unread.
package auth
