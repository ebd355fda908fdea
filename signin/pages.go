package signin

import (
	"html/template"
	"net/http"
	"strings"
)

// pageData is what a sign-in page says. Message may hold text from the
// provider's answer (an error description): html/template escapes it.
type pageData struct {
	Title   string
	Message string
	// SignIn is where a "Sign in" link goes; "" for none.
	SignIn string
	// SignOut shows a sign-out button.
	SignOut bool
}

// The pages stand alone (no script, no style, nothing fetched): they are
// shown to browsers without a session, which the console's own assets are
// not served to.
var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{{.Title}} · socpilot</title></head>
<body>
<h1>{{.Title}}</h1>
<p id="message">{{.Message}}</p>
{{if .SignOut}}<form method="post" action="` + SignOutPath + `"><button type="submit" id="signout">Sign out</button></form>{{end}}
{{with .SignIn}}<p><a id="signin" href="{{.}}">Sign in</a></p>{{end}}
</body>
</html>
`))

// pagePolicy allows nothing but the page itself and its one form.
const pagePolicy = "default-src 'none'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

func (a *Auth) page(w http.ResponseWriter, status int, d pageData) {
	var b strings.Builder
	if err := pageTmpl.Execute(&b, d); err != nil {
		http.Error(w, d.Message, status)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", pagePolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	w.Write([]byte(b.String()))
}
