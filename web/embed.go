// Package web serves the built pages of the four apps — the volunteer H5
// (/h5/), the on-site scanner (/scan/), the org portal (/org/) and the
// back-office console (/admin/) — from dist/, which `npm run build` writes
// and the repository commits, so `go build` needs no Node.
//
// Each app is a single-page app with a history router: a path without a file
// extension that names no file is answered with the app's index.html, while
// a missing file with an extension (a stale asset link) is a real 404.
// Hashed files under assets/ are cached for a year; index.html is revalidated
// on every load so a release reaches browsers at once. Every response carries
// a strict Content-Security-Policy. Text files are gzipped once, on first
// request, and served compressed to clients that accept it.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed all:dist
var dist embed.FS

// ContentSecurityPolicy is sent with every response of the handler. Scripts,
// styles, fonts and connections come from the page's own origin only (Vue
// and the UI libraries set inline styles through the CSSOM, which CSP does
// not restrict); images may also be data: and blob: URLs (QR codes, camera
// snapshots); the pages may not be framed.
const ContentSecurityPolicy = "default-src 'self'; " +
	"script-src 'self'; " +
	"style-src 'self'; " +
	"img-src 'self' data: blob:; " +
	"font-src 'self' data:; " +
	"connect-src 'self'; " +
	"media-src 'self' blob:; " +
	"worker-src 'self' blob:; " +
	"manifest-src 'self'; " +
	"object-src 'none'; " +
	"base-uri 'self'; " +
	"form-action 'self'; " +
	"frame-ancestors 'none'"

const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "no-cache"
	// gzipMin is the size below which compressing is not worth a round of
	// CPU and an extra header.
	gzipMin = 1024
)

// Apps returns the apps served, each at "/<app>/".
func Apps() []string { return []string{"h5", "scan", "org", "admin"} }

func isApp(name string) bool {
	switch name {
	case "h5", "scan", "org", "admin":
		return true
	}
	return false
}

// Handler serves the embedded dist/ directory: "/" redirects to "/h5/",
// "/<app>" to "/<app>/", files and SPA fallbacks under the four app prefixes,
// 404 for everything else. Mount it at "/" behind the RPC routes, or at the
// four prefixes and "/{$}".
func Handler() http.Handler {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // "dist" is a valid path; fs.Sub cannot fail on it
	}
	return NewHandler(sub)
}

// NewHandler serves the apps found in fsys, laid out as dist/ is
// (<app>/index.html, <app>/assets/…). Tests pass an fstest.MapFS.
func NewHandler(fsys fs.FS) http.Handler {
	return &handler{fsys: fsys, files: make(map[string]*file)}
}

type handler struct {
	fsys  fs.FS
	mu    sync.Mutex
	files map[string]*file // by path in fsys; nil value: known missing
}

// file is one servable file with what it takes to answer for it.
type file struct {
	name         string
	contentType  string
	etag         string
	body         []byte
	compressible bool

	gzipOnce sync.Once
	gzBody   []byte // nil when compressing did not pay
	gzEtag   string
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Security-Policy", ContentSecurityPolicy)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	hdr.Set("Cross-Origin-Opener-Policy", "same-origin")
	hdr.Set("Permissions-Policy", "camera=(self), geolocation=(self), microphone=(), payment=()")

	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}

	p := r.URL.Path
	if p == "" || p == "/" {
		http.Redirect(w, r, "/h5/", http.StatusFound)
		return
	}
	app, rest, hasSlash := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	if !isApp(app) {
		http.NotFound(w, r)
		return
	}
	if !hasSlash {
		target := "/" + app + "/"
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, target, http.StatusMovedPermanently)
		return
	}

	clean := path.Clean("/" + rest) // never climbs above the app
	if clean != "/" && clean != "/index.html" {
		f, err := h.lookup(app + clean)
		if err == nil {
			cache := cacheRevalidate
			if strings.HasPrefix(clean, "/assets/") {
				cache = cacheImmutable
			}
			h.serve(w, r, f, cache)
			return
		}
		if !errors.Is(err, fs.ErrNotExist) {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		if path.Ext(clean) != "" {
			http.NotFound(w, r)
			return
		}
	}
	// The app's own routes: its index.html decides what to show.
	f, err := h.lookup(app + "/index.html")
	if err != nil {
		http.Error(w, "app not built: run npm run build in web/", http.StatusNotFound)
		return
	}
	h.serve(w, r, f, cacheRevalidate)
}

// lookup returns the regular file at name, reading it on first use.
func (h *handler) lookup(name string) (*file, error) {
	h.mu.Lock()
	f, seen := h.files[name]
	h.mu.Unlock()
	if seen {
		if f == nil {
			return nil, fs.ErrNotExist
		}
		return f, nil
	}
	f, err := h.read(name)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	h.mu.Lock()
	h.files[name] = f // nil for a missing file, so misses cost one map lookup
	h.mu.Unlock()
	if f == nil {
		return nil, fs.ErrNotExist
	}
	return f, nil
}

func (h *handler) read(name string) (*file, error) {
	if !fs.ValidPath(name) {
		return nil, fs.ErrNotExist
	}
	st, err := fs.Stat(h.fsys, name)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fs.ErrNotExist
	}
	body, err := fs.ReadFile(h.fsys, name)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	ct := contentType(name)
	return &file{
		name:         name,
		contentType:  ct,
		etag:         `"` + hex.EncodeToString(sum[:12]) + `"`,
		body:         body,
		compressible: compressible(ct) && len(body) >= gzipMin,
	}, nil
}

func (h *handler) serve(w http.ResponseWriter, r *http.Request, f *file, cache string) {
	hdr := w.Header()
	hdr.Set("Content-Type", f.contentType)
	hdr.Set("Cache-Control", cache)
	body, etag := f.body, f.etag
	if f.compressible {
		hdr.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			f.gzipOnce.Do(f.compress)
			if f.gzBody != nil {
				body, etag = f.gzBody, f.gzEtag
				hdr.Set("Content-Encoding", "gzip")
				// ServeContent leaves Content-Length to us once Content-Encoding
				// is set (it fears on-the-fly compressors); ours is exact.
				if r.Header.Get("Range") == "" {
					hdr.Set("Content-Length", strconv.Itoa(len(body)))
				}
			}
		}
	}
	hdr.Set("ETag", etag)
	// A zero modtime: embedded files have none, and the ETag does the work.
	http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(body))
}

func (f *file) compress() {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return
	}
	if _, err := zw.Write(f.body); err != nil {
		return
	}
	if err := zw.Close(); err != nil {
		return
	}
	if buf.Len() >= len(f.body) {
		return
	}
	f.gzBody = buf.Bytes()
	f.gzEtag = strings.TrimSuffix(f.etag, `"`) + `-gz"`
}

// acceptsGzip reports whether an Accept-Encoding header admits gzip: named
// without q=0, or covered by "*" without q=0 when not named.
func acceptsGzip(header string) bool {
	named, namedOK, star := false, false, false
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		refused := false
		if q, ok := strings.CutPrefix(strings.ReplaceAll(strings.ToLower(params), " ", ""), "q="); ok {
			refused = strings.Trim(q, "0.") == ""
		}
		switch coding {
		case "gzip", "x-gzip":
			named, namedOK = true, !refused
		case "*":
			star = !refused
		}
	}
	if named {
		return namedOK
	}
	return star
}

// contentType names a file's type by extension, from a fixed table first so
// answers do not depend on the host's mime.types.
func contentType(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".json", ".map":
		return "application/json"
	case ".webmanifest":
		return "application/manifest+json"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".webp":
		return "image/webp"
	case ".ico":
		return "image/x-icon"
	case ".woff2":
		return "font/woff2"
	case ".woff":
		return "font/woff"
	case ".ttf":
		return "font/ttf"
	case ".txt":
		return "text/plain; charset=utf-8"
	case ".wasm":
		return "application/wasm"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

func compressible(ct string) bool {
	return strings.HasPrefix(ct, "text/") ||
		strings.HasPrefix(ct, "application/json") ||
		strings.HasPrefix(ct, "application/manifest+json") ||
		strings.HasPrefix(ct, "image/svg+xml") ||
		strings.HasPrefix(ct, "font/ttf") ||
		strings.HasPrefix(ct, "application/wasm")
}
