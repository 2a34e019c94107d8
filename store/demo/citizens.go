package demo

// Roles of the fixed demo citizens; Citizen.Role is one of them.
const (
	// RoleLeader is a volunteer who also leads 徐汇区志愿者协会 and administers
	// 天平路街道志愿者服务中心: four accounts, for trying the account switcher,
	// reviewing a street's projects and scanning as staff.
	RoleLeader = "leader"
	// RoleVolunteer is a plain volunteer, hired on a running project of
	// 徐家汇街道志愿者服务中心 so that a check-in can be tried at once.
	RoleVolunteer = "volunteer"
	// RoleCitizen is a citizen who has not registered as a volunteer yet.
	RoleCitizen = "citizen"
	// RoleStreetLeader leads 徐家汇街道志愿者服务中心, the org whose running
	// project RoleVolunteer is hired on.
	RoleStreetLeader = "street_leader"
)

// Account kinds, as identity.account.kind stores them.
const (
	KindCitizen   = "citizen"
	KindVolunteer = "volunteer"
	KindOrgLeader = "org_leader"
	KindOrgAdmin  = "org_admin"
)

// Names of the orgs the fixed demo citizens act for.
const (
	OrgXuhui      = "徐汇区志愿者协会"
	OrgTianpinglu = "天平路街道志愿者服务中心"
	OrgXujiahui   = "徐家汇街道志愿者服务中心"
)

// Account is one account a fixed demo citizen holds.
type Account struct {
	// Kind is KindCitizen, KindVolunteer, KindOrgLeader or KindOrgAdmin.
	Kind string
	// OrgName names the org of an org_leader or org_admin account; empty
	// otherwise.
	OrgName string
}

// Citizen is a fixed demo login: a person whom the dev identity provider
// signs in by name and ID number (IdentityService.DevLogin), present in
// every demo database with the same data, so that tests, the README and the
// `yima dev` banner can name them.
type Citizen struct {
	// Role is one of the Role constants and says what the person is for.
	Role string
	// Name is the person's name as the identity provider reports it.
	Name string
	// IDNumber is a valid GB 11643 resident ID number (check character,
	// real date, a Shanghai district code). It is synthetic.
	IDNumber string
	// Phone is a mainland mobile number. It is synthetic.
	Phone string
	// Description says in Chinese what the login can do, for banners and
	// docs.
	Description string
	// Accounts lists the person's accounts, the citizen account first.
	Accounts []Account
}

// Citizens returns the fixed demo logins, the same on every call and in
// every demo database; the slice is new on each call, so callers may modify
// it. The ID numbers are hard-coded rather than drawn, so they stay the same
// even if the generator of synthetic numbers changes.
func Citizens() []Citizen {
	return []Citizen{
		{
			Role: RoleLeader, Name: "陈思远", IDNumber: "310104198605121236", Phone: "13916880001",
			Description: "志愿者；徐汇区志愿者协会负责人；天平路街道志愿者服务中心管理员",
			Accounts: []Account{
				{Kind: KindCitizen},
				{Kind: KindVolunteer},
				{Kind: KindOrgLeader, OrgName: OrgXuhui},
				{Kind: KindOrgAdmin, OrgName: OrgTianpinglu},
			},
		},
		{
			Role: RoleVolunteer, Name: "李晓梅", IDNumber: "310104199509231421", Phone: "13916880002",
			Description: "志愿者，已录用于徐家汇街道进行中的项目",
			Accounts:    []Account{{Kind: KindCitizen}, {Kind: KindVolunteer}},
		},
		{
			Role: RoleCitizen, Name: "赵雨桐", IDNumber: "310105200103082069", Phone: "13916880003",
			Description: "市民，尚未注册志愿者",
			Accounts:    []Account{{Kind: KindCitizen}},
		},
		{
			Role: RoleStreetLeader, Name: "王建国", IDNumber: "310104197211304510", Phone: "13916880004",
			Description: "徐家汇街道志愿者服务中心负责人",
			Accounts:    []Account{{Kind: KindCitizen}, {Kind: KindOrgLeader, OrgName: OrgXujiahui}},
		},
	}
}
