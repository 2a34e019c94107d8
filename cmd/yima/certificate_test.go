package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	certificatev1 "yima/rpc/gen/yima/certificate/v1"
	"yima/rpc/gen/yima/certificate/v1/certificatev1connect"
	checkinv1 "yima/rpc/gen/yima/checkin/v1"
	"yima/rpc/gen/yima/checkin/v1/checkinv1connect"
	identityv1 "yima/rpc/gen/yima/identity/v1"
	projectv1 "yima/rpc/gen/yima/project/v1"
	volunteerv1 "yima/rpc/gen/yima/volunteer/v1"
	"yima/store/demo"
)

// certCaller is one caller with the clients this test needs.
type certCaller struct {
	golden
	cert    certificatev1connect.CertificateServiceClient
	checkin checkinv1connect.CheckinServiceClient
}

func (s *testServer) certCaller(g golden) certCaller {
	hc := s.client(g.token)
	return certCaller{
		golden:  g,
		cert:    certificatev1connect.NewCertificateServiceClient(hc, s.URL),
		checkin: checkinv1connect.NewCheckinServiceClient(hc, s.URL),
	}
}

// get fetches path on the server with token (none when empty) and returns
// the status, content type and body.
func (s *testServer) get(t testing.TB, path, token string) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header.Get("Content-Type"), body
}

// TestCertificates drives service certificates (O10, S5) end to end on the
// demo data with a clock the test moves: 王建国's street org runs a project
// two volunteers serve on (scanned in and out), closes it; a volunteer
// applies, the org previews and issues a numbered, signed certificate,
// which its volunteer downloads and anyone verifies — until a stored field
// is changed. Scope: the parent org and staff read but do not issue; a
// sibling org does neither.
func TestCertificates(t *testing.T) {
	t.Parallel()
	clk := &clock{}
	s := startServerAloneWith(t, func(m *Main) { m.Now = clk.Now }, "--demo")
	ids := newCitizens(4408)
	pool := s.pool(t)
	xuhui := s.orgByName(t, demo.OrgXuhui)
	xujiahui := s.orgByName(t, demo.OrgXujiahui)
	tianping := s.orgByName(t, demo.OrgTianpinglu)

	chen := s.demoCitizen(t, demo.RoleLeader)
	parent := s.certCaller(chen.switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER, xuhui))
	sibling := s.certCaller(chen.switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_ADMIN, tianping))
	wang := s.certCaller(s.demoCitizen(t, demo.RoleStreetLeader).switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER, xujiahui))
	admin := s.certCaller(s.staff(t, "admin"))
	anon := s.certCaller(s.as(""))

	// Three volunteers hired on a project of 徐家汇: two serve, one not.
	volIDs := []string{ids.next(), ids.next(), ids.next()}
	var vols []certCaller
	for i, name := range []string{"欧阳晓雯", "林书豪", "张伟"} {
		g := s.citizen(t, volIDs[i], name)
		g.register(t)
		vols = append(vols, s.certCaller(g))
	}
	citizen := s.certCaller(s.citizen(t, ids.next(), "赵敏"))

	start := clk.Now().Add(10 * time.Minute)
	pr := wang.createProject(t, projectRequest(xujiahui, start, 5))
	wang.submit(t, pr.Id)
	parent.reviewProject(t, pr.Id, true, "")
	for _, v := range vols {
		su, err := v.signUp(t.Context(), pr.Id, pr.Positions[0].Id)
		checkErr(t, "SignUp", err, 0, "")
		_, err = wang.reviewSignUp(t.Context(), su.Id, true)
		checkErr(t, "ReviewSignUp", err, 0, "")
	}
	scan := func(v certCaller, id string, want checkinv1.ScanOutcome) {
		t.Helper()
		code, err := v.checkin.GetVolunteerCode(t.Context(), connect.NewRequest(&checkinv1.GetVolunteerCodeRequest{}))
		checkErr(t, "GetVolunteerCode", err, 0, "")
		res, err := wang.checkin.Scan(t.Context(), connect.NewRequest(&checkinv1.ScanRequest{ScanId: id, ProjectId: pr.Id, Payload: code.Msg.Payload}))
		checkErr(t, "Scan", err, 0, "")
		if res.Msg.Outcome != want {
			t.Fatalf("scan %s = %v (%s), want %v", id, res.Msg.Outcome, res.Msg.Reason, want)
		}
	}
	servedFrom := clk.Now() // vols[0] serves from here for 90 minutes
	scan(vols[0], "cert-in-0", checkinv1.ScanOutcome_SCAN_OUTCOME_SIGNED_IN)
	scan(vols[1], "cert-in-1", checkinv1.ScanOutcome_SCAN_OUTCOME_SIGNED_IN)
	clk.Advance(90 * time.Minute)
	scan(vols[0], "cert-out-0", checkinv1.ScanOutcome_SCAN_OUTCOME_SIGNED_OUT)
	clk.Advance(30 * time.Minute)
	scan(vols[1], "cert-out-1", checkinv1.ScanOutcome_SCAN_OUTCOME_SIGNED_OUT)

	apply := func(c certCaller, project, note string) (*certificatev1.CertificateApplication, error) {
		res, err := c.cert.ApplyCertificate(t.Context(), connect.NewRequest(&certificatev1.ApplyCertificateRequest{ProjectId: project, Note: note}))
		if err != nil {
			return nil, err
		}
		return res.Msg.Application, nil
	}
	_, err := apply(vols[0], pr.Id, "")
	checkErr(t, "apply before the close", err, connect.CodeFailedPrecondition, "PROJECT_NOT_CLOSED")
	_, err = wang.project.CloseProject(t.Context(), connect.NewRequest(&projectv1.CloseProjectRequest{ProjectId: pr.Id}))
	checkErr(t, "CloseProject", err, 0, "")

	// The back office's archive (S1) shows how vols[0]'s record came about:
	// both ends scanned by 王建国's staff scans.
	t.Run("服务记录详情", func(t *testing.T) {
		var recordID string
		if err := pool.QueryRow(t.Context(), `SELECT r.id::text FROM record.service_record r JOIN volunteer.volunteer v ON v.id = r.volunteer_id
			JOIN identity.person p ON p.id = v.person_id WHERE r.project_id = $1 AND p.name = '欧阳晓雯'`, pr.Id).Scan(&recordID); err != nil {
			t.Fatal(err)
		}
		res, err := admin.volunteer.GetServiceRecordDetail(t.Context(), connect.NewRequest(&volunteerv1.GetServiceRecordDetailRequest{RecordId: recordID}))
		checkErr(t, "GetServiceRecordDetail", err, 0, "")
		// The clock runs on between servedFrom and the scan: allow a minute.
		ss := res.Msg.Session
		if d := ss.StartedAt.AsTime().Sub(servedFrom); ss.ClosedBy != "scan" || d < 0 || d > time.Minute || ss.DurationSeconds/60 != 90 {
			t.Errorf("session = %v, want 90 minutes from %v closed by a scan", ss, servedFrom)
		}
		for _, sc := range []*volunteerv1.RecordScan{ss.SignIn, ss.SignOut} {
			if sc == nil || sc.Method != "staff" || sc.ByNameMasked != "王**" {
				t.Errorf("scan = %v, want a staff scan by 王**", sc)
			}
		}
	})

	var app *certificatev1.CertificateApplication
	t.Run("申请", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			who        certCaller
			project    string
			note       string
			code       connect.Code
			wantReason string
		}{
			{"项目编号无效", vols[0], "x", "", connect.CodeInvalidArgument, "ID_INVALID"},
			{"项目不存在", vols[0], uuid.NewString(), "", connect.CodeNotFound, "PROJECT_NOT_FOUND"},
			{"备注过长", vols[0], pr.Id, strings.Repeat("字", 201), connect.CodeInvalidArgument, "NOTE_TOO_LONG"},
			{"没有服务记录", vols[2], pr.Id, "", connect.CodeFailedPrecondition, "NO_SERVICE_RECORDS"},
			{"市民不能申请", citizen, pr.Id, "", connect.CodePermissionDenied, "PERMISSION_DENIED"},
			{"组织账号不能申请", wang, pr.Id, "", connect.CodePermissionDenied, "PERMISSION_DENIED"},
			{"未登录", anon, pr.Id, "", connect.CodeUnauthenticated, "TOKEN_MISSING"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := apply(tc.who, tc.project, tc.note)
				checkErr(t, "ApplyCertificate", err, tc.code, tc.wantReason)
			})
		}
		app, err = apply(vols[0], pr.Id, "用于评优")
		checkErr(t, "ApplyCertificate", err, 0, "")
		if app.Status != certificatev1.CertificateApplicationStatus_CERTIFICATE_APPLICATION_STATUS_PENDING ||
			app.ProjectId != pr.Id || app.OrgId != xujiahui || app.RecordCount != 1 || app.ServiceSeconds != 5400 ||
			app.VolunteerNameMasked == "欧阳晓雯" || app.VolunteerNameMasked == "" || app.Note != "用于评优" {
			t.Errorf("application = %v", app)
		}
		_, err = apply(vols[0], pr.Id, "")
		checkErr(t, "second ApplyCertificate", err, connect.CodeAlreadyExists, "ALREADY_APPLIED")
		mine, err := vols[0].cert.ListMyCertificateApplications(t.Context(), connect.NewRequest(&certificatev1.ListMyCertificateApplicationsRequest{}))
		checkErr(t, "ListMyCertificateApplications", err, 0, "")
		if len(mine.Msg.Applications) != 1 || mine.Msg.Applications[0].Id != app.Id {
			t.Errorf("my applications = %v", mine.Msg.Applications)
		}
		_, err = wang.cert.ListMyCertificateApplications(t.Context(), connect.NewRequest(&certificatev1.ListMyCertificateApplicationsRequest{}))
		checkErr(t, "org ListMyCertificateApplications", err, connect.CodePermissionDenied, "PERMISSION_DENIED")
	})

	t.Run("待审队列", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			who        certCaller
			org        string
			code       connect.Code
			wantReason string
		}{
			{"本组织（默认）", wang, "", 0, ""},
			{"本组织", wang, xujiahui, 0, ""},
			{"上级组织只读", parent, xujiahui, 0, ""},
			{"后台只读", admin, xujiahui, 0, ""},
			{"同级组织不能看", sibling, xujiahui, connect.CodePermissionDenied, "NOT_ORG_MEMBER"},
			{"后台须选组织", admin, "", connect.CodeInvalidArgument, "ORG_REQUIRED"},
			{"组织不存在", parent, uuid.NewString(), connect.CodeNotFound, "ORG_NOT_FOUND"},
			{"志愿者无权限", vols[0], xujiahui, connect.CodePermissionDenied, "PERMISSION_DENIED"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, err := tc.who.cert.ListCertificateApplications(t.Context(), connect.NewRequest(&certificatev1.ListCertificateApplicationsRequest{
					OrgId: tc.org, Status: certificatev1.CertificateApplicationStatus_CERTIFICATE_APPLICATION_STATUS_PENDING,
				}))
				checkErr(t, "ListCertificateApplications", err, tc.code, tc.wantReason)
				if err == nil && (len(res.Msg.Applications) != 1 || res.Msg.Applications[0].Id != app.Id) {
					t.Errorf("queue = %v, want the one application", res.Msg.Applications)
				}
			})
		}
		_, err := wang.cert.ListCertificateApplications(t.Context(), connect.NewRequest(&certificatev1.ListCertificateApplicationsRequest{PageSize: -1}))
		checkErr(t, "ListCertificateApplications page_size -1", err, connect.CodeInvalidArgument, "PAGE_SIZE_INVALID")
	})

	t.Run("审核详情", func(t *testing.T) {
		_, err := wang.project.RateVolunteers(t.Context(), connect.NewRequest(&projectv1.RateVolunteersRequest{
			ProjectId: pr.Id, VolunteerIds: []string{app.VolunteerId}, Punctuality: 5, Attitude: 4, Skill: 3,
		}))
		checkErr(t, "RateVolunteers", err, 0, "")
		res, err := wang.cert.GetCertificateApplication(t.Context(), connect.NewRequest(&certificatev1.GetCertificateApplicationRequest{ApplicationId: app.Id}))
		checkErr(t, "GetCertificateApplication", err, 0, "")
		d := res.Msg.Detail
		if !res.Msg.CanIssue || d.VolunteerName != "欧阳晓雯" || d.IdType != "居民身份证" ||
			!regexp.MustCompile(`^[0-9]{3}\*+[0-9]{3}[0-9X]$`).MatchString(d.IdNumberMasked) ||
			len(d.Records) != 1 || d.Records[0].DurationSeconds != 5400 || len(d.Positions) != 1 || d.Positions[0] != "岗位A" ||
			!regexp.MustCompile(`^SH[0-9]{10}$`).MatchString(d.VolunteerNo) {
			t.Errorf("detail = %v (can issue %v)", d, res.Msg.CanIssue)
		}
		var scores []string
		for _, r := range d.Ratings {
			scores = append(scores, fmt.Sprintf("%s=%d", r.Dimension, r.Score))
		}
		if got := strings.Join(scores, ","); got != "守时=5,服务态度=4,专业技能=3" {
			t.Errorf("ratings = %s, want the project's rating", got)
		}
		up, err := parent.cert.GetCertificateApplication(t.Context(), connect.NewRequest(&certificatev1.GetCertificateApplicationRequest{ApplicationId: app.Id}))
		checkErr(t, "parent GetCertificateApplication", err, 0, "")
		if up.Msg.CanIssue {
			t.Error("the parent org may issue, want read-only")
		}
		_, err = sibling.cert.GetCertificateApplication(t.Context(), connect.NewRequest(&certificatev1.GetCertificateApplicationRequest{ApplicationId: app.Id}))
		checkErr(t, "sibling GetCertificateApplication", err, connect.CodePermissionDenied, "NOT_ORG_MEMBER")
		_, err = wang.cert.GetCertificateApplication(t.Context(), connect.NewRequest(&certificatev1.GetCertificateApplicationRequest{ApplicationId: uuid.NewString()}))
		checkErr(t, "GetCertificateApplication unknown", err, connect.CodeNotFound, "APPLICATION_NOT_FOUND")
	})

	t.Run("预览", func(t *testing.T) {
		res, err := wang.cert.PreviewCertificate(t.Context(), connect.NewRequest(&certificatev1.PreviewCertificateRequest{ApplicationId: app.Id}))
		checkErr(t, "PreviewCertificate", err, 0, "")
		link := res.Msg.PdfUrl
		if !strings.HasPrefix(link, "/certificates/applications/"+app.Id+"/preview.pdf?ticket=") {
			t.Fatalf("preview link = %q", link)
		}
		status, ctype, body := s.get(t, link, "")
		if status != http.StatusOK || ctype != "application/pdf" || !bytes.HasPrefix(body, []byte("%PDF-")) {
			t.Fatalf("preview = %d %s %.20q", status, ctype, body)
		}
		// By bearer token too, for programs; a ticket for another
		// application, or an altered one, is refused.
		if status, _, body := s.get(t, "/certificates/applications/"+app.Id+"/preview.pdf", wang.token); status != http.StatusOK || !bytes.HasPrefix(body, []byte("%PDF-")) {
			t.Errorf("preview by bearer = %d", status)
		}
		if status, _, _ := s.get(t, "/certificates/applications/"+app.Id+"/preview.pdf", vols[0].token); status != http.StatusForbidden {
			t.Errorf("preview by the volunteer's token = %d, want 403", status)
		}
		if status, _, _ := s.get(t, "/certificates/applications/"+uuid.NewString()+"/preview.pdf?"+strings.SplitN(link, "?", 2)[1], ""); status != http.StatusForbidden {
			t.Errorf("preview with another application's ticket = %d, want 403", status)
		}
		if status, _, _ := s.get(t, link[:len(link)-2]+"AA", ""); status != http.StatusForbidden {
			t.Errorf("preview with an altered ticket = %d, want 403", status)
		}
		if status, _, _ := s.get(t, "/certificates/applications/"+app.Id+"/preview.pdf", ""); status != http.StatusUnauthorized {
			t.Errorf("preview without credentials = %d, want 401", status)
		}
		_, err = sibling.cert.PreviewCertificate(t.Context(), connect.NewRequest(&certificatev1.PreviewCertificateRequest{ApplicationId: app.Id}))
		checkErr(t, "sibling PreviewCertificate", err, connect.CodePermissionDenied, "NOT_ORG_MEMBER")
	})

	var cert *certificatev1.Certificate
	t.Run("出具", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			who        certCaller
			id         string
			code       connect.Code
			wantReason string
		}{
			{"编号无效", wang, "x", connect.CodeInvalidArgument, "ID_INVALID"},
			{"申请不存在", wang, uuid.NewString(), connect.CodeNotFound, "APPLICATION_NOT_FOUND"},
			{"同级组织管理员不能出具", sibling, app.Id, connect.CodePermissionDenied, "NOT_ORG_MEMBER"},
			{"上级组织不能出具", parent, app.Id, connect.CodePermissionDenied, "NOT_ORG_MEMBER"},
			{"后台不能出具", admin, app.Id, connect.CodePermissionDenied, "NOT_ORG_MEMBER"},
			{"志愿者无权限", vols[0], app.Id, connect.CodePermissionDenied, "PERMISSION_DENIED"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := tc.who.cert.IssueCertificate(t.Context(), connect.NewRequest(&certificatev1.IssueCertificateRequest{ApplicationId: tc.id}))
				checkErr(t, "IssueCertificate", err, tc.code, tc.wantReason)
			})
		}
		res, err := wang.cert.IssueCertificate(t.Context(), connect.NewRequest(&certificatev1.IssueCertificateRequest{ApplicationId: app.Id}))
		checkErr(t, "IssueCertificate", err, 0, "")
		cert = res.Msg.Certificate
		today := cstDate(clk.Now())
		if !regexp.MustCompile(`^SH-ZY-[0-9]{4}-[0-9]{6}$`).MatchString(cert.Number) ||
			!strings.HasPrefix(cert.Number, "SH-ZY-"+today[:4]+"-") ||
			cert.VolunteerName != "欧阳晓雯" || cert.IdType != "居民身份证" || cert.IdNumberMasked != volIDs[0][:3]+"***********"+volIDs[0][14:] ||
			cert.ServiceSeconds != 5400 || cert.ServiceContent != "参加“社区垃圾分类指导”志愿服务项目，担任岗位A" ||
			cert.IssuerName != demo.OrgXujiahui || cert.HandlerName != "王建国" || cert.IssuedOn != today ||
			cert.ServiceFrom != cstDate(servedFrom) || cert.ServiceUntil != cstDate(servedFrom.Add(90*time.Minute)) || cert.KeyId != 1 || len(cert.CheckCode) != 16 ||
			cert.VerifyUrl != s.URL+"/verify/certificate/"+cert.Number+"?s="+cert.CheckCode {
			t.Errorf("certificate = %v", cert)
		}
		_, err = wang.cert.IssueCertificate(t.Context(), connect.NewRequest(&certificatev1.IssueCertificateRequest{ApplicationId: app.Id}))
		checkErr(t, "second IssueCertificate", err, connect.CodeFailedPrecondition, "APPLICATION_NOT_PENDING")
		_, err = wang.cert.PreviewCertificate(t.Context(), connect.NewRequest(&certificatev1.PreviewCertificateRequest{ApplicationId: app.Id}))
		checkErr(t, "PreviewCertificate after issue", err, connect.CodeFailedPrecondition, "APPLICATION_NOT_PENDING")
		// The ID number is kept sealed, never in the clear.
		var enc []byte
		var masked string
		if err := pool.QueryRow(t.Context(), `SELECT id_number_enc, id_number_masked FROM certificate.certificate WHERE id = $1`, cert.Id).Scan(&enc, &masked); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(enc, []byte(volIDs[0])) || bytes.Contains(enc, []byte(volIDs[0][6:14])) || masked != cert.IdNumberMasked {
			t.Errorf("stored ID number: %x, masked %q", enc, masked)
		}
		mine, err := vols[0].cert.ListMyCertificateApplications(t.Context(), connect.NewRequest(&certificatev1.ListMyCertificateApplicationsRequest{}))
		checkErr(t, "ListMyCertificateApplications", err, 0, "")
		if a := mine.Msg.Applications[0]; a.Status != certificatev1.CertificateApplicationStatus_CERTIFICATE_APPLICATION_STATUS_ISSUED ||
			a.CertificateId != cert.Id || a.CertificateNumber != cert.Number || a.DecidedAt == nil {
			t.Errorf("issued application = %v", a)
		}
	})

	t.Run("驳回与重新申请", func(t *testing.T) {
		second, err := apply(vols[1], pr.Id, "")
		checkErr(t, "ApplyCertificate", err, 0, "")
		reject := func(who certCaller, reason string) (*certificatev1.CertificateApplication, error) {
			res, err := who.cert.RejectCertificateApplication(t.Context(), connect.NewRequest(&certificatev1.RejectCertificateApplicationRequest{ApplicationId: second.Id, Reason: reason}))
			if err != nil {
				return nil, err
			}
			return res.Msg.Application, nil
		}
		_, err = reject(wang, " ")
		checkErr(t, "reject without a reason", err, connect.CodeInvalidArgument, "REASON_REQUIRED")
		_, err = reject(parent, "时长有误")
		checkErr(t, "parent rejecting", err, connect.CodePermissionDenied, "NOT_ORG_MEMBER")
		got, err := reject(wang, "时长有误，请先核对考勤")
		checkErr(t, "RejectCertificateApplication", err, 0, "")
		if got.Status != certificatev1.CertificateApplicationStatus_CERTIFICATE_APPLICATION_STATUS_REJECTED || got.RejectReason != "时长有误，请先核对考勤" {
			t.Errorf("rejected = %v", got)
		}
		_, err = reject(wang, "再驳回")
		checkErr(t, "second reject", err, connect.CodeFailedPrecondition, "APPLICATION_NOT_PENDING")
		// A rejected application leaves room for a new one, which gets the
		// next number of the year.
		again, err := apply(vols[1], pr.Id, "已核对")
		checkErr(t, "apply again", err, 0, "")
		res, err := wang.cert.IssueCertificate(t.Context(), connect.NewRequest(&certificatev1.IssueCertificateRequest{ApplicationId: again.Id}))
		checkErr(t, "IssueCertificate", err, 0, "")
		if c := res.Msg.Certificate; c.Number != nextNumber(t, cert.Number) || c.ServiceSeconds != 7200 {
			t.Errorf("second certificate = %v, want number after %s and 7200 s", c, cert.Number)
		}
	})

	t.Run("下载", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			who        certCaller
			code       connect.Code
			wantReason string
		}{
			{"本人", vols[0], 0, ""},
			{"出具组织", wang, 0, ""},
			{"上级组织", parent, 0, ""},
			{"后台", admin, 0, ""},
			{"其他志愿者", vols[1], connect.CodePermissionDenied, "CERTIFICATE_NOT_YOURS"},
			{"同级组织", sibling, connect.CodePermissionDenied, "CERTIFICATE_NOT_YOURS"},
			{"未登录", anon, connect.CodeUnauthenticated, "TOKEN_MISSING"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, err := tc.who.cert.GetCertificateLinks(t.Context(), connect.NewRequest(&certificatev1.GetCertificateLinksRequest{CertificateId: cert.Id}))
				checkErr(t, "GetCertificateLinks", err, tc.code, tc.wantReason)
				if err != nil {
					if tc.who.token != "" {
						if status, _, _ := s.get(t, "/certificates/"+cert.Id+".pdf", tc.who.token); status != http.StatusForbidden {
							t.Errorf("PDF by bearer = %d, want 403", status)
						}
					}
					return
				}
				if res.Msg.VerifyUrl != cert.VerifyUrl || !strings.HasPrefix(res.Msg.PdfUrl, "/certificates/"+cert.Id+".pdf?ticket=") {
					t.Errorf("links = %v", res.Msg)
				}
				status, ctype, body := s.get(t, res.Msg.PdfUrl, "")
				if status != http.StatusOK || ctype != "application/pdf" || !bytes.HasPrefix(body, []byte("%PDF-")) ||
					!bytes.Contains(body, []byte("/FontFile2")) {
					t.Errorf("PDF = %d %s %.20q", status, ctype, body)
				}
				if status, _, body := s.get(t, "/certificates/"+cert.Id+".pdf", tc.who.token); status != http.StatusOK || !bytes.HasPrefix(body, []byte("%PDF-")) {
					t.Errorf("PDF by bearer = %d", status)
				}
			})
		}
		if status, _, _ := s.get(t, "/certificates/"+cert.Id+".pdf", ""); status != http.StatusUnauthorized {
			t.Errorf("PDF without credentials = %d, want 401", status)
		}
		if status, _, _ := s.get(t, "/certificates/"+cert.Id+".png", vols[0].token); status != http.StatusNotFound {
			t.Errorf("PNG = %d, want 404", status)
		}
	})

	verify := func(t *testing.T, number, code string) *certificatev1.VerifyCertificateResponse {
		t.Helper()
		res, err := anon.cert.VerifyCertificate(t.Context(), connect.NewRequest(&certificatev1.VerifyCertificateRequest{Number: number, CheckCode: code}))
		checkErr(t, "VerifyCertificate", err, 0, "")
		return res.Msg
	}
	page := func(t *testing.T, url string) (int, string) {
		t.Helper()
		status, ctype, body := s.get(t, strings.TrimPrefix(url, s.URL), "")
		if ctype != "text/html; charset=utf-8" {
			t.Errorf("verify page content type %q", ctype)
		}
		return status, string(body)
	}

	t.Run("核验", func(t *testing.T) {
		v := verify(t, cert.Number, cert.CheckCode)
		if !v.Valid || v.Reason != "" || v.Certificate.GetNumber() != cert.Number || v.Certificate.VolunteerName == "欧阳晓雯" ||
			v.Certificate.IdNumberMasked != cert.IdNumberMasked || v.Certificate.ServiceSeconds != 5400 {
			t.Errorf("VerifyCertificate = %v", v)
		}
		status, body := page(t, cert.VerifyUrl)
		if status != http.StatusOK || !strings.Contains(body, "有效") || strings.Contains(body, "无效") ||
			!strings.Contains(body, cert.Number) || strings.Contains(body, "欧阳晓雯") || strings.Contains(body, volIDs[0]) {
			t.Errorf("verify page = %d\n%s", status, body)
		}
		for _, tc := range []struct{ name, number, code string }{
			{"校验码错误", cert.Number, "0000000000000000"},
			{"没有校验码", cert.Number, ""},
			{"编号不存在", "SH-ZY-2001-000001", cert.CheckCode},
			{"编号格式错误", "whatever", cert.CheckCode},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if v := verify(t, tc.number, tc.code); v.Valid || v.Reason != "CERTIFICATE_NOT_FOUND" || v.Certificate != nil {
					t.Errorf("VerifyCertificate = %v, want not found", v)
				}
			})
		}
		status, body = page(t, "/verify/certificate/"+cert.Number+"?s=0000000000000000")
		if status != http.StatusNotFound || !strings.Contains(body, "无效") || strings.Contains(body, "欧阳") {
			t.Errorf("verify page with a wrong code = %d\n%s", status, body)
		}
	})

	t.Run("篡改后无效", func(t *testing.T) {
		var enc []byte
		if err := pool.QueryRow(t.Context(), `SELECT id_number_enc FROM certificate.certificate WHERE id = $1`, cert.Id).Scan(&enc); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ name, set, undo string }{
			{"时长", `service_seconds = service_seconds * 10`, `service_seconds = service_seconds / 10`},
			{"姓名", `volunteer_name = '欧阳晓'`, `volunteer_name = '欧阳晓雯'`},
			{"出具组织", `issuer_name = '徐汇区志愿者协会'`, `issuer_name = '` + demo.OrgXujiahui + `'`},
			{"出具日期", `issued_on = issued_on - 1`, `issued_on = issued_on + 1`},
			// Another certificate's sealed ID number, moved over.
			{"证件号码", `id_number_enc = (SELECT id_number_enc FROM certificate.certificate WHERE id <> $1 LIMIT 1)`,
				`id_number_enc = decode('` + fmt.Sprintf("%x", enc) + `', 'hex')`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if _, err := pool.Exec(t.Context(), `UPDATE certificate.certificate SET `+tc.set+` WHERE id = $1`, cert.Id); err != nil {
					t.Fatal(err)
				}
				v := verify(t, cert.Number, cert.CheckCode)
				if v.Valid || v.Reason != "SIGNATURE_INVALID" {
					t.Errorf("after changing %s: VerifyCertificate = %v, want invalid", tc.name, v)
				}
				if status, body := page(t, cert.VerifyUrl); status != http.StatusOK || !strings.Contains(body, "无效") || strings.Contains(body, "<strong>有效") {
					t.Errorf("after changing %s: verify page = %d\n%s", tc.name, status, body)
				}
				if _, err := pool.Exec(t.Context(), `UPDATE certificate.certificate SET `+tc.undo+` WHERE id = $1`, cert.Id); err != nil {
					t.Fatal(err)
				}
				if v := verify(t, cert.Number, cert.CheckCode); !v.Valid {
					t.Errorf("after undoing the change to %s: VerifyCertificate = %v, want valid", tc.name, v)
				}
			})
		}
	})

	t.Run("登记簿", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			who        certCaller
			req        *certificatev1.ListIssuedCertificatesRequest
			want       int
			code       connect.Code
			wantReason string
		}{
			{"出具组织", wang, &certificatev1.ListIssuedCertificatesRequest{}, 2, 0, ""},
			{"上级组织看下级", parent, &certificatev1.ListIssuedCertificatesRequest{}, 2, 0, ""},
			{"同级组织看不到", sibling, &certificatev1.ListIssuedCertificatesRequest{}, 0, 0, ""},
			{"同级组织不能按组织查", sibling, &certificatev1.ListIssuedCertificatesRequest{OrgId: xujiahui}, 0, connect.CodePermissionDenied, "NOT_IN_SCOPE"},
			{"后台全部", admin, &certificatev1.ListIssuedCertificatesRequest{}, 2, 0, ""},
			{"后台按组织", admin, &certificatev1.ListIssuedCertificatesRequest{OrgId: xuhui}, 2, 0, ""},
			{"后台按其他组织", admin, &certificatev1.ListIssuedCertificatesRequest{OrgId: tianping}, 0, 0, ""},
			{"按编号", admin, &certificatev1.ListIssuedCertificatesRequest{NumberPrefix: cert.Number}, 1, 0, ""},
			{"按时间", admin, &certificatev1.ListIssuedCertificatesRequest{IssuedUntil: cert.IssuedAt}, 0, 0, ""},
			{"志愿者无权限", vols[0], &certificatev1.ListIssuedCertificatesRequest{}, 0, connect.CodePermissionDenied, "PERMISSION_DENIED"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, err := tc.who.cert.ListIssuedCertificates(t.Context(), connect.NewRequest(tc.req))
				checkErr(t, "ListIssuedCertificates", err, tc.code, tc.wantReason)
				if err != nil {
					return
				}
				if len(res.Msg.Certificates) != tc.want {
					t.Fatalf("register = %d certificates, want %d", len(res.Msg.Certificates), tc.want)
				}
				for _, c := range res.Msg.Certificates {
					if c.VolunteerName == "欧阳晓雯" || c.VolunteerName == "林书豪" || c.IssuedAt == nil || c.ServiceContent == "" {
						t.Errorf("register entry = %v, want the name masked", c)
					}
				}
			})
		}
		page1, err := admin.cert.ListIssuedCertificates(t.Context(), connect.NewRequest(&certificatev1.ListIssuedCertificatesRequest{PageSize: 1}))
		checkErr(t, "ListIssuedCertificates page 1", err, 0, "")
		page2, err := admin.cert.ListIssuedCertificates(t.Context(), connect.NewRequest(&certificatev1.ListIssuedCertificatesRequest{PageSize: 1, PageToken: page1.Msg.NextPageToken}))
		checkErr(t, "ListIssuedCertificates page 2", err, 0, "")
		if len(page1.Msg.Certificates) != 1 || len(page2.Msg.Certificates) != 1 || page2.Msg.NextPageToken != "" ||
			page1.Msg.Certificates[0].Number == page2.Msg.Certificates[0].Number {
			t.Errorf("pages = %v / %v", page1.Msg, page2.Msg)
		}
	})

	t.Run("审计", func(t *testing.T) {
		var n int
		if err := pool.QueryRow(t.Context(), `SELECT count(*) FROM audit.entry WHERE procedure = '/yima.certificate.v1.CertificateService/IssueCertificate' AND result = 'ok'`).Scan(&n); err != nil || n != 2 {
			t.Errorf("audited issues = %d (%v), want 2", n, err)
		}
	})
}

// nextNumber returns the certificate number after n in the same year.
func nextNumber(t *testing.T, n string) string {
	t.Helper()
	var year int
	var seq int64
	if _, err := fmt.Sscanf(n, "SH-ZY-%d-%d", &year, &seq); err != nil {
		t.Fatalf("number %q: %v", n, err)
	}
	return fmt.Sprintf("SH-ZY-%04d-%06d", year, seq+1)
}

// cstDate is t's date in China, as certificates print it.
func cstDate(t time.Time) string { return t.In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly) }
