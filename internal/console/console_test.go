package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"steward/internal/demo"
)

const consoleCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// The session cookie is __Host-steward with Secure, HttpOnly, SameSite=Lax
// and Path=/; console pages carry the console's CSP while the API keeps
// its own, stricter one.
func TestCookiesAndHeaders(t *testing.T) {
	s := newSite(t)
	c := newClient(t, s.URL)
	resp, body := c.get("/signin")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /signin: %d", resp.StatusCode)
	}
	if got := resp.Header.Get("Content-Security-Policy"); got != consoleCSP {
		t.Errorf("console CSP = %q, want %q", got, consoleCSP)
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, "style=") {
		t.Errorf("the sign-in page has inline script or style")
	}
	resp, _ = c.post("/signin", url.Values{"csrf": {csrf(t, body)}, "tenant": {demo.Tenant},
		"email": {"east.rep1@demo.example"}, "password": {demo.Password}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/customers" {
		t.Fatalf("sign-in: %d to %q, want 303 to /customers", resp.StatusCode, resp.Header.Get("Location"))
	}
	ck := c.cookies["__Host-steward"]
	if ck == nil {
		t.Fatal("no __Host-steward cookie")
	}
	if !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Domain != "" {
		t.Errorf("session cookie %+v, want Secure HttpOnly SameSite=Lax Path=/ and no Domain", ck)
	}
	api := newClient(t, s.URL)
	resp, _ = api.get("/api/v1/openapi.json")
	if got := resp.Header.Get("Content-Security-Policy"); got != "default-src 'none'; frame-ancestors 'none'" {
		t.Errorf("API CSP = %q, want the strict one", got)
	}
	resp, _ = api.get("/healthz")
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz: %d", resp.StatusCode)
	}
}

// A signed-in POST without the session's CSRF token, or with another
// session's, is refused with 403 and changes nothing.
func TestCSRF(t *testing.T) {
	s := newSite(t)
	rep := s.actor(t, "east.rep1@demo.example")
	cu := s.customers(t, rep)[0]
	path := fmt.Sprintf("/customers/%d", cu.ID)

	c := newClient(t, s.URL)
	c.signIn("east.rep1@demo.example")
	other := newClient(t, s.URL)
	other.signIn("east.rep1@demo.example")
	_, body := other.get(path + "/edit")
	foreign := csrf(t, body)

	for name, token := range map[string]string{"missing": "", "foreign": foreign, "garbage": "x"} {
		form := url.Values{"name": {"Renamed by CSRF"}}
		if token != "" {
			form.Set("csrf", token)
		}
		resp, body := c.post(path, form)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s token: status %d, want 403", name, resp.StatusCode)
		}
		if !strings.Contains(body, "did not come from this site") {
			t.Errorf("%s token: the page does not explain the refusal", name)
		}
	}
	_, body = c.get(path + "/edit")
	resp, _ := c.post(path+"/activities", url.Values{"csrf": {csrf(t, body)}, "type": {"call"}, "note": {"ok"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("with the token: status %d, want 303", resp.StatusCode)
	}
	got, err := s.svc.Customer(context.Background(), rep, cu.ID)
	if err != nil || got.Name != cu.Name {
		t.Errorf("customer name %q (err %v), want %q unchanged", got.Name, err, cu.Name)
	}

	// The sign-in form has its own double-submit token.
	anon := newClient(t, s.URL)
	resp, _ = anon.post("/signin", url.Values{"tenant": {demo.Tenant}, "email": {"east.rep1@demo.example"}, "password": {demo.Password}})
	if resp.StatusCode != http.StatusForbidden || anon.cookies["__Host-steward"] != nil {
		t.Errorf("sign-in without its token: status %d, want 403 and no session", resp.StatusCode)
	}
}

var tokenRE = regexp.MustCompile(`name="csrf" value="[^"]+"`)

// A failed sign-in reads the same whether the organisation or the account
// exists or not.
func TestSignInFailureRevealsNothing(t *testing.T) {
	s := newSite(t)
	var pages []string
	for _, f := range []struct{ tenant, email, password string }{
		{demo.Tenant, "east.rep1@demo.example", "wrong password"},
		{demo.Tenant, "nobody@demo.example", "wrong password"},
		{"no-such-tenant", "east.rep1@demo.example", demo.Password},
	} {
		c := newClient(t, s.URL)
		_, body := c.get("/signin")
		resp, body := c.post("/signin", url.Values{"csrf": {csrf(t, body)}, "tenant": {f.tenant}, "email": {f.email}, "password": {f.password}})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%+v: status %d, want 401", f, resp.StatusCode)
		}
		body = tokenRE.ReplaceAllString(body, "")
		body = strings.ReplaceAll(body, `value="`+f.tenant+`"`, `value="TENANT"`)
		body = strings.ReplaceAll(body, `value="`+f.email+`"`, `value="EMAIL"`)
		pages = append(pages, body)
	}
	for i := 1; i < len(pages); i++ {
		if pages[i] != pages[0] {
			t.Errorf("failed sign-in page %d differs from page 0:\n%s\n---\n%s", i, pages[i], pages[0])
		}
	}
	if !strings.Contains(pages[0], "The organisation, e-mail or password is wrong.") {
		t.Errorf("the failure message is missing")
	}
}

// A customer the user may not see answers exactly like a missing one.
func TestHiddenCustomerIsNotFound(t *testing.T) {
	s := newSite(t)
	west := s.customers(t, s.actor(t, "west.rep1@demo.example"))[0]
	c := newClient(t, s.URL)
	c.signIn("east.rep1@demo.example")
	for _, suffix := range []string{"", "/edit", "/access"} {
		r1, hidden := c.get(fmt.Sprintf("/customers/%d%s", west.ID, suffix))
		r2, missing := c.get(fmt.Sprintf("/customers/%d%s", 99999999, suffix))
		// The pages differ only in their own address, which the language
		// switch links back to. (Only the address is replaced: the id's
		// digits may also occur in an asset's version hash.)
		hidden = sameAddress(hidden, fmt.Sprint(west.ID))
		missing = sameAddress(missing, "99999999")
		if r1.StatusCode != http.StatusNotFound || r2.StatusCode != http.StatusNotFound {
			t.Errorf("%s: statuses %d and %d, want 404 and 404", suffix, r1.StatusCode, r2.StatusCode)
		}
		if hidden != missing {
			t.Errorf("%s: a hidden customer's page differs from a missing one's", suffix)
		}
	}
}

// sameAddress writes a customer page's own address, plain or escaped in
// the language switch's link, with ID for the customer's id.
func sameAddress(body, id string) string {
	body = strings.ReplaceAll(body, "/customers/"+id, "/customers/ID")
	return strings.ReplaceAll(body, "%2Fcustomers%2F"+id, "%2Fcustomers%2FID")
}

// The language comes from Accept-Language until the switch sets a cookie.
func TestLanguage(t *testing.T) {
	s := newSite(t)
	c := newClient(t, s.URL)
	c.header.Set("Accept-Language", "zh-CN,zh;q=0.9,en;q=0.5")
	_, body := c.get("/signin")
	if !strings.Contains(body, `<html lang="zh-CN">`) || !strings.Contains(body, "登录") {
		t.Errorf("Accept-Language zh-CN did not give Chinese")
	}
	resp, _ := c.get("/lang/en?next=/signin")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
		t.Errorf("language switch: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = c.get("/signin")
	if !strings.Contains(body, `<html lang="en">`) || !strings.Contains(body, "Sign in") {
		t.Errorf("the language cookie did not override Accept-Language")
	}
	resp, _ = c.get("/lang/en?next=//evil.example/")
	if resp.Header.Get("Location") != "/customers" {
		t.Errorf("the switch redirected off-site to %q", resp.Header.Get("Location"))
	}
}

// Every page renders in both languages, for an administrator and a rep,
// with every catalogue key found and no inline script or style.
func TestEveryPageRenders(t *testing.T) {
	s := newSite(t)
	rep := s.actor(t, "east.rep1@demo.example")
	cu := s.customers(t, rep)[0]
	report := s.seedTransfers(t)
	for _, who := range []string{"admin@demo.example", "east.rep1@demo.example"} {
		for _, lang := range []string{"en", "zh-CN"} {
			c := newClient(t, s.URL)
			c.signIn(who)
			c.get("/lang/" + lang)
			pages := []string{"/customers", "/customers?sort=name&level=A", "/customers/new",
				fmt.Sprintf("/customers/%d", cu.ID), fmt.Sprintf("/customers/%d/edit", cu.ID),
				fmt.Sprintf("/customers/%d/access", cu.ID), "/account", "/account/mfa", "/nowhere"}
			if who == "admin@demo.example" {
				pages = append(pages, "/matrix", "/matrix?role=sales_rep", fmt.Sprintf("/customers/%d/access?user_id=%d", cu.ID, rep.UserID),
					"/pools", "/admin/users", "/admin/users?q=east", "/admin/org", fmt.Sprintf("/admin/users/%d", rep.UserID),
					"/audit", "/audit?action=role.&outcome=success&from=2020-01-01", "/audit?verify=1", "/rules", "/admin/security",
					"/admin/fields", "/admin/fields?object=activity", "/admin/fields/customer/phone", "/matrix?role=auditor",
					"/customers/export", "/customers/export?level=A&q=x&source=web", "/exports", "/exports?done=pending",
					"/admin/export-settings", "/imports", report, fmt.Sprintf("/customers/%d/access-at", cu.ID),
					fmt.Sprintf("/customers/%d/access-at?at=%s", cu.ID, time.Now().UTC().Add(-time.Minute).Format("2006-01-02T15:04")),
					fmt.Sprintf("/customers/%d/access-at?at=2001-01-01T00:00", cu.ID))
			}
			for _, p := range pages {
				resp, body := c.get(p)
				want := http.StatusOK
				if p == "/nowhere" {
					want = http.StatusNotFound
				}
				if resp.StatusCode != want {
					t.Errorf("%s %s %s: status %d, want %d", who, lang, p, resp.StatusCode, want)
				}
				if i := strings.Index(body, "[["); i >= 0 {
					t.Errorf("%s %s %s: untranslated key near %q", who, lang, p, body[i:min(len(body), i+60)])
				}
				if strings.Contains(body, "<script>") || strings.Contains(body, " style=") {
					t.Errorf("%s %s %s: inline script or style", who, lang, p)
				}
			}
		}
	}
}

// A rep's matrix link is absent and the page itself refuses them.
func TestMatrixNeedsAFunction(t *testing.T) {
	s := newSite(t)
	c := newClient(t, s.URL)
	c.signIn("east.rep1@demo.example")
	_, body := c.get("/customers")
	if strings.Contains(body, `href="/matrix"`) {
		t.Errorf("a rep's nav links to the matrix")
	}
	if resp, _ := c.get("/matrix"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a rep's GET /matrix: %d, want 403", resp.StatusCode)
	}
	auditor := newClient(t, s.URL)
	auditor.signIn("auditor@demo.example")
	_, body = auditor.get("/matrix?role=sales_rep")
	if strings.Contains(body, `name="cell.customer.view"`) {
		t.Errorf("the auditor, who may read but not change roles, got an editor")
	}
}

// List parameters go through service.CustomerList, as the API's do; what it
// refuses is shown on the page, not as an error page.
func TestListRefusesBadParameters(t *testing.T) {
	s := newSite(t)
	c := newClient(t, s.URL)
	c.signIn("east.rep1@demo.example")
	for _, q := range []string{"cursor=not-a-cursor", "sort=phone", "q=" + url.QueryEscape("a\u202eb")} {
		resp, body := c.get("/customers?" + q)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `class="error" role="alert"`) || !strings.Contains(body, `id="q"`) {
			t.Errorf("%s: status %d, want 400 with the error above the form", q, resp.StatusCode)
		}
	}
	resp, body := c.get("/customers?q=" + url.QueryEscape("no such customer anywhere"))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<strong>0</strong>") {
		t.Errorf("a search that matches nothing: status %d, want 200 and a count of 0", resp.StatusCode)
	}
}

// The pools, admin, audit and rules pages are absent from a rep's nav and
// refuse them when typed in; holders of the functions get them.
func TestGovernancePagesNeedFunctions(t *testing.T) {
	s := newSite(t)
	c := newClient(t, s.URL)
	c.signIn("east.rep1@demo.example")
	_, body := c.get("/customers")
	for _, link := range []string{`href="/pools"`, `href="/admin/users"`, `href="/audit"`, `href="/rules"`, `href="/admin/fields"`} {
		if strings.Contains(body, link) {
			t.Errorf("a rep's nav has %s", link)
		}
	}
	for p, want := range map[string]int{"/admin/users": 403, "/admin/org": 403, "/admin/users/1": 403, "/audit": 403,
		"/rules": 403, "/rules/sharing/1": 403, "/pools": 404, "/pools/1": 404, "/admin/fields": 403, "/admin/fields/customer/phone": 403} {
		if resp, _ := c.get(p); resp.StatusCode != want {
			t.Errorf("a rep's GET %s: %d, want %d", p, resp.StatusCode, want)
		}
	}
	_, body = c.get("/customers")
	resp, _ := c.post("/admin/users/1/roles", url.Values{"csrf": {csrf(t, body)}, "role": {"administrator"}, "reason": {"please"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a rep granting a role: %d, want 403", resp.StatusCode)
	}

	auditor := newClient(t, s.URL)
	auditor.signIn("auditor@demo.example")
	_, body = auditor.get("/customers")
	for _, link := range []string{`href="/audit"`, `href="/rules"`} {
		if !strings.Contains(body, link) {
			t.Errorf("the auditor's nav lacks %s", link)
		}
	}
	if strings.Contains(body, `href="/admin/users"`) {
		t.Errorf("the auditor, who does not manage users, is offered the admin pages")
	}
	for _, p := range []string{"/audit", "/rules"} {
		if resp, _ := auditor.get(p); resp.StatusCode != http.StatusOK {
			t.Errorf("the auditor's GET %s: %d, want 200", p, resp.StatusCode)
		}
	}
	if resp, _ := auditor.get("/audit?from=yesterday"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a bad audit filter: %d, want 400", resp.StatusCode)
	}
}

// An auditor asks who could see a customer at a moment and finds its owner
// with the grant path; the explanation page links there; a rep may not ask;
// a moment in the future is refused on the page, naming the problem.
func TestAccessAtPage(t *testing.T) {
	s := newSite(t)
	rep := s.actor(t, "east.rep1@demo.example")
	cu := s.customers(t, rep)[0]
	c := newClient(t, s.URL)
	c.signIn("admin@demo.example")
	_, body := c.get(fmt.Sprintf("/customers/%d/access", cu.ID))
	if !strings.Contains(body, fmt.Sprintf(`href="/customers/%d/access-at"`, cu.ID)) {
		t.Error("the explanation does not link to access at an earlier moment")
	}
	at := url.QueryEscape(time.Now().UTC().Format(time.RFC3339Nano)) // not a second earlier: the customers were made just now
	resp, body := c.get(fmt.Sprintf("/customers/%d/access-at?at=%s", cu.ID, at))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="access-at-grid"`) || !strings.Contains(body, fmt.Sprintf(`data-user="%d"`, rep.UserID)) ||
		!strings.Contains(body, "Complete:") {
		t.Errorf("access at: status %d, body %s", resp.StatusCode, body[strings.Index(body, "<main"):])
	}
	resp, body = c.get(fmt.Sprintf("/customers/%d/access-at?at=2999-01-01T00:00", cu.ID))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `role="alert"`) {
		t.Errorf("a future moment: status %d", resp.StatusCode)
	}
	r := newClient(t, s.URL)
	r.signIn("east.rep1@demo.example")
	if resp, _ := r.get(fmt.Sprintf("/customers/%d/access-at?at=%s", cu.ID, at)); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a rep asking: status %d, want 403", resp.StatusCode)
	}
	if _, body := r.get(fmt.Sprintf("/customers/%d/access", cu.ID)); strings.Contains(body, "access-at-link") {
		t.Error("a rep's explanation links to access at an earlier moment")
	}
}
