package demo

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// Field names under which sensitive values are sealed and indexed. A
// ciphertext is bound to its field, so these must be the names the services
// use when they open or look up the same columns.
const (
	fieldIDNumber     = "person.id_number"
	fieldPhone        = "person.phone"
	fieldContactPhone = "org.contact_phone"
)

// statusChangeReason marks the org status changes the demo makes.
const statusChangeReason = "演示数据"

func pgID(u uuid) pgtype.UUID { return pgtype.UUID{Bytes: u, Valid: true} }

// writer writes a dataset in one transaction, COPY per table.
type writer struct {
	tx   pgx.Tx
	ds   *dataset
	opt  Options
	root uuid
	// personID and volunteerID are the ids rows are written under: the
	// generated ones, or those of persons (and their volunteer rows) that
	// were in the database before the demo, matched by ID number.
	personID    []uuid
	volunteerID []uuid
	// skipPerson, skipVolunteer and skipAccount mark rows that already
	// exist.
	skipPerson    []bool
	skipVolunteer []bool
	skipAccount   []bool
}

// write inserts ds below the root org.
func write(ctx context.Context, tx pgx.Tx, root uuid, ds *dataset, opt Options) error {
	w := &writer{tx: tx, ds: ds, opt: opt, root: root}
	steps := []struct {
		name string
		run  func(context.Context) error
	}{
		{"write orgs", w.orgs},
		{"write org logos", w.logos},
		{"write persons", w.persons},
		{"write accounts", w.accounts},
		{"write volunteers", w.volunteers},
		{"write memberships", w.memberships},
		{"write projects", w.projects},
		{"write positions", w.positions},
		{"write sign-ups", w.signUps},
		{"write sessions and service records", w.sessions},
	}
	for _, s := range steps {
		if err := s.run(ctx); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return nil
}

func (w *writer) copy(ctx context.Context, table pgx.Identifier, cols []string, n int, row func(int) ([]any, error)) error {
	if _, err := w.tx.CopyFrom(ctx, table, cols, pgx.CopyFromSlice(n, row)); err != nil {
		return fmt.Errorf("copy into %s: %w", table.Sanitize(), err)
	}
	return nil
}

func (w *writer) orgs(ctx context.Context) error {
	ds := w.ds
	enc := make([][]byte, len(ds.orgs))
	for i, o := range ds.orgs {
		var err error
		if enc[i], err = w.opt.Sealer.Seal(fieldContactPhone, o.contactPhone); err != nil {
			return fmt.Errorf("seal contact phone: %w", err)
		}
	}
	cols := []string{"id", "parent_id", "path", "level", "name", "status", "supervising_unit", "address",
		"lat", "lng", "district_code", "service_categories", "intro", "contact_name", "contact_phone_enc",
		"contact_phone_masked", "founded_on", "created_at", "updated_at"}
	err := w.copy(ctx, pgx.Identifier{"org", "org"}, cols, len(ds.orgs), func(i int) ([]any, error) {
		o := ds.orgs[i]
		parent := w.root
		if o.parent >= 0 {
			parent = ds.orgs[o.parent].id
		}
		path := make([]pgtype.UUID, 0, len(o.path)+1)
		path = append(path, pgID(w.root))
		for _, id := range o.path {
			path = append(path, pgID(id))
		}
		return []any{pgID(o.id), pgID(parent), path, o.level, o.name, "active", o.supervising, o.address,
			o.lat, o.lng, districts[o.district].code, o.categories, o.intro, o.contactName, enc[i],
			w.opt.MaskPhone(o.contactPhone), pgtype.Date{Time: o.foundedOn, Valid: true}, ds.now, ds.now}, nil
	})
	if err != nil {
		return err
	}
	return w.copy(ctx, pgx.Identifier{"org", "status_change"}, []string{"org_id", "from_status", "to_status", "reason", "at"},
		len(ds.orgs), func(i int) ([]any, error) {
			return []any{pgID(ds.orgs[i].id), nil, "active", statusChangeReason, ds.now}, nil
		})
}

// persons writes the persons who are not in the database yet. A person the
// database already holds (someone signed in with a demo ID number before
// the demo was loaded) keeps their row, and the demo's rows for them refer
// to it.
func (w *writer) persons(ctx context.Context) error {
	ds := w.ds
	n := len(ds.persons)
	idIdx := make([][]byte, n)
	for i, p := range ds.persons {
		idIdx[i] = w.opt.Sealer.Index(fieldIDNumber, p.idNumber)
	}
	w.personID = make([]uuid, n)
	w.skipPerson = make([]bool, n)
	existing, err := w.existingPersons(ctx, idIdx)
	if err != nil {
		return err
	}
	for i, p := range ds.persons {
		w.personID[i] = p.id
		if id, ok := existing[string(idIdx[i])]; ok {
			w.personID[i], w.skipPerson[i] = id, true
		}
	}

	rows := make([][]any, 0, n)
	for i, p := range ds.persons {
		if w.skipPerson[i] {
			continue
		}
		idEnc, err := w.opt.Sealer.Seal(fieldIDNumber, p.idNumber)
		if err != nil {
			return fmt.Errorf("seal id number: %w", err)
		}
		phoneEnc, err := w.opt.Sealer.Seal(fieldPhone, p.phone)
		if err != nil {
			return fmt.Errorf("seal phone: %w", err)
		}
		rows = append(rows, []any{pgID(p.id), p.name, idEnc, idIdx[i], w.opt.MaskID(p.idNumber),
			phoneEnc, w.opt.Sealer.Index(fieldPhone, p.phone), w.opt.MaskPhone(p.phone),
			pgtype.Date{Time: p.birth, Valid: true}, ds.now, ds.now})
	}
	cols := []string{"id", "name", "id_number_enc", "id_number_idx", "id_number_masked",
		"phone_enc", "phone_idx", "phone_masked", "birth_date", "created_at", "updated_at"}
	return w.copy(ctx, pgx.Identifier{"identity", "person"}, cols, len(rows), func(i int) ([]any, error) { return rows[i], nil })
}

// existingPersons maps the blind index of each ID number the database
// already holds, among idIdx, to its person id.
func (w *writer) existingPersons(ctx context.Context, idIdx [][]byte) (map[string]uuid, error) {
	rows, err := w.tx.Query(ctx, `SELECT id_number_idx, id FROM identity.person WHERE id_number_idx = ANY($1)`, idIdx)
	if err != nil {
		return nil, fmt.Errorf("find existing persons: %w", err)
	}
	out := map[string]uuid{}
	var idx []byte
	var id pgtype.UUID
	_, err = pgx.ForEachRow(rows, []any{&idx, &id}, func() error {
		out[string(idx)] = id.Bytes
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("find existing persons: %w", err)
	}
	return out, nil
}

// reusedPersons lists the ids of persons that existed before the demo.
func (w *writer) reusedPersons() []pgtype.UUID {
	var out []pgtype.UUID
	for i, skip := range w.skipPerson {
		if skip {
			out = append(out, pgID(w.personID[i]))
		}
	}
	return out
}

func (w *writer) accounts(ctx context.Context) error {
	ds := w.ds
	w.skipAccount = make([]bool, len(ds.accounts))
	if reused := w.reusedPersons(); len(reused) > 0 {
		// Demo orgs are new, so only the one-per-person kinds can clash.
		have := map[[2]string]bool{}
		rows, err := w.tx.Query(ctx, `SELECT person_id, kind FROM identity.account
			WHERE person_id = ANY($1) AND kind IN ('citizen', 'volunteer')`, reused)
		if err != nil {
			return fmt.Errorf("find existing accounts: %w", err)
		}
		var person pgtype.UUID
		var kind string
		if _, err := pgx.ForEachRow(rows, []any{&person, &kind}, func() error {
			have[[2]string{string(person.Bytes[:]), kind}] = true
			return nil
		}); err != nil {
			return fmt.Errorf("find existing accounts: %w", err)
		}
		for i, a := range ds.accounts {
			id := w.personID[a.person]
			w.skipAccount[i] = have[[2]string{string(id[:]), a.kind}]
		}
	}
	rows := make([][]any, 0, len(ds.accounts))
	for i, a := range ds.accounts {
		if w.skipAccount[i] {
			continue
		}
		org := pgtype.UUID{}
		if a.org >= 0 {
			org = pgID(ds.orgs[a.org].id)
		}
		rows = append(rows, []any{pgID(a.id), pgID(w.personID[a.person]), a.kind, org, a.validFrom, a.validUntil, ds.now})
	}
	cols := []string{"id", "person_id", "kind", "org_id", "valid_from", "valid_until", "created_at"}
	return w.copy(ctx, pgx.Identifier{"identity", "account"}, cols, len(rows), func(i int) ([]any, error) { return rows[i], nil })
}

func (w *writer) volunteers(ctx context.Context) error {
	ds := w.ds
	w.volunteerID = make([]uuid, len(ds.volunteers))
	w.skipVolunteer = make([]bool, len(ds.volunteers))
	for i, v := range ds.volunteers {
		w.volunteerID[i] = v.id
	}
	if reused := w.reusedPersons(); len(reused) > 0 {
		have := map[uuid]uuid{}
		rows, err := w.tx.Query(ctx, `SELECT person_id, id FROM volunteer.volunteer WHERE person_id = ANY($1)`, reused)
		if err != nil {
			return fmt.Errorf("find existing volunteers: %w", err)
		}
		var person, id pgtype.UUID
		if _, err := pgx.ForEachRow(rows, []any{&person, &id}, func() error {
			have[person.Bytes] = id.Bytes
			return nil
		}); err != nil {
			return fmt.Errorf("find existing volunteers: %w", err)
		}
		for i, v := range ds.volunteers {
			if id, ok := have[w.personID[v.person]]; ok {
				w.volunteerID[i], w.skipVolunteer[i] = id, true
			}
		}
	}
	rows := make([][]any, 0, len(ds.volunteers))
	for i, v := range ds.volunteers {
		if w.skipVolunteer[i] {
			continue
		}
		rows = append(rows, []any{pgID(v.id), pgID(w.personID[v.person]), v.no, v.political, v.categories,
			v.districtCode, v.lat, v.lng, v.lastActive, v.registered})
	}
	cols := []string{"id", "person_id", "volunteer_no", "political_status", "service_categories",
		"district_code", "lat", "lng", "last_active_at", "registered_at"}
	return w.copy(ctx, pgx.Identifier{"volunteer", "volunteer"}, cols, len(rows), func(i int) ([]any, error) { return rows[i], nil })
}

func (w *writer) memberships(ctx context.Context) error {
	ds := w.ds
	return w.copy(ctx, pgx.Identifier{"volunteer", "membership"}, []string{"org_id", "volunteer_id", "status", "joined_at"},
		len(ds.memberships), func(i int) ([]any, error) {
			m := ds.memberships[i]
			return []any{pgID(ds.orgs[m.org].id), pgID(w.volunteerID[m.volunteer]), "member", m.joined}, nil
		})
}

func (w *writer) projects(ctx context.Context) error {
	ds := w.ds
	cols := []string{"id", "org_id", "title", "description", "status", "start_time", "end_time",
		"recruit_start", "recruit_end", "address", "lat", "lng", "district_code", "service_categories",
		"created_by", "created_at", "updated_at", "closed_at"}
	return w.copy(ctx, pgx.Identifier{"project", "project"}, cols, len(ds.projects), func(i int) ([]any, error) {
		p := ds.projects[i]
		by := pgtype.UUID{}
		if p.createdBy >= 0 {
			by = pgID(w.personID[p.createdBy])
		}
		updated := p.created
		if p.closed != nil {
			updated = *p.closed
		}
		return []any{pgID(p.id), pgID(ds.orgs[p.org].id), p.title, p.description, p.status, p.start, p.end,
			p.recruitStart, p.recruitEnd, p.address, p.lat, p.lng, p.districtCode, p.categories,
			by, p.created, updated, p.closed}, nil
	})
}

func (w *writer) positions(ctx context.Context) error {
	ds := w.ds
	return w.copy(ctx, pgx.Identifier{"project", "position"}, []string{"id", "project_id", "name", "quota", "sign_in_methods", "sort"},
		len(ds.positions), func(i int) ([]any, error) {
			p := ds.positions[i]
			return []any{pgID(p.id), pgID(ds.projects[p.project].id), p.name, int32(p.quota), p.methods, int32(p.sort)}, nil
		})
}

func (w *writer) signUps(ctx context.Context) error {
	ds := w.ds
	cols := []string{"id", "project_id", "position_id", "volunteer_id", "status", "created_at", "reviewed_at"}
	return w.copy(ctx, pgx.Identifier{"project", "sign_up"}, cols, len(ds.signUps), func(i int) ([]any, error) {
		s := ds.signUps[i]
		return []any{pgID(s.id), pgID(ds.projects[s.project].id), pgID(ds.positions[s.position].id),
			pgID(w.volunteerID[s.volunteer]), s.status, s.created, s.reviewedAt}, nil
	})
}
