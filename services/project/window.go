package project

import (
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"yima/fault"
)

// The recruitment window. An approved project takes sign-ups from its
// volunteers only within [RecruitStart, RecruitEnd) — either bound may be
// unset — and while it is open (Status.Open) and not ended. Before the
// window an approved project is "to recruit" (StageToRecruit). The org
// itself is not bound by the window: ReviewSignUp, Enroll and Move work
// on an open project whatever the window says, so an org can still
// complete its roster by hand after recruitment closes.

// recruitCheck returns nil when the volunteers of an open project pr may
// sign up at now, else the reason: failed_precondition
// (RECRUIT_NOT_STARTED, RECRUIT_ENDED).
func recruitCheck(pr Project, now time.Time) error {
	switch {
	case !pr.RecruitStart.IsZero() && now.Before(pr.RecruitStart):
		return fault.New(fault.FailedPrecondition, "RECRUIT_NOT_STARTED",
			"项目尚未开始招募，招募开始时间："+pr.RecruitStart.In(shanghai).Format("2006-01-02 15:04"))
	case !pr.RecruitEnd.IsZero() && !now.Before(pr.RecruitEnd):
		return fault.New(fault.FailedPrecondition, "RECRUIT_ENDED", "项目招募已截止")
	}
	return nil
}

// StageAt is the stage (see Stage) of a project read at now, whose status
// is the effective one at now; "" for drafts and projects pending review.
func StageAt(pr Project, now time.Time) Stage {
	switch pr.Status {
	case StatusRecruiting:
		if !pr.RecruitStart.IsZero() && now.Before(pr.RecruitStart) {
			return StageToRecruit
		}
		return StageRecruiting
	case StatusRunning:
		return StageRunning
	case StatusClosed:
		return StageClosed
	case StatusRejected:
		return StageRejected
	case StatusWithdrawn:
		return StageWithdrawn
	}
	return ""
}

// shanghai is the time zone messages show times in (China has one, UTC+8,
// without daylight saving).
var shanghai = time.FixedZone("CST", 8*60*60)

// nullTime is t as a nullable column value; the zero time is null.
func nullTime(t time.Time) pgtype.Timestamptz {
	return pgtype.Timestamptz{Time: t, Valid: !t.IsZero()}
}
