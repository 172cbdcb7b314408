package auth

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// FuzzVerify feeds Authorization headers to a Verifier with every kind of
// key: it must not panic, every error must wrap exactly one of
// ErrUnauthorized and ErrForbidden, and no error may quote the token.
func FuzzVerify(f *testing.F) {
	k := testKeys(f)
	ok := issued("svc-1", "alice@example.com")
	f.Add("Bearer " + sign(f, jwt.SigningMethodHS256, []byte(testSecret), ok, ""))
	f.Add("Bearer " + sign(f, jwt.SigningMethodRS256, k.rsa1, ok, "rsa-1"))
	f.Add("Bearer " + sign(f, jwt.SigningMethodES256, k.p256, ok, ""))
	f.Add("Bearer " + sign(f, jwt.SigningMethodEdDSA, k.ed, ok, "ed"))
	f.Add("Bearer " + sign(f, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, ok, ""))
	f.Add("Bearer " + sign(f, jwt.SigningMethodHS256, []byte(testSecret), issued("", ""), ""))
	f.Add("bearer a.b.c")
	f.Add("Basic dXNlcjpwYXNz")
	f.Add("")
	v := newTestVerifier(f, Config{
		Secret:   testSecret,
		Keys:     pemOf(f, &k.rsa1.PublicKey, &k.p256.PublicKey, k.ed.Public()),
		Issuer:   testIssuer,
		Audience: testAudience,
		ACL:      []string{"alice@example.com"},
	}, at(t0.Add(time.Minute)))
	f.Fuzz(func(t *testing.T, header string) {
		id, err := v.Verify(header)
		if err == nil {
			if id != "alice@example.com" {
				t.Fatalf("accepted %q", id)
			}
			return
		}
		if errors.Is(err, ErrUnauthorized) == errors.Is(err, ErrForbidden) {
			t.Fatalf("error %q wraps neither or both", err)
		}
		_, token, _ := strings.Cut(strings.TrimSpace(header), " ")
		if len(token) >= 24 && strings.Contains(token, ".") && strings.Contains(err.Error(), token) {
			t.Fatalf("error %q quotes the token", err)
		}
	})
}
