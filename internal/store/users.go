package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"steward/internal/errs"
	"steward/internal/org"
)

const userCols = `id, email, name, phone, department_id, manager_id, status, created_at, updated_at`

func scanUser(sc interface{ Scan(...any) error }, u *org.User) error {
	var mgr sql.NullInt64
	var created, updated int64
	if err := sc.Scan(&u.ID, &u.Email, &u.Name, &u.Phone, &u.DepartmentID, &mgr, &u.Status, &created, &updated); err != nil {
		return err
	}
	u.ManagerID = int64Ptr(mgr)
	u.CreatedAt, u.UpdatedAt = FromMicros(created), FromMicros(updated)
	return nil
}

// User returns one user of the tenant.
func (t *Tx) User(ctx context.Context, tenantID, id int64) (org.User, error) {
	var u org.User
	row := t.tx.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err := scanUser(row, &u); err != nil {
		return u, t.notFound(err, "store.User", "user")
	}
	return u, nil
}

// UserCredentials returns a user and password hash by tenant and e-mail.
func (t *Tx) UserCredentials(ctx context.Context, tenantID int64, email string) (org.User, string, error) {
	var u org.User
	var hash string
	row := t.tx.QueryRowContext(ctx, `SELECT `+userCols+`, password_hash FROM users WHERE tenant_id = $1 AND email = $2`, tenantID, email)
	var mgr sql.NullInt64
	var created, updated int64
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Phone, &u.DepartmentID, &mgr, &u.Status, &created, &updated, &hash)
	if err != nil {
		return u, "", t.notFound(err, "store.UserCredentials", "user")
	}
	u.ManagerID = int64Ptr(mgr)
	u.CreatedAt, u.UpdatedAt = FromMicros(created), FromMicros(updated)
	return u, hash, nil
}

// UserPage is one page of users.
type UserPage struct {
	After int64 // return users with a larger id
	Limit int
	Query string // matches name or e-mail
}

// Users lists the tenant's users by id.
func (t *Tx) Users(ctx context.Context, tenantID int64, p UserPage) ([]org.User, error) {
	q := `SELECT ` + userCols + ` FROM users WHERE tenant_id = $1 AND id > $2`
	args := []any{tenantID, p.After}
	if p.Query != "" {
		q += ` AND (name ` + t.like() + ` $3 ESCAPE '\' OR email ` + t.like() + ` $3 ESCAPE '\')`
		args = append(args, likePattern(p.Query))
	}
	q += ` ORDER BY id LIMIT ` + itoa(p.Limit)
	rows, err := t.query(ctx, "store.Users", q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []org.User
	for rows.Next() {
		var u org.User
		if err := scanUser(rows, &u); err != nil {
			return nil, errs.Wrap(err, "store.Users")
		}
		out = append(out, u)
	}
	return out, errs.Wrap(rows.Err(), "store.Users")
}

// CreateUser inserts a user with a password hash.
func (t *Tx) CreateUser(ctx context.Context, tenantID int64, u *org.User, hash string, now time.Time) error {
	u.CreatedAt, u.UpdatedAt = now, now
	id, err := t.insert(ctx, "store.CreateUser", `INSERT INTO users
		(tenant_id, email, name, phone, department_id, manager_id, status, password_hash, created_at, updated_at, password_changed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $9)`,
		tenantID, u.Email, u.Name, u.Phone, u.DepartmentID, nullID(u.ManagerID), u.Status, hash, Micros(now))
	if e, ok := err.(*errs.Error); ok && e.Code == "already_exists" {
		return &errs.Error{Kind: errs.Conflict, Code: "email_taken", Field: "email", Message: "a user with this e-mail already exists"}
	}
	u.ID = id
	return err
}

// UpdateUser writes a user's profile fields.
func (t *Tx) UpdateUser(ctx context.Context, tenantID int64, u *org.User, now time.Time) error {
	u.UpdatedAt = now
	res, err := t.exec(ctx, "store.UpdateUser", `UPDATE users SET email = $1, name = $2, phone = $3,
		department_id = $4, manager_id = $5, status = $6, updated_at = $7 WHERE tenant_id = $8 AND id = $9`,
		u.Email, u.Name, u.Phone, u.DepartmentID, nullID(u.ManagerID), u.Status, Micros(now), tenantID, u.ID)
	if err != nil {
		if e, ok := err.(*errs.Error); ok && e.Code == "already_exists" {
			return &errs.Error{Kind: errs.Conflict, Code: "email_taken", Field: "email", Message: "a user with this e-mail already exists"}
		}
		return err
	}
	return affected(res, "user")
}

// SetPasswordHash replaces a user's password hash.
func (t *Tx) SetPasswordHash(ctx context.Context, tenantID, userID int64, hash string) error {
	_, err := t.exec(ctx, "store.SetPasswordHash", `UPDATE users SET password_hash = $1 WHERE tenant_id = $2 AND id = $3`, hash, tenantID, userID)
	return err
}

// ManagerOf returns a user's manager id (0 for none) and whether the user exists.
func (t *Tx) ManagerOf(ctx context.Context, tenantID, userID int64) (int64, bool, error) {
	var mgr sql.NullInt64
	err := t.tx.QueryRowContext(ctx, `SELECT manager_id FROM users WHERE tenant_id = $1 AND id = $2`, tenantID, userID).Scan(&mgr)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, t.classify(err, "store.ManagerOf")
	}
	return mgr.Int64, true, nil
}

// Subordinates returns everyone below userID in the manager chain.
func (t *Tx) Subordinates(ctx context.Context, tenantID, userID int64) ([]int64, error) {
	rows, err := t.query(ctx, "store.Subordinates", `WITH RECURSIVE below(id) AS (
			SELECT id FROM users WHERE tenant_id = $1 AND manager_id = $2
			UNION
			SELECT u.id FROM users u JOIN below b ON u.manager_id = b.id WHERE u.tenant_id = $1
		) SELECT id FROM below ORDER BY id`, tenantID, userID)
	if err != nil {
		return nil, err
	}
	return scanIDs(rows, "store.Subordinates")
}

func scanIDs(rows *sql.Rows, op string) ([]int64, error) {
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, errs.Wrap(err, op)
		}
		out = append(out, id)
	}
	return out, errs.Wrap(rows.Err(), op)
}

// inList renders a list of ids as SQL literals. Ids are int64s, so this
// cannot inject; it keeps long lists out of the parameter limit.
func inList(ids []int64) string {
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(itoa64(id))
	}
	return b.String()
}

// KnownUsers returns which of ids are users of the tenant, in one
// statement whatever their number.
func (t *Tx) KnownUsers(ctx context.Context, tenantID int64, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := t.query(ctx, "store.KnownUsers", `SELECT id FROM users WHERE tenant_id = $1 AND `+t.inIDs("id", "$2"), tenantID, t.idsParam(ids))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, errs.Wrap(err, "store.KnownUsers")
		}
		out[id] = true
	}
	return out, errs.Wrap(rows.Err(), "store.KnownUsers")
}
