package rpc

import (
	"context"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"yima/fault"
	notifyv1 "yima/rpc/gen/yima/notify/v1"
	"yima/rpc/gen/yima/notify/v1/notifyv1connect"
	projectv1 "yima/rpc/gen/yima/project/v1"
	"yima/services/notify"
	"yima/services/notify/sms"
)

// notifyHandler serves NotifyService over the notification use cases; dev
// is the dev SMS gateway when it is the active one.
type notifyHandler struct {
	svc *notify.Service
	dev *sms.Dev
}

var _ notifyv1connect.NotifyServiceHandler = (*notifyHandler)(nil)

func (h *notifyHandler) SendMessage(ctx context.Context, req *connect.Request[notifyv1.SendMessageRequest]) (*connect.Response[notifyv1.SendMessageResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	a, err := audienceFromProto(m.Audience)
	if err != nil {
		return nil, err
	}
	d := notify.Draft{Title: m.Title, Body: m.Body, Audience: a}
	for _, c := range m.Channels {
		switch c {
		case notifyv1.MessageChannel_MESSAGE_CHANNEL_SMS:
			d.Channels = append(d.Channels, notify.ChannelSMS)
		case notifyv1.MessageChannel_MESSAGE_CHANNEL_IN_APP:
			d.Channels = append(d.Channels, notify.ChannelInApp)
		default:
			return nil, fault.InvalidField("channels", "CHANNEL_REQUIRED", "请选择短信或站内信")
		}
	}
	if m.SendAt != nil {
		if err := m.SendAt.CheckValid(); err != nil {
			return nil, fault.InvalidField("send_at", "SEND_AT_INVALID", "定时发送时间无效")
		}
		d.SendAt = m.SendAt.AsTime()
	}
	msg, err := h.svc.Send(ctx, p, d)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&notifyv1.SendMessageResponse{Message: messageToProto(msg)}), nil
}

func (h *notifyHandler) PreviewAudience(ctx context.Context, req *connect.Request[notifyv1.PreviewAudienceRequest]) (*connect.Response[notifyv1.PreviewAudienceResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	a, err := audienceFromProto(req.Msg.Audience)
	if err != nil {
		return nil, err
	}
	pv, err := h.svc.Preview(ctx, p, a)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&notifyv1.PreviewAudienceResponse{Recipients: pv.Recipients, WithoutPhone: pv.WithoutPhone, Label: pv.Label}), nil
}

func (h *notifyHandler) CancelMessage(ctx context.Context, req *connect.Request[notifyv1.CancelMessageRequest]) (*connect.Response[notifyv1.CancelMessageResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("message_id", req.Msg.MessageId)
	if err != nil {
		return nil, err
	}
	msg, err := h.svc.Cancel(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&notifyv1.CancelMessageResponse{Message: messageToProto(msg)}), nil
}

func (h *notifyHandler) ListSentMessages(ctx context.Context, req *connect.Request[notifyv1.ListSentMessagesRequest]) (*connect.Response[notifyv1.ListSentMessagesResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	rows, next, err := h.svc.ListSent(ctx, p, messageStatusFromProto[m.Status], m.PageSize, m.PageToken)
	if err != nil {
		return nil, err
	}
	out := &notifyv1.ListSentMessagesResponse{NextPageToken: next}
	for _, r := range rows {
		out.Messages = append(out.Messages, sentToProto(r))
	}
	return connect.NewResponse(out), nil
}

func (h *notifyHandler) GetMessage(ctx context.Context, req *connect.Request[notifyv1.GetMessageRequest]) (*connect.Response[notifyv1.GetMessageResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("message_id", req.Msg.MessageId)
	if err != nil {
		return nil, err
	}
	m, err := h.svc.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&notifyv1.GetMessageResponse{Message: sentToProto(m)}), nil
}

func (h *notifyHandler) ListDeliveries(ctx context.Context, req *connect.Request[notifyv1.ListDeliveriesRequest]) (*connect.Response[notifyv1.ListDeliveriesResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	id, err := parseID("message_id", m.MessageId)
	if err != nil {
		return nil, err
	}
	rows, next, err := h.svc.Deliveries(ctx, p, id, deliveryStatusFromProto[m.Status], m.PageSize, m.PageToken)
	if err != nil {
		return nil, err
	}
	out := &notifyv1.ListDeliveriesResponse{NextPageToken: next}
	for _, r := range rows {
		out.Deliveries = append(out.Deliveries, &notifyv1.Delivery{
			PersonId: r.PersonID.String(), Name: r.Name, Phone: r.PhoneMasked, Status: deliveryStatusToProto[r.Status],
			Note: r.Note, Error: r.Error, Attempts: r.Attempts, GatewayId: r.GatewayID,
			SentAt: notifyTime(r.SentAt), ReadAt: notifyTime(r.ReadAt), InApp: r.InApp,
		})
	}
	return connect.NewResponse(out), nil
}

func (h *notifyHandler) ListMyMessages(ctx context.Context, req *connect.Request[notifyv1.ListMyMessagesRequest]) (*connect.Response[notifyv1.ListMyMessagesResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	rows, unread, next, err := h.svc.Inbox(ctx, p, m.UnreadOnly, m.PageSize, m.PageToken)
	if err != nil {
		return nil, err
	}
	out := &notifyv1.ListMyMessagesResponse{Unread: unread, NextPageToken: next}
	for _, r := range rows {
		out.Messages = append(out.Messages, &notifyv1.InboxMessage{
			Id: r.ID.String(), SenderName: r.SenderName, Title: r.Title, Body: r.Body,
			SentAt: timestamppb.New(r.SentAt), Read: r.Read, Sms: r.SMS,
		})
	}
	return connect.NewResponse(out), nil
}

func (h *notifyHandler) MarkMessagesRead(ctx context.Context, req *connect.Request[notifyv1.MarkMessagesReadRequest]) (*connect.Response[notifyv1.MarkMessagesReadResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	ids, err := parseIDs("message_ids", req.Msg.MessageIds)
	if err != nil {
		return nil, err
	}
	n, err := h.svc.MarkRead(ctx, p, ids, req.Msg.All)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&notifyv1.MarkMessagesReadResponse{Marked: n}), nil
}

func (h *notifyHandler) ListDevSms(ctx context.Context, req *connect.Request[notifyv1.ListDevSmsRequest]) (*connect.Response[notifyv1.ListDevSmsResponse], error) {
	if h.dev == nil {
		return nil, fault.New(fault.FailedPrecondition, "DEV_GATEWAY_INACTIVE", "当前未使用开发短信网关")
	}
	m := req.Msg
	rows, next, err := h.dev.List(ctx, m.Phone, m.PageSize, m.PageToken)
	if err != nil {
		return nil, err
	}
	out := &notifyv1.ListDevSmsResponse{NextPageToken: next}
	for _, r := range rows {
		out.Texts = append(out.Texts, &notifyv1.DevSms{
			GatewayId: r.GatewayID, OutId: r.OutID, Phone: r.PhoneMasked, Text: r.Text, ReceivedAt: timestamppb.New(r.ReceivedAt),
		})
	}
	return connect.NewResponse(out), nil
}

// audienceFromProto reads an audience, parsing its ids.
func audienceFromProto(a *notifyv1.MessageAudience) (notify.Audience, error) {
	var out notify.Audience
	var err error
	switch k := a.GetKind().(type) {
	case *notifyv1.MessageAudience_Members:
		out.Kind = notify.AudienceMembers
		if g := k.Members.GetGroupId(); g != "" {
			if out.GroupID, err = parseID("audience.members.group_id", g); err != nil {
				return out, err
			}
		}
	case *notifyv1.MessageAudience_ProjectSignUps:
		out.Kind = notify.AudienceProjectSignUps
		if out.ProjectID, err = parseID("project_id", k.ProjectSignUps.GetProjectId()); err != nil {
			return out, err
		}
		for _, st := range k.ProjectSignUps.GetStatuses() {
			s, ok := signUpStatusFromProto[st]
			if !ok {
				return out, fault.InvalidField("statuses", "STATUS_INVALID", "报名状态无效")
			}
			out.SignUpStatuses = append(out.SignUpStatuses, s)
		}
	case *notifyv1.MessageAudience_Volunteers:
		out.Kind = notify.AudienceVolunteers
		out.VolunteerIDs, err = parseIDs("volunteer_ids", k.Volunteers.GetVolunteerIds())
	case *notifyv1.MessageAudience_OrgUsers:
		out.Kind = notify.AudienceOrgUsers
		out.AllBelow = k.OrgUsers.GetAllBelow()
		out.OrgIDs, err = parseIDs("org_ids", k.OrgUsers.GetOrgIds())
	case *notifyv1.MessageAudience_Accounts:
		out.Kind = notify.AudienceAccounts
		out.AccountIDs, err = parseIDs("account_ids", k.Accounts.GetAccountIds())
	default:
		return out, fault.InvalidField("audience", "AUDIENCE_REQUIRED", "请选择接收人")
	}
	return out, err
}

var signUpStatusFromProto = map[projectv1.SignUpStatus]string{
	projectv1.SignUpStatus_SIGN_UP_STATUS_PENDING:  notify.SignUpPending,
	projectv1.SignUpStatus_SIGN_UP_STATUS_HIRED:    notify.SignUpHired,
	projectv1.SignUpStatus_SIGN_UP_STATUS_REJECTED: notify.SignUpRejected,
}

var messageStatusToProto = map[notify.MessageStatus]notifyv1.MessageStatus{
	notify.MessageScheduled: notifyv1.MessageStatus_MESSAGE_STATUS_SCHEDULED,
	notify.MessageReleased:  notifyv1.MessageStatus_MESSAGE_STATUS_RELEASED,
	notify.MessageCancelled: notifyv1.MessageStatus_MESSAGE_STATUS_CANCELLED,
}

var messageStatusFromProto = invertNotify(messageStatusToProto)

var deliveryStatusToProto = map[notify.DeliveryStatus]notifyv1.DeliveryStatus{
	notify.DeliveryQueued:      notifyv1.DeliveryStatus_DELIVERY_STATUS_QUEUED,
	notify.DeliverySending:     notifyv1.DeliveryStatus_DELIVERY_STATUS_SENDING,
	notify.DeliverySent:        notifyv1.DeliveryStatus_DELIVERY_STATUS_SENT,
	notify.DeliveryFailed:      notifyv1.DeliveryStatus_DELIVERY_STATUS_FAILED,
	notify.DeliveryRateLimited: notifyv1.DeliveryStatus_DELIVERY_STATUS_RATE_LIMITED,
	notify.DeliveryInAppOnly:   notifyv1.DeliveryStatus_DELIVERY_STATUS_IN_APP_ONLY,
	notify.DeliveryCancelled:   notifyv1.DeliveryStatus_DELIVERY_STATUS_CANCELLED,
}

var deliveryStatusFromProto = invertNotify(deliveryStatusToProto)

func invertNotify[K, V comparable](m map[K]V) map[V]K {
	out := make(map[V]K, len(m))
	for k, v := range m {
		out[v] = k
	}
	return out
}

func messageToProto(m notify.Message) *notifyv1.SentMessage {
	out := &notifyv1.SentMessage{
		Id: m.ID.String(), SenderName: m.SenderName, Title: m.Title, Body: m.Body, AudienceLabel: m.AudienceLabel,
		Status: messageStatusToProto[m.Status], SendAt: timestamppb.New(m.SendAt), CreatedAt: timestamppb.New(m.CreatedAt),
		RecipientCount: m.RecipientCount,
	}
	if m.SenderAccountID != uuid.Nil {
		out.SenderAccountId = m.SenderAccountID.String()
	}
	if m.SMS {
		out.Channels = append(out.Channels, notifyv1.MessageChannel_MESSAGE_CHANNEL_SMS)
	}
	if m.InApp {
		out.Channels = append(out.Channels, notifyv1.MessageChannel_MESSAGE_CHANNEL_IN_APP)
	}
	return out
}

// sentToProto is messageToProto with the counts.
func sentToProto(m notify.Message) *notifyv1.SentMessage {
	out := messageToProto(m)
	c := m.Counts
	out.Counts = &notifyv1.DeliveryCounts{
		Queued: c.Queued, Sending: c.Sending, Sent: c.Sent, Failed: c.Failed, RateLimited: c.RateLimited,
		InAppOnly: c.InAppOnly, Cancelled: c.Cancelled, Read: c.Read,
	}
	return out
}

// notifyTime is t as a timestamp, nil when zero.
func notifyTime(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}
