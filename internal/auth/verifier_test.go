package auth

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

const (
	testIssuer   = "https://issuer.example"
	testAudience = "datatap"
)

// issued returns good claims from the test issuer for the test audience,
// changed by mods.
func issued(sub, email string, mods ...func(*claims)) *claims {
	c := good(sub, email)
	c.Issuer = testIssuer
	c.Audience = jwt.ClaimStrings{testAudience}
	for _, m := range mods {
		m(c)
	}
	return c
}

func TestVerifyRejects(t *testing.T) {
	k := testKeys(t)
	rsaPEM := pemOf(t, &k.rsa1.PublicKey)
	both := Config{Secret: testSecret, Keys: rsaPEM, Issuer: testIssuer, Audience: testAudience, ACL: []string{"alice@example.com", "svc-1"}}
	rsaOnly := both
	rsaOnly.Secret = ""
	jwks := both
	jwks.Secret = ""
	jwks.Keys = jwksOf(t,
		jose.JSONWebKey{Key: &k.rsa1.PublicKey, KeyID: "rsa-1", Algorithm: "RS256", Use: "sig"},
		jose.JSONWebKey{Key: &k.rsa2.PublicKey, KeyID: "rsa-2"},
	)

	hs := func(c jwt.Claims) string { return sign(t, jwt.SigningMethodHS256, []byte(testSecret), c, "") }
	rs := func(c jwt.Claims, kid string) string { return sign(t, jwt.SigningMethodRS256, k.rsa1, c, kid) }
	ok := issued("svc-1", "")
	none := sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, ok, "")
	// Algorithm confusion: an HS256 token whose "secret" is the public key
	// everybody can read.
	confused := sign(t, jwt.SigningMethodHS256, []byte(rsaPEM), ok, "")
	// A good token whose payload is swapped for another sender's.
	forged := func() string {
		a := strings.Split(rs(ok, ""), ".")
		b := strings.Split(rs(issued("mallory", ""), ""), ".")
		return a[0] + "." + b[1] + "." + a[2]
	}()
	tooLong := "Bearer " + strings.Repeat("a", maxTokenBytes+1)

	for _, tc := range []struct {
		name   string
		cfg    Config
		header string
		want   error
		msg    string
	}{
		{"missing header", both, "", ErrUnauthorized, "no Authorization header"},
		{"blank header", both, "   ", ErrUnauthorized, "no Authorization header"},
		{"basic scheme", both, "Basic YWxpY2U6aHVudGVyMg==", ErrUnauthorized, "not Bearer"},
		{"token without scheme", both, hs(ok), ErrUnauthorized, "not Bearer"},
		{"bearer without token", both, "Bearer", ErrUnauthorized, "empty bearer token"},
		{"bearer blank token", both, "Bearer   ", ErrUnauthorized, "empty bearer token"},
		{"garbage", both, "Bearer not-a-jwt", ErrUnauthorized, "malformed token"},
		{"garbage segments", both, "Bearer a.b.c", ErrUnauthorized, "malformed token"},
		{"header not JSON", both, "Bearer eyJub3QganNvbg.e30.c2ln", ErrUnauthorized, "malformed token"},
		{"too long", both, tooLong, ErrUnauthorized, "token longer than"},
		{"HS256 bad signature", both, "Bearer " + sign(t, jwt.SigningMethodHS256, []byte("another-secret-of-32-bytes-or-more!"), ok, ""), ErrUnauthorized, "bad signature"},
		{"RS256 bad signature", both, "Bearer " + sign(t, jwt.SigningMethodRS256, k.rsa2, ok, ""), ErrUnauthorized, "bad signature"},
		{"RS256 swapped payload", both, "Bearer " + forged, ErrUnauthorized, "bad signature"},
		{"expired", both, "Bearer " + hs(issued("svc-1", "", func(c *claims) { c.ExpiresAt = jwt.NewNumericDate(t0.Add(-time.Minute)) })), ErrUnauthorized, "token expired"},
		{"not yet valid", both, "Bearer " + hs(issued("svc-1", "", func(c *claims) { c.NotBefore = jwt.NewNumericDate(t0.Add(time.Minute)) })), ErrUnauthorized, "not valid yet"},
		{"wrong iss", both, "Bearer " + hs(issued("svc-1", "", func(c *claims) { c.Issuer = "https://evil.example" })), ErrUnauthorized, "wrong issuer"},
		{"no iss", both, "Bearer " + hs(issued("svc-1", "", func(c *claims) { c.Issuer = "" })), ErrUnauthorized, `token has no "iss"`},
		{"wrong aud", both, "Bearer " + hs(issued("svc-1", "", func(c *claims) { c.Audience = jwt.ClaimStrings{"other"} })), ErrUnauthorized, "wrong audience"},
		{"no aud", both, "Bearer " + hs(issued("svc-1", "", func(c *claims) { c.Audience = nil })), ErrUnauthorized, `token has no "aud"`},
		{"no exp", both, "Bearer " + hs(issued("svc-1", "", func(c *claims) { c.ExpiresAt = nil })), ErrUnauthorized, `token has no "exp"`},
		{"no sub or email", both, "Bearer " + hs(issued("", "")), ErrUnauthorized, `neither "email" nor "sub"`},
		{"alg none", both, "Bearer " + none, ErrUnauthorized, "algorithm not accepted"},
		{"alg none, no signature", both, "Bearer " + strings.TrimSuffix(none, "."), ErrUnauthorized, "malformed token"},
		{"HS256 with the RSA PEM as secret, RSA only", rsaOnly, "Bearer " + confused, ErrUnauthorized, "algorithm not accepted"},
		{"HS256 with the RSA PEM as secret, secret and RSA", both, "Bearer " + confused, ErrUnauthorized, "bad signature"},
		{"HS256 with no secret", rsaOnly, "Bearer " + hs(ok), ErrUnauthorized, "algorithm not accepted"},
		{"ES256 with RSA keys only", both, "Bearer " + sign(t, jwt.SigningMethodES256, k.p256, ok, ""), ErrUnauthorized, "algorithm not accepted"},
		{"unknown kid", both, "Bearer " + rs(ok, "nope"), ErrUnauthorized, "no configured key has the token's kid"},
		{"unknown kid in JWKS", jwks, "Bearer " + rs(ok, "rsa-3"), ErrUnauthorized, "no configured key has the token's kid"},
		{"kid of another key", jwks, "Bearer " + rs(ok, "rsa-2"), ErrUnauthorized, "bad signature"},
		{"kid not a string", jwks, "Bearer " + func() string {
			tok := jwt.NewWithClaims(jwt.SigningMethodRS256, ok)
			tok.Header["kid"] = 42
			s, _ := tok.SignedString(k.rsa1)
			return s
		}(), ErrUnauthorized, `"kid" is not a string`},
		{"JWK alg restricts the key, with kid", jwks, "Bearer " + sign(t, jwt.SigningMethodPS256, k.rsa1, ok, "rsa-1"), ErrUnauthorized, "does not accept PS256"},
		{"JWK alg restricts the key, no kid", jwks, "Bearer " + sign(t, jwt.SigningMethodPS256, k.rsa1, ok, ""), ErrUnauthorized, "bad signature"},
		{"crit header", both, "Bearer " + func() string {
			tok := jwt.NewWithClaims(jwt.SigningMethodHS256, ok)
			tok.Header["crit"] = []string{"exp"}
			s, _ := tok.SignedString([]byte(testSecret))
			return s
		}(), ErrUnauthorized, `"crit"`},
		{"not in ACL", both, "Bearer " + hs(issued("mallory", "")), ErrForbidden, `"mallory" is not in TAP_ACL`},
		{"not in ACL by email", both, "Bearer " + hs(issued("svc-1", "mallory@example.com")), ErrForbidden, `"mallory@example.com" is not in TAP_ACL`},
		{"sub is case-sensitive", both, "Bearer " + hs(issued("SVC-1", "")), ErrForbidden, "not in TAP_ACL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := newTestVerifier(t, tc.cfg, at(t0))
			id, err := v.Verify(tc.header)
			if err == nil {
				t.Fatalf("Verify accepted %q", id)
			}
			if errors.Is(err, ErrUnauthorized) == errors.Is(err, ErrForbidden) {
				t.Fatalf("error %q must wrap exactly one of ErrUnauthorized and ErrForbidden", err)
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("error %q does not wrap %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q, want it to contain %q", err, tc.msg)
			}
			assertNoLeak(t, err, tc.header, tc.cfg.Secret)
			if v.cache.len() != 0 && !errors.Is(err, ErrForbidden) {
				t.Errorf("a rejected token was cached")
			}
		})
	}
}

// assertNoLeak fails when err quotes the header, the token, a segment of it,
// or the secret.
func assertNoLeak(t *testing.T, err error, header, secret string) {
	t.Helper()
	msg := err.Error()
	_, token, _ := strings.Cut(strings.TrimSpace(header), " ")
	check := []string{header, token, secret}
	for _, seg := range strings.Split(token, ".") {
		if len(seg) >= 8 {
			check = append(check, seg)
		}
	}
	for _, s := range check {
		if len(strings.TrimSpace(s)) >= 8 && strings.Contains(msg, s) {
			t.Errorf("error %q leaks %q", msg, s)
		}
	}
	if _, m := Status(err); (secret != "" && strings.Contains(m, secret)) || (len(token) >= 8 && strings.Contains(m, token)) {
		t.Errorf("Status message %q leaks the token or the secret", m)
	}
}

func TestVerifyAccepts(t *testing.T) {
	k := testKeys(t)
	acl := []string{"*"}
	hmac := Config{Secret: testSecret, ACL: acl}
	rsaPEM := Config{Keys: pemOf(t, &k.rsa1.PublicKey, &k.rsa2.PublicKey), ACL: acl}
	ecPEM := Config{Keys: pemOf(t, &k.p256.PublicKey, &k.p384.PublicKey, &k.p521.PublicKey), ACL: acl}
	edPEM := Config{Keys: pemOf(t, k.ed.Public()), ACL: acl}
	pkcs1 := Config{Keys: string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&k.rsa1.PublicKey)})), ACL: acl}
	escaped := Config{Keys: strings.ReplaceAll(pemOf(t, &k.rsa1.PublicKey), "\n", `\n`), ACL: acl}
	p384Thumb, err := thumbprint(&k.p384.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	rsa1Thumb, err := thumbprint(&k.rsa1.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	// One key of each type, with and without kid and alg, and keys that must
	// be skipped: one for encryption, one of a type jwt cannot verify with.
	jwksText := jwksOf(t,
		jose.JSONWebKey{Key: &k.rsa1.PublicKey, KeyID: "rsa-1", Algorithm: "RS256", Use: "sig"},
		jose.JSONWebKey{Key: &k.rsa2.PublicKey, KeyID: "rsa-2"},
		jose.JSONWebKey{Key: &k.p256.PublicKey, KeyID: "ec-256", Algorithm: "ES256"},
		jose.JSONWebKey{Key: &k.p384.PublicKey},
		jose.JSONWebKey{Key: &k.p521.PublicKey, KeyID: "ec-521"},
		jose.JSONWebKey{Key: k.ed.Public(), KeyID: "ed"},
		jose.JSONWebKey{Key: &k.rsa2.PublicKey, KeyID: "enc-1", Algorithm: "RSA-OAEP", Use: "enc"},
	)
	jwksText = strings.Replace(jwksText, `{"keys":[`, `{"keys":[{"kty":"OKP","crv":"X25519","x":"hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo"},`, 1)
	jwks := Config{Keys: jwksText, ACL: acl}

	dir := t.TempDir()
	pemFile := filepath.Join(dir, "keys.pem")
	if err := os.WriteFile(pemFile, []byte(pemOf(t, &k.rsa1.PublicKey, &k.p256.PublicKey)), 0o600); err != nil {
		t.Fatal(err)
	}
	jwksFile := filepath.Join(dir, "jwks.json")
	if err := os.WriteFile(jwksFile, []byte(jwksText+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	single := Config{Keys: `{"kty":"OKP","crv":"Ed25519","kid":"only","x":"` + func() string {
		b, _ := jose.JSONWebKey{Key: k.ed.Public()}.MarshalJSON()
		s := string(b)
		i := strings.Index(s, `"x":"`) + 5
		return s[i : i+strings.Index(s[i:], `"`)]
	}() + `"}`, ACL: acl}

	certDER, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: t0, NotAfter: t0.Add(time.Hour)},
		&x509.Certificate{SerialNumber: big.NewInt(1)}, &k.rsa2.PublicKey, k.rsa2)
	if err != nil {
		t.Fatal(err)
	}
	cert := Config{Keys: pemOf(t, &k.rsa1.PublicKey) + string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certDER})), ACL: acl}

	c := good("svc-1", "")
	for _, tc := range []struct {
		name   string
		cfg    Config
		header string
		want   string
	}{
		{"certificate's key", cert, "Bearer " + sign(t, jwt.SigningMethodRS256, k.rsa2, c, ""), "svc-1"},
		{"HS256", hmac, "Bearer " + sign(t, jwt.SigningMethodHS256, []byte(testSecret), c, ""), "svc-1"},
		{"HS384", hmac, "Bearer " + sign(t, jwt.SigningMethodHS384, []byte(testSecret), c, ""), "svc-1"},
		{"HS512 with a kid", hmac, "Bearer " + sign(t, jwt.SigningMethodHS512, []byte(testSecret), c, "any"), "svc-1"},
		{"scheme in lower case", hmac, "bearer " + sign(t, jwt.SigningMethodHS256, []byte(testSecret), c, ""), "svc-1"},
		{"scheme in upper case, spaces", hmac, "  BEARER   " + sign(t, jwt.SigningMethodHS256, []byte(testSecret), c, "") + " ", "svc-1"},
		{"email before sub", hmac, "Bearer " + sign(t, jwt.SigningMethodHS256, []byte(testSecret), good("svc-1", "Alice@Example.com"), ""), "Alice@Example.com"},
		{"email alone", hmac, "Bearer " + sign(t, jwt.SigningMethodHS256, []byte(testSecret), good("", "bob@example.com"), ""), "bob@example.com"},
		{"expired within the leeway", hmac, "Bearer " + sign(t, jwt.SigningMethodHS256, []byte(testSecret), func() *claims {
			c := good("svc-1", "")
			c.ExpiresAt = jwt.NewNumericDate(t0.Add(-leeway / 2))
			return c
		}(), ""), "svc-1"},
		{"nbf within the leeway", hmac, "Bearer " + sign(t, jwt.SigningMethodHS256, []byte(testSecret), func() *claims {
			c := good("svc-1", "")
			c.NotBefore = jwt.NewNumericDate(t0.Add(leeway / 2))
			return c
		}(), ""), "svc-1"},
		{"RS256 first PEM key", rsaPEM, "Bearer " + sign(t, jwt.SigningMethodRS256, k.rsa1, c, ""), "svc-1"},
		{"RS512 second PEM key", rsaPEM, "Bearer " + sign(t, jwt.SigningMethodRS512, k.rsa2, c, ""), "svc-1"},
		{"PS256", rsaPEM, "Bearer " + sign(t, jwt.SigningMethodPS256, k.rsa2, c, ""), "svc-1"},
		{"PS384", rsaPEM, "Bearer " + sign(t, jwt.SigningMethodPS384, k.rsa1, c, ""), "svc-1"},
		{"RS256 kid = PEM key thumbprint", rsaPEM, "Bearer " + sign(t, jwt.SigningMethodRS256, k.rsa1, c, rsa1Thumb), "svc-1"},
		{"RSA PUBLIC KEY block", pkcs1, "Bearer " + sign(t, jwt.SigningMethodRS256, k.rsa1, c, ""), "svc-1"},
		{"PEM with escaped newlines", escaped, "Bearer " + sign(t, jwt.SigningMethodRS256, k.rsa1, c, ""), "svc-1"},
		{"ES256", ecPEM, "Bearer " + sign(t, jwt.SigningMethodES256, k.p256, c, ""), "svc-1"},
		{"ES384", ecPEM, "Bearer " + sign(t, jwt.SigningMethodES384, k.p384, c, ""), "svc-1"},
		{"ES512", ecPEM, "Bearer " + sign(t, jwt.SigningMethodES512, k.p521, c, ""), "svc-1"},
		{"EdDSA", edPEM, "Bearer " + sign(t, jwt.SigningMethodEdDSA, k.ed, c, ""), "svc-1"},
		{"JWKS RS256 kid", jwks, "Bearer " + sign(t, jwt.SigningMethodRS256, k.rsa1, c, "rsa-1"), "svc-1"},
		{"JWKS PS512 kid", jwks, "Bearer " + sign(t, jwt.SigningMethodPS512, k.rsa2, c, "rsa-2"), "svc-1"},
		{"JWKS RS256 no kid, second key", jwks, "Bearer " + sign(t, jwt.SigningMethodRS256, k.rsa2, c, ""), "svc-1"},
		{"JWKS ES256 kid", jwks, "Bearer " + sign(t, jwt.SigningMethodES256, k.p256, c, "ec-256"), "svc-1"},
		{"JWKS ES384 no kid", jwks, "Bearer " + sign(t, jwt.SigningMethodES384, k.p384, c, ""), "svc-1"},
		{"JWKS ES384 kid = thumbprint", jwks, "Bearer " + sign(t, jwt.SigningMethodES384, k.p384, c, p384Thumb), "svc-1"},
		{"JWKS ES512 kid", jwks, "Bearer " + sign(t, jwt.SigningMethodES512, k.p521, c, "ec-521"), "svc-1"},
		{"JWKS EdDSA kid", jwks, "Bearer " + sign(t, jwt.SigningMethodEdDSA, k.ed, c, "ed"), "svc-1"},
		{"single JWK", single, "Bearer " + sign(t, jwt.SigningMethodEdDSA, k.ed, c, "only"), "svc-1"},
		{"PEM file RS256", Config{Keys: pemFile, ACL: acl}, "Bearer " + sign(t, jwt.SigningMethodRS256, k.rsa1, c, ""), "svc-1"},
		{"PEM file ES256", Config{Keys: " " + pemFile + "\n", ACL: acl}, "Bearer " + sign(t, jwt.SigningMethodES256, k.p256, c, ""), "svc-1"},
		{"JWKS file", Config{Keys: jwksFile, ACL: acl}, "Bearer " + sign(t, jwt.SigningMethodPS256, k.rsa2, c, "rsa-2"), "svc-1"},
		{"secret and keys: HS256", Config{Secret: testSecret, Keys: jwksText, ACL: acl}, "Bearer " + sign(t, jwt.SigningMethodHS256, []byte(testSecret), c, ""), "svc-1"},
		{"secret and keys: EdDSA", Config{Secret: testSecret, Keys: jwksText, ACL: acl}, "Bearer " + sign(t, jwt.SigningMethodEdDSA, k.ed, c, ""), "svc-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := newTestVerifier(t, tc.cfg, at(t0))
			id, err := v.Verify(tc.header)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if id != tc.want {
				t.Errorf("identity %q, want %q", id, tc.want)
			}
		})
	}
}

func TestACL(t *testing.T) {
	hs := func(sub, email string) string {
		return "Bearer " + sign(t, jwt.SigningMethodHS256, []byte(testSecret), good(sub, email), "")
	}
	f := func(acl []string, sub, email string, want error) {
		t.Helper()
		v := newTestVerifier(t, Config{Secret: testSecret, ACL: acl}, at(t0))
		_, err := v.Verify(hs(sub, email))
		if !errors.Is(err, want) || (want == nil && err != nil) {
			t.Errorf("ACL %q, sub %q, email %q: error %v, want %v", acl, sub, email, err, want)
		}
	}
	f([]string{"*"}, "anyone", "", nil)
	f([]string{"alice@example.com", "*"}, "", "zed@example.org", nil)
	f([]string{"alice@example.com"}, "", "alice@example.com", nil)
	f([]string{"alice@example.com"}, "", "ALICE@Example.COM", nil)
	f([]string{" Alice@Example.com "}, "", "alice@example.com", nil)
	f([]string{"alice@example.com"}, "", "alice@example.co", ErrForbidden)
	f([]string{"alice@example.com"}, "alice@example.com", "", nil) // sub that is an address
	f([]string{"alice@example.com"}, "alice", "", ErrForbidden)
	f([]string{"svc-1"}, "svc-1", "", nil)
	f([]string{"svc-1"}, "Svc-1", "", ErrForbidden)
	f([]string{"svc-1"}, "svc-1", "other@example.com", ErrForbidden) // email is the identity
	f([]string{"auth0|abc", ""}, "auth0|abc", "", nil)
}

func TestNewVerifierErrors(t *testing.T) {
	k := testKeys(t)
	short := Config{Keys: pemOf(t, &k.rsa1.PublicKey), ACL: []string{"*"}}
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.txt")
	if err := os.WriteFile(junk, []byte("hello\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	priv := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: func() []byte {
		b, _ := x509.MarshalPKCS8PrivateKey(k.p256)
		return b
	}()}))
	smallRSA, err := x509.ParsePKCS1PublicKey(x509.MarshalPKCS1PublicKey(&k.rsa1.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	smallRSA.N.Rsh(smallRSA.N, 1100) // about 948 bits
	rsaJWK, _ := jose.JSONWebKey{Key: &k.rsa1.PublicKey, KeyID: "a"}.MarshalJSON()

	for _, tc := range []struct {
		name string
		cfg  Config
		msg  string
	}{
		{"no key", Config{ACL: []string{"*"}}, "TAP_JWT_SECRET, TAP_JWT_KEYS: no key"},
		{"blank keys", Config{Keys: " \n", ACL: []string{"*"}}, "TAP_JWT_SECRET, TAP_JWT_KEYS: no key"},
		{"short secret", Config{Secret: "hunter2-hunter2", ACL: []string{"*"}}, "TAP_JWT_SECRET: 15 bytes is too short"},
		{"no ACL", Config{Secret: testSecret}, `TAP_ACL: empty: list who may send, comma-separated, or set "*" to accept anyone holding a valid token`},
		{"blank ACL", Config{Secret: testSecret, ACL: []string{" ", ""}}, "TAP_ACL: empty"},
		{"ACL pattern", Config{Secret: testSecret, ACL: []string{"*@example.com"}}, `TAP_ACL: "*@example.com": entries are exact identities`},
		{"keys: no such file", Config{Keys: filepath.Join(dir, "nope.pem"), ACL: []string{"*"}}, "TAP_JWT_KEYS: open " + dir},
		{"keys: file of junk", Config{Keys: junk, ACL: []string{"*"}}, "TAP_JWT_KEYS: " + junk + ": holds neither PEM public keys nor a JWKS"},
		{"keys: pasted base64", Config{Keys: "MIIBIjANBgkq\nhkiG9w0BAQEFAAOCAQ8A", ACL: []string{"*"}}, "TAP_JWT_KEYS: neither PEM"},
		{"keys: private PEM", Config{Keys: priv, ACL: []string{"*"}}, "TAP_JWT_KEYS: PEM block 1 is a PRIVATE KEY: give the public key only"},
		{"keys: CSR", Config{Keys: "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n", ACL: []string{"*"}}, `TAP_JWT_KEYS: PEM block 1: unsupported type "CERTIFICATE REQUEST"`},
		{"keys: broken PEM", Config{Keys: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", ACL: []string{"*"}}, "TAP_JWT_KEYS: PEM block 1 (PUBLIC KEY):"},
		{"keys: no PEM block", Config{Keys: "-----BEGIN PUBLIC KEY-----\nAAAA", ACL: []string{"*"}}, "TAP_JWT_KEYS: no PEM block found"},
		{"keys: text after PEM", Config{Keys: short.Keys + "trailing", ACL: []string{"*"}}, "TAP_JWT_KEYS: text after PEM block 1 is not PEM"},
		{"keys: short RSA", Config{Keys: pemOf(t, smallRSA), ACL: []string{"*"}}, "TAP_JWT_KEYS: PEM block 1: RSA key of"},
		{"JWKS: not JSON", Config{Keys: `{"keys":[`, ACL: []string{"*"}}, "TAP_JWT_KEYS: JWKS:"},
		{"JWKS: empty", Config{Keys: `{"keys":[]}`, ACL: []string{"*"}}, "TAP_JWT_KEYS: JWKS: no keys"},
		{"JWKS: oct key", Config{Keys: `{"keys":[{"kty":"oct","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA","alg":"HS256"}]}`, ACL: []string{"*"}}, "TAP_JWT_KEYS: JWKS key 1: symmetric key: put the HMAC secret in TAP_JWT_SECRET"},
		{"JWKS: private key", Config{Keys: jwksOf(t, jose.JSONWebKey{Key: k.p256, KeyID: "p"}), ACL: []string{"*"}}, `TAP_JWT_KEYS: JWKS key 1 (kid "p"): private key`},
		{"JWKS: alg that does not fit", Config{Keys: strings.Replace(`{"keys":[`+string(rsaJWK)+`]}`, `"kid"`, `"alg":"ES256","kid"`, 1), ACL: []string{"*"}}, `TAP_JWT_KEYS: JWKS key 1 (kid "a"): alg "ES256" does not fit the key`},
		{"JWKS: encryption keys only", Config{Keys: jwksOf(t, jose.JSONWebKey{Key: &k.rsa1.PublicKey, Use: "enc"}), ACL: []string{"*"}}, "TAP_JWT_KEYS: JWKS: none of its 1 keys can verify signatures"},
		{"JWKS: bad key", Config{Keys: `{"keys":[{"kty":"RSA","n":"AQAB"}]}`, ACL: []string{"*"}}, "TAP_JWT_KEYS: JWKS key 1:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := NewVerifier(tc.cfg)
			if err == nil {
				t.Fatalf("NewVerifier accepted the configuration: %+v", v)
			}
			if !strings.HasPrefix(err.Error(), tc.msg) {
				t.Errorf("error %q, want it to start with %q", err, tc.msg)
			}
			if tc.cfg.Secret != "" && strings.Contains(err.Error(), tc.cfg.Secret) {
				t.Errorf("error %q quotes the secret", err)
			}
		})
	}
}

func TestStatus(t *testing.T) {
	f := func(err error, wantStatus int, wantMsg string) {
		t.Helper()
		status, msg := Status(err)
		if status != wantStatus || msg != wantMsg {
			t.Errorf("Status(%v) = %d %q, want %d %q", err, status, msg, wantStatus, wantMsg)
		}
	}
	f(nil, http.StatusOK, "")
	f(deny(ErrUnauthorized, "token expired"), http.StatusUnauthorized, "unauthorized: token expired")
	f(deny(ErrForbidden, `"x" is not in TAP_ACL`), http.StatusForbidden, `forbidden: "x" is not in TAP_ACL`)
	f(fmt.Errorf("wrapped: %w", deny(ErrForbidden, "no")), http.StatusForbidden, "wrapped: auth: forbidden: no")
	f(errors.New("s3: connection refused"), http.StatusInternalServerError, "authentication failed")
	if err := deny(ErrUnauthorized, "x").Error(); err != "auth: unauthorized: x" {
		t.Errorf("error text %q", err)
	}
}

func TestGates(t *testing.T) {
	v := newTestVerifier(t, Config{Secret: testSecret, ACL: []string{"*"}}, at(t0))
	a, err := NewIAM([]string{"*"})
	if err != nil {
		t.Fatal(err)
	}
	tok := sign(t, jwt.SigningMethodHS256, []byte(testSecret), good("svc-1", ""), "")
	for _, tc := range []struct {
		name string
		gate Gate
		req  Request
		id   string
		err  error
	}{
		{"open", Open{}, Request{}, "", nil},
		{"jwt", v, Request{Authorization: "Bearer " + tok, IAMUserArn: "arn:aws:iam::1:user/x"}, "svc-1", nil},
		{"jwt ignores IAM", v, Request{IAMUserArn: "arn:aws:iam::1:user/x"}, "", ErrUnauthorized},
		{"iam", a, Request{IAMUserArn: "arn:aws:iam::1:user/x"}, "arn:aws:iam::1:user/x", nil},
		{"iam ignores the token", a, Request{Authorization: "Bearer " + tok}, "", ErrUnauthorized},
	} {
		id, err := tc.gate.Allow(tc.req)
		if id != tc.id || !errors.Is(err, tc.err) || (tc.err == nil && err != nil) {
			t.Errorf("%s: Allow = %q, %v; want %q, %v", tc.name, id, err, tc.id, tc.err)
		}
	}
}

func TestMint(t *testing.T) {
	v := newTestVerifier(t, Config{Secret: testSecret, Issuer: testIssuer, Audience: testAudience, ACL: []string{"*"}}, at(t0.Add(time.Minute)))
	tok, err := Mint(testSecret, "svc-1", "alice@example.com", time.Hour, testIssuer, testAudience, t0)
	if err != nil {
		t.Fatal(err)
	}
	id, err := v.Verify("Bearer " + tok)
	if err != nil || id != "alice@example.com" {
		t.Fatalf("Verify(Mint) = %q, %v", id, err)
	}
	var c claims
	if _, _, err := jwt.NewParser().ParseUnverified(tok, &c); err != nil {
		t.Fatal(err)
	}
	if c.Subject != "svc-1" || c.Email != "alice@example.com" || c.Issuer != testIssuer ||
		len(c.Audience) != 1 || c.Audience[0] != testAudience ||
		!c.IssuedAt.Equal(t0) || !c.NotBefore.Equal(t0) || !c.ExpiresAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("claims %+v", c)
	}
	// Without iss and aud, the claims are absent, not empty.
	tok, err = Mint(testSecret, "svc-1", "", time.Minute, "", "", t0)
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := jwt.NewParser().DecodeSegment(strings.Split(tok, ".")[1])
	if want := fmt.Sprintf(`{"sub":"svc-1","exp":%d,"nbf":%d,"iat":%d}`, t0.Unix()+60, t0.Unix(), t0.Unix()); string(payload) != want {
		t.Errorf("payload %s, want %s", payload, want)
	}
	// A verifier expecting iss and aud rejects it; after ttl, it is expired.
	if _, err := v.Verify("Bearer " + tok); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("token without iss/aud: %v", err)
	}

	for _, tc := range []struct {
		secret, sub, email string
		ttl                time.Duration
		msg                string
	}{
		{"short", "a", "", time.Hour, "auth: mint: secret of 5 bytes is too short"},
		{testSecret, "", "", time.Hour, "auth: mint: give a subject or an email"},
		{testSecret, "a", "", 0, "auth: mint: ttl 0s is not positive"},
	} {
		if _, err := Mint(tc.secret, tc.sub, tc.email, tc.ttl, "", "", t0); err == nil || !strings.HasPrefix(err.Error(), tc.msg) {
			t.Errorf("Mint(%q, %q, %q, %s) error %v, want %q", tc.secret, tc.sub, tc.email, tc.ttl, err, tc.msg)
		}
	}
}

// TestNumericDatesMustBeNumbers: "exp", "nbf" and "iat" sent as JSON
// strings are refused with a reason, while the same token with numbers
// passes.
func TestNumericDatesMustBeNumbers(t *testing.T) {
	cfg := Config{Secret: testSecret, Issuer: testIssuer, Audience: testAudience, ACL: []string{"svc-1"}}
	// with is a good token's claims with claim name set to value (JSON).
	with := func(name, value string) string {
		b, err := json.Marshal(issued("svc-1", ""))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if value == "" {
			value = string(m[name])
		}
		m[name] = json.RawMessage(strings.ReplaceAll(value, "$", string(m[name])))
		mc := jwt.MapClaims{}
		for k, v := range m {
			var x any
			if err := json.Unmarshal(v, &x); err != nil {
				t.Fatal(err)
			}
			mc[k] = x
		}
		return "Bearer " + sign(t, jwt.SigningMethodHS256, []byte(testSecret), mc, "")
	}
	for _, name := range []string{"exp", "nbf", "iat"} {
		v := newTestVerifier(t, cfg, at(t0))
		if id, err := v.Verify(with(name, "")); err != nil || id != "svc-1" {
			t.Fatalf("%s as a number: %q, %v", name, id, err)
		}
		for _, value := range []string{`"$"`, `"$.0"`, `true`, `[$]`, `{"t":$}`} {
			v := newTestVerifier(t, cfg, at(t0))
			header := with(name, value)
			id, err := v.Verify(header)
			if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), `"`+name+`" is not a number`) {
				t.Errorf("%s = %s: Verify = %q, %v; want 401, %q is not a number", name, value, id, err, name)
				continue
			}
			if code, msg := Status(err); code != 401 || !strings.Contains(msg, "not a number") {
				t.Errorf("%s = %s: status %d %q", name, value, code, msg)
			}
			assertNoLeak(t, err, header, testSecret)
			if v.cache.len() != 0 {
				t.Errorf("%s = %s: a rejected token was cached", name, value)
			}
		}
	}
	// null is an absent claim: fine for nbf and iat, and exp is required.
	v := newTestVerifier(t, cfg, at(t0))
	if _, err := v.Verify(with("nbf", "null")); err != nil {
		t.Errorf("nbf null: %v", err)
	}
	if _, err := v.Verify(with("exp", "null")); !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), `no "exp"`) {
		t.Errorf("exp null: %v, want 401 for a missing exp", err)
	}
}

// TestACLDoesNotFoldUnicode: only ASCII letters compare case-insensitively;
// letters that Unicode case mapping or folding sends to ASCII ones (U+0130
// İ to i, U+212A Kelvin sign to k, U+017F long s to s) do not match them,
// either way round.
func TestACLDoesNotFoldUnicode(t *testing.T) {
	f := func(entry, email string, want error) {
		t.Helper()
		v := newTestVerifier(t, Config{Secret: testSecret, ACL: []string{entry}}, at(t0))
		id, err := v.Verify("Bearer " + sign(t, jwt.SigningMethodHS256, []byte(testSecret), good("", email), ""))
		if !errors.Is(err, want) || (want == nil && (err != nil || id != email)) {
			t.Errorf("ACL %q, email %q: %q, %v; want %v", entry, email, id, err, want)
		}
	}
	f("alice@example.com", "alİce@example.com", ErrForbidden)
	f("alİce@example.com", "alice@example.com", ErrForbidden)
	f("alİce@example.com", "ALİCE@example.com", nil) // ASCII letters still fold around it
	f("kate@example.com", "\u212Aate@example.com", ErrForbidden)
	f("\u212Aate@example.com", "kate@example.com", ErrForbidden)
	f("sam@example.com", "\u017Fam@example.com", ErrForbidden)
	f("\u017Fam@example.com", "Sam@example.com", ErrForbidden)
	f("alice@example.com", "Alice@Example.com", nil)
	f("Alice@Example.com", "alice@example.com", nil)
	f("alice@example.com", "ALICE@EXAMPLE.COM", nil)
}
