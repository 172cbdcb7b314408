package spool

var schemaBuf []byte

// batchSchema encodes the schema record, as Append does.
func batchSchema(b *Batch) []byte { schemaBuf = b.appendSchema(schemaBuf[:0]); return schemaBuf }
