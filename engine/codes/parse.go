package codes

// MaxPayloadLen is the length of the longest payload of any kind. Callers
// that read payloads from outside may refuse longer input before anything
// else; every function here does.
const MaxPayloadLen = StaticCodeLen

// Parse reports which kind of code payload is, checking its syntax strictly
// (length, prefix in upper case, base32 alphabet, padding bits, a non-zero
// key id) but not its MAC or signature: use it to route a scanned payload to
// Verify or VerifyStatic, never to trust it. It returns KindUnknown and
// ErrInvalid for anything else, whatever the input.
func Parse(payload string) (Kind, error) {
	switch len(payload) {
	case VolunteerCodeLen:
		var b [vSize]byte
		if payload[:len(VolunteerPrefix)] == VolunteerPrefix &&
			decodeBase32(b[:], payload[len(VolunteerPrefix):]) && b[vOffKID] != 0 {
			return KindVolunteer, nil
		}
	case StaticCodeLen:
		var kind Kind
		switch payload[:len(ProjectPrefix)] {
		case ProjectPrefix:
			kind = KindProject
		case OrgPrefix:
			kind = KindOrg
		default:
			return KindUnknown, errMalformed
		}
		var b [sSize]byte
		if decodeBase32(b[:], payload[len(ProjectPrefix):]) && b[sOffKID] != 0 {
			return kind, nil
		}
	}
	return KindUnknown, errMalformed
}

// shapeError tells a well-formed code of another kind (a staff member
// scanning a project code, say) from garbage, for the log; both are
// ErrInvalid.
func shapeError(payload string) error {
	if _, err := Parse(payload); err == nil {
		return errWrongKind
	}
	return errMalformed
}
