package card

import (
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"yima/docsign"
)

// Issuer is the body that issues the 上海市志愿者证, printed on every card.
const Issuer = "上海市志愿者协会"

// Fields are what a card states and its signature covers.
type Fields struct {
	VolunteerNo string
	Name        string
	Gender      string // 男 or 女
	// IDNumber is in full; cards print and show it masked.
	IDNumber string
	// BirthDate, RegisteredOn and IssuedOn are days (China time; the
	// clock part is ignored).
	BirthDate    time.Time
	RegisteredOn time.Time
	Issuer       string
	IssuedOn     time.Time
}

// signedLabel starts the signed bytes: a card's signature never passes
// for a certificate's or a code's, and a new layout gets a new label.
const signedLabel = "yima/volunteer-card/v1"

// Canonical returns the bytes a card's signature covers: docsign.Canonical
// of the label and the fields in a fixed order, days as YYYY-MM-DD.
func (f Fields) Canonical() []byte {
	return docsign.Canonical(signedLabel,
		f.VolunteerNo, f.Name, f.Gender, f.IDNumber, Day(f.BirthDate), Day(f.RegisteredOn), f.Issuer, Day(f.IssuedOn))
}

// chinaTime is the zone cards are dated in.
var chinaTime = time.FixedZone("CST", 8*3600)

// Day formats t's day in China time as YYYY-MM-DD.
func Day(t time.Time) string { return t.In(chinaTime).Format(time.DateOnly) }

// day is t's day in China time as midnight UTC of that date: the form
// dates take in and out of PostgreSQL.
func day(t time.Time) time.Time {
	y, m, d := t.In(chinaTime).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func date(t time.Time) pgtype.Date { return pgtype.Date{Time: day(t), Valid: true} }
