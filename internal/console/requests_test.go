package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// requestIDRE reads a request's id from its row.
var requestIDRE = regexp.MustCompile(`data-request="(\d+)"`)

// The My access and requests-to-decide pages render in both languages for
// a rep and a manager, with every key found, and the nav offers My access
// to everyone.
func TestAccessPagesRender(t *testing.T) {
	s := newSite(t)
	east := s.customers(t, s.actor(t, "east.rep1@demo.example"))[0]
	for _, who := range []string{"west.rep1@demo.example", "east.manager@demo.example", "admin@demo.example"} {
		for _, lang := range []string{"en", "zh-CN"} {
			c := newClient(t, s.URL)
			c.signIn(who)
			c.get("/lang/" + lang)
			for _, p := range []string{"/access", "/access?expiring=7d", "/access?done=requested", "/access/decide",
				"/access/decide?done=approved", fmt.Sprintf("/customers/%d/request-access", east.ID)} {
				resp, body := c.get(p)
				if resp.StatusCode != http.StatusOK {
					t.Errorf("%s %s %s: status %d", who, lang, p, resp.StatusCode)
				}
				if i := strings.Index(body, "[["); i >= 0 {
					t.Errorf("%s %s %s: untranslated key near %q", who, lang, p, body[i:min(len(body), i+60)])
				}
				// An administrator's nav is full; the access pages are a tab of theirs.
				link := `id="nav-access"`
				if who == "admin@demo.example" {
					link = `id="tab-access"`
				}
				if !strings.Contains(body, link) {
					t.Errorf("%s %s %s: no link to the access pages (%s)", who, lang, p, link)
				}
			}
		}
	}
}

// A customer page the user cannot open offers to ask for access, the same
// for a hidden customer and a missing one; the form comes filled in with
// the number, a refusal of the form shows by its field with the values
// kept, and a sent request is listed as waiting.
func TestRequestAccessFromNotFound(t *testing.T) {
	s := newSite(t)
	east := s.customers(t, s.actor(t, "east.rep1@demo.example"))[0]
	c := newClient(t, s.URL)
	c.signIn("west.rep1@demo.example")
	r1, hidden := c.get(fmt.Sprintf("/customers/%d", east.ID))
	r2, missing := c.get("/customers/99999999")
	if r1.StatusCode != http.StatusNotFound || r2.StatusCode != http.StatusNotFound {
		t.Fatalf("statuses %d and %d, want 404", r1.StatusCode, r2.StatusCode)
	}
	if sameAddress(hidden, fmt.Sprint(east.ID)) != sameAddress(missing, "99999999") {
		t.Error("a hidden customer's page differs from a missing one's")
	}
	link := fmt.Sprintf(`href="/customers/%d/request-access"`, east.ID)
	if !strings.Contains(hidden, link) {
		t.Fatalf("the not-found page offers no request: %s", hidden)
	}
	_, form := c.get(fmt.Sprintf("/customers/%d/request-access", east.ID))
	if !strings.Contains(form, fmt.Sprintf(`id="cust-f-customer_id" name="customer_id" type="number" value="%d"`, east.ID)) {
		t.Fatalf("the form is not filled in with the number")
	}
	post := url.Values{"csrf": {csrf(t, form)}, "kind": {"customer"}, "customer_id": {fmt.Sprint(east.ID)}, "level": {"read"},
		"duration": {"3d"}, "reason": {""}}
	resp, body := c.post("/access/requests", post)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="cust-e-reason"`) ||
		!strings.Contains(body, fmt.Sprintf(`value="%d"`, east.ID)) {
		t.Errorf("a request without a reason: status %d, want 400 with the error by the reason and the number kept", resp.StatusCode)
	}
	post.Set("reason", "Taking over the West key accounts")
	if resp, _ := c.post("/access/requests", post); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/access?done=requested" {
		t.Fatalf("sending the request: status %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page := c.get("/access?done=requested")
	if !strings.Contains(page, `data-status="pending"`) || !strings.Contains(page, fmt.Sprintf("customer #%d", east.ID)) {
		t.Errorf("the sent request is not listed as waiting, by number")
	}
	if m := requestIDRE.FindStringSubmatch(page); m == nil {
		t.Error("no request row")
	} else if resp, _ := c.post("/access/requests/"+m[1]+"/cancel", url.Values{"csrf": {csrf(t, page)}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("cancelling: status %d", resp.StatusCode)
	}
}

// A refusal without a comment is shown on the request's row on the
// decide page, with what was typed kept.
func TestDecideRefusalNeedsComment(t *testing.T) {
	s := newSite(t)
	east := s.customers(t, s.actor(t, "east.rep1@demo.example"))[0]
	rep := newClient(t, s.URL)
	rep.signIn("west.rep1@demo.example")
	_, form := rep.get("/access")
	rep.post("/access/requests", url.Values{"csrf": {csrf(t, form)}, "kind": {"customer"}, "customer_id": {fmt.Sprint(east.ID)},
		"level": {"read"}, "duration": {"1d"}, "reason": {"Covering"}})
	mgr := newClient(t, s.URL)
	mgr.signIn("east.manager@demo.example")
	_, page := mgr.get("/access/decide")
	m := requestIDRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the manager has nothing to decide")
	}
	resp, body := mgr.post("/access/requests/"+m[1]+"/refuse", url.Values{"csrf": {csrf(t, page)}, "comment": {""}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="decide-error-`+m[1]+`"`) {
		t.Errorf("a refusal without a comment: status %d, want 400 on the row", resp.StatusCode)
	}
	if resp, _ := mgr.post("/access/requests/"+m[1]+"/refuse", url.Values{"csrf": {csrf(t, page)}, "comment": {"Ask Eric"}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a refusal with a comment: status %d", resp.StatusCode)
	}
	_, mine := rep.get("/access")
	if !strings.Contains(mine, `data-status="refused"`) || !strings.Contains(mine, "Ask Eric") {
		t.Error("the requester does not see the refusal and its comment")
	}
}
