package project_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"yima/fault"
	"yima/services/project"
)

// TestCancelSignUp: a volunteer withdraws their own pending or hired
// sign-up before the project starts, which frees a hired place; others'
// sign-ups, decided ones and started projects refuse.
func TestCancelSignUp(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	id, position := f.project(t, project.StatusRecruiting, f.now.Add(48*time.Hour), 1)
	started, startedPos := f.project(t, project.StatusRunning, f.now.Add(-time.Hour), 5)

	for _, tc := range []struct {
		name       string
		project    uuid.UUID
		position   uuid.UUID
		status     project.SignUpStatus
		other      bool // cancelled by another volunteer
		wantReason string
	}{
		{name: "待审核可取消", project: id, position: position, status: project.SignUpPending},
		{name: "已录用可取消并让出名额", project: id, position: position, status: project.SignUpHired},
		{name: "已驳回不能取消", project: id, position: position, status: project.SignUpRejected, wantReason: "SIGN_UP_NOT_LIVE"},
		{name: "不能取消他人的报名", project: id, position: position, status: project.SignUpPending, other: true, wantReason: "SIGN_UP_NOT_FOUND"},
		{name: "项目开始后不能取消", project: started, position: startedPos, status: project.SignUpHired, wantReason: "PROJECT_STARTED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := f.volunteer(t)
			su := f.signUp(t, tc.project, tc.position, f.volunteerID(t, v), tc.status)
			as := v
			if tc.other {
				as = f.volunteer(t)
			}
			got, err := f.svc.CancelSignUp(t.Context(), as, su)
			if reason := fault.ReasonOf(err); reason != tc.wantReason || (tc.wantReason == "" && err != nil) {
				t.Fatalf("CancelSignUp = %v, want reason %q", err, tc.wantReason)
			}
			if err != nil {
				if f.signUpStatus(t, su) != tc.status {
					t.Error("a refused cancel changed the sign-up")
				}
				return
			}
			if got.Status != project.SignUpCancelled {
				t.Errorf("status = %q, want cancelled", got.Status)
			}
			if tc.status == project.SignUpHired {
				// The only place is free again: someone else can be enrolled.
				if _, err := f.svc.Enroll(t.Context(), f.leaderOf(t, f.org), id, position, f.volunteerID(t, f.volunteer(t))); err != nil {
					t.Errorf("Enroll after the cancel = %v, want the freed place", err)
				}
			}
		})
	}
	if _, err := f.svc.CancelSignUp(t.Context(), f.leaderOf(t, f.org), uuid.New()); fault.ReasonOf(err) != "NOT_A_VOLUNTEER" {
		t.Errorf("CancelSignUp by an org account = %v, want NOT_A_VOLUNTEER", err)
	}
}

func (f *fixture) signUpStatus(t *testing.T, id uuid.UUID) project.SignUpStatus {
	t.Helper()
	var s string
	if err := f.st.Pool.QueryRow(t.Context(), `SELECT status FROM project.sign_up WHERE id = $1`, id).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return project.SignUpStatus(s)
}
