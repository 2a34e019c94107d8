package sms_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"yima/services/notify/sms"
	"yima/signedhttp/signedhttptest"
)

// gateway starts a gateway of the documented shape: it takes signed
// posts of a text to /v1/sms/send, sends an out_id once and answers a
// repeat with the first id.
func gateway(t *testing.T) *httptest.Server {
	t.Helper()
	var mu sync.Mutex
	sent := map[string]string{} // out_id → msg_id
	return signedhttptest.NewServer(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		var req struct {
			OutID string `json:"out_id"`
			Phone string `json:"phone"`
			Text  string `json:"text"`
		}
		if r.Method != http.MethodPost || r.URL.Path != "/v1/sms/send" || r.Header.Get("Content-Type") != "application/json" ||
			json.Unmarshal(body, &req) != nil || req.OutID == "" || req.Phone == "" || req.Text == "" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"code":"INVALID_REQUEST","message":"bad method, path, type or body"}`))
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if id, ok := sent[req.OutID]; ok {
			_, _ = w.Write([]byte(`{"code":"OK","msg_id":"` + id + `","duplicate":true}`))
			return
		}
		id := "gw-" + strconv.Itoa(len(sent)+1)
		sent[req.OutID] = id
		_, _ = w.Write([]byte(`{"code":"OK","msg_id":"` + id + `"}`))
	})
}

func client(t *testing.T, srv *httptest.Server) *sms.Client {
	t.Helper()
	c, err := sms.NewClient(signedhttptest.Config(srv, "/v1/sms/send", 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var text = sms.Message{OutID: "out-1", Phone: "13916880002", Text: "【一码做志愿】明早8点集合"}

func TestClientSendsSignedAndDeduplicated(t *testing.T) {
	t.Parallel()
	c := client(t, gateway(t))
	first, err := c.Send(t.Context(), text)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if first.ID != "gw-1" || first.Duplicate {
		t.Errorf("first receipt = %+v, want gw-1, not duplicate", first)
	}
	again, err := c.Send(t.Context(), text)
	if err != nil {
		t.Fatalf("Send again: %v", err)
	}
	if again.ID != "gw-1" || !again.Duplicate {
		t.Errorf("repeated receipt = %+v, want gw-1 duplicate", again)
	}
}

// TestClientRefusals: the gateway's refusals come back as *sms.Error,
// named after the gateway, temporary or not (signedhttp.Client.Call has
// the whole table).
func TestClientRefusals(t *testing.T) {
	t.Parallel()
	signedhttptest.CheckRefusals(t, []signedhttptest.Refusal{
		{Name: "号码无效", Status: 400, Body: `{"code":"INVALID_PHONE","message":"号码格式错误"}`, Text: "sms gateway: INVALID_PHONE: 号码格式错误"},
		{Name: "号码黑名单", Status: 403, Body: `{"code":"PHONE_BLOCKED"}`, Text: "sms gateway: PHONE_BLOCKED"},
		{Name: "网关繁忙", Status: 200, Body: `{"code":"BUSY"}`, Text: "sms gateway: BUSY", Temporary: true},
		{Name: "成功但缺少编号", Status: 200, Body: `{"code":"OK"}`, Text: "sms gateway: HTTP_200: answer without msg_id", Temporary: true},
	}, func(t *testing.T, srv *httptest.Server) error {
		_, err := client(t, srv).Send(t.Context(), text)
		return err
	})
}
