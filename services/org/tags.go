package org

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"yima/access"
	"yima/fault"
	"yima/store"
	"yima/store/db"
)

// TagSource is who set a tag set: the org itself, or its parent (an org
// above it, or the back office).
type TagSource string

// The tag sources, as org.tag.source stores them.
const (
	TagsSelf   TagSource = "self"
	TagsParent TagSource = "parent"
)

// Limits on tags.
const (
	MaxTags   = 20
	maxTagLen = 20
)

// Tags are an org's two tag sets.
type Tags struct {
	Self   []string
	Parent []string
}

// Tags returns the tag sets of an org in p's scope. Errors: not_found
// (ORG_NOT_FOUND), permission_denied (NOT_IN_SCOPE, NO_ORG_SCOPE).
func (s *Service) Tags(ctx context.Context, p *access.Principal, org uuid.UUID) (Tags, error) {
	o, err := s.Get(ctx, org)
	if err != nil {
		return Tags{}, err
	}
	if err := s.inScope(ctx, p, o.Path); err != nil {
		return Tags{}, err
	}
	return s.tags(ctx, s.opt.Store.Q, org)
}

// SetTags replaces one of an org's tag sets and returns both: TagsSelf by
// the org's own leader or admin, TagsParent by whoever oversees the org
// (never the org itself). Blank tags and repeats are dropped. Errors:
// invalid_argument (SOURCE_REQUIRED, TAG_TOO_LONG, TOO_MANY_TAGS),
// not_found (ORG_NOT_FOUND), permission_denied (NOT_OWN_ORG, NOT_PARENT).
func (s *Service) SetTags(ctx context.Context, p *access.Principal, org uuid.UUID, source TagSource, tags []string) (Tags, error) {
	if source != TagsSelf && source != TagsParent {
		return Tags{}, fault.InvalidField("source", "SOURCE_REQUIRED", "请选择本组织标签或上级标签")
	}
	tags, err := cleanTags(tags)
	if err != nil {
		return Tags{}, err
	}
	o, err := s.Get(ctx, org)
	if err != nil {
		return Tags{}, err
	}
	if source == TagsSelf {
		if (p.Kind != access.KindOrgLeader && p.Kind != access.KindOrgAdmin) || p.OrgID != org {
			return Tags{}, fault.New(fault.PermissionDenied, "NOT_OWN_ORG", "本组织标签只能由本组织设置")
		}
	} else if err := s.oversees(ctx, p, o.Path); err != nil {
		return Tags{}, fault.New(fault.PermissionDenied, "NOT_PARENT", "上级标签只能由上级组织或主管部门设置")
	}
	var out Tags
	err = s.opt.Store.InTx(ctx, func(q *db.Queries) error {
		// Locking the org serializes edits of its tags.
		if _, err := q.LockOrg(ctx, org); err != nil {
			return fmt.Errorf("lock org: %w", err)
		}
		if err := q.DeleteOrgTags(ctx, db.DeleteOrgTagsParams{OrgID: org, Source: string(source)}); err != nil {
			return fmt.Errorf("clear tags: %w", err)
		}
		if len(tags) > 0 {
			if err := q.AddOrgTags(ctx, db.AddOrgTagsParams{
				OrgID: org, Source: string(source), Tags: tags, SetBy: store.NullUUID(p.PersonID), At: s.opt.Now(),
			}); err != nil {
				return fmt.Errorf("add tags: %w", err)
			}
		}
		var err error
		out, err = s.tags(ctx, q, org)
		return err
	})
	return out, err
}

func (s *Service) tags(ctx context.Context, q *db.Queries, org uuid.UUID) (Tags, error) {
	rows, err := q.ListOrgTags(ctx, org)
	if err != nil {
		return Tags{}, fmt.Errorf("list tags: %w", err)
	}
	out := Tags{Self: []string{}, Parent: []string{}}
	for _, r := range rows {
		if TagSource(r.Source) == TagsSelf {
			out.Self = append(out.Self, r.Tag)
		} else {
			out.Parent = append(out.Parent, r.Tag)
		}
	}
	return out, nil
}

// cleanTags trims tags, drops blanks and repeats, keeping the first
// order, and checks the limits. Errors: invalid_argument (TAG_TOO_LONG,
// TOO_MANY_TAGS).
func cleanTags(in []string) ([]string, error) {
	out := make([]string, 0, len(in))
	for _, t := range in {
		t = strings.TrimSpace(t)
		if t == "" || slices.Contains(out, t) {
			continue
		}
		if utf8.RuneCountInString(t) > maxTagLen {
			return nil, fault.InvalidField("tags", "TAG_TOO_LONG", fmt.Sprintf("每个标签不能超过%d个字", maxTagLen))
		}
		out = append(out, t)
	}
	if len(out) > MaxTags {
		return nil, fault.InvalidField("tags", "TOO_MANY_TAGS", fmt.Sprintf("标签不能超过%d个", MaxTags))
	}
	return out, nil
}
