package spool

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

const frameHeader = 8 // length + CRC

// MaxFrame bounds one frame's payload: a torn or corrupt length cannot make a
// reader allocate more than this.
const MaxFrame = 64 << 20

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errTorn marks the end of the good part of a segment.
var errTorn = errors.New("torn frame")

// appendFrame frames payload into dst.
func appendFrame(dst, payload []byte) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(payload)))
	dst = binary.LittleEndian.AppendUint32(dst, crc32.Checksum(payload, castagnoli))
	return append(dst, payload...)
}

// frameReader reads frames one after another, reusing its buffer.
type frameReader struct {
	r   io.Reader
	off int64 // offset of the next frame
	buf []byte
}

// next returns the next payload, valid until the following call; io.EOF at a
// clean end, errTorn (wrapped) when the rest of the file is not a whole frame.
func (fr *frameReader) next() ([]byte, error) {
	var h [frameHeader]byte
	n, err := io.ReadFull(fr.r, h[:])
	switch {
	case err == io.EOF:
		return nil, io.EOF
	case err == io.ErrUnexpectedEOF:
		return nil, fmt.Errorf("%w: %d header bytes at offset %d", errTorn, n, fr.off)
	case err != nil:
		return nil, err
	}
	size := binary.LittleEndian.Uint32(h[:4])
	if size > MaxFrame {
		return nil, fmt.Errorf("%w: length %d at offset %d", errTorn, size, fr.off)
	}
	if cap(fr.buf) < int(size) {
		fr.buf = make([]byte, size)
	}
	fr.buf = fr.buf[:size]
	if _, err := io.ReadFull(fr.r, fr.buf); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, fmt.Errorf("%w: payload cut short at offset %d", errTorn, fr.off)
		}
		return nil, err
	}
	if crc32.Checksum(fr.buf, castagnoli) != binary.LittleEndian.Uint32(h[4:]) {
		return nil, fmt.Errorf("%w: checksum mismatch at offset %d", errTorn, fr.off)
	}
	fr.off += frameHeader + int64(size)
	return fr.buf, nil
}
