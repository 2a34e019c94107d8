package card_test

import (
	"bytes"
	"context"
	"image/png"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"yima/access"
	"yima/docsign"
	"yima/fault"
	"yima/keyring"
	"yima/paging"
	"yima/sensitive"
	"yima/services/certificate/pdf"
	"yima/services/elicense"
	"yima/services/identity"
	"yima/services/identity/idnumber"
	"yima/services/volunteer"
	"yima/services/volunteer/card"
	"yima/store"
	"yima/store/migrations"
	"yima/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var schema = storetest.Schema{Name: "yima", Hash: migrations.Hash(), Migrate: migrations.Up}

// now is the fixture's clock: 6 May 2026, 10:00 in Shanghai.
var now = time.Date(2026, 5, 6, 2, 0, 0, 0, time.UTC)

// fixture is a small org tree and volunteers with sealed ID numbers, as
// the volunteer archive's tests have it:
//
//	city ─ 徐汇区 (310104) ─ 天平街道
//	     └ 长宁区 (310105)
//
// 张甲 lives in 310104 and belongs to no org; 李乙 lives in 310105 and is
// a member of 天平街道; 王丙 lives nowhere known and applied to 长宁区.
type fixture struct {
	st                        *store.Store
	box                       *sensitive.Box
	svc                       *card.Service
	volunteers                *volunteer.Service
	city, xuhui, tianping, cn uuid.UUID
	// ids are the volunteers' ID numbers, by name.
	ids map[string]string
	// vids are the volunteers' ids, by name.
	vids  map[string]uuid.UUID
	later atomic.Int64
	r     *rand.Rand
}

// scopes is a volunteer.Scoper over fixed roots per person; a nil entry
// means all.
type scopes map[uuid.UUID][]uuid.UUID

func (s scopes) Scope(_ context.Context, p *access.Principal) (bool, []uuid.UUID, error) {
	roots, ok := s[p.PersonID]
	if !ok {
		return false, nil, fault.New(fault.PermissionDenied, "NO_ORG_SCOPE", "无数据范围")
	}
	return roots == nil, roots, nil
}

func setup(t *testing.T, sc scopes) *fixture {
	t.Helper()
	st := store.New(storetest.Open(t, schema))
	keys, err := keyring.LoadOrCreateDev(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	box, err := sensitive.NewBox(keys.Data(), keys.Index())
	if err != nil {
		t.Fatal(err)
	}
	signer, err := docsign.NewSigner(keys.Sign())
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{
		st: st, box: box, city: uuid.New(), xuhui: uuid.New(), tianping: uuid.New(), cn: uuid.New(),
		ids: map[string]string{}, vids: map[string]uuid.UUID{}, r: rand.New(rand.NewPCG(5, 6)),
	}
	clock := func() time.Time { return now.Add(time.Duration(f.later.Load())) }
	f.svc, err = card.New(card.Options{
		Store: st, Box: box, Signer: signer, Renderer: pdf.New(""),
		Scope:     volunteer.NewWith(st, clock, volunteer.Options{Orgs: sc}),
		TicketKey: make([]byte, 32), VerifyBase: "https://yima.example/", Now: clock,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	f.volunteers = volunteer.NewWith(st, clock, volunteer.Options{Orgs: sc, Cards: f.svc})
	org := `INSERT INTO org.org (id, parent_id, path, level, name, status, district_code) VALUES ($1, $2, $3, $4, $5, 'active', $6)`
	f.exec(t, org, f.city, nil, []uuid.UUID{f.city}, "city", "上海市", "")
	f.exec(t, org, f.xuhui, f.city, []uuid.UUID{f.city, f.xuhui}, "district", "徐汇区", "310104")
	f.exec(t, org, f.cn, f.city, []uuid.UUID{f.city, f.cn}, "district", "长宁区", "310105")
	f.exec(t, org, f.tianping, f.xuhui, []uuid.UUID{f.city, f.xuhui, f.tianping}, "street", "天平街道", "310104")
	for _, v := range []struct {
		name, district string
		male           bool
	}{{"张甲", "310104", true}, {"李乙", "310105", false}, {"王丙", "", true}} {
		f.vids[v.name] = f.volunteer(t, v.name, v.district, v.male)
	}
	f.exec(t, `INSERT INTO volunteer.membership (org_id, volunteer_id, status, joined_at) VALUES ($1, $2, 'member', now())`, f.tianping, f.vids["李乙"])
	f.exec(t, `INSERT INTO volunteer.membership (org_id, volunteer_id, status, source, applied_at, joined_at) VALUES ($1, $2, 'pending', 'applied', now(), NULL)`, f.cn, f.vids["王丙"])
	return f
}

func (f *fixture) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	if _, err := f.st.Pool.Exec(t.Context(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// person inserts a person with a sealed ID number born in 1995.
func (f *fixture) person(t *testing.T, name string, male bool) uuid.UUID {
	t.Helper()
	id := idnumber.Generate(f.r, "310104", time.Date(1995, 9, 23, 0, 0, 0, 0, time.UTC), male)
	f.ids[name] = id
	enc, err := f.box.Seal(identity.FieldIDNumber, id)
	if err != nil {
		t.Fatal(err)
	}
	var person uuid.UUID
	if err := f.st.Pool.QueryRow(t.Context(), `INSERT INTO identity.person (name, id_number_enc, id_number_idx, id_number_masked)
		VALUES ($1, $2, $3, $4) RETURNING id`, name, enc, f.box.Index(identity.FieldIDNumber, id), sensitive.MaskIDNumber(id)).Scan(&person); err != nil {
		t.Fatal(err)
	}
	return person
}

// volunteer inserts a volunteer the way the demo does: a row, no card.
func (f *fixture) volunteer(t *testing.T, name, district string, male bool) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := f.st.Pool.QueryRow(t.Context(), `INSERT INTO volunteer.volunteer (person_id, volunteer_no, political_status, service_categories, district_code, registered_at)
		VALUES ($1, volunteer.next_volunteer_no(), '群众', '{社区服务}', $2, $3) RETURNING id`, f.person(t, name, male), district, now.Add(-48*time.Hour)).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func volunteerOf(f *fixture, t *testing.T, name string) *access.Principal {
	t.Helper()
	var person uuid.UUID
	if err := f.st.Pool.QueryRow(t.Context(), `SELECT person_id FROM volunteer.volunteer WHERE id = $1`, f.vids[name]).Scan(&person); err != nil {
		t.Fatal(err)
	}
	return &access.Principal{PersonID: person, Kind: access.KindVolunteer}
}

// TestRegisterIssuesCard: registering issues the card and enqueues its
// e-license push in the same transaction; a registration whose card
// cannot be issued leaves nothing behind.
func TestRegisterIssuesCard(t *testing.T) {
	t.Parallel()
	f := setup(t, nil)
	person := f.person(t, "赵雨桐", false)
	p := &access.Principal{PersonID: person, Kind: access.KindCitizen}
	v, err := f.volunteers.Register(t.Context(), p, "群众", []string{"社区服务"})
	if err != nil {
		t.Fatal(err)
	}
	var cards int
	if err := f.st.Pool.QueryRow(t.Context(), `SELECT count(*) FROM volunteer.card WHERE volunteer_id = $1`, v.ID).Scan(&cards); err != nil || cards != 1 {
		t.Fatalf("cards after Register = %d, %v; want 1", cards, err)
	}
	c, sync, err := f.svc.Mine(t.Context(), &access.Principal{PersonID: person, Kind: access.KindVolunteer})
	if err != nil {
		t.Fatal(err)
	}
	want := card.Card{
		VolunteerID: v.ID, VolunteerNo: v.No, Name: "赵雨桐", Gender: "女", IDNumberMasked: sensitive.MaskIDNumber(f.ids["赵雨桐"]),
		BirthDate: "1995-09-23", RegisteredOn: "2026-05-06", Issuer: card.Issuer, IssuedOn: "2026-05-06", IssuedAt: now,
	}
	got := c
	got.KeyID, got.Signature, got.CheckCode, got.VerifyURL = 0, nil, "", ""
	got.IssuedAt = got.IssuedAt.UTC()
	if !got.IssuedAt.Equal(want.IssuedAt) {
		t.Errorf("issued at %v, want %v", got.IssuedAt, want.IssuedAt)
	}
	got.IssuedAt = want.IssuedAt
	if !reflect.DeepEqual(got, want) {
		t.Errorf("card = %+v\nwant %+v", got, want)
	}
	if c.VerifyURL != "https://yima.example/verify/card/"+v.No+"?s="+c.CheckCode || len(c.CheckCode) != 16 {
		t.Errorf("verify URL %q, check code %q", c.VerifyURL, c.CheckCode)
	}
	if sync.State != elicense.Pending {
		t.Errorf("e-license sync = %+v, want pending", sync)
	}
	// Without an ID number there is no card, and so no registration.
	bare := uuid.New()
	f.exec(t, `INSERT INTO identity.person (id, name, id_number_masked) VALUES ($1, '无证件', '')`, bare)
	_, err = f.volunteers.Register(t.Context(), &access.Principal{PersonID: bare, Kind: access.KindCitizen}, "群众", []string{"社区服务"})
	if fault.ReasonOf(err) != "ID_NUMBER_MISSING" {
		t.Fatalf("Register without an ID number = %v, want ID_NUMBER_MISSING", err)
	}
	var volunteers int
	if err := f.st.Pool.QueryRow(t.Context(), `SELECT count(*) FROM volunteer.volunteer WHERE person_id = $1`, bare).Scan(&volunteers); err != nil || volunteers != 0 {
		t.Errorf("volunteers after the failed Register = %d, %v; want 0", volunteers, err)
	}
}

// TestBackfill: volunteers written without a card (the demo's) get one
// each, enqueued for the e-license library; a second run issues none, and
// volunteers without an ID number, or with one that does not open, are
// passed over.
func TestBackfill(t *testing.T) {
	t.Parallel()
	f := setup(t, nil)
	bare := uuid.New()
	f.exec(t, `INSERT INTO identity.person (id, name, id_number_masked) VALUES ($1, '无证件', '')`, bare)
	f.exec(t, `INSERT INTO volunteer.volunteer (person_id, volunteer_no) VALUES ($1, volunteer.next_volunteer_no())`, bare)
	// A sealed number that does not open is passed over, not a stop.
	broken := uuid.New()
	f.exec(t, `INSERT INTO identity.person (id, name, id_number_enc, id_number_masked) VALUES ($1, '坏数据', '\x00', '')`, broken)
	f.exec(t, `INSERT INTO volunteer.volunteer (person_id, volunteer_no) VALUES ($1, volunteer.next_volunteer_no())`, broken)
	n, err := f.svc.Backfill(t.Context())
	if err != nil || n != 3 {
		t.Fatalf("Backfill = %d, %v; want 3", n, err)
	}
	if n, err := f.svc.Backfill(t.Context()); err != nil || n != 0 {
		t.Errorf("second Backfill = %d, %v; want 0", n, err)
	}
	var queued int
	if err := f.st.Pool.QueryRow(t.Context(), `SELECT count(*) FROM elicense.submission WHERE state = 'pending'`).Scan(&queued); err != nil || queued != 3 {
		t.Errorf("e-license submissions = %d, %v; want 3", queued, err)
	}
	c, _, err := f.svc.Mine(t.Context(), volunteerOf(f, t, "张甲"))
	if err != nil || c.Gender != "男" || c.RegisteredOn != "2026-05-04" {
		t.Errorf("backfilled card = %+v, %v", c, err)
	}
	l, err := f.svc.Card(t.Context(), f.vids["李乙"])
	if err != nil {
		t.Fatal(err)
	}
	if l.IDNumber != f.ids["李乙"] || l.Gender != "女" || l.Issuer != card.Issuer || len(l.Payload) == 0 || len(l.Signature) == 0 || l.KeyID == "" {
		t.Errorf("license = %+v", l)
	}
	if _, err := f.svc.Card(t.Context(), bare); !store.IsNotFound(err) {
		t.Errorf("license of a volunteer without a card = %v, want not found", err)
	}
}

// TestMineIssuesLazily: a volunteer the backfill has not reached gets the
// card when they first open it.
func TestMineIssuesLazily(t *testing.T) {
	t.Parallel()
	f := setup(t, nil)
	first, _, err := f.svc.Mine(t.Context(), volunteerOf(f, t, "王丙"))
	if err != nil {
		t.Fatal(err)
	}
	f.later.Store(int64(24 * time.Hour))
	again, _, err := f.svc.Mine(t.Context(), volunteerOf(f, t, "王丙"))
	if err != nil || again.IssuedOn != first.IssuedOn || !bytes.Equal(again.Signature, first.Signature) {
		t.Errorf("second Mine = %+v, %v; want the card issued first", again, err)
	}
	citizen := &access.Principal{PersonID: uuid.New(), Kind: access.KindCitizen}
	if _, _, err := f.svc.Mine(t.Context(), citizen); fault.ReasonOf(err) != "NOT_A_VOLUNTEER" {
		t.Errorf("citizen Mine = %v, want NOT_A_VOLUNTEER", err)
	}
}

// TestVerify: a card verifies with its check code; a changed stored field
// fails the signature; a wrong code or number is not found.
func TestVerify(t *testing.T) {
	t.Parallel()
	f := setup(t, nil)
	if _, err := f.svc.Backfill(t.Context()); err != nil {
		t.Fatal(err)
	}
	mine := func(name string) card.Card {
		c, _, err := f.svc.Mine(t.Context(), volunteerOf(f, t, name))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	good := mine("张甲")
	v, err := f.svc.Verify(t.Context(), strings.ToLower(good.VolunteerNo), strings.ToUpper(good.CheckCode))
	if err != nil || !v.Valid || v.Card == nil || v.Card.Name != "张*" || v.Card.VolunteerNo != good.VolunteerNo {
		t.Fatalf("Verify = %+v, %v; want valid, name masked", v, err)
	}
	for _, tc := range []struct {
		name, sql, reason string
	}{
		{"改姓名", `UPDATE volunteer.card SET name = '张某' WHERE volunteer_id = $1`, "SIGNATURE_INVALID"},
		{"改性别", `UPDATE volunteer.card SET gender = '女' WHERE volunteer_id = $1`, "SIGNATURE_INVALID"},
		{"改出生日期", `UPDATE volunteer.card SET birth_date = birth_date + 1 WHERE volunteer_id = $1`, "SIGNATURE_INVALID"},
		{"改注册日期", `UPDATE volunteer.card SET registered_on = registered_on - 1 WHERE volunteer_id = $1`, "SIGNATURE_INVALID"},
		{"改发证机构", `UPDATE volunteer.card SET issuer = '某协会' WHERE volunteer_id = $1`, "SIGNATURE_INVALID"},
		{"换身份证号", `UPDATE volunteer.card c SET id_number_enc = o.id_number_enc FROM volunteer.card o
			WHERE c.volunteer_id = $1 AND o.volunteer_id <> $1`, "SIGNATURE_INVALID"},
		{"改签名数据", `UPDATE volunteer.card SET payload = payload || '\x00'::bytea WHERE volunteer_id = $1`, "SIGNATURE_INVALID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Each change is made to a card of its own.
			f.vids[tc.name] = f.volunteer(t, "张"+tc.name, "", true)
			orig := mine(tc.name)
			if v, err := f.svc.Verify(t.Context(), orig.VolunteerNo, orig.CheckCode); err != nil || !v.Valid {
				t.Fatalf("before the change Verify = %+v, %v", v, err)
			}
			f.exec(t, tc.sql, orig.VolunteerID)
			v, err := f.svc.Verify(t.Context(), orig.VolunteerNo, orig.CheckCode)
			if err != nil || v.Valid || v.Reason != tc.reason || v.Card == nil {
				t.Errorf("Verify after the change = %+v, %v; want %s", v, err, tc.reason)
			}
		})
	}
	other := mine("李乙")
	for _, tc := range []struct{ name, number, code string }{
		{"校验码不符", other.VolunteerNo, good.CheckCode},
		{"编号不存在", "SH9999999999", good.CheckCode},
		{"校验码过短", other.VolunteerNo, other.CheckCode[:8]},
		{"空", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := f.svc.Verify(t.Context(), tc.number, tc.code)
			if err != nil || v.Valid || v.Reason != "CARD_NOT_FOUND" || v.Card != nil {
				t.Errorf("Verify = %+v, %v; want CARD_NOT_FOUND", v, err)
			}
		})
	}
}

// TestListScope: the archive of cards covers exactly the volunteers the
// volunteer archive lists for the same staff.
func TestListScope(t *testing.T) {
	t.Parallel()
	super, xuhui, changning, street, nobody := uuid.New(), uuid.New(), uuid.New(), uuid.New(), uuid.New()
	sc := scopes{}
	f := setup(t, sc)
	sc[super], sc[xuhui], sc[changning], sc[street] = nil, []uuid.UUID{f.xuhui}, []uuid.UUID{f.cn}, []uuid.UUID{f.tianping}
	if _, err := f.svc.Backfill(t.Context()); err != nil {
		t.Fatal(err)
	}
	staff := func(id uuid.UUID) *access.Principal { return &access.Principal{PersonID: id, Kind: access.KindStaff} }
	names := func(t *testing.T, p *access.Principal, flt card.ListFilter) []string {
		t.Helper()
		flt.Page = paging.Page{Limit: 50}
		rows, _, err := f.svc.List(t.Context(), p, flt)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rows {
			out = append(out, r.Name)
			if r.Sync.State != elicense.Pending || len(r.CheckCode) != 16 {
				t.Errorf("row %s: sync %+v, check code %q", r.Name, r.Sync, r.CheckCode)
			}
		}
		slices.Sort(out)
		return out
	}
	archive := func(t *testing.T, p *access.Principal) []string {
		t.Helper()
		rows, _, err := f.volunteers.List(t.Context(), p, volunteer.ListFilter{})
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
		want []string
	}{
		{"超级管理员看全部", super, []string{"张甲", "李乙", "王丙"}},
		{"徐汇区：居住地和成员", xuhui, []string{"张甲", "李乙"}},
		{"长宁区：居住地和申请人", changning, []string{"李乙", "王丙"}},
		{"街道只看成员", street, []string{"李乙"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := names(t, staff(tc.who), card.ListFilter{})
			if !slices.Equal(got, tc.want) {
				t.Errorf("List = %v, want %v", got, tc.want)
			}
			if a := archive(t, staff(tc.who)); !slices.Equal(got, a) {
				t.Errorf("List = %v, the volunteer archive lists %v", got, a)
			}
		})
	}
	zhang, _, err := f.svc.Mine(t.Context(), volunteerOf(f, t, "张甲"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		flt  card.ListFilter
		want []string
	}{
		{"按姓名", card.ListFilter{NameContains: "乙"}, []string{"李乙"}},
		{"按编号", card.ListFilter{VolunteerNo: strings.ToLower(zhang.VolunteerNo)}, []string{"张甲"}},
		{"按编号前缀", card.ListFilter{VolunteerNo: "SH"}, []string{"张甲", "李乙", "王丙"}},
		{"按区", card.ListFilter{DistrictCode: "310105"}, []string{"李乙"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := names(t, staff(super), tc.flt); !slices.Equal(got, tc.want) {
				t.Errorf("List = %v, want %v", got, tc.want)
			}
		})
	}
	rows, next, err := f.svc.List(t.Context(), staff(super), card.ListFilter{Page: paging.Page{Limit: 2}})
	if err != nil || len(rows) != 2 || next == "" {
		t.Errorf("first page = %d rows, %q, %v; want 2 and a token", len(rows), next, err)
	}
	for _, tc := range []struct {
		name   string
		p      *access.Principal
		flt    card.ListFilter
		reason string
	}{
		{"编号过长", staff(super), card.ListFilter{VolunteerNo: "SH00000000001"}, "VOLUNTEER_NO_INVALID"},
		{"非工作人员", volunteerOf(f, t, "张甲"), card.ListFilter{}, "NOT_STAFF"},
		{"无数据范围", staff(nobody), card.ListFilter{}, "NO_ORG_SCOPE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := f.svc.List(t.Context(), tc.p, tc.flt); fault.ReasonOf(err) != tc.reason {
				t.Errorf("List = %v, want %s", err, tc.reason)
			}
		})
	}
}

// fontOrSkip skips a render test where the CJK font is not installed
// (CI must have it).
func fontOrSkip(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(pdf.DefaultFont); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("card font missing: %v (apt-get install fonts-droid-fallback)", err)
		}
		t.Skipf("card font missing: %v", err)
	}
}

// utf16 is s as UTF-16BE, as PDF metadata holds text.
func utf16(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r>>8), byte(r))
	}
	return b
}

// TestDownloads renders the card through its links: a PNG of the card's
// size and a PDF with the number, each ticket opening its own file only.
func TestDownloads(t *testing.T) {
	t.Parallel()
	fontOrSkip(t)
	f := setup(t, nil)
	me := volunteerOf(f, t, "李乙")
	pngURL, pdfURL, exp, err := f.svc.Links(t.Context(), me)
	if err != nil {
		t.Fatal(err)
	}
	if !exp.Equal(now.Add(card.TicketTTL)) {
		t.Errorf("links expire %v, want %v", exp, now.Add(card.TicketTTL))
	}
	ticket := func(url string) string { _, t, _ := strings.Cut(url, "?ticket="); return t }
	vid := f.vids["李乙"]
	if !strings.HasPrefix(pngURL, card.DownloadPath+vid.String()+".png?ticket=") || !strings.HasPrefix(pdfURL, card.DownloadPath+vid.String()+".pdf?ticket=") {
		t.Fatalf("links %s, %s", pngURL, pdfURL)
	}
	img, c, err := f.svc.RenderByTicket(t.Context(), vid, card.PNG, ticket(pngURL))
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := png.Decode(bytes.NewReader(img))
	if err != nil {
		t.Fatalf("decode PNG: %v", err)
	}
	if b := decoded.Bounds(); b.Dx() != card.PNGWidth || b.Dy() != card.PNGHeight {
		t.Errorf("PNG is %v, want %dx%d", b, card.PNGWidth, card.PNGHeight)
	}
	doc, _, err := f.svc.RenderByTicket(t.Context(), vid, card.PDF, ticket(pdfURL))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(doc, []byte("%PDF-")) || !bytes.Contains(doc, utf16(c.VolunteerNo)) || !bytes.Contains(doc, []byte("/Subtype /Image")) {
		t.Errorf("PDF starts %q, or lacks the number %s or the QR code", doc[:min(len(doc), 8)], c.VolunteerNo)
	}
	if own, _, err := f.svc.Render(t.Context(), me, vid, card.PNG); err != nil || !bytes.Equal(own, img) {
		t.Errorf("Render of one's own card = %d bytes, %v; want the ticket's PNG", len(own), err)
	}
	expired := func() error {
		f.later.Store(int64(card.TicketTTL))
		defer f.later.Store(0)
		_, _, err := f.svc.RenderByTicket(t.Context(), vid, card.PNG, ticket(pngURL))
		return err
	}
	for _, tc := range []struct {
		name   string
		check  func() error
		reason string
	}{
		{"图片的票据不能下载PDF", func() error {
			_, _, err := f.svc.RenderByTicket(t.Context(), vid, card.PDF, ticket(pngURL))
			return err
		}, "TICKET_INVALID"},
		{"其他志愿者", func() error {
			_, _, err := f.svc.RenderByTicket(t.Context(), f.vids["张甲"], card.PNG, ticket(pngURL))
			return err
		}, "TICKET_INVALID"},
		{"过期", expired, "TICKET_EXPIRED"},
		{"别人的证", func() error { _, _, err := f.svc.Render(t.Context(), me, f.vids["张甲"], card.PNG); return err }, "CARD_NOT_YOURS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := fault.ReasonOf(tc.check()); got != tc.reason {
				t.Errorf("reason = %q, want %q", got, tc.reason)
			}
		})
	}
}

// The card service opens persons' ID numbers under the field name
// identity seals them with.
func TestPersonIDField(t *testing.T) {
	if got := card.PersonIDField; got != identity.FieldIDNumber {
		t.Errorf("person ID field = %q, want identity's %q", got, identity.FieldIDNumber)
	}
}
