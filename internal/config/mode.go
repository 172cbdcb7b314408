package config

import "errors"

// Mode is what the binary runs as; each has its rules (LoadMode).
type Mode int

const (
	// ModeServe is `datatap serve`.
	ModeServe Mode = iota + 1
	// ModeLambda is the Lambda runtime.
	ModeLambda
	// ModeExtension is the Lambda extension (it only flushes).
	ModeExtension
)

// Note is a line for the start-up log about what a mode rule did.
type Note struct {
	Warn  bool
	Msg   string
	Attrs []any // slog key-value pairs
}

// LoadMode is Load, then the rules of mode (ForMode): the one place where a
// mode's configuration is resolved.
func LoadMode(mode Mode, lookup func(string) (string, bool)) (Config, []Note, error) {
	c, err := Load(lookup)
	if err != nil {
		return c, nil, err
	}
	notes, err := c.ForMode(mode)
	return c, notes, err
}

// ForMode applies the rules of mode to a valid configuration.
//
// On Lambda, TAP_BUCKET is required (only /tmp is writable there, and it
// dies with the environment), and what is left in the spool at shutdown must
// fit the extension's 2 s: the CPU a function gets grows with its memory, and
// at 128 MB the defaults (10 MiB, 1,000 partition values) do not fit, so the
// defaults are lowered; settings above the safe values are kept, with a
// warning.
func (c *Config) ForMode(mode Mode) ([]Note, error) {
	if mode != ModeLambda {
		return nil, nil
	}
	var notes []Note
	fitShutdown(&notes, "TAP_FLUSH_BYTES", &c.FlushBytes, c.ShutdownSafeFlushBytes(), c.FlushBytesSet, c.LambdaMemoryMB)
	fitShutdown(&notes, "TAP_FLUSH_PARTITIONS", &c.FlushPartitions, c.ShutdownSafeFlushPartitions(), c.FlushPartitionsSet, c.LambdaMemoryMB)
	if c.Bucket == "" {
		return notes, errors.New("TAP_BUCKET: must be set on Lambda (only /tmp is writable, and it dies with the environment)")
	}
	return notes, nil
}

// fitShutdown lowers *v to safe (when safe is known and *v is above it),
// unless the user set *v, which is kept with a warning.
func fitShutdown[T int | int64](notes *[]Note, name string, v *T, safe T, set bool, memoryMB int) {
	switch {
	case safe <= 0 || *v <= safe:
	case set:
		*notes = append(*notes, Note{Warn: true, Msg: name + " may not be flushed within the 2 s shutdown window at this memory size: rows left at shutdown could be lost",
			Attrs: []any{"value", *v, "memory_mb", memoryMB, "safe", safe}})
	default:
		*notes = append(*notes, Note{Msg: name + " lowered so that the shutdown flush fits the 2 s window", Attrs: []any{"from", *v, "to", safe, "memory_mb", memoryMB}})
		*v = safe
	}
}
