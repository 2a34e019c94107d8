package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"yima/access"
	"yima/fault"
	"yima/services/audit"
)

// Authenticator verifies bearer tokens.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (*access.Principal, error)
}

// Granter resolves what an authenticated account may do.
type Granter interface {
	Grants(ctx context.Context, p *access.Principal) (*access.Grants, error)
}

// Auditor appends to the audit log.
type Auditor interface {
	Append(ctx context.Context, e audit.Entry) error
}

// guard is the one interceptor every procedure passes: it authenticates,
// checks the declared permission, maps errors, writes audit entries, logs
// and counts.
type guard struct {
	rules   Rules
	dev     bool
	authn   Authenticator
	grants  Granter
	audit   Auditor
	log     *slog.Logger
	metrics *metrics
}

func (g *guard) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		start := time.Now()
		proc := req.Spec().Procedure
		p, err := g.admit(ctx, proc, req.Header().Get("Authorization"))
		var res connect.AnyResponse
		if err == nil {
			if p != nil {
				ctx = access.With(ctx, p)
			}
			res, err = next(ctx, req)
		}
		err = toConnect(ctx, g.log, proc, err)
		if rule := g.rules[proc]; rule.GetAudit() {
			g.writeAudit(ctx, p, proc, req, res, err)
		}
		g.done(ctx, proc, p, start, err)
		return res, err
	}
}

func (g *guard) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (g *guard) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		start := time.Now()
		proc := conn.Spec().Procedure
		p, err := g.admit(ctx, proc, conn.RequestHeader().Get("Authorization"))
		if err == nil {
			if p != nil {
				ctx = access.With(ctx, p)
			}
			err = next(ctx, conn)
		}
		err = toConnect(ctx, g.log, proc, err)
		g.done(ctx, proc, p, start, err)
		return err
	}
}

// admit decides whether the call may proceed, returning its principal (nil
// for an anonymous call to a public procedure). A call refused for want of
// permission returns its principal with the error, for the audit log; it is
// never placed in the context.
func (g *guard) admit(ctx context.Context, proc, authz string) (*access.Principal, error) {
	rule, ok := g.rules[proc]
	if !ok {
		// RulesFor refuses such services at start; this is the last line.
		return nil, fault.New(fault.PermissionDenied, "NO_ACCESS_RULE", "该接口未声明访问规则")
	}
	if rule.GetDevOnly() && !g.dev {
		return nil, connect.NewError(connect.CodeUnimplemented, errors.New("only served in dev"))
	}
	tok, ok := strings.CutPrefix(authz, "Bearer ")
	if !ok || tok == "" {
		if rule.GetPublic() {
			return nil, nil
		}
		return nil, fault.New(fault.Unauthenticated, "TOKEN_MISSING", "请先登录")
	}
	p, err := g.authn.Authenticate(ctx, tok)
	if err != nil {
		if rule.GetPublic() {
			return nil, nil // a stale token does not block a public call
		}
		return nil, err
	}
	if p.Grants, err = g.grants.Grants(ctx, p); err != nil {
		return nil, err
	}
	if perm := rule.GetPermission(); perm != "" && !p.Can(perm) {
		// The caller is known: the audit entry of the refusal names them.
		return p, fault.Newf(fault.PermissionDenied, "PERMISSION_DENIED", "没有权限：%s", perm)
	}
	return p, nil
}

func (g *guard) done(ctx context.Context, proc string, p *access.Principal, start time.Time, err error) {
	d := time.Since(start)
	code := "ok"
	if err != nil {
		code = connect.CodeOf(err).String()
	}
	g.metrics.observe(proc, code, d)
	attrs := []slog.Attr{
		slog.String("procedure", proc),
		slog.String("request_id", RequestID(ctx)),
		slog.String("code", code),
		slog.Duration("duration", d),
	}
	if p != nil {
		attrs = append(attrs, slog.String("account_id", p.AccountID.String()))
	}
	level := slog.LevelDebug
	if err != nil {
		level = slog.LevelInfo
		if r := reasonOf(err); r != "" {
			attrs = append(attrs, slog.String("reason", r))
		}
	}
	g.log.LogAttrs(ctx, level, "rpc", attrs...)
}

func (g *guard) writeAudit(ctx context.Context, p *access.Principal, proc string, req connect.AnyRequest, res connect.AnyResponse, err error) {
	e := audit.Entry{
		Procedure:  proc,
		Result:     "ok",
		RequestID:  RequestID(ctx),
		ClientAddr: req.Peer().Addr,
	}
	if p != nil {
		e.PersonID, e.AccountID = p.PersonID, p.AccountID
	}
	if err != nil {
		e.Result = connect.CodeOf(err).String()
		if r := reasonOf(err); r != "" {
			e.Detail, _ = json.Marshal(map[string]string{"reason": r})
		}
	}
	e.Target = target(req.Any(), nil)
	if e.Target == "" && res != nil {
		e.Target = target(nil, res.Any())
	}
	// The audit write must not depend on the caller staying connected.
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if aerr := g.audit.Append(actx, e); aerr != nil {
		g.metrics.auditFailures.Inc()
		g.log.ErrorContext(ctx, "audit write failed", "procedure", proc, "request_id", e.RequestID, "err", aerr)
	}
}

// target names what a call acted on: the request's first "…_id" field, or
// else the id of the message the response returns (e.g. a created role).
func target(req, res any) string {
	if m, ok := req.(proto.Message); ok {
		fields := m.ProtoReflect().Descriptor().Fields()
		for i := range fields.Len() {
			f := fields.Get(i)
			if f.Kind() == protoreflect.StringKind && f.Cardinality() != protoreflect.Repeated && strings.HasSuffix(string(f.Name()), "_id") {
				if v := m.ProtoReflect().Get(f).String(); v != "" {
					return v
				}
			}
		}
	}
	if m, ok := res.(proto.Message); ok {
		r := m.ProtoReflect()
		fields := r.Descriptor().Fields()
		for i := range fields.Len() {
			f := fields.Get(i)
			if f.Kind() != protoreflect.MessageKind || f.Cardinality() == protoreflect.Repeated || !r.Has(f) {
				continue
			}
			inner := r.Get(f).Message()
			for _, name := range []protoreflect.Name{"id", "account_id"} {
				if idf := inner.Descriptor().Fields().ByName(name); idf != nil && idf.Kind() == protoreflect.StringKind {
					if v := inner.Get(idf).String(); v != "" {
						return v
					}
				}
			}
		}
	}
	return ""
}

// principal returns the caller, which the guard has placed in the context of
// every non-public procedure.
func principal(ctx context.Context) (*access.Principal, error) {
	if p := access.From(ctx); p != nil {
		return p, nil
	}
	return nil, fault.New(fault.Unauthenticated, "TOKEN_MISSING", "请先登录")
}

// metrics are the per-procedure Prometheus series.
type metrics struct {
	requests      *prometheus.CounterVec
	latency       *prometheus.HistogramVec
	auditFailures prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yima_rpc_requests_total", Help: "RPC calls by full procedure name and Connect code.",
		}, []string{"procedure", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "yima_rpc_duration_seconds", Help: "RPC latency by full procedure name.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"procedure"}),
		auditFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "yima_audit_write_failures_total", Help: "Audit entries that could not be written.",
		}),
	}
	reg.MustRegister(m.requests, m.latency, m.auditFailures)
	return m
}

func (m *metrics) observe(proc, code string, d time.Duration) {
	m.requests.WithLabelValues(proc, code).Inc()
	m.latency.WithLabelValues(proc).Observe(d.Seconds())
}

// parseID parses a request's UUID field, answering invalid_argument with the
// field's name.
func parseID(field, s string) (uuid.UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil || id == uuid.Nil {
		return uuid.Nil, fault.InvalidField(field, "ID_INVALID", field+" 不是有效的ID")
	}
	return id, nil
}

// parseIDs parses a repeated UUID field.
func parseIDs(field string, ss []string) ([]uuid.UUID, error) {
	out := make([]uuid.UUID, 0, len(ss))
	for _, s := range ss {
		id, err := parseID(field, s)
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}
