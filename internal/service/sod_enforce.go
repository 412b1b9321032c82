package service

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/fieldcheck"
	"steward/internal/store"
)

// Separation of duties is enforced at one gate, enforceSoD, which every
// path that changes who holds what passes through inside its transaction:
// role assignment (assignWith: GrantRole, CreateUser, an approved access
// request), role edits (saveRole), API keys (CreateAPIKey) and a policy
// document's apply, which calls it with all of its roles as one change
// (policy_apply.go).

// minJustification is the shortest justification a justify rule accepts:
// long enough that "ok" or "approved" is not one.
const minJustification = 10

// SoDChange is a change to who holds which roles, as the separation-of-
// duties gate judges it.
type SoDChange struct {
	Grants        []SoDGrant     // roles given to users
	Roles         []access.Role  // roles with new contents (a new role has ID 0 and no holders)
	Field         string         // the input field a refusal names
	Justification SoDJustifyInfo // how the change may be justified
}

// SoDGrant is one role given to one user.
type SoDGrant struct {
	UserID int64
	RoleID int64
}

// SoDJustifyInfo is the justification a change carries, and the input
// field that carries it ("" when the path has none, such as CreateUser).
type SoDJustifyInfo struct {
	Text  string
	Field string
}

// SoDFinding is one conflict a change would add: a user who would break a
// rule they do not break now, or (UserID 0) a role that would break a
// refuse rule by itself, so that nobody could ever be given it.
type SoDFinding struct {
	UserID   int64
	RoleKey  string // the role judged alone
	APIKey   bool   // the user's new API key, judged on its roles
	Conflict access.Conflict
}

// sodState is what the gate needs of a tenant: whether the 三员分立
// profile is on, the rules in force (the tenant's and, while the profile
// is on, its own) and the roles by id.
type sodState struct {
	profile bool
	rules   []access.SoDRule
	roles   map[int64]access.Role
}

// sodStateOf reads the gate's state, first taking the tenant's SoD lock so
// that changes judged on it cannot pass the gate together unseen.
func (s *Service) sodStateOf(ctx context.Context, tx *store.Tx, tenantID int64) (sodState, error) {
	if err := tx.LockSoD(ctx, tenantID); err != nil {
		return sodState{}, err
	}
	return readSoDState(ctx, tx, tenantID)
}

// readSoDState reads the gate's state without the lock, for reports.
func readSoDState(ctx context.Context, tx *store.Tx, tenantID int64) (sodState, error) {
	var st sodState
	var err error
	if st.profile, err = tx.SoDProfile(ctx, tenantID); err != nil {
		return st, err
	}
	stored, err := tx.SoDRules(ctx, tenantID)
	if err != nil {
		return st, err
	}
	for _, r := range stored {
		st.rules = append(st.rules, r.SoDRule)
	}
	if st.profile {
		st.rules = append(st.rules, access.ProfileRules()...)
	}
	st.roles, err = rolesByID(ctx, tx, tenantID)
	return st, err
}

// ungivable returns a function of fns the actor may not give. Nobody gives
// a function they do not hold; while the profile is on, a function of a
// duty in which the actor holds nothing is the exception: the profile's
// rules keep the actor from ever holding it, and without the exception
// nobody could give the other administrators their roles (no one holds
// every function once the profile is on).
func (st sodState) ungivable(a *Actor, fns []access.Function) (access.Function, bool) {
	for _, f := range fns {
		if a.Subject.Can(f) {
			continue
		}
		if d, ok := access.DutyOf(f); ok && st.profile && !slices.ContainsFunc(d.Functions(), a.Subject.Can) {
			continue
		}
		return f, true
	}
	return "", false
}

// sodFindings lists the conflicts a change would add. Each affected user (a
// grantee, or a holder of a changed role) is judged on their unexpired
// roles before and after; a changed role is also judged alone.
func (s *Service) sodFindings(ctx context.Context, tx *store.Tx, tenantID int64, st sodState, ch SoDChange) ([]SoDFinding, error) {
	if len(st.rules) == 0 {
		return nil, nil
	}
	after := make(map[int64]access.Role, len(st.roles))
	for id, r := range st.roles {
		after[id] = r
	}
	var out []SoDFinding
	for _, r := range ch.Roles {
		before := []access.Role{}
		if old, ok := st.roles[r.ID]; ok && r.ID != 0 {
			before = append(before, old)
		}
		for _, c := range access.NewConflicts(st.rules, before, []access.Role{r}) {
			if c.Rule.Mode == access.SoDRefuse {
				out = append(out, SoDFinding{RoleKey: r.Key, Conflict: c})
			}
		}
		if r.ID != 0 {
			after[r.ID] = r
		}
	}
	held, err := s.affectedHolders(ctx, tx, tenantID, ch)
	if err != nil {
		return nil, err
	}
	added := map[int64][]int64{}
	for _, g := range ch.Grants {
		added[g.UserID] = append(added[g.UserID], g.RoleID)
	}
	for _, u := range sortedKeys(held) {
		ids := held[u]
		b, a := pick(st.roles, ids), pick(after, append(slices.Clone(ids), added[u]...))
		for _, c := range access.NewConflicts(st.rules, b, a) {
			out = append(out, SoDFinding{UserID: u, Conflict: c})
		}
	}
	return out, nil
}

// affectedHolders maps every user a change touches to the roles they hold now.
func (s *Service) affectedHolders(ctx context.Context, tx *store.Tx, tenantID int64, ch SoDChange) (map[int64][]int64, error) {
	out, now := map[int64][]int64{}, s.now()
	merge := func(userID, roleID int64) error {
		m, err := tx.HeldRoleIDs(ctx, tenantID, now, userID, roleID)
		for u, ids := range m {
			out[u] = ids
		}
		return err
	}
	for _, g := range ch.Grants {
		if _, ok := out[g.UserID]; !ok {
			out[g.UserID] = []int64{}
			if err := merge(g.UserID, 0); err != nil {
				return nil, err
			}
		}
	}
	for _, r := range ch.Roles {
		if r.ID != 0 {
			if err := merge(0, r.ID); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// pick returns the roles with the given ids (once each), in id order.
func pick(roles map[int64]access.Role, ids []int64) []access.Role {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	out := []access.Role{}
	for _, id := range slices.Compact(ids) {
		if r, ok := roles[id]; ok {
			out = append(out, r)
		}
	}
	return out
}

func sortedKeys[V any](m map[int64]V) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// enforceSoD is the gate. It refuses (409 sod_conflict) a change that
// would break a refuse rule; one that would break a justify rule passes
// only with a justification of at least 10 characters (else 409
// sod_justification_required, or 400 justification_too_short). It returns
// the conflicts a justification let through, which the caller records with
// recordJustified once the grant exists. A justification no rule needs is
// not checked beyond its length limit, nor recorded.
func (s *Service) enforceSoD(ctx context.Context, tx *store.Tx, a *Actor, st sodState, ch SoDChange) ([]SoDFinding, error) {
	found, err := s.sodFindings(ctx, tx, a.TenantID, st, ch)
	if err != nil {
		return nil, err
	}
	return found, judgeSoD(found, ch.Field, ch.Justification)
}

// justification trims a justification and checks its length limit.
func justification(j SoDJustifyInfo) (string, error) {
	field := j.Field
	if field == "" {
		field = "justification"
	}
	return fieldcheck.Optional(field, strings.TrimSpace(j.Text), 500)
}

// judgeSoD decides on the conflicts a change would add (see enforceSoD).
func judgeSoD(found []SoDFinding, field string, reason SoDJustifyInfo) error {
	text, err := justification(reason)
	if err != nil || len(found) == 0 {
		return err
	}
	for _, f := range found {
		if f.Conflict.Rule.Mode == access.SoDRefuse {
			return &errs.Error{Kind: errs.Conflict, Code: "sod_conflict", Field: field, Message: sodRefusal(f, found)}
		}
	}
	switch {
	case reason.Field == "":
		return &errs.Error{Kind: errs.Conflict, Code: "sod_justification_required", Field: field,
			Message: describe(found[0]) + "; the rule allows it with a justification: grant the role through POST /users/{id}/roles with one"}
	case text == "":
		return &errs.Error{Kind: errs.Conflict, Code: "sod_justification_required", Field: reason.Field,
			Message: fmt.Sprintf("%s; the rule allows it with a justification of at least %d characters in %s", describe(found[0]), minJustification, reason.Field)}
	case utf8.RuneCountInString(text) < minJustification:
		return errs.Field(reason.Field, "justification_too_short", "%s; a justification says why in at least %d characters", describe(found[0]), minJustification)
	}
	return nil
}

// roleField is the input field a refusal of a role edit names: the
// permissions when only they change, else the functions.
func roleField(in RoleInput) string {
	if in.Functions == nil && in.Permissions != nil {
		return "permissions"
	}
	return "functions"
}

// keyFindings lists the conflicts of an API key's roles taken together:
// a key is a principal of its own, so a combination a rule separates
// needs its own justification, even when its user's was given.
func keyFindings(st sodState, userID int64, keys []string) []SoDFinding {
	var roles []access.Role
	for _, id := range sortedKeys(st.roles) {
		if slices.Contains(keys, st.roles[id].Key) {
			roles = append(roles, st.roles[id])
		}
	}
	var out []SoDFinding
	for _, c := range access.Conflicts(st.rules, roles) {
		out = append(out, SoDFinding{UserID: userID, APIKey: true, Conflict: c})
	}
	return out
}

// sodRefusal names the refusing rule and what breaks it.
func sodRefusal(f SoDFinding, all []SoDFinding) string {
	msg := describe(f)
	users := 0
	for _, g := range all {
		if g.UserID != 0 && sameRuleOf(g, f) {
			users++
		}
	}
	switch {
	case f.UserID == 0 && users > 0:
		msg += fmt.Sprintf(", and %d of its holders would break the rule", users)
	case f.UserID != 0 && users > 1:
		msg += fmt.Sprintf(" (and %d other users)", users-1)
	}
	return msg + "; the rule refuses it"
}

func sameRuleOf(a, b SoDFinding) bool {
	return a.Conflict.Rule.ID == b.Conflict.Rule.ID && a.Conflict.Rule.Name == b.Conflict.Rule.Name
}

// describe says which rule a finding breaks and through which roles.
func describe(f SoDFinding) string {
	var parts []string
	for _, h := range f.Conflict.Holdings {
		parts = append(parts, string(h.Holding)+" (through "+strings.Join(h.Roles, ", ")+")")
	}
	who := fmt.Sprintf("user %d would hold", f.UserID)
	switch {
	case f.UserID == 0:
		who = "the role " + f.RoleKey + " would give"
	case f.APIKey:
		who = "the API key would hold"
	}
	return fmt.Sprintf("separation-of-duties rule %q: %s %s", f.Conflict.Rule.Name, who, strings.Join(parts, " and "))
}

// recordJustified records each conflict a justification let through, in
// the justifications table and as sod.justified in the audit trail.
func (s *Service) recordJustified(ctx context.Context, tx *store.Tx, a *Actor, found []SoDFinding, kind string, grantID, roleID int64, text string) error {
	text = strings.TrimSpace(text)
	by := a.UserID
	for _, f := range found {
		if f.UserID == 0 {
			continue
		}
		j := store.SoDJustification{RuleID: f.Conflict.Rule.ID, RuleName: f.Conflict.Rule.Name, UserID: f.UserID, RoleID: roleID,
			GrantKind: kind, GrantID: grantID, Justification: text, JustifiedBy: &by, CreatedAt: s.now()}
		if err := tx.AddSoDJustification(ctx, a.TenantID, &j); err != nil {
			return err
		}
		if err := s.rec(ctx, tx, a, event{action: "sod.justified", targetType: "user", targetID: f.UserID, links: store.AuditLinks{User: f.UserID},
			details: map[string]any{"rule_id": j.RuleID, "rule": j.RuleName, "role_id": roleID, "grant_kind": kind, "grant_id": grantID,
				"holdings": f.Conflict.Holdings, "justification": text}}); err != nil {
			return err
		}
	}
	return nil
}
