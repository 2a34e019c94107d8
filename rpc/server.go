// Package rpc is yima's HTTP face: Connect handlers that turn protos into
// domain calls and back, the one interceptor that authenticates, checks
// permissions, audits, logs and counts every call, and the router that also
// serves health, metrics, sign-in and the web pages.
package rpc

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"regexp"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"
	"connectrpc.com/grpcreflect"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/protobuf/reflect/protoreflect"

	auditv1 "yima/rpc/gen/yima/audit/v1"
	"yima/rpc/gen/yima/audit/v1/auditv1connect"
	certificatev1 "yima/rpc/gen/yima/certificate/v1"
	"yima/rpc/gen/yima/certificate/v1/certificatev1connect"
	checkinv1 "yima/rpc/gen/yima/checkin/v1"
	"yima/rpc/gen/yima/checkin/v1/checkinv1connect"
	identityv1 "yima/rpc/gen/yima/identity/v1"
	"yima/rpc/gen/yima/identity/v1/identityv1connect"
	notifyv1 "yima/rpc/gen/yima/notify/v1"
	"yima/rpc/gen/yima/notify/v1/notifyv1connect"
	orgv1 "yima/rpc/gen/yima/org/v1"
	"yima/rpc/gen/yima/org/v1/orgv1connect"
	projectv1 "yima/rpc/gen/yima/project/v1"
	"yima/rpc/gen/yima/project/v1/projectv1connect"
	rbacv1 "yima/rpc/gen/yima/rbac/v1"
	"yima/rpc/gen/yima/rbac/v1/rbacv1connect"
	recordv1 "yima/rpc/gen/yima/record/v1"
	"yima/rpc/gen/yima/record/v1/recordv1connect"
	volunteerv1 "yima/rpc/gen/yima/volunteer/v1"
	"yima/rpc/gen/yima/volunteer/v1/volunteerv1connect"
	"yima/services/admin/rbac"
	"yima/services/audit"
	"yima/services/certificate"
	"yima/services/checkin"
	"yima/services/elicense"
	"yima/services/elicense/library"
	"yima/services/identity"
	"yima/services/member"
	"yima/services/notify"
	"yima/services/notify/sms"
	"yima/services/org"
	"yima/services/project"
	"yima/services/record"
	"yima/services/recordcheck"
	"yima/services/recordcheck/dept"
	"yima/services/volunteer"
	"yima/services/volunteer/card"
)

// Deps is what the router serves.
type Deps struct {
	Dev      bool
	Log      *slog.Logger
	Registry *prometheus.Registry
	Identity *identity.Service
	RBAC     *rbac.Service
	Audit    *audit.Log
	// Volunteer, Org and Project serve the golden path's registration,
	// review and roster use cases.
	Volunteer *volunteer.Service
	Org       *org.Service
	Project   *project.Service
	// ProjectCloser serves ProjectService.CloseProject; nil answers
	// unimplemented.
	ProjectCloser ProjectCloser
	// Checkin serves codes and scans.
	Checkin *checkin.Service
	// CheckinStaff serves the attendance desk (CheckinStaffService) and the
	// project code downloads under /codes/project/.
	CheckinStaff *checkin.Staff
	// Record serves the service records.
	Record *record.Service
	// Certificate serves service certificates, their downloads under
	// /certificates/ and the public verification pages under
	// /verify/certificate/.
	Certificate *certificate.Service
	// OrgAdmins and OrgCodes serve OrgAdminService (with Org: tags and
	// groups), the org code downloads under /codes/org/ and the reading of
	// scanned org codes (OrgDiscoveryService/ResolveOrgCode).
	OrgAdmins *org.Admins
	OrgCodes  *org.Codes
	// Notify serves messages and inboxes; DevSMS is the dev SMS gateway
	// when it is the active one (ListDevSms), else nil.
	Notify *notify.Service
	DevSMS *sms.Dev
	// Member serves an org's members and a volunteer's memberships.
	Member *member.Service
	// RecordCheck serves no-criminal-record applications; DevDepartment is
	// the dev record-check department when it is the active one, else nil.
	RecordCheck   *recordcheck.Service
	DevDepartment *dept.Dev
	// Elicense shows the push of volunteer cards to the city e-license
	// library; DevLibrary is the dev library when it is the active one,
	// else nil.
	Elicense   *elicense.Service
	DevLibrary *library.Dev
	// Card serves the volunteer cards (CardService), their downloads
	// under /cards/ and the public verification pages under /verify/card/.
	Card *card.Service
	// MapTiles are the base map tiles the 找项目 map may draw; zero: none.
	MapTiles MapTiles
	// Ready reports whether the node can serve (database and bus up).
	Ready func(ctx context.Context) error
	// DemoUsernames are offered on dev login pages.
	DemoUsernames []string
	// Routes are further handlers by mux pattern: sign-in, the mock identity
	// provider, the web pages.
	Routes map[string]http.Handler
}

// Services lists the descriptors of every Connect service yima serves. The
// access-rule test walks it.
func Services() []protoreflect.ServiceDescriptor {
	return []protoreflect.ServiceDescriptor{
		identityv1.File_yima_identity_v1_identity_proto.Services().ByName("IdentityService"),
		rbacv1.File_yima_rbac_v1_rbac_proto.Services().ByName("RbacService"),
		auditv1.File_yima_audit_v1_audit_proto.Services().ByName("AuditService"),
		volunteerv1.File_yima_volunteer_v1_volunteer_proto.Services().ByName("VolunteerService"),
		orgv1.File_yima_org_v1_org_proto.Services().ByName("OrgService"),
		orgv1.File_yima_org_v1_org_discovery_proto.Services().ByName("OrgDiscoveryService"),
		projectv1.File_yima_project_v1_project_proto.Services().ByName("ProjectService"),
		checkinv1.File_yima_checkin_v1_checkin_proto.Services().ByName("CheckinService"),
		checkinv1.File_yima_checkin_v1_staff_proto.Services().ByName("CheckinStaffService"),
		recordv1.File_yima_record_v1_record_proto.Services().ByName("RecordService"),
		certificatev1.File_yima_certificate_v1_certificate_proto.Services().ByName("CertificateService"),
		orgv1.File_yima_org_v1_org_admin_proto.Services().ByName("OrgAdminService"),
		notifyv1.File_yima_notify_v1_notify_proto.Services().ByName("NotifyService"),
		orgv1.File_yima_org_v1_member_proto.Services().ByName("MemberService"),
		volunteerv1.File_yima_volunteer_v1_record_check_proto.Services().ByName("RecordCheckService"),
		volunteerv1.File_yima_volunteer_v1_elicense_proto.Services().ByName("ElicenseService"),
		volunteerv1.File_yima_volunteer_v1_card_proto.Services().ByName("CardService"),
		projectv1.File_yima_project_v1_discovery_proto.Services().ByName("DiscoveryService"),
	}
}

// maxRequestBytes bounds a Connect request message; larger ones are
// refused with resource_exhausted.
const maxRequestBytes = 1 << 20

// NewHandler builds the whole HTTP handler.
func NewHandler(d Deps) (http.Handler, error) {
	rules, err := RulesFor(Services()...)
	if err != nil {
		return nil, err
	}
	g := &guard{
		rules: rules, dev: d.Dev, authn: d.Identity, grants: d.RBAC, audit: d.Audit,
		log: d.Log, metrics: newMetrics(d.Registry),
	}
	// Answers are a few hundred bytes; compressing them costs more CPU than
	// it saves on the wire. Requests are bounded before they are read in
	// full: the largest legitimate one is an org logo (512 KB, a third more
	// as JSON base64).
	opts := append([]connect.HandlerOption{
		connect.WithInterceptors(g), connect.WithCompressMinBytes(1024), connect.WithReadMaxBytes(maxRequestBytes),
	}, jsonCodecs()...)
	mux := http.NewServeMux()
	mux.Handle(identityv1connect.NewIdentityServiceHandler(&identityHandler{svc: d.Identity, demoUsernames: d.DemoUsernames}, opts...))
	mux.Handle(rbacv1connect.NewRbacServiceHandler(&rbacHandler{svc: d.RBAC}, opts...))
	mux.Handle(auditv1connect.NewAuditServiceHandler(&auditHandler{log: d.Audit}, opts...))
	mux.Handle(volunteerv1connect.NewVolunteerServiceHandler(&volunteerHandler{svc: d.Volunteer}, opts...))
	mux.Handle(orgv1connect.NewOrgServiceHandler(&orgHandler{svc: d.Org}, opts...))
	mux.Handle(projectv1connect.NewProjectServiceHandler(&projectHandler{svc: d.Project, closer: d.ProjectCloser}, opts...))
	mux.Handle(checkinv1connect.NewCheckinServiceHandler(&checkinHandler{svc: d.Checkin}, opts...))
	if d.CheckinStaff == nil {
		return nil, errNoStaff
	}
	mux.Handle(checkinv1connect.NewCheckinStaffServiceHandler(&checkinStaffHandler{svc: d.CheckinStaff}, opts...))
	auth := routeAuth{authn: d.Identity, grants: d.RBAC}
	(&codeRoutes{routeAuth: auth, svc: d.CheckinStaff, log: d.Log}).register(mux)
	mux.Handle(recordv1connect.NewRecordServiceHandler(&recordHandler{svc: d.Record}, opts...))
	mux.Handle(certificatev1connect.NewCertificateServiceHandler(&certificateHandler{svc: d.Certificate}, opts...))
	(&certificateRoutes{routeAuth: auth, svc: d.Certificate, log: d.Log}).register(mux)
	mux.Handle(orgv1connect.NewOrgAdminServiceHandler(&orgAdminHandler{admins: d.OrgAdmins, orgs: d.Org, codes: d.OrgCodes}, opts...))
	(&orgCodeRoutes{routeAuth: auth, codes: d.OrgCodes, log: d.Log}).register(mux)
	mux.Handle(notifyv1connect.NewNotifyServiceHandler(&notifyHandler{svc: d.Notify, dev: d.DevSMS}, opts...))
	mux.Handle(orgv1connect.NewMemberServiceHandler(&memberHandler{svc: d.Member}, opts...))
	mux.Handle(volunteerv1connect.NewRecordCheckServiceHandler(&recordCheckHandler{svc: d.RecordCheck, dev: d.DevDepartment}, opts...))
	mux.Handle(volunteerv1connect.NewElicenseServiceHandler(&elicenseHandler{svc: d.Elicense, dev: d.DevLibrary}, opts...))
	mux.Handle(volunteerv1connect.NewCardServiceHandler(&cardHandler{svc: d.Card}, opts...))
	(&cardRoutes{routeAuth: auth, svc: d.Card, log: d.Log}).register(mux)
	mux.Handle(projectv1connect.NewDiscoveryServiceHandler(&discoveryHandler{svc: d.Project, tiles: d.MapTiles}, opts...))
	mux.Handle(orgv1connect.NewOrgDiscoveryServiceHandler(&orgDiscoveryHandler{svc: d.Org, codes: d.OrgCodes}, opts...))
	(&orgLogoRoutes{svc: d.Org, log: d.Log}).register(mux)

	names := make([]string, 0, len(Services()))
	for _, s := range Services() {
		names = append(names, string(s.FullName()))
	}
	mux.Handle(grpchealth.NewHandler(grpchealth.NewStaticChecker(names...)))
	reflector := grpcreflect.NewStaticReflector(names...)
	mux.Handle(grpcreflect.NewHandlerV1(reflector))
	mux.Handle(grpcreflect.NewHandlerV1Alpha(reflector))

	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := d.Ready(r.Context()); err != nil {
			d.Log.WarnContext(r.Context(), "not ready", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("not ready\n"))
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(d.Registry, promhttp.HandlerOpts{}))
	for pattern, h := range d.Routes {
		mux.Handle(pattern, h)
	}
	return withRequestID(mux), nil
}

type requestIDKey struct{}

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// withRequestID gives every request an id — the caller's X-Request-Id when it
// is sane, else a fresh one — in the context and the response header.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !requestIDPattern.MatchString(id) {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

// RequestID returns the id of the request ctx belongs to.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
