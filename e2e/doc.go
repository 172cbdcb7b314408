// Package e2e holds end-to-end tests that run the real datatap binary as a
// child process against real parts: a MinIO server for S3 and DuckDB to read
// back what landed, and headless Chromium for a page that sends from a
// browser (browser_test.go). They need `make minio`, `make duckdb` and
// `make chromium` (make test does all three).
package e2e
