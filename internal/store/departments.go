package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"steward/internal/errs"
	"steward/internal/org"
)

const deptCols = `id, parent_id, name, depth, path, created_at, updated_at`

func scanDept(sc interface{ Scan(...any) error }, d *org.Department) error {
	var parent sql.NullInt64
	var path string
	var created, updated int64
	if err := sc.Scan(&d.ID, &parent, &d.Name, &d.Depth, &path, &created, &updated); err != nil {
		return err
	}
	d.ParentID = int64Ptr(parent)
	d.Path = parsePath(path)
	d.CreatedAt, d.UpdatedAt = FromMicros(created), FromMicros(updated)
	return nil
}

// Department returns one department of the tenant.
func (t *Tx) Department(ctx context.Context, tenantID, id int64) (org.Department, error) {
	var d org.Department
	row := t.tx.QueryRowContext(ctx, `SELECT `+deptCols+` FROM departments WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err := scanDept(row, &d); err != nil {
		return d, t.notFound(err, "store.Department", "department")
	}
	return d, nil
}

// Departments lists the tenant's departments level by level (by depth, then id).
func (t *Tx) Departments(ctx context.Context, tenantID int64) ([]org.Department, error) {
	rows, err := t.query(ctx, "store.Departments", `SELECT `+deptCols+` FROM departments WHERE tenant_id = $1 ORDER BY depth, id`, tenantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []org.Department
	for rows.Next() {
		var d org.Department
		if err := scanDept(rows, &d); err != nil {
			return nil, errs.Wrap(err, "store.Departments")
		}
		out = append(out, d)
	}
	return out, errs.Wrap(rows.Err(), "store.Departments")
}

// CreateDepartment inserts a department under parent (nil for the root).
func (t *Tx) CreateDepartment(ctx context.Context, tenantID int64, parent *org.Department, name string, now time.Time) (org.Department, error) {
	d := org.Department{Name: name, Depth: 1, CreatedAt: now, UpdatedAt: now}
	var parentID any
	if parent != nil {
		d.ParentID, parentID = &parent.ID, parent.ID
		d.Depth = parent.Depth + 1
	}
	id, err := t.insert(ctx, "store.CreateDepartment",
		`INSERT INTO departments (tenant_id, parent_id, name, depth, path, created_at, updated_at) VALUES ($1, $2, $3, $4, '', $5, $5)`,
		tenantID, parentID, name, d.Depth, Micros(now))
	if err != nil {
		return d, err
	}
	d.ID = id
	if parent != nil {
		d.Path = append(append([]int64{}, parent.Path...), id)
	} else {
		d.Path = []int64{id}
	}
	_, err = t.exec(ctx, "store.CreateDepartment", `UPDATE departments SET path = $1 WHERE id = $2`, formatPath(d.Path), id)
	return d, err
}

// RenameDepartment changes a department's name.
func (t *Tx) RenameDepartment(ctx context.Context, tenantID, id int64, name string, now time.Time) error {
	res, err := t.exec(ctx, "store.RenameDepartment",
		`UPDATE departments SET name = $1, updated_at = $2 WHERE tenant_id = $3 AND id = $4`, name, Micros(now), tenantID, id)
	if err != nil {
		return err
	}
	return affected(res, "department")
}

// MoveDepartment puts dept (with its subtree) under newParent and rewrites
// the paths and depths of the subtree and the ancestor columns of every
// customer owned inside it. The caller has checked for cycles and depth.
func (t *Tx) MoveDepartment(ctx context.Context, tenantID int64, dept, newParent org.Department, now time.Time) error {
	subtree, err := t.subtree(ctx, tenantID, dept)
	if err != nil {
		return err
	}
	if _, err := t.exec(ctx, "store.MoveDepartment", `UPDATE departments SET parent_id = $1, updated_at = $2 WHERE id = $3`,
		newParent.ID, Micros(now), dept.ID); err != nil {
		return err
	}
	oldPrefix := len(dept.Path) - 1
	for _, d := range subtree {
		path := append(append([]int64{}, newParent.Path...), d.Path[oldPrefix:]...)
		if _, err := t.exec(ctx, "store.MoveDepartment", `UPDATE departments SET path = $1, depth = $2 WHERE id = $3`,
			formatPath(path), len(path), d.ID); err != nil {
			return err
		}
		if err := t.setCustomerDeptPath(ctx, tenantID, d.ID, path); err != nil {
			return err
		}
	}
	return nil
}

// subtree returns dept and every department below it.
func (t *Tx) subtree(ctx context.Context, tenantID int64, dept org.Department) ([]org.Department, error) {
	prefix := formatPath(dept.Path)
	rows, err := t.query(ctx, "store.subtree", `SELECT `+deptCols+` FROM departments
		WHERE tenant_id = $1 AND (id = $2 OR path LIKE $3 ESCAPE '\') ORDER BY depth`, tenantID, dept.ID, strings.ReplaceAll(prefix, "_", `\_`)+"/%")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []org.Department
	for rows.Next() {
		var d org.Department
		if err := scanDept(rows, &d); err != nil {
			return nil, errs.Wrap(err, "store.subtree")
		}
		out = append(out, d)
	}
	return out, errs.Wrap(rows.Err(), "store.subtree")
}

// SubtreeDepth returns how many levels the subtree under dept spans (1 for a leaf).
func (t *Tx) SubtreeDepth(ctx context.Context, tenantID int64, dept org.Department) (int, error) {
	sub, err := t.subtree(ctx, tenantID, dept)
	if err != nil {
		return 0, err
	}
	deepest := dept.Depth
	for _, d := range sub {
		deepest = max(deepest, d.Depth)
	}
	return deepest - dept.Depth + 1, nil
}

// DeleteDepartment removes an empty department (no children, users or customers).
func (t *Tx) DeleteDepartment(ctx context.Context, tenantID, id int64) error {
	var n int
	err := t.one(ctx, "store.DeleteDepartment", "department", `SELECT
		(SELECT COUNT(*) FROM departments WHERE tenant_id = $1 AND parent_id = $2) +
		(SELECT COUNT(*) FROM users WHERE tenant_id = $1 AND department_id = $2) +
		(SELECT COUNT(*) FROM customers WHERE tenant_id = $1 AND owner_dept_id = $2)`, []any{tenantID, id}, &n)
	if err != nil {
		return err
	}
	if n > 0 {
		return errs.E(errs.Conflict, "department_not_empty", "the department still has sub-departments, users or customers")
	}
	res, err := t.exec(ctx, "store.DeleteDepartment", `DELETE FROM departments WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err != nil {
		return err
	}
	return affected(res, "department")
}

func formatPath(p []int64) string {
	parts := make([]string, len(p))
	for i, id := range p {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, "/")
}

func parsePath(s string) []int64 {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, "/")
	out := make([]int64, 0, len(parts))
	for _, p := range parts {
		id, _ := strconv.ParseInt(p, 10, 64)
		out = append(out, id)
	}
	return out
}
