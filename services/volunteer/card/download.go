package card

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"yima/access"
	"yima/fault"
	"yima/store"
)

// TicketTTL is how long the download links of Links work.
const TicketTTL = 10 * time.Minute

// DownloadPath is where the download routes live:
// DownloadPath + {volunteer id} + .png or .pdf.
const DownloadPath = "/cards/"

// Format is a file a card downloads as.
type Format byte

// The formats; each is also the kind of its tickets, so a PNG's ticket
// does not open the PDF.
const (
	PNG Format = 1
	PDF Format = 2
)

// Ext is the format's file extension, without the dot.
func (f Format) Ext() string {
	if f == PDF {
		return "pdf"
	}
	return "png"
}

// Links returns p's card's PNG and PDF links, working for TicketTTL, and
// when they expire. Errors: as Mine.
func (s *Service) Links(ctx context.Context, p *access.Principal) (pngURL, pdfURL string, exp time.Time, err error) {
	c, _, err := s.Mine(ctx, p)
	if err != nil {
		return "", "", time.Time{}, err
	}
	link := func(f Format) string {
		t, e := s.tickets.Issue(byte(f), c.VolunteerID, p.PersonID)
		exp = e
		return DownloadPath + c.VolunteerID.String() + "." + f.Ext() + "?ticket=" + t
	}
	return link(PNG), link(PDF), exp, nil
}

// Render draws p's own card, volunteer, in format f, for programs with a
// bearer token. Errors: as Mine, and permission_denied (CARD_NOT_YOURS).
func (s *Service) Render(ctx context.Context, p *access.Principal, volunteer uuid.UUID, f Format) ([]byte, Card, error) {
	c, _, err := s.Mine(ctx, p)
	if err != nil {
		return nil, Card{}, err
	}
	if c.VolunteerID != volunteer {
		return nil, Card{}, fault.New(fault.PermissionDenied, "CARD_NOT_YOURS", "只能下载本人的志愿者证")
	}
	return s.render(c, f)
}

// RenderByTicket draws card volunteer in format f for the holder of a
// ticket from Links. Errors: permission_denied (TICKET_INVALID,
// TICKET_EXPIRED), not_found (CARD_NOT_FOUND).
func (s *Service) RenderByTicket(ctx context.Context, volunteer uuid.UUID, f Format, t string) ([]byte, Card, error) {
	if _, err := s.tickets.Check(byte(f), volunteer, t); err != nil {
		return nil, Card{}, err
	}
	r, err := s.opt.Store.Q.GetCard(ctx, volunteer)
	if store.IsNotFound(err) {
		return nil, Card{}, fault.New(fault.NotFound, "CARD_NOT_FOUND", "志愿者证不存在")
	}
	if err != nil {
		return nil, Card{}, fmt.Errorf("load card: %w", err)
	}
	return s.render(s.cardOf(r), f)
}

func (s *Service) render(c Card, f Format) ([]byte, Card, error) {
	var out []byte
	var err error
	if f == PDF {
		out, err = s.opt.Renderer.RenderCard(c.document())
	} else {
		out, err = s.png(c.document())
	}
	return out, c, err
}
