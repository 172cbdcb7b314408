package transform

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"

	"github.com/valyala/fastjson"
)

// hashFunctions are md5, sha1 and sha256 of a value's text, in lower-case hex
// as DuckDB gives them. DuckDB's hash() is left out: its value is DuckDB's
// own and changes between versions, so no other tool could reproduce it.
func hashFunctions() map[string]function {
	return map[string]function{
		"md5":    {1, 1, Varchar, false, hasher(func(b []byte, dst []byte) []byte { s := md5.Sum(b); return hex.AppendEncode(dst, s[:]) })},
		"sha1":   {1, 1, Varchar, false, hasher(func(b []byte, dst []byte) []byte { s := sha1.Sum(b); return hex.AppendEncode(dst, s[:]) })},
		"sha256": {1, 1, Varchar, false, hasher(func(b []byte, dst []byte) []byte { s := sha256.Sum256(b); return hex.AppendEncode(dst, s[:]) })},
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
