package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/genproto/googleapis/rpc/errdetails"

	auditv1 "yima/rpc/gen/yima/audit/v1"
	"yima/rpc/gen/yima/audit/v1/auditv1connect"
	identityv1 "yima/rpc/gen/yima/identity/v1"
	"yima/rpc/gen/yima/identity/v1/identityv1connect"
	"yima/rpc/gen/yima/notify/v1/notifyv1connect"
	"yima/rpc/gen/yima/org/v1/orgv1connect"
	"yima/rpc/gen/yima/project/v1/projectv1connect"
	"yima/rpc/gen/yima/rbac/v1/rbacv1connect"
	"yima/rpc/gen/yima/volunteer/v1/volunteerv1connect"
)

// reason returns the google.rpc.ErrorInfo reason a Connect error carries,
// or "" when it has none.
func reason(err error) string {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return ""
	}
	for _, d := range ce.Details() {
		v, derr := d.Value()
		if derr != nil {
			continue
		}
		if info, ok := v.(*errdetails.ErrorInfo); ok {
			return info.Reason
		}
	}
	return ""
}

// checkErr fails the test unless err has the Connect code want and the
// ErrorInfo reason wantReason; code 0 means err must be nil.
func checkErr(t testing.TB, what string, err error, want connect.Code, wantReason string) {
	t.Helper()
	if want == 0 {
		if err != nil {
			t.Fatalf("%s: unexpected error %v (reason %q)", what, err, reason(err))
		}
		return
	}
	if err == nil {
		t.Fatalf("%s: succeeded, want %v %s", what, want, wantReason)
	}
	if got := connect.CodeOf(err); got != want {
		t.Errorf("%s: code = %v (%v), want %v", what, got, err, want)
	}
	if got := reason(err); got != wantReason {
		t.Errorf("%s: reason = %q (%v), want %q", what, got, err, wantReason)
	}
}

// api bundles the generated clients of one caller.
type api struct {
	identity identityv1connect.IdentityServiceClient
	rbac     rbacv1connect.RbacServiceClient
	audit    auditv1connect.AuditServiceClient
	member   orgv1connect.MemberServiceClient
	notify   notifyv1connect.NotifyServiceClient
	// recordCheck serves no-criminal-record applications (V6).
	recordCheck volunteerv1connect.RecordCheckServiceClient
	// discovery is public: an api("") calls it anonymously.
	discovery projectv1connect.DiscoveryServiceClient
}

func newAPI(hc *http.Client, base string, opts ...connect.ClientOption) api {
	return api{
		identity:    identityv1connect.NewIdentityServiceClient(hc, base, opts...),
		rbac:        rbacv1connect.NewRbacServiceClient(hc, base, opts...),
		audit:       auditv1connect.NewAuditServiceClient(hc, base, opts...),
		member:      orgv1connect.NewMemberServiceClient(hc, base, opts...),
		notify:      notifyv1connect.NewNotifyServiceClient(hc, base, opts...),
		recordCheck: volunteerv1connect.NewRecordCheckServiceClient(hc, base, opts...),
		discovery:   projectv1connect.NewDiscoveryServiceClient(hc, base, opts...),
	}
}

// api returns clients sending token (none when empty) with the Connect
// protocol.
func (s *testServer) api(token string) api { return newAPI(s.client(token), s.URL) }

// grpcAPI returns clients sending token over gRPC, on HTTP/2 without TLS
// (h2c), as gRPC tools reach yima.
func (s *testServer) grpcAPI(t testing.TB, token string) api {
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	tr := &http.Transport{Protocols: &p}
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Timeout: 30 * time.Second, Transport: bearer{token: token, next: tr}}
	return newAPI(hc, s.URL, connect.WithGRPC())
}

// pool opens a pool on the server's database, closed when the test ends.
func (s *testServer) pool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), s.Config.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// login signs in through DevLogin and returns the token.
func (a api) login(t testing.TB, req *identityv1.DevLoginRequest) string {
	t.Helper()
	res, err := a.identity.DevLogin(t.Context(), connect.NewRequest(req))
	if err != nil {
		t.Fatalf("DevLogin(%s%s): %v", req.Username, req.Name, err)
	}
	if res.Msg.Token == "" {
		t.Fatal("DevLogin returned no token")
	}
	return res.Msg.Token
}

// me returns GetMe of a token's caller.
func (a api) me(t testing.TB) *identityv1.GetMeResponse {
	t.Helper()
	res, err := a.identity.GetMe(t.Context(), connect.NewRequest(&identityv1.GetMeRequest{}))
	if err != nil {
		t.Fatalf("GetMe: %v", err)
	}
	return res.Msg
}

// entries returns every audit entry, newest first.
func (a api) entries(t testing.TB, req *auditv1.ListEntriesRequest) []*auditv1.Entry {
	t.Helper()
	var out []*auditv1.Entry
	for {
		res, err := a.audit.ListEntries(t.Context(), connect.NewRequest(req))
		if err != nil {
			t.Fatalf("ListEntries: %v", err)
		}
		out = append(out, res.Msg.Entries...)
		if res.Msg.NextPageToken == "" {
			return out
		}
		req.PageToken = res.Msg.NextPageToken
	}
}

// eventually calls f until it returns nil or timeout passes, then fails
// with f's last error. For state that settles within a bound (caches,
// clocks), never a fixed sleep.
func eventually(t testing.TB, timeout time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %v", timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// wantCode returns nil when err has code and reason, for eventually.
func wantCode(err error, code connect.Code, why string) error {
	if err == nil {
		return fmt.Errorf("succeeded, want %v %s", code, why)
	}
	if connect.CodeOf(err) != code || reason(err) != why {
		return fmt.Errorf("got %v (reason %q), want %v %s", err, reason(err), code, why)
	}
	return nil
}

// serverGate lets one server started by startServerAlone live at a time.
//
// protoactor-go's remote.Start replaces gRPC's process-wide logger
// (grpclog.SetLoggerV2, documented as not safe once gRPC runs) while the
// actor remote of a server already running in the same test binary reads it
// from its gRPC Serve goroutine: two yima servers alive at once are a data
// race under -race (engine/actors.Start → cluster.StartMember). Production
// runs one server per process, so only tests meet it. Until the start of the
// actor remote is made safe, server tests take turns; they still call
// t.Parallel() so that they overlap with tests that start no server.
var serverGate = make(chan struct{}, 1)

// startServerAlone is startServer holding serverGate until the server and
// its database are gone.
func startServerAlone(t *testing.T, args ...string) *testServer {
	t.Helper()
	return startServerAloneWith(t, nil, args...)
}

// startServerAloneWith is startServerWith holding serverGate likewise.
func startServerAloneWith(t *testing.T, adjust func(*Main), args ...string) *testServer {
	t.Helper()
	serverGate <- struct{}{}
	t.Cleanup(func() { <-serverGate }) // cleanups run last-in first-out: after the server's
	return startServerWith(t, adjust, args...)
}
