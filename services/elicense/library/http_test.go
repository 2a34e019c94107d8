package library_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"yima/services/elicense/library"
	"yima/signedhttp/signedhttptest"
)

func client(t *testing.T, srv *httptest.Server) *library.Client {
	t.Helper()
	c, err := library.NewClient(signedhttptest.Config(srv, "/v1/licenses", 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var sub = library.Submission{
	Reference: "0190a0b0-0000-7000-8000-000000000001", VolunteerNo: "31010420260001", Name: "李晓梅",
	IDNumber: "310104199509231421", Gender: "女", BirthDate: time.Date(1995, 9, 23, 0, 0, 0, 0, time.UTC),
	IssuedAt: time.Date(2026, 12, 7, 13, 40, 0, 0, time.UTC), Issuer: "上海市志愿者协会",
	Payload: []byte("card"), Signature: []byte{1, 2, 3}, KeyID: "1",
}

// TestSubmit: the body is the documented one, and the answer's license id
// and duplicate flag come back.
func TestSubmit(t *testing.T) {
	t.Parallel()
	srv, req := signedhttptest.Answering(t, http.StatusOK, `{"code":"OK","license_id":"ZZ-1","duplicate":true}`)
	rc, err := client(t, srv).Submit(t.Context(), sub)
	if err != nil || rc.LicenseID != "ZZ-1" || !rc.Duplicate {
		t.Fatalf("Submit = %+v, %v", rc, err)
	}
	if req.Method != http.MethodPost || req.Path != "/v1/licenses" || req.Header.Get("Content-Type") != "application/json" {
		t.Errorf("request %s %s %s", req.Method, req.Path, req.Header.Get("Content-Type"))
	}
	var got map[string]any
	if err := json.Unmarshal(req.Body, &got); err != nil {
		t.Error(err)
	}
	holder, _ := got["holder"].(map[string]any)
	for _, tc := range []struct{ field, got, want string }{
		{"reference", str(got["reference"]), sub.Reference},
		{"license_type", str(got["license_type"]), library.LicenseType},
		{"license_no", str(got["license_no"]), sub.VolunteerNo},
		{"holder.name", str(holder["name"]), sub.Name},
		{"holder.id_number", str(holder["id_number"]), sub.IDNumber},
		{"holder.gender", str(holder["gender"]), "女"},
		{"holder.birth_date", str(holder["birth_date"]), "1995-09-23"},
		{"issuer", str(got["issuer"]), sub.Issuer},
		{"issued_at", str(got["issued_at"]), "2026-12-07T13:40:00Z"},
		{"payload", str(got["payload"]), "Y2FyZA=="},
		{"signature", str(got["signature"]), "AQID"},
		{"key_id", str(got["key_id"]), "1"},
	} {
		if tc.got != tc.want {
			t.Errorf("body %s = %q, want %q", tc.field, tc.got, tc.want)
		}
	}
}

func str(v any) string { s, _ := v.(string); return s }

// TestSubmitRefusals: the library's refusals come back as
// *library.Error, named after the library, temporary or not
// (signedhttp.Client.Call has the whole table).
func TestSubmitRefusals(t *testing.T) {
	t.Parallel()
	signedhttptest.CheckRefusals(t, []signedhttptest.Refusal{
		{Name: "身份证号无效", Status: 400, Body: `{"code":"INVALID_ID_NUMBER","message":"身份证号码无效"}`, Text: "e-license library: INVALID_ID_NUMBER: 身份证号码无效"},
		{Name: "签名无效", Status: 422, Body: `{"code":"INVALID_SIGNATURE"}`, Text: "e-license library: INVALID_SIGNATURE"},
		{Name: "网关故障", Status: 502, Body: `upstream down`, Text: "e-license library: HTTP_502: unreadable answer", Temporary: true},
		{Name: "成功但缺少证照编号", Status: 200, Body: `{"code":"OK"}`, Text: "e-license library: HTTP_200: answer without license_id", Temporary: true},
	}, func(t *testing.T, srv *httptest.Server) error {
		_, err := client(t, srv).Submit(t.Context(), sub)
		return err
	})
}
