package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"yima/services/identity/idnumber"
)

// volunteers adds n synthetic volunteers, each a person with a citizen and a
// volunteer account and membership in 1-3 nearby orgs. The districts they
// live in follow the districts' populations.
func (g *generator) volunteers(r *rand.Rand, n int) {
	ds := g.ds
	totalPop := 0
	for _, d := range districts {
		totalPop += d.population
	}
	var hosts []int
	for i, o := range ds.orgs {
		if o.level != levelDistrict {
			hosts = append(hosts, i)
		}
	}
	nearest := make([]int, 0, nearestOrgs+1)
	for i := range n {
		key := fmt.Sprintf("person/volunteer/%d", i)
		home := weightedDistrict(r, totalPop)
		idDistrict := home
		if r.Float64() < 0.15 { // born or registered elsewhere in the city
			idDistrict = r.IntN(len(districts))
		}
		male := r.IntN(2) == 0
		var birth time.Time
		switch u := r.Float64(); {
		case u < 0.40:
			birth = birthBetween(r, 1990, 2006)
		case u < 0.65:
			birth = birthBetween(r, 1975, 1989)
		default:
			birth = birthBetween(r, 1950, 1974)
		}
		p := g.addPerson(personRow{
			id:       idFor(key),
			name:     randomName(r, male),
			idNumber: g.newIDNumber(r, districts[idDistrict].code, birth, male),
			phone:    g.newPhone(r),
			birth:    birth,
		})
		ds.accounts = append(ds.accounts,
			accountRow{id: idFor(accountKey(key, KindCitizen, -1, ds)), person: p, kind: KindCitizen, org: -1},
			accountRow{id: idFor(accountKey(key, KindVolunteer, -1, ds)), person: p, kind: KindVolunteer, org: -1},
		)
		d := districts[home]
		s := d.streets[r.IntN(len(d.streets))]
		lat, lng := jitter(r, s.lat, s.lng, 2.0)
		adult := birth.AddDate(16, 0, 0)
		registered := ds.now.Add(-time.Duration(30+r.IntN(1500)) * day)
		if registered.Before(adult) {
			registered = adult.Add(time.Duration(r.IntN(200)) * day)
		}
		registered = minTime(registered, ds.now.Add(-day)).Add(time.Duration(r.IntN(12*60)) * time.Minute)
		var lastActive *time.Time
		if r.Float64() < 0.7 {
			lastActive = ptr(ds.now.Add(-time.Duration(r.IntN(30*24)) * time.Hour))
		}
		ds.volunteers = append(ds.volunteers, volunteerRow{
			id:           idFor("volunteer/" + key),
			person:       p,
			no:           g.newVolunteerNo(r, key),
			political:    politicalStatus(r, ds.now.Year()-birth.Year()),
			categories:   pickCategories(r, 1, 3),
			districtCode: d.code,
			lat:          lat,
			lng:          lng,
			lastActive:   lastActive,
			registered:   registered,
		})
		vi := len(ds.volunteers) - 1

		// The nearest few street and community orgs, then 1-3 of them.
		nearest = nearest[:0]
		for _, oi := range hosts {
			nearest = insertNearest(nearest, oi, func(a int) float64 { return distance2(ds.orgs[a].lat, ds.orgs[a].lng, lat, lng) })
		}
		for _, k := range r.Perm(len(nearest))[:1+r.IntN(3)] {
			joined := registered.Add(time.Duration(r.IntN(60*24)) * time.Hour)
			ds.memberships = append(ds.memberships, membershipRow{org: nearest[k], volunteer: vi, joined: minTime(joined, ds.now)})
		}
	}
}

// insertNearest keeps list as the nearestOrgs items closest by dist, nearest
// first, after considering item.
func insertNearest(list []int, item int, dist func(int) float64) []int {
	d := dist(item)
	pos := len(list)
	for pos > 0 && dist(list[pos-1]) > d {
		pos--
	}
	if pos >= nearestOrgs {
		return list
	}
	list = slices.Insert(list, pos, item)
	if len(list) > nearestOrgs {
		list = list[:nearestOrgs]
	}
	return list
}

// signUps puts volunteers on the projects that take sign-ups: mostly hired,
// never more than a position's quota, at most one sign-up per volunteer and
// project, and nobody hired on two running projects at once. Volunteers are
// drawn first from the members of the project's org and its neighbours in
// the tree, then from the district, then from the whole city. The fixed
// volunteers are hired on the featured running project and nowhere else.
func (g *generator) signUps(r *rand.Rand) {
	ds := g.ds
	if len(ds.volunteers) == 0 {
		return
	}
	membersOf := map[int][]int{}
	for _, m := range ds.memberships {
		membersOf[m.org] = append(membersOf[m.org], m.volunteer)
	}
	byDistrict := map[string][]int{}
	fixed := map[int]bool{}
	for _, vi := range g.fixedVolunteer {
		fixed[vi] = true
	}
	for vi, v := range ds.volunteers {
		if !fixed[vi] {
			byDistrict[v.districtCode] = append(byDistrict[v.districtCode], vi)
		}
	}
	busyRunning := map[int]bool{}

	for pi := range ds.projects {
		p := &ds.projects[pi]
		if p.status != statusRecruiting && p.status != statusRunning && p.status != statusClosed {
			continue
		}
		taken := map[int]bool{}
		hired := make([]int, len(p.positions))
		if pi == g.rosterProject {
			for _, role := range []string{RoleLeader, RoleVolunteer} {
				vi := g.fixedVolunteer[role]
				g.addSignUp(r, pi, 0, vi, signUpHired)
				taken[vi], busyRunning[vi] = true, true
				hired[0]++
			}
		}
		next := g.candidates(r, p, membersOf, byDistrict, fixed)
		for j, pos := range p.positions {
			quota := ds.positions[pos].quota
			var frac float64
			pending, rejected, cancelled := 0, r.IntN(3), r.IntN(2)
			switch p.status {
			case statusRunning:
				frac, pending = 0.6+0.4*r.Float64(), r.IntN(3)
			case statusRecruiting:
				frac, pending = 0.3+0.6*r.Float64(), r.IntN(6)
			case statusClosed:
				frac = 0.7 + 0.3*r.Float64()
			}
			want := min(quota, int(math.Round(frac*float64(quota))))
			for _, plan := range []struct {
				status string
				count  int
			}{{signUpHired, want - hired[j]}, {signUpPending, pending}, {signUpRejected, rejected}, {signUpCancelled, cancelled}} {
				for range plan.count {
					vi, ok := next(func(vi int) bool {
						return !taken[vi] && !(p.status == statusRunning && plan.status == signUpHired && busyRunning[vi])
					})
					if !ok {
						break
					}
					taken[vi] = true
					if p.status == statusRunning && plan.status == signUpHired {
						busyRunning[vi] = true
					}
					g.addSignUp(r, pi, j, vi, plan.status)
				}
			}
		}
	}
}

// candidates returns a function yielding volunteers for project p that
// accept, in order of preference, until none is left.
func (g *generator) candidates(r *rand.Rand, p *projectRow, membersOf map[int][]int, byDistrict map[string][]int, fixed map[int]bool) func(accept func(int) bool) (int, bool) {
	ds := g.ds
	o := ds.orgs[p.org]
	family := []int{p.org}
	switch o.level {
	case levelStreet:
		for i, c := range ds.orgs {
			if c.parent == p.org {
				family = append(family, i)
			}
		}
	case levelCommunity:
		family = append(family, o.parent)
	}
	var near []int
	for _, f := range family {
		for _, vi := range membersOf[f] {
			if !fixed[vi] {
				near = append(near, vi)
			}
		}
	}
	r.Shuffle(len(near), func(i, j int) { near[i], near[j] = near[j], near[i] })
	district := slices.Clone(byDistrict[p.districtCode])
	r.Shuffle(len(district), func(i, j int) { district[i], district[j] = district[j], district[i] })
	lists := [][]int{near, district}
	tries := 0
	return func(accept func(int) bool) (int, bool) {
		for len(lists) > 0 {
			l := lists[0]
			for len(l) > 0 {
				vi := l[0]
				l = l[1:]
				if accept(vi) {
					lists[0] = l
					return vi, true
				}
			}
			lists = lists[1:]
		}
		// Whole city: random draws, bounded so that a tiny demo cannot spin.
		for ; tries < 20*len(ds.volunteers); tries++ {
			vi := r.IntN(len(ds.volunteers))
			if !fixed[vi] && accept(vi) {
				return vi, true
			}
		}
		return 0, false
	}
}

// addSignUp appends a sign-up with times inside the project's recruiting
// window.
func (g *generator) addSignUp(r *rand.Rand, pi, j, vi int, status string) {
	ds := g.ds
	p := ds.projects[pi]
	from := p.created
	if p.recruitStart != nil {
		from = *p.recruitStart
	}
	until := minTime(p.start, ds.now)
	created := from
	if span := until.Sub(from); span > 0 {
		created = from.Add(time.Duration(r.Int64N(int64(span))))
	}
	created = created.Truncate(time.Minute)
	s := signUpRow{
		id:        idFor(fmt.Sprintf("signup/%x/%x", p.id, ds.volunteers[vi].id)),
		project:   pi,
		position:  p.positions[j],
		volunteer: vi,
		status:    status,
		created:   created,
	}
	if status == signUpHired || status == signUpRejected {
		s.reviewedAt = ptr(minTime(created.Add(time.Duration(1+r.IntN(48))*time.Hour), ds.now))
	}
	ds.signUps = append(ds.signUps, s)
}

// addPerson appends p and returns its index.
func (g *generator) addPerson(p personRow) int {
	g.idNumbers[p.idNumber] = true
	g.phones[p.phone] = true
	g.ds.persons = append(g.ds.persons, p)
	return len(g.ds.persons) - 1
}

// newIDNumber draws a valid ID number no other demo person has.
func (g *generator) newIDNumber(r *rand.Rand, region string, birth time.Time, male bool) string {
	for {
		s := idnumber.Generate(r, region, birth, male)
		if !g.idNumbers[s] {
			return s
		}
	}
}

// newPhone draws a mobile number no other demo person has.
func (g *generator) newPhone(r *rand.Rand) string {
	for {
		s := mobilePrefixes[r.IntN(len(mobilePrefixes))] + fmt.Sprintf("%08d", r.IntN(100_000_000))
		if !g.phones[s] {
			g.phones[s] = true
			return s
		}
	}
}

// newVolunteerNo returns an unused number SH + 10 digits: drawn from r, or,
// for the fixed volunteers (r nil), derived from key so that it never
// depends on how many volunteers are generated.
func (g *generator) newVolunteerNo(r *rand.Rand, key string) string {
	var n uint64
	if r == nil {
		u := idFor("volunteer-no/" + key)
		for _, b := range u[:8] {
			n = n<<8 | uint64(b)
		}
	}
	for {
		if r != nil {
			n = r.Uint64()
		}
		s := fmt.Sprintf("SH%010d", n%10_000_000_000)
		if !g.volNos[s] {
			g.volNos[s] = true
			return s
		}
		n++
	}
}

// randomName draws a Chinese name: a surname (common ones more often) and
// one or two given-name characters.
func randomName(r *rand.Rand, male bool) string {
	given := givenFemale
	if male {
		given = givenMale
	}
	pick := func() string {
		if r.IntN(3) == 0 {
			return givenNeutral[r.IntN(len(givenNeutral))]
		}
		return given[r.IntN(len(given))]
	}
	name := surnames[pickSkewed(r, len(surnames))] + pick()
	if r.IntN(10) < 7 {
		name += pick()
	}
	return name
}

// pickSkewed returns an index below n, small ones more likely (the minimum
// of two uniform draws).
func pickSkewed(r *rand.Rand, n int) int { return min(r.IntN(n), r.IntN(n)) }

// weightedDistrict draws a district index with probability proportional to
// its population.
func weightedDistrict(r *rand.Rand, total int) int {
	x := r.IntN(total)
	for i, d := range districts {
		if x < d.population {
			return i
		}
		x -= d.population
	}
	return len(districts) - 1
}

// politicalStatus draws a 政治面貌 plausible for the age.
func politicalStatus(r *rand.Rand, age int) string {
	u := r.Float64()
	if age <= 28 {
		switch {
		case u < 0.45:
			return politicalLeague
		case u < 0.55:
			return politicalParty
		case u < 0.58:
			return politicalProbation
		}
		return politicalMasses
	}
	switch {
	case u < 0.25:
		return politicalParty
	case u < 0.27:
		return politicalProbation
	case u < 0.30:
		return politicalDemocrat
	}
	return politicalMasses
}
