package tap_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/datatap/datatap/internal/auth"
	"github.com/datatap/datatap/internal/config"
	"github.com/datatap/datatap/internal/tap"
)

func TestGate(t *testing.T) {
	const secret = "0123456789abcdef0123456789abcdef"
	f := func(onLambda, loopback bool, want string, kv ...string) {
		t.Helper()
		c, err := config.Load(env(kv...))
		if err != nil {
			t.Fatal(err)
		}
		_, desc, err := tap.Gate(c, onLambda, loopback)
		got := desc
		if err != nil {
			got = "error: " + err.Error()
		}
		if !strings.HasPrefix(got, want) {
			t.Errorf("Gate(lambda=%v, loopback=%v) with %v = %q, want %q…", onLambda, loopback, kv, got, want)
		}
	}
	f(false, true, "none (loopback only")
	f(false, false, "error: TAP_AUTH: serve accepts unauthenticated requests on a loopback address only")
	f(false, false, `error: TAP_AUTH="none": serve accepts unauthenticated`, "TAP_AUTH", "none")
	f(true, false, "error: TAP_AUTH: on Lambda the tap refuses to start without authentication")
	f(true, false, "none (TAP_AUTH=none", "TAP_AUTH", "none")
	f(true, false, "jwt", "TAP_JWT_SECRET", secret, "TAP_ACL", "a@b.c")
	f(false, false, "jwt", "TAP_JWT_SECRET", secret, "TAP_ACL", "*")
	f(false, true, "jwt", "TAP_JWT_SECRET", secret, "TAP_ACL", "*") // keys set: jwt even on loopback
	f(true, false, "error: TAP_ACL", "TAP_JWT_SECRET", secret)
	f(true, false, `error: TAP_AUTH="jwt": needs TAP_JWT_SECRET or TAP_JWT_KEYS`, "TAP_AUTH", "jwt")
	f(true, false, "iam", "TAP_AUTH", "iam", "TAP_ACL", "arn:aws:iam::123456789012:role/*")
	f(false, true, `error: TAP_AUTH="iam": works only on Lambda`, "TAP_AUTH", "iam", "TAP_ACL", "*")
	f(true, false, "error: TAP_JWT_SECRET", "TAP_JWT_SECRET", "short", "TAP_ACL", "*")
	// A Firehose key alone: Firehose requests only, the rest refused.
	const fhKey = "0123456789abcdef"
	f(true, false, "firehose only", "TAP_FIREHOSE_ACCESS_KEY", fhKey)
	f(false, false, "firehose only", "TAP_FIREHOSE_ACCESS_KEY", fhKey)
	f(false, true, "firehose only", "TAP_FIREHOSE_ACCESS_KEY", fhKey) // a key says the tap is not open, loopback or not
	f(false, true, "none (loopback only", "TAP_FIREHOSE_ACCESS_KEY", fhKey, "TAP_AUTH", "none")
	f(true, false, "jwt", "TAP_FIREHOSE_ACCESS_KEY", fhKey, "TAP_JWT_SECRET", secret, "TAP_ACL", "*")
	if c, _ := config.Load(env("TAP_FIREHOSE_ACCESS_KEY", fhKey)); true {
		g, _, _ := tap.Gate(c, true, false)
		if _, err := g.Allow(auth.Request{Authorization: "Bearer x"}); !errors.Is(err, auth.ErrUnauthorized) {
			t.Errorf("firehose-only gate: %v, want ErrUnauthorized", err)
		}
	}

	c, _ := config.Load(env("TAP_JWT_SECRET", secret, "TAP_ACL", " a@b.c , ,x "))
	if strings.Join(c.ACL, "|") != "a@b.c|x" {
		t.Errorf("ACL %q", c.ACL)
	}
	g, _, err := tap.Gate(c, true, false)
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := auth.Mint(secret, "", "A@B.C", 3600e9, "", "", now())
	if id, err := g.Allow(auth.Request{Authorization: "Bearer " + tok}); err != nil || !strings.EqualFold(id, "a@b.c") {
		t.Errorf("Allow: %q %v", id, err)
	}
}

func now() time.Time { return time.Now() }

func env(kv ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}
