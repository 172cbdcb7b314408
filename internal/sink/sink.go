// Package sink is where finished objects (Parquet files, error NDJSON) go.
//
// The pipeline only needs "store these bytes under this key", so the boundary is
// one small interface with one implementation per backend in its own package
// (sink/s3, sink/dir), the way litestream keeps one replica client per store.
// Keys are built here too, by ObjectPrefix and PartitionPath, so that every
// backend and every caller agrees on what a key looks like and on why no data
// value can ever escape its prefix.
package sink

import (
	"context"
	"errors"
	"io"
)

// Sink stores finished objects under keys. Put must be atomic from a reader's
// point of view (no partial object ever visible) and idempotent (putting the
// same key again replaces it).
//
// Keys are slash-separated and relative ("a/b/c.parquet"); ValidKey says
// which are allowed, and implementations reject the others the same way, so
// that a key that works with the local folder also works on S3 and back.
// body is read from its current offset, exactly size bytes; it must be
// seekable so that a backend can retry, or hash the payload before sending it,
// without buffering the object in memory.
type Sink interface {
	Put(ctx context.Context, key string, body io.ReadSeeker, size int64) error
	String() string // e.g. "s3://bucket" or "dir:/abs/path", for logs
}

// Versioned is a Sink that can also read a small object and replace it only
// if nobody changed it since: what the flush keeps a table's schema with
// (see flush.TableSchemaKey), so that writers in several processes and
// Lambda environments agree on every column's type. sink/s3 does it with
// S3's conditional writes (If-None-Match: * to create, If-Match to
// replace), sink/dir with a lock file and a rename.
type Versioned interface {
	Sink
	// GetVersion returns the object and its version (an opaque ETag); an
	// object that is not there is ErrNotFound.
	GetVersion(ctx context.Context, key string) (data []byte, version string, err error)
	// PutIf stores data under key if the object is still at version, or
	// when version is "" if there is no object yet, and returns the new
	// version; otherwise it stores nothing and returns ErrConflict.
	PutIf(ctx context.Context, key string, data []byte, version string) (string, error)
}

// ErrNotFound is what Versioned.GetVersion returns for a missing object.
var ErrNotFound = errors.New("no such object")

// ErrConflict is what Versioned.PutIf returns when the object is not at the
// version given: another writer changed it first.
var ErrConflict = errors.New("object changed by another writer")
