package org

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"yima/access"
	"yima/fault"
)

func TestTags(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	u, err := f.admins.Grant(ctx, f.streetLead, Grant{OrgID: f.street, IDNumber: f.idNumber(), Name: "管理员", ValidUntil: f.clock().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	streetAdmin := adminPrincipal(u, uuid.Nil)
	many := make([]string, MaxTags+1)
	for i := range many {
		many[i] = fmt.Sprintf("标签%d", i)
	}
	for _, tc := range []struct {
		name       string
		as         *access.Principal
		source     TagSource
		tags       []string
		wantSelf   []string
		wantParent []string
		kind       fault.Kind
		reason     string
	}{
		{"本组织管理员设本组织标签", streetAdmin, TagsSelf, []string{" 助老 ", "助老", "", "社区"}, []string{"助老", "社区"}, []string{}, 0, ""},
		{"上级设上级标签", f.districtLeader, TagsParent, []string{"优秀组织"}, []string{"助老", "社区"}, []string{"优秀组织"}, 0, ""},
		{"后台设上级标签", f.staffAll, TagsParent, []string{"五星", "优秀组织"}, []string{"助老", "社区"}, []string{"五星", "优秀组织"}, 0, ""},
		{"本组织不能设上级标签", f.streetLead, TagsParent, []string{"自封"}, nil, nil, fault.PermissionDenied, "NOT_PARENT"},
		{"上级不能改本组织标签", f.districtLeader, TagsSelf, []string{"代改"}, nil, nil, fault.PermissionDenied, "NOT_OWN_ORG"},
		{"平级不能设上级标签", f.siblingLeader, TagsParent, []string{"越权"}, nil, nil, fault.PermissionDenied, "NOT_PARENT"},
		{"无范围后台", f.staffNone, TagsParent, []string{"越权"}, nil, nil, fault.PermissionDenied, "NOT_PARENT"},
		{"标签过长", streetAdmin, TagsSelf, []string{strings.Repeat("长", maxTagLen+1)}, nil, nil, fault.Invalid, "TAG_TOO_LONG"},
		{"标签过多", streetAdmin, TagsSelf, many, nil, nil, fault.Invalid, "TOO_MANY_TAGS"},
		{"来源必选", streetAdmin, "", []string{"x"}, nil, nil, fault.Invalid, "SOURCE_REQUIRED"},
		{"清空本组织标签", f.streetLead, TagsSelf, nil, []string{}, []string{"五星", "优秀组织"}, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, err := f.svc.Tags(ctx, f.staffAll, f.street)
			if err != nil {
				t.Fatal(err)
			}
			got, err := f.svc.SetTags(ctx, tc.as, f.street, tc.source, tc.tags)
			wantFault(t, "SetTags", err, tc.kind, tc.reason)
			if err != nil {
				after, _ := f.svc.Tags(ctx, f.staffAll, f.street)
				if !slices.Equal(after.Self, before.Self) || !slices.Equal(after.Parent, before.Parent) {
					t.Errorf("refused SetTags changed tags %+v → %+v", before, after)
				}
				return
			}
			if !slices.Equal(got.Self, tc.wantSelf) || !slices.Equal(got.Parent, tc.wantParent) {
				t.Errorf("tags = %+v, want self %v parent %v", got, tc.wantSelf, tc.wantParent)
			}
		})
	}
	for _, tc := range []struct {
		name   string
		as     *access.Principal
		kind   fault.Kind
		reason string
	}{
		{"本组织", f.streetLead, 0, ""},
		{"上级", f.districtLeader, 0, ""},
		{"平级", f.siblingLeader, fault.PermissionDenied, "NOT_IN_SCOPE"},
	} {
		t.Run("查看/"+tc.name, func(t *testing.T) {
			got, err := f.svc.Tags(ctx, tc.as, f.street)
			wantFault(t, "Tags", err, tc.kind, tc.reason)
			if err == nil && !slices.Equal(got.Parent, []string{"五星", "优秀组织"}) {
				t.Errorf("tags = %+v", got)
			}
		})
	}
	_, err = f.svc.Tags(ctx, f.staffAll, uuid.New())
	wantFault(t, "Tags of a missing org", err, fault.NotFound, "ORG_NOT_FOUND")
}
