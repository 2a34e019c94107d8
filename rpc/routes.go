package rpc

import (
	"bytes"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"yima/access"
	qrcodes "yima/engine/codes"
	"yima/fault"
)

// The plain HTTP routes — code images and print pages, certificate PDFs —
// are opened by browsers, which send no Authorization header, and by
// programs, which do. These helpers hold what they share.

// routeAuth authenticates programs calling plain HTTP routes.
type routeAuth struct {
	authn  Authenticator
	grants Granter
}

// bearer authenticates the request's bearer token and, when perm is set,
// requires it. missing is the message for a request without a token,
// usually a browser that lost its link's ticket. Errors: unauthenticated
// (TICKET_MISSING, or the token's), permission_denied (PERMISSION_DENIED).
func (a routeAuth) bearer(r *http.Request, perm, missing string) (*access.Principal, error) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		return nil, fault.New(fault.Unauthenticated, "TICKET_MISSING", missing)
	}
	p, err := a.authn.Authenticate(r.Context(), tok)
	if err != nil {
		return nil, err
	}
	if p.Grants, err = a.grants.Grants(r.Context(), p); err != nil {
		return nil, err
	}
	if perm != "" && !p.Can(perm) {
		return nil, fault.Newf(fault.PermissionDenied, "PERMISSION_DENIED", "没有权限：%s", perm)
	}
	return p, nil
}

// failRoute answers a plain HTTP route with the HTTP status of err's kind,
// its reason in X-Yima-Reason and a short Chinese text; internal errors
// are logged under route and shown as such.
func failRoute(log *slog.Logger, route string, w http.ResponseWriter, r *http.Request, err error) {
	status, msg := http.StatusInternalServerError, "服务器内部错误"
	if f, ok := fault.As(err); ok && f.Kind != fault.Internal {
		msg = f.Message
		status = map[fault.Kind]int{
			fault.Invalid: http.StatusBadRequest, fault.NotFound: http.StatusNotFound,
			fault.Conflict: http.StatusConflict, fault.FailedPrecondition: http.StatusConflict,
			fault.PermissionDenied: http.StatusForbidden, fault.Unauthenticated: http.StatusUnauthorized,
			fault.Exhausted: http.StatusTooManyRequests,
		}[f.Kind]
		w.Header().Set("X-Yima-Reason", f.Reason)
	} else {
		log.ErrorContext(r.Context(), route, "path", r.URL.Path, "request_id", RequestID(r.Context()), "err", err)
	}
	privateHeaders(w.Header())
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(msg + "\n"))
}

// disposition sets a download's Content-Disposition: inline, or
// attachment with ?download=1, under the file name name.
func disposition(h http.Header, r *http.Request, name string) {
	d := "inline"
	if r.URL.Query().Get("download") == "1" {
		d = "attachment"
	}
	h.Set("Content-Disposition", d+`; filename="`+name+`"`)
}

// sendVerifyPage answers a public verification page (certificates,
// cards): page executed with data, private, under verifyCSP and not to be
// indexed; 404 when notFound, so that a link checker sees a bad link.
func sendVerifyPage(w http.ResponseWriter, page *template.Template, data any, notFound bool) error {
	var b bytes.Buffer
	if err := page.Execute(&b, data); err != nil {
		return fmt.Errorf("render verification page: %w", err)
	}
	h := w.Header()
	privateHeaders(h)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", verifyCSP)
	h.Set("X-Robots-Tag", "noindex")
	if notFound {
		w.WriteHeader(http.StatusNotFound)
	}
	_, _ = w.Write(b.Bytes())
	return nil
}

// Bounds of ?size= for code PNG downloads.
const (
	defaultCodePNG = 1024
	minCodePNG     = 128
)

// codeImage is a request for a code image: {id}.png[?size=N] or {id}.svg.
type codeImage struct {
	ID, Ext string
	Size    int // pixels, PNG only
}

// parseCodeImage reads the {file} path value and ?size= of a code image
// route. Errors: not_found (NOT_FOUND), invalid_argument (SIZE_INVALID).
func parseCodeImage(r *http.Request) (codeImage, error) {
	id, ext, _ := strings.Cut(r.PathValue("file"), ".")
	if ext != "png" && ext != "svg" {
		return codeImage{}, fault.New(fault.NotFound, "NOT_FOUND", "没有这个文件")
	}
	ci := codeImage{ID: id, Ext: ext, Size: defaultCodePNG}
	if s := r.URL.Query().Get("size"); s != "" && ext == "png" {
		n, err := strconv.Atoi(s)
		if err != nil || n < minCodePNG || n > qrcodes.MaxQRPixels {
			return codeImage{}, fault.InvalidField("size", "SIZE_INVALID", "图片尺寸须在 "+strconv.Itoa(minCodePNG)+" 到 "+strconv.Itoa(qrcodes.MaxQRPixels)+" 像素之间")
		}
		ci.Size = n
	}
	return ci, nil
}

// write answers with payload's QR code in the image's format, as a
// download named name.<ext>, or shown in place with ?inline=1.
func (ci codeImage) write(w http.ResponseWriter, r *http.Request, payload, name string) error {
	var body []byte
	var err error
	ctype := "image/svg+xml"
	if ci.Ext == "png" {
		body, err = qrcodes.QRPNG(payload, ci.Size)
		ctype = "image/png"
	} else {
		body, err = qrcodes.QRSVG(payload)
	}
	if err != nil {
		return err
	}
	h := w.Header()
	privateHeaders(h)
	h.Set("Content-Type", ctype)
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	h.Set("Content-Disposition", `attachment; filename="`+name+"."+ci.Ext+`"`)
	if r.URL.Query().Get("inline") == "1" {
		h.Set("Content-Disposition", "inline")
	}
	_, err = w.Write(body)
	return err
}
