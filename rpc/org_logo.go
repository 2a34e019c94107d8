package rpc

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	"yima/fault"
	orgv1 "yima/rpc/gen/yima/org/v1"
	"yima/services/org"
)

// orgLogoPathPrefix is where anyone loads an active org's logo:
// /logos/org/{id}.png.
const orgLogoPathPrefix = "/logos/org/"

// orgLogoURL is the public URL of an org's logo, "" without one. The hash
// in the query makes a new logo a new URL, so a versioned URL may be
// cached for good.
func orgLogoURL(id uuid.UUID, hash string) string {
	if hash == "" {
		return ""
	}
	return orgLogoPathPrefix + id.String() + ".png?v=" + hash[:16]
}

// SetOrgLogo takes the image in the request (a logo is at most 512 KB, so
// one message carries it, audited like the other org edits with the org as
// its target) rather than a multipart route beside the RPCs.
func (h *orgHandler) SetOrgLogo(ctx context.Context, req *connect.Request[orgv1.SetOrgLogoRequest]) (*connect.Response[orgv1.SetOrgLogoResponse], error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	id, err := parseID("org_id", req.Msg.OrgId)
	if err != nil {
		return nil, err
	}
	o, err := h.svc.SetLogo(ctx, p, id, req.Msg.Image)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&orgv1.SetOrgLogoResponse{Org: orgToProto(o)}), nil
}

// orgLogoRoutes serves org logos to anyone: they are public like the org's
// page.
type orgLogoRoutes struct {
	svc *org.Service
	log *slog.Logger
}

func (c *orgLogoRoutes) register(mux *http.ServeMux) {
	mux.HandleFunc("GET "+orgLogoPathPrefix+"{file}", c.logo)
}

// logo answers with the PNG and its hash as the ETag. A request naming the
// current version (?v=) may keep the answer for a year; any other must
// revalidate, which costs a 304 while the logo is unchanged.
func (c *orgLogoRoutes) logo(w http.ResponseWriter, r *http.Request) {
	idText, ok := strings.CutSuffix(r.PathValue("file"), ".png")
	if !ok {
		failRoute(c.log, "org logo route", w, r, fault.New(fault.NotFound, "NOT_FOUND", "没有这个文件"))
		return
	}
	id, err := uuid.Parse(idText)
	if err != nil {
		failRoute(c.log, "org logo route", w, r, fault.New(fault.NotFound, "NOT_FOUND", "没有这个文件"))
		return
	}
	l, err := c.svc.Logo(r.Context(), id)
	if err != nil {
		failRoute(c.log, "org logo route", w, r, err)
		return
	}
	h := w.Header()
	h.Set("ETag", `"`+l.Hash+`"`)
	h.Set("Cache-Control", "public, no-cache")
	if v := r.URL.Query().Get("v"); v != "" && strings.HasPrefix(l.Hash, v) {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	}
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	// ServeContent answers If-None-Match with 304 and handles HEAD and
	// ranges; the ETag set above is what it compares.
	http.ServeContent(w, r, "logo.png", l.UpdatedAt, bytes.NewReader(l.PNG))
}
