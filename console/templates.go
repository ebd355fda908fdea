package console

import (
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/socpilot/socpilot"
)

// funcs are the templates' helpers. None returns template.HTML: every
// value they give is escaped by html/template like any other.
var funcs = template.FuncMap{
	"time": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"isotime": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	},
	"lower": strings.ToLower,
	"upper": func(v any) string {
		switch s := v.(type) {
		case socpilot.Verdict:
			return strings.ToUpper(string(s))
		case string:
			return strings.ToUpper(s)
		}
		return ""
	},
	"join": strings.Join,
	"signed": func(n int) string {
		if n > 0 {
			return "+" + strconv.Itoa(n)
		}
		return strconv.Itoa(n)
	},
	"add": func(a, b int) int { return a + b },
}

// parseTemplates parses each page with the layout; a broken template is a
// programming error, caught by any test.
func parseTemplates() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, name := range []string{"queue", "incident", "error"} {
		files := []string{"templates/layout.html", "templates/" + name + ".html", "templates/timeline.html", "templates/entitygraph.html"}
		if name == "incident" {
			files = append(files, "templates/chat.html")
		}
		out[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, files...))
	}
	return out
}
