package sensitive

import (
	"log/slog"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaskIDNumber shows the first 3 and last 4 characters of a resident ID
// number (region prefix and the tail people recognise their own number by):
// "310***********123X". Values of 7 characters or fewer are masked entirely.
func MaskIDNumber(s string) string { return maskMiddle(s, 3, 4) }

// MaskPhone shows the first 3 and last 4 digits of a phone number:
// "138****5678". Values of 7 characters or fewer are masked entirely.
func MaskPhone(s string) string { return maskMiddle(s, 3, 4) }

// MaskName keeps the surname's first character and masks the rest, one star
// per character: "张*", "李**". A common two-character surname is kept whole
// when a given name follows it, "欧阳**", because "欧***" reads as another
// family. A one-character value is masked entirely.
func MaskName(s string) string {
	n := utf8.RuneCountInString(s)
	if n <= 1 {
		return strings.Repeat("*", n)
	}
	keep := 1
	if n > 2 {
		_, w1 := utf8.DecodeRuneInString(s)
		_, w2 := utf8.DecodeRuneInString(s[w1:])
		if compoundSurname(s[:w1+w2]) {
			keep = 2
		}
	}
	return keepRunes(s, keep, 0, n)
}

// compoundSurname reports whether s is one of the common two-character
// Chinese surnames (复姓).
func compoundSurname(s string) bool {
	switch s {
	case "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙",
		"宇文", "司徒", "司空", "夏侯", "轩辕", "令狐", "端木", "独孤", "南宫", "西门",
		"申屠", "太史", "澹台", "公冶", "濮阳", "淳于", "单于", "呼延", "钟离", "闻人",
		"赫连", "万俟", "百里", "东郭", "第五", "拓跋", "完颜", "纳兰", "左丘", "谷梁":
		return true
	}
	return false
}

func maskMiddle(s string, head, tail int) string {
	n := utf8.RuneCountInString(s)
	if n <= head+tail {
		return strings.Repeat("*", n)
	}
	return keepRunes(s, head, tail, n)
}

// keepRunes keeps the first head and last tail of s's n runes and stars the
// rest.
func keepRunes(s string, head, tail, n int) string {
	var b strings.Builder
	b.Grow(len(s))
	i := 0
	for _, r := range s {
		if i < head || i >= n-tail {
			b.WriteRune(r)
		} else {
			b.WriteByte('*')
		}
		i++
	}
	return b.String()
}

// Secret is personal data on its way to a log line or a formatted message. Its
// LogValue, String and GoString show it masked, so passing a Secret to slog or
// fmt never writes the plaintext; convert with string(s) where the plaintext
// is really needed.
//
// Secret does not know what kind of value it holds, so it masks by length:
// 11 characters or more (phone numbers, ID numbers) keep the first 3 and last
// 4, exactly as MaskPhone and MaskIDNumber do; shorter values (names) keep
// only the first character.
type Secret string

// LogValue returns the masked value.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// String returns the masked value.
func (s Secret) String() string {
	v := string(s)
	n := utf8.RuneCountInString(v)
	switch {
	case n >= 11:
		return keepRunes(v, 3, 4, n)
	case n <= 1:
		return strings.Repeat("*", n)
	default:
		return keepRunes(v, 1, 0, n)
	}
}

// GoString returns the masked value, so %#v does not bypass String.
func (s Secret) GoString() string { return s.String() }

// NormalizeIDNumber returns the canonical form of a resident ID number for
// indexing and storage: spaces removed, full-width digits and letters made
// ASCII (phones' Chinese keyboards produce them), and the check character x
// upper-cased. It does not validate.
func NormalizeIDNumber(s string) string {
	return strings.ToUpper(narrow(s, nil))
}

// NormalizePhone returns the canonical form of a mainland phone number for
// indexing and storage: spaces, hyphens and parentheses removed, full-width
// digits made ASCII, and a +86 or 0086 country prefix dropped. It does not
// validate.
func NormalizePhone(s string) string {
	s = narrow(s, func(r rune) bool { return r == '-' || r == '(' || r == ')' })
	for _, prefix := range []string{"+86", "0086"} {
		if rest, ok := strings.CutPrefix(s, prefix); ok {
			return rest
		}
	}
	return s
}

// narrow drops white space and the runes drop selects, and folds full-width
// ASCII variants (U+FF01–U+FF5E) to ASCII.
func narrow(s string, drop func(rune) bool) string {
	return strings.Map(func(r rune) rune {
		if r >= '！' && r <= '～' {
			r -= '！' - '!'
		}
		if unicode.IsSpace(r) || drop != nil && drop(r) {
			return -1
		}
		return r
	}, s)
}
