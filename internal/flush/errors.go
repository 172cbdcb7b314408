package flush

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"

	"github.com/datatap/datatap/internal/sink"
)

// Failures come in two kinds, and All treats them differently:
//
//   - transient: the sink or the network failed (S3 down, a timeout, the
//     context's deadline), or a temporary file could not be written (disk
//     full, EIO). The segment is kept and All stops; the caller tries again
//     later, and the same segment will then flush.
//   - permanent (*PermanentError): something about the segment's content or
//     the configuration makes it fail however often it is tried: parquet-go
//     refusing a column or panicking, a segment body that does not decode, a
//     key the sink refuses as invalid (a bad TAP_PREFIX). All stores such a
//     segment whole under the errors prefix (see Flusher.quarantine) and goes
//     on with the younger ones, so that one segment never blocks the tap.
//
// A row the Parquet writer refuses is neither: it goes to the error output
// and the file goes on without it.

// PermanentError wraps a failure that flushing the same segment again would
// meet again.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// IsPermanent reports whether err, or an error it wraps, is a
// *PermanentError: retrying the same segment cannot help.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// permanent marks err as permanent (nil stays nil).
func permanent(err error) error {
	if err == nil || IsPermanent(err) {
		return err
	}
	return &PermanentError{Err: err}
}

// readError classifies an error reading a segment: an I/O error from the
// file system is transient, anything else (a torn or corrupt frame, a header
// or record that does not decode) is about the content, so permanent.
func readError(err error) error {
	var pe *fs.PathError
	var errno syscall.Errno
	if errors.As(err, &pe) || errors.As(err, &errno) {
		return err
	}
	return permanent(err)
}

// putError classifies an error from Sink.Put: a key the sink refuses is a
// configuration problem, everything else is worth retrying.
func putError(err error) error {
	if errors.Is(err, sink.ErrBadKey) {
		return permanent(err)
	}
	return err
}

// Incomplete is what All returns when it stopped before the end of the
// spool (a transient failure, or the context's deadline): Err says why, and
// Segments and Bytes what is left in the spool for a later attempt,
// including the segment that failed and the ones other processes hold.
type Incomplete struct {
	Segments int
	Bytes    int64
	Err      error
}

func (e *Incomplete) Error() string {
	return fmt.Sprintf("%v (%d segments, %d bytes left in the spool)", e.Err, e.Segments, e.Bytes)
}

func (e *Incomplete) Unwrap() error { return e.Err }
