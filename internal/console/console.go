// Package console is Steward's server-rendered web console, in English and
// Chinese. It is an edge like the JSON API: every page reads and writes
// through the service layer, which decides what the signed-in user may see
// and do, so the console holds no access rule of its own. It only uses what
// the service decided to choose which controls to show.
//
// Pages are html/template files embedded in the binary, with one stylesheet
// and one small script served from the same origin under a strict
// Content-Security-Policy. Every page reads without JavaScript; the script
// only marks pending changes in the matrix editor, offers a field rule's
// reveal box only while its access is masked, and reloads the exports page
// while an export is being written (a <noscript> refresh does without it).
//
// Records arrive from the service with the fields the user may not read
// already hidden or masked; the console shows a masked value as such, with
// a Reveal button where the user may reveal it (the value is shown in that
// one response), and its forms offer inputs only for the fields the user
// may edit, so that no save carries a field the service would refuse.
//
// Besides customers and the matrix, the console has the field catalogue
// (custom fields, sensitivity, masks) with each role's field rules under its
// matrix editor, the pools (claim and return), the sharing panel of a
// customer (team and shares), the org tree with its department editor,
// groups, users with role assignments, the roles (new, copied, renamed,
// deleted), moving and offboarding a user with a preview and a stored
// report, the audit trail with its verification, the sharing and
// restriction rules with their editor and its preview of what a rule
// reaches, the security settings with the export controls beside them,
// exports (the form on the customer list, progress, downloads, approvals,
// and for approvers charts of everyone's exports per day),
// imports with their reports, and every user's own account: password,
// authenticator app, recovery codes and sessions. The governance pages (governance.go) hold
// access review campaigns, least-privilege insights, separation of duties
// and policy as code. Signing in asks for the second factor
// after the password when one is enrolled; a session the service limits to
// enrolling one (or to changing an expired password) reaches only the pages
// for that task; an action the service refuses for want of a recent sign-in
// asks for the password again and is then redone. The nav offers a page only
// to those whose functions let them use it; typed in by anyone else, a page
// answers 403 (or 404 where the thing itself is hidden).
package console

import (
	"embed"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"slices"

	"steward/internal/errs"
	"steward/internal/service"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// csp is the console's Content-Security-Policy: only same-origin scripts,
// styles and images, no inline code, no framing, forms post only here.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// maxForm is the largest form body accepted, as for the API.
const maxForm = 1 << 20

// Console serves the web console.
type Console struct {
	svc    *service.Service
	log    *slog.Logger
	pages  map[string]*template.Template
	static map[string]staticFile
	urls   map[string]string // asset name → versioned URL
	mux    *http.ServeMux    // the routes, for redoing an action after a step-up
}

// New returns the console over a service. It panics if the embedded
// templates do not parse, which a test catches before any release.
func New(svc *service.Service, log *slog.Logger) *Console {
	c := &Console{svc: svc, log: log, static: loadStatic()}
	c.urls = c.staticURLs()
	c.pages = parsePages()
	return c
}

// Handler returns the console; it is mounted at / and answers every path
// the API and the health check do not.
func (c *Console) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /static/{name}", c.serveStatic)
	mux.Handle("GET /signin", c.public(c.signInPage))
	mux.Handle("POST /signin", c.public(c.signIn))
	mux.Handle("POST /signin/code", c.public(c.signInCode))
	mux.Handle("POST /signin/code/resend", c.public(c.signInResend))
	mux.Handle("GET /lang/{lang}", c.public(c.setLang))
	mux.Handle("POST /signout", c.limited(c.signOut, service.LimitEnrolment, service.LimitPasswordChange))
	mux.Handle("POST /stepup", c.private(c.stepUp))
	c.accountRoutes(mux)
	mux.Handle("GET /admin/security", c.private(c.securityPage))
	mux.Handle("POST /admin/security", c.private(c.saveSecurity))
	mux.Handle("GET /{$}", c.private(redirectTo("/customers")))
	mux.Handle("GET /customers", c.private(c.customerList))
	mux.Handle("GET /customers/new", c.private(c.newCustomer))
	mux.Handle("POST /customers", c.private(c.createCustomer))
	mux.Handle("GET /customers/{id}", c.private(c.customerDetail))
	mux.Handle("GET /customers/{id}/edit", c.private(c.editCustomer))
	mux.Handle("POST /customers/{id}", c.private(c.updateCustomer))
	mux.Handle("POST /customers/{id}/activities", c.private(c.addActivity))
	mux.Handle("POST /customers/{id}/reveal", c.private(c.revealCustomer))
	mux.Handle("POST /customers/{id}/contacts/{contact}/reveal", c.private(c.revealContact))
	mux.Handle("GET /customers/{id}/access", c.private(c.explain))
	mux.Handle("GET /customers/{id}/access-at", c.private(c.accessAt))
	mux.Handle("POST /customers/{id}/shares", c.private(c.addShare))
	mux.Handle("POST /customers/{id}/shares/{share}/delete", c.private(c.removeShare))
	mux.Handle("POST /customers/{id}/team", c.private(c.addTeamMember))
	mux.Handle("POST /customers/{id}/team/{user}/delete", c.private(c.removeTeamMember))
	mux.Handle("POST /customers/{id}/return", c.private(c.returnCustomer))
	mux.Handle("GET /pools", c.private(c.poolList))
	mux.Handle("POST /pools", c.private(c.createPool))
	mux.Handle("GET /pools/{id}", c.private(c.poolDetail))
	mux.Handle("POST /pools/{id}/claim", c.private(c.claim))
	mux.Handle("POST /pools/{id}", c.private(c.updatePool))
	mux.Handle("POST /pools/{id}/delete", c.private(c.deletePool))
	mux.Handle("GET /admin/{$}", c.private(redirectTo("/admin/users")))
	mux.Handle("GET /admin/users", c.private(c.userList))
	c.orgRoutes(mux)
	c.groupRoutes(mux)
	mux.Handle("GET /admin/users/{id}", c.private(c.userDetail))
	mux.Handle("POST /admin/users/{id}/roles", c.private(c.grantRole))
	mux.Handle("POST /admin/users/{id}/roles/{key}/delete", c.private(c.revokeRole))
	mux.Handle("POST /admin/users/{id}/mfa/reset", c.private(c.resetFactor))
	mux.Handle("GET /audit", c.private(c.auditLog))
	mux.Handle("GET /rules", c.private(c.rules))
	mux.Handle("GET /rules/{kind}/{id}", c.private(c.rule))
	c.ruleEditRoutes(mux)
	mux.Handle("GET /matrix", c.private(c.matrix))
	mux.Handle("POST /matrix/preview", c.private(c.matrixPreview))
	mux.Handle("POST /matrix/apply", c.private(c.matrixApply))
	mux.Handle("POST /matrix/fields", c.private(c.saveFieldRules))
	c.roleRoutes(mux)
	c.fieldRoutes(mux)
	c.transferRoutes(mux)
	c.requestRoutes(mux)
	c.lifecycleRoutes(mux)
	c.governanceRoutes(mux)
	mux.Handle("/", c.public(func(w http.ResponseWriter, r *http.Request, v *view) error {
		return errs.NotVisible("page")
	}))
	c.mux = mux
	return withHeaders(mux)
}

// fieldRoutes are the field catalogue's pages.
func (c *Console) fieldRoutes(mux *http.ServeMux) {
	mux.Handle("GET /admin/fields", c.private(c.fieldList))
	mux.Handle("POST /admin/fields", c.private(c.createField))
	mux.Handle("GET /admin/fields/{object}/{key}", c.private(c.fieldDetail))
	mux.Handle("POST /admin/fields/{object}/{key}", c.private(c.saveField))
	mux.Handle("POST /admin/fields/{object}/{key}/sensitive", c.private(c.toggleSensitive))
	mux.Handle("GET /admin/fields/{object}/{key}/delete", c.private(c.confirmDeleteField))
	mux.Handle("POST /admin/fields/{object}/{key}/delete", c.private(c.deleteField))
}

// transferRoutes are the pages that take customers out and bring them in:
// the export form, the exports with their approvals and downloads, the
// export controls, and imports.
func (c *Console) transferRoutes(mux *http.ServeMux) {
	mux.Handle("GET /customers/export", c.private(c.exportForm))
	mux.Handle("POST /customers/export", c.private(c.requestExport))
	mux.Handle("GET /exports", c.private(c.exportList))
	mux.Handle("GET /exports/{id}/download", c.private(c.download))
	mux.Handle("POST /exports/{id}/approve", c.private(c.approveExport))
	mux.Handle("POST /exports/{id}/refuse", c.private(c.refuseExport))
	mux.Handle("GET /admin/export-settings", c.private(c.exportSettingsPage))
	mux.Handle("POST /admin/export-settings", c.private(c.saveExportSettings))
	mux.Handle("GET /imports", c.private(c.importPage))
	mux.Handle("POST /imports", c.upload(c.runImport))
	mux.Handle("GET /imports/template.csv", c.private(c.importTemplate))
	mux.Handle("GET /imports/{id}", c.private(c.importReport))
}

// withHeaders gives console responses their own Content-Security-Policy.
// The server's middleware has already set the API's, which allows nothing
// at all; the console needs its own stylesheet and script.
func withHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		next.ServeHTTP(w, r)
	})
}

// handler is one page: it renders or redirects, or returns an error that
// fail turns into an error page.
type handler func(w http.ResponseWriter, r *http.Request, v *view) error

// public serves a page that needs no session (sign-in, language switch).
func (c *Console) public(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := c.newView(w, r)
		r = r.WithContext(service.WithRequest(r.Context(), requestInfo(w, r)))
		if err := h(w, r, v); err != nil {
			c.fail(w, r, v, err)
		}
	})
}

// private serves a page that needs a full session. It authenticates every
// request afresh, so a change to roles or the org counts at once; on a POST
// it checks the form's CSRF token before anything else runs.
func (c *Console) private(h handler) http.Handler { return c.serve(h, checkPost) }

// upload serves a page whose POST is a multipart form with a file: its
// CSRF token is checked before the file is read, and the file is left for
// the handler to stream (see checkUpload).
func (c *Console) upload(h handler) http.Handler { return c.serve(h, checkUpload) }

// limited serves a page that a session limited to one task (enrolling a
// second factor, changing an expired password) may also use when its limit
// is among limits. Any other page sends such a session to its task, as the
// API answers it 403: the console has no second path around the limit.
//
// An action the service answers with step_up_required shows the
// re-authentication form, which redoes the action once it succeeds.
func (c *Console) limited(h handler, limits ...string) http.Handler {
	return c.serve(h, checkPost, limits...)
}

// serve authenticates, lets a limited session through only to its task's
// pages (limits), and checks a POST's form with check.
func (c *Console) serve(h handler, check formCheck, limits ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := c.newView(w, r)
		r = r.WithContext(service.WithRequest(r.Context(), requestInfo(w, r)))
		token := sessionToken(r)
		act, limit, err := c.svc.AuthenticateLimited(r.Context(), token)
		if err != nil {
			c.toSignIn(w, r, token != "")
			return
		}
		if limit != "" && !slices.Contains(limits, limit) {
			http.Redirect(w, r, limitPage(limit), http.StatusSeeOther)
			return
		}
		v.act, v.CSRF, v.Limit = act, csrfToken(token), limit
		if r.Method == http.MethodPost {
			if err := check(w, r, v); err != nil {
				c.fail(w, r, v, err)
				return
			}
		}
		me, err := c.svc.WhoAmI(r.Context(), act)
		if err != nil {
			c.fail(w, r, v, err)
			return
		}
		v.Me = &me
		err = h(w, r, v)
		switch {
		case err == nil:
		case errs.As(err).Code == stepUpRequired:
			c.askStepUp(w, r, v)
		default:
			c.fail(w, r, v, err)
		}
	})
}

// limitPage is where a limited session does its task.
func limitPage(limit string) string {
	if limit == service.LimitEnrolment {
		return "/account/mfa"
	}
	return "/account"
}

func requestInfo(w http.ResponseWriter, r *http.Request) service.RequestInfo {
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	return service.RequestInfo{SourceIP: host, RequestID: w.Header().Get("X-Request-Id")}
}

// statusOf maps error kinds to statuses, as the API does.
var statusOf = map[errs.Kind]int{
	errs.Internal:     http.StatusInternalServerError,
	errs.Invalid:      http.StatusBadRequest,
	errs.Unauthorized: http.StatusUnauthorized,
	errs.Forbidden:    http.StatusForbidden,
	errs.NotFound:     http.StatusNotFound,
	errs.Conflict:     http.StatusConflict,
	errs.TooLarge:     http.StatusRequestEntityTooLarge,
	errs.TooMany:      http.StatusTooManyRequests,
}

// errorPage is what the error template shows.
type errorPage struct {
	Status    int
	Title     string
	Message   string
	RequestID string
	// RequestAccess, on a customer page that is not found, links to the
	// form asking for access to that number (requests.go).
	RequestAccess string
}

// fail renders an error page. A refused action is recorded in the audit
// trail, as the API records it; an internal error is logged with its cause
// and shown only as a request id.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, v *view, err error) {
	e := errs.As(err)
	status, ok := statusOf[e.Kind]
	if !ok {
		// A kind added to errs after this table: still an answer, never a
		// panic from WriteHeader(0).
		status = http.StatusInternalServerError
	}
	p := errorPage{Status: status, Title: v.T("error.title"), Message: v.lang.errText(e)}
	switch e.Kind {
	case errs.Unauthorized:
		c.toSignIn(w, r, true)
		return
	case errs.NotFound:
		p.Title, p.Message = v.T("error.notfound"), v.T("error.notfound.text")
	case errs.Forbidden:
		p.Title = v.T("error.forbidden")
		if e.Code == "csrf" {
			p.Message = v.T("error.csrf")
		}
		if v.act != nil {
			c.svc.RecordDenied(r.Context(), v.act, "console "+r.Method+" "+r.URL.Path, err)
		}
	case errs.Internal:
		p.RequestID = w.Header().Get("X-Request-Id")
		p.Message = v.T("error.internal")
		c.log.Error("console request failed", "request_id", p.RequestID, "method", r.Method, "path", r.URL.Path, "err", e.Cause)
	}
	v.Title = p.Title
	c.render(w, v, status, "error", p)
}

// redirectTo is a page that only sends the signed-in user elsewhere.
func redirectTo(path string) func(http.ResponseWriter, *http.Request, *view) error {
	return func(w http.ResponseWriter, r *http.Request, v *view) error {
		http.Redirect(w, r, path, http.StatusSeeOther)
		return nil
	}
}
