package main

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"
	reflectionv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"

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

// TestHealthReflectionAndMetrics checks the operator surface: gRPC health
// and reflection over h2c, and per-procedure metrics labelled with the full
// procedure name.
func TestHealthReflectionAndMetrics(t *testing.T) {
	s := startServer(t)
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	h2c := &http.Client{Transport: &http.Transport{Protocols: &protocols}}

	health := grpchealth.NewClient(h2c, s.URL, connect.WithGRPC())
	res, err := health.Check(context.Background(), &grpchealth.CheckRequest{Service: "yima.rbac.v1.RbacService"})
	if err != nil {
		t.Fatalf("grpc health over h2c: %v", err)
	}
	if res.Status != grpchealth.StatusServing {
		t.Errorf("health status = %v, want serving", res.Status)
	}

	refl := connect.NewClient[reflectionv1.ServerReflectionRequest, reflectionv1.ServerReflectionResponse](
		h2c, s.URL+"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", connect.WithGRPC())
	stream := refl.CallBidiStream(context.Background())
	if err := stream.Send(&reflectionv1.ServerReflectionRequest{MessageRequest: &reflectionv1.ServerReflectionRequest_ListServices{}}); err != nil {
		t.Fatal(err)
	}
	got, err := stream.Receive()
	if err != nil {
		t.Fatalf("reflection: %v", err)
	}
	_ = stream.CloseRequest()
	_ = stream.CloseResponse()
	var names []string
	for _, svc := range got.GetListServicesResponse().GetService() {
		names = append(names, svc.Name)
	}
	if !slices.Contains(names, "yima.identity.v1.IdentityService") {
		t.Errorf("reflection lists %v, want yima.identity.v1.IdentityService among them", names)
	}

	ic := identityv1connect.NewIdentityServiceClient(http.DefaultClient, s.URL)
	if _, err := ic.GetLoginOptions(context.Background(), connect.NewRequest(&identityv1.GetLoginOptionsRequest{})); err != nil {
		t.Fatal(err)
	}
	mres, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(mres.Body)
	mres.Body.Close()
	for _, want := range []string{
		`yima_rpc_requests_total{code="ok",procedure="/yima.identity.v1.IdentityService/GetLoginOptions"} 1`,
		`yima_rpc_duration_seconds_bucket{procedure="/yima.identity.v1.IdentityService/GetLoginOptions"`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// Successful calls log at debug; a refused one is logged at info with
	// its request id, procedure and reason.
	req := connect.NewRequest(&identityv1.ListAccountsRequest{})
	req.Header().Set("X-Request-Id", "test-req-42")
	if _, err := ic.ListAccounts(context.Background(), req); connect.CodeOf(err) != connect.CodeUnauthenticated {
		t.Fatalf("ListAccounts without token: %v, want unauthenticated", err)
	}
	if !s.logs.Contains(`"request_id":"test-req-42"`) || !s.logs.Contains(`"reason":"TOKEN_MISSING"`) {
		t.Errorf("logs lack the refused call's request id and reason:\n%s", s.logs.String())
	}
}
