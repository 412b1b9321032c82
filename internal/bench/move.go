package bench

import (
	"cmp"
	"context"
	"slices"
	"time"

	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/service"
	"steward/internal/store"
)

// MoveResult is the measure of one director's move: previewed several
// times, applied, then moved back (applied again) so that the tenant ends
// as it began.
type MoveResult struct {
	DirectorID     int64     `json:"director_id"`
	SubtreeOwned   int       `json:"subtree_customers"` // customers owned by the director's reports, transitively
	FromDepartment int64     `json:"from_department_id"`
	ToDepartment   int64     `json:"to_department_id"`
	Preview        []float64 `json:"preview_seconds"`
	Apply          float64   `json:"apply_seconds"`
	MoveBack       float64   `json:"move_back_seconds"`
	UsersAffected  int       `json:"users_affected"`
	MostGained     int64     `json:"most_customers_gained_by_one_user"`
	MostLost       int64     `json:"most_customers_lost_by_one_user"`
}

// Move measures the move of the division head (the head of a department
// at depth 2: their manager sits elsewhere) whose division owns closest to
// want customers: to another division, under that division's head, with
// their customers following them. Moved under a new chain, the whole
// subtree changes hands: the new head gains it and the old chain loses it.
func Move(ctx context.Context, db *store.DB, svc *service.Service, tenant string, want, previews int) (MoveResult, error) {
	var res MoveResult
	var t org.Tenant
	if err := db.Read(ctx, func(tx *store.Tx) error {
		var err error
		t, err = tx.TenantBySlug(ctx, tenant)
		return err
	}); err != nil {
		return res, err
	}
	c, err := readCensus(ctx, db, t.ID, svc.Now())
	if err != nil {
		return res, err
	}
	var heads []org.User
	for _, u := range c.users {
		d := c.depts[u.DepartmentID]
		if d.Depth == 2 && (u.ManagerID == nil || c.byID[*u.ManagerID].DepartmentID != u.DepartmentID) {
			heads = append(heads, u)
		}
	}
	if len(heads) < 2 {
		return res, errs.E(errs.NotFound, "no_archetype", "the tenant needs two division heads")
	}
	dist := func(u org.User) int { return abs(c.subtree[u.DepartmentID] - want) }
	slices.SortFunc(heads, func(a, b org.User) int { return cmp.Or(cmp.Compare(dist(a), dist(b)), cmp.Compare(a.ID, b.ID)) })
	director, target := heads[0], heads[1]
	admin, ok := c.firstAdmin()
	if !ok {
		return res, errs.E(errs.NotFound, "no_archetype", "the tenant has no administrator")
	}
	a, err := svc.ActorFor(ctx, t.ID, admin.UserID)
	if err != nil {
		return res, err
	}
	res.DirectorID, res.FromDepartment, res.ToDepartment = director.ID, director.DepartmentID, target.DepartmentID
	res.SubtreeOwned = c.subtree[director.DepartmentID] - c.owned[director.ID]
	there := service.MoveInput{DepartmentID: &target.DepartmentID, ManagerID: &target.ID, Records: "follow"}
	back := service.MoveInput{DepartmentID: &director.DepartmentID, ManagerID: director.ManagerID, Records: "follow"}
	if back.ManagerID == nil {
		none := int64(0)
		back.ManagerID = &none
	}
	for range previews {
		start := time.Now()
		rep, err := svc.MoveUser(ctx, a, director.ID, there, true)
		if err != nil {
			return res, err
		}
		res.Preview = append(res.Preview, time.Since(start).Seconds())
		res.UsersAffected = len(rep.AccessChanges)
		for _, ch := range rep.AccessChanges {
			res.MostGained = max(res.MostGained, ch.Gained.Customers)
			res.MostLost = max(res.MostLost, ch.Lost.Customers)
		}
	}
	start := time.Now()
	if _, err := svc.MoveUser(ctx, a, director.ID, there, false); err != nil {
		return res, err
	}
	res.Apply = time.Since(start).Seconds()
	start = time.Now()
	if _, err := svc.MoveUser(ctx, a, director.ID, back, false); err != nil {
		return res, err
	}
	res.MoveBack = time.Since(start).Seconds()
	return res, nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
