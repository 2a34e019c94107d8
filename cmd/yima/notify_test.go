package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	auditv1 "yima/rpc/gen/yima/audit/v1"
	identityv1 "yima/rpc/gen/yima/identity/v1"
	notifyv1 "yima/rpc/gen/yima/notify/v1"
	orgv1 "yima/rpc/gen/yima/org/v1"
	projectv1 "yima/rpc/gen/yima/project/v1"
	"yima/store/demo"
)

// TestNotify runs notifications through the API on the demo data (O2, O4,
// O9, S4): 王建国 texts the hired volunteers of 徐家汇's running project,
// the dev gateway shows the text, 李晓梅 finds it in her inbox; scope and
// permission refusals; the sender's hourly limit; and the notice 王建国
// gets when 陈思远's district deactivates his org.
func TestNotify(t *testing.T) {
	t.Parallel()
	s := startServerAlone(t, "--demo")
	xuhui := s.orgByName(t, demo.OrgXuhui)
	xujiahui := s.orgByName(t, demo.OrgXujiahui)
	tianpinglu := s.orgByName(t, demo.OrgTianpinglu)
	var running, otherProject string
	pool := s.pool(t)
	if err := pool.QueryRow(t.Context(), `SELECT id::text FROM project.project WHERE title = '徐家汇街道轨交站点文明引导'`).Scan(&running); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(t.Context(), `SELECT id::text FROM project.project WHERE org_id <> $1 LIMIT 1`, xujiahui).Scan(&otherProject); err != nil {
		t.Fatal(err)
	}
	wangCitizen := s.demoCitizen(t, demo.RoleStreetLeader)
	wang := s.api(wangCitizen.switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER, xujiahui).token).notify
	chenXuhui := s.demoCitizen(t, demo.RoleLeader).switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER, xuhui)
	chen := s.api(chenXuhui.token).notify
	li := s.api(s.demoCitizen(t, demo.RoleVolunteer).token).notify
	admin := s.api(s.staff(t, "admin").token).notify

	hired := &notifyv1.MessageAudience{Kind: &notifyv1.MessageAudience_ProjectSignUps{ProjectSignUps: &notifyv1.ProjectSignUpsAudience{
		ProjectId: running, Statuses: []projectv1.SignUpStatus{projectv1.SignUpStatus_SIGN_UP_STATUS_HIRED},
	}}}
	orgUsers := func(ids ...string) *notifyv1.MessageAudience {
		return &notifyv1.MessageAudience{Kind: &notifyv1.MessageAudience_OrgUsers{OrgUsers: &notifyv1.OrgUsersAudience{OrgIds: ids}}}
	}
	both := []notifyv1.MessageChannel{notifyv1.MessageChannel_MESSAGE_CHANNEL_SMS, notifyv1.MessageChannel_MESSAGE_CHANNEL_IN_APP}
	body := fmt.Sprintf("明早7:30在徐家汇站3号口集合，领取马甲。%d", time.Now().UnixNano()%1000)

	var sent *notifyv1.SentMessage
	t.Run("发送给项目已录用志愿者", func(t *testing.T) {
		pv, err := wang.PreviewAudience(t.Context(), connect.NewRequest(&notifyv1.PreviewAudienceRequest{Audience: hired}))
		checkErr(t, "PreviewAudience", err, 0, "")
		if pv.Msg.Recipients < 1 || !strings.Contains(pv.Msg.Label, "已录用") {
			t.Fatalf("PreviewAudience = %v, want the hired volunteers", pv.Msg)
		}
		res, err := wang.SendMessage(t.Context(), connect.NewRequest(&notifyv1.SendMessageRequest{
			Title: "集合通知", Body: body, Channels: both, Audience: hired,
		}))
		checkErr(t, "SendMessage", err, 0, "")
		sent = res.Msg.Message
		if sent.Status != notifyv1.MessageStatus_MESSAGE_STATUS_RELEASED || sent.RecipientCount != pv.Msg.Recipients || sent.SenderName != demo.OrgXujiahui {
			t.Fatalf("SendMessage = %v, want released to %d recipients from %s", sent, pv.Msg.Recipients, demo.OrgXujiahui)
		}
		// The dispatcher sends through the dev gateway.
		var li *notifyv1.Delivery
		eventually(t, 15*time.Second, func() error {
			res, err := wang.ListDeliveries(t.Context(), connect.NewRequest(&notifyv1.ListDeliveriesRequest{MessageId: sent.Id}))
			if err != nil {
				return err
			}
			for _, d := range res.Msg.Deliveries {
				if d.Phone == "139****0002" {
					li = d
				}
			}
			if li == nil || li.Status != notifyv1.DeliveryStatus_DELIVERY_STATUS_SENT {
				return fmt.Errorf("李晓梅's delivery = %v, want sent", li)
			}
			return nil
		})
		if li.Name != "李**" || li.GatewayId == "" || li.Attempts != 1 || li.SentAt == nil {
			t.Errorf("delivery = %v, want a masked name, a gateway id, one attempt", li)
		}
		list, err := wang.ListSentMessages(t.Context(), connect.NewRequest(&notifyv1.ListSentMessagesRequest{}))
		checkErr(t, "ListSentMessages", err, 0, "")
		if len(list.Msg.Messages) == 0 || list.Msg.Messages[0].Id != sent.Id || list.Msg.Messages[0].Counts.GetSent() < 1 {
			t.Errorf("ListSentMessages = %v, want the message first with its sent count", list.Msg.Messages)
		}
	})

	t.Run("开发短信网关", func(t *testing.T) {
		res, err := admin.ListDevSms(t.Context(), connect.NewRequest(&notifyv1.ListDevSmsRequest{Phone: "139****0002"}))
		checkErr(t, "ListDevSms", err, 0, "")
		if len(res.Msg.Texts) == 0 || res.Msg.Texts[0].Text != "【一码做志愿】"+body || strings.Contains(res.Msg.Texts[0].Phone, "13916880002") {
			t.Errorf("ListDevSms = %v, want the signed text to a masked number", res.Msg.Texts)
		}
		_, err = wang.ListDevSms(t.Context(), connect.NewRequest(&notifyv1.ListDevSmsRequest{}))
		checkErr(t, "ListDevSms by an org leader", err, connect.CodePermissionDenied, "PERMISSION_DENIED")
	})

	t.Run("收件箱", func(t *testing.T) {
		res, err := li.ListMyMessages(t.Context(), connect.NewRequest(&notifyv1.ListMyMessagesRequest{UnreadOnly: true}))
		checkErr(t, "ListMyMessages", err, 0, "")
		i := slices.IndexFunc(res.Msg.Messages, func(m *notifyv1.InboxMessage) bool { return m.Id == sent.GetId() })
		if i < 0 || res.Msg.Messages[i].Body != body || res.Msg.Messages[i].SenderName != demo.OrgXujiahui || res.Msg.Unread < 1 {
			t.Fatalf("ListMyMessages = %v, want the message unread", res.Msg)
		}
		mark, err := li.MarkMessagesRead(t.Context(), connect.NewRequest(&notifyv1.MarkMessagesReadRequest{MessageIds: []string{sent.Id}}))
		checkErr(t, "MarkMessagesRead", err, 0, "")
		if mark.Msg.Marked != 1 {
			t.Errorf("MarkMessagesRead = %d, want 1", mark.Msg.Marked)
		}
		_, err = li.MarkMessagesRead(t.Context(), connect.NewRequest(&notifyv1.MarkMessagesReadRequest{MessageIds: []string{"x"}}))
		checkErr(t, "MarkMessagesRead bad id", err, connect.CodeInvalidArgument, "ID_INVALID")
		// Another person's inbox does not have it.
		other, err := admin.ListMyMessages(t.Context(), connect.NewRequest(&notifyv1.ListMyMessagesRequest{}))
		checkErr(t, "ListMyMessages admin", err, 0, "")
		if slices.ContainsFunc(other.Msg.Messages, func(m *notifyv1.InboxMessage) bool { return m.Id == sent.GetId() }) {
			t.Error("admin's inbox holds 李晓梅's message")
		}
	})

	t.Run("范围与权限", func(t *testing.T) {
		inApp := []notifyv1.MessageChannel{notifyv1.MessageChannel_MESSAGE_CHANNEL_IN_APP}
		for _, tc := range []struct {
			name       string
			as         func() (*connect.Response[notifyv1.SendMessageResponse], error)
			wantCode   connect.Code
			wantReason string
		}{
			{"其他组织的项目", func() (*connect.Response[notifyv1.SendMessageResponse], error) {
				return wang.SendMessage(t.Context(), connect.NewRequest(&notifyv1.SendMessageRequest{Body: "x", Channels: inApp,
					Audience: &notifyv1.MessageAudience{Kind: &notifyv1.MessageAudience_ProjectSignUps{ProjectSignUps: &notifyv1.ProjectSignUpsAudience{ProjectId: otherProject}}}}))
			}, connect.CodePermissionDenied, "NOT_ORG_MEMBER"},
			{"下级不能通知上级", func() (*connect.Response[notifyv1.SendMessageResponse], error) {
				return wang.SendMessage(t.Context(), connect.NewRequest(&notifyv1.SendMessageRequest{Body: "x", Channels: inApp, Audience: orgUsers(xuhui)}))
			}, connect.CodePermissionDenied, "NOT_IN_SCOPE"},
			{"区级通知下级组织", func() (*connect.Response[notifyv1.SendMessageResponse], error) {
				return chen.SendMessage(t.Context(), connect.NewRequest(&notifyv1.SendMessageRequest{Body: "下周一例会", Channels: inApp, Audience: orgUsers(xujiahui, tianpinglu)}))
			}, 0, ""},
			{"后台通知组织负责人", func() (*connect.Response[notifyv1.SendMessageResponse], error) {
				return admin.SendMessage(t.Context(), connect.NewRequest(&notifyv1.SendMessageRequest{Body: "请核对年报", Channels: both, Audience: orgUsers(xujiahui)}))
			}, 0, ""},
			{"后台不能发给成员", func() (*connect.Response[notifyv1.SendMessageResponse], error) {
				return admin.SendMessage(t.Context(), connect.NewRequest(&notifyv1.SendMessageRequest{Body: "x", Channels: inApp,
					Audience: &notifyv1.MessageAudience{Kind: &notifyv1.MessageAudience_Members{Members: &notifyv1.MembersAudience{}}}}))
			}, connect.CodePermissionDenied, "AUDIENCE_NOT_ALLOWED"},
			{"志愿者没有发送权限", func() (*connect.Response[notifyv1.SendMessageResponse], error) {
				return li.SendMessage(t.Context(), connect.NewRequest(&notifyv1.SendMessageRequest{Body: "x", Channels: inApp, Audience: hired}))
			}, connect.CodePermissionDenied, "PERMISSION_DENIED"},
			{"内容为空", func() (*connect.Response[notifyv1.SendMessageResponse], error) {
				return wang.SendMessage(t.Context(), connect.NewRequest(&notifyv1.SendMessageRequest{Body: " ", Channels: inApp, Audience: hired}))
			}, connect.CodeInvalidArgument, "BODY_REQUIRED"},
			{"项目编号无效", func() (*connect.Response[notifyv1.SendMessageResponse], error) {
				return wang.SendMessage(t.Context(), connect.NewRequest(&notifyv1.SendMessageRequest{Body: "x", Channels: inApp,
					Audience: &notifyv1.MessageAudience{Kind: &notifyv1.MessageAudience_ProjectSignUps{ProjectSignUps: &notifyv1.ProjectSignUpsAudience{ProjectId: "x"}}}}))
			}, connect.CodeInvalidArgument, "ID_INVALID"},
			{"定时太远", func() (*connect.Response[notifyv1.SendMessageResponse], error) {
				return wang.SendMessage(t.Context(), connect.NewRequest(&notifyv1.SendMessageRequest{Body: "x", Channels: inApp, Audience: hired,
					SendAt: timestamppb.New(time.Now().Add(40 * 24 * time.Hour))}))
			}, connect.CodeInvalidArgument, "SEND_AT_TOO_FAR"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := tc.as()
				checkErr(t, "SendMessage", err, tc.wantCode, tc.wantReason)
			})
		}
		// The district's message is not 徐家汇's to see.
		chenSent, err := chen.ListSentMessages(t.Context(), connect.NewRequest(&notifyv1.ListSentMessagesRequest{}))
		checkErr(t, "ListSentMessages 徐汇", err, 0, "")
		if len(chenSent.Msg.Messages) != 1 {
			t.Fatalf("徐汇 lists %d messages, want its one", len(chenSent.Msg.Messages))
		}
		_, err = wang.ListDeliveries(t.Context(), connect.NewRequest(&notifyv1.ListDeliveriesRequest{MessageId: chenSent.Msg.Messages[0].Id}))
		checkErr(t, "ListDeliveries of the district's message", err, connect.CodePermissionDenied, "NOT_IN_SCOPE")
		_, err = wang.ListDeliveries(t.Context(), connect.NewRequest(&notifyv1.ListDeliveriesRequest{MessageId: uuid.NewString()}))
		checkErr(t, "ListDeliveries of nothing", err, connect.CodeNotFound, "MESSAGE_NOT_FOUND")
		// Sending is audited.
		entries := s.api(s.staff(t, "admin").token).entries(t, &auditv1.ListEntriesRequest{Procedure: "/yima.notify.v1.NotifyService/SendMessage"})
		if len(entries) < 3 {
			t.Errorf("audit entries of SendMessage = %d, want every call", len(entries))
		}
	})

	t.Run("定时发送与取消", func(t *testing.T) {
		res, err := wang.SendMessage(t.Context(), connect.NewRequest(&notifyv1.SendMessageRequest{
			Body: "周六上午活动提醒", Channels: both, Audience: hired, SendAt: timestamppb.New(time.Now().Add(2 * time.Hour)),
		}))
		checkErr(t, "SendMessage scheduled", err, 0, "")
		if res.Msg.Message.Status != notifyv1.MessageStatus_MESSAGE_STATUS_SCHEDULED {
			t.Fatalf("scheduled message = %v", res.Msg.Message)
		}
		c, err := wang.CancelMessage(t.Context(), connect.NewRequest(&notifyv1.CancelMessageRequest{MessageId: res.Msg.Message.Id}))
		checkErr(t, "CancelMessage", err, 0, "")
		if c.Msg.Message.Status != notifyv1.MessageStatus_MESSAGE_STATUS_CANCELLED {
			t.Errorf("CancelMessage = %v, want cancelled", c.Msg.Message)
		}
		_, err = wang.CancelMessage(t.Context(), connect.NewRequest(&notifyv1.CancelMessageRequest{MessageId: res.Msg.Message.Id}))
		checkErr(t, "CancelMessage again", err, connect.CodeFailedPrecondition, "MESSAGE_NOT_SCHEDULED")
	})

	t.Run("每小时发送上限", func(t *testing.T) {
		inApp := []notifyv1.MessageChannel{notifyv1.MessageChannel_MESSAGE_CHANNEL_IN_APP}
		var err error
		for i := 0; i < 40 && err == nil; i++ {
			_, err = wang.SendMessage(t.Context(), connect.NewRequest(&notifyv1.SendMessageRequest{Body: fmt.Sprintf("第%d条", i), Channels: inApp, Audience: hired}))
		}
		checkErr(t, "SendMessage beyond the hourly limit", err, connect.CodeResourceExhausted, "SENDER_HOURLY_LIMIT")
	})

	t.Run("报名审核结果通知", func(t *testing.T) {
		ids := newCitizens(4913)
		vol := s.citizen(t, ids.next(), "顾佳宁")
		vol.register(t)
		wangOrg := s.as(wangCitizen.switchTo(t, identityv1.AccountKind_ACCOUNT_KIND_ORG_LEADER, xujiahui).token)
		pr := wangOrg.createProject(t, projectRequest(xujiahui, time.Now().Add(time.Hour), 5))
		wangOrg.submit(t, pr.Id)
		chenXuhui.reviewProject(t, pr.Id, true, "")
		su, err := vol.signUp(t.Context(), pr.Id, pr.Positions[0].Id)
		checkErr(t, "SignUp", err, 0, "")
		_, err = wangOrg.reviewSignUp(t.Context(), su.Id, false)
		checkErr(t, "ReviewSignUp", err, 0, "")
		eventually(t, 10*time.Second, func() error {
			res, err := s.api(vol.token).notify.ListMyMessages(t.Context(), connect.NewRequest(&notifyv1.ListMyMessagesRequest{}))
			if err != nil {
				return err
			}
			for _, m := range res.Msg.Messages {
				if m.Title == "报名未通过" && strings.Contains(m.Body, pr.Title) {
					return nil
				}
			}
			return fmt.Errorf("the volunteer's inbox = %v, want the decision", res.Msg.Messages)
		})
	})

	t.Run("停用组织的通知", func(t *testing.T) {
		_, err := chenXuhui.org.DeactivateOrg(t.Context(), connect.NewRequest(&orgv1.DeactivateOrgRequest{OrgId: xujiahui, Reason: "年度检查未通过"}))
		checkErr(t, "DeactivateOrg", err, 0, "")
		inbox := s.api(wangCitizen.token).notify
		eventually(t, 10*time.Second, func() error {
			res, err := inbox.ListMyMessages(t.Context(), connect.NewRequest(&notifyv1.ListMyMessagesRequest{}))
			if err != nil {
				return err
			}
			for _, m := range res.Msg.Messages {
				if m.Title == "组织已停用" && strings.Contains(m.Body, "年度检查未通过") && m.SenderName == "一码做志愿" {
					return nil
				}
			}
			return fmt.Errorf("王建国's inbox = %v, want the deactivation notice", res.Msg.Messages)
		})
		_, err = chenXuhui.org.ReactivateOrg(t.Context(), connect.NewRequest(&orgv1.ReactivateOrgRequest{OrgId: xujiahui, Reason: "整改完成"}))
		checkErr(t, "ReactivateOrg", err, 0, "")
	})
}
