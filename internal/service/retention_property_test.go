package service_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// A retention preview equals what the run then does, on random tenants:
// customers of random ages with follow-ups of random ages, some under a
// legal hold, and a rule of either kind. The run changes exactly the
// records the preview counted (its sample is the preview's), a second
// preview finds nothing, held customers and everything recent are
// untouched, and anonymised customers keep no personal value.
func TestRetentionPreviewEqualsRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		svc := newService(db, &now)
		n := 0
		rapid.Check(t, func(rt *rapid.T) {
			n++
			start := now
			defer func() { now = start }()
			tn, admin, err := svc.CreateTenant(ctx, service.NewTenant{Slug: fmt.Sprintf("ret%d", n), Name: "Ret", AdminEmail: "a@ret.example",
				AdminPassword: "correct-horse-battery-staple"})
			if err != nil {
				rt.Fatal(err)
			}
			a, err := svc.ActorFor(ctx, tn.ID, admin.ID)
			if err != nil {
				rt.Fatal(err)
			}
			type cust struct {
				id   int64
				held bool
			}
			// Records are made oldest first; the clock then moves to the end.
			total := rapid.IntRange(200, 900).Draw(rt, "span days")
			now = start.AddDate(0, 0, -total)
			var custs []cust
			for i := range rapid.IntRange(1, 6).Draw(rt, "customers") {
				name, phone := fmt.Sprintf("Cust %d", i), "+8613800000000"
				c, err := svc.CreateCustomer(ctx, a, crm.CustomerInput{Name: &name, Phone: &phone})
				if err != nil {
					rt.Fatal(err)
				}
				k := cust{id: c.ID, held: rapid.Bool().Draw(rt, "held")}
				for range rapid.IntRange(0, 3).Draw(rt, "activities") {
					step := rapid.IntRange(0, total/8).Draw(rt, "step")
					now = now.AddDate(0, 0, step)
					typ, note := "call", "called Li Wei on +8613800000000"
					if _, err := svc.SaveActivity(ctx, a, c.ID, 0, crm.ActivityInput{Type: &typ, Note: &note}); err != nil {
						rt.Fatal(err)
					}
				}
				custs = append(custs, k)
			}
			now = start
			for _, k := range custs {
				if k.held {
					if _, err := svc.PlaceLegalHold(ctx, a, k.id, "litigation"); err != nil {
						rt.Fatal(err)
					}
				}
			}
			object := rapid.SampledFrom([]string{"activity", "customer"}).Draw(rt, "object")
			days := rapid.IntRange(30, total).Draw(rt, "days")
			rule, err := svc.SaveRetentionRule(ctx, a, 0, service.RetentionRuleInput{Name: "r", Object: object, Days: days})
			if err != nil {
				rt.Fatal(err)
			}
			before := snapshot(ctx, rt, db, tn.ID)
			pre, err := svc.PreviewRetention(ctx, a, rule.ID)
			if err != nil {
				rt.Fatal(err)
			}
			run, err := svc.RunRetention(ctx, a, rule.ID)
			if err != nil {
				rt.Fatal(err)
			}
			if run.Count != pre.Count || !slices.Equal(run.Sample, pre.Sample) || run.Cutoff != pre.Cutoff {
				rt.Fatalf("preview %+v, run %+v", pre, run)
			}
			again, err := svc.PreviewRetention(ctx, a, rule.ID)
			if err != nil || again.Count != 0 {
				rt.Fatalf("a preview after the run: %+v %v", again, err)
			}
			after := snapshot(ctx, rt, db, tn.ID)
			held := map[int64]bool{}
			for _, k := range custs {
				held[k.id] = k.held
			}
			changed := 0
			for id, b := range before.customers {
				aft := after.customers[id]
				old := b.LastActivityAt.Before(pre.Cutoff)
				switch {
				case object == "customer" && old && !held[id]:
					changed++
					if aft.Phone != "" || aft.Name != fmt.Sprintf("Anonymised customer %d", id) {
						rt.Fatalf("customer %d was not anonymised: %+v", id, aft)
					}
				case aft.Name != b.Name || aft.Phone != b.Phone:
					rt.Fatalf("customer %d changed though the rule did not reach it: %+v → %+v", id, b, aft)
				}
			}
			for id, act := range before.activities {
				now, kept := after.activities[id]
				c := before.customers[act.CustomerID]
				anonymised := object == "customer" && c.LastActivityAt.Before(pre.Cutoff) && !held[act.CustomerID]
				if kept && anonymised != (now.Note == "") {
					rt.Fatalf("activity %d of customer %d (anonymised %v) has the note %q", id, act.CustomerID, anonymised, now.Note)
				}
				gone := object == "activity" && act.OccurredAt.Before(pre.Cutoff) && !held[act.CustomerID]
				if gone == kept {
					rt.Fatalf("activity %d (%v, customer %d held %v): kept %v, cutoff %v", id, act.OccurredAt, act.CustomerID, held[act.CustomerID], kept, pre.Cutoff)
				}
				if gone {
					changed++
				}
			}
			if changed != run.Count {
				rt.Fatalf("%d records changed, the run says %d", changed, run.Count)
			}
		})
	})
}

type tenantRecords struct {
	customers  map[int64]crm.Customer
	activities map[int64]crm.Activity
}

// snapshot reads every customer and activity of a tenant from the store.
func snapshot(ctx context.Context, rt *rapid.T, db *store.DB, tenantID int64) tenantRecords {
	out := tenantRecords{customers: map[int64]crm.Customer{}, activities: map[int64]crm.Activity{}}
	if err := db.Read(ctx, func(tx *store.Tx) error {
		ids, err := tx.VisibleCustomerIDs(ctx, tenantID, access.Filter{All: true}, nil)
		if err != nil {
			return err
		}
		for _, id := range ids {
			c, err := tx.Customer(ctx, tenantID, id)
			if err != nil {
				return err
			}
			out.customers[id] = c
			acts, err := tx.Activities(ctx, tenantID, id, store.ChildPage{Limit: 1000})
			if err != nil {
				return err
			}
			for _, x := range acts {
				out.activities[x.ID] = x
			}
		}
		return nil
	}); err != nil {
		rt.Fatal(err)
	}
	return out
}
