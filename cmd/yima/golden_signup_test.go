package main

import (
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	identityv1 "yima/rpc/gen/yima/identity/v1"
	orgv1 "yima/rpc/gen/yima/org/v1"
	projectv1 "yima/rpc/gen/yima/project/v1"
	volunteerv1 "yima/rpc/gen/yima/volunteer/v1"
)

// TestGoldenPathHiringRace builds the tree from the root through the API
// (no demo data): a district org admitted by the city's admin, a street org
// admitted by the district's leader, a project approved by the district.
// Twenty volunteers sign up for a position of five; twenty concurrent
// approvals hire exactly five and refuse the rest as POSITION_FULL. A
// rejected project takes no sign-ups.
func TestGoldenPathHiringRace(t *testing.T) {
	t.Parallel()
	s := startServerAlone(t)
	ids := newCitizens(3602)
	pool := s.pool(t)
	admin := s.staff(t, "admin")
	root := rootOrg(t, pool)

	districtFounder := s.citizen(t, ids.next(), "吴志强")
	district := districtFounder.registerOrg(t, "静安区志愿者协会", root)
	if district.Level != orgv1.OrgLevel_ORG_LEVEL_DISTRICT {
		t.Errorf("org under the root: level %v, want DISTRICT", district.Level)
	}
	admin.reviewOrg(t, district.Id, true, "")
	districtLeader := districtFounder.switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER, district.Id)

	// A volunteer may found an org too.
	streetFounder := s.citizen(t, ids.next(), "郑秀英")
	streetFounder.register(t)
	street := streetFounder.registerOrg(t, "南京西路街道志愿者服务中心", district.Id)
	_, err := streetFounder.org.ReviewOrg(t.Context(), connect.NewRequest(&orgv1.ReviewOrgRequest{OrgId: street.Id, Approve: true}))
	checkErr(t, "founder reviewing their own org", err, connect.CodePermissionDenied, "PERMISSION_DENIED")
	if o := districtLeader.reviewOrg(t, street.Id, true, ""); o.Status != orgv1.OrgStatus_ORG_STATUS_ACTIVE || o.Level != orgv1.OrgLevel_ORG_LEVEL_STREET {
		t.Errorf("street org = %v", o)
	}
	streetLeader := streetFounder.switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER, street.Id)
	// The street cannot review its parent, nor the district its own
	// project below.
	_, err = streetLeader.org.ReviewOrg(t.Context(), connect.NewRequest(&orgv1.ReviewOrgRequest{OrgId: district.Id, Approve: true}))
	checkErr(t, "child reviewing its parent", err, connect.CodePermissionDenied, "NOT_PARENT")

	start := time.Now().Add(24 * time.Hour)
	pr := streetLeader.createProject(t, projectRequest(street.Id, start, 5))
	streetLeader.submit(t, pr.Id)
	if got := districtLeader.reviewProject(t, pr.Id, true, ""); got.Status != projectv1.ProjectStatus_PROJECT_STATUS_RECRUITING {
		t.Fatalf("approved project = %v", got.Status)
	}
	// The city's admin reviews too, e.g. a project of the district itself.
	own := districtLeader.createProject(t, projectRequest(district.Id, start, 1))
	districtLeader.submit(t, own.Id)
	_, err = districtLeader.project.ReviewProject(t.Context(), connect.NewRequest(&projectv1.ReviewProjectRequest{ProjectId: own.Id, Approve: true}))
	checkErr(t, "district reviewing its own project", err, connect.CodePermissionDenied, "OWN_PROJECT")
	if got := admin.reviewProject(t, own.Id, false, "时间安排不合理"); got.Status != projectv1.ProjectStatus_PROJECT_STATUS_REJECTED || got.ReviewReason != "时间安排不合理" {
		t.Errorf("rejected project = %v", got)
	}

	const volunteers, quota = 20, 5
	vols := make([]golden, volunteers)
	var wg sync.WaitGroup
	for i := range vols {
		vols[i] = s.citizen(t, ids.next(), "志愿者")
	}
	signUps := make([]string, volunteers)
	for i, v := range vols {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := v.volunteer.Register(t.Context(), connect.NewRequest(&volunteerv1.RegisterRequest{
				PoliticalStatus: "群众", ServiceCategories: []string{"社区服务"},
			})); err != nil {
				t.Errorf("Register %d: %v", i, err)
				return
			}
			su, err := v.signUp(t.Context(), pr.Id, pr.Positions[0].Id)
			if err != nil {
				t.Errorf("SignUp %d: %v", i, err)
				return
			}
			signUps[i] = su.Id
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	t.Run("被驳回的项目不能报名", func(t *testing.T) {
		_, err := vols[0].signUp(t.Context(), own.Id, own.Positions[0].Id)
		checkErr(t, "SignUp on a rejected project", err, connect.CodeFailedPrecondition, "PROJECT_NOT_OPEN")
	})

	t.Run("并发录用不超员", func(t *testing.T) {
		errs := make([]error, volunteers)
		begin := make(chan struct{})
		for i, id := range signUps {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-begin
				_, errs[i] = streetLeader.reviewSignUp(t.Context(), id, true)
			}()
		}
		close(begin)
		wg.Wait()
		hired := 0
		for i, err := range errs {
			switch {
			case err == nil:
				hired++
			case connect.CodeOf(err) != connect.CodeFailedPrecondition || reason(err) != "POSITION_FULL":
				t.Errorf("approval %d: %v (reason %q), want success or POSITION_FULL", i, err, reason(err))
			}
		}
		if hired != quota {
			t.Errorf("%d approvals succeeded, want %d", hired, quota)
		}
		var stored int
		if err := pool.QueryRow(t.Context(), `SELECT count(*) FROM project.sign_up WHERE position_id = $1 AND status = 'hired'`, pr.Positions[0].Id).Scan(&stored); err != nil || stored != quota {
			t.Errorf("hired in the database: %d (%v), want %d", stored, err, quota)
		}
		if got := vols[0].getProject(t, pr.Id).Positions[0]; got.Hired != quota || got.Quota != quota {
			t.Errorf("GetProject position = %v, want %d of %d hired", got, quota, quota)
		}
	})
}
