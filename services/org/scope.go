package org

import (
	"context"

	"github.com/google/uuid"

	"yima/access"
)

// Scope returns the orgs whose subtrees p sees, as ListOrgs applies it: an
// org's leader or admin sees their org's subtree; staff see every org
// (all) or the subtrees of their data scope's department orgs (roots).
// Other services use it to apply the same scope in their own queries.
// Errors: permission_denied (NO_ORG_SCOPE).
func (s *Service) Scope(ctx context.Context, p *access.Principal) (all bool, roots []uuid.UUID, err error) {
	return s.scope(ctx, p)
}

// Sees returns nil when the org is in p's scope (Scope): an org account
// sees its org and the orgs below; staff the subtrees of their data
// scope. Errors: not_found (ORG_NOT_FOUND), permission_denied
// (NOT_IN_SCOPE, NO_ORG_SCOPE).
func (s *Service) Sees(ctx context.Context, p *access.Principal, id uuid.UUID) error {
	o, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	return s.inScope(ctx, p, o.Path)
}
