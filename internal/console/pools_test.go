package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"steward/internal/service"
	"steward/internal/store"
)

// An administrator changes a pool's settings on its page and the pool and
// its rules change; bad input is refused next to the field and changes
// nothing; a pool customers belong to cannot be deleted, an unused one can;
// a rep gets neither form and is refused both actions.
func TestPoolEditor(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	admin := s.actor(t, "admin@demo.example")
	sales := s.department(t, admin, "Sales")
	east := s.department(t, admin, "East Team")
	pool, err := s.svc.SavePool(ctx, admin, 0, service.PoolInput{Name: "Old name", Departments: []int64{sales.ID}, HoldingCap: 5, CooldownDays: 3})
	if err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf("/pools/%d", pool.ID)

	c := newClient(t, s.URL)
	c.signIn("admin@demo.example")
	_, body := c.get(page)
	if !strings.Contains(body, `id="edit-pool-form"`) || !strings.Contains(body, `value="Old name"`) {
		t.Fatalf("the pool page offers no settings form filled from the pool")
	}
	token := csrf(t, body)
	save := url.Values{"csrf": {token}, "name": {"Sales pool"}, "holding_cap": {"12"}, "cooldown_days": {"9"}, "auto_return_days": {"45"},
		"departments": {strconv.FormatInt(sales.ID, 10), strconv.FormatInt(east.ID, 10)}}
	resp, _ := c.post(page, save)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != page+"?done=saved" {
		t.Fatalf("saving the pool: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := c.get(page + "?done=saved"); !strings.Contains(body, "Pool saved.") || !strings.Contains(body, `value="Sales pool"`) {
		t.Errorf("the pool page after saving shows neither the notice nor the new name")
	}
	got := s.pool(t, admin, pool.ID)
	if got.Name != "Sales pool" || got.HoldingCap != 12 || got.CooldownDays != 9 || got.AutoReturnDays != 45 || len(got.Departments) != 2 {
		t.Errorf("after saving: %+v", got)
	}

	bad := url.Values{"csrf": {token}, "name": {"Renamed"}, "holding_cap": {"lots"}, "cooldown_days": {"9"}, "auto_return_days": {"45"},
		"departments": {strconv.FormatInt(sales.ID, 10)}}
	if resp, body := c.post(page, bad); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="edit-pool-e-holding_cap"`) ||
		!strings.Contains(body, `value="Renamed"`) {
		t.Errorf("a holding cap that is no number: %d, want 400 with the error by the field and the input kept", resp.StatusCode)
	}
	if got := s.pool(t, admin, pool.ID); got.Name != "Sales pool" {
		t.Errorf("a refused save changed the pool: %+v", got)
	}

	// A customer in the pool keeps it from being deleted.
	rep := s.actor(t, "east.rep1@demo.example")
	mine := s.customers(t, rep)
	if _, err := s.svc.Return(ctx, rep, mine[0].ID, service.ReturnRequest{Reason: "No budget", PoolID: &pool.ID}); err != nil {
		t.Fatal(err)
	}
	if resp, _ := c.post(page+"/delete", url.Values{"csrf": {token}}); resp.StatusCode != http.StatusConflict {
		t.Errorf("deleting a pool that holds a customer: %d, want 409", resp.StatusCode)
	}
	if got := s.pool(t, admin, pool.ID); got.ID != pool.ID {
		t.Fatalf("the pool is gone")
	}

	// A rep in the pool's department sees the pool but no settings, and
	// may change nothing.
	r := newClient(t, s.URL)
	r.signIn("east.rep1@demo.example")
	_, body = r.get(page)
	if strings.Contains(body, `id="edit-pool-form"`) || strings.Contains(body, `id="delete-pool"`) {
		t.Errorf("a rep's pool page offers the settings or deletion")
	}
	rt := csrf(t, body)
	save.Set("csrf", rt)
	if resp, _ := r.post(page, save); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a rep's save: %d, want 403", resp.StatusCode)
	}
	if resp, _ := r.post(page+"/delete", url.Values{"csrf": {rt}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a rep's delete: %d, want 403", resp.StatusCode)
	}

	// A pool no customer belongs to can go.
	spare, err := s.svc.SavePool(ctx, admin, 0, service.PoolInput{Name: "Spare", Departments: []int64{east.ID}, HoldingCap: 1})
	if err != nil {
		t.Fatal(err)
	}
	page = fmt.Sprintf("/pools/%d", spare.ID)
	resp, _ = c.post(page+"/delete", url.Values{"csrf": {token}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/pools?done=deleted" {
		t.Errorf("deleting the empty pool: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := c.get("/pools?done=deleted"); !strings.Contains(body, "Pool deleted.") {
		t.Errorf("the pool list does not say the pool was deleted")
	}
	pools, err := s.svc.Pools(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pools {
		if p.ID == spare.ID {
			t.Errorf("the deleted pool is still listed")
		}
	}
}

// pool reads one pool as the service stores it.
func (s *site) pool(t *testing.T, a *service.Actor, id int64) store.StoredPool {
	t.Helper()
	pools, err := s.svc.Pools(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pools {
		if p.ID == id {
			return p
		}
	}
	t.Fatalf("no pool %d", id)
	return store.StoredPool{}
}
