package rpc

import (
	"context"
	"errors"
	"log/slog"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"

	"yima/fault"
)

// errorDomain is the ErrorInfo domain of yima's reasons.
const errorDomain = "yima"

var codes = map[fault.Kind]connect.Code{
	fault.Invalid:            connect.CodeInvalidArgument,
	fault.NotFound:           connect.CodeNotFound,
	fault.Conflict:           connect.CodeAlreadyExists,
	fault.FailedPrecondition: connect.CodeFailedPrecondition,
	fault.PermissionDenied:   connect.CodePermissionDenied,
	fault.Unauthenticated:    connect.CodeUnauthenticated,
	fault.Exhausted:          connect.CodeResourceExhausted,
}

// toConnect turns a service error into what the client sees: the Connect
// code of its kind with an ErrorInfo carrying the reason, or — for anything
// that is not a *fault.Error — "internal error", with the details logged here
// and only here.
func toConnect(ctx context.Context, log *slog.Logger, procedure string, err error) error {
	if err == nil {
		return nil
	}
	var ce *connect.Error
	if errors.As(err, &ce) {
		return ce
	}
	if errors.Is(err, context.Canceled) {
		return connect.NewError(connect.CodeCanceled, errors.New("request canceled"))
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return connect.NewError(connect.CodeDeadlineExceeded, errors.New("deadline exceeded"))
	}
	f, ok := fault.As(err)
	if !ok || f.Kind == fault.Internal {
		log.ErrorContext(ctx, "internal error", "procedure", procedure, "err", err)
		return connect.NewError(connect.CodeInternal, errors.New("internal error"))
	}
	out := connect.NewError(codes[f.Kind], errors.New(f.Message))
	if d, derr := connect.NewErrorDetail(&errdetails.ErrorInfo{Reason: f.Reason, Domain: errorDomain, Metadata: f.Metadata}); derr == nil {
		out.AddDetail(d)
	}
	return out
}

// reasonOf returns the ErrorInfo reason of a Connect error, for tests and
// logs.
func reasonOf(err error) string {
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
