package sms_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"yima/services/notify/sms"
	"yima/store"
	"yima/store/migrations"
	"yima/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var schema = storetest.Schema{Name: "yima", Hash: migrations.Hash(), Migrate: migrations.Up}

// TestDevGateway: the dev gateway records and logs each text once per
// out_id, masked, refuses what a real gateway refuses, and lists what it
// took, newest first.
func TestDevGateway(t *testing.T) {
	t.Parallel()
	st := store.New(storetest.Open(t, schema))
	logs := &bytes.Buffer{}
	at := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	dev := sms.NewDev(st, slog.New(slog.NewTextHandler(logs, nil)), func() time.Time { return at })

	first, err := dev.Send(t.Context(), sms.Message{OutID: "a", Phone: "13916880002", Text: "【一码做志愿】明早集合"})
	if err != nil || first.ID == "" || first.Duplicate {
		t.Fatalf("Send = %+v, %v; want a new id", first, err)
	}
	again, err := dev.Send(t.Context(), sms.Message{OutID: "a", Phone: "13916880002", Text: "【一码做志愿】明早集合"})
	if err != nil || again.ID != first.ID || !again.Duplicate {
		t.Errorf("repeated Send = %+v, %v; want %s as a duplicate", again, err, first.ID)
	}
	if _, err := dev.Send(t.Context(), sms.Message{OutID: "b", Phone: "13916880003", Text: "【一码做志愿】第二条"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		m    sms.Message
		code string
	}{
		{"号码无效", sms.Message{OutID: "c", Phone: "12345", Text: "x"}, sms.CodeInvalidPhone},
		{"短信超长", sms.Message{OutID: "d", Phone: "13916880002", Text: strings.Repeat("字", sms.MaxText+1)}, sms.CodeTextTooLong},
		{"缺少编号", sms.Message{Phone: "13916880002", Text: "x"}, sms.CodeInvalidRequest},
	} {
		_, err := dev.Send(t.Context(), tc.m)
		var e *sms.Error
		if !errors.As(err, &e) || e.Code != tc.code || e.Temporary {
			t.Errorf("%s: Send = %v, want a permanent %s", tc.name, err, tc.code)
		}
	}

	got, next, err := dev.List(t.Context(), "", 0, "")
	if err != nil || next != "" {
		t.Fatalf("List = %v, %q", err, next)
	}
	if len(got) != 2 || got[0].OutID != "b" || got[1].PhoneMasked != "139****0002" || !got[1].ReceivedAt.Equal(at) {
		t.Errorf("List = %+v, want b then a, masked", got)
	}
	only, _, err := dev.List(t.Context(), "139****0002", 0, "")
	if err != nil || len(only) != 1 || only[0].OutID != "a" {
		t.Errorf("List for one number = %+v, %v; want a", only, err)
	}
	if out := logs.String(); !strings.Contains(out, "139****0002") || strings.Contains(out, "13916880002") || !strings.Contains(out, "明早集合") {
		t.Errorf("log = %q, want the masked number and the text", out)
	}
}
