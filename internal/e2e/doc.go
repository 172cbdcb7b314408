// Package e2e holds end-to-end tests that run the real datatap binary as a
// child process against real parts: a MinIO server for S3 and DuckDB to read
// back what landed. They need `make minio` and `make duckdb` (make test does
// both).
package e2e
