package auth

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// clock is a settable test clock, safe for concurrent reads.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock {
	c := &clock{}
	c.set(t)
	return c
}

func (c *clock) set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func (c *clock) now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) add(d time.Duration) { c.ns.Add(int64(d)) }

func TestCacheUntilExp(t *testing.T) {
	k := testKeys(t)
	clk := newClock(t0)
	v := newTestVerifier(t, Config{Keys: pemOf(t, &k.rsa1.PublicKey), ACL: []string{"svc-1"}}, clk.now)
	c := good("svc-1", "")
	c.ExpiresAt = jwt.NewNumericDate(t0.Add(time.Minute))
	header := "Bearer " + sign(t, jwt.SigningMethodRS256, k.rsa1, c, "")

	step := func(d time.Duration, wantErr error, wantHits, wantMisses uint64) {
		t.Helper()
		clk.set(t0.Add(d))
		id, err := v.Verify(header)
		switch {
		case wantErr == nil && (err != nil || id != "svc-1"):
			t.Errorf("at %s: Verify = %q, %v; want svc-1", d, id, err)
		case wantErr != nil && !errors.Is(err, wantErr):
			t.Errorf("at %s: Verify error %v, want %v", d, err, wantErr)
		}
		if v.cache.hits != wantHits || v.cache.misses != wantMisses {
			t.Errorf("at %s: %d hits, %d misses; want %d, %d", d, v.cache.hits, v.cache.misses, wantHits, wantMisses)
		}
	}
	step(0, nil, 0, 1)                                          // verified, remembered
	step(time.Second, nil, 1, 1)                                // from the cache
	step(59*time.Second, nil, 2, 1)                             // from the cache, last second
	step(time.Minute, nil, 2, 2)                                // exp: verified again, within the leeway
	step(time.Minute+leeway/2, nil, 2, 3)                       // not remembered past exp
	step(time.Minute+leeway+time.Second, ErrUnauthorized, 2, 4) // expired for good
	if n := v.cache.len(); n != 0 {
		t.Errorf("%d entries left after exp", n)
	}
}

func TestCacheCap(t *testing.T) {
	clk := newClock(t0)
	v := newTestVerifier(t, Config{Secret: testSecret, ACL: []string{"*"}}, clk.now)
	c := good("svc-1", "")
	c.ExpiresAt = jwt.NewNumericDate(t0.Add(24 * time.Hour))
	header := "Bearer " + sign(t, jwt.SigningMethodHS256, []byte(testSecret), c, "")
	for _, d := range []time.Duration{0, cacheTTL - time.Second, cacheTTL, cacheTTL + time.Second} {
		clk.set(t0.Add(d))
		if _, err := v.Verify(header); err != nil {
			t.Fatal(err)
		}
	}
	// Verified at 0 and at cacheTTL; hits at cacheTTL-1s and cacheTTL+1s.
	if v.cache.hits != 2 || v.cache.misses != 2 {
		t.Errorf("%d hits, %d misses; want 2, 2", v.cache.hits, v.cache.misses)
	}
}

func TestCacheForbidden(t *testing.T) {
	v := newTestVerifier(t, Config{Secret: testSecret, ACL: []string{"alice@example.com"}}, at(t0))
	header := "Bearer " + sign(t, jwt.SigningMethodHS256, []byte(testSecret), good("", "mallory@example.com"), "")
	for range 2 {
		if _, err := v.Verify(header); !errors.Is(err, ErrForbidden) {
			t.Fatalf("error %v, want ErrForbidden", err)
		}
	}
	if v.cache.hits != 1 {
		t.Errorf("%d hits, want 1", v.cache.hits)
	}
}

func TestCacheSkipsFailures(t *testing.T) {
	v := newTestVerifier(t, Config{Secret: testSecret, ACL: []string{"*"}}, at(t0))
	bad := "Bearer " + sign(t, jwt.SigningMethodHS256, []byte("a-different-secret-of-enough-bytes"), good("x", ""), "")
	for range 3 {
		if _, err := v.Verify(bad); !errors.Is(err, ErrUnauthorized) {
			t.Fatal(err)
		}
	}
	if n := v.cache.len(); n != 0 || v.cache.hits != 0 {
		t.Errorf("%d entries, %d hits after bad tokens", n, v.cache.hits)
	}
}

func TestCacheEviction(t *testing.T) {
	c := newCache(4)
	key := func(i int) [sha256.Size]byte { return sha256.Sum256(fmt.Appendf(nil, "token-%d", i)) }
	exp := t0.Add(time.Hour)
	for i := range 10 {
		c.put(key(i), verdict{identity: fmt.Sprint(i), allowed: true, expires: exp})
		if n := c.len(); n > 4 {
			t.Fatalf("%d entries in a cache of 4", n)
		}
	}
	for i := range 10 {
		_, ok := c.get(key(i), t0)
		if want := i >= 6; ok != want {
			t.Errorf("token %d cached = %v, want %v (oldest evicted first)", i, ok, want)
		}
	}
	// A key dropped on expiry and put again lives in its new slot: the wrap
	// of the ring over its old slot must not evict it.
	c.put(key(20), verdict{expires: t0.Add(time.Second)}) // evicts 6
	if _, ok := c.get(key(20), t0.Add(time.Minute)); ok {
		t.Fatal("expired entry returned")
	}
	c.put(key(20), verdict{identity: "again", allowed: true, expires: exp}) // evicts 7
	c.put(key(21), verdict{expires: exp})                                   // evicts 8
	c.put(key(22), verdict{expires: exp})                                   // evicts 9
	c.put(key(23), verdict{expires: exp})                                   // slot of the first put of 20: empty
	if got, ok := c.get(key(20), t0); !ok || got.identity != "again" {
		t.Errorf("re-put entry evicted by its old slot")
	}
	if n := c.len(); n != 4 {
		t.Errorf("%d entries, want 4", n)
	}
}

func TestCacheConcurrent(t *testing.T) {
	k := testKeys(t)
	clk := newClock(t0)
	v := newTestVerifier(t, Config{Secret: testSecret, Keys: pemOf(t, &k.p256.PublicKey), ACL: []string{"svc-0", "svc-1", "svc-2"}}, clk.now)
	v.cache = newCache(2) // small, so that goroutines evict each other's entries
	var headers []string
	for i := range 5 {
		if i%2 == 0 {
			headers = append(headers, "Bearer "+sign(t, jwt.SigningMethodHS256, []byte(testSecret), good(fmt.Sprintf("svc-%d", i), ""), ""))
		} else {
			headers = append(headers, "Bearer "+sign(t, jwt.SigningMethodES256, k.p256, good(fmt.Sprintf("svc-%d", i), ""), ""))
		}
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 300 {
				if g == 0 && i%50 == 0 {
					clk.add(time.Second)
				}
				n := (g + i) % len(headers)
				id, err := v.Verify(headers[n])
				want := fmt.Sprintf("svc-%d", n)
				switch {
				case n <= 2 && (err != nil || id != want):
					t.Errorf("token %d: %q, %v", n, id, err)
					return
				case n > 2 && !errors.Is(err, ErrForbidden):
					t.Errorf("token %d: %q, %v; want ErrForbidden", n, id, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := v.cache.len(); n > 2 {
		t.Errorf("%d entries in a cache of 2", n)
	}
}
