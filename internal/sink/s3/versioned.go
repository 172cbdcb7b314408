package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/datatap/datatap/internal/sink"
)

var _ sink.Versioned = (*Sink)(nil)

// GetVersion reads a small object (at most 16 MiB) with its ETag, the
// version PutIf compares with. It needs s3:GetObject on the key.
func (s *Sink) GetVersion(ctx context.Context, key string) ([]byte, string, error) {
	if err := sink.ValidKey(key); err != nil {
		return nil, "", fmt.Errorf("s3: get object: %w", err)
	}
	var buf bytes.Buffer
	var etag string
	err := s.getWith(ctx, s.objectURL(key), func(resp *http.Response) error {
		etag = resp.Header.Get("ETag")
		_, err := io.Copy(&buf, io.LimitReader(resp.Body, 16<<20))
		return err
	})
	var e *Error
	if errors.As(err, &e) && (e.StatusCode == http.StatusNotFound) {
		return nil, "", fmt.Errorf("s3: get object %s: %w", key, sink.ErrNotFound)
	}
	if err != nil {
		return nil, "", fmt.Errorf("s3: get object %s: %w", key, err)
	}
	return buf.Bytes(), etag, nil
}

// PutIf is a PutObject with If-Match: version, or If-None-Match: * when
// version is "" (S3 conditional writes; MinIO has both). 412 Precondition
// Failed, and 409 ConditionalRequestConflict (another conditional write of
// the key in flight), are sink.ErrConflict.
func (s *Sink) PutIf(ctx context.Context, key string, data []byte, version string) (string, error) {
	if err := sink.ValidKey(key); err != nil {
		return "", fmt.Errorf("s3: put object: %w", err)
	}
	h := http.Header{}
	if version == "" {
		h.Set("If-None-Match", "*")
	} else {
		h.Set("If-Match", version)
	}
	etag, err := s.put(ctx, key, bytes.NewReader(data), int64(len(data)), h)
	var e *Error
	if errors.As(err, &e) && (e.StatusCode == http.StatusPreconditionFailed || e.StatusCode == http.StatusConflict) {
		return "", fmt.Errorf("s3: put object %s: %w (%v)", key, sink.ErrConflict, e)
	}
	if err != nil {
		return "", fmt.Errorf("s3: put object %s: %w", key, err)
	}
	return etag, nil
}
