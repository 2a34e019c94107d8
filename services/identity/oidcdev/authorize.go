package oidcdev

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"yima/services/identity/idnumber"
)

// authRequest is an authorization request (OIDC Core §3.1.2.1). The page carries it from GET to
// POST in hidden fields, and POST checks it again.
type authRequest struct {
	ClientID, RedirectURI, ResponseType, Scope, State, Nonce, CodeChallenge, CodeChallengeMethod string
}

func readAuthRequest(v url.Values) authRequest {
	return authRequest{
		ClientID:            v.Get("client_id"),
		RedirectURI:         v.Get("redirect_uri"),
		ResponseType:        v.Get("response_type"),
		Scope:               v.Get("scope"),
		State:               v.Get("state"),
		Nonce:               v.Get("nonce"),
		CodeChallenge:       v.Get("code_challenge"),
		CodeChallengeMethod: v.Get("code_challenge_method"),
	}
}

// hidden returns the request as form fields, in a fixed order.
func (a authRequest) hidden() []field {
	return []field{
		{"client_id", a.ClientID}, {"redirect_uri", a.RedirectURI}, {"response_type", a.ResponseType},
		{"scope", a.Scope}, {"state", a.State}, {"nonce", a.Nonce},
		{"code_challenge", a.CodeChallenge}, {"code_challenge_method", a.CodeChallengeMethod},
	}
}

type field struct{ Name, Value string }

// check validates a. An unknown client or redirect URI must not be redirected to (RFC 6749
// §4.1.2.1), so it comes back as a page message; other errors as an OAuth error code to send
// to the redirect URI.
func (p *Provider) check(a authRequest) (pageMsg, oauthErr, desc string) {
	c, ok := p.clients[a.ClientID]
	if !ok {
		return "未知的应用（client_id 未登记）。", "", ""
	}
	if !slices.Contains(c.RedirectURIs, a.RedirectURI) {
		return "回调地址未登记（redirect_uri 与登记的不一致）。", "", ""
	}
	switch {
	case a.ResponseType != "code":
		return "", "unsupported_response_type", "only response_type=code is supported"
	case !slices.Contains(strings.Fields(a.Scope), "openid"):
		return "", "invalid_scope", "scope must include openid"
	case a.CodeChallengeMethod != "S256":
		return "", "invalid_request", "PKCE with code_challenge_method=S256 is required"
	case len(a.CodeChallenge) != 43: // base64url of a SHA-256 sum
		return "", "invalid_request", "code_challenge must be 43 characters"
	}
	return "", "", ""
}

// authorizePage shows the sign-in choices.
func (p *Provider) authorizePage(w http.ResponseWriter, r *http.Request) {
	a := readAuthRequest(r.URL.Query())
	if msg, oe, desc := p.check(a); msg != "" {
		p.render(w, http.StatusBadRequest, pageData{Error: msg, Fatal: true})
		return
	} else if oe != "" {
		redirectError(w, a, oe, desc)
		return
	}
	p.render(w, http.StatusOK, p.pageData(a))
}

// authorizeSubmit signs in the chosen or typed person and sends them back with a code.
func (p *Provider) authorizeSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		p.render(w, http.StatusBadRequest, pageData{Error: "请求格式错误。", Fatal: true})
		return
	}
	f := r.PostForm
	a := readAuthRequest(f)
	if msg, oe, desc := p.check(a); msg != "" {
		p.render(w, http.StatusBadRequest, pageData{Error: msg, Fatal: true})
		return
	} else if oe != "" {
		redirectError(w, a, oe, desc)
		return
	}
	if f.Get("action") == "deny" {
		redirectError(w, a, "access_denied", "the citizen declined")
		return
	}

	var who person
	if c := f.Get("citizen"); c != "" {
		i, err := strconv.Atoi(c)
		if err != nil || i < 0 || i >= len(p.citizens) {
			d := p.pageData(a)
			d.Error = "请选择列表中的市民。"
			p.render(w, http.StatusBadRequest, d)
			return
		}
		who = p.citizens[i]
	} else {
		var msg string
		who, msg = newPerson(f.Get("name"), f.Get("id_number"), f.Get("phone"))
		if msg != "" {
			d := p.pageData(a)
			d.Error = msg
			// The typed values are the user's own; give them back to correct.
			d.Name, d.IDNumber, d.Phone = f.Get("name"), f.Get("id_number"), f.Get("phone")
			p.render(w, http.StatusBadRequest, d)
			return
		}
	}
	code := p.issueCode(&grant{
		clientID: a.ClientID, redirectURI: a.RedirectURI,
		challenge: a.CodeChallenge, nonce: a.Nonce, who: who,
	})
	q := url.Values{"code": {code}}
	if a.State != "" {
		q.Set("state", a.State)
	}
	redirectTo(w, a.RedirectURI, q)
}

// redirectError sends an OAuth error to the client's redirect URI (RFC 6749 §4.1.2.1).
func redirectError(w http.ResponseWriter, a authRequest, code, desc string) {
	q := url.Values{"error": {code}, "error_description": {desc}}
	if a.State != "" {
		q.Set("state", a.State)
	}
	redirectTo(w, a.RedirectURI, q)
}

// redirectTo answers 302 to base with q added to whatever query base already has.
func redirectTo(w http.ResponseWriter, base string, q url.Values) {
	u, _ := url.Parse(base) // a registered redirect URI, checked by New
	merged := u.Query()
	for k, vs := range q {
		merged[k] = vs
	}
	u.RawQuery = merged.Encode()
	w.Header().Set("Location", u.String())
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusFound)
}

// pageData is what the authorize page shows.
type pageData struct {
	Action   string // the authorization endpoint
	ClientID string
	Citizens []citizenButton
	Hidden   []field
	Error    string
	Fatal    bool // the request itself is bad: show the error only
	// Name, IDNumber and Phone refill the form after a mistake.
	Name, IDNumber, Phone string
}

type citizenButton struct {
	Index        int
	Name, Masked string
}

func (p *Provider) pageData(a authRequest) pageData {
	d := pageData{Action: p.issuer + "/authorize", ClientID: a.ClientID, Hidden: a.hidden()}
	for i, c := range p.citizens {
		d.Citizens = append(d.Citizens, citizenButton{Index: i, Name: c.name, Masked: idnumber.Mask(c.idNumber)})
	}
	return d
}

func (p *Provider) render(w http.ResponseWriter, status int, d pageData) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	// No form-action: browsers apply it to the redirect that follows the POST, and the redirect
	// URI may be on another origin.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_ = authorizeTmpl.Execute(w, d)
}

// authorizeTmpl is self-contained: no scripts and no outside resources.
var authorizeTmpl = template.Must(template.New("authorize").Parse(`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>随申办统一身份认证（开发模拟）</title>
<style>
body{font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;background:#f5f6f7;color:#323233}
header{background:#1989fa;color:#fff;padding:16px 20px}
header h1{font-size:18px;margin:0}
header p{font-size:12px;margin:4px 0 0;opacity:.85}
main{max-width:480px;margin:0 auto;padding:16px}
section{background:#fff;border-radius:8px;padding:16px;margin-bottom:16px}
h2{font-size:15px;margin:0 0 12px}
.error{background:#fff1f0;color:#ee0a24;border:1px solid #ffccc7;border-radius:8px;padding:12px;margin-bottom:16px}
.citizen{display:flex;justify-content:space-between;width:100%;padding:12px;margin-bottom:8px;border:1px solid #ebedf0;border-radius:6px;background:#fff;font-size:15px;cursor:pointer}
.citizen span:last-child{color:#969799;font-family:monospace}
label{display:block;font-size:13px;color:#646566;margin:8px 0 4px}
input[type=text]{box-sizing:border-box;width:100%;padding:10px;border:1px solid #dcdee0;border-radius:6px;font-size:15px}
.submit{width:100%;margin-top:16px;padding:12px;border:0;border-radius:6px;background:#1989fa;color:#fff;font-size:16px}
.deny{width:100%;padding:10px;border:0;background:none;color:#969799;font-size:14px}
</style>
</head>
<body>
<header><h1>随申办统一身份认证（开发模拟）</h1><p>开发环境模拟服务，不连接真实的随申办，请勿输入真实个人信息。</p></header>
<main>
{{if .Error}}<div class="error" role="alert">{{.Error}}</div>{{end}}
{{if not .Fatal}}
<p>应用 <b>{{.ClientID}}</b> 请求获取您的姓名、身份证号码和手机号码。</p>
{{if .Citizens}}<section>
<h2>选择演示市民</h2>
<form method="post" action="{{.Action}}">
{{range .Hidden}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}{{range .Citizens}}<button class="citizen" type="submit" name="citizen" value="{{.Index}}"><span>{{.Name}}</span><span>{{.Masked}}</span></button>
{{end}}<button class="deny" type="submit" name="action" value="deny">取消授权</button>
</form>
</section>{{end}}
<section>
<h2>以任意身份登录</h2>
<form method="post" action="{{.Action}}">
{{range .Hidden}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}<label for="name">姓名</label><input type="text" id="name" name="name" value="{{.Name}}" maxlength="30" required autocomplete="off">
<label for="id_number">身份证号码</label><input type="text" id="id_number" name="id_number" value="{{.IDNumber}}" maxlength="18" required autocomplete="off">
<label for="phone">手机号码（可不填）</label><input type="text" id="phone" name="phone" value="{{.Phone}}" maxlength="11" inputmode="numeric" autocomplete="off">
<button class="submit" type="submit">登录</button>
</form>
</section>
{{end}}
</main>
</body>
</html>
`))
