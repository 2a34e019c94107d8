package org

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"yima/access"
	"yima/fault"
	"yima/paging"
)

func memberIDs(g Group) []uuid.UUID {
	var out []uuid.UUID
	for _, m := range g.Members {
		out = append(out, m.OrgID)
	}
	sortIDs(out)
	return out
}

func TestGroupRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	if _, err := f.svc.CreateGroup(ctx, f.districtLeader, f.district, GroupInput{Name: "示范街道"}, nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		as      *access.Principal
		owner   uuid.UUID
		in      GroupInput
		members []uuid.UUID
		kind    fault.Kind
		reason  string
	}{
		{"名称必填", f.districtLeader, f.district, GroupInput{Name: " "}, nil, fault.Invalid, "GROUP_NAME_REQUIRED"},
		{"名称过长", f.districtLeader, f.district, GroupInput{Name: strings.Repeat("名", maxGroupName+1)}, nil, fault.Invalid, "GROUP_NAME_TOO_LONG"},
		{"说明过长", f.districtLeader, f.district, GroupInput{Name: "甲", Description: strings.Repeat("说", maxGroupDescription+1)}, nil, fault.Invalid, "DESCRIPTION_TOO_LONG"},
		{"不能包含自己", f.districtLeader, f.district, GroupInput{Name: "甲"}, []uuid.UUID{f.district}, fault.Invalid, "ORG_NOT_SUBORDINATE"},
		{"不能包含其他区", f.districtLeader, f.district, GroupInput{Name: "甲"}, []uuid.UUID{f.street, f.otherStreet}, fault.Invalid, "ORG_NOT_SUBORDINATE"},
		{"不存在的组织", f.districtLeader, f.district, GroupInput{Name: "甲"}, []uuid.UUID{uuid.New()}, fault.Invalid, "ORG_NOT_SUBORDINATE"},
		{"同名", f.districtLeader, f.district, GroupInput{Name: "示范街道"}, nil, fault.Conflict, "GROUP_NAME_TAKEN"},
		{"下级不能为上级建分组", f.streetLead, f.district, GroupInput{Name: "甲"}, nil, fault.PermissionDenied, "NOT_IN_SCOPE"},
		{"其他区不能建", f.otherLeader, f.district, GroupInput{Name: "甲"}, nil, fault.PermissionDenied, "NOT_IN_SCOPE"},
		{"无范围后台", f.staffNone, f.district, GroupInput{Name: "甲"}, nil, fault.PermissionDenied, "NOT_IN_SCOPE"},
		{"所属组织不存在", f.staffAll, uuid.New(), GroupInput{Name: "甲"}, nil, fault.NotFound, "ORG_NOT_FOUND"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := f.count(t, `SELECT count(*) FROM org.org_group`)
			_, err := f.svc.CreateGroup(ctx, tc.as, tc.owner, tc.in, tc.members)
			wantFault(t, "CreateGroup", err, tc.kind, tc.reason)
			if got := f.count(t, `SELECT count(*) FROM org.org_group`); got != before {
				t.Errorf("groups %d → %d after a refused create", before, got)
			}
		})
	}
}

// TestGroupLifecycle creates groups of the district's streets, edits and
// merges them, and checks who may see and change them.
func TestGroupLifecycle(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	a, err := f.svc.CreateGroup(ctx, f.districtLeader, f.district, GroupInput{Name: " 一组 ", Description: "东片"}, []uuid.UUID{f.street, f.street})
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != "一组" || a.MemberCount != 1 || !slices.Equal(memberIDs(a), []uuid.UUID{f.street}) || a.Members[0].Name != "甲街道" || a.Members[0].Level != LevelStreet {
		t.Errorf("created = %+v", a)
	}
	b, err := f.svc.CreateGroup(ctx, f.staffAll, f.district, GroupInput{Name: "二组"}, []uuid.UUID{f.street, f.sibling})
	if err != nil {
		t.Fatal(err)
	}

	// Edits: the owner and those above it; never a child or a stranger.
	_, err = f.svc.UpdateGroup(ctx, f.streetLead, a.ID, GroupInput{Name: "改名"})
	wantFault(t, "child renames", err, fault.PermissionDenied, "NOT_IN_SCOPE")
	_, err = f.svc.UpdateGroup(ctx, f.districtLeader, a.ID, GroupInput{Name: "二组"})
	wantFault(t, "rename to a taken name", err, fault.Conflict, "GROUP_NAME_TAKEN")
	if a, err = f.svc.UpdateGroup(ctx, f.districtLeader, a.ID, GroupInput{Name: "东片", Description: "东片街道"}); err != nil || a.Name != "东片" {
		t.Fatalf("rename = %+v, %v", a, err)
	}
	_, err = f.svc.SetGroupMembers(ctx, f.districtLeader, a.ID, []uuid.UUID{f.otherStreet}, nil)
	wantFault(t, "add another district's street", err, fault.Invalid, "ORG_NOT_SUBORDINATE")
	_, err = f.svc.SetGroupMembers(ctx, f.otherLeader, a.ID, []uuid.UUID{f.sibling}, nil)
	wantFault(t, "stranger adds", err, fault.PermissionDenied, "NOT_IN_SCOPE")
	if a, err = f.svc.SetGroupMembers(ctx, f.districtLeader, a.ID, []uuid.UUID{f.sibling}, []uuid.UUID{f.street}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(memberIDs(a), []uuid.UUID{f.sibling}) {
		t.Errorf("members after add/remove = %v, want [%s]", memberIDs(a), f.sibling)
	}
	if a, err = f.svc.SetGroupMembers(ctx, f.districtLeader, a.ID, []uuid.UUID{f.street}, nil); err != nil {
		t.Fatal(err)
	}

	// Merge: the union stays in a, b is gone, the merge recorded on a.
	_, err = f.svc.MergeGroups(ctx, f.districtLeader, a.ID, a.ID)
	wantFault(t, "merge with itself", err, fault.Invalid, "GROUP_MERGE_SELF")
	_, err = f.svc.MergeGroups(ctx, f.streetLead, a.ID, b.ID)
	wantFault(t, "child merges", err, fault.PermissionDenied, "NOT_IN_SCOPE")
	other, err := f.svc.CreateGroup(ctx, f.otherLeader, f.otherStreet, GroupInput{Name: "丙组"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.MergeGroups(ctx, f.staffAll, a.ID, other.ID)
	wantFault(t, "merge across owners", err, fault.Invalid, "GROUP_OWNER_DIFFERS")
	c, err := f.svc.CreateGroup(ctx, f.districtLeader, f.district, GroupInput{Name: "三组"}, []uuid.UUID{f.sibling})
	if err != nil {
		t.Fatal(err)
	}
	merged, err := f.svc.MergeGroups(ctx, f.districtLeader, a.ID, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []uuid.UUID{f.street, f.sibling}
	sortIDs(want)
	if !slices.Equal(memberIDs(merged), want) || merged.MemberCount != 2 {
		t.Errorf("merged members = %v, want %v", memberIDs(merged), want)
	}
	if len(merged.Merges) != 1 || merged.Merges[0].FromGroupID != b.ID || merged.Merges[0].FromName != "二组" ||
		merged.Merges[0].OrgsAdded != 0 || merged.Merges[0].ByNameMasked != "区**" {
		t.Errorf("merges = %+v", merged.Merges)
	}
	_, err = f.svc.GetGroup(ctx, f.districtLeader, b.ID)
	wantFault(t, "merged-away group", err, fault.NotFound, "GROUP_NOT_FOUND")
	_, err = f.svc.MergeGroups(ctx, f.districtLeader, a.ID, b.ID)
	wantFault(t, "merge it again", err, fault.NotFound, "GROUP_NOT_FOUND")
	// Its name is free again.
	if _, err := f.svc.CreateGroup(ctx, f.districtLeader, f.district, GroupInput{Name: "二组"}, nil); err != nil {
		t.Errorf("reuse a merged group's name: %v", err)
	}

	// Two merges of the same pair at once: one wins, the other finds the
	// group gone, and nothing deadlocks.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, pair := range [][2]uuid.UUID{{a.ID, c.ID}, {c.ID, a.ID}} {
		wg.Go(func() { _, errs[i] = f.svc.MergeGroups(ctx, f.districtLeader, pair[0], pair[1]) })
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) || fault.ReasonOf(firstErr(errs)) != "GROUP_NOT_FOUND" {
		t.Errorf("concurrent merges = %v", errs)
	}

	// Lists: by owner, for those who see it.
	list, next, err := f.svc.ListGroups(ctx, f.staffAll, f.district, "", paging.Page{Limit: 1})
	if err != nil || len(list) != 1 || next == "" {
		t.Fatalf("first page = %+v, %q, %v", list, next, err)
	}
	all, _, err := f.svc.ListGroups(ctx, f.districtLeader, f.district, "", paging.Page{Limit: 50})
	if err != nil || len(all) != 2 {
		t.Errorf("district groups = %+v, %v (want the survivor of the merges and the new 二组)", all, err)
	}
	for _, g := range all {
		if len(g.Members) != 0 {
			t.Errorf("listed group %s carries members", g.Name)
		}
	}
	named, _, err := f.svc.ListGroups(ctx, f.districtLeader, f.district, "二", paging.Page{Limit: 50})
	if err != nil || len(named) != 1 || named[0].Name != "二组" || named[0].MemberCount != 0 {
		t.Errorf("groups named 二 = %+v, %v", named, err)
	}
	_, _, err = f.svc.ListGroups(ctx, f.streetLead, f.district, "", paging.Page{Limit: 50})
	wantFault(t, "child lists the parent's groups", err, fault.PermissionDenied, "NOT_IN_SCOPE")
}

// firstErr returns the one non-nil error of errs.
func firstErr(errs []error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
