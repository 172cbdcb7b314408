// Package spool keeps accepted rows on local disk until they are flushed to
// the object store.
//
// Rows are appended to the current segment, a file in the spool directory:
//
//	<id>.open    being appended to by this process
//	<id>.seg     sealed: complete, waiting for a flush
//
// A segment is a sequence of frames. A frame is a little-endian uint32
// payload length, the CRC-32C of the payload, then the payload. The first
// frame is the segment's header (JSON: what the rows mean); each later frame
// is one batch, the rows and rejected lines of one request, written with one
// write call. A batch is acknowledged only after its write returned, so a
// process killed mid-write leaves at most one torn frame at the end of the
// file: recovery finds the last frame whose length and CRC check out, cuts
// the file there and seals it. Nothing acknowledged is lost; nothing torn is
// half-read. There is no fsync: on Lambda the disk dies with the VM, and
// locally the page cache survives a process crash.
//
// The header names the output (sink) and the prefixes the segment's objects
// belong to (version 2). A spool opened with an output hands its flusher
// only the segments of that output and those prefixes: another tap's
// segments in the same folder are kept as they are (not recovered, flushed
// or removed) and reported once (Spool.Foreign). Version 1 segments, which
// name no output, are flushed by whichever tap opens the folder, as before.
//
// A batch's payload is a sequence of records (record.go: a kind byte, then
// uvarints, varints, length-prefixed strings and typed values: a type byte,
// the transform.Type's number, or 0xFF then the precision and scale bytes
// of a DECIMAL(19..38), whose value is the varint of its high 64 bits then
// its low 64 bits little-endian; a DECIMAL(1..18) is the varint of its
// unscaled value. A segment holding a DECIMAL(19..38) cannot be read by a
// tap older than the one that brought them). From
// version 3 on, the last record of every batch is its schema (KindSchema):
// the batch's row and rejected-line counts, then its fields with the
// transform.Widen of their values' types (the explicit columns by index,
// which every row holds, when the batch has rows; then the fields *
// produced, by name, in first-seen order), and last the
// record's own length as a little-endian uint32, so that the flush reads it
// from the end of the frame without decoding the rows. Readers of older
// versions do not know the kind: a version 3 segment must be flushed by a
// tap of this version or later.
package spool
