package org

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"yima/paging"
	"yima/store/db"
)

// Choice is an active org as a registrant's parent picker shows it: no
// more than its name and place in the tree.
type Choice struct {
	ID         uuid.UUID
	Name       string
	Level      Level
	ParentID   uuid.UUID // uuid.Nil for the root
	ParentName string
	// HasChildren reports whether active orgs sit below it.
	HasChildren bool
}

// ChoiceFilter selects Choices: with NameContains, active orgs anywhere
// whose name contains it; else the children of ParentID, or the root when
// it is uuid.Nil.
type ChoiceFilter struct {
	ParentID     uuid.UUID
	NameContains string
	Page         paging.Page
}

// Choices returns a page of the active orgs f selects, shallowest first,
// then by name, and the next page's token ("" on the last). Anyone who may
// register an org may list them: they are what RegisterOrg accepts as a
// parent.
func (s *Service) Choices(ctx context.Context, f ChoiceFilter) ([]Choice, string, error) {
	rows, err := s.opt.Store.Q.ListOrgChoices(ctx, db.ListOrgChoicesParams{
		NameContains: strings.TrimSpace(f.NameContains), ByParent: f.ParentID != uuid.Nil, ParentID: f.ParentID,
		Off: f.Page.Offset, Lim: f.Page.Fetch(),
	})
	if err != nil {
		return nil, "", fmt.Errorf("list org choices: %w", err)
	}
	rows, next := paging.Next(f.Page, rows)
	out := make([]Choice, len(rows))
	for i, r := range rows {
		out[i] = Choice{
			ID: r.ID, Name: r.Name, Level: Level(r.Level), ParentID: r.ParentID.UUID, ParentName: r.ParentName,
			HasChildren: r.HasChildren,
		}
	}
	return out, next, nil
}
