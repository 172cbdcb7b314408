package auth

import (
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// BenchmarkVerify measures one Verify of a good token, as each invocation
// does: from the cache, and with the cache disabled (the first request of a
// sender, or every request if the cache did not exist).
func BenchmarkVerify(b *testing.B) {
	k := testKeys(b)
	c := good("svc-1", "alice@example.com")
	for _, bc := range []struct {
		name   string
		cfg    Config
		header string
	}{
		{"HS256", Config{Secret: testSecret, ACL: []string{"alice@example.com"}},
			"Bearer " + sign(b, jwt.SigningMethodHS256, []byte(testSecret), c, "")},
		{"RS256", Config{Keys: pemOf(b, &k.rsa1.PublicKey), ACL: []string{"alice@example.com"}},
			"Bearer " + sign(b, jwt.SigningMethodRS256, k.rsa1, c, "")},
	} {
		for _, cached := range []bool{true, false} {
			name := bc.name + "/cache"
			if !cached {
				name = bc.name + "/nocache"
			}
			b.Run(name, func(b *testing.B) {
				v := newTestVerifier(b, bc.cfg, at(t0))
				if !cached {
					v.cache = nil
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := v.Verify(bc.header); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
