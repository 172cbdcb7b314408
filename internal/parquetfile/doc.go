// Package parquetfile writes rows of transform values to a ZSTD-compressed
// Parquet file, streaming, in bounded memory.
//
// The file is what DESIGN.md's "Output" asks for: columns in the order given,
// all OPTIONAL; BOOLEAN; INT32 and INT64 with the signed INT logical types;
// DOUBLE; VARCHAR as BYTE_ARRAY with the STRING logical type; TIMESTAMP as
// INT64 with TIMESTAMP(isAdjustedToUTC=true, unit=MICROS), never NANOS; DATE
// as INT32 DATE; TIME as INT64 with TIME(isAdjustedToUTC=false,
// unit=MICROS); UUID as FIXED_LEN_BYTE_ARRAY(16) with the UUID logical type;
// JSON as BYTE_ARRAY with the JSON logical type; STRUCT and LIST types
// (transform's nested types) as an OPTIONAL group of their fields and the
// standard three-level LIST, shredded from JSON values (nested.go). Pages are
// data page v1, every column is ZSTD compressed, and data pages are PLAIN or
// RLE_DICTIONARY, chosen per column from the first rows (see encoding.go): the
// encodings DuckDB writes by default, which every reader understands.
//
// Memory does not grow with the number of rows. A row group is written out
// when it has Options.RowGroupRows rows or buffers Options.RowGroupBytes
// bytes; until then it is held as compressed pages, one page being filled per
// column, and the dictionaries. Writing 64 MiB of typical log rows (as
// NDJSON) keeps the writer's live heap under 18 MiB, the same at the end as
// after the first row group (see TestMemoryBounded); writing a row does not
// allocate.
//
// Nor does memory grow much with the number of columns: the buffers that
// parquet-go and the Writer keep per column (rows held for the probe and the
// batches, the page being filled, the chunks compressed pages are kept in)
// are sized from the number of columns, so that past 32 to 128 columns they
// share a fixed budget instead of each taking its default. What remains is
// parquet-go's own: about 20 KiB per column at Close, and the footer's
// metadata, about 1 KiB per column per row group. Measured, each in a
// process of its own (TestMemoryWideRows): 1 row of 1,000 columns peaks at
// 22 MiB of heap in use (35 MB RSS), 10,000 rows of 500 columns at 45 MiB
// (62 MB RSS), 10,000 rows of 1,000 columns at 78 MiB (96 MB RSS); before,
// the probe alone took 96 KiB per column (940 MiB of heap for one row of
// 10,000 columns). parquet-go panics past 65,535 columns; the flush caps a
// file well below that.
//
// The Writer is built on github.com/parquet-go/parquet-go, driven column by
// column (its ColumnWriters) rather than through its reflection-based row
// API, with github.com/klauspost/compress's ZSTD encoder configured for
// column data (see zstd.go). parquet-go quirks worked around here:
//
//   - parquet.Group is a map and sorts its fields by name, so the schema's
//     root is an orderedGroup, as parquet-go does internally for VARIANT.
//   - WriterConfig.DataPageStatistics cannot be turned off through a config
//     (options are merged with "||" against a default of true); listing every
//     column in SkipPageStatistics does it.
//   - The dictionary size limit (DictionaryMaxBytes) is one number of bytes
//     for all columns and is checked only between pages, so it cannot tell a
//     useful INT64 dictionary from a useless one; hence the probe.
//   - After a fallback from dictionary to PLAIN, a column keeps a PLAIN page
//     buffer sized for as many values as the page has bytes (2 MiB for 256
//     KiB pages) for the rest of the file.
//   - The min/max of a FIXED_LEN_BYTE_ARRAY column (column index and chunk
//     statistics) compare unsigned bytes, also under a DECIMAL annotation,
//     whose two's complement values sort signed: a DECIMAL(19..38) column is
//     listed in SkipPageBounds, so it has no bounds rather than wrong ones.
//   - parquet.Time is UTC-adjusted by default (DuckDB reads that as TIME WITH
//     TIME ZONE); TIME columns use TimeAdjusted(…, false).
//   - parquet.Value byte arrays point at the caller's bytes, and column
//     writers copy them when the values are written; values are batched, so
//     the Writer copies strings into its own arena first (the caller's strings
//     are valid only until its next row).
package parquetfile
