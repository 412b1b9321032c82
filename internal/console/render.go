package console

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"html/template"
	"io/fs"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"strings"
	"time"

	"steward/internal/access"
	"steward/internal/service"
)

// view is what every template gets: the page's data and what the layout
// needs around it.
type view struct {
	Title  string
	CSRF   string
	Me     *service.Me
	Path   string // the page's own URI, for the language switch to come back to
	Static map[string]string
	Data   any
	// Limit is the task a limited session must do first ("" for a full
	// session); the layout then offers no nav.
	Limit string
	// Refresh, when set, reloads the page every so many seconds while work
	// it shows is under way: the script does so while nothing is being
	// typed, and without the script a <noscript> meta refresh does.
	Refresh    int
	RefreshURL string

	lang lang
	act  *service.Actor
	// file is the file part of an upload, left unread by checkUpload for
	// the handler to stream.
	file *multipart.Part
}

func (c *Console) newView(w http.ResponseWriter, r *http.Request) *view {
	return &view{lang: langOf(r), Path: r.URL.RequestURI(), Static: c.urls}
}

// Lang is the page's language tag.
func (v *view) Lang() string { return v.lang.tag() }

// Chinese reports whether the page is in Chinese, for the language switch.
func (v *view) Chinese() bool { return v.lang == chinese }

// T translates a catalogue key.
func (v *view) T(key string) string { return v.lang.text(key) }

// Tf translates a key holding a format and fills it in.
func (v *view) Tf(key string, args ...any) string { return v.lang.textf(key, args...) }

// Val translates an enumerated value (source, stage, activity type); an
// empty value shows as a dash and an unknown one as it is.
func (v *view) Val(s string) string {
	if s == "" {
		return "—"
	}
	if _, ok := messages["value."+s]; ok {
		return v.lang.text("value." + s)
	}
	return s
}

// Fact translates an explanation's fact.
func (v *view) Fact(s string) string { return v.lang.factText(s) }

// CanMatrix reports whether the nav shows the permission matrix: the
// service lets these functions read it.
func (v *view) CanMatrix() bool {
	if v.act == nil {
		return false
	}
	s := v.act.Subject
	return s.Can(access.ManageRoles) || s.Can(access.ManageUsers) || s.Can(access.ViewAudit)
}

// can reports whether the signed-in user holds a system function.
func (v *view) can(f access.Function) bool { return v.act != nil && v.act.Subject.Can(f) }

// CanPools reports whether the nav shows the pools: the user belongs to a
// pool or manages them.
func (v *view) CanPools() bool {
	return v.act != nil && (len(v.act.Subject.PoolIDs()) > 0 || v.can(access.ManagePools))
}

// CanAdmin reports whether the nav shows the org and users pages.
func (v *view) CanAdmin() bool { return v.can(access.ManageUsers) }

// CanOrg reports whether the org tree is offered: to holders of
// manage_users, who see it among the admin tabs, and of manage_org, who
// change it.
func (v *view) CanOrg() bool { return v.can(access.ManageUsers) || v.can(access.ManageOrg) }

// CanEditOrg reports whether the org tree offers its editor, which
// service.CreateDepartment and the rest let holders of manage_org use.
func (v *view) CanEditOrg() bool { return v.can(access.ManageOrg) }

// CanEditRoles reports whether the roles page is offered: creating,
// renaming and deleting roles needs manage_roles (service.SaveRole).
func (v *view) CanEditRoles() bool { return v.can(access.ManageRoles) }

// CanSecurity reports whether the nav shows the security settings, which
// service.SecuritySettings lets these functions read.
func (v *view) CanSecurity() bool { return v.can(access.ManageSecurity) || v.can(access.ManageUsers) }

// CanAudit reports whether the nav shows the audit trail.
func (v *view) CanAudit() bool { return v.can(access.ViewAudit) }

// CanRules reports whether the nav shows the sharing and restriction
// rules, which service.SharingRules lets these functions read.
func (v *view) CanRules() bool { return v.can(access.ManageSharing) || v.can(access.ViewAudit) }

// CanEditRules reports whether the rules pages offer their editor:
// service.SaveSharingRule and SaveRestriction need manage_sharing.
func (v *view) CanEditRules() bool { return v.can(access.ManageSharing) }

// CanFields reports whether the field catalogue is offered, which only
// holders of manage_fields may change. Like the security settings, it is a
// tab of the admin pages for those who have them and a nav entry of its
// own for the others, so that an administrator's nav fits a laptop screen.
func (v *view) CanFields() bool { return v.can(access.ManageFields) }

// CanExports reports whether the nav shows the exports page: the user may
// export customers, or approves others' exports.
func (v *view) CanExports() bool {
	return v.act != nil && (v.act.Subject.Holds(access.Customer, access.Export) || v.can(access.ApproveExports))
}

// CanImport reports whether the customer list offers the import page.
func (v *view) CanImport() bool {
	return v.act != nil && v.act.Subject.Holds(access.Customer, access.Import)
}

// CanExportSettings reports whether the admin tabs offer the export
// controls, which only holders of manage_security may change.
func (v *view) CanExportSettings() bool { return v.can(access.ManageSecurity) }

// InExportSettings reports whether the page is the export controls tab.
func (v *view) InExportSettings() bool { return strings.HasPrefix(v.Path, "/admin/export-settings") }

// InAccess reports whether the page is one of the access pages, which
// holders of manage_users reach through the admin tabs rather than the nav
// (their nav is full).
func (v *view) InAccess() bool { return strings.HasPrefix(v.Path, "/access") }

// InOrg reports whether the page is the org tree or one of its departments.
func (v *view) InOrg() bool { return strings.HasPrefix(v.Path, "/admin/org") }

// InGroups reports whether the page is one of the groups pages.
func (v *view) InGroups() bool { return strings.HasPrefix(v.Path, "/admin/groups") }

// InFields reports whether the page is one of the field catalogue's.
func (v *view) InFields() bool { return strings.HasPrefix(v.Path, "/admin/fields") }

// LangURL is the language switch's link to the other language.
func (v *view) LangURL(tag string) string {
	return "/lang/" + tag + "?next=" + template.URLQueryEscaper(v.Path)
}

var funcs = template.FuncMap{
	"date": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02")
	},
	"inc":      func(n int) int { return n + 1 },
	"datetime": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"scopeClass": func(s access.Scope) string {
		return "s-" + strings.ReplaceAll(string(s), "_", "-")
	},
	"grants":   func(v *view, rows []grantRow, id string) grantTable { return grantTable{V: v, Rows: rows, ID: id} },
	"entries":  func(v *view, rows []entryRow, id string) entryTable { return entryTable{V: v, Rows: rows, ID: id} },
	"tree":     func(v *view, nodes []*orgNode) orgTable { return orgTable{V: v, Nodes: nodes} },
	"rulelist": func(v *view, rows []ruleRow, id string) ruleTable { return ruleTable{V: v, Rows: rows, ID: id} },
	"factcell": func(v *view, f fact, id string) factCell { return factCell{V: v, F: f, ID: id} },
	"props":    func(v *view, rows []proposalRow) proposalList { return proposalList{V: v, Rows: rows} },
	"deref": func(t *time.Time) time.Time {
		if t == nil {
			return time.Time{}
		}
		return *t
	},
}

// ruleTable is what the "rulelist" template draws.
type ruleTable struct {
	V    *view
	Rows []ruleRow
	ID   string
}

// orgTable is what the recursive "tree" template draws: one level.
type orgTable struct {
	V     *view
	Nodes []*orgNode
}

// grantTable is what the "grants" template draws: a team or share list.
type grantTable struct {
	V    *view
	Rows []grantRow
	ID   string
}

// parsePages parses each page template together with the layout. A page
// file defines "content"; the layout wraps it. A file named part_*.html is
// no page: it defines templates that several pages draw (a lifecycle
// report, on its preview and its stored page), parsed in with the layout.
func parsePages() map[string]*template.Template {
	base := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/part_*.html"))
	pages := map[string]*template.Template{}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" || strings.HasPrefix(name, "part_") {
			continue
		}
		pages[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, n))
	}
	return pages
}

// render writes a page. It renders into a buffer first, so a template
// failure becomes a 500 and never half a page.
func (c *Console) render(w http.ResponseWriter, v *view, status int, page string, data any) {
	v.Data = data
	var buf bytes.Buffer
	t, ok := c.pages[page]
	if !ok {
		c.log.Error("console: no such template", "page", page)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		c.log.Error("console: rendering failed", "page", page, "request_id", w.Header().Get("X-Request-Id"), "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// staticFile is an embedded asset with its content hash, which versions
// its URL so that it can be cached for good.
type staticFile struct {
	data        []byte
	contentType string
	hash        string
}

func loadStatic() map[string]staticFile {
	out := map[string]staticFile{}
	entries, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		b, err := fs.ReadFile(staticFS, "static/"+e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(b)
		out[e.Name()] = staticFile{data: b, contentType: mime.TypeByExtension(path.Ext(e.Name())), hash: hex.EncodeToString(sum[:6])}
	}
	return out
}

// staticURLs maps each asset's name to its versioned URL.
func (c *Console) staticURLs() map[string]string {
	out := map[string]string{}
	for name, f := range c.static {
		out[name] = "/static/" + name + "?v=" + f.hash
	}
	return out
}

func (c *Console) serveStatic(w http.ResponseWriter, r *http.Request) {
	f, ok := c.static[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.contentType)
	if r.URL.Query().Get("v") == f.hash {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	}
	_, _ = w.Write(f.data)
}

// Section is the part of the console the page belongs to, for the nav.
func (v *view) Section() string {
	if strings.HasPrefix(v.Path, "/imports") {
		return "customers" // importing is an action of the customer list
	}
	if v.InGovernance() {
		switch {
		case v.CanAdmin():
			return "admin" // its tabs hold the governance pages, as the access pages
		case v.CanGovernance():
			return "governance"
		}
		return "access" // a reviewer's own items, reached from My access
	}
	if strings.HasPrefix(v.Path, "/access") && v.CanAdmin() {
		return "admin" // its tabs hold the access pages, to keep the nav on one line
	}
	for _, section := range []string{"customers", "exports", "matrix", "pools", "admin", "audit", "rules", "account", "access"} {
		if strings.HasPrefix(v.Path, "/"+section) {
			return section
		}
	}
	return ""
}

// Missing translates what a denied decision lacks.
func (v *view) Missing(s string) string { return v.lang.missingText(s) }
