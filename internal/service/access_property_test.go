package service_test

import (
	"context"
	"testing"
	"time"

	"pgregory.net/rapid"

	"steward/internal/access"
	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// TestRequestedAccessIsBaseAndApprovals runs random requests, decisions,
// cancellations and the passing of time, and holds two invariants after
// every step:
//
//   - a user sees a customer exactly when they saw it before any request,
//     or a request of theirs for it was approved and its grant has not yet
//     run out;
//   - an approval succeeds exactly when the request is pending and younger
//     than two weeks, the approver is not the requester, and the approver
//     is the administrator or the manager above the customer's owner.
func TestRequestedAccessIsBaseAndApprovals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
		f := buildRequestFixture(t, newService(db, &now), &now, "prop")
		base := newRequestModel(t, f, nil).base
		rapid.Check(t, func(rt *rapid.T) {
			// Each run starts long after the last one's grants ran out and
			// its requests lapsed, so that one tenant serves every run.
			f.advance(100 * 24 * time.Hour)
			m := newRequestModel(t, f, base)
			// Access can change only when a request is approved or time
			// passes: the views are checked then, and once at the end in
			// case something else changed them.
			for range rapid.IntRange(1, 8).Draw(rt, "steps") {
				switch op := rapid.IntRange(0, 9).Draw(rt, "op"); {
				case op < 4:
					m.request(ctx, rt)
				case op < 7:
					if m.decide(ctx, rt) {
						m.check(rt)
					}
				case op < 8:
					m.cancel(ctx, rt)
				default:
					f.advance(rapid.SampledFrom([]time.Duration{30 * time.Minute, 2 * time.Hour, 24 * time.Hour, 8 * 24 * time.Hour}).Draw(rt, "advance"))
					m.check(rt)
				}
			}
			m.check(rt)
		})
	})
}

// requestModel is what the test expects, kept apart from the service.
type requestModel struct {
	t          *testing.T
	f          *requestFixture
	requesters []int64
	approvers  []int64
	customers  []int64
	base       map[[2]int64]bool        // (user, customer) seen before any request
	grants     map[[2]int64][]time.Time // expiries of approved requests' grants
	open       []modelRequest
}

type modelRequest struct {
	id, user, customer int64
	created            time.Time
	pending            bool
}

// newRequestModel starts a model from base, what each requester sees
// before any request; nil to read it now.
func newRequestModel(t *testing.T, f *requestFixture, base map[[2]int64]bool) *requestModel {
	m := &requestModel{t: t, f: f, requesters: []int64{f.repA, f.repB, f.outsider}, customers: []int64{f.custA, f.custB, f.custOut},
		approvers: []int64{f.admin.UserID, f.mgr, f.repA, f.repB, f.outsider, f.hr},
		base:      base, grants: map[[2]int64][]time.Time{}}
	if base != nil {
		return m
	}
	m.base = map[[2]int64]bool{}
	for _, u := range m.requesters {
		a := f.as(t, u)
		for _, c := range m.customers {
			m.base[[2]int64{u, c}] = f.seesAs(t, a, c)
		}
	}
	return m
}

func (m *requestModel) request(ctx context.Context, rt *rapid.T) {
	u, c := rapid.SampledFrom(m.requesters).Draw(rt, "requester"), rapid.SampledFrom(m.customers).Draw(rt, "customer")
	in := service.AccessRequestInput{Kind: "customer", CustomerID: c, Level: rapid.SampledFrom([]access.Level{access.Read, access.EditLevel}).Draw(rt, "level"),
		Reason: "property", Duration: rapid.SampledFrom([]string{"1h", "5h", "1d", "3d"}).Draw(rt, "duration")}
	r, err := m.f.svc.RequestAccess(ctx, m.f.as(m.t, u), in)
	if err == nil {
		m.open = append(m.open, modelRequest{id: r.ID, user: u, customer: c, created: *m.f.now, pending: true})
	}
}

// decide decides a request and reports whether it granted something.
func (m *requestModel) decide(ctx context.Context, rt *rapid.T) bool {
	if len(m.open) == 0 {
		return false
	}
	i := rapid.IntRange(0, len(m.open)-1).Draw(rt, "request")
	r := &m.open[i]
	by := rapid.SampledFrom(m.approvers).Draw(rt, "approver")
	approve := rapid.Bool().Draw(rt, "approve")
	got, err := m.f.svc.DecideAccessRequest(ctx, m.f.as(m.t, by), r.id, approve, "because")
	owner := m.f.customerOwner[r.customer]
	may := r.pending && m.f.now.Before(r.created.Add(service.RequestLapse)) && by != r.user &&
		(by == m.f.admin.UserID || by == m.f.mgr && (owner == m.f.repA || owner == m.f.repB))
	if (err == nil) != may {
		rt.Fatalf("%s of request %d (user %d, customer %d) by %d: got %v, want success %v", map[bool]string{true: "approval", false: "refusal"}[approve],
			r.id, r.user, r.customer, by, err, may)
	}
	if err != nil {
		return false
	}
	r.pending = false
	if approve {
		key := [2]int64{r.user, r.customer}
		m.grants[key] = append(m.grants[key], *got.GrantExpiresAt)
	}
	return approve
}

func (m *requestModel) cancel(ctx context.Context, rt *rapid.T) {
	if len(m.open) == 0 {
		return
	}
	r := &m.open[rapid.IntRange(0, len(m.open)-1).Draw(rt, "cancel")]
	_, err := m.f.svc.CancelAccessRequest(ctx, m.f.as(m.t, r.user), r.id)
	if may := r.pending && m.f.now.Before(r.created.Add(service.RequestLapse)); (err == nil) != may {
		rt.Fatalf("cancel of request %d: got %v, want success %v", r.id, err, may)
	}
	if err == nil {
		r.pending = false
	}
}

// check holds each requester's view of each customer to base ∪ unexpired
// approved grants.
func (m *requestModel) check(rt *rapid.T) {
	for _, u := range m.requesters {
		a := m.f.as(m.t, u)
		for _, c := range m.customers {
			key := [2]int64{u, c}
			want := m.base[key]
			for _, exp := range m.grants[key] {
				want = want || m.f.now.Before(exp)
			}
			if got := m.f.seesAs(m.t, a, c); got != want {
				rt.Fatalf("at %v user %d sees customer %d: %v, want %v (base %v, grants until %v)", m.f.now, u, c, got, want, m.base[key], m.grants[key])
			}
		}
	}
}
