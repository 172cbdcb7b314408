package server

import (
	"context"
	"sync/atomic"

	"golang.org/x/sync/semaphore"
)

// budget is a weighted semaphore of bytes: the memory request bodies may
// hold while they are read and ingested. semaphore.Weighted serves waiters
// first come, first served, so a large body is not starved by small ones.
type budget struct {
	sem  *semaphore.Weighted
	size int64
	used atomic.Int64 // bytes taken, for the logs and the tests
}

func newBudget(size int64) *budget { return &budget{sem: semaphore.NewWeighted(size), size: size} }

// acquire takes n bytes (at most the budget's size: more would wait for
// ever), waiting until they are free or ctx is done.
func (b *budget) acquire(ctx context.Context, n int64) error {
	n = min(n, b.size)
	if err := b.sem.Acquire(ctx, n); err != nil {
		return err
	}
	b.used.Add(n)
	return nil
}

// release gives back n bytes taken by acquire.
func (b *budget) release(n int64) {
	n = min(n, b.size)
	b.used.Add(-n)
	b.sem.Release(n)
}

// inUse is the number of bytes taken.
func (b *budget) inUse() int64 { return b.used.Load() }
