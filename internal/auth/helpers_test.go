package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// t0 is the time of every test's clock.
var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

const testSecret = "0123456789abcdef0123456789abcdef-test" // 37 bytes

// keySet holds one private key of each kind, generated once per test binary.
type keySet struct {
	rsa1, rsa2 *rsa.PrivateKey
	p256, p384 *ecdsa.PrivateKey
	p521       *ecdsa.PrivateKey
	ed         ed25519.PrivateKey
}

var (
	keysOnce sync.Once
	keys     keySet
)

func testKeys(t testing.TB) keySet {
	t.Helper()
	keysOnce.Do(func() {
		must := func(err error) {
			if err != nil {
				panic(err)
			}
		}
		var err error
		keys.rsa1, err = rsa.GenerateKey(rand.Reader, 2048)
		must(err)
		keys.rsa2, err = rsa.GenerateKey(rand.Reader, 2048)
		must(err)
		keys.p256, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		must(err)
		keys.p384, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		must(err)
		keys.p521, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
		must(err)
		_, keys.ed, err = ed25519.GenerateKey(rand.Reader)
		must(err)
	})
	return keys
}

// pemOf encodes public keys as "PUBLIC KEY" blocks.
func pemOf(t testing.TB, pubs ...crypto.PublicKey) string {
	t.Helper()
	var b strings.Builder
	for _, pub := range pubs {
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		if err := pem.Encode(&b, &pem.Block{Type: "PUBLIC KEY", Bytes: der}); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// jwksOf encodes keys as a JWK Set.
func jwksOf(t testing.TB, ks ...jose.JSONWebKey) string {
	t.Helper()
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: ks})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// testClaims are the claims of a good token at t0.
type testClaims = claims

func good(sub, email string) *testClaims {
	return &testClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   sub,
			IssuedAt:  jwt.NewNumericDate(t0),
			NotBefore: jwt.NewNumericDate(t0),
			ExpiresAt: jwt.NewNumericDate(t0.Add(time.Hour)),
		},
		Email: email,
	}
}

// sign returns a token of c signed by key with m, with a kid header unless
// kid is empty.
func sign(t testing.TB, m jwt.SigningMethod, key any, c jwt.Claims, kid string) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// newTestVerifier builds a Verifier whose clock reads now().
func newTestVerifier(t testing.TB, c Config, now func() time.Time) *Verifier {
	t.Helper()
	v, err := NewVerifier(c)
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	v.now = now
	return v
}

func at(tm time.Time) func() time.Time { return func() time.Time { return tm } }
