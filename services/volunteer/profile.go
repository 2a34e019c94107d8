package volunteer

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"yima/access"
	"yima/catalog"
	"yima/fault"
	"yima/services/project"
	"yima/store"
	"yima/store/db"
)

// Limits on what a volunteer writes about themselves.
const (
	MaxTags         = 10
	MaxTagRunes     = 12
	MaxNoteRunes    = 200
	maxSlotsPerWeek = 21
)

// Weekdays and DayParts make the available slots: weekday_part, e.g.
// "sat_morning".
var (
	Weekdays = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
	DayParts = []string{"morning", "afternoon", "evening"}
)

// Profile is a volunteer's profile as the user center and the back office
// show it, sensitive fields masked.
type Profile struct {
	Volunteer
	PhoneMasked  string
	DistrictCode string
	// Tags the volunteer gave themselves.
	Tags []string
	// AvailableSlots are weekly slots (see Weekdays, DayParts) in week order.
	AvailableSlots []string
	AvailableNote  string
}

// Stats sum a volunteer's credited service and ratings.
type Stats struct {
	ServiceSeconds int64
	Records        int32
	Projects       int32 // projects with a service record
	// Ratings averages the orgs' ratings (project.rating).
	Ratings project.RatingSummary
}

// Membership is an org the volunteer is a member of or applied to.
type Membership struct {
	OrgID     uuid.UUID
	OrgName   string
	Status    string // member or pending
	JoinedAt  time.Time
	AppliedAt time.Time
}

// Progress counts a volunteer's live sign-ups: pending ones, and hired ones
// by the project's stage.
type Progress struct {
	Pending, Hired                           int32
	HiredUpcoming, HiredRunning, HiredClosed int32
}

// Center is the volunteer user center (V9). The sign-ups themselves are
// ProjectService/ListMySignUps; Center only counts them.
type Center struct {
	Profile Profile
	Stats   Stats
	Orgs    []Membership
	SignUps Progress
}

// ProfileUpdate is what a volunteer keeps up to date themselves.
type ProfileUpdate struct {
	PoliticalStatus   string
	ServiceCategories []string
	Tags              []string
	AvailableSlots    []string
	AvailableNote     string
}

// MyProfile returns p's user center. Errors: not_found (NOT_A_VOLUNTEER).
func (s *Service) MyProfile(ctx context.Context, p *access.Principal) (Center, error) {
	id, err := s.ownID(ctx, p)
	if err != nil {
		return Center{}, err
	}
	return s.center(ctx, id)
}

// UpdateMyProfile replaces p's political status, service categories, tags
// and available times. Tags are trimmed and kept once each. Errors:
// invalid_argument (POLITICAL_STATUS_INVALID, SERVICE_CATEGORIES_REQUIRED,
// SERVICE_CATEGORY_INVALID, TOO_MANY_TAGS, TAG_INVALID,
// AVAILABLE_SLOT_INVALID, AVAILABLE_NOTE_TOO_LONG), not_found
// (NOT_A_VOLUNTEER).
func (s *Service) UpdateMyProfile(ctx context.Context, p *access.Principal, u ProfileUpdate) (Profile, error) {
	if !catalog.IsPoliticalStatus(u.PoliticalStatus) {
		return Profile{}, fault.InvalidField("political_status", "POLITICAL_STATUS_INVALID", "请选择政治面貌（中共党员、中共预备党员、共青团员、民主党派、群众）")
	}
	if len(u.ServiceCategories) == 0 {
		return Profile{}, fault.InvalidField("service_categories", "SERVICE_CATEGORIES_REQUIRED", "请至少选择一个服务类别")
	}
	cats, bad, ok := catalog.NormalizeCategories(u.ServiceCategories)
	if !ok {
		return Profile{}, fault.InvalidField("service_categories", "SERVICE_CATEGORY_INVALID", fmt.Sprintf("服务类别“%s”不存在", bad))
	}
	tags, err := normalizeTags(u.Tags)
	if err != nil {
		return Profile{}, err
	}
	slots, err := NormalizeSlots(u.AvailableSlots)
	if err != nil {
		return Profile{}, err
	}
	note := strings.TrimSpace(u.AvailableNote)
	if utf8.RuneCountInString(note) > MaxNoteRunes {
		return Profile{}, fault.InvalidField("available_note", "AVAILABLE_NOTE_TOO_LONG", fmt.Sprintf("可服务时间说明不能超过%d个字", MaxNoteRunes))
	}
	id, err := s.ownID(ctx, p)
	if err != nil {
		return Profile{}, err
	}
	if _, err := s.st.Q.UpdateVolunteerProfile(ctx, db.UpdateVolunteerProfileParams{
		ID: id, PoliticalStatus: u.PoliticalStatus, ServiceCategories: cats, Tags: tags,
		AvailableSlots: slots, AvailableNote: note, At: pgtype.Timestamptz{Time: s.now(), Valid: true},
	}); err != nil {
		return Profile{}, fmt.Errorf("update volunteer profile: %w", err)
	}
	return s.profile(ctx, id)
}

// normalizeTags trims tags and drops repeats. Errors: invalid_argument
// (TOO_MANY_TAGS, TAG_INVALID).
func normalizeTags(in []string) ([]string, error) {
	out := make([]string, 0, len(in))
	for _, t := range in {
		t = strings.TrimSpace(t)
		n := utf8.RuneCountInString(t)
		if n == 0 || n > MaxTagRunes || strings.ContainsFunc(t, unicode.IsControl) {
			return nil, fault.InvalidField("tags", "TAG_INVALID", fmt.Sprintf("标签须为1到%d个字", MaxTagRunes))
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	if len(out) > MaxTags {
		return nil, fault.InvalidField("tags", "TOO_MANY_TAGS", fmt.Sprintf("最多设置%d个标签", MaxTags))
	}
	return out, nil
}

// NormalizeSlots checks weekly slots (weekday_part, e.g. "sat_morning"),
// drops repeats and returns them in week order. Errors: invalid_argument
// (AVAILABLE_SLOT_INVALID).
func NormalizeSlots(in []string) ([]string, error) {
	rank := make(map[string]int, len(in))
	for _, sl := range in {
		sl = strings.ToLower(strings.TrimSpace(sl))
		day, part, ok := strings.Cut(sl, "_")
		d, p := slices.Index(Weekdays, day), slices.Index(DayParts, part)
		if !ok || d < 0 || p < 0 {
			return nil, fault.InvalidField("available_slots", "AVAILABLE_SLOT_INVALID", fmt.Sprintf("可服务时段“%s”无效", sl))
		}
		rank[sl] = d*len(DayParts) + p
	}
	out := make([]string, 0, len(rank))
	for sl := range rank {
		out = append(out, sl)
	}
	slices.SortFunc(out, func(a, b string) int { return rank[a] - rank[b] })
	if len(out) > maxSlotsPerWeek {
		// Unreachable with distinct valid slots; kept as a guard.
		return nil, fault.InvalidField("available_slots", "AVAILABLE_SLOT_INVALID", "可服务时段过多")
	}
	return out, nil
}

// ownID returns the volunteer p's person is. Errors: not_found
// (NOT_A_VOLUNTEER).
func (s *Service) ownID(ctx context.Context, p *access.Principal) (uuid.UUID, error) {
	id, err := s.st.Q.GetVolunteerIDByPerson(ctx, p.PersonID)
	if store.IsNotFound(err) {
		return uuid.Nil, fault.New(fault.NotFound, "NOT_A_VOLUNTEER", "尚未注册志愿者")
	}
	if err != nil {
		return uuid.Nil, fmt.Errorf("find volunteer: %w", err)
	}
	return id, nil
}

// center loads the user center of a volunteer the caller may see.
func (s *Service) center(ctx context.Context, id uuid.UUID) (Center, error) {
	pr, err := s.profile(ctx, id)
	if err != nil {
		return Center{}, err
	}
	st, err := s.stats(ctx, id)
	if err != nil {
		return Center{}, err
	}
	orgs, err := s.orgs(ctx, id)
	if err != nil {
		return Center{}, err
	}
	live, err := s.st.Q.VolunteerLiveSignUps(ctx, id)
	if err != nil {
		return Center{}, fmt.Errorf("count sign-ups: %w", err)
	}
	var pg Progress
	now := s.now()
	for _, r := range live {
		if r.Status == "pending" {
			pg.Pending++
			continue
		}
		pg.Hired++
		switch project.EffectiveStatus(project.Status(r.ProjectStatus), r.StartTime, now) {
		case project.StatusRecruiting:
			pg.HiredUpcoming++
		case project.StatusRunning:
			pg.HiredRunning++
		case project.StatusClosed:
			pg.HiredClosed++
		}
	}
	return Center{Profile: pr, Stats: st, Orgs: orgs, SignUps: pg}, nil
}

func (s *Service) profile(ctx context.Context, id uuid.UUID) (Profile, error) {
	r, err := s.st.Q.GetVolunteerCard(ctx, id)
	if store.IsNotFound(err) {
		return Profile{}, fault.New(fault.NotFound, "VOLUNTEER_NOT_FOUND", "志愿者不存在")
	}
	if err != nil {
		return Profile{}, fmt.Errorf("load volunteer: %w", err)
	}
	return Profile{
		Volunteer: Volunteer{
			ID: r.ID, PersonID: r.PersonID, No: r.VolunteerNo, Name: r.Name, IDNumberMasked: r.IDNumberMasked,
			PoliticalStatus: r.PoliticalStatus, ServiceCategories: r.ServiceCategories, RegisteredAt: r.RegisteredAt,
		},
		PhoneMasked: r.PhoneMasked, DistrictCode: r.DistrictCode,
		Tags: r.Tags, AvailableSlots: r.AvailableSlots, AvailableNote: r.AvailableNote,
	}, nil
}

// stats sums the service records and averages the ratings with the
// queries services/project's VolunteerRatings uses.
func (s *Service) stats(ctx context.Context, id uuid.UUID) (Stats, error) {
	t, err := s.st.Q.VolunteerServiceTotals(ctx, id)
	if err != nil {
		return Stats{}, fmt.Errorf("sum service records: %w", err)
	}
	r, err := s.st.Q.VolunteerRatingSummary(ctx, id)
	if err != nil {
		return Stats{}, fmt.Errorf("rating summary: %w", err)
	}
	return Stats{
		ServiceSeconds: t.Seconds, Records: t.Records, Projects: t.Projects,
		Ratings: project.RatingSummary{VolunteerID: id, Count: r.Count, Punctuality: r.Punctuality, Attitude: r.Attitude, Skill: r.Skill},
	}, nil
}

func (s *Service) orgs(ctx context.Context, id uuid.UUID) ([]Membership, error) {
	rows, err := s.st.Q.ListVolunteerOrgs(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("list volunteer orgs: %w", err)
	}
	out := make([]Membership, len(rows))
	for i, r := range rows {
		out[i] = Membership{OrgID: r.OrgID, OrgName: r.OrgName, Status: r.Status, JoinedAt: r.JoinedAt.Time, AppliedAt: r.AppliedAt.Time}
	}
	return out, nil
}
