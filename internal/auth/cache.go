package auth

import (
	"crypto/sha256"
	"sync"
	"time"
)

const (
	// cacheSize bounds the verifications remembered: about 100 bytes each.
	cacheSize = 4096
	// cacheTTL bounds how long one is remembered, whatever the token's exp.
	cacheTTL = 5 * time.Minute
)

// verdict is a remembered verification.
type verdict struct {
	identity string
	allowed  bool      // TAP_ACL lists identity
	expires  time.Time // min(exp, verified+cacheTTL)
	slot     int       // index in cache.order
}

// cache remembers successful verifications by the SHA-256 of the token, so
// that neither the token nor memory it may share with a request is kept. It
// evicts the oldest entry first (FIFO): a token verified long ago is the one
// closest to its cap, and FIFO needs no bookkeeping on hits. It is safe for
// concurrent use.
type cache struct {
	mu     sync.Mutex
	m      map[[sha256.Size]byte]verdict
	order  [][sha256.Size]byte // ring of keys in insertion order
	next   int                 // the slot the next insertion takes
	hits   uint64
	misses uint64
}

func newCache(size int) *cache {
	return &cache{
		m:     make(map[[sha256.Size]byte]verdict, size),
		order: make([][sha256.Size]byte, size),
	}
}

// get returns the verdict for key if it is still valid at now; an expired
// one is dropped.
func (c *cache) get(key [sha256.Size]byte, now time.Time) (verdict, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[key]
	if ok && !now.Before(v.expires) {
		delete(c.m, key)
		ok = false
	}
	if ok {
		c.hits++
	} else {
		c.misses++
	}
	return v, ok
}

// put remembers v for key, evicting the oldest entry when the cache is full.
func (c *cache) put(key [sha256.Size]byte, v verdict) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[key]; ok {
		// Two goroutines verified the same token; keep the first's slot.
		v.slot = old.slot
		c.m[key] = v
		return
	}
	// The slot's previous key may have been dropped on expiry, or dropped and
	// put again in another slot: evict it only if it still lives here.
	if prev, ok := c.m[c.order[c.next]]; ok && prev.slot == c.next {
		delete(c.m, c.order[c.next])
	}
	v.slot = c.next
	c.m[key] = v
	c.order[c.next] = key
	c.next = (c.next + 1) % len(c.order)
}

// len returns the number of entries, expired ones included.
func (c *cache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
