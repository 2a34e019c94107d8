package demo

import (
	"crypto/sha1"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// uuid is a row id, computed rather than drawn from the database so that the
// same demo data has the same ids in every database.
type uuid = [16]byte

// idFor returns the id of the row named by key, a name-based (version 5
// style) UUID under the demo's namespace. Keys name rows by what they are
// ("org/310104/天平路街道"), not by the order they were made in, so adding a
// street does not renumber every row after it.
func idFor(key string) uuid {
	sum := sha1.Sum([]byte("yima/store/demo/v1\x00" + key))
	var u uuid
	copy(u[:], sum[:16])
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return u
}

// The PCG seed and one stream per part of the data: each part draws only
// from its own stream, so the org tree and the projects do not change when
// the number of volunteers does, and the first n volunteers are the same
// whatever n is.
const (
	seed            = 0x79696d6164656d6f // "yimademo"
	streamOrgs      = 1
	streamLeaders   = 2
	streamProjects  = 3
	streamVolunteer = 4
	streamSignUps   = 5
	streamServices  = 6
)

func newRand(stream uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, stream)) }

// Demo sizes that are not options.
const (
	projectCount = 200
	// nearestOrgs is how many of the closest street and community orgs a
	// volunteer may join (1-3 of them).
	nearestOrgs = 5
)

// chinaTime is China Standard Time; project shifts are placed at local
// hours. A fixed zone needs no tzdata.
var chinaTime = time.FixedZone("CST", 8*60*60)

const day = 24 * time.Hour

// Org levels as org.org stores them.
const (
	levelDistrict  = "district"
	levelStreet    = "street"
	levelCommunity = "community"
)

// Project statuses as project.project stores them.
const (
	statusDraft         = "draft"
	statusPendingReview = "pending_review"
	statusRecruiting    = "recruiting"
	statusRunning       = "running"
	statusClosed        = "closed"
)

// Sign-up statuses as project.sign_up stores them.
const (
	signUpPending   = "pending"
	signUpHired     = "hired"
	signUpRejected  = "rejected"
	signUpCancelled = "cancelled"
)

type orgRow struct {
	id           uuid
	parent       int    // index in dataset.orgs; -1 for the root
	path         []uuid // from the first org under the root down to this one
	level        string
	name         string
	place        string // what {street}/{community} expand to for this org
	district     int    // index in districts
	supervising  string
	address      string
	lat, lng     float64
	categories   []string
	intro        string
	contactName  string
	contactPhone string
	foundedOn    time.Time
}

type personRow struct {
	id       uuid
	name     string
	idNumber string
	phone    string
	birth    time.Time
}

type accountRow struct {
	id         uuid
	person     int // index in dataset.persons
	kind       string
	org        int // index in dataset.orgs; -1 for none
	validFrom  *time.Time
	validUntil *time.Time
}

type volunteerRow struct {
	id           uuid
	person       int
	no           string
	political    string
	categories   []string
	districtCode string
	lat, lng     float64
	lastActive   *time.Time
	registered   time.Time
}

type membershipRow struct {
	org, volunteer int
	joined         time.Time
}

type projectRow struct {
	id           uuid
	org          int
	title        string
	description  string
	status       string
	start, end   time.Time
	recruitStart *time.Time
	recruitEnd   *time.Time
	address      string
	lat, lng     float64
	districtCode string
	categories   []string
	createdBy    int // index in dataset.persons; -1 for none
	created      time.Time
	closed       *time.Time
	positions    []int // indexes in dataset.positions
}

type positionRow struct {
	id      uuid
	project int
	name    string
	quota   int
	methods []string
	sort    int
}

type signUpRow struct {
	id         uuid
	project    int
	position   int
	volunteer  int
	status     string
	created    time.Time
	reviewedAt *time.Time
}

// dataset is the whole demo, generated in memory before a single row is
// written.
type dataset struct {
	now         time.Time
	orgs        []orgRow
	persons     []personRow
	accounts    []accountRow
	volunteers  []volunteerRow
	memberships []membershipRow
	projects    []projectRow
	positions   []positionRow
	signUps     []signUpRow
	services    []serviceRow
}

// generator holds what generation needs to keep values unique and to find
// rows again.
type generator struct {
	ds        *dataset
	idNumbers map[string]bool
	phones    map[string]bool
	volNos    map[string]bool
	orgByName map[string]int
	// fixed maps a fixed citizen's role to its person and, for volunteers,
	// its volunteer index.
	fixedPerson    map[string]int
	fixedVolunteer map[string]int
	leaderOf       map[int]int // org index → person index of its leader
	// rosterProject is the featured running project the fixed volunteers
	// are hired on.
	rosterProject int
}

// generate builds the demo for n synthetic volunteers at now, which it
// truncates to the hour.
func generate(n int, now time.Time) *dataset {
	now = now.Truncate(time.Hour).UTC()
	g := &generator{
		ds:             &dataset{now: now},
		idNumbers:      map[string]bool{},
		phones:         map[string]bool{},
		volNos:         map[string]bool{},
		orgByName:      map[string]int{},
		fixedPerson:    map[string]int{},
		fixedVolunteer: map[string]int{},
		leaderOf:       map[int]int{},
	}
	g.orgs(newRand(streamOrgs))
	g.fixedCitizens()
	g.leaders(newRand(streamLeaders))
	g.projects(newRand(streamProjects))
	g.volunteers(newRand(streamVolunteer), n)
	g.signUps(newRand(streamSignUps))
	g.services(newRand(streamServices))
	return g.ds
}

// orgs builds the tree below the city root: districts, streets and, under
// some streets, communities.
func (g *generator) orgs(r *rand.Rand) {
	communityNames := map[string]bool{}
	for di, d := range districts {
		dIdx := g.addOrg(orgRow{
			id:          idFor("org/" + d.code),
			parent:      -1,
			level:       levelDistrict,
			name:        d.name + "志愿者协会",
			place:       d.name,
			district:    di,
			supervising: "上海市" + d.name + "精神文明建设委员会办公室",
			address:     d.address,
			lat:         d.seat.lat,
			lng:         d.seat.lng,
			categories:  slices.Clone(categories),
			intro: d.name + "志愿者协会是在" + d.name + "文明办指导下成立的志愿服务枢纽型社会组织，" +
				"统筹全区志愿者招募、培训、激励和志愿服务项目管理，联系指导各街镇志愿者服务中心。",
			contactName:  randomName(r, r.IntN(2) == 0),
			contactPhone: landline(r),
			foundedOn:    dateAfter(r, 1998, 12),
		})
		for _, s := range d.streets {
			streetKey := "org/" + d.code + "/" + s.name
			gov := "上海市" + d.name + "人民政府" + s.name + "办事处"
			if strings.HasSuffix(s.name, "镇") {
				gov = "上海市" + d.name + s.name + "人民政府"
			}
			sIdx := g.addOrg(orgRow{
				id:          idFor(streetKey),
				parent:      dIdx,
				level:       levelStreet,
				name:        s.name + "志愿者服务中心",
				place:       s.name,
				district:    di,
				supervising: gov,
				address:     "上海市" + d.name + s.name + "社区事务受理服务中心",
				lat:         round6(s.lat),
				lng:         round6(s.lng),
				categories:  pickCategories(r, 3, 5),
				intro: s.name + "志愿者服务中心依托社区党群服务中心，组织辖区志愿者开展为老服务、" +
					"垃圾分类、文明交通和应急救援等社区志愿服务。",
				contactName:  randomName(r, r.IntN(2) == 0),
				contactPhone: landline(r),
				foundedOn:    dateAfter(r, 2005, 13),
			})
			if r.Float64() >= 0.6 {
				continue
			}
			for range 1 + r.IntN(3) {
				name := communityName(r, s.name, communityNames)
				lat, lng := jitter(r, s.lat, s.lng, 1.0)
				g.addOrg(orgRow{
					id:          idFor(streetKey + "/" + name),
					parent:      sIdx,
					level:       levelCommunity,
					name:        name + "居委会志愿服务队",
					place:       name,
					district:    di,
					supervising: name + "居民委员会",
					address:     "上海市" + d.name + s.name + name + "居民区活动室",
					lat:         lat,
					lng:         lng,
					categories:  pickCategories(r, 2, 3),
					intro: name + "居委会志愿服务队由热心居民组成，常年开展邻里互助、楼组清洁、" +
						"关爱独居老人和垃圾分类值守等服务。",
					contactName:  randomName(r, r.IntN(2) == 0),
					contactPhone: g.newPhone(r),
					foundedOn:    dateAfter(r, 2010, 12),
				})
			}
		}
	}
}

// addOrg appends o, filling in its path, and returns its index.
func (g *generator) addOrg(o orgRow) int {
	if o.parent >= 0 {
		o.path = append(slices.Clone(g.ds.orgs[o.parent].path), o.id)
	} else {
		o.path = []uuid{o.id}
	}
	g.ds.orgs = append(g.ds.orgs, o)
	i := len(g.ds.orgs) - 1
	g.orgByName[o.name] = i
	return i
}

// communityName returns a 居委会 name not yet in used: a numbered estate of
// the street where it has them (田林三村), or a stem and suffix (锦绣苑).
func communityName(r *rand.Rand, street string, used map[string]bool) string {
	estate, numbered := numberedEstates[street]
	for try := 0; ; try++ {
		var name string
		if numbered && r.IntN(2) == 0 {
			name = estate + chineseNumbers[r.IntN(len(chineseNumbers))] + "村"
		} else {
			name = communityStems[r.IntN(len(communityStems))] + communitySuffixes[r.IntN(len(communitySuffixes))]
		}
		if try >= 100 { // the tables are nearly used up: number the name
			name += fmt.Sprintf("%d", try)
		}
		if !used[name] {
			used[name] = true
			return name
		}
	}
}

// fixedCitizens adds the people Citizens documents, with their accounts and,
// for volunteers, their volunteer rows and memberships.
func (g *generator) fixedCitizens() {
	ds := g.ds
	for _, c := range Citizens() {
		birth, err := time.Parse("20060102", c.IDNumber[6:14])
		if err != nil {
			panic(fmt.Sprintf("demo: fixed citizen %s has a bad birth date: %v", c.Role, err)) // constant data
		}
		key := "person/fixed/" + c.Role
		p := g.addPerson(personRow{id: idFor(key), name: c.Name, idNumber: c.IDNumber, phone: c.Phone, birth: birth})
		g.fixedPerson[c.Role] = p
		for _, a := range c.Accounts {
			org := -1
			if a.OrgName != "" {
				var ok bool
				if org, ok = g.orgByName[a.OrgName]; !ok {
					panic("demo: fixed citizen's org " + a.OrgName + " is not in the tree") // constant data
				}
			}
			acc := accountRow{id: idFor(accountKey(key, a.Kind, org, ds)), person: p, kind: a.Kind, org: org}
			if a.Kind == KindOrgAdmin {
				from, until := ds.now.Add(-30*day), ds.now.Add(365*day)
				acc.validFrom, acc.validUntil = &from, &until
			}
			if a.Kind == KindOrgLeader {
				g.leaderOf[org] = p
				ds.orgs[org].contactName = c.Name
			}
			ds.accounts = append(ds.accounts, acc)
			if a.Kind != KindVolunteer {
				continue
			}
			home := g.orgByName[OrgXujiahui]
			political, cats := politicalProbation, []string{"文明交通", "社区服务"}
			if c.Role == RoleLeader {
				home = g.orgByName[OrgTianpinglu]
				political, cats = politicalParty, []string{"社区服务", "助老助残", "应急救援"}
			}
			v := volunteerRow{
				id:           idFor("volunteer/" + key),
				person:       p,
				no:           g.newVolunteerNo(nil, key),
				political:    political,
				categories:   cats,
				districtCode: districts[ds.orgs[home].district].code,
				lat:          ds.orgs[home].lat,
				lng:          ds.orgs[home].lng,
				lastActive:   ptr(ds.now.Add(-2 * day)),
				registered:   ds.now.Add(-400 * day),
			}
			ds.volunteers = append(ds.volunteers, v)
			g.fixedVolunteer[c.Role] = len(ds.volunteers) - 1
			ds.memberships = append(ds.memberships, membershipRow{org: home, volunteer: len(ds.volunteers) - 1, joined: v.registered.Add(3 * day)})
		}
	}
}

// accountKey names an account row for idFor.
func accountKey(personKey, kind string, org int, ds *dataset) string {
	k := "account/" + personKey + "/" + kind
	if org >= 0 {
		k += "/" + fmt.Sprintf("%x", ds.orgs[org].id)
	}
	return k
}

// leaders gives every district org a leader, some street and community orgs
// a leader, and a few street orgs an admin with a limited term. The fixed
// citizens already lead their orgs.
func (g *generator) leaders(r *rand.Rand) {
	ds := g.ds
	for oi := range ds.orgs {
		o := &ds.orgs[oi]
		var leader, admin bool
		switch o.level {
		case levelDistrict:
			leader = true
		case levelStreet:
			leader, admin = r.Float64() < 0.4, r.Float64() < 0.12
		case levelCommunity:
			leader = r.Float64() < 0.25
		}
		if _, taken := g.leaderOf[oi]; taken {
			leader = false
		}
		for _, kind := range []string{KindOrgLeader, KindOrgAdmin} {
			if kind == KindOrgLeader && !leader || kind == KindOrgAdmin && !admin {
				continue
			}
			key := fmt.Sprintf("person/%s/%x", kind, o.id)
			male := r.IntN(2) == 0
			birth := birthBetween(r, 1960, 1992)
			p := g.addPerson(personRow{
				id:       idFor(key),
				name:     randomName(r, male),
				idNumber: g.newIDNumber(r, districts[o.district].code, birth, male),
				phone:    g.newPhone(r),
				birth:    birth,
			})
			ds.accounts = append(ds.accounts, accountRow{id: idFor(accountKey(key, KindCitizen, -1, ds)), person: p, kind: KindCitizen, org: -1})
			acc := accountRow{id: idFor(accountKey(key, kind, oi, ds)), person: p, kind: kind, org: oi}
			if kind == KindOrgAdmin {
				from, until := ds.now.Add(-time.Duration(10+r.IntN(80))*day), ds.now.Add(time.Duration(90+r.IntN(275))*day)
				acc.validFrom, acc.validUntil = &from, &until
			} else {
				g.leaderOf[oi] = p
				o.contactName = ds.persons[p].name
			}
			ds.accounts = append(ds.accounts, acc)
		}
	}
}
