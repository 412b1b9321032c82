package service_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/errs"
	"steward/internal/fields"
	"steward/internal/org"
	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// TestPoolMaskingHasNoOracle: a customer seen only through a pool shows its
// sensitive fields masked, to its members and to pool managers outside it,
// and no other channel gives them away: not an import's duplicate report,
// not a filter, not the order of a list.
func TestPoolMaskingHasNoOracle(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			f := newExportFixture(t, e)
			// Region and name become sensitive; the manager reads both in
			// general (and imports phone), as someone would who works them.
			for _, key := range []string{"region", "name"} {
				yes := true
				must[fields.Field](t)(f.svc.SaveField(ctx, f.admin, access.Customer, key, service.FieldInput{Sensitive: &yes}))
			}
			rules := []access.FieldRule{{Object: access.Customer, Field: "region", Access: access.FieldEdit},
				{Object: access.Customer, Field: "name", Access: access.FieldEdit}, {Object: access.Customer, Field: "phone", Access: access.FieldEdit}}
			must[access.Role](t)(f.svc.SaveRole(ctx, f.admin, "mgr_fields", service.RoleInput{Fields: &rules}))
			mgr := must[*service.Actor](t)(f.svc.ActorFor(ctx, f.tenant, f.manager.UserID))
			region := "East"
			alpha := f.mine[0]
			must[crm.Customer](t)(f.svc.UpdateCustomer(ctx, mgr, alpha, crm.CustomerInput{Region: &region}))
			sales := must[crm.Customer](t)(f.svc.Customer(ctx, mgr, alpha)).OwnerDeptID
			pool := must[store.StoredPool](t)(f.svc.SavePool(ctx, f.admin, 0, service.PoolInput{Name: "Sales pool", Departments: []int64{*sales}, HoldingCap: 5}))
			must[crm.Customer](t)(f.svc.Return(ctx, mgr, alpha, service.ReturnRequest{Reason: "no budget", PoolID: &pool.ID}))
			mgr = must[*service.Actor](t)(f.svc.ActorFor(ctx, f.tenant, f.manager.UserID))

			got := must[crm.Customer](t)(f.svc.Customer(ctx, mgr, alpha))
			if got.Phone != "138****0001" || got.Region != "****" {
				t.Fatalf("a pool member sees phone %q, region %q; want both masked", got.Phone, got.Region)
			}
			// A pool manager outside the pool sees its customers masked too.
			email, name, pw, roles := "d@exp.example", "Director", "director-long-pass-phrase", []string{"sales_director"}
			root := f.admin.User.DepartmentID
			d := must[org.User](t)(f.svc.CreateUser(ctx, f.admin, org.UserInput{Email: &email, Name: &name, Password: &pw, DepartmentID: &root, Roles: &roles}))
			dir := must[*service.Actor](t)(f.svc.ActorFor(ctx, f.tenant, d.ID))
			page := must[service.Page[crm.Customer]](t)(f.svc.PoolCustomers(ctx, dir, pool.ID, store.CustomerQuery{Sort: "last_activity_at", Limit: 10}))
			if len(page.Items) != 1 || strings.Contains(page.Items[0].Phone, "13800000001") {
				t.Fatalf("a pool manager outside the pool: %+v", page.Items)
			}
			// The import's duplicate report does not confirm the phone.
			im := must[store.Import](t)(f.svc.Import(ctx, mgr, "csv", service.ImportDryRun, strings.NewReader("name,phone\nAlpha Ltd,13800000001\n")))
			var rep service.ImportReport
			if err := json.Unmarshal(im.Report, &rep); err != nil || len(rep.Duplicates) != 0 {
				t.Fatalf("a dry run matched a pool-masked customer: %s (%v)", im.Report, err)
			}
			// A filter on the masked region does not find it; a sort by the
			// masked name is refused.
			for _, list := range []func(store.CustomerQuery) (service.Page[crm.Customer], error){
				func(q store.CustomerQuery) (service.Page[crm.Customer], error) { return f.svc.Customers(ctx, mgr, q) },
				func(q store.CustomerQuery) (service.Page[crm.Customer], error) {
					return f.svc.PoolCustomers(ctx, mgr, pool.ID, q)
				},
			} {
				p := must[service.Page[crm.Customer]](t)(list(store.CustomerQuery{Sort: "last_activity_at", Limit: 10, Equals: map[string]string{"region": "East"}}))
				for _, c := range p.Items {
					if c.ID == alpha {
						t.Fatal("a filter on a pool-masked region found the customer")
					}
				}
				if _, err := list(store.CustomerQuery{Sort: "name", Limit: 10}); errs.As(err).Code != "field_not_readable" {
					t.Fatalf("sorting by a pool-masked name: got %v", err)
				}
			}
			if n := must[int64](t)(f.svc.CountCustomers(ctx, mgr, store.CustomerQuery{Sort: "last_activity_at", Equals: map[string]string{"region": "East"}})); n != 0 {
				t.Fatalf("a count filtered on the pool-masked region: %d", n)
			}
		})
	}
}
