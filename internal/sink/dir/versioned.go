package dir

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/datatap/datatap/internal/sink"
)

var _ sink.Versioned = (*Sink)(nil)

// GetVersion reads root/key; its version is the SHA-256 of its bytes, so
// that any change, by any process, is a new version.
func (s *Sink) GetVersion(ctx context.Context, key string) ([]byte, string, error) {
	if err := sink.ValidKey(key); err != nil {
		return nil, "", fmt.Errorf("dir: get: %w", err)
	}
	data, err := os.ReadFile(filepath.Join(s.root, filepath.FromSlash(key)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", fmt.Errorf("dir: get %s: %w", key, sink.ErrNotFound)
	}
	if err != nil {
		return nil, "", fmt.Errorf("dir: get %s: %w", key, err)
	}
	return data, version(data), nil
}

// PutIf replaces root/key with data if its bytes still hash to version (""
// : if there is no file), under an exclusive flock(2) of the hidden file
// .<name>.lock beside it, which every PutIf of that key takes (in any
// process on the machine; the kernel drops it if the process dies), and
// with Put's rename, so that readers never see a partial file.
func (s *Sink) PutIf(ctx context.Context, key string, data []byte, want string) (string, error) {
	if err := sink.ValidKey(key); err != nil {
		return "", fmt.Errorf("dir: put: %w", err)
	}
	dst := filepath.Join(s.root, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", fmt.Errorf("dir: put %s: %w", key, err)
	}
	lock, err := os.OpenFile(filepath.Join(filepath.Dir(dst), "."+filepath.Base(dst)+".lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return "", fmt.Errorf("dir: put %s: %w", key, err)
	}
	defer lock.Close() // drops the lock
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("dir: put %s: lock: %w", key, err)
	}
	have := ""
	old, err := os.ReadFile(dst)
	switch {
	case err == nil:
		have = version(old)
	case !errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("dir: put %s: %w", key, err)
	}
	if have != want {
		return "", fmt.Errorf("dir: put %s: %w", key, sink.ErrConflict)
	}
	if err := s.Put(ctx, key, bytes.NewReader(data), int64(len(data))); err != nil {
		return "", err
	}
	return version(data), nil
}

func version(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}
