package project

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"yima/access"
	"yima/catalog"
	"yima/fault"
	"yima/paging"
	"yima/store"
	"yima/store/db"
)

// Limits on tags.
const (
	maxTags   = 10
	maxTagLen = 20
)

// ScopeFilter selects projects in the caller's scope.
type ScopeFilter struct {
	// Statuses keeps projects whose effective status is one of them;
	// empty keeps all.
	Statuses []Status
	// OrgID keeps the projects of this org and those below it; uuid.Nil
	// keeps the whole scope.
	OrgID uuid.UUID
	// Below leaves OrgID's own projects out (a parent's review queue);
	// it needs OrgID.
	Below bool
	// TitleContains keeps titles containing it; "" keeps all.
	TitleContains string
	// Tag keeps projects carrying it; "" keeps all.
	Tag  string
	Page paging.Page
}

// ListScope returns a page of the projects of the orgs in p's scope —
// staff: their data scope; an org's leader or admin: their org's subtree
// — latest start first, with their positions and org names, and the next
// page's token. This is the back office's project review queue
// (StatusPendingReview) and its list of approved projects (recruiting,
// running, closed). Errors: invalid_argument (STATUS_INVALID,
// ORG_REQUIRED), permission_denied (NO_ORG_SCOPE).
func (s *Service) ListScope(ctx context.Context, p *access.Principal, f ScopeFilter) ([]Project, string, error) {
	want := make([]string, 0, len(f.Statuses))
	for _, st := range f.Statuses {
		if !slices.Contains(statuses, st) {
			return nil, "", fault.InvalidField("statuses", "STATUS_INVALID", "项目状态无效")
		}
		want = append(want, string(st))
	}
	if f.Below && f.OrgID == uuid.Nil {
		return nil, "", fault.InvalidField("org_id", "ORG_REQUIRED", "请指定组织")
	}
	all, roots, err := s.opt.Orgs.Scope(ctx, p)
	if err != nil {
		return nil, "", err
	}
	now := s.opt.Now()
	rows, err := s.opt.Store.Q.ListProjectsInScope(ctx, db.ListProjectsInScopeParams{
		AllOrgs: all, Roots: roots, ByOrg: f.OrgID != uuid.Nil, OrgID: f.OrgID, Below: f.Below, Statuses: want, Now: now,
		TitleContains: strings.TrimSpace(f.TitleContains), Tag: strings.TrimSpace(f.Tag),
		Off: f.Page.Offset, Lim: f.Page.Fetch(),
	})
	if err != nil {
		return nil, "", fmt.Errorf("list projects in scope: %w", err)
	}
	rows, next := paging.Next(f.Page, rows)
	projects := make([]db.ProjectProject, len(rows))
	for i, r := range rows {
		projects[i] = r.ProjectProject
	}
	out, err := s.withPositions(ctx, projects, now)
	if err != nil {
		return nil, "", err
	}
	for i := range out {
		out[i].OrgName = rows[i].OrgName
	}
	return out, next, nil
}

// Detail returns a project as Get does, with its org's name and contact.
// Errors: not_found (PROJECT_NOT_FOUND).
func (s *Service) Detail(ctx context.Context, id uuid.UUID) (Project, error) {
	pr, err := s.Get(ctx, id)
	if err != nil {
		return Project{}, err
	}
	c, err := s.opt.Store.Q.GetProjectOrgContact(ctx, id)
	if err != nil && !store.IsNotFound(err) {
		return Project{}, fmt.Errorf("load org contact: %w", err)
	}
	pr.OrgName, pr.ContactName, pr.ContactPhoneMasked = c.Name, c.ContactName, c.ContactPhoneMasked
	return pr, nil
}

// TagChange is what SetTags replaces.
type TagChange struct {
	Tags []string
	// SetServiceCategories asks to replace ServiceCategories as well.
	SetServiceCategories bool
	ServiceCategories    []string
}

// SetTags replaces a project's tags, and its service categories when
// asked. p leads or administers the project's org, or oversees it (an org
// above it, or staff in scope). Errors: invalid_argument (TOO_MANY_TAGS,
// TAG_TOO_LONG, SERVICE_CATEGORY_INVALID), not_found (PROJECT_NOT_FOUND),
// permission_denied (NOT_ORG_MEMBER).
func (s *Service) SetTags(ctx context.Context, p *access.Principal, id uuid.UUID, c TagChange) (Project, error) {
	tags, err := normalizeTags(c.Tags)
	if err != nil {
		return Project{}, err
	}
	var cats []string
	if c.SetServiceCategories {
		var bad string
		var ok bool
		if cats, bad, ok = catalog.NormalizeCategories(c.ServiceCategories); !ok {
			return Project{}, fault.InvalidField("service_categories", "SERVICE_CATEGORY_INVALID", fmt.Sprintf("服务类别“%s”不存在", bad))
		}
	}
	pr, err := s.Get(ctx, id)
	if err != nil {
		return Project{}, err
	}
	if err := s.mayList(ctx, p, pr.OrgID); err != nil {
		return Project{}, err
	}
	_, err = s.opt.Store.Q.SetProjectTags(ctx, db.SetProjectTagsParams{
		ID: id, Tags: tags, SetServiceCategories: c.SetServiceCategories, ServiceCategories: cats, At: s.opt.Now(),
	})
	if store.IsNotFound(err) {
		return Project{}, fault.New(fault.NotFound, "PROJECT_NOT_FOUND", "项目不存在")
	}
	if err != nil {
		return Project{}, fmt.Errorf("set project tags: %w", err)
	}
	return s.Detail(ctx, id)
}

// labelKind names a list of short free-text labels — a project's tags or a
// position's skills — for normalizeLabels.
type labelKind struct {
	field, noun, reason string // reason: TAG → TOO_MANY_TAGS, TAG_TOO_LONG
}

var (
	tagLabels   = labelKind{field: "tags", noun: "标签", reason: "TAG"}
	skillLabels = labelKind{field: "skills", noun: "技能", reason: "SKILL"}
)

// normalizeTags trims tags, drops empty ones and repeats, and checks their
// number and lengths. Errors: invalid_argument (TOO_MANY_TAGS,
// TAG_TOO_LONG).
func normalizeTags(in []string) ([]string, error) { return normalizeLabels(tagLabels, "", in) }

// normalizeLabels trims labels of kind k, drops empty ones and repeats, and
// checks their number and lengths; prefix qualifies the field in errors.
// Errors: invalid_argument (TOO_MANY_<K>S, <K>_TOO_LONG).
func normalizeLabels(k labelKind, prefix string, in []string) ([]string, error) {
	tooMany := fault.InvalidField(prefix+k.field, "TOO_MANY_"+k.reason+"S", fmt.Sprintf("%s不能超过%d个", k.noun, maxTags))
	if len(in) > 4*maxTags {
		return nil, tooMany
	}
	out := make([]string, 0, len(in))
	for _, t := range in {
		t = strings.TrimSpace(t)
		if t == "" || slices.Contains(out, t) {
			continue
		}
		if utf8.RuneCountInString(t) > maxTagLen {
			return nil, fault.InvalidField(prefix+k.field, k.reason+"_TOO_LONG", fmt.Sprintf("%s“%s”超过%d个字", k.noun, t, maxTagLen))
		}
		out = append(out, t)
	}
	if len(out) > maxTags {
		return nil, tooMany
	}
	return out, nil
}
