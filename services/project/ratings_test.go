package project_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"yima/access"
	"yima/catalog"
	"yima/fault"
	"yima/paging"
	"yima/services/project"
)

// volunteerID returns the volunteer row of a volunteer principal.
func (f *fixture) volunteerID(t *testing.T, p *access.Principal) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := f.st.Pool.QueryRow(t.Context(), `SELECT id FROM volunteer.volunteer WHERE person_id = $1`, p.PersonID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// signUp inserts a sign-up of volunteer v on position in status.
func (f *fixture) signUp(t *testing.T, projectID, position, v uuid.UUID, status project.SignUpStatus) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := f.st.Pool.QueryRow(t.Context(), `INSERT INTO project.sign_up (project_id, position_id, volunteer_id, status, created_at)
		VALUES ($1, $2, $3, $4, clock_timestamp()) RETURNING id`, projectID, position, v, string(status)).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// record inserts a closed session and its service record of seconds,
// started daysAgo days before now.
func (f *fixture) record(t *testing.T, projectID, position, v uuid.UUID, daysAgo, seconds int) {
	t.Helper()
	session := uuid.New()
	start := f.now.Add(-time.Duration(daysAgo) * 24 * time.Hour)
	end := start.Add(time.Duration(seconds) * time.Second)
	if _, err := f.st.Pool.Exec(t.Context(), `INSERT INTO checkin.session (id, project_id, position_id, volunteer_id, started_at, ended_at, duration_seconds, status, closed_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 'closed', 'scan')`, session, projectID, position, v, start, end, seconds); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Pool.Exec(t.Context(), `INSERT INTO record.service_record (volunteer_id, project_id, position_id, session_id, started_at, ended_at, duration_seconds)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, v, projectID, position, session, start, end, seconds); err != nil {
		t.Fatal(err)
	}
}

func manyIDs(n int) []uuid.UUID {
	out := make([]uuid.UUID, n)
	for i := range out {
		out[i] = uuid.New()
	}
	return out
}

// leaderOf returns a leader principal of org, a person of the database.
func (f *fixture) leaderOf(t *testing.T, org uuid.UUID) *access.Principal {
	t.Helper()
	return &access.Principal{PersonID: f.person(t), AccountID: uuid.New(), Kind: access.KindOrgLeader, OrgID: org}
}

func TestRecruitWindow(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	start := f.now.Add(48 * time.Hour)
	window := func(t *testing.T, recruitStart, recruitEnd *time.Time) (uuid.UUID, uuid.UUID) {
		t.Helper()
		id, position := f.project(t, project.StatusRecruiting, start, 5)
		if _, err := f.st.Pool.Exec(t.Context(), `UPDATE project.project SET recruit_start = $2, recruit_end = $3 WHERE id = $1`,
			id, recruitStart, recruitEnd); err != nil {
			t.Fatal(err)
		}
		return id, position
	}
	at := func(d time.Duration) *time.Time { x := f.now.Add(d); return &x }
	for _, tc := range []struct {
		name                     string
		recruitStart, recruitEnd *time.Time
		wantReason               string
		wantStage                project.Stage
	}{
		{"未设招募时间", nil, nil, "", project.StageRecruiting},
		{"招募中", at(-time.Hour), at(time.Hour), "", project.StageRecruiting},
		{"只设开始且已开始", at(-time.Hour), nil, "", project.StageRecruiting},
		{"尚未开始招募", at(time.Hour), nil, "RECRUIT_NOT_STARTED", project.StageToRecruit},
		{"招募开始时刻", at(0), nil, "", project.StageRecruiting},
		{"招募已截止", at(-2 * time.Hour), at(-time.Hour), "RECRUIT_ENDED", project.StageRecruiting},
		{"截止时刻", nil, at(0), "RECRUIT_ENDED", project.StageRecruiting},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, position := window(t, tc.recruitStart, tc.recruitEnd)
			_, err := f.svc.SignUp(t.Context(), f.volunteer(t), id, position)
			if got := fault.ReasonOf(err); got != tc.wantReason || (tc.wantReason == "" && err != nil) {
				t.Errorf("SignUp = %v, want reason %q", err, tc.wantReason)
			}
			if tc.wantReason != "" && fault.KindOf(err) != fault.FailedPrecondition {
				t.Errorf("SignUp error kind = %v, want failed_precondition", fault.KindOf(err))
			}
			pr, err := f.svc.Get(t.Context(), id)
			if err != nil || pr.Stage != tc.wantStage {
				t.Errorf("Get stage = %q, %v; want %q", pr.Stage, err, tc.wantStage)
			}
			// The org enrolls whatever the window says.
			v := f.volunteer(t)
			if _, err := f.svc.Enroll(t.Context(), f.leaderOf(t, f.org), id, position, f.volunteerID(t, v)); err != nil {
				t.Errorf("Enroll outside the window = %v, want success", err)
			}
		})
	}
	t.Run("驳回、撤回、已结项的项目不能报名", func(t *testing.T) {
		for _, st := range []project.Status{project.StatusRejected, project.StatusWithdrawn, project.StatusClosed, project.StatusDraft, project.StatusPendingReview} {
			id, position := f.project(t, st, start, 5)
			if _, err := f.svc.SignUp(t.Context(), f.volunteer(t), id, position); fault.ReasonOf(err) != "PROJECT_NOT_OPEN" {
				t.Errorf("SignUp on a %s project = %v, want PROJECT_NOT_OPEN", st, err)
			}
		}
	})
}

func TestDraftRecruitWindowTagsAndSkills(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	leader := f.leaderOf(t, f.org)
	if _, err := f.st.Pool.Exec(t.Context(), `UPDATE org.org SET district_code = '310104' WHERE id = $1`, f.org); err != nil {
		t.Fatal(err)
	}
	start := f.now.Add(72 * time.Hour)
	draft := func(mod func(*project.Draft)) project.Draft {
		d := project.Draft{
			OrgID: f.org, Title: "社区清洁", StartTime: start, EndTime: start.Add(3 * time.Hour),
			Location:  &catalog.Location{Lat: 31.19, Lng: 121.43},
			Positions: []project.PositionDraft{{Name: "清洁员", Quota: 3}},
		}
		mod(&d)
		return d
	}
	for _, tc := range []struct {
		name       string
		mod        func(*project.Draft)
		wantReason string
	}{
		{"招募窗口", func(d *project.Draft) { d.RecruitStart, d.RecruitEnd = f.now, start }, ""},
		{"招募开始晚于结束", func(d *project.Draft) { d.RecruitStart = start.Add(4 * time.Hour) }, "RECRUIT_START_AFTER_END"},
		{"截止早于开始", func(d *project.Draft) { d.RecruitStart, d.RecruitEnd = start, start.Add(-time.Hour) }, "RECRUIT_END_BEFORE_START"},
		{"截止晚于项目结束", func(d *project.Draft) { d.RecruitEnd = start.Add(4 * time.Hour) }, "RECRUIT_END_AFTER_END"},
		{"标签去重", func(d *project.Draft) { d.Tags = []string{" 环保 ", "环保", "", "周末"} }, ""},
		{"标签过长", func(d *project.Draft) { d.Tags = []string{strings.Repeat("长", 21)} }, "TAG_TOO_LONG"},
		{"标签过多", func(d *project.Draft) { d.Tags = strings.Split("a,b,c,d,e,f,g,h,i,j,k", ",") }, "TOO_MANY_TAGS"},
		{"岗位技能", func(d *project.Draft) { d.Positions[0].Skills = []string{" 急救 ", "急救", "手语"} }, ""},
		{"技能过长", func(d *project.Draft) { d.Positions[0].Skills = []string{strings.Repeat("长", 21)} }, "SKILL_TOO_LONG"},
		{"技能过多", func(d *project.Draft) { d.Positions[0].Skills = strings.Split("a,b,c,d,e,f,g,h,i,j,k", ",") }, "TOO_MANY_SKILLS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := draft(tc.mod)
			pr, err := f.svc.Create(t.Context(), leader, d)
			if got := fault.ReasonOf(err); got != tc.wantReason || (tc.wantReason == "" && err != nil) {
				t.Fatalf("Create = %v, want reason %q", err, tc.wantReason)
			}
			if err != nil {
				if fault.KindOf(err) != fault.Invalid {
					t.Errorf("kind = %v, want invalid", fault.KindOf(err))
				}
				return
			}
			if !pr.RecruitStart.Equal(d.RecruitStart) || !pr.RecruitEnd.Equal(d.RecruitEnd) {
				t.Errorf("window = %v–%v, want %v–%v", pr.RecruitStart, pr.RecruitEnd, d.RecruitStart, d.RecruitEnd)
			}
			if len(d.Tags) > 0 && !slices.Equal(pr.Tags, []string{"环保", "周末"}) {
				t.Errorf("tags = %q", pr.Tags)
			}
			if len(d.Positions[0].Skills) > 0 && !slices.Equal(pr.Positions[0].Skills, []string{"急救", "手语"}) {
				t.Errorf("skills = %q", pr.Positions[0].Skills)
			}
		})
	}
}

func TestRate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	parentPath := f.orgPath(t, f.org)
	street := f.subOrg(t, parentPath, "某街道")
	closed := f.projectOf(t, street, "已结项目", project.StatusClosed, f.now.Add(-72*time.Hour))
	running := f.projectOf(t, street, "进行中项目", project.StatusRunning, f.now.Add(-time.Hour))
	var position, runningPos uuid.UUID
	if err := f.st.Pool.QueryRow(t.Context(), `SELECT id FROM project.position WHERE project_id = $1`, closed).Scan(&position); err != nil {
		t.Fatal(err)
	}
	if err := f.st.Pool.QueryRow(t.Context(), `SELECT id FROM project.position WHERE project_id = $1`, running).Scan(&runningPos); err != nil {
		t.Fatal(err)
	}
	vols := make([]uuid.UUID, 4)
	principals := make([]*access.Principal, 4)
	for i := range vols {
		principals[i] = f.volunteer(t)
		vols[i] = f.volunteerID(t, principals[i])
	}
	a, b, pending, stranger := vols[0], vols[1], vols[2], vols[3]
	f.signUp(t, closed, position, a, project.SignUpHired)
	f.signUp(t, closed, position, b, project.SignUpHired)
	f.signUp(t, closed, position, pending, project.SignUpPending)
	f.signUp(t, running, runningPos, a, project.SignUpHired)
	leader := f.leaderOf(t, street)
	good := project.Scores{Punctuality: 5, Attitude: 4, Skill: 3, Comment: " 认真负责 "}

	for _, tc := range []struct {
		name       string
		caller     *access.Principal
		project    uuid.UUID
		vols       []uuid.UUID
		scores     project.Scores
		wantReason string
	}{
		{"未选志愿者", leader, closed, nil, good, "VOLUNTEERS_REQUIRED"},
		{"评分过低", leader, closed, []uuid.UUID{a}, project.Scores{Punctuality: 0, Attitude: 4, Skill: 3}, "SCORE_INVALID"},
		{"评分过高", leader, closed, []uuid.UUID{a}, project.Scores{Punctuality: 5, Attitude: 6, Skill: 3}, "SCORE_INVALID"},
		{"评语过长", leader, closed, []uuid.UUID{a}, project.Scores{Punctuality: 5, Attitude: 5, Skill: 5, Comment: strings.Repeat("好", 201)}, "COMMENT_TOO_LONG"},
		{"人数过多", leader, closed, manyIDs(project.MaxRateBatch + 1), good, "TOO_MANY_VOLUNTEERS"},
		{"未结项", leader, running, []uuid.UUID{a}, good, "PROJECT_NOT_CLOSED"},
		{"上级组织不能评价", f.leaderOf(t, f.org), closed, []uuid.UUID{a}, good, "NOT_ORG_MEMBER"},
		{"其他组织不能评价", f.leaderOf(t, uuid.New()), closed, []uuid.UUID{a}, good, "NOT_ORG_MEMBER"},
		{"志愿者不能评价", principals[1], closed, []uuid.UUID{a}, good, "NOT_ORG_MEMBER"},
		{"项目不存在", leader, uuid.New(), []uuid.UUID{a}, good, "PROJECT_NOT_FOUND"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.Rate(t.Context(), tc.caller, tc.project, tc.vols, tc.scores)
			if fault.ReasonOf(err) != tc.wantReason {
				t.Errorf("Rate = %v, want %s", err, tc.wantReason)
			}
		})
	}

	t.Run("逐一评价", func(t *testing.T) {
		got, err := f.svc.Rate(t.Context(), leader, closed, []uuid.UUID{a}, good)
		if err != nil || len(got) != 1 || got[0].VolunteerID != a || got[0].Punctuality != 5 || got[0].Comment != "认真负责" {
			t.Fatalf("Rate = %v, %v", got, err)
		}
	})
	var firstCreated time.Time
	if err := f.st.Pool.QueryRow(t.Context(), `SELECT created_at FROM project.rating WHERE project_id = $1 AND volunteer_id = $2`, closed, a).Scan(&firstCreated); err != nil {
		t.Fatal(err)
	}
	t.Run("批量评价有未录用者则全部不评", func(t *testing.T) {
		_, err := f.svc.Rate(t.Context(), leader, closed, []uuid.UUID{b, pending, stranger, a}, project.Scores{Punctuality: 1, Attitude: 1, Skill: 1})
		fe, ok := fault.As(err)
		if !ok || fe.Reason != "NOT_HIRED" || fe.Kind != fault.Invalid {
			t.Fatalf("Rate = %v, want invalid NOT_HIRED", err)
		}
		if want := pending.String() + "," + stranger.String(); fe.Metadata["volunteer_ids"] != want {
			t.Errorf("volunteer_ids = %q, want %q", fe.Metadata["volunteer_ids"], want)
		}
		var n int
		var punct int
		if err := f.st.Pool.QueryRow(t.Context(), `SELECT count(*), max(punctuality) FROM project.rating WHERE project_id = $1`, closed).Scan(&n, &punct); err != nil {
			t.Fatal(err)
		}
		if n != 1 || punct != 5 {
			t.Errorf("after a refused batch: %d ratings, punctuality %d; want the one earlier rating, 5", n, punct)
		}
	})
	t.Run("批量评价并覆盖旧评价", func(t *testing.T) {
		f.now = f.now.Add(time.Hour)
		got, err := f.svc.Rate(t.Context(), leader, closed, []uuid.UUID{b, a, b}, project.Scores{Punctuality: 3, Attitude: 3, Skill: 4})
		if err != nil || len(got) != 2 || got[0].VolunteerID != b || got[1].VolunteerID != a {
			t.Fatalf("Rate = %v, %v; want b then a", got, err)
		}
		for _, r := range got {
			if r.Punctuality != 3 || r.Skill != 4 || r.Comment != "" || !r.UpdatedAt.Equal(f.now) {
				t.Errorf("rating = %+v", r)
			}
		}
		var created time.Time
		if err := f.st.Pool.QueryRow(t.Context(), `SELECT created_at FROM project.rating WHERE project_id = $1 AND volunteer_id = $2`, closed, a).Scan(&created); err != nil {
			t.Fatal(err)
		}
		if !created.Equal(firstCreated) {
			t.Errorf("created_at moved from %v to %v on re-rating", firstCreated, created)
		}
	})

	t.Run("平均分", func(t *testing.T) {
		// a: 3/3/4 here and 5/5/2 on a second closed project.
		other := f.projectOf(t, street, "另一个已结项目", project.StatusClosed, f.now.Add(-96*time.Hour))
		var otherPos uuid.UUID
		if err := f.st.Pool.QueryRow(t.Context(), `SELECT id FROM project.position WHERE project_id = $1`, other).Scan(&otherPos); err != nil {
			t.Fatal(err)
		}
		f.signUp(t, other, otherPos, a, project.SignUpHired)
		f.now = f.now.Add(time.Hour)
		if _, err := f.svc.Rate(t.Context(), leader, other, []uuid.UUID{a}, project.Scores{Punctuality: 5, Attitude: 5, Skill: 2}); err != nil {
			t.Fatal(err)
		}
		sum, ratings, next, err := f.svc.VolunteerRatings(t.Context(), principals[0], uuid.Nil, paging.Page{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if want := (project.RatingSummary{VolunteerID: a, Count: 2, Punctuality: 4, Attitude: 4, Skill: 3}); sum != want {
			t.Errorf("summary = %+v, want %+v", sum, want)
		}
		if len(ratings) != 1 || ratings[0].ProjectTitle != "另一个已结项目" || next == "" {
			t.Errorf("first page = %+v, next %q", ratings, next)
		}
		none, _, _, err := f.svc.VolunteerRatings(t.Context(), principals[3], uuid.Nil, paging.Page{Limit: 10})
		if err != nil || none.Count != 0 || none.Punctuality != 0 {
			t.Errorf("unrated summary = %+v, %v", none, err)
		}
	})

	t.Run("谁能看评价", func(t *testing.T) {
		other := f.subOrg(t, parentPath, "另一街道")
		for _, tc := range []struct {
			name       string
			caller     *access.Principal
			volunteer  uuid.UUID
			wantReason string
		}{
			{"本人", principals[0], a, ""},
			{"其他志愿者", principals[1], a, "NOT_IN_SCOPE"},
			{"服务过的组织", leader, a, ""},
			{"服务过的组织的上级", f.leaderOf(t, f.org), a, ""},
			{"无关组织", f.leaderOf(t, other), a, "NOT_IN_SCOPE"},
			{"仅报名未录用", leader, pending, "NOT_IN_SCOPE"},
			{"志愿者不存在", leader, uuid.New(), "VOLUNTEER_NOT_FOUND"},
			{"市民", &access.Principal{PersonID: uuid.New(), Kind: access.KindCitizen}, uuid.Nil, "NOT_A_VOLUNTEER"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, _, _, err := f.svc.VolunteerRatings(t.Context(), tc.caller, tc.volunteer, paging.Page{Limit: 10})
				if got := fault.ReasonOf(err); got != tc.wantReason || (tc.wantReason == "" && err != nil) {
					t.Errorf("VolunteerRatings = %v, want reason %q", err, tc.wantReason)
				}
			})
		}
	})

	t.Run("名单与时长", func(t *testing.T) {
		f.record(t, closed, position, a, 3, 7200)
		f.record(t, closed, position, a, 4, 1800)
		f.record(t, running, runningPos, a, 5, 600) // another project: not counted
		lines, next, err := f.svc.RosterWithHours(t.Context(), f.leaderOf(t, f.org), closed, paging.Page{Limit: 10})
		if err != nil || next != "" || len(lines) != 2 {
			t.Fatalf("RosterWithHours = %+v, %q, %v; want a and b", lines, next, err)
		}
		byVol := map[uuid.UUID]project.RosterLine{}
		for _, l := range lines {
			byVol[l.VolunteerID] = l
		}
		if l := byVol[a]; l.Service != 9000*time.Second || l.Sessions != 2 || l.Rating == nil || l.Rating.Skill != 4 || l.VolunteerNameMasked != "测*" {
			t.Errorf("a's line = %+v", l)
		}
		if l := byVol[b]; l.Service != 0 || l.Sessions != 0 || l.Rating == nil {
			t.Errorf("b's line = %+v", l)
		}
		if _, _, err := f.svc.RosterWithHours(t.Context(), f.leaderOf(t, uuid.New()), closed, paging.Page{Limit: 10}); fault.ReasonOf(err) != "NOT_ORG_MEMBER" {
			t.Errorf("stranger RosterWithHours = %v, want NOT_ORG_MEMBER", err)
		}
	})
}
