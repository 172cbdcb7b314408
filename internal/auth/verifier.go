package auth

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	// leeway absorbs clock skew between the token's issuer and this host
	// when checking exp and nbf.
	leeway = 30 * time.Second
	// minSecretBytes is the shortest HMAC secret accepted: RFC 7518 section
	// 3.2 asks for a key at least as long as the hash (256 bits for HS256),
	// and shorter, human-chosen secrets can be guessed offline from a single
	// token.
	minSecretBytes = 32
	// maxTokenBytes bounds the work an unauthenticated request can cause.
	maxTokenBytes = 16 << 10
)

// Config is the JWT part of the configuration, read from the environment by
// the config package.
type Config struct {
	// Secret is TAP_JWT_SECRET, the HMAC key of HS256, HS384 and HS512
	// tokens, used as raw bytes; at least 32 of them.
	Secret string
	// Keys is TAP_JWT_KEYS: one or more PEM public keys ("PUBLIC KEY" or
	// "RSA PUBLIC KEY" blocks; a "CERTIFICATE" block gives its key), a JWKS
	// ({"keys":[…]}), or the path of a file holding either.
	Keys string
	// Issuer is TAP_JWT_ISSUER; when set, a token's "iss" must equal it.
	Issuer string
	// Audience is TAP_JWT_AUDIENCE; when set, a token's "aud" must contain it.
	Audience string
	// ACL is TAP_ACL: the identities ("email", else "sub" claim) allowed to
	// send, or "*" for anyone holding a valid token. Identities with an "@"
	// are compared ignoring the case of ASCII letters only, others exactly.
	ACL []string
}

// Verifier checks bearer tokens. It is safe for concurrent use.
type Verifier struct {
	secret []byte                            // nil when TAP_JWT_SECRET is unset
	keys   []publicKey                       // from TAP_JWT_KEYS
	byAlg  map[string]jwt.VerificationKeySet // keys for tokens without kid
	parser *jwt.Parser
	acl    acl
	cache  *cache           // nil disables caching
	now    func() time.Time // the clock; tests replace it
}

// claims are the claims a Verifier reads and Mint writes.
type claims struct {
	jwt.RegisteredClaims
	Email string `json:"email,omitempty"`
}

// UnmarshalJSON decodes the claims, refusing an "exp", "nbf" or "iat" that
// is not a JSON number: RFC 7519 section 2 defines a NumericDate as a JSON
// numeric value, and jwt would read "1700000000", a string, as one. null is
// left to jwt, which reads it as an absent claim.
func (c *claims) UnmarshalJSON(b []byte) error {
	var times struct {
		Exp json.RawMessage `json:"exp"`
		Nbf json.RawMessage `json:"nbf"`
		Iat json.RawMessage `json:"iat"`
	}
	if err := json.Unmarshal(b, &times); err != nil {
		return err
	}
	for _, t := range []struct {
		name string
		raw  json.RawMessage
	}{{"exp", times.Exp}, {"nbf", times.Nbf}, {"iat", times.Iat}} {
		if len(t.raw) > 0 && string(t.raw) != "null" && t.raw[0] != '-' && (t.raw[0] < '0' || t.raw[0] > '9') {
			return keyError(fmt.Sprintf("%q is not a number: a NumericDate is a JSON number of seconds since 1970 (RFC 7519), not a string", t.name))
		}
	}
	type plain claims // the same fields, without this method
	return json.Unmarshal(b, (*plain)(c))
}

// NewVerifier checks c and builds a Verifier. At least one key (Secret or
// Keys) and an ACL are required. Errors name the environment variable at
// fault and never quote the secret.
func NewVerifier(c Config) (*Verifier, error) {
	v := &Verifier{
		byAlg: make(map[string]jwt.VerificationKeySet),
		cache: newCache(cacheSize),
		now:   time.Now,
	}
	if c.Secret == "" && strings.TrimSpace(c.Keys) == "" {
		return nil, errors.New("TAP_JWT_SECRET, TAP_JWT_KEYS: no key: set TAP_JWT_SECRET (HMAC) or TAP_JWT_KEYS (PEM public keys, a JWKS, or a file holding either)")
	}
	var algs []string
	if c.Secret != "" {
		if len(c.Secret) < minSecretBytes {
			return nil, fmt.Errorf("TAP_JWT_SECRET: %d bytes is too short: use at least %d random bytes (e.g. openssl rand -base64 32)", len(c.Secret), minSecretBytes)
		}
		v.secret = []byte(c.Secret)
		algs = append(algs, hmacAlgs...)
	}
	if strings.TrimSpace(c.Keys) != "" {
		keys, err := loadKeys(c.Keys)
		if err != nil {
			return nil, fmt.Errorf("TAP_JWT_KEYS: %w", err)
		}
		v.keys = keys
		for _, k := range keys {
			for _, alg := range k.algs {
				set := v.byAlg[alg]
				set.Keys = append(set.Keys, k.key)
				v.byAlg[alg] = set
				if !slices.Contains(algs, alg) {
					algs = append(algs, alg)
				}
			}
		}
	}
	acl, err := newACL(c.ACL)
	if err != nil {
		return nil, err
	}
	v.acl = acl

	opts := []jwt.ParserOption{
		jwt.WithValidMethods(algs),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(leeway),
		jwt.WithTimeFunc(func() time.Time { return v.now() }),
	}
	if c.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(c.Issuer))
	}
	if c.Audience != "" {
		opts = append(opts, jwt.WithAudience(c.Audience))
	}
	v.parser = jwt.NewParser(opts...)
	return v, nil
}

// Verify checks the raw value of an Authorization header, "Bearer <JWT>",
// and returns the sender's identity: the token's "email" claim, else its
// "sub". Errors wrap ErrUnauthorized (no, malformed, badly signed, expired or
// otherwise invalid token) or ErrForbidden (valid token, identity not in
// TAP_ACL).
func (v *Verifier) Verify(authorization string) (identity string, err error) {
	token, err := bearer(authorization)
	if err != nil {
		return "", err
	}
	now := v.now()
	var sum [sha256.Size]byte
	if v.cache != nil {
		sum = tokenHash(token)
		if got, ok := v.cache.get(sum, now); ok {
			return got.result()
		}
	}
	var c claims
	if _, err := v.parser.ParseWithClaims(token, &c, v.keyFor); err != nil {
		return "", deny(ErrUnauthorized, reason(err))
	}
	identity = c.Email
	if identity == "" {
		identity = c.Subject
	}
	if identity == "" {
		return "", deny(ErrUnauthorized, `token has neither "email" nor "sub"`)
	}
	verdict := verdict{identity: identity, allowed: v.acl.allows(identity), expires: c.ExpiresAt.Time}
	if v.cache != nil {
		if limit := now.Add(cacheTTL); limit.Before(verdict.expires) {
			verdict.expires = limit
		}
		if now.Before(verdict.expires) {
			v.cache.put(sum, verdict)
		}
	}
	return verdict.result()
}

// result returns what Verify returns for a verified token.
func (v verdict) result() (string, error) {
	if !v.allowed {
		return "", deny(ErrForbidden, fmt.Sprintf("%q is not in TAP_ACL", v.identity))
	}
	return v.identity, nil
}

// hashBufs holds buffers for tokenHash: converting the token to []byte for
// sha256 would allocate on every request.
var hashBufs = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// tokenHash returns the SHA-256 of token, the cache key. A cryptographic
// hash, since a collision would let a forged token pass as a verified one.
func tokenHash(token string) [sha256.Size]byte {
	bp := hashBufs.Get().(*[]byte)
	b := append((*bp)[:0], token...)
	sum := sha256.Sum256(b)
	*bp = b
	hashBufs.Put(bp)
	return sum
}

// bearer returns the token of an Authorization header. Its errors never quote
// the header: with another scheme it may hold a password.
func bearer(authorization string) (string, error) {
	h := strings.TrimSpace(authorization)
	if h == "" {
		return "", deny(ErrUnauthorized, "no Authorization header: send Authorization: Bearer <token>")
	}
	scheme, token, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", deny(ErrUnauthorized, "Authorization scheme is not Bearer")
	}
	token = strings.TrimSpace(token)
	switch {
	case token == "":
		return "", deny(ErrUnauthorized, "empty bearer token")
	case len(token) > maxTokenBytes:
		return "", deny(ErrUnauthorized, fmt.Sprintf("token longer than %d bytes", maxTokenBytes))
	}
	return token, nil
}

// keyError is a reason written by keyFor, carried through jwt's error.
type keyError string

func (e keyError) Error() string { return string(e) }

// keyFor is the jwt.Keyfunc: it picks the keys that may verify t from its
// algorithm (already one of the configured keys' algorithms, checked by the
// parser) and its kid.
func (v *Verifier) keyFor(t *jwt.Token) (any, error) {
	if _, ok := t.Header["crit"]; ok {
		// RFC 7515 section 4.1.11: a token that needs header extensions the
		// recipient does not implement must be rejected; jwt implements none.
		return nil, keyError(`token has "crit" header parameters, none of which are supported`)
	}
	alg := t.Method.Alg()
	if slices.Contains(hmacAlgs, alg) {
		// The secret is the only HMAC key, so kid selects nothing; and no
		// public key is ever used as an HMAC secret.
		if v.secret == nil {
			return nil, keyError("no HMAC secret configured")
		}
		return v.secret, nil
	}
	h, ok := t.Header["kid"]
	if !ok {
		return v.byAlg[alg], nil
	}
	kid, ok := h.(string)
	if !ok {
		return nil, keyError(`"kid" is not a string`)
	}
	var set jwt.VerificationKeySet
	known := false
	for _, k := range v.keys {
		if k.kid != kid {
			continue
		}
		known = true
		if slices.Contains(k.algs, alg) {
			set.Keys = append(set.Keys, k.key)
		}
	}
	switch {
	case !known:
		return nil, keyError("no configured key has the token's kid (PEM keys are known by their RFC 7638 thumbprint)")
	case len(set.Keys) == 0:
		return nil, keyError(fmt.Sprintf("the key with the token's kid does not accept %s", alg))
	}
	return set, nil
}

// reason turns a jwt error into a message of this package's own words: jwt's
// messages may quote bits of the decoded token.
func reason(err error) string {
	var ke keyError
	switch {
	case errors.As(err, &ke):
		return string(ke)
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "malformed token"
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return "token algorithm missing or unknown"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		// jwt reports an algorithm outside WithValidMethods this way too.
		if strings.Contains(err.Error(), "signing method") {
			return "token algorithm not accepted by the configured keys"
		}
		return "bad signature"
	case errors.Is(err, jwt.ErrTokenExpired):
		return "token expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "token not valid yet (nbf)"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "wrong issuer (iss)"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "wrong audience (aud)"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		// The claim names in jwt's message are its own constants.
		var msgs []string
		for _, claim := range []string{"exp", "iss", "aud"} {
			if strings.Contains(err.Error(), claim+" claim is required") {
				msgs = append(msgs, fmt.Sprintf("%q", claim))
			}
		}
		if len(msgs) == 0 {
			return "token misses a required claim"
		}
		return "token has no " + strings.Join(msgs, ", ")
	}
	return "invalid token"
}

// acl is TAP_ACL for tokens.
type acl struct {
	any    bool
	exact  map[string]bool // identities without "@"
	folded map[string]bool // lower-cased identities with "@"
}

// aclHelp ends the message of an empty TAP_ACL.
const aclHelp = `list who may send, comma-separated, or set "*" to accept anyone holding a valid token`

func newACL(entries []string) (acl, error) {
	a := acl{exact: map[string]bool{}, folded: map[string]bool{}}
	n := 0
	for _, e := range entries {
		e = strings.TrimSpace(e)
		switch {
		case e == "":
			continue
		case e == "*":
			a.any = true
		case strings.Contains(e, "*"):
			return acl{}, fmt.Errorf("TAP_ACL: %q: entries are exact identities; \"*\" alone accepts any valid token", e)
		case strings.Contains(e, "@"):
			a.folded[asciiLower(e)] = true
		default:
			a.exact[e] = true
		}
		n++
	}
	if n == 0 {
		return acl{}, errors.New("TAP_ACL: empty: " + aclHelp + ` (identities are the token's "email", else its "sub")`)
	}
	return a, nil
}

// allows reports whether identity may send. Identities with an "@" are
// email addresses, compared ignoring the case of ASCII letters, as mail
// systems do; every other byte must be equal. Unicode case folding is not
// used: it maps "İ" (U+0130) to "i" and the Kelvin sign (U+212A) to "k", so
// a token for "alİce@example.com", an address someone else can own, would
// pass as "alice@example.com".
func (a acl) allows(identity string) bool {
	if a.any {
		return true
	}
	if strings.Contains(identity, "@") {
		return a.folded[asciiLower(identity)]
	}
	return a.exact[identity]
}

// asciiLower maps A-Z to a-z and leaves every other byte as it is.
func asciiLower(s string) string {
	i := 0
	for i < len(s) && (s[i] < 'A' || s[i] > 'Z') {
		i++
	}
	if i == len(s) {
		return s
	}
	b := []byte(s)
	for ; i < len(b); i++ {
		if 'A' <= b[i] && b[i] <= 'Z' {
			b[i] += 'a' - 'A'
		}
	}
	return string(b)
}
