package notify_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"

	"yima/access"
	"yima/fault"
	"yima/services/notify"
	"yima/services/notify/sms"
)

func wantFault(t *testing.T, what string, err error, kind fault.Kind, reason string) {
	t.Helper()
	if reason == "" {
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return
	}
	if err == nil {
		t.Fatalf("%s succeeded, want %v %s", what, kind, reason)
	}
	if fault.KindOf(err) != kind || fault.ReasonOf(err) != reason {
		t.Errorf("%s = %v (%v %s), want %v %s", what, err, fault.KindOf(err), fault.ReasonOf(err), kind, reason)
	}
}

func (f *fixture) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := f.st.Pool.QueryRow(t.Context(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSendRefusesBadInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Limits{})
	sms1 := []notify.Channel{notify.ChannelSMS}
	inApp := []notify.Channel{notify.ChannelInApp}
	now := f.clock.Now()
	for _, tc := range []struct {
		name   string
		d      notify.Draft
		kind   fault.Kind
		reason string
	}{
		{"内容为空", notify.Draft{Body: "  ", Channels: sms1, Audience: f.hired()}, fault.Invalid, "BODY_REQUIRED"},
		{"短信超长", notify.Draft{Body: strings.Repeat("字", 501), Channels: sms1, Audience: f.hired()}, fault.Invalid, "BODY_TOO_LONG"},
		{"站内信超长", notify.Draft{Body: strings.Repeat("字", 2001), Channels: inApp, Audience: f.hired()}, fault.Invalid, "BODY_TOO_LONG"},
		{"标题超长", notify.Draft{Title: strings.Repeat("题", 51), Body: "x", Channels: sms1, Audience: f.hired()}, fault.Invalid, "TITLE_TOO_LONG"},
		{"未选渠道", notify.Draft{Body: "x", Audience: f.hired()}, fault.Invalid, "CHANNEL_REQUIRED"},
		{"未选对象", notify.Draft{Body: "x", Channels: sms1}, fault.Invalid, "AUDIENCE_REQUIRED"},
		{"定时已过", notify.Draft{Body: "x", Channels: sms1, Audience: f.hired(), SendAt: now.Add(-time.Hour)}, fault.Invalid, "SEND_AT_PAST"},
		{"定时太远", notify.Draft{Body: "x", Channels: sms1, Audience: f.hired(), SendAt: now.Add(31 * 24 * time.Hour)}, fault.Invalid, "SEND_AT_TOO_FAR"},
		{"报名状态无效", notify.Draft{Body: "x", Channels: sms1, Audience: notify.Audience{Kind: notify.AudienceProjectSignUps, ProjectID: f.project, SignUpStatuses: []string{"cancelled"}}}, fault.Invalid, "STATUS_INVALID"},
		{"项目不存在", notify.Draft{Body: "x", Channels: sms1, Audience: notify.Audience{Kind: notify.AudienceProjectSignUps, ProjectID: uuid.New()}}, fault.NotFound, "PROJECT_NOT_FOUND"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.Send(t.Context(), f.leaderA, tc.d)
			wantFault(t, "Send", err, tc.kind, tc.reason)
		})
	}
	// 测试区 has no members of its own.
	_, err := f.svc.Send(t.Context(), f.districtLeader, notify.Draft{Body: "x", Channels: sms1, Audience: notify.Audience{Kind: notify.AudienceMembers}})
	wantFault(t, "Send to nobody", err, fault.FailedPrecondition, "NO_RECIPIENTS")
	if n := f.count(t, "notify.message"); n != 0 {
		t.Errorf("%d messages stored after refusals, want 0", n)
	}
}

// TestAudienceScope: org accounts reach their own members, projects and
// volunteers and the orgs below them; staff reach the orgs of their scope.
func TestAudienceScope(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Limits{})
	volunteers := func(ps ...person) notify.Audience {
		a := notify.Audience{Kind: notify.AudienceVolunteers}
		for _, p := range ps {
			a.VolunteerIDs = append(a.VolunteerIDs, f.volunteers[p.ID])
		}
		return a
	}
	orgUsers := func(ids ...uuid.UUID) notify.Audience {
		return notify.Audience{Kind: notify.AudienceOrgUsers, OrgIDs: ids}
	}
	volunteerP := &access.Principal{PersonID: f.vol1.ID, AccountID: uuid.New(), Kind: access.KindVolunteer}
	groupA := f.group(t, f.a, "周末服务队", f.vol1, f.noPhone)
	groupB := f.group(t, f.b, "乙队", f.volB)
	for _, tc := range []struct {
		name   string
		as     *access.Principal
		a      notify.Audience
		want   []uuid.UUID // persons reached
		kind   fault.Kind
		reason string
	}{
		{name: "本组织成员", as: f.leaderA, a: notify.Audience{Kind: notify.AudienceMembers}, want: []uuid.UUID{f.vol1.ID, f.vol2.ID, f.noPhone.ID}},
		{name: "成员分组", as: f.leaderA, a: notify.Audience{Kind: notify.AudienceMembers, GroupID: groupA}, want: []uuid.UUID{f.vol1.ID, f.noPhone.ID}},
		{name: "其他组织的分组", as: f.leaderA, a: notify.Audience{Kind: notify.AudienceMembers, GroupID: groupB}, kind: fault.NotFound, reason: "GROUP_NOT_FOUND"},
		{name: "本组织项目已录用", as: f.leaderA, a: f.hired(), want: []uuid.UUID{f.vol1.ID, f.vol2.ID, f.noPhone.ID}},
		{name: "本组织项目待审核与未录用", as: f.leaderA,
			a:    notify.Audience{Kind: notify.AudienceProjectSignUps, ProjectID: f.project, SignUpStatuses: []string{"pending", "rejected"}},
			want: []uuid.UUID{f.pending.ID, f.rejected.ID}},
		{name: "其他组织的项目", as: f.leaderA, a: notify.Audience{Kind: notify.AudienceProjectSignUps, ProjectID: f.projectB},
			kind: fault.PermissionDenied, reason: "NOT_ORG_MEMBER"},
		{name: "本组织志愿者", as: f.leaderA, a: volunteers(f.vol1, f.pending), want: []uuid.UUID{f.vol1.ID, f.pending.ID}},
		{name: "其他组织的成员", as: f.leaderA, a: volunteers(f.vol1, f.volB), kind: fault.PermissionDenied, reason: "RECIPIENT_NOT_IN_ORG"},
		{name: "上级给下级组织负责人", as: f.districtLeader, a: orgUsers(f.a, f.b), want: []uuid.UUID{f.leaderA.PersonID, f.adminB.PersonID}},
		{name: "上级给全部下级", as: f.districtLeader, a: notify.Audience{Kind: notify.AudienceOrgUsers, AllBelow: true},
			want: []uuid.UUID{f.leaderA.PersonID, f.adminB.PersonID}},
		{name: "下级不能给上级", as: f.leaderA, a: orgUsers(f.district), kind: fault.PermissionDenied, reason: "NOT_IN_SCOPE"},
		{name: "不能给平级", as: f.leaderA, a: orgUsers(f.b), kind: fault.PermissionDenied, reason: "NOT_IN_SCOPE"},
		{name: "组织不存在", as: f.districtLeader, a: orgUsers(uuid.New()), kind: fault.NotFound, reason: "ORG_NOT_FOUND"},
		{name: "后台给范围内组织", as: f.staffDistrict, a: orgUsers(f.district, f.a), want: []uuid.UUID{f.districtLeader.PersonID, f.leaderA.PersonID}},
		{name: "后台范围内全部", as: f.staffDistrict, a: notify.Audience{Kind: notify.AudienceOrgUsers, AllBelow: true},
			want: []uuid.UUID{f.districtLeader.PersonID, f.leaderA.PersonID, f.adminB.PersonID}},
		{name: "后台不能给范围外组织", as: f.staffDistrict, a: orgUsers(f.e), kind: fault.PermissionDenied, reason: "NOT_IN_SCOPE"},
		{name: "超级管理员给任何组织", as: f.staffAll, a: orgUsers(f.e), want: []uuid.UUID{f.leaderE.PersonID}},
		{name: "后台指定账号", as: f.staffDistrict, a: notify.Audience{Kind: notify.AudienceAccounts, AccountIDs: []uuid.UUID{f.adminB.AccountID}},
			want: []uuid.UUID{f.adminB.PersonID}},
		{name: "后台不能指定范围外账号", as: f.staffDistrict, a: notify.Audience{Kind: notify.AudienceAccounts, AccountIDs: []uuid.UUID{f.leaderE.AccountID}},
			kind: fault.PermissionDenied, reason: "NOT_IN_SCOPE"},
		{name: "账号不存在", as: f.staffDistrict, a: notify.Audience{Kind: notify.AudienceAccounts, AccountIDs: []uuid.UUID{uuid.New()}},
			kind: fault.NotFound, reason: "ACCOUNT_NOT_FOUND"},
		{name: "后台不能发给成员", as: f.staffAll, a: notify.Audience{Kind: notify.AudienceMembers}, kind: fault.PermissionDenied, reason: "AUDIENCE_NOT_ALLOWED"},
		{name: "志愿者不能发送", as: volunteerP, a: f.hired(), kind: fault.PermissionDenied, reason: "SENDER_NOT_ALLOWED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pv, err := f.svc.Preview(t.Context(), tc.as, tc.a)
			wantFault(t, "Preview", err, tc.kind, tc.reason)
			m, err := f.svc.Send(t.Context(), tc.as, notify.Draft{Body: "测试", Channels: []notify.Channel{notify.ChannelInApp}, Audience: tc.a})
			wantFault(t, "Send", err, tc.kind, tc.reason)
			if err != nil {
				return
			}
			if pv.Recipients != int64(len(tc.want)) || m.RecipientCount != int64(len(tc.want)) {
				t.Errorf("Preview = %d, Send = %d recipients, want %d", pv.Recipients, m.RecipientCount, len(tc.want))
			}
			for _, p := range tc.want {
				if d := f.delivery(t, m.ID, p); d.Status != "in_app_only" || !d.InApp {
					t.Errorf("recipient %s = %+v, want in_app_only in the inbox", p, d)
				}
			}
		})
	}
}

// TestDeliveryThroughTheOutbox sends to a project's hired volunteers by SMS
// through JetStream and a dispatcher: texts signed, one without a phone in
// the inbox instead, counts and masked deliveries for the sender.
func TestDeliveryThroughTheOutbox(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Limits{})
	f.dispatcher(t, f.gw, nil)
	m := f.send(t, f.leaderA, notify.Draft{Title: "集合通知", Audience: f.hired()})
	if m.Status != notify.MessageReleased || m.RecipientCount != 3 || m.SenderName != "甲街道志愿者服务中心" {
		t.Fatalf("Send = %+v, want released to 3 recipients from 甲街道", m)
	}
	f.settled(t, m.ID)
	for _, p := range []person{f.vol1, f.vol2} {
		if d := f.delivery(t, m.ID, p.ID); d.Status != "sent" || d.GatewayID == "" || d.Attempts != 1 || d.InApp {
			t.Errorf("recipient with a phone = %+v, want sent once with a gateway id, not in the inbox", d)
		}
	}
	if d := f.delivery(t, m.ID, f.noPhone.ID); d.Status != "in_app_only" || d.Note != notify.NoteNoPhone || !d.InApp {
		t.Errorf("recipient without a phone = %+v, want in_app_only NO_PHONE", d)
	}
	texts := f.gw.sent()
	var phones []string
	for _, x := range texts {
		phones = append(phones, x.Phone)
		if x.Text != notify.Signature+"明早8点在小区门口集合，请准时到达。" {
			t.Errorf("text = %q, want the body signed %s", x.Text, notify.Signature)
		}
		if x.OutID != notify.OutID(m.ID, personByPhone(f, x.Phone)) {
			t.Errorf("out id %s is not the recipient's", x.OutID)
		}
	}
	slices.Sort(phones)
	if want := []string{f.vol1.Phone, f.vol2.Phone}; !slices.Equal(phones, want) {
		t.Errorf("texts went to %v, want %v", phones, want)
	}

	// The sender's lists.
	sent, _, err := f.svc.ListSent(t.Context(), f.leaderA, "", 0, "")
	wantFault(t, "ListSent", err, 0, "")
	if len(sent) != 1 || sent[0].Counts.Sent != 2 || sent[0].Counts.InAppOnly != 1 || sent[0].AudienceLabel != "项目「社区清洁」已录用" {
		t.Errorf("ListSent = %+v, want one message, 2 sent and 1 in-app only", sent)
	}
	ds, _, err := f.svc.Deliveries(t.Context(), f.leaderA, m.ID, "", 0, "")
	wantFault(t, "Deliveries", err, 0, "")
	if len(ds) != 3 {
		t.Fatalf("Deliveries = %d rows, want 3", len(ds))
	}
	for _, d := range ds {
		if strings.Contains(d.PhoneMasked, f.vol1.Phone) || (d.PhoneMasked != "" && !strings.Contains(d.PhoneMasked, "****")) || !strings.Contains(d.Name, "*") {
			t.Errorf("delivery %+v shows personal data unmasked", d)
		}
	}
	// Another org sees neither the message nor its deliveries; the district
	// staff does.
	if other, _, _ := f.svc.ListSent(t.Context(), f.adminB, "", 0, ""); len(other) != 0 {
		t.Errorf("乙街道 lists %d messages of 甲街道, want none", len(other))
	}
	_, _, err = f.svc.Deliveries(t.Context(), f.adminB, m.ID, "", 0, "")
	wantFault(t, "Deliveries by another org", err, fault.PermissionDenied, "NOT_IN_SCOPE")
	if staff, _, _ := f.svc.ListSent(t.Context(), f.staffDistrict, "", 0, ""); len(staff) != 1 {
		t.Errorf("district staff lists %d messages, want 甲街道's one", len(staff))
	}
	_, _, err = f.svc.Deliveries(t.Context(), f.staffDistrict, m.ID, "", 0, "")
	wantFault(t, "Deliveries by district staff", err, 0, "")

	// Inboxes: the person without a phone has it; those texted do not.
	noPhone := &access.Principal{PersonID: f.noPhone.ID, Kind: access.KindVolunteer}
	inbox, unread, _, err := f.svc.Inbox(t.Context(), noPhone, false, 0, "")
	wantFault(t, "Inbox", err, 0, "")
	if len(inbox) != 1 || unread != 1 || inbox[0].Title != "集合通知" || inbox[0].SenderName != "甲街道志愿者服务中心" {
		t.Errorf("inbox = %+v (unread %d), want the message unread", inbox, unread)
	}
	if in, _, _, _ := f.svc.Inbox(t.Context(), &access.Principal{PersonID: f.vol1.ID}, false, 0, ""); len(in) != 0 {
		t.Errorf("texted volunteer's inbox = %+v, want empty (SMS only)", in)
	}
	n, err := f.svc.MarkRead(t.Context(), noPhone, []uuid.UUID{m.ID}, false)
	if err != nil || n != 1 {
		t.Errorf("MarkRead = %d, %v; want 1", n, err)
	}
	if _, unread, _, _ := f.svc.Inbox(t.Context(), noPhone, false, 0, ""); unread != 0 {
		t.Errorf("unread after MarkRead = %d, want 0", unread)
	}
	if n, _ := f.svc.MarkRead(t.Context(), noPhone, nil, true); n != 0 {
		t.Errorf("MarkRead all again = %d, want 0", n)
	}
}

func personByPhone(f *fixture, phone string) uuid.UUID {
	for _, p := range []person{f.vol1, f.vol2, f.pending, f.rejected, f.volB} {
		if p.Phone == phone {
			return p.ID
		}
	}
	return uuid.Nil
}

// TestLostAnswerIsNotSentTwice: the gateway takes a text but its answer is
// lost (a timeout); the retry carries the same out_id, so the person gets
// one text and the row records the first gateway id.
func TestLostAnswerIsNotSentTwice(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Limits{})
	f.gw.after = func(m sms.Message, call int) error {
		if call == 1 {
			return context.DeadlineExceeded
		}
		return nil
	}
	f.dispatcher(t, f.gw, nil)
	m := f.send(t, f.leaderA, notify.Draft{Audience: notify.Audience{Kind: notify.AudienceVolunteers, VolunteerIDs: []uuid.UUID{f.volunteers[f.vol1.ID]}}})
	f.settled(t, m.ID)
	d := f.delivery(t, m.ID, f.vol1.ID)
	if d.Status != "sent" || d.GatewayID != "gw-1" || d.Attempts != 2 {
		t.Errorf("recipient = %+v, want sent as gw-1 after 2 attempts", d)
	}
	if got := len(f.gw.sent()); got != 1 {
		t.Errorf("texts sent = %d, want 1", got)
	}
}

// TestRedeliveryAfterANodeDies: node A takes a work item, the gateway
// accepts the text, and A dies before recording it (its call never
// returns). JetStream redelivers the item to node B once A's ack wait
// passes; B waits out A's lease, sends again with the same out_id — the
// gateway answers with the first id — and records it. The person gets one
// text.
func TestRedeliveryAfterANodeDies(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Limits{})
	hang := make(chan struct{})
	var once sync.Once
	release := func() { once.Do(func() { close(hang) }) }
	t.Cleanup(release)
	shared := f.gw
	// Node A: the real gateway takes the text, then A hangs forever.
	nodeA := gatewayFunc(func(ctx context.Context, m sms.Message) (sms.Receipt, error) {
		r, err := shared.Send(ctx, m)
		<-hang
		return r, err
	})
	a := f.dispatcher(t, nodeA, func(o *notify.DispatcherOptions) { o.Workers = 1 })
	m := f.send(t, f.leaderA, notify.Draft{Audience: notify.Audience{Kind: notify.AudienceVolunteers, VolunteerIDs: []uuid.UUID{f.volunteers[f.vol1.ID]}}})
	waitFor(t, "node A's text", func() bool { return len(shared.sent()) == 1 })
	if d := f.delivery(t, m.ID, f.vol1.ID); d.Status != "sending" {
		t.Fatalf("while A hangs, recipient = %+v, want sending", d)
	}
	// Node B comes up; the clock moves past A's lease as real time passes
	// the ack wait.
	f.dispatcher(t, shared, nil)
	f.clock.Add(2 * time.Second)
	f.settled(t, m.ID)
	d := f.delivery(t, m.ID, f.vol1.ID)
	if d.Status != "sent" || d.GatewayID != "gw-1" || d.Attempts != 2 {
		t.Errorf("after redelivery, recipient = %+v, want sent as gw-1 on the 2nd attempt", d)
	}
	if got := len(shared.sent()); got != 1 {
		t.Errorf("texts sent = %d, want 1", got)
	}
	// A wakes up late: its claim is gone, it records nothing over B's.
	release()
	_ = a.Close()
	if d2 := f.delivery(t, m.ID, f.vol1.ID); d2 != d {
		t.Errorf("after A woke, recipient = %+v, want unchanged %+v", d2, d)
	}
}

// TestFinishedItemRedelivered: a work item delivered again after its
// recipient was recorded (an ack lost) is acked without a text.
func TestFinishedItemRedelivered(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Limits{})
	d := f.dispatcher(t, f.gw, nil)
	m := f.send(t, f.leaderA, notify.Draft{Audience: f.hired()})
	f.settled(t, m.ID)
	calls := f.gw.callCount()
	// Publish the same items again, as a sweep racing a slow ack would.
	items := []notify.Item{{MessageID: m.ID, PersonID: f.vol1.ID, Enqueue: 7}, {MessageID: m.ID, PersonID: f.noPhone.ID, Enqueue: 7}}
	if _, err := f.queue.Publish(t.Context(), items); err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if out := d.Deliver(t.Context(), it); !out.Ack {
			t.Errorf("Deliver(%v) of a finished recipient = %+v, want ack", it, out)
		}
	}
	waitFor(t, "the stream to drain", func() bool { return streamEmpty(t, f) })
	if got := f.gw.callCount(); got != calls {
		t.Errorf("gateway calls = %d after redelivery, want still %d", got, calls)
	}
}

// TestGatewayErrors: temporary refusals are retried with backoff, then
// fail; permanent ones fail at once; either way the message falls back to
// the inbox with the gateway's words.
func TestGatewayErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Limits{MaxAttempts: 3})
	f.gw.before = func(m sms.Message, call int) error {
		if m.Phone == f.vol1.Phone {
			return &sms.Error{System: sms.System, Code: sms.CodeBusy, Message: "稍后再试", Temporary: true}
		}
		return &sms.Error{System: sms.System, Code: sms.CodeInvalidPhone, Message: "空号"}
	}
	f.dispatcher(t, f.gw, nil)
	m := f.send(t, f.leaderA, notify.Draft{Audience: notify.Audience{Kind: notify.AudienceVolunteers,
		VolunteerIDs: []uuid.UUID{f.volunteers[f.vol1.ID], f.volunteers[f.vol2.ID]}}})
	f.settled(t, m.ID)
	if d := f.delivery(t, m.ID, f.vol1.ID); d.Status != "failed" || d.Note != sms.CodeBusy || d.Attempts != 3 || !d.InApp {
		t.Errorf("temporarily refused = %+v, want failed BUSY after 3 attempts, in the inbox", d)
	}
	if d := f.delivery(t, m.ID, f.vol2.ID); d.Status != "failed" || d.Note != sms.CodeInvalidPhone || d.Attempts != 1 || !d.InApp {
		t.Errorf("permanently refused = %+v, want failed INVALID_PHONE after 1 attempt, in the inbox", d)
	}
	ds, _, _ := f.svc.Deliveries(t.Context(), f.leaderA, m.ID, notify.DeliveryFailed, 0, "")
	if len(ds) != 2 || !slices.ContainsFunc(ds, func(d notify.Delivery) bool { return d.Error == "空号" }) {
		t.Errorf("failed deliveries = %+v, want both with the gateway's words", ds)
	}
	if in, _, _, _ := f.svc.Inbox(t.Context(), &access.Principal{PersonID: f.vol2.ID}, false, 0, ""); len(in) != 1 {
		t.Errorf("inbox after a failed text = %d messages, want 1", len(in))
	}
}

// TestScheduledMessages: a scheduled message waits, goes out once the
// sweep finds it due, and a cancelled one never does.
func TestScheduledMessages(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Limits{})
	d := f.dispatcher(t, f.gw, nil)
	at := f.clock.Now().Add(time.Hour)
	m := f.send(t, f.leaderA, notify.Draft{Audience: f.hired(), SendAt: at, Channels: []notify.Channel{notify.ChannelSMS, notify.ChannelInApp}})
	cancelled := f.send(t, f.leaderA, notify.Draft{Audience: f.hired(), SendAt: at})
	if m.Status != notify.MessageScheduled || !m.SendAt.Equal(at) {
		t.Fatalf("Send = %+v, want scheduled at %v", m, at)
	}
	if err := d.Sweep(t.Context()); err != nil {
		t.Fatal(err)
	}
	if in, _, _, _ := f.svc.Inbox(t.Context(), &access.Principal{PersonID: f.vol1.ID}, false, 0, ""); len(in) != 0 {
		t.Errorf("inbox before the time = %+v, want empty", in)
	}
	if _, err := f.svc.Cancel(t.Context(), f.adminB, cancelled.ID); fault.ReasonOf(err) != "NOT_IN_SCOPE" {
		t.Errorf("Cancel by another org = %v, want NOT_IN_SCOPE", err)
	}
	c, err := f.svc.Cancel(t.Context(), f.leaderA, cancelled.ID)
	if err != nil || c.Status != notify.MessageCancelled {
		t.Fatalf("Cancel = %+v, %v; want cancelled", c, err)
	}
	f.clock.Add(time.Hour)
	if err := d.Sweep(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.settled(t, m.ID)
	if got := len(f.gw.sent()); got != 2 {
		t.Errorf("texts sent = %d, want the scheduled message's 2", got)
	}
	if d := f.delivery(t, cancelled.ID, f.vol1.ID); d.Status != "cancelled" {
		t.Errorf("recipient of the cancelled message = %+v, want cancelled", d)
	}
	if _, err := f.svc.Cancel(t.Context(), f.leaderA, m.ID); fault.ReasonOf(err) != "MESSAGE_NOT_SCHEDULED" {
		t.Errorf("Cancel after release = %v, want MESSAGE_NOT_SCHEDULED", err)
	}
	in, _, _, _ := f.svc.Inbox(t.Context(), &access.Principal{PersonID: f.vol1.ID}, false, 0, "")
	if len(in) != 1 || in[0].ID != m.ID || !in[0].SentAt.Equal(f.clock.Now()) {
		t.Errorf("inbox after the time = %+v, want the released message", in)
	}
}

// TestSweepPublishesWhatNeverReachedTheStream: messages committed while
// NATS took no work items (no queue here) are published by the sweep once
// the short grace passes, and two nodes sweeping at once send each text
// once.
func TestSweepPublishesWhatNeverReachedTheStream(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Limits{})
	lost := notify.New(notify.Options{Store: f.st, Now: f.clock.Now, Queue: nil})
	var ids []uuid.UUID
	for range 3 {
		m, err := lost.Send(t.Context(), f.districtLeader, notify.Draft{Body: "通知", Channels: []notify.Channel{notify.ChannelSMS},
			Audience: notify.Audience{Kind: notify.AudienceOrgUsers, AllBelow: true}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	a := f.dispatcher(t, f.gw, nil)
	b := f.dispatcher(t, f.gw, nil)
	if err := a.Sweep(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := f.gw.callCount(); n != 0 {
		t.Fatalf("gateway called %d times within the grace, want 0", n)
	}
	f.clock.Add(11 * time.Second)
	var wg sync.WaitGroup
	for _, d := range []*notify.Dispatcher{a, b} {
		wg.Go(func() {
			if err := d.Sweep(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, id := range ids {
		f.settled(t, id)
	}
	// Each message reaches leaderA and adminB; the per-phone limit (3 a
	// minute) lets all three through.
	if got := len(f.gw.sent()); got != 6 {
		t.Errorf("texts sent = %d, want 6 (3 messages × 2 org users), each once", got)
	}
	var enqueues int
	if err := f.st.Pool.QueryRow(t.Context(), `SELECT max(enqueues) FROM notify.recipient`).Scan(&enqueues); err != nil {
		t.Fatal(err)
	}
	if enqueues != 1 {
		t.Errorf("max enqueues = %d, want 1: one sweep took each row", enqueues)
	}
}

// TestSenderLimits: a sender's messages per hour and SMS recipients per day
// are refused as resource exhausted, and free up as time passes.
func TestSenderLimits(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Limits{MessagesPerHour: 2, SMSRecipientsPerDay: 5})
	inApp := []notify.Channel{notify.ChannelInApp}
	f.send(t, f.leaderA, notify.Draft{Audience: f.hired(), Channels: inApp})
	f.send(t, f.leaderA, notify.Draft{Audience: f.hired(), Channels: inApp})
	_, err := f.svc.Send(t.Context(), f.leaderA, notify.Draft{Body: "x", Audience: f.hired(), Channels: inApp})
	wantFault(t, "third message in an hour", err, fault.Exhausted, "SENDER_HOURLY_LIMIT")
	// Another org has its own budget.
	f.send(t, f.districtLeader, notify.Draft{Audience: notify.Audience{Kind: notify.AudienceOrgUsers, AllBelow: true}, Channels: inApp})
	f.clock.Add(time.Hour + time.Second)
	f.send(t, f.leaderA, notify.Draft{Audience: f.hired()}) // 3 SMS recipients
	_, err = f.svc.Send(t.Context(), f.leaderA, notify.Draft{Body: "x", Audience: f.hired(), Channels: []notify.Channel{notify.ChannelSMS}})
	wantFault(t, "SMS beyond the daily recipients", err, fault.Exhausted, "SENDER_DAILY_LIMIT")
	f.send(t, f.leaderA, notify.Draft{Audience: f.hired(), Channels: inApp}) // in-app only does not count
	f.clock.Add(25 * time.Hour)
	f.send(t, f.leaderA, notify.Draft{Audience: f.hired()})
}

// TestPhoneLimits: texts to one number beyond the minute limit wait a
// minute; beyond the hour limit they are dropped as rate_limited and go to
// the inbox.
func TestPhoneLimits(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Limits{PhonePerMinute: 1, PhonePerHour: 2})
	direct := notify.New(notify.Options{Store: f.st, Now: f.clock.Now, Queue: nil})
	d := f.dispatcher(t, f.gw, nil)
	one := notify.Audience{Kind: notify.AudienceVolunteers, VolunteerIDs: []uuid.UUID{f.volunteers[f.vol1.ID]}}
	var ms []notify.Message
	for range 3 {
		m, err := direct.Send(t.Context(), f.leaderA, notify.Draft{Body: "提醒", Channels: []notify.Channel{notify.ChannelSMS}, Audience: one})
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	item := func(m notify.Message) notify.Item { return notify.Item{MessageID: m.ID, PersonID: f.vol1.ID} }
	if out := d.Deliver(t.Context(), item(ms[0])); !out.Ack {
		t.Fatalf("first Deliver = %+v, want ack", out)
	}
	out := d.Deliver(t.Context(), item(ms[1]))
	if out.Ack || out.Delay != time.Minute {
		t.Errorf("second Deliver within the minute = %+v, want a retry in 1m", out)
	}
	if got := f.delivery(t, ms[1].ID, f.vol1.ID); got.Status != "queued" || got.Note != notify.NotePhoneMinute {
		t.Errorf("deferred recipient = %+v, want queued PHONE_MINUTE_LIMIT", got)
	}
	f.clock.Add(61 * time.Second)
	if out := d.Deliver(t.Context(), item(ms[1])); !out.Ack {
		t.Errorf("second Deliver after a minute = %+v, want ack", out)
	}
	f.clock.Add(61 * time.Second)
	if out := d.Deliver(t.Context(), item(ms[2])); !out.Ack {
		t.Errorf("third Deliver = %+v, want ack", out)
	}
	if got := f.delivery(t, ms[2].ID, f.vol1.ID); got.Status != "rate_limited" || got.Note != notify.NotePhoneHourLimit || !got.InApp {
		t.Errorf("third recipient = %+v, want rate_limited PHONE_HOURLY_LIMIT in the inbox", got)
	}
	if got := len(f.gw.sent()); got != 2 {
		t.Errorf("texts sent = %d, want 2", got)
	}
}

// TestOrgNotice: a notice to an org's leaders and admins goes out by SMS
// and into their inboxes, under the platform's name and no one's limits.
func TestOrgNotice(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Limits{MessagesPerHour: 1})
	f.dispatcher(t, f.gw, nil)
	f.svc.NotifyOrgUsers(t.Context(), f.b, "组织已停用", "您所在的组织「乙街道志愿者服务中心」已被上级停用。")
	var id uuid.UUID
	if err := f.st.Pool.QueryRow(t.Context(), `SELECT id FROM notify.message WHERE sender_kind = 'system'`).Scan(&id); err != nil {
		t.Fatalf("notice not stored: %v", err)
	}
	f.settled(t, id)
	if d := f.delivery(t, id, f.adminB.PersonID); d.Status != "sent" || !d.InApp {
		t.Errorf("admin of 乙街道 = %+v, want sent and in the inbox", d)
	}
	in, _, _, _ := f.svc.Inbox(t.Context(), f.adminB, false, 0, "")
	if len(in) != 1 || in[0].SenderName != notify.PlatformName || in[0].Title != "组织已停用" {
		t.Errorf("inbox = %+v, want the notice from %s", in, notify.PlatformName)
	}
	// Staff of all scope see notices in their sent list; org senders do not.
	if all, _, _ := f.svc.ListSent(t.Context(), f.staffAll, "", 0, ""); len(all) != 1 {
		t.Errorf("super admin lists %d messages, want the notice", len(all))
	}
}

type gatewayFunc func(ctx context.Context, m sms.Message) (sms.Receipt, error)

func (g gatewayFunc) Send(ctx context.Context, m sms.Message) (sms.Receipt, error) { return g(ctx, m) }

// waitFor polls cond until it holds, failing after 15 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: timed out", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func streamEmpty(t *testing.T, f *fixture) bool {
	t.Helper()
	js, err := jetstreamOf(f)
	if err != nil {
		t.Fatal(err)
	}
	s, err := js.Stream(t.Context(), notify.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs == 0
}

func jetstreamOf(f *fixture) (jetstream.JetStream, error) { return jetstream.New(f.bus.Conn) }
