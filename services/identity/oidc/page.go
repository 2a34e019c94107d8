package oidc

import (
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
)

// failure is one way a sign-in can fail: what the citizen sees, and what the log gets.
type failure struct {
	status  int
	message string // Chinese, for the citizen
	reason  string // stable, for the log
	err     error  // for the log only
	ret     string // where "重新登录" should lead back to; empty means DefaultReturn
	attrs   []any
}

// errorPage is self-contained: no scripts, no outside resources, so a strict CSP holds.
var errorPage = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>登录失败</title>
<style>
body{font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;background:#f5f6f7;color:#323233}
main{max-width:420px;margin:15vh auto 0;padding:24px;background:#fff;border-radius:8px;text-align:center}
h1{font-size:20px;margin:0 0 12px}
p{margin:0 0 24px;line-height:1.6;color:#646566}
a{display:inline-block;margin:0 8px;padding:8px 20px;border-radius:4px;text-decoration:none}
.primary{background:#1989fa;color:#fff}
.plain{color:#1989fa}
</style>
</head>
<body>
<main>
<h1>登录失败</h1>
<p>{{.Message}}</p>
<a class="primary" href="{{.Retry}}">重新登录</a><a class="plain" href="{{.Home}}">返回</a>
</main>
</body>
</html>
`))

// fail logs why once and renders the error page.
func (f *Flow) fail(w http.ResponseWriter, r *http.Request, why failure) {
	ret := why.ret
	if ret == "" {
		ret = DefaultReturn
	}
	attrs := append([]any{"path", r.URL.Path, "reason", why.reason, "status", why.status}, why.attrs...)
	if why.err != nil {
		attrs = append(attrs, "err", why.err.Error())
	}
	level := slog.LevelWarn // the citizen's doing, or an attacker's
	if why.status >= 500 {
		level = slog.LevelError
	}
	f.log.Log(r.Context(), level, "sign-in failed", attrs...)

	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action 'none'")
	w.WriteHeader(why.status)
	_ = errorPage.Execute(w, struct {
		Message     string
		Retry, Home string
	}{
		Message: why.message,
		Retry:   LoginPath + "?return=" + url.QueryEscape(ret),
		Home:    ret,
	})
}
