package volunteer_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"yima/access"
	"yima/fault"
	"yima/services/volunteer"
	"yima/store"
	"yima/store/storetest"
)

// fixture is a small org tree with three volunteers:
//
//	city ─ 徐汇区 (310104) ─ 天平街道
//	     └ 长宁区 (310105)
//
// 甲 lives in 310104 and belongs to no org; 乙 lives in 310105 and is a
// member of 天平街道; 丙 lives nowhere known and applied to 长宁区.
type fixture struct {
	st                        *store.Store
	city, xuhui, tianping, cn uuid.UUID
	jia, yi, bing             uuid.UUID // volunteer ids
	jiaPerson, yiPerson       uuid.UUID
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := t.Context()
	st := store.New(storetest.Open(t, schema))
	f := &fixture{st: st, city: uuid.New(), xuhui: uuid.New(), tianping: uuid.New(), cn: uuid.New()}
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := st.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	org := `INSERT INTO org.org (id, parent_id, path, level, name, status, district_code) VALUES ($1, $2, $3, $4, $5, 'active', $6)`
	exec(org, f.city, nil, []uuid.UUID{f.city}, "city", "上海市", "")
	exec(org, f.xuhui, f.city, []uuid.UUID{f.city, f.xuhui}, "district", "徐汇区", "310104")
	exec(org, f.cn, f.city, []uuid.UUID{f.city, f.cn}, "district", "长宁区", "310105")
	exec(org, f.tianping, f.xuhui, []uuid.UUID{f.city, f.xuhui, f.tianping}, "street", "天平街道", "310104")
	vol := func(name, idx, district string) (person, id uuid.UUID) {
		t.Helper()
		if err := st.Pool.QueryRow(ctx, `INSERT INTO identity.person (name, id_number_masked, id_number_idx, phone_masked)
			VALUES ($1, '310***********1234', $2, '138****0000') RETURNING id`, name, []byte(idx)).Scan(&person); err != nil {
			t.Fatal(err)
		}
		if err := st.Pool.QueryRow(ctx, `INSERT INTO volunteer.volunteer (person_id, volunteer_no, political_status, service_categories, district_code)
			VALUES ($1, volunteer.next_volunteer_no(), '群众', '{社区服务}', $2) RETURNING id`, person, district).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return person, id
	}
	f.jiaPerson, f.jia = vol("张甲", "idx-jia", "310104")
	f.yiPerson, f.yi = vol("李乙", "idx-yi", "310105")
	_, f.bing = vol("王丙", "idx-bing", "")
	exec(`INSERT INTO volunteer.membership (org_id, volunteer_id, status, joined_at) VALUES ($1, $2, 'member', now())`, f.tianping, f.yi)
	exec(`INSERT INTO volunteer.membership (org_id, volunteer_id, status, source, applied_at, joined_at) VALUES ($1, $2, 'pending', 'applied', now(), NULL)`, f.cn, f.bing)
	return f
}

// scopes is a Scoper over fixed roots per person; a nil entry means all.
type scopes map[uuid.UUID][]uuid.UUID

func (s scopes) Scope(_ context.Context, p *access.Principal) (bool, []uuid.UUID, error) {
	roots, ok := s[p.PersonID]
	if !ok {
		return false, nil, fault.New(fault.PermissionDenied, "NO_ORG_SCOPE", "无数据范围")
	}
	return roots == nil, roots, nil
}

func (f *fixture) service(sc scopes) *volunteer.Service {
	return volunteer.NewWith(f.st, time.Now, volunteer.Options{
		Orgs:          sc,
		IDNumberIndex: func(n string) []byte { return []byte("idx-" + map[string]string{"310104198605121236": "jia"}[n]) },
	})
}

func TestUpdateMyProfile(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	svc := f.service(nil)
	me := &access.Principal{PersonID: f.jiaPerson, Kind: access.KindVolunteer}
	good := volunteer.ProfileUpdate{
		PoliticalStatus: "共青团员", ServiceCategories: []string{"应急救援", "社区服务"},
		Tags: []string{" 摄影 ", "急救", "摄影"}, AvailableSlots: []string{"sun_evening", "MON_morning", "sat_afternoon"},
		AvailableNote: "  工作日晚上也可以  ",
	}
	for _, tc := range []struct {
		name   string
		edit   func(u *volunteer.ProfileUpdate)
		reason string
	}{
		{"政治面貌无效", func(u *volunteer.ProfileUpdate) { u.PoliticalStatus = "无党派" }, "POLITICAL_STATUS_INVALID"},
		{"服务类别为空", func(u *volunteer.ProfileUpdate) { u.ServiceCategories = nil }, "SERVICE_CATEGORIES_REQUIRED"},
		{"服务类别无效", func(u *volunteer.ProfileUpdate) { u.ServiceCategories = []string{"跑腿"} }, "SERVICE_CATEGORY_INVALID"},
		{"标签过多", func(u *volunteer.ProfileUpdate) {
			u.Tags = []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"}
		}, "TOO_MANY_TAGS"},
		{"标签过长", func(u *volunteer.ProfileUpdate) { u.Tags = []string{"一二三四五六七八九十一二三"} }, "TAG_INVALID"},
		{"空标签", func(u *volunteer.ProfileUpdate) { u.Tags = []string{"  "} }, "TAG_INVALID"},
		{"时段无效", func(u *volunteer.ProfileUpdate) { u.AvailableSlots = []string{"mon_night"} }, "AVAILABLE_SLOT_INVALID"},
		{"时段无星期", func(u *volunteer.ProfileUpdate) { u.AvailableSlots = []string{"morning"} }, "AVAILABLE_SLOT_INVALID"},
		{"说明过长", func(u *volunteer.ProfileUpdate) { u.AvailableNote = string(make([]rune, 201)) + "x" }, "AVAILABLE_NOTE_TOO_LONG"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := good
			tc.edit(&u)
			if _, err := svc.UpdateMyProfile(t.Context(), me, u); fault.ReasonOf(err) != tc.reason {
				t.Errorf("UpdateMyProfile = %v, want %s", err, tc.reason)
			}
		})
	}
	// Bad input changed nothing.
	c, err := svc.MyProfile(t.Context(), me)
	if err != nil {
		t.Fatal(err)
	}
	if c.Profile.PoliticalStatus != "群众" || len(c.Profile.Tags) != 0 {
		t.Fatalf("profile after bad updates = %+v, want unchanged", c.Profile)
	}
	got, err := svc.UpdateMyProfile(t.Context(), me, good)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"摄影", "急救"}; !slices.Equal(got.Tags, want) {
		t.Errorf("tags = %v, want %v (trimmed, once each)", got.Tags, want)
	}
	if want := []string{"mon_morning", "sat_afternoon", "sun_evening"}; !slices.Equal(got.AvailableSlots, want) {
		t.Errorf("slots = %v, want %v (lower case, week order)", got.AvailableSlots, want)
	}
	if want := []string{"社区服务", "应急救援"}; !slices.Equal(got.ServiceCategories, want) || got.PoliticalStatus != "共青团员" || got.AvailableNote != "工作日晚上也可以" {
		t.Errorf("profile = %+v", got)
	}
	if got.PhoneMasked != "138****0000" || got.IDNumberMasked != "310***********1234" || got.Name != "张甲" {
		t.Errorf("masked fields = %q %q %q", got.Name, got.IDNumberMasked, got.PhoneMasked)
	}
	citizen := &access.Principal{PersonID: uuid.New(), Kind: access.KindCitizen}
	if _, err := svc.UpdateMyProfile(t.Context(), citizen, good); fault.ReasonOf(err) != "NOT_A_VOLUNTEER" {
		t.Errorf("citizen UpdateMyProfile = %v, want NOT_A_VOLUNTEER", err)
	}
	if _, err := svc.MyProfile(t.Context(), citizen); fault.ReasonOf(err) != "NOT_A_VOLUNTEER" {
		t.Errorf("citizen MyProfile = %v, want NOT_A_VOLUNTEER", err)
	}
}

func TestMyProfileOrgs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c, err := f.service(nil).MyProfile(t.Context(), &access.Principal{PersonID: f.yiPerson, Kind: access.KindVolunteer})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Orgs) != 1 || c.Orgs[0].OrgName != "天平街道" || c.Orgs[0].Status != "member" || c.Orgs[0].JoinedAt.IsZero() {
		t.Errorf("orgs = %+v, want 天平街道 as member", c.Orgs)
	}
	if c.Stats.ServiceSeconds != 0 || c.Stats.Ratings.Count != 0 || c.SignUps != (volunteer.Progress{}) {
		t.Errorf("stats = %+v, sign-ups = %+v, want none", c.Stats, c.SignUps)
	}
}

// TestListScope checks the back office's scope both ways: by district, by
// membership (pending applicants too), and a street's staff who see members
// only.
func TestListScope(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	super, xuhui, changning, street, nobody := uuid.New(), uuid.New(), uuid.New(), uuid.New(), uuid.New()
	svc := f.service(scopes{super: nil, xuhui: {f.xuhui}, changning: {f.cn}, street: {f.tianping}})
	staff := func(id uuid.UUID) *access.Principal { return &access.Principal{PersonID: id, Kind: access.KindStaff} }
	names := func(t *testing.T, p *access.Principal, flt volunteer.ListFilter) []string {
		t.Helper()
		rows, _, err := svc.List(t.Context(), p, flt)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rows {
			out = append(out, r.Profile.Name)
		}
		slices.Sort(out)
		return out
	}
	for _, tc := range []struct {
		name string
		who  uuid.UUID
		flt  volunteer.ListFilter
		want []string
	}{
		{"超级管理员看全部", super, volunteer.ListFilter{}, []string{"张甲", "李乙", "王丙"}},
		{"徐汇区：居住地和成员", xuhui, volunteer.ListFilter{}, []string{"张甲", "李乙"}},
		{"长宁区：居住地和申请人", changning, volunteer.ListFilter{}, []string{"李乙", "王丙"}},
		{"街道只看成员", street, volunteer.ListFilter{}, []string{"李乙"}},
		{"按姓名", super, volunteer.ListFilter{NameContains: "乙"}, []string{"李乙"}},
		{"按身份证号", super, volunteer.ListFilter{IDNumber: "310104198605121236"}, []string{"张甲"}},
		{"按身份证号超出范围", changning, volunteer.ListFilter{IDNumber: "310104198605121236"}, nil},
		{"按区", super, volunteer.ListFilter{DistrictCode: "310105"}, []string{"李乙"}},
		{"按类别", super, volunteer.ListFilter{Category: "应急救援"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := names(t, staff(tc.who), tc.flt); !slices.Equal(got, tc.want) {
				t.Errorf("List = %v, want %v", got, tc.want)
			}
		})
	}
	rows, next, err := svc.List(t.Context(), staff(super), volunteer.ListFilter{PageSize: 2})
	if err != nil || len(rows) != 2 || next == "" {
		t.Fatalf("first page = %d rows, %q, %v; want 2 and a token", len(rows), next, err)
	}
	for _, tc := range []struct {
		name   string
		p      *access.Principal
		flt    volunteer.ListFilter
		reason string
	}{
		{"身份证号格式错误", staff(super), volunteer.ListFilter{IDNumber: "123"}, "ID_NUMBER_FORMAT"},
		{"类别无效", staff(super), volunteer.ListFilter{Category: "跑腿"}, "SERVICE_CATEGORY_INVALID"},
		{"分页标记无效", staff(super), volunteer.ListFilter{PageToken: "!"}, "PAGE_TOKEN_INVALID"},
		{"非工作人员", &access.Principal{PersonID: f.jiaPerson, Kind: access.KindVolunteer}, volunteer.ListFilter{}, "NOT_STAFF"},
		{"无数据范围", staff(nobody), volunteer.ListFilter{}, "NO_ORG_SCOPE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := svc.List(t.Context(), tc.p, tc.flt); fault.ReasonOf(err) != tc.reason {
				t.Errorf("List = %v, want %s", err, tc.reason)
			}
		})
	}
}

func TestDetailScope(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	xuhui, street := uuid.New(), uuid.New()
	svc := f.service(scopes{xuhui: {f.xuhui}, street: {f.tianping}})
	staff := func(id uuid.UUID) *access.Principal { return &access.Principal{PersonID: id, Kind: access.KindStaff} }
	d, err := svc.Detail(t.Context(), staff(xuhui), f.jia, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if d.Profile.Name != "张甲" || d.Profile.DistrictCode != "310104" || len(d.Records) != 0 || len(d.Certificates) != 0 {
		t.Errorf("detail = %+v", d)
	}
	if d, err := svc.Detail(t.Context(), staff(street), f.yi, 0, ""); err != nil || len(d.Orgs) != 1 {
		t.Errorf("street staff Detail(member) = %+v, %v; want the member with one org", d.Orgs, err)
	}
	for _, tc := range []struct {
		name   string
		p      *access.Principal
		id     uuid.UUID
		reason string
	}{
		{"街道看不到居民", staff(street), f.jia, "NOT_IN_SCOPE"},
		{"徐汇区看不到长宁申请人", staff(xuhui), f.bing, "NOT_IN_SCOPE"},
		{"不存在", staff(xuhui), uuid.New(), "VOLUNTEER_NOT_FOUND"},
		{"非工作人员", &access.Principal{PersonID: f.jiaPerson, Kind: access.KindVolunteer}, f.jia, "NOT_STAFF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := svc.Detail(t.Context(), tc.p, tc.id, 0, ""); fault.ReasonOf(err) != tc.reason {
				t.Errorf("Detail = %v, want %s", err, tc.reason)
			}
		})
	}
}

func TestNormalizeSlots(t *testing.T) {
	got, err := volunteer.NormalizeSlots([]string{"sun_morning", "mon_evening", "mon_morning", "mon_evening"})
	if want := []string{"mon_morning", "mon_evening", "sun_morning"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("NormalizeSlots = %v, %v; want %v", got, err, want)
	}
}
