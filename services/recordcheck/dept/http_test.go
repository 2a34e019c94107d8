package dept_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"yima/services/recordcheck/dept"
	"yima/signedhttp/signedhttptest"
)

func client(t *testing.T, srv *httptest.Server) *dept.Client {
	t.Helper()
	c, err := dept.NewClient(signedhttptest.Config(srv, "/v1/record-checks", 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var sub = dept.Submission{Reference: "0190a0b0-0000-7000-8000-000000000001", Name: "钱志远", IDNumber: "310104198605121236", Purpose: "参加社区服务"}

func TestSubmit(t *testing.T) {
	t.Parallel()
	srv, req := signedhttptest.Answering(t, http.StatusOK, `{"code":"OK","case_id":"C-1","duplicate":true}`)
	rc, err := client(t, srv).Submit(t.Context(), sub)
	if err != nil || rc.CaseID != "C-1" || !rc.Duplicate {
		t.Fatalf("Submit = %+v, %v", rc, err)
	}
	if req.Method != http.MethodPost || req.Path != "/v1/record-checks" || req.Header.Get("Content-Type") != "application/json" {
		t.Errorf("request %s %s %s", req.Method, req.Path, req.Header.Get("Content-Type"))
	}
	var got map[string]string
	if err := json.Unmarshal(req.Body, &got); err != nil {
		t.Error(err)
	}
	want := map[string]string{"reference": sub.Reference, "name": sub.Name, "id_number": sub.IDNumber, "purpose": sub.Purpose}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("body[%s] = %q, want %q", k, got[k], v)
		}
	}
}

// TestSubmitRefusals: the department's refusals come back as *dept.Error,
// named after the department, temporary or not (signedhttp.Client.Call
// has the whole table).
func TestSubmitRefusals(t *testing.T) {
	t.Parallel()
	signedhttptest.CheckRefusals(t, []signedhttptest.Refusal{
		{Name: "号码无效", Status: 400, Body: `{"code":"INVALID_ID_NUMBER","message":"身份证号码无效"}`, Text: "record-check department: INVALID_ID_NUMBER: 身份证号码无效"},
		{Name: "限流", Status: 429, Body: `{"code":"THROTTLED"}`, Text: "record-check department: THROTTLED", Temporary: true},
		{Name: "成功无编号", Status: 200, Body: `{"code":"OK"}`, Text: "record-check department: HTTP_200: answer without case_id", Temporary: true},
		{Name: "拒绝无码", Status: 404, Body: `{}`, Text: "record-check department: HTTP_404: answer without case_id"},
	}, func(t *testing.T, srv *httptest.Server) error {
		_, err := client(t, srv).Submit(t.Context(), sub)
		return err
	})
}

func TestStatus(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		body string
		want dept.Result
		text string // the error's text; "" for a result
		// temporary is the error's: a status yima cannot read is asked
		// again, a reference the department never took is not.
		temporary bool
	}{
		{"审查中", `{"code":"OK","status":"pending"}`, dept.Result{Outcome: dept.Pending}, "", false},
		{"无犯罪记录", `{"code":"OK","status":"clear","decided_at":"2026-06-01T10:00:00+08:00"}`,
			dept.Result{Outcome: dept.Clear, DecidedAt: time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC)}, "", false},
		{"不予受理", `{"code":"OK","status":"rejected","reason":"用途不符","decided_at":"2026-06-01T10:00:00Z"}`,
			dept.Result{Outcome: dept.Rejected, Reason: "用途不符", DecidedAt: time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)}, "", false},
		{"未知状态", `{"code":"OK","status":"maybe"}`, dept.Result{}, "record-check department: HTTP_200: answer without a known status", true},
		{"缺决定时间", `{"code":"OK","status":"clear"}`, dept.Result{}, "record-check department: HTTP_200: decided_at unreadable", true},
		{"没有这份申请", `{"code":"NOT_FOUND"}`, dept.Result{}, "record-check department: NOT_FOUND", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := signedhttptest.NewServer(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
				if r.Method != http.MethodGet || r.URL.Path != "/v1/record-checks/"+sub.Reference || len(body) != 0 {
					t.Errorf("request %s %s %q", r.Method, r.URL.Path, body)
				}
				if strings.Contains(tc.body, "NOT_FOUND") {
					w.WriteHeader(http.StatusNotFound)
				}
				_, _ = w.Write([]byte(tc.body))
			})
			got, err := client(t, srv).Status(t.Context(), sub.Reference)
			var e *dept.Error
			switch {
			case tc.text == "" && (err != nil || got.Outcome != tc.want.Outcome || got.Reason != tc.want.Reason || !got.DecidedAt.Equal(tc.want.DecidedAt)):
				t.Errorf("Status = %+v, %v; want %+v", got, err, tc.want)
			case tc.text != "" && (!errors.As(err, &e) || e.Error() != tc.text || e.Temporary != tc.temporary):
				t.Errorf("Status = %+v, %v; want error %q temporary %v", got, err, tc.text, tc.temporary)
			}
		})
	}
}
