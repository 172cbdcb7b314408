package spool

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Two processes share a spool on Lambda: the runtime appends and flushes
// between invocations, the extension flushes what is left at shutdown. They
// coordinate with flock(2) locks, which the kernel drops when a process dies,
// so a killed owner never strands a segment:
//
//   - the open segment is locked by the process appending to it, from its
//     creation until it is sealed;
//   - a sealed segment is locked by the process flushing it (a Claim), which
//     removes it, still locked, once its objects are stored.
//
// Whoever takes a lock checks that the path still names the file it locked,
// so a segment removed by the other process in the meantime is skipped, not
// flushed twice. Uploads are idempotent besides (same segment, same keys), so
// even a repeated flush duplicates nothing.

// ErrBusy means another live process holds the segment.
var ErrBusy = errors.New("spool: segment busy")

// lock takes an exclusive flock on f, waiting up to wait (0: not at all).
func lock(f *os.File, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return fmt.Errorf("spool: lock %s: %w", f.Name(), err)
		}
		if !time.Now().Before(deadline) {
			return ErrBusy
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// openLocked opens path and locks it, then checks that path still names the
// locked file (the other process may have removed or renamed it meanwhile).
func openLocked(path string, flag int, wait time.Duration) (*os.File, error) {
	f, err := os.OpenFile(path, flag, 0)
	if err != nil {
		return nil, err
	}
	if err := lock(f, wait); err != nil {
		f.Close()
		return nil, err
	}
	fi, err1 := f.Stat()
	pi, err2 := os.Stat(path)
	if err1 != nil || err2 != nil || !os.SameFile(fi, pi) {
		f.Close()
		return nil, fmt.Errorf("spool: %s: %w", path, os.ErrNotExist)
	}
	return f, nil
}

// Claim is the exclusive right to flush one sealed segment.
type Claim struct {
	Path  string
	spool *Spool
	f     *os.File
	size  int64
}

// Claim locks the sealed segment at path for flushing. It fails with ErrBusy
// when another process flushes it, and with an error wrapping os.ErrNotExist
// when it is gone (already flushed).
func (s *Spool) Claim(path string) (*Claim, error) {
	f, err := openLocked(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	fi, _ := f.Stat()
	return &Claim{Path: path, spool: s, f: f, size: fi.Size()}, nil
}

// Done removes the flushed segment and releases the claim.
func (c *Claim) Done() error {
	err := os.Remove(c.Path)
	c.f.Close()
	if err != nil {
		return fmt.Errorf("spool: remove %s: %w", c.Path, err)
	}
	c.spool.mu.Lock()
	c.spool.total -= c.size
	c.spool.mu.Unlock()
	return nil
}

// Release gives the segment back for a later attempt.
func (c *Claim) Release() { c.f.Close() }

// RecoverOpen seals every open segment of this spool's output (see Foreign)
// that no live process holds, waiting up to wait for a holder to let go (the extension, at
// shutdown, waits for the runtime it outlives). It returns the segments it
// could not take.
func (s *Spool) RecoverOpen(wait time.Duration) (busy []string, err error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	deadline := time.Now().Add(wait)
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ExtOpen) {
			continue
		}
		path := s.dir + string(os.PathSeparator) + e.Name()
		s.mu.Lock()
		mine := s.cur != nil && s.cur.path == path
		s.mu.Unlock()
		if mine {
			continue // Seal handles this process's own segment
		}
		_, err := recoverLocked(path, time.Until(deadline), &s.header)
		switch {
		case errors.Is(err, errForeign):
			s.noteForeign(path)
		case errors.Is(err, ErrBusy):
			busy = append(busy, path)
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return busy, err
		}
	}
	total, err := s.diskBytes()
	if err == nil {
		s.mu.Lock()
		s.total = total
		s.mu.Unlock()
	}
	return busy, err
}

// Adopt moves into this spool the segments lying directly in the folder
// from that belong to it (see Header; a version 1 segment belongs to every
// spool): the layout from before each output had a folder of its own, when
// every serve spooled into /tmp/datatap itself. An open segment is recovered
// (sealed) first. Each segment is locked while it moves, so one that another
// live process holds (an older tap still running) is left where it is, and
// so are other outputs' segments. It returns the paths it moved to.
func (s *Spool) Adopt(from string) ([]string, error) {
	if abs1, err1 := filepath.Abs(from); err1 == nil {
		if abs2, err2 := filepath.Abs(s.dir); err2 == nil && abs1 == abs2 {
			return nil, nil
		}
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("spool: adopt: %w", err)
	}
	var moved []string
	for _, e := range entries {
		path := filepath.Join(from, e.Name())
		switch filepath.Ext(e.Name()) {
		case ExtOpen:
			sealed, err := recoverLocked(path, 0, &s.header)
			if err != nil || sealed == "" {
				continue // busy, foreign, gone, or held nothing; an error here is the owner's to see
			}
			path = sealed
		case ExtSealed:
		default:
			continue
		}
		c, err := s.Claim(path)
		if err != nil {
			continue // busy or gone
		}
		h, err := readHeader(path)
		if err != nil || !h.belongsTo(s.header) {
			c.Release()
			continue
		}
		dst := filepath.Join(s.dir, filepath.Base(path))
		err = os.Rename(path, dst) // still locked: nobody flushes it meanwhile
		c.Release()
		if err != nil {
			return moved, fmt.Errorf("spool: adopt %s: %w", path, err)
		}
		s.mu.Lock()
		s.total += c.size
		s.mu.Unlock()
		moved = append(moved, dst)
	}
	return moved, nil
}
