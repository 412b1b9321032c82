package store

import (
	"context"
	"time"

	"steward/internal/errs"
	"steward/internal/org"
)

// Groups lists the tenant's groups with their members.
func (t *Tx) Groups(ctx context.Context, tenantID int64) ([]org.Group, error) {
	rows, err := t.query(ctx, "store.Groups", `SELECT id, name, description, created_at FROM groups WHERE tenant_id = $1 ORDER BY name`, tenantID)
	if err != nil {
		return nil, err
	}
	var out []org.Group
	for rows.Next() {
		var g org.Group
		var created int64
		if err := rows.Scan(&g.ID, &g.Name, &g.Description, &created); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "store.Groups")
		}
		g.CreatedAt = FromMicros(created)
		out = append(out, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "store.Groups")
	}
	for i := range out {
		if out[i].Members, err = t.groupMembers(ctx, tenantID, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Group returns one group with its members.
func (t *Tx) Group(ctx context.Context, tenantID, id int64) (org.Group, error) {
	return t.group(ctx, tenantID, id, "")
}

// GroupForUpdate is Group holding the group's row until the transaction
// ends (on PostgreSQL; SQLite has one writer), so that a change made from
// what it read cannot undo another made meanwhile.
func (t *Tx) GroupForUpdate(ctx context.Context, tenantID, id int64) (org.Group, error) {
	lock := ""
	if t.engine == Postgres {
		lock = " FOR UPDATE"
	}
	return t.group(ctx, tenantID, id, lock)
}

func (t *Tx) group(ctx context.Context, tenantID, id int64, lock string) (org.Group, error) {
	var g org.Group
	var created int64
	err := t.one(ctx, "store.Group", "group", `SELECT id, name, description, created_at FROM groups WHERE tenant_id = $1 AND id = $2`+lock,
		[]any{tenantID, id}, &g.ID, &g.Name, &g.Description, &created)
	if err != nil {
		return g, err
	}
	g.CreatedAt = FromMicros(created)
	g.Members, err = t.groupMembers(ctx, tenantID, id)
	return g, err
}

func (t *Tx) groupMembers(ctx context.Context, tenantID, groupID int64) ([]int64, error) {
	rows, err := t.query(ctx, "store.groupMembers", `SELECT user_id FROM group_members WHERE tenant_id = $1 AND group_id = $2 ORDER BY user_id`, tenantID, groupID)
	if err != nil {
		return nil, err
	}
	ids, err := scanIDs(rows, "store.groupMembers")
	if ids == nil {
		ids = []int64{}
	}
	return ids, err
}

// SaveGroup inserts (ID 0) or updates a group and replaces its members.
func (t *Tx) SaveGroup(ctx context.Context, tenantID int64, g *org.Group, now time.Time) error {
	if g.ID == 0 {
		id, err := t.insert(ctx, "store.SaveGroup", `INSERT INTO groups (tenant_id, name, description, created_at) VALUES ($1, $2, $3, $4)`,
			tenantID, g.Name, g.Description, Micros(now))
		if err != nil {
			return nameTaken(err)
		}
		g.ID, g.CreatedAt = id, now
	} else {
		res, err := t.exec(ctx, "store.SaveGroup", `UPDATE groups SET name = $1, description = $2 WHERE tenant_id = $3 AND id = $4`,
			g.Name, g.Description, tenantID, g.ID)
		if err != nil {
			return nameTaken(err)
		}
		if err := affected(res, "group"); err != nil {
			return err
		}
	}
	if _, err := t.exec(ctx, "store.SaveGroup", `DELETE FROM group_members WHERE tenant_id = $1 AND group_id = $2`, tenantID, g.ID); err != nil {
		return err
	}
	for _, uid := range g.Members {
		if _, err := t.exec(ctx, "store.SaveGroup", `INSERT INTO group_members (tenant_id, group_id, user_id) VALUES ($1, $2, $3)`, tenantID, g.ID, uid); err != nil {
			return err
		}
	}
	return nil
}

// DeleteGroup removes a group and its memberships.
func (t *Tx) DeleteGroup(ctx context.Context, tenantID, id int64) error {
	if _, err := t.exec(ctx, "store.DeleteGroup", `DELETE FROM group_members WHERE tenant_id = $1 AND group_id = $2`, tenantID, id); err != nil {
		return err
	}
	res, err := t.exec(ctx, "store.DeleteGroup", `DELETE FROM groups WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err != nil {
		return err
	}
	return affected(res, "group")
}

// UserGroups returns the ids of the groups a user belongs to.
func (t *Tx) UserGroups(ctx context.Context, tenantID, userID int64) ([]int64, error) {
	rows, err := t.query(ctx, "store.UserGroups", `SELECT group_id FROM group_members WHERE tenant_id = $1 AND user_id = $2 ORDER BY group_id`, tenantID, userID)
	if err != nil {
		return nil, err
	}
	return scanIDs(rows, "store.UserGroups")
}

func nameTaken(err error) error {
	if e, ok := err.(*errs.Error); ok && e.Code == "already_exists" {
		return errs.Field("name", "name_taken", "the name is already in use")
	}
	return err
}
