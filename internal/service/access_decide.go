package service

import (
	"context"
	"errors"
	"strconv"
	"time"
	"unicode/utf8"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/fieldcheck"
	"steward/internal/org"
	"steward/internal/store"
)

// Who decides an access request:
//
//   - a role request: a holder of manage_users who holds every function the
//     role carries; approving also needs what granting the role by hand
//     needs (a recent sign-in, the requester's second factor where the
//     role requires one), since it is granted by the same code;
//   - a customer request: someone above the customer's owner in the manager
//     chain, or a holder of manage_users, who may share the customer
//     (through role scope) and, for edit, edit it: nobody gives more than
//     they hold, as for a share made by hand.
//
// Nobody decides their own request. A request is visible to its requester
// and to those who may see it decided: holders of manage_users for role
// requests; for customer requests, those who can see the customer and are
// above its owner or hold manage_users. To anyone else it is not found.

// DecideAccessRequest approves or refuses a pending request. Approval
// creates the grant (a role assignment or a share with the requester,
// expiring after the asked-for time from now) in the same transaction;
// refusal needs a comment.
func (s *Service) DecideAccessRequest(ctx context.Context, a *Actor, id int64, approve bool, comment string) (AccessRequest, error) {
	var out AccessRequest
	comment, err := fieldcheck.Optional("comment", comment, 500)
	if err != nil {
		return out, err
	}
	if !approve && comment == "" {
		return out, errs.Field("comment", "field_required", "a refusal says why")
	}
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		r, err := s.visibleRequest(ctx, tx, a, id)
		if err != nil {
			return err
		}
		now := s.now()
		if err := s.mayDecide(ctx, tx, a, r, now); err != nil {
			return err
		}
		d := store.AccessDecision{Status: store.RequestRefused, By: a.UserID, Comment: comment, At: now}
		action, extra := "access_request.refuse", map[string]any{"comment": comment}
		if approve {
			exp := now.Add(time.Duration(r.DurationSeconds) * time.Second)
			grantID, err := s.grantRequest(ctx, tx, a, r, exp, comment)
			if err != nil {
				return err
			}
			d.Status, d.GrantID, d.GrantExpiresAt = store.RequestApproved, &grantID, &exp
			action, extra["grant_id"], extra["expires_at"] = "access_request.approve", grantID, exp
		}
		if err := tx.DecideAccessRequest(ctx, a.TenantID, id, d, now.Add(-RequestLapse)); err != nil {
			return err
		}
		links, err := requestLinks(ctx, tx, r)
		if err != nil {
			return err
		}
		if err := s.rec(ctx, tx, a, event{action: action, targetType: "access_request", targetID: id, links: links,
			details: requestDetails(r, extra)}); err != nil {
			return err
		}
		if approve {
			// The requester's next request must see the grant; a cached
			// subject is used only while the version is current.
			if err := tx.BumpPolicy(ctx, a.TenantID); err != nil {
				return err
			}
		}
		out, err = s.reloadRequest(ctx, tx, a, id)
		return err
	})
	return out, err
}

// visibleRequest loads a request its requester or a possible approver may
// see; for anyone else it does not exist.
func (s *Service) visibleRequest(ctx context.Context, tx *store.Tx, a *Actor, id int64) (store.AccessRequest, error) {
	r, err := tx.AccessRequest(ctx, a.TenantID, id)
	if err != nil || r.RequesterID == a.UserID {
		return r, err
	}
	if r.Kind == store.RequestRole {
		if a.Subject.Can(access.ManageUsers) {
			return r, nil
		}
		return r, errs.NotVisible("access request")
	}
	c, err := s.visibleCustomer(ctx, tx, a, *r.CustomerID, access.Customer, access.View)
	if errs.KindOf(err) == errs.NotFound {
		return r, errs.NotVisible("access request")
	}
	if err != nil {
		return r, err
	}
	if a.Subject.Can(access.ManageUsers) {
		return r, nil
	}
	above, err := aboveOwner(ctx, tx, a, c.OwnerID)
	if err != nil {
		return r, err
	}
	if !above {
		return r, errs.NotVisible("access request")
	}
	return r, nil
}

// mayDecide checks that the caller may decide a request they can see,
// and that it is still open.
func (s *Service) mayDecide(ctx context.Context, tx *store.Tx, a *Actor, r store.AccessRequest, now time.Time) error {
	if r.RequesterID == a.UserID {
		return errs.E(errs.Forbidden, "own_request", "nobody decides their own request")
	}
	if r.Status != store.RequestPending {
		return errs.E(errs.Conflict, "request_not_pending", "the request was %s already", r.Status)
	}
	if !now.Before(r.CreatedAt.Add(RequestLapse)) {
		return errs.E(errs.Conflict, "request_expired", "the request waited longer than %d days and has expired; ask for it again", int(RequestLapse/(24*time.Hour)))
	}
	if r.Kind == store.RequestRole {
		if err := a.need(access.ManageUsers); err != nil {
			return err
		}
		role, ok, err := roleByID(ctx, tx, a.TenantID, *r.RoleID)
		if err != nil {
			return err
		}
		if !ok {
			return errs.E(errs.Conflict, "role_removed", "the role asked for no longer exists")
		}
		profile, err := tx.SoDProfile(ctx, a.TenantID)
		if err != nil {
			return err
		}
		if f, ok := (sodState{profile: profile}).ungivable(a, role.Functions); ok {
			return errs.E(errs.Forbidden, "grant_exceeds_own", "you cannot grant a role with the %s function, which you do not hold", f)
		}
		return nil
	}
	// Visible, and above the owner or holding manage_users: visibleRequest
	// saw to that. Deciding also needs the share action, and edit for edit.
	c, err := s.visibleCustomer(ctx, tx, a, *r.CustomerID, access.Customer, access.Share)
	if err != nil {
		return err
	}
	if r.Level == access.EditLevel {
		rec, err := recordOf(ctx, tx, a.TenantID, c)
		if err != nil {
			return err
		}
		if !a.Subject.Check(access.Customer, access.Edit, rec).Allowed {
			return errs.E(errs.Forbidden, "grant_exceeds_own", "you cannot give edit access to a record you may not edit")
		}
	}
	return nil
}

// grantRequest makes an approved request's grant through the code of a
// manual grant, with its rules and audit entry, and returns its id. The
// approver's comment is the justification a separation-of-duties rule may
// ask of a role grant.
func (s *Service) grantRequest(ctx context.Context, tx *store.Tx, a *Actor, r store.AccessRequest, exp time.Time, comment string) (int64, error) {
	u, err := tx.User(ctx, a.TenantID, r.RequesterID)
	if err != nil {
		return 0, err
	}
	if u.Status != org.StatusActive {
		return 0, errs.E(errs.Conflict, "requester_inactive", "the requester's account is no longer active")
	}
	reason := grantReason(r)
	if r.Kind == store.RequestCustomer {
		g, err := s.addShare(ctx, tx, a, *r.CustomerID, ShareInput{Principal: access.Principal{Type: access.PrincipalUser, ID: r.RequesterID},
			Level: r.Level, ExpiresAt: &exp, Reason: reason})
		return g.ID, err
	}
	role, _, err := roleByID(ctx, tx, a.TenantID, *r.RoleID)
	if err != nil {
		return 0, err
	}
	// An assignment replaces an earlier one of the same role: approving
	// must never shorten one that lasts longer.
	if held, err := heldUntil(ctx, tx, a.TenantID, r.RequesterID, role.ID, exp); err != nil || held {
		if err == nil {
			err = errs.E(errs.Conflict, "access_already_held", "the requester holds the role %s for at least as long already", role.Key)
		}
		return 0, err
	}
	if err := s.assignWith(ctx, tx, a, r.RequesterID, role.Key, &exp, reason, SoDJustifyInfo{Text: comment, Field: "comment"}, "role"); err != nil {
		return 0, err
	}
	held, err := tx.Assignments(ctx, a.TenantID, r.RequesterID)
	if err != nil {
		return 0, err
	}
	for _, as := range held {
		if as.RoleID == role.ID {
			return as.ID, nil
		}
	}
	return 0, errs.Wrap(errors.New("the assignment just made is missing"), "service.grantRequest")
}

// grantReason is the reason a request's grant carries: the request's
// number and its reason, cut to the 500 characters a grant's reason holds.
func grantReason(r store.AccessRequest) string {
	s := "access request #" + strconv.FormatInt(r.ID, 10) + ": " + r.Reason
	if utf8.RuneCountInString(s) <= 500 {
		return s
	}
	return string([]rune(s)[:499]) + "…"
}

// aboveOwner reports whether the caller is above a customer's owner in the
// manager chain. An unowned customer (in a pool) has nobody above it.
func aboveOwner(ctx context.Context, tx *store.Tx, a *Actor, owner *int64) (bool, error) {
	if owner == nil {
		return false, nil
	}
	seen := map[int64]bool{}
	for cur := *owner; cur != 0 && !seen[cur]; {
		seen[cur] = true
		next, ok, err := tx.ManagerOf(ctx, a.TenantID, cur)
		if err != nil || !ok {
			return false, err
		}
		if next == a.UserID {
			return true, nil
		}
		cur = next
	}
	return false, nil
}

func roleByID(ctx context.Context, tx *store.Tx, tenantID, id int64) (access.Role, bool, error) {
	roles, err := rolesByID(ctx, tx, tenantID)
	r, ok := roles[id]
	return r, ok, err
}

// toDecide lists the pending requests the caller may decide, oldest first.
// Holders of manage_users look at every pending request; anyone else only
// at customer requests for the customers of the people below them.
func (s *Service) toDecide(ctx context.Context, tx *store.Tx, a *Actor, lapse time.Time) ([]store.AccessRequest, error) {
	q := store.AccessRequestQuery{NotBy: a.UserID, Status: store.RequestPending, Lapse: lapse, Limit: 4 * requestListLimit}
	if !a.Subject.Can(access.ManageUsers) {
		below, err := tx.Subordinates(ctx, a.TenantID, a.UserID)
		if err != nil {
			return nil, err
		}
		q.OwnersIn = append([]int64{}, below...)
	}
	rs, err := tx.AccessRequests(ctx, a.TenantID, q)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := []store.AccessRequest{}
	for _, r := range rs {
		if len(out) == requestListLimit {
			break
		}
		if _, err := s.visibleRequest(ctx, tx, a, r.ID); err != nil {
			if errs.KindOf(err) == errs.NotFound {
				continue
			}
			return nil, err
		}
		err := s.mayDecide(ctx, tx, a, r, now)
		switch errs.KindOf(err) {
		case errs.Forbidden, errs.Conflict:
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}
