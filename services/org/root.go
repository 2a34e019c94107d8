// Package org holds the org domain: the org tree from the city federation
// down to communities — its root, registering new orgs under a parent, the
// parent's review, and who may act above an org (Oversees), which project
// review shares.
package org

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"yima/store"
	"yima/store/db"
)

// RootName is the name of the city root org.
const RootName = "上海市志愿者协会"

// EnsureRoot returns the root org, creating it on first start. It exists
// with or without demo data: every other org hangs below it.
func EnsureRoot(ctx context.Context, st *store.Store) (db.OrgOrg, error) {
	var root db.OrgOrg
	err := st.InTx(ctx, func(q *db.Queries) error {
		r, err := q.GetRootOrg(ctx)
		if err == nil {
			root = r
			return nil
		}
		if !store.IsNotFound(err) {
			return fmt.Errorf("find root org: %w", err)
		}
		root, err = q.CreateRootOrg(ctx, db.CreateRootOrgParams{
			ID: uuid.New(), Name: RootName,
			Address: "上海市黄浦区人民大道200号",
			Lat:     pgtype.Float8{Float64: 31.2304, Valid: true},
			Lng:     pgtype.Float8{Float64: 121.4737, Valid: true},
			// 上海市志愿者协会 was founded on 5 December 2002.
			FoundedOn: pgtype.Date{Time: time.Date(2002, 12, 5, 0, 0, 0, 0, time.UTC), Valid: true},
		})
		if err != nil {
			return fmt.Errorf("create root org: %w", err)
		}
		return q.RecordOrgStatus(ctx, db.RecordOrgStatusParams{OrgID: root.ID, ToStatus: "active", Reason: "系统初始化"})
	})
	return root, err
}
