package member_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"yima/access"
	"yima/fault"
	"yima/keyring"
	"yima/sensitive"
	"yima/services/identity"
	"yima/services/member"
	"yima/services/org"
	"yima/store"
	"yima/store/migrations"
	"yima/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var schema = storetest.Schema{Name: "yima", Hash: migrations.Hash(), Migrate: migrations.Up}

// fixture is a database with an org tree — a district above two streets,
// and an inactive street — some people, and the service.
//
//	root
//	└── 测试区志愿者协会 (district)
//	    ├── 甲街道志愿者服务中心 (street)
//	    ├── 乙街道志愿者服务中心 (street, a peer)
//	    └── 丙街道志愿者服务中心 (street, deactivated)
type fixture struct {
	st                          *store.Store
	box                         *sensitive.Box
	svc                         *member.Service
	now                         time.Time
	district, street, peer, off uuid.UUID
	// staffAll and staffDepts answer the fake staff scope.
	staffAll   bool
	staffDepts []uuid.UUID
	// people and records count what the fixture made, for fresh ID
	// numbers and non-overlapping sessions.
	people, records int
	// actor is the person org principals are.
	actor uuid.UUID
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := t.Context()
	st := store.New(storetest.Open(t, schema))
	root, err := org.EnsureRoot(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := keyring.NewKey(1, bytes.Repeat([]byte{0x11}, keyring.KeySize))
	index, _ := keyring.NewKey(1, bytes.Repeat([]byte{0x22}, keyring.KeySize))
	box, err := sensitive.NewBox(data, index)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st, box: box, now: time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)}
	f.actor = uuid.New()
	if _, err := st.Pool.Exec(ctx, `INSERT INTO identity.person (id, name) VALUES ($1, '组织负责人')`, f.actor); err != nil {
		t.Fatal(err)
	}
	f.district = f.addOrg(t, root.ID, []uuid.UUID{root.ID}, "district", "测试区志愿者协会", "active")
	up := []uuid.UUID{root.ID, f.district}
	f.street = f.addOrg(t, f.district, up, "street", "甲街道志愿者服务中心", "active")
	f.peer = f.addOrg(t, f.district, up, "street", "乙街道志愿者服务中心", "active")
	f.off = f.addOrg(t, f.district, up, "street", "丙街道志愿者服务中心", "deactivated")
	f.svc = member.New(member.Options{
		Store: st, Now: func() time.Time { return f.now },
		IDNumberIndex: func(n string) []byte { return box.Index(identity.FieldIDNumber, n) },
		Orgs: org.New(org.Options{Store: st, Now: func() time.Time { return f.now },
			Staff: org.StaffScopeFunc(func(ctx context.Context, p *access.Principal) (bool, []uuid.UUID, error) {
				return f.staffAll, f.staffDepts, nil
			})}),
	})
	return f
}

func (f *fixture) addOrg(t *testing.T, parent uuid.UUID, above []uuid.UUID, level, name, status string) uuid.UUID {
	t.Helper()
	id := uuid.New()
	if _, err := f.st.Pool.Exec(t.Context(), `INSERT INTO org.org (id, parent_id, path, level, name, status) VALUES ($1, $2, $3, $4, $5, $6)`,
		id, parent, append(slices.Clone(above), id), level, name, status); err != nil {
		t.Fatal(err)
	}
	return id
}

// person is a person put in the database, a volunteer unless made with
// volunteer false.
type person struct {
	ID, VolunteerID uuid.UUID
	IDNumber, Name  string
}

// idNumbers are valid resident ID numbers (region 310104, check digits
// computed), one per person the tests make.
var idNumbers = []string{
	"310104199001010011", "310104199001010038", "310104199001010046", "310104199001010054",
	"310104199001010062", "310104199001010070", "310104199001010089", "310104199001010097",
}

func (f *fixture) person(t *testing.T, name string, volunteer bool, political string, categories ...string) person {
	t.Helper()
	ctx := t.Context()
	n := idNumbers[f.people]
	f.people++
	p := person{ID: uuid.New(), IDNumber: n, Name: name}
	enc, err := f.box.Seal(identity.FieldIDNumber, n)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Pool.Exec(ctx, `INSERT INTO identity.person (id, name, id_number_enc, id_number_idx, id_number_masked, phone_masked)
		VALUES ($1, $2, $3, $4, $5, '139****0001')`, p.ID, name, enc, f.box.Index(identity.FieldIDNumber, n), sensitive.MaskIDNumber(n)); err != nil {
		t.Fatal(err)
	}
	if volunteer {
		if categories == nil {
			categories = []string{}
		}
		p.VolunteerID = uuid.New()
		if _, err := f.st.Pool.Exec(ctx, `INSERT INTO volunteer.volunteer (id, person_id, volunteer_no, political_status, service_categories)
			VALUES ($1, $2, $3, $4, $5)`, p.VolunteerID, p.ID, fmt.Sprintf("SH%010d", f.people), political, categories); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// leader and admin act for org as the fixture's org user.
func (f *fixture) leader(org uuid.UUID) *access.Principal {
	return &access.Principal{PersonID: f.actor, Kind: access.KindOrgLeader, OrgID: org}
}

func (f *fixture) admin(org uuid.UUID) *access.Principal {
	return &access.Principal{PersonID: f.actor, Kind: access.KindOrgAdmin, OrgID: org}
}

func (p person) acting() *access.Principal {
	return &access.Principal{PersonID: p.ID, Kind: access.KindVolunteer}
}

// check fails unless err carries reason (or is nil when reason is "").
func check(t *testing.T, what string, err error, reason string) {
	t.Helper()
	if reason == "" {
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return
	}
	if got := fault.ReasonOf(err); got != reason {
		t.Fatalf("%s: error %v (reason %q), want %s", what, err, got, reason)
	}
}

func TestAddMember(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	zhang := f.person(t, "张三丰", true, "群众", "社区服务")
	li := f.person(t, "李四", true, "中共党员", "助老助残")
	citizen := f.person(t, "王五", false, "")
	if _, err := f.svc.Join(ctx, li.acting(), f.street); err != nil {
		t.Fatal(err)
	}
	// Full-width digits and a lower-case x reach the same blind index.
	fullWidth := []rune{}
	for _, r := range zhang.IDNumber {
		fullWidth = append(fullWidth, r-'0'+'０')
	}
	for _, tc := range []struct {
		name     string
		as       *access.Principal
		org      uuid.UUID
		idNumber string
		reason   string
		kind     fault.Kind
	}{
		{"格式错误", f.leader(f.street), f.street, "12345", "ID_NUMBER_FORMAT", fault.Invalid},
		{"校验位错误", f.leader(f.street), f.street, zhang.IDNumber[:17] + "9", "ID_NUMBER_CHECKSUM", fault.Invalid},
		{"平台无此人", f.leader(f.street), f.street, idNumbers[7], "PERSON_NOT_FOUND", fault.NotFound},
		{"未注册志愿者", f.leader(f.street), f.street, citizen.IDNumber, "NOT_A_VOLUNTEER", fault.FailedPrecondition},
		{"上级组织不能代加", f.leader(f.district), f.street, zhang.IDNumber, "NOT_ORG_MEMBER", fault.PermissionDenied},
		{"平级组织不能加", f.admin(f.peer), f.street, zhang.IDNumber, "NOT_ORG_MEMBER", fault.PermissionDenied},
		{"志愿者不能加", zhang.acting(), f.street, zhang.IDNumber, "NOT_ORG_MEMBER", fault.PermissionDenied},
		{"停用组织", f.leader(f.off), f.off, zhang.IDNumber, "ORG_INACTIVE", fault.FailedPrecondition},
		{"已申请待审核", f.leader(f.street), f.street, li.IDNumber, "APPLICATION_PENDING", fault.Conflict},
		{"全角号码", f.admin(f.street), f.street, string(fullWidth), "", 0},
		{"重复添加", f.leader(f.street), f.street, zhang.IDNumber, "ALREADY_MEMBER", fault.Conflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := f.svc.Add(ctx, tc.as, tc.org, tc.idNumber)
			check(t, "Add", err, tc.reason)
			if tc.reason != "" {
				if got := fault.KindOf(err); got != tc.kind {
					t.Errorf("kind = %v, want %v", got, tc.kind)
				}
				return
			}
			want := member.Member{
				OrgID: f.street, VolunteerID: zhang.VolunteerID, NameMasked: "张**", IDNumberMasked: "310***********0011",
				Status: member.StatusMember, Source: member.SourceAddedByOrg, PoliticalStatus: "群众",
			}
			if m.OrgID != want.OrgID || m.VolunteerID != want.VolunteerID || m.NameMasked != want.NameMasked ||
				m.IDNumberMasked != want.IDNumberMasked || m.Status != want.Status || m.Source != want.Source ||
				m.PoliticalStatus != want.PoliticalStatus || m.PhoneMasked != "139****0001" {
				t.Errorf("Add = %+v, want %+v", m, want)
			}
			if !m.JoinedAt.Equal(f.now) || !m.DecidedAt.Equal(f.now) || !m.AppliedAt.IsZero() {
				t.Errorf("times: joined %v decided %v applied %v", m.JoinedAt, m.DecidedAt, m.AppliedAt)
			}
		})
	}
	// Nothing changed for the refused ones.
	var n int
	if err := f.st.Pool.QueryRow(ctx, `SELECT count(*) FROM volunteer.membership`).Scan(&n); err != nil || n != 2 {
		t.Errorf("memberships = %d (%v), want 2 (张三丰 added, 李四 applying)", n, err)
	}
	// One who left is added again.
	if _, err := f.svc.Remove(ctx, f.leader(f.street), f.street, zhang.VolunteerID, "搬离本街道"); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(time.Hour)
	m, err := f.svc.Add(ctx, f.leader(f.street), f.street, zhang.IDNumber)
	check(t, "Add again", err, "")
	if m.Status != member.StatusMember || !m.LeftAt.IsZero() || m.LeftReason != "" || !m.JoinedAt.Equal(f.now) {
		t.Errorf("Add after leaving = %+v", m)
	}
}

func TestJoinReviewQuit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	li := f.person(t, "李四", true, "共青团员", "社区服务")
	boss := f.leader(f.street)
	applied := f.now

	steps := []struct {
		name   string
		do     func() (member.Status, error)
		reason string
		want   member.Status
	}{
		{"申请加入", func() (member.Status, error) {
			m, err := f.svc.Join(ctx, li.acting(), f.street)
			return m.Status, err
		}, "", member.StatusPending},
		{"重复申请", func() (member.Status, error) {
			m, err := f.svc.Join(ctx, li.acting(), f.street)
			return m.Status, err
		}, "APPLICATION_PENDING", ""},
		{"停用组织不能申请", func() (member.Status, error) {
			m, err := f.svc.Join(ctx, li.acting(), f.off)
			return m.Status, err
		}, "ORG_INACTIVE", ""},
		{"组织账号不能申请", func() (member.Status, error) {
			m, err := f.svc.Join(ctx, f.leader(f.peer), f.street)
			return m.Status, err
		}, "NOT_VOLUNTEER", ""},
		{"组织不存在", func() (member.Status, error) {
			m, err := f.svc.Join(ctx, li.acting(), uuid.New())
			return m.Status, err
		}, "ORG_NOT_FOUND", ""},
		{"拒绝须填反馈", func() (member.Status, error) {
			m, err := f.svc.Review(ctx, boss, f.street, li.VolunteerID, false, "  ")
			return m.Status, err
		}, "FEEDBACK_REQUIRED", ""},
		{"上级组织不能审核", func() (member.Status, error) {
			m, err := f.svc.Review(ctx, f.leader(f.district), f.street, li.VolunteerID, true, "")
			return m.Status, err
		}, "NOT_ORG_MEMBER", ""},
		{"拒绝", func() (member.Status, error) {
			m, err := f.svc.Review(ctx, boss, f.street, li.VolunteerID, false, "请先完成志愿者培训")
			return m.Status, err
		}, "", member.StatusRejected},
		{"已处理", func() (member.Status, error) {
			m, err := f.svc.Review(ctx, boss, f.street, li.VolunteerID, true, "")
			return m.Status, err
		}, "APPLICATION_NOT_PENDING", ""},
		{"没有申请", func() (member.Status, error) {
			m, err := f.svc.Review(ctx, boss, f.peer, li.VolunteerID, true, "")
			return m.Status, err
		}, "NOT_ORG_MEMBER", ""},
		{"再次申请", func() (member.Status, error) {
			f.now = f.now.Add(time.Hour)
			applied = f.now
			m, err := f.svc.Join(ctx, li.acting(), f.street)
			return m.Status, err
		}, "", member.StatusPending},
		{"通过", func() (member.Status, error) {
			f.now = f.now.Add(time.Hour)
			m, err := f.svc.Review(ctx, boss, f.street, li.VolunteerID, true, "欢迎加入")
			if err == nil && (m.Source != member.SourceApplied || !m.AppliedAt.Equal(applied) || !m.JoinedAt.Equal(f.now) || m.Feedback != "欢迎加入") {
				err = fmt.Errorf("approved member = %+v", m)
			}
			return m.Status, err
		}, "", member.StatusMember},
		{"已是成员", func() (member.Status, error) {
			m, err := f.svc.Join(ctx, li.acting(), f.street)
			return m.Status, err
		}, "ALREADY_MEMBER", ""},
		{"退出", func() (member.Status, error) {
			m, err := f.svc.Quit(ctx, li.acting(), f.street, "工作调动")
			return m.Status, err
		}, "", member.StatusLeft},
		{"重复退出", func() (member.Status, error) {
			m, err := f.svc.Quit(ctx, li.acting(), f.street, "")
			return m.Status, err
		}, "NOT_A_MEMBER", ""},
		{"申请乙街道", func() (member.Status, error) {
			f.now = f.now.Add(time.Hour)
			m, err := f.svc.Join(ctx, li.acting(), f.peer)
			return m.Status, err
		}, "", member.StatusPending},
		{"撤回申请", func() (member.Status, error) {
			m, err := f.svc.Quit(ctx, li.acting(), f.peer, "")
			return m.Status, err
		}, "", member.StatusLeft},
	}
	for _, s := range steps {
		got, err := s.do()
		check(t, s.name, err, s.reason)
		if got != s.want {
			t.Fatalf("%s: status %q, want %q", s.name, got, s.want)
		}
	}
	// The review of another org's application is refused, and an unknown
	// application is not found.
	_, err := f.svc.Review(ctx, f.leader(f.peer), f.peer, uuid.New(), true, "")
	check(t, "unknown application", err, "APPLICATION_NOT_FOUND")

	mine, next, err := f.svc.Mine(ctx, li.acting(), "", 0, "")
	check(t, "Mine", err, "")
	if next != "" || len(mine) != 2 {
		t.Fatalf("Mine = %+v, %q; want two memberships", mine, next)
	}
	for _, m := range mine {
		if m.Status != member.StatusLeft {
			t.Errorf("Mine: %s %s, want left", m.OrgName, m.Status)
		}
	}
	// Most recent first: the withdrawn application, then the membership.
	if mine[0].OrgName != "乙街道志愿者服务中心" || mine[0].Source != member.SourceApplied {
		t.Errorf("Mine[0] = %+v", mine[0])
	}
	if mine[1].OrgName != "甲街道志愿者服务中心" || mine[1].LeftReason != "工作调动" || mine[1].Feedback != "欢迎加入" {
		t.Errorf("Mine[1] = %+v", mine[1])
	}
	_, _, err = f.svc.Mine(ctx, f.leader(f.street), "", 0, "")
	check(t, "Mine as an org", err, "NOT_VOLUNTEER")
}

func TestRemoveMember(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	zhang := f.person(t, "张三", true, "群众")
	boss := f.leader(f.street)
	if _, err := f.svc.Add(ctx, boss, f.street, zhang.IDNumber); err != nil {
		t.Fatal(err)
	}
	g, err := f.svc.CreateGroup(ctx, boss, f.street, "助老小分队", "")
	check(t, "CreateGroup", err, "")
	if _, _, err := f.svc.Assign(ctx, boss, g.ID, []uuid.UUID{zhang.VolunteerID}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		as     *access.Principal
		vol    uuid.UUID
		reason string
		want   string
	}{
		{"须填原因", boss, zhang.VolunteerID, " ", "REASON_REQUIRED"},
		{"原因过长", boss, zhang.VolunteerID, strings.Repeat("字", 201), "REASON_TOO_LONG"},
		{"平级组织", f.admin(f.peer), zhang.VolunteerID, "误操作", "NOT_ORG_MEMBER"},
		{"不是成员", boss, uuid.New(), "误操作", "NOT_A_MEMBER"},
		{"移除", f.admin(f.street), zhang.VolunteerID, "长期未参加活动", ""},
		{"重复移除", boss, zhang.VolunteerID, "长期未参加活动", "NOT_A_MEMBER"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := f.svc.Remove(ctx, tc.as, f.street, tc.vol, tc.reason)
			check(t, "Remove", err, tc.want)
			if err == nil && (m.Status != member.StatusLeft || m.LeftReason != tc.reason || !m.LeftAt.Equal(f.now) || len(m.Groups) != 0) {
				t.Errorf("Remove = %+v", m)
			}
		})
	}
	gs, _, err := f.svc.Groups(ctx, boss, f.street, 0, "")
	check(t, "Groups", err, "")
	if len(gs) != 1 || gs[0].Members != 0 {
		t.Errorf("groups after removal = %+v, want the group empty", gs)
	}
}

// TestListMembers checks the filters, paging and who may list.
func TestListMembers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	boss := f.leader(f.street)
	a := f.person(t, "张三", true, "中共党员", "社区服务", "助老助残")
	b := f.person(t, "李四", true, "群众", "环境保护")
	c := f.person(t, "张小花", true, "群众", "社区服务")
	d := f.person(t, "赵六", true, "共青团员", "文明交通")
	for i, p := range []person{a, b, c} {
		f.now = f.now.Add(time.Duration(i+1) * time.Minute)
		if _, err := f.svc.Add(ctx, boss, f.street, p.IDNumber); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.Join(ctx, d.acting(), f.street); err != nil {
		t.Fatal(err)
	}
	g, err := f.svc.CreateGroup(ctx, boss, f.street, "环保队", "")
	check(t, "CreateGroup", err, "")
	if _, _, err := f.svc.Assign(ctx, boss, g.ID, []uuid.UUID{b.VolunteerID, c.VolunteerID}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetTags(ctx, boss, f.street, a.VolunteerID, []string{"骨干", "党员先锋"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetTags(ctx, boss, f.street, c.VolunteerID, []string{"骨干"}); err != nil {
		t.Fatal(err)
	}

	ids := func(ms []member.Member) []uuid.UUID {
		var out []uuid.UUID
		for _, m := range ms {
			out = append(out, m.VolunteerID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    member.ListFilter
		want []uuid.UUID
	}{
		{"全部成员，新加入在前", member.ListFilter{}, []uuid.UUID{c.VolunteerID, b.VolunteerID, a.VolunteerID}},
		{"入会申请", member.ListFilter{Status: member.StatusPending}, []uuid.UUID{d.VolunteerID}},
		{"姓名", member.ListFilter{NameContains: "张"}, []uuid.UUID{c.VolunteerID, a.VolunteerID}},
		{"分组", member.ListFilter{GroupID: g.ID}, []uuid.UUID{c.VolunteerID, b.VolunteerID}},
		{"标签", member.ListFilter{Tag: "骨干"}, []uuid.UUID{c.VolunteerID, a.VolunteerID}},
		{"政治面貌", member.ListFilter{PoliticalStatus: "群众"}, []uuid.UUID{c.VolunteerID, b.VolunteerID}},
		{"服务类别", member.ListFilter{ServiceCategory: "社区服务"}, []uuid.UUID{c.VolunteerID, a.VolunteerID}},
		{"组合条件", member.ListFilter{ServiceCategory: "社区服务", GroupID: g.ID, Tag: "骨干"}, []uuid.UUID{c.VolunteerID}},
		{"无结果", member.ListFilter{NameContains: "钱"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.f.OrgID = f.street
			got, next, err := f.svc.List(ctx, boss, tc.f)
			check(t, "List", err, "")
			if !slices.Equal(ids(got), tc.want) || next != "" {
				t.Errorf("List = %v (next %q), want %v", ids(got), next, tc.want)
			}
		})
	}
	// Groups and tags come with each member.
	got, _, err := f.svc.List(ctx, boss, member.ListFilter{OrgID: f.street, NameContains: "张小花"})
	check(t, "List one", err, "")
	if len(got) != 1 || len(got[0].Groups) != 1 || got[0].Groups[0] != (member.GroupRef{ID: g.ID, Name: "环保队"}) ||
		!slices.Equal(got[0].Tags, []string{"骨干"}) || got[0].NameMasked != "张**" {
		t.Errorf("张小花 = %+v", got)
	}
	// Paging walks everyone once.
	var seen []uuid.UUID
	tok := ""
	for range 5 {
		page, next, err := f.svc.List(ctx, boss, member.ListFilter{OrgID: f.street, PageSize: 2, PageToken: tok})
		check(t, "List page", err, "")
		seen = append(seen, ids(page)...)
		if tok = next; tok == "" {
			break
		}
	}
	if want := []uuid.UUID{c.VolunteerID, b.VolunteerID, a.VolunteerID}; !slices.Equal(seen, want) {
		t.Errorf("paged = %v, want %v", seen, want)
	}
	_, _, err = f.svc.List(ctx, boss, member.ListFilter{OrgID: f.street, PageToken: "!!"})
	check(t, "bad token", err, "PAGE_TOKEN_INVALID")

	// Who may list: the org, orgs above it, staff covering it.
	dept := func(org uuid.UUID) uuid.UUID {
		id := uuid.New()
		if _, err := f.st.Pool.Exec(ctx, `INSERT INTO rbac.department (id, path, name, org_id) VALUES ($1, ARRAY[$1::uuid], $2, $3)`, id, "部门"+id.String()[:8], org); err != nil {
			t.Fatal(err)
		}
		return id
	}
	districtDept, peerDept, streetDept := dept(f.district), dept(f.peer), dept(f.street)
	staff := &access.Principal{PersonID: uuid.New(), Kind: access.KindStaff}
	for _, tc := range []struct {
		name   string
		as     *access.Principal
		all    bool
		depts  []uuid.UUID
		org    uuid.UUID
		reason string
	}{
		{"本组织管理员", f.admin(f.street), false, nil, f.street, ""},
		{"上级组织负责人", f.leader(f.district), false, nil, f.street, ""},
		{"平级组织", f.admin(f.peer), false, nil, f.street, "NOT_IN_SCOPE"},
		{"下级看不到上级", boss, false, nil, f.district, "NOT_IN_SCOPE"},
		{"志愿者", a.acting(), false, nil, f.street, "NO_ORG_SCOPE"},
		{"全市数据权限", staff, true, nil, f.street, ""},
		{"区级部门", staff, false, []uuid.UUID{districtDept}, f.street, ""},
		{"本街道部门", staff, false, []uuid.UUID{streetDept}, f.street, ""},
		{"其他街道部门", staff, false, []uuid.UUID{peerDept}, f.street, "NOT_IN_SCOPE"},
		{"无数据权限", staff, false, nil, f.street, "NOT_IN_SCOPE"},
		{"组织不存在", staff, true, nil, uuid.New(), "ORG_NOT_FOUND"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.staffAll, f.staffDepts = tc.all, tc.depts
			_, _, err := f.svc.List(ctx, tc.as, member.ListFilter{OrgID: tc.org})
			check(t, "List", err, tc.reason)
			_, _, err = f.svc.Groups(ctx, tc.as, tc.org, 0, "")
			check(t, "Groups", err, tc.reason)
			_, err = f.svc.Tags(ctx, tc.as, tc.org)
			check(t, "Tags", err, tc.reason)
		})
	}
}

func TestTags(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	boss := f.leader(f.street)
	a := f.person(t, "张三", true, "群众")
	b := f.person(t, "李四", true, "群众")
	for _, p := range []person{a, b} {
		if _, err := f.svc.Add(ctx, boss, f.street, p.IDNumber); err != nil {
			t.Fatal(err)
		}
	}
	eleven := make([]string, 11)
	for i := range eleven {
		eleven[i] = fmt.Sprintf("标签%d", i)
	}
	for _, tc := range []struct {
		name   string
		as     *access.Principal
		vol    uuid.UUID
		tags   []string
		want   []string
		reason string
	}{
		{"去空白与重复", boss, a.VolunteerID, []string{" 骨干 ", "", "骨干", "医护"}, []string{"骨干", "医护"}, ""},
		{"清空", boss, b.VolunteerID, nil, []string{}, ""},
		{"再设", boss, b.VolunteerID, []string{"骨干"}, []string{"骨干"}, ""},
		{"过多", boss, a.VolunteerID, eleven, nil, "TOO_MANY_TAGS"},
		{"过长", boss, a.VolunteerID, []string{"一二三四五六七八九十一二三"}, nil, "TAG_TOO_LONG"},
		{"非成员", boss, uuid.New(), []string{"骨干"}, nil, "NOT_A_MEMBER"},
		{"上级组织不能设", f.leader(f.district), a.VolunteerID, []string{"骨干"}, nil, "NOT_ORG_MEMBER"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := f.svc.SetTags(ctx, tc.as, f.street, tc.vol, tc.tags)
			check(t, "SetTags", err, tc.reason)
			if err == nil && !slices.Equal(m.Tags, tc.want) {
				t.Errorf("tags = %q, want %q", m.Tags, tc.want)
			}
		})
	}
	got, err := f.svc.Tags(ctx, boss, f.street)
	check(t, "Tags", err, "")
	if want := []member.TagCount{{"骨干", 2}, {"医护", 1}}; !slices.Equal(got, want) {
		t.Errorf("Tags = %v, want %v", got, want)
	}
}

func TestGroups(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	boss := f.leader(f.street)
	a := f.person(t, "张三", true, "群众")
	b := f.person(t, "李四", true, "群众")
	outsider := f.person(t, "王五", true, "群众")
	for _, p := range []person{a, b} {
		if _, err := f.svc.Add(ctx, boss, f.street, p.IDNumber); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.Add(ctx, f.leader(f.peer), f.peer, outsider.IDNumber); err != nil {
		t.Fatal(err)
	}
	g, err := f.svc.CreateGroup(ctx, boss, f.street, " 助老小分队 ", "每周三上门探访")
	check(t, "CreateGroup", err, "")
	if g.Name != "助老小分队" || g.Description != "每周三上门探访" || g.OrgID != f.street {
		t.Errorf("CreateGroup = %+v", g)
	}
	long := strings.Repeat("组", 21)
	for _, tc := range []struct {
		name   string
		do     func() error
		reason string
	}{
		{"名称为空", func() error { _, err := f.svc.CreateGroup(ctx, boss, f.street, " ", ""); return err }, "NAME_REQUIRED"},
		{"名称过长", func() error { _, err := f.svc.CreateGroup(ctx, boss, f.street, long, ""); return err }, "NAME_TOO_LONG"},
		{"同名", func() error { _, err := f.svc.CreateGroup(ctx, boss, f.street, "助老小分队", ""); return err }, "GROUP_NAME_TAKEN"},
		{"他组织可同名", func() error {
			_, err := f.svc.CreateGroup(ctx, f.leader(f.peer), f.peer, "助老小分队", "")
			return err
		}, ""},
		{"上级不能建", func() error {
			_, err := f.svc.CreateGroup(ctx, f.leader(f.district), f.street, "巡逻队", "")
			return err
		}, "NOT_ORG_MEMBER"},
		{"改名", func() error {
			h, err := f.svc.UpdateGroup(ctx, f.admin(f.street), g.ID, "助老服务队", "")
			if err == nil && (h.Name != "助老服务队" || h.Description != "") {
				err = fmt.Errorf("UpdateGroup = %+v", h)
			}
			return err
		}, ""},
		{"改成重名", func() error {
			other, err := f.svc.CreateGroup(ctx, boss, f.street, "巡逻队", "")
			if err != nil {
				return err
			}
			_, err = f.svc.UpdateGroup(ctx, boss, other.ID, "助老服务队", "")
			return err
		}, "GROUP_NAME_TAKEN"},
		{"他组织改不了", func() error { _, err := f.svc.UpdateGroup(ctx, f.leader(f.peer), g.ID, "x", ""); return err }, "NOT_ORG_MEMBER"},
		{"分配非成员", func() error {
			_, _, err := f.svc.Assign(ctx, boss, g.ID, []uuid.UUID{a.VolunteerID, outsider.VolunteerID})
			return err
		}, "NOT_A_MEMBER"},
		{"分配为空", func() error { _, _, err := f.svc.Assign(ctx, boss, g.ID, nil); return err }, "VOLUNTEERS_REQUIRED"},
		{"分配", func() error {
			h, n, err := f.svc.Assign(ctx, boss, g.ID, []uuid.UUID{a.VolunteerID, b.VolunteerID, a.VolunteerID})
			if err == nil && (n != 2 || h.Members != 2) {
				err = fmt.Errorf("Assign = %+v, %d added", h, n)
			}
			return err
		}, ""},
		{"重复分配", func() error {
			h, n, err := f.svc.Assign(ctx, boss, g.ID, []uuid.UUID{a.VolunteerID})
			if err == nil && (n != 0 || h.Members != 2) {
				err = fmt.Errorf("Assign again = %+v, %d added", h, n)
			}
			return err
		}, ""},
		{"移出", func() error {
			h, n, err := f.svc.Unassign(ctx, boss, g.ID, []uuid.UUID{b.VolunteerID, outsider.VolunteerID})
			if err == nil && (n != 1 || h.Members != 1) {
				err = fmt.Errorf("Unassign = %+v, %d removed", h, n)
			}
			return err
		}, ""},
		{"他组织删不了", func() error { return f.svc.DeleteGroup(ctx, f.admin(f.peer), g.ID) }, "NOT_ORG_MEMBER"},
		{"删除", func() error { return f.svc.DeleteGroup(ctx, boss, g.ID) }, ""},
		{"已删除", func() error { return f.svc.DeleteGroup(ctx, boss, g.ID) }, "GROUP_NOT_FOUND"},
		{"删后分配", func() error { _, _, err := f.svc.Assign(ctx, boss, g.ID, []uuid.UUID{a.VolunteerID}); return err }, "GROUP_NOT_FOUND"},
	} {
		t.Run(tc.name, func(t *testing.T) { check(t, tc.name, tc.do(), tc.reason) })
	}
	// The members stay members.
	ms, _, err := f.svc.List(ctx, boss, member.ListFilter{OrgID: f.street})
	check(t, "List", err, "")
	if len(ms) != 2 || len(ms[0].Groups) != 0 || len(ms[1].Groups) != 0 {
		t.Errorf("members after the group's deletion = %+v", ms)
	}
}

// TestGroupStatistics seeds service records and checks the members' totals
// and the groups' statistics, which count the org's own projects only.
func TestGroupStatistics(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	boss := f.leader(f.street)
	a := f.person(t, "张三", true, "群众")
	c := f.person(t, "李四", true, "群众")
	lone := f.person(t, "王五", true, "群众")
	for _, p := range []person{a, c, lone} {
		if _, err := f.svc.Add(ctx, boss, f.street, p.IDNumber); err != nil {
			t.Fatal(err)
		}
	}
	p1, p2, elsewhere := f.project(t, f.street), f.project(t, f.street), f.project(t, f.peer)
	f.record(t, a, p1, 3600)
	f.record(t, a, p1, 1800)
	f.record(t, a, p2, 600)
	f.record(t, a, elsewhere, 7200)
	f.record(t, c, p1, 900)
	f.record(t, lone, p2, 300)

	both, err := f.svc.CreateGroup(ctx, boss, f.street, "第1队", "")
	check(t, "CreateGroup", err, "")
	solo, err := f.svc.CreateGroup(ctx, boss, f.street, "第2队", "")
	check(t, "CreateGroup", err, "")
	if _, err := f.svc.CreateGroup(ctx, boss, f.street, "第3队", ""); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Assign(ctx, boss, both.ID, []uuid.UUID{a.VolunteerID, c.VolunteerID}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Assign(ctx, boss, solo.ID, []uuid.UUID{c.VolunteerID}); err != nil {
		t.Fatal(err)
	}

	groups, _, err := f.svc.Groups(ctx, f.leader(f.district), f.street, 0, "")
	check(t, "Groups", err, "")
	type stat struct {
		Name                                string
		Members, Seconds, Records, Projects int64
	}
	var got []stat
	for _, g := range groups {
		got = append(got, stat{g.Name, g.Members, g.ServiceSeconds, g.Records, g.Projects})
	}
	want := []stat{
		{"第1队", 2, 3600 + 1800 + 600 + 900, 4, 2},
		{"第2队", 1, 900, 1, 1},
		{"第3队", 0, 0, 0, 0},
	}
	if !slices.Equal(got, want) {
		t.Errorf("group statistics = %+v, want %+v", got, want)
	}

	ms, _, err := f.svc.List(ctx, boss, member.ListFilter{OrgID: f.street, NameContains: "张三"})
	check(t, "List", err, "")
	if len(ms) != 1 || ms[0].ServiceSeconds != 3600+1800+600+7200 || ms[0].OrgServiceSeconds != 3600+1800+600 || ms[0].RecordCount != 4 {
		t.Errorf("张三's totals = %+v", ms)
	}
	// Leaving empties the member's places, and the statistics follow.
	if _, err := f.svc.Remove(ctx, boss, f.street, a.VolunteerID, "退出"); err != nil {
		t.Fatal(err)
	}
	groups, _, err = f.svc.Groups(ctx, boss, f.street, 0, "")
	check(t, "Groups", err, "")
	if g := groups[0]; g.Name != "第1队" || g.Members != 1 || g.ServiceSeconds != 900 || g.Projects != 1 {
		t.Errorf("第1队 after 张三 left = %+v", g)
	}
}

// project inserts a closed project of org with one position.
func (f *fixture) project(t *testing.T, org uuid.UUID) [2]uuid.UUID {
	t.Helper()
	var id, pos uuid.UUID
	if err := f.st.Pool.QueryRow(t.Context(), `INSERT INTO project.project (org_id, title, status, start_time, end_time)
		VALUES ($1, '测试项目', 'closed', $2, $3) RETURNING id`, org, f.now.Add(-72*time.Hour), f.now.Add(-24*time.Hour)).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if err := f.st.Pool.QueryRow(t.Context(), `INSERT INTO project.position (project_id, name, quota) VALUES ($1, '岗位', 10) RETURNING id`, id).Scan(&pos); err != nil {
		t.Fatal(err)
	}
	return [2]uuid.UUID{id, pos}
}

// record gives p a closed session and its service record of seconds on
// project, each later than the last so that sessions never overlap.
func (f *fixture) record(t *testing.T, p person, project [2]uuid.UUID, seconds int) {
	t.Helper()
	f.records++
	start := f.now.Add(-72*time.Hour + time.Duration(f.records)*3*time.Hour)
	end := start.Add(time.Duration(seconds) * time.Second)
	session := uuid.New()
	if _, err := f.st.Pool.Exec(t.Context(), `INSERT INTO checkin.session (id, project_id, position_id, volunteer_id, started_at, ended_at, duration_seconds, status, closed_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 'closed', 'scan')`, session, project[0], project[1], p.VolunteerID, start, end, seconds); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Pool.Exec(t.Context(), `INSERT INTO record.service_record (volunteer_id, project_id, position_id, session_id, started_at, ended_at, duration_seconds)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, p.VolunteerID, project[0], project[1], session, start, end, seconds); err != nil {
		t.Fatal(err)
	}
}
