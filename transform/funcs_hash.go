package transform

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"

	"github.com/valyala/fastjson"
)

// hashFunctions are md5, sha1 and sha256 of a value's text, in lower-case hex
// as DuckDB gives them, and random UUIDs. DuckDB's hash() is left out: its value is DuckDB's
// own and changes between versions, so no other tool could reproduce it.
func hashFunctions() map[string]function {
	return map[string]function{
		"md5":             {1, 1, Varchar, false, hasher(func(b []byte, dst []byte) []byte { s := md5.Sum(b); return hex.AppendEncode(dst, s[:]) })},
		"sha1":            {1, 1, Varchar, false, hasher(func(b []byte, dst []byte) []byte { s := sha1.Sum(b); return hex.AppendEncode(dst, s[:]) })},
		"sha256":          {1, 1, Varchar, false, hasher(func(b []byte, dst []byte) []byte { s := sha256.Sum256(b); return hex.AppendEncode(dst, s[:]) })},
		"uuid":            {0, 0, UUID, true, buildUUID},
		"gen_random_uuid": {0, 0, UUID, true, buildUUID},
	}
}

// hasher hashes the text of its argument (DuckDB takes VARCHAR only; other
// types are hashed as they cast to VARCHAR). The text is copied to the
// State's scratch space, hashed, and overwritten by the digest, so nothing is
// allocated.
func hasher(sum func(b, dst []byte) []byte) func(*compiler, *node, []compiled) expr {
	return func(_ *compiler, _ *node, args []compiled) expr {
		a := args[0].fn
		return func(st *State, rec *fastjson.Value) Value {
			v := a(st, rec)
			if v.Type == Null {
				return v
			}
			start := len(st.arena)
			if v.Type == Varchar {
				st.arena = append(st.arena, v.S...)
			} else {
				st.arena = v.AppendText(st.arena)
			}
			text := len(st.arena)
			st.arena = sum(st.arena[start:text], st.arena)
			// Move the digest over the text.
			n := copy(st.arena[start:], st.arena[text:])
			st.arena = st.arena[:start+n]
			return Value{Type: Varchar, S: b2s(st.arena[start:])}
		}
	}
}

// buildUUID is uuid() and gen_random_uuid(): a random (version 4) UUID, new
// for every record.
func buildUUID(*compiler, *node, []compiled) expr {
	return func(st *State, _ *fastjson.Value) Value {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return Value{}
		}
		b[6] = b[6]&0x0f | 0x40 // version 4
		b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
		start := len(st.arena)
		for i, c := range b {
			if i == 4 || i == 6 || i == 8 || i == 10 {
				st.arena = append(st.arena, '-')
			}
			st.arena = append(st.arena, hexDigits[c>>4], hexDigits[c&0xf])
		}
		return Value{Type: UUID, S: b2s(st.arena[start:])}
	}
}

const hexDigits = "0123456789abcdef"
