package console_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// A West rep cannot open an East rep's customer; its not-found page offers
// to ask for access, and the rep asks for three days with a reason. The
// East manager, above the customer's owner, finds the request on the page
// of requests to decide and approves it; the rep then opens the customer
// and finds the grant, with its expiry, on My access.
func TestE2EAccessRequest(t *testing.T) {
	t.Parallel()
	s := newE2ESite(t)
	east := s.customers(t, s.actor(t, "east.rep1@demo.example"))[0]
	cpath := fmt.Sprintf("/customers/%d", east.ID)
	b := newBrowser(t, s.URL)
	b.signIn("west.rep1@demo.example")
	if st := b.open(cpath); st != 404 {
		t.Fatalf("the West rep opens the East customer: status %d, want 404", st)
	}
	b.click("#request-access")
	if got := eval[string](b, `document.querySelector("#cust-f-customer_id").value`); got != fmt.Sprint(east.ID) {
		t.Fatalf("the request form holds customer %q, want %d", got, east.ID)
	}
	b.setValue("#cust-f-level", "read")
	b.setValue("#cust-f-duration", "3d")
	b.do(chromedp.SendKeys(chromedp.CSS("#cust-f-reason"), "Taking over the Pudong account while Eric is away"))
	b.click("#cust-submit")
	if got := b.text("#done"); !strings.Contains(got, "Request sent") {
		t.Errorf("after asking: notice %q", got)
	}
	id := eval[string](b, `document.querySelector("#my-requests tbody tr").getAttribute("data-request")`)
	if got := b.text(`#my-requests tr[data-request="` + id + `"] .status`); got != "waiting" {
		t.Errorf("the request shows %q, want waiting", got)
	}

	b.switchTo("east.manager@demo.example")
	b.click("#nav-access")
	if got := b.text("#to-decide"); !strings.Contains(got, "1 requests wait") {
		t.Errorf("the manager's link to decide reads %q", got)
	}
	b.click("#to-decide")
	row := "#to-decide-list tr[data-request='" + id + "']"
	if got := b.text(row + " .requester"); got != "Wang Fang" {
		t.Errorf("the requester reads %q", got)
	}
	if got := b.text(row + " th a"); got != east.Name {
		t.Errorf("the request names %q, want the customer %q", got, east.Name)
	}
	b.do(chromedp.SendKeys(chromedp.CSS("#comment-"+id), "Fine while Eric is away"))
	b.click("#approve-" + id)
	if got := b.text("#done"); !strings.Contains(got, "Approved") || b.count1(row) != 0 {
		t.Errorf("after approving: notice %q, row still listed: %v", got, b.count1(row) != 0)
	}

	// The administrator's nav is full: the access pages are a tab of Org &
	// users there, and the nav still fits one row on a laptop.
	b.switchTo("admin@demo.example")
	if h := eval[float64](b, `document.querySelector(".main-nav").getBoundingClientRect().height`); h > 45 {
		t.Errorf("the administrator's nav is %.0fpx high at 1280px wide: it wraps", h)
	}
	b.click("#nav-admin")
	b.click("#tab-access")
	if got := b.text("#decide-title"); got != "Requests to decide" {
		t.Errorf("the administrator's access tab opens %q", got)
	}

	b.switchTo("west.rep1@demo.example")
	if st := b.open(cpath); st != 200 {
		t.Fatalf("after approval the rep opens the customer: status %d, want 200", st)
	}
	if got := b.text("#customer-name"); got != east.Name {
		t.Errorf("the customer page reads %q, want %q", got, east.Name)
	}
	b.click("#nav-access")
	held := fmt.Sprintf(`#held-customers tr[data-customer="%d"]`, east.ID)
	if got := b.text(held + " .expires"); !strings.Contains(got, "UTC") {
		t.Errorf("the grant's expiry reads %q", got)
	}
	if got := b.text(`#my-requests tr[data-request="` + id + `"] .status`); got != "approved" {
		t.Errorf("the request shows %q, want approved", got)
	}
	if got := b.text(`#my-requests tr[data-request="` + id + `"] .decision-comment`); got != "Fine while Eric is away" {
		t.Errorf("the decision's comment reads %q", got)
	}
}
