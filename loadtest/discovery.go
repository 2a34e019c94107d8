package loadtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"yima/catalog"
	"yima/paging"
	"yima/services/project"
	"yima/store"
)

// DiscoveryOptions size the discovery_nearby scenario.
type DiscoveryOptions struct {
	// Projects to seed (default 100,000), six in ten open to join
	// (recruiting or running), the others drafts, pending, rejected or
	// closed; a fifth of them have their one place filled.
	Projects int
	// Warm and Queries are how many searches run before and during the
	// measurement (defaults 50 and 500), one after another.
	Warm, Queries int
}

func (o *DiscoveryOptions) defaults() {
	if o.Projects <= 0 {
		o.Projects = 100_000
	}
	if o.Warm <= 0 {
		o.Warm = 50
	}
	if o.Queries <= 0 {
		o.Queries = 500
	}
}

// DiscoveryResult is the discovery_nearby line.
type DiscoveryResult struct {
	Projects, Open int
	P50, P99       time.Duration
	// Rows is the mean number of projects a search returned.
	Rows    float64
	Queries int
	Seed    time.Duration
}

// districtCodes are Shanghai's sixteen districts.
var districtCodes = []string{
	"310101", "310104", "310105", "310106", "310107", "310109", "310110", "310112",
	"310113", "310114", "310115", "310116", "310117", "310118", "310120", "310151",
}

// seedDiscovery inserts opt.Projects projects spread over the city and the
// orgs, with their positions and, for a fifth, a hired volunteer filling
// the one place — by INSERT … SELECT generate_series, in the database, not
// through the API.
func seedDiscovery(ctx context.Context, pool *pgxpool.Pool, orgs []uuid.UUID, now time.Time, n int) (open int, err error) {
	steps := []struct {
		what string
		sql  string
		args []any
	}{
		{"projects", `INSERT INTO project.project
			(org_id, title, status, start_time, end_time, lat, lng, district_code, service_categories, tags, address, created_at)
			SELECT ($1::uuid[])[1 + g % cardinality($1::uuid[])],
			       (ARRAY['社区','助老','环保','交通','文化','赛会'])[1 + g % 6] || '志愿服务 ' || g,
			       s.status,
			       s.start, s.start + make_interval(hours => 2 + g % 6),
			       30.75 + random() * 0.75, 121.0 + random() * 0.9,
			       ($2::text[])[1 + g % cardinality($2::text[])],
			       CASE WHEN g % 3 = 0 THEN ARRAY[($3::text[])[1 + g % 8], ($3::text[])[1 + (g / 8) % 8]]
			            ELSE ARRAY[($3::text[])[1 + g % 8]] END,
			       ARRAY['bench'], '上海市', $4::timestamptz - make_interval(mins => g % 50000)
			FROM generate_series(1, $5::int) g,
			LATERAL (SELECT CASE WHEN g % 10 < 4 THEN 'recruiting' WHEN g % 10 < 6 THEN 'running'
			                     WHEN g % 10 = 6 THEN 'closed' WHEN g % 10 = 7 THEN 'draft'
			                     WHEN g % 10 = 8 THEN 'pending_review' ELSE 'rejected' END AS status,
			                CASE WHEN g % 10 BETWEEN 4 AND 5 THEN $4::timestamptz - make_interval(mins => 30 + g % 60)
			                     WHEN g % 10 = 6 THEN $4::timestamptz - make_interval(days => 1 + g % 30)
			                     ELSE $4::timestamptz + make_interval(hours => 1 + g % 720) END AS start) s`,
			[]any{orgs, districtCodes, catalog.ServiceCategories(), now, n}},
		{"positions", `INSERT INTO project.position (project_id, name, quota)
			SELECT id, '志愿者', CASE WHEN hashtext(id::text) % 5 = 0 THEN 1 ELSE 10 END
			FROM project.project WHERE 'bench' = ANY(tags)`, nil},
		{"hired", `WITH full_pos AS (
			    SELECT pos.id, pos.project_id, row_number() OVER () AS n
			    FROM project.position pos JOIN project.project p ON p.id = pos.project_id
			    WHERE 'bench' = ANY(p.tags) AND pos.quota = 1),
			vols AS (SELECT id, row_number() OVER () AS n FROM volunteer.volunteer)
			INSERT INTO project.sign_up (project_id, position_id, volunteer_id, status)
			SELECT f.project_id, f.id, v.id, 'hired' FROM full_pos f JOIN vols v USING (n)`, nil},
		{"analyze", `ANALYZE project.project, project.position, project.sign_up`, nil},
	}
	for _, s := range steps {
		if _, err := pool.Exec(ctx, s.sql, s.args...); err != nil {
			return 0, fmt.Errorf("seed discovery %s: %w", s.what, err)
		}
	}
	err = pool.QueryRow(ctx, `SELECT count(*) FROM project.project
		WHERE 'bench' = ANY(tags) AND status IN ('recruiting', 'running') AND end_time > $1`, now).Scan(&open)
	return open, err
}

// discoveryNearby seeds the discovery projects and times nearest-first
// searches with filters through project.Service.Search (the query and the
// positions of the page, as SearchProjects runs them): from a random point
// of the city centre, one random service category, only projects with a
// free place, every other search within 5 km, pages of 20.
func discoveryNearby(ctx context.Context, pool *pgxpool.Pool, fx *Fixture, opt DiscoveryOptions) (DiscoveryResult, error) {
	opt.defaults()
	orgs := make([]uuid.UUID, len(fx.Orgs))
	for i, o := range fx.Orgs {
		orgs[i] = o.ID
	}
	now := time.Now()
	res := DiscoveryResult{Projects: opt.Projects, Queries: opt.Queries}
	t0 := time.Now()
	open, err := seedDiscovery(ctx, pool, orgs, now, opt.Projects)
	if err != nil {
		return res, err
	}
	res.Open, res.Seed = open, time.Since(t0)
	svc := project.New(project.Options{Store: store.New(pool), Now: time.Now})
	rng := rand.New(rand.NewPCG(5, 5))
	cats := catalog.ServiceCategories()
	var lat []time.Duration
	rows := 0
	for i := range opt.Warm + opt.Queries {
		f := project.SearchFilter{
			Location:   &catalog.Location{Lat: 31.10 + rng.Float64()*0.25, Lng: 121.35 + rng.Float64()*0.25},
			Categories: []string{cats[rng.IntN(len(cats))]},
			FreeOnly:   true,
			Sort:       project.SortDistance,
			Page:       paging.Page{Limit: 20},
		}
		if i%2 == 0 {
			f.MaxDistanceKm = 5
		}
		start := time.Now()
		got, _, err := svc.Search(ctx, f)
		d := time.Since(start)
		if err != nil {
			return res, fmt.Errorf("search: %w", err)
		}
		if i >= opt.Warm {
			lat = append(lat, d)
			rows += len(got)
		}
	}
	res.P50, res.P99 = percentile(lat, 0.50), percentile(lat, 0.99)
	res.Rows = float64(rows) / float64(len(lat))
	return res, nil
}
