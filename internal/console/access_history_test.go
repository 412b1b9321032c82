package console_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"steward/internal/access"
	"steward/internal/service"
)

// The explanation page of a customer shows its access history to those
// who may read it (view_audit, or the share action on the customer): a
// share made shows there with its action; someone who only reads the
// customer through that share sees no history.
func TestExplainShowsAccessHistory(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	rep := s.actor(t, "east.rep1@demo.example")
	colleague := s.actor(t, "east.rep2@demo.example")
	cu := s.customers(t, rep)[0]
	if _, err := s.svc.AddShare(ctx, rep, cu.ID, service.ShareInput{Principal: access.Principal{Type: access.PrincipalUser, ID: colleague.UserID},
		Level: access.Read, Reason: "cover during leave"}); err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf("/customers/%d/access", cu.ID)
	for _, who := range []string{"admin@demo.example", "east.rep1@demo.example"} {
		c := newClient(t, s.URL)
		c.signIn(who)
		resp, body := c.get(page)
		if resp.StatusCode != 200 || !strings.Contains(body, `id="access-history"`) || !strings.Contains(body, `data-action="share.add"`) {
			t.Errorf("%s: the explanation page shows no access history with the share (%d)", who, resp.StatusCode)
		}
	}
	c := newClient(t, s.URL)
	c.signIn("east.rep2@demo.example")
	resp, body := c.get(page)
	if resp.StatusCode != 200 {
		t.Fatalf("the colleague's explanation page: %d", resp.StatusCode)
	}
	if strings.Contains(body, `id="access-history-h"`) {
		t.Errorf("someone who only reads the customer through a share sees its access history")
	}
}
