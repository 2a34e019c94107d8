// Package idnumber owns the Chinese resident identity number (公民身份号码, GB 11643-1999): it
// parses and validates the 18-character number, exposes what the number encodes (address code,
// birth date, sex), masks it for display and logs, and generates valid synthetic numbers for
// demo data.
//
// Validation is offline and deterministic: the address code is checked against an embedded
// table of GB/T 2260 codes that includes retired ones, because a number keeps the code of the
// division that issued it for life.
package idnumber

import (
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Reasons are the stable codes an Error carries; the API sends them as the ErrorInfo reason and
// the front end translates them.
const (
	// ReasonFormat: not 17 digits followed by a digit or X.
	ReasonFormat = "ID_NUMBER_FORMAT"
	// ReasonChecksum: the ISO 7064 MOD 11-2 check character does not match.
	ReasonChecksum = "ID_NUMBER_CHECKSUM"
	// ReasonBirthDate: the birth date is not a calendar date, is in the future, or is before 1900.
	ReasonBirthDate = "ID_NUMBER_BIRTH_DATE"
	// ReasonRegion: the address code is not a GB/T 2260 code, current or retired.
	ReasonRegion = "ID_NUMBER_REGION"
)

// Error is the error every parse failure returns. Reason is one of the Reason constants and
// Message a Chinese sentence fit to show the user. Neither contains the number itself, so the
// error can be logged as is.
type Error struct {
	// Reason is the stable machine-readable code, e.g. ReasonChecksum.
	Reason string
	// Message is the Chinese explanation for the end user.
	Message string
	// detail tells operators which rule failed; it never quotes the digits.
	detail string
}

// Error returns the reason and a detail meant for logs.
func (e *Error) Error() string {
	return "id number " + e.Reason + ": " + e.detail
}

// Is reports whether target is an *Error with the same Reason, so callers can write
// errors.Is(err, &idnumber.Error{Reason: idnumber.ReasonChecksum}).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Reason == e.Reason
}

func formatError(detail string) *Error {
	return &Error{Reason: ReasonFormat, Message: "身份证号码格式错误：应为18位，前17位为数字，最后一位为数字或X", detail: detail}
}

// Length of a GB 11643-1999 number; the 15-digit numbers of GB 11643-1989 are no longer valid.
const length = 18

// earliestBirthYear bounds the birth date from below: nobody born before 1900 is a plausible
// volunteer, and such a date is far more likely a typo.
const earliestBirthYear = 1900

// chinaTime is China Standard Time. The birth date in a number is a civil date in China, so
// "not in the future" is judged against today's date there. A fixed offset suffices (China has
// not observed daylight saving since 1991) and needs no tzdata on the host.
var chinaTime = time.FixedZone("CST", 8*60*60)

// Number is a validated resident identity number. The zero Number is not valid; get one from
// Parse or ParseAt.
type Number struct {
	s     string // normalized: 17 ASCII digits and a digit or X
	birth time.Time
}

// Parse validates s as of now (time.Now) and returns the Number. Code with an injected clock
// should call ParseAt. It returns an *Error with reason ID_NUMBER_FORMAT, ID_NUMBER_CHECKSUM,
// ID_NUMBER_BIRTH_DATE or ID_NUMBER_REGION.
func Parse(s string) (Number, error) {
	return ParseAt(s, time.Now())
}

// Validate reports whether s is a valid number as of now (time.Now); see ParseAt for the rules
// and the errors.
func Validate(s string) error {
	_, err := Parse(s)
	return err
}

// ParseAt validates s as of now and returns the Number.
//
// Leading and trailing white space (including the ideographic space U+3000) is ignored, and
// full-width digits and letters, as Chinese input methods type them, count as their ASCII forms;
// a lowercase x check character is accepted. Number.String returns the normalized form.
//
// The checks run in order and the first failure is returned as an *Error:
//   - ID_NUMBER_FORMAT: not 17 digits followed by a digit or X;
//   - ID_NUMBER_CHECKSUM: the ISO 7064 MOD 11-2 check character is wrong;
//   - ID_NUMBER_BIRTH_DATE: characters 7-14 are not a real date, are after today's date in
//     China, or are before 1900;
//   - ID_NUMBER_REGION: the first six digits are not a GB/T 2260 code, current or retired.
//
// The checksum comes before the fields because a number that fails it was mistyped, and
// judging the birth date or region of mistyped digits would point the user at the wrong part.
func ParseAt(s string, now time.Time) (Number, error) {
	norm, err := normalize(s)
	if err != nil {
		return Number{}, err
	}
	if checkChar(norm[:length-1]) != norm[length-1] {
		return Number{}, &Error{Reason: ReasonChecksum, Message: "身份证号码校验位错误", detail: "check character does not match"}
	}
	birth, err := birthDate(norm[6:14], now)
	if err != nil {
		return Number{}, err
	}
	if _, ok := RegionName(norm[:6]); !ok {
		return Number{}, &Error{Reason: ReasonRegion, Message: "身份证号码中的地区代码无效", detail: "address code is not in the GB/T 2260 table"}
	}
	return Number{s: norm, birth: birth}, nil
}

// normalize trims s, maps full-width characters to ASCII, upper-cases the check character and
// checks the shape.
func normalize(s string) (string, error) {
	s = strings.TrimSpace(s)
	if n := utf8.RuneCountInString(s); n != length {
		return "", formatError("has " + strconv.Itoa(n) + " characters, want 18")
	}
	b := make([]byte, 0, length)
	for i, r := range []rune(s) {
		if r >= '０' && r <= '９' {
			r = r - '０' + '0'
		}
		switch {
		case r >= '0' && r <= '9':
		case i == length-1 && (r == 'X' || r == 'x' || r == 'Ｘ' || r == 'ｘ'):
			r = 'X'
		case i == length-1:
			return "", formatError("check character is neither a digit nor X")
		default:
			return "", formatError("character " + strconv.Itoa(i+1) + " is not a digit")
		}
		b = append(b, byte(r))
	}
	return string(b), nil
}

// weights are 2^(17-i) mod 11 for positions i = 0..16, per ISO 7064 MOD 11-2.
var weights = [length - 1]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// checkChars maps the weighted sum mod 11 to the check character.
const checkChars = "10X98765432"

// checkChar returns the check character for 17 ASCII digits.
func checkChar(body string) byte {
	sum := 0
	for i := range len(weights) {
		sum += int(body[i]-'0') * weights[i]
	}
	return checkChars[sum%11]
}

// birthDate parses yyyymmdd (already known to be digits) and applies the date rules.
func birthDate(s string, now time.Time) (time.Time, error) {
	y, _ := strconv.Atoi(s[:4])
	m, _ := strconv.Atoi(s[4:6])
	d, _ := strconv.Atoi(s[6:8])
	bad := func(msg, detail string) (time.Time, error) {
		return time.Time{}, &Error{Reason: ReasonBirthDate, Message: msg, detail: detail}
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, chinaTime)
	// time.Date normalizes overflow (Feb 30 becomes Mar 2), so a round trip detects dates that
	// do not exist.
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return bad("身份证号码中的出生日期不是有效日期", "birth date is not a calendar date")
	}
	if y < earliestBirthYear {
		return bad("身份证号码中的出生日期早于1900年", "birth date is before 1900")
	}
	today := now.In(chinaTime)
	if t.After(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, chinaTime)) {
		return bad("身份证号码中的出生日期晚于今天", "birth date is in the future")
	}
	return t, nil
}

// String returns the normalized number: 17 digits and a digit or uppercase X. It is personal
// data: log Masked, or the Number itself through slog, which masks it.
func (n Number) String() string { return n.s }

// Region returns the six-digit GB/T 2260 address code; RegionName gives its name.
func (n Number) Region() string {
	if n.s == "" {
		return ""
	}
	return n.s[:6]
}

// BirthDate returns the birth date at midnight China Standard Time (UTC+8), the time zone
// in which the date was recorded.
func (n Number) BirthDate() time.Time { return n.birth }

// Male reports whether the number belongs to a man: GB 11643 gives men an odd 17th digit and
// women an even one.
func (n Number) Male() bool {
	return n.s != "" && (n.s[16]-'0')%2 == 1
}

// Masked returns the number with all but the first three and last four characters replaced by
// '*', e.g. 310***********123X; see Mask.
func (n Number) Masked() string { return Mask(n.s) }

// LogValue makes slog record the masked number, so logging a Number never leaks it.
func (n Number) LogValue() slog.Value { return slog.StringValue(n.Masked()) }

// Mask hides a string of ID-number shape for display and logs, without validating it. It keeps
// the first three characters (the province and prefecture, which says little about a person) and
// the last four (enough for a person to recognize their own number, as banks show it) and
// replaces the rest with '*', one per character, so the length stays visible: an 18-character
// number shows 11 stars. A string shorter than 15 characters (the length of the old 15-digit
// numbers) is replaced entirely, as keeping seven of its characters would reveal too much of it.
// Mask counts characters, not bytes, so it never splits a multi-byte character.
func Mask(s string) string {
	const keepHead, keepTail, minLen = 3, 4, 15
	n := utf8.RuneCountInString(s)
	if n < minLen {
		return strings.Repeat("*", n)
	}
	r := []rune(s)
	return string(r[:keepHead]) + strings.Repeat("*", n-keepHead-keepTail) + string(r[n-keepTail:])
}
