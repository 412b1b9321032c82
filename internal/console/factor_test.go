package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The account page offers setting up an authenticator to a user without
// one and removing it to a user with one, never both; an administrator
// removes another user's lost factor from the user's page, which ends it
// (and offers nothing for a user without one, or for themselves).
func TestFactorButtons(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	rep := s.actor(t, "east.rep1@demo.example")
	c := newClient(t, s.URL)
	c.signIn("east.rep1@demo.example")
	if _, body := c.get("/account"); !strings.Contains(body, `id="mfa-start"`) || strings.Contains(body, `id="mfa-remove"`) {
		t.Fatal("without a factor, the account page should offer setting one up only")
	}
	en, err := s.svc.StartTOTP(ctx, rep)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.ConfirmTOTP(ctx, rep, s.totp(t, en.Secret)); err != nil {
		t.Fatal(err)
	}

	admin := newClient(t, s.URL)
	admin.signIn("admin@demo.example")
	page := fmt.Sprintf("/admin/users/%d", rep.UserID)
	_, body := admin.get(page)
	if !strings.Contains(body, `id="user-mfa-reset"`) {
		t.Fatal("the user's page offers no removal of their factor")
	}
	resp, _ := admin.post(page+"/mfa/reset", url.Values{"csrf": {csrf(t, body)}})
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "done=factor_reset") {
		t.Fatalf("removing the factor: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	admActor := s.actor(t, "admin@demo.example")
	if has, err := s.svc.UserHasFactor(ctx, admActor, rep.UserID); err != nil || has {
		t.Fatalf("after the removal the user has a factor: %v %v", has, err)
	}
	if _, body := admin.get(page); strings.Contains(body, `id="user-mfa-reset"`) {
		t.Error("the page still offers removing a factor the user no longer has")
	}
	if _, body := admin.get(fmt.Sprintf("/admin/users/%d", admActor.UserID)); strings.Contains(body, `id="user-mfa-reset"`) {
		t.Error("the administrator is offered removing their own factor from the users' pages")
	}
}
