package token

import (
	"encoding/hex"
	"fmt"
)

// FormatID writes a UUID in its canonical lower-case form,
// "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx".
func FormatID(id [16]byte) string {
	var b [36]byte
	hex.Encode(b[0:8], id[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], id[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], id[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], id[8:10])
	b[23] = '-'
	hex.Encode(b[24:], id[10:])
	return string(b[:])
}

// ParseID reads a UUID in the canonical hyphenated form (either case), the
// form FormatID writes and PostgreSQL prints. It accepts nothing else, so one
// ID has one spelling in requests and logs.
func ParseID(s string) ([16]byte, error) {
	var id [16]byte
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return id, fmt.Errorf("parse id %q: not a canonical UUID", s)
	}
	src := []byte(s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:])
	if _, err := hex.Decode(id[:], src); err != nil {
		return [16]byte{}, fmt.Errorf("parse id %q: %w", s, err)
	}
	return id, nil
}
