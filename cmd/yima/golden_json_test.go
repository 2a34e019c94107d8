package main

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"yima/services/identity/idnumber"
)

// jsonClient speaks plain Connect JSON, the way other tools drive the
// golden path: POST /<package>.<Service>/<Method> with a bearer token.
type jsonClient struct {
	t     *testing.T
	url   string
	token string
}

// call posts body (marshalled) and decodes the answer; a non-200 answer
// fails the test with the error it carried.
func (c jsonClient) call(proc string, body any) map[string]any {
	c.t.Helper()
	out, status := c.try(proc, body)
	if status != http.StatusOK {
		c.t.Fatalf("%s: HTTP %d %v", proc, status, out)
	}
	return out
}

func (c jsonClient) try(proc string, body any) (map[string]any, int) {
	c.t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		c.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, c.url+"/"+proc, bytes.NewReader(raw))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		c.t.Fatalf("%s: HTTP %d, not JSON: %s", proc, res.StatusCode, b)
	}
	return out, res.StatusCode
}

func (c jsonClient) as(token string) jsonClient { c.token = token; return c }

func str(t *testing.T, m map[string]any, path ...string) string {
	t.Helper()
	var v any = m
	for _, p := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("no %v in %v", path, m)
		}
		v = mm[p]
	}
	s, ok := v.(string)
	if !ok {
		t.Fatalf("%v = %v (%T), want a string", path, v, v)
	}
	return s
}

// clock is a test clock: real time moved forward by an offset.
type clock struct{ offset atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// TestGoldenPathJSON drives the nine rows of ARCHITECTURE §10 through plain
// Connect JSON against a real yima dev, from an empty database.
func TestGoldenPathJSON(t *testing.T) {
	clk := &clock{}
	s := startServerWith(t, func(m *Main) { m.Now = clk.Now })
	api := jsonClient{t: t, url: s.URL}
	r := rand.New(rand.NewPCG(7, 11))
	birth := time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC)
	volunteerID := idnumber.Generate(r, "310104", birth, false)
	founderID := idnumber.Generate(r, "310105", birth.AddDate(-10, 0, 0), true)

	// Row 1: sign-in; bad ID numbers are refused.
	if out, status := api.try("yima.identity.v1.IdentityService/DevLogin", map[string]string{"id_number": "310104199001011234", "name": "错号"}); status != http.StatusBadRequest || out["code"] != "invalid_argument" {
		t.Fatalf("DevLogin with a bad check digit = %d %v, want 400 invalid_argument", status, out)
	}
	vol := api.as(str(t, api.call("yima.identity.v1.IdentityService/DevLogin", map[string]string{"id_number": volunteerID, "name": "林晓"}), "token"))
	founder := api.as(str(t, api.call("yima.identity.v1.IdentityService/DevLogin", map[string]string{"idNumber": founderID, "name": "周强"}), "token"))
	admin := api.as(str(t, api.call("yima.identity.v1.IdentityService/DevLogin", map[string]string{"username": "admin"}), "token"))

	// Row 2: the admin's account belongs to the root org.
	accts := admin.call("yima.identity.v1.IdentityService/ListAccounts", map[string]any{})["accounts"].([]any)
	root := accts[0].(map[string]any)["orgId"].(string)

	// Row 3: register as a volunteer; the same token acts as the volunteer.
	vol.call("yima.volunteer.v1.VolunteerService/Register", map[string]any{"political_status": "群众", "service_categories": []string{"社区服务"}})
	if out, status := vol.try("yima.volunteer.v1.VolunteerService/Register", map[string]any{"political_status": "群众", "service_categories": []string{"社区服务"}}); status != http.StatusConflict {
		t.Fatalf("second Register = %d %v, want 409 already_exists", status, out)
	}
	if kind := str(t, vol.call("yima.identity.v1.IdentityService/GetMe", map[string]any{}), "account", "kind"); kind != "ACCOUNT_KIND_VOLUNTEER" {
		t.Fatalf("after Register the token acts as %s, want the volunteer", kind)
	}

	// Row 4: an org under the root, admitted by the city staff.
	org := founder.call("yima.org.v1.OrgService/RegisterOrg", map[string]any{
		"name": "测试区志愿者协会", "parent_org_id": root, "supervising_unit": "测试区文明办",
		"address": "上海市徐汇区漕溪北路336号", "location": map[string]float64{"lat": 31.1884, "lng": 121.4365},
		"service_categories": []string{"社区服务"},
	})["org"].(map[string]any)
	if org["status"] != "ORG_STATUS_PENDING" {
		t.Fatalf("new org status = %v", org["status"])
	}
	orgID := org["id"].(string)
	if _, status := admin.try("yima.org.v1.OrgService/ReviewOrg", map[string]any{"org_id": orgID, "approve": false}); status != http.StatusBadRequest {
		t.Fatalf("rejection without a reason = %d, want 400", status)
	}
	admin.call("yima.org.v1.OrgService/ReviewOrg", map[string]any{"org_id": orgID, "approve": true})
	var leaderAccount string
	for _, a := range founder.call("yima.identity.v1.IdentityService/ListAccounts", map[string]any{})["accounts"].([]any) {
		if a.(map[string]any)["kind"] == "ACCOUNT_KIND_ORG_LEADER" {
			leaderAccount = a.(map[string]any)["id"].(string)
		}
	}
	leader := api.as(str(t, founder.call("yima.identity.v1.IdentityService/SwitchAccount", map[string]string{"account_id": leaderAccount}), "token"))

	// Row 5: a project starting in 10 minutes — its scan window is open.
	start := clk.Now().Add(10 * time.Minute).UTC()
	project := leader.call("yima.project.v1.ProjectService/CreateProject", map[string]any{
		"org_id": orgID, "title": "社区文明引导", "description": "地铁站口文明引导",
		"start_time": start.Format(time.RFC3339), "end_time": start.Add(3 * time.Hour).Format(time.RFC3339),
		"address": "徐家汇地铁站", "location": map[string]float64{"lat": 31.1946, "lng": 121.4370},
		"service_categories": []string{"文明交通"},
		"positions":          []map[string]any{{"name": "引导员", "quota": 5, "sign_in_methods": []string{}}},
	})["project"].(map[string]any)
	if project["status"] != "PROJECT_STATUS_DRAFT" {
		t.Fatalf("new project status = %v", project["status"])
	}
	projectID := project["id"].(string)
	positionID := project["positions"].([]any)[0].(map[string]any)["id"].(string)
	leader.call("yima.project.v1.ProjectService/SubmitProject", map[string]string{"project_id": projectID})
	if _, status := leader.try("yima.project.v1.ProjectService/ReviewProject", map[string]any{"project_id": projectID, "approve": true}); status != http.StatusForbidden {
		t.Fatalf("own org reviewing its project = %d, want 403", status)
	}
	reviewed := admin.call("yima.project.v1.ProjectService/ReviewProject", map[string]any{"project_id": projectID, "approve": true})
	if got := str(t, reviewed, "project", "status"); got != "PROJECT_STATUS_RECRUITING" {
		t.Fatalf("approved project status = %s", got)
	}

	// Row 6: sign up and get hired.
	signUp := vol.call("yima.project.v1.ProjectService/SignUp", map[string]string{"project_id": projectID, "position_id": positionID})
	if got := str(t, signUp, "signUp", "status"); got != "SIGN_UP_STATUS_PENDING" {
		t.Fatalf("sign-up status = %s", got)
	}
	hired := leader.call("yima.project.v1.ProjectService/ReviewSignUp", map[string]any{"sign_up_id": str(t, signUp, "signUp", "id"), "approve": true})
	if got := str(t, hired, "signUp", "status"); got != "SIGN_UP_STATUS_HIRED" {
		t.Fatalf("reviewed sign-up status = %s", got)
	}

	// Row 7: codes.
	code := str(t, vol.call("yima.checkin.v1.CheckinService/GetVolunteerCode", map[string]any{}), "payload")
	projectCode := str(t, leader.call("yima.checkin.v1.CheckinService/GetProjectCode", map[string]string{"project_id": projectID}), "payload")

	// Row 8: staff scan signs in; a retry and a repeat within 60 s answer
	// the earlier result; missing fields are invalid_argument.
	if _, status := leader.try("yima.checkin.v1.CheckinService/Scan", map[string]string{"project_id": projectID, "payload": code}); status != http.StatusBadRequest {
		t.Fatalf("scan without scan_id = %d, want 400", status)
	}
	in := leader.call("yima.checkin.v1.CheckinService/Scan", map[string]string{"scan_id": "g-1", "project_id": projectID, "payload": code})
	if in["outcome"] != "SCAN_OUTCOME_SIGNED_IN" || in["duplicate"] != false {
		t.Fatalf("first scan = %v, want a fresh sign-in", in)
	}
	if again := leader.call("yima.checkin.v1.CheckinService/Scan", map[string]string{"scan_id": "g-1", "project_id": projectID, "payload": code}); again["duplicate"] != true || again["outcome"] != "SCAN_OUTCOME_SIGNED_IN" {
		t.Fatalf("retry with the same scan_id = %v, want the first answer, duplicate", again)
	}
	if rep := vol.call("yima.checkin.v1.CheckinService/Scan", map[string]string{"scan_id": "g-2", "payload": projectCode}); rep["duplicate"] != true {
		t.Fatalf("self scan within 60 s = %v, want the earlier result, duplicate", rep)
	}
	bad := leader.call("yima.checkin.v1.CheckinService/Scan", map[string]string{"scan_id": "g-3", "project_id": projectID, "payload": "YV1.NOTACODE"})
	if bad["outcome"] != "SCAN_OUTCOME_REJECTED" || bad["reason"] != "CODE_INVALID" {
		t.Fatalf("forged code = %v, want REJECTED CODE_INVALID", bad)
	}
	// Ninety minutes later the volunteer scans the project's code: signed out.
	clk.Advance(90 * time.Minute)
	out := vol.call("yima.checkin.v1.CheckinService/Scan", map[string]string{"scan_id": "g-4", "payload": projectCode})
	if out["outcome"] != "SCAN_OUTCOME_SIGNED_OUT" {
		t.Fatalf("self scan after 90 min = %v, want SIGNED_OUT", out)
	}
	session := out["session"].(map[string]any)
	if d, _ := session["durationSeconds"].(string); d == "" || d == "0" {
		t.Fatalf("sign-out duration = %v", session["durationSeconds"])
	}

	// Row 6 again: close; row 9: the record.
	closed := leader.call("yima.project.v1.ProjectService/CloseProject", map[string]string{"project_id": projectID})
	if got := str(t, closed, "project", "status"); got != "PROJECT_STATUS_CLOSED" {
		t.Fatalf("closed project status = %s", got)
	}
	recs := vol.call("yima.record.v1.RecordService/ListServiceRecords", map[string]any{})["records"].([]any)
	if len(recs) != 1 {
		t.Fatalf("service records = %v, want one", recs)
	}
	rec := recs[0].(map[string]any)
	if rec["projectId"] != projectID || rec["positionId"] != positionID || rec["durationSeconds"] != session["durationSeconds"] {
		t.Errorf("record = %v, want project %s position %s duration %v", rec, projectID, positionID, session["durationSeconds"])
	}
}
