package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// featured are the projects the fixed citizens use: a running one both fixed
// volunteers are hired on, a recruiting one to sign up for, one waiting
// for the district's review, and a closed one whose volunteers the street
// leader rates.
var featured = []struct {
	org      string
	template int
	status   string
	quotas   []int
	methods  [][]string
}{
	{OrgXujiahui, 1, statusRunning, []int{20, 10}, [][]string{{}, {"staff_scan"}}},
	{OrgTianpinglu, 0, statusRecruiting, []int{30, 10}, [][]string{{}, {"self_scan"}}},
	{OrgXujiahui, 3, statusPendingReview, []int{15}, [][]string{{}}},
	{OrgXujiahui, 0, statusClosed, []int{8, 5}, [][]string{{}, {}}},
}

// projects builds projectCount projects: the featured ones, then random ones
// on street and community orgs.
func (g *generator) projects(r *rand.Rand) {
	ds := g.ds
	titles := map[string]int{}
	for i, f := range featured {
		org := g.orgByName[f.org]
		p := g.newProject(r, fmt.Sprintf("project/featured/%d", i), org, projectTemplates[f.template], f.status, titles)
		if f.status == statusRunning {
			g.rosterProject = len(ds.projects)
			start, end := ds.now.Add(-time.Hour), ds.now.Add(3*time.Hour)
			p.start, p.end = start, end
			p.recruitStart, p.recruitEnd = ptr(start.Add(-14*day)), ptr(start)
		}
		if f.status == statusRecruiting {
			local := ds.now.In(chinaTime)
			p.start = time.Date(local.Year(), local.Month(), local.Day()+2, 9, 0, 0, 0, chinaTime).UTC()
			p.end = p.start.Add(3 * time.Hour)
			p.recruitEnd = ptr(p.start)
		}
		if f.status == statusClosed {
			local := ds.now.In(chinaTime)
			p.start = time.Date(local.Year(), local.Month(), local.Day()-5, 9, 0, 0, 0, chinaTime).UTC()
			p.end = p.start.Add(3 * time.Hour)
			p.recruitStart, p.recruitEnd = ptr(p.start.Add(-14*day)), ptr(p.start)
			p.closed = ptr(p.end.Add(2 * time.Hour))
			p.created = p.start.Add(-15 * day)
		}
		g.addProject(p, projectTemplates[f.template].positions, f.quotas, f.methods)
	}
	var hosts []int // street and community orgs
	for i, o := range ds.orgs {
		if o.level != levelDistrict {
			hosts = append(hosts, i)
		}
	}
	for i := len(featured); i < projectCount; i++ {
		org := hosts[r.IntN(len(hosts))]
		t := projectTemplates[r.IntN(len(projectTemplates))]
		var status string
		switch u := r.Float64(); {
		case u < 0.42:
			status = statusRecruiting
		case u < 0.77:
			status = statusRunning
		case u < 0.92:
			status = statusClosed
		case u < 0.96:
			status = statusDraft
		default:
			status = statusPendingReview
		}
		p := g.newProject(r, fmt.Sprintf("project/%d", i), org, t, status, titles)
		n := 1 + r.IntN(min(4, len(t.positions)))
		quotas, methods := make([]int, n), make([][]string, n)
		for j := range n {
			quotas[j] = 5 + r.IntN(46)
			methods[j] = signInMethodSets[r.IntN(len(signInMethodSets))]
		}
		g.addProject(p, t.positions[:n], quotas, methods)
	}
}

// newProject fills a project of template t on org with times that fit
// status; positions are added by addProject.
func (g *generator) newProject(r *rand.Rand, key string, org int, t projectTemplate, status string, titles map[string]int) projectRow {
	ds := g.ds
	o := ds.orgs[org]
	d := districts[o.district]
	street, community := o.place, o.place
	if o.level == levelCommunity {
		street = ds.orgs[o.parent].place
	}
	expand := strings.NewReplacer("{street}", street, "{community}", community, "{district}", d.name).Replace
	title := expand(t.title)
	if n := titles[title]; n > 0 {
		titles[title] = n + 1
		title += "（第" + chineseNumbers[min(n, len(chineseNumbers)-1)] + "期）"
	} else {
		titles[title] = 1
	}
	venue := expand(t.venue)
	switch {
	case strings.HasPrefix(venue, d.name):
	case strings.HasPrefix(venue, street):
		venue = d.name + venue
	default:
		venue = d.name + street + venue
	}
	radius := 1.5
	if o.level == levelCommunity {
		radius = 0.5
	}
	lat, lng := jitter(r, o.lat, o.lng, radius)

	now, local := ds.now, ds.now.In(chinaTime)
	shift := time.Duration(t.hours+r.IntN(3)-1) * time.Hour
	atLocal := func(days, hour int) time.Time {
		return time.Date(local.Year(), local.Month(), local.Day()+days, hour, 0, 0, 0, chinaTime).UTC()
	}
	p := projectRow{
		id:           idFor(key),
		org:          org,
		title:        title,
		description:  expand(t.description),
		status:       status,
		address:      "上海市" + venue,
		lat:          lat,
		lng:          lng,
		districtCode: d.code,
		categories:   slices.Clone(t.categories),
		createdBy:    -1,
	}
	if leader, ok := g.leaderOf[org]; ok {
		p.createdBy = leader
	}
	switch status {
	case statusRunning:
		p.start = now.Add(-time.Duration(1+r.IntN(2)) * time.Hour)
		p.end = now.Add(time.Duration(2+r.IntN(4)) * time.Hour)
		p.recruitStart, p.recruitEnd = ptr(p.start.Add(-time.Duration(7+r.IntN(14))*day)), ptr(p.start)
	case statusRecruiting:
		p.start = atLocal(1+r.IntN(14), 8+r.IntN(8))
		p.end = p.start.Add(shift)
		p.recruitStart, p.recruitEnd = ptr(now.Add(-time.Duration(1+r.IntN(10))*day)), ptr(p.start)
	case statusClosed:
		p.start = atLocal(-3-r.IntN(60), 8+r.IntN(8))
		p.end = p.start.Add(shift)
		p.recruitStart, p.recruitEnd = ptr(p.start.Add(-time.Duration(7+r.IntN(14))*day)), ptr(p.start)
		p.closed = ptr(p.end.Add(time.Duration(1+r.IntN(24)) * time.Hour))
	default: // draft, pending_review: not yet open for sign-up
		p.start = atLocal(10+r.IntN(20), 8+r.IntN(8))
		p.end = p.start.Add(shift)
	}
	p.created = minTime(p.start, now).Add(-time.Duration(2+r.IntN(10)) * day)
	if p.recruitStart != nil && p.recruitStart.Before(p.created) {
		p.created = p.recruitStart.Add(-day)
	}
	return p
}

// addProject appends p with one position per name.
func (g *generator) addProject(p projectRow, names []string, quotas []int, methods [][]string) {
	ds := g.ds
	pi := len(ds.projects)
	for j := range quotas {
		ds.positions = append(ds.positions, positionRow{
			id:      idFor(fmt.Sprintf("position/%x/%d", p.id, j)),
			project: pi,
			name:    names[j],
			quota:   quotas[j],
			methods: methods[j],
			sort:    j,
		})
		p.positions = append(p.positions, len(ds.positions)-1)
	}
	ds.projects = append(ds.projects, p)
}
