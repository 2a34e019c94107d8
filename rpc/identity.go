package rpc

import (
	"context"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"yima/fault"
	identityv1 "yima/rpc/gen/yima/identity/v1"
	"yima/rpc/gen/yima/identity/v1/identityv1connect"
	"yima/services/identity"
)

// identityHandler serves IdentityService over the identity use cases.
type identityHandler struct {
	identityv1connect.UnimplementedIdentityServiceHandler
	svc           *identity.Service
	demoUsernames []string
}

var _ identityv1connect.IdentityServiceHandler = (*identityHandler)(nil)

func (h *identityHandler) GetLoginOptions(ctx context.Context, req *connect.Request[identityv1.GetLoginOptionsRequest]) (*connect.Response[identityv1.GetLoginOptionsResponse], error) {
	res := &identityv1.GetLoginOptionsResponse{LoginUrl: "/auth/login", DevLogin: h.svc.Dev()}
	if h.svc.Dev() {
		res.DemoUsernames = h.demoUsernames
	}
	return connect.NewResponse(res), nil
}

func (h *identityHandler) DevLogin(ctx context.Context, req *connect.Request[identityv1.DevLoginRequest]) (*connect.Response[identityv1.DevLoginResponse], error) {
	m := req.Msg
	cl := clientOf(req.Peer(), req.Header().Get("User-Agent"))
	var iss identity.Issued
	var err error
	switch {
	case m.Username != "" && m.IdNumber == "":
		iss, err = h.svc.DevLoginStaff(ctx, m.Username, cl)
	case m.IdNumber != "" && m.Username == "":
		iss, err = h.svc.DevLoginCitizen(ctx, m.IdNumber, m.Name, cl)
	default:
		err = fault.InvalidField("id_number", "LOGIN_KIND_INVALID", "请提供身份证号码和姓名，或后台用户名（二选一）")
	}
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&identityv1.DevLoginResponse{Token: iss.Token, ExpiresAt: timestamppb.New(iss.ExpiresAt)}), nil
}

func (h *identityHandler) GetMe(ctx context.Context, req *connect.Request[identityv1.GetMeRequest]) (*connect.Response[identityv1.GetMeResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	person, acct, err := h.svc.Me(ctx, p)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&identityv1.GetMeResponse{
		Person: &identityv1.Person{
			Id: person.ID.String(), Name: person.Name,
			IdNumberMasked: person.IDNumberMasked, PhoneMasked: person.PhoneMasked,
		},
		Account:     accountToProto(acct, true),
		Permissions: p.Grants.Permissions,
	}), nil
}

func (h *identityHandler) ListAccounts(ctx context.Context, req *connect.Request[identityv1.ListAccountsRequest]) (*connect.Response[identityv1.ListAccountsResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	accts, err := h.svc.ListAccounts(ctx, p)
	if err != nil {
		return nil, err
	}
	res := &identityv1.ListAccountsResponse{}
	for _, a := range accts {
		res.Accounts = append(res.Accounts, accountToProto(a, a.ID == p.AccountID))
	}
	return connect.NewResponse(res), nil
}

func (h *identityHandler) SwitchAccount(ctx context.Context, req *connect.Request[identityv1.SwitchAccountRequest]) (*connect.Response[identityv1.SwitchAccountResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("account_id", req.Msg.AccountId)
	if err != nil {
		return nil, err
	}
	iss, acct, err := h.svc.SwitchAccount(ctx, p, id, clientOf(req.Peer(), req.Header().Get("User-Agent")))
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&identityv1.SwitchAccountResponse{
		Token: iss.Token, ExpiresAt: timestamppb.New(iss.ExpiresAt), Account: accountToProto(acct, true),
	}), nil
}

func (h *identityHandler) Logout(ctx context.Context, req *connect.Request[identityv1.LogoutRequest]) (*connect.Response[identityv1.LogoutResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := h.svc.Logout(ctx, p); err != nil {
		return nil, err
	}
	return connect.NewResponse(&identityv1.LogoutResponse{}), nil
}

func accountToProto(a identity.Account, active bool) *identityv1.Account {
	out := &identityv1.Account{
		Id: a.ID.String(), Kind: identityv1.AccountKind(a.Kind),
		DisplayName: a.DisplayName(), Active: active,
	}
	if a.OrgID != uuid.Nil {
		out.OrgId = a.OrgID.String()
	}
	out.ValidUntil = timestamp(a.ValidUntil)
	return out
}

func clientOf(peer connect.Peer, ua string) identity.Client {
	return identity.Client{Addr: peer.Addr, UserAgent: ua}
}

func timestamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}
