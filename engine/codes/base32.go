package codes

// The RFC 4648 base32 alphabet. All of it is in the QR alphanumeric set.
const base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// base32Len is the unpadded base32 length of n bytes.
func base32Len(n int) int { return (n*8 + 4) / 5 }

// encodeBase32 writes the unpadded base32 of src into dst, which must be
// base32Len(len(src)) long.
func encodeBase32(dst, src []byte) {
	var acc uint32
	bits, n := 0, 0
	for _, b := range src {
		acc = acc<<8 | uint32(b)
		bits += 8
		for bits >= 5 {
			bits -= 5
			dst[n] = base32Alphabet[acc>>bits&31]
			n++
		}
	}
	if bits > 0 {
		dst[n] = base32Alphabet[acc<<(5-bits)&31]
	}
}

// decodeBase32 fills dst from src, the unpadded upper-case base32 of exactly
// len(dst) bytes, and reports whether src was that. Unlike encoding/base32 it
// reads a string without copying it and refuses non-zero padding bits in the
// last character, so each byte string has exactly one accepted spelling and
// no altered payload decodes to a valid one.
func decodeBase32(dst []byte, src string) bool {
	if len(src) != base32Len(len(dst)) {
		return false
	}
	var acc uint32
	bits, n := 0, 0
	for i := 0; i < len(src); i++ {
		v := base32Value(src[i])
		if v > 31 {
			return false
		}
		acc = acc<<5 | uint32(v)
		bits += 5
		if bits >= 8 {
			bits -= 8
			dst[n] = byte(acc >> bits)
			n++
		}
	}
	return acc&(1<<bits-1) == 0
}

// base32Value returns the value of c in the alphabet, or 0xff.
func base32Value(c byte) byte {
	switch {
	case 'A' <= c && c <= 'Z':
		return c - 'A'
	case '2' <= c && c <= '7':
		return c - '2' + 26
	}
	return 0xff
}
