package main

import (
	"context"
	"io"
	"net/http"
	"testing"

	"connectrpc.com/connect"

	identityv1 "yima/rpc/gen/yima/identity/v1"
	"yima/rpc/gen/yima/identity/v1/identityv1connect"
)

func TestDevServerServesHealthAndAdminLogin(t *testing.T) {
	s := startServer(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		res, err := http.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d %s, want 200", path, res.StatusCode, body)
		}
	}
	ic := identityv1connect.NewIdentityServiceClient(http.DefaultClient, s.URL)
	login, err := ic.DevLogin(context.Background(), connect.NewRequest(&identityv1.DevLoginRequest{Username: "admin"}))
	if err != nil {
		t.Fatalf("DevLogin(admin): %v", err)
	}
	authed := identityv1connect.NewIdentityServiceClient(s.client(login.Msg.Token), s.URL)
	accts, err := authed.ListAccounts(context.Background(), connect.NewRequest(&identityv1.ListAccountsRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if len(accts.Msg.Accounts) != 1 || accts.Msg.Accounts[0].Kind != identityv1.AccountKind_ACCOUNT_KIND_STAFF || accts.Msg.Accounts[0].OrgId == "" {
		t.Errorf("admin accounts = %v, want one staff account of the root org", accts.Msg.Accounts)
	}
}
