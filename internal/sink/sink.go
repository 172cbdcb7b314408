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
