package volunteer

import (
	"context"

	"github.com/google/uuid"

	"yima/access"
	"yima/store/db"
)

// Cards issues the 上海市志愿者证 of a new volunteer in the transaction
// that registers them; *card.Service is the one the program passes.
type Cards interface {
	// Issue issues the volunteer's card in the registering transaction q.
	Issue(ctx context.Context, q *db.Queries, volunteer uuid.UUID) error
	// Issued tells that the transaction committed.
	Issued()
}

// StaffScope returns the staff p's data scope over volunteers, as List
// and Detail apply it (see the note above ListFilter): all, or the org
// subtrees and districts it covers. The archive of volunteer cards
// applies the same. Errors: permission_denied (NOT_STAFF, NO_ORG_SCOPE).
func (s *Service) StaffScope(ctx context.Context, p *access.Principal) (all bool, roots []uuid.UUID, districts []string, err error) {
	return s.staffScope(ctx, p)
}
