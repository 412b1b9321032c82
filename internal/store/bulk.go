package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"steward/internal/errs"
	"steward/internal/org"
)

// Bulk loading seeds a brand-new tenant with hundreds of thousands of rows
// (`steward seed`). The ordinary methods insert one row per statement inside
// a use case's transaction, which is right for use cases and far too slow
// for a million customers. A BulkLoad instead holds one connection, writes
// each batch in one transaction (multi-row VALUES on SQLite, COPY on
// PostgreSQL) and, when the load dwarfs what is there, rebuilds the
// customers and contacts indexes once at the end instead of row by row.

// BulkLoad is a bulk load of one tenant's rows. It holds a connection until
// Close; on SQLite that is the only writer connection, so the service's
// writes wait until the load is over.
type BulkLoad struct {
	db       *DB
	conn     *sql.Conn
	tenantID int64
	restore  []string         // statements undoing the load's session settings
	dropped  []indexDef       // absent indexes, built before Close returns
	next     map[string]int64 // first id not yet reserved, per table
	keys     *BulkKeys        // seal customers' and contacts' sensitive columns; nil: in clear
}

// BulkPlan is what a load will add. It decides whether dropping and
// rebuilding the indexes pays off.
type BulkPlan struct {
	Customers int
}

// BulkDepartment is a department with an id reserved by ReserveIDs; Path
// runs from the root to the department itself.
type BulkDepartment struct {
	ID, ParentID int64
	Name         string
	Path         []int64
}

// BulkUser is an active user with an id reserved by ReserveIDs. A zero
// ManagerID means none.
type BulkUser struct {
	ID                 int64
	Email, Name, Phone string
	DepartmentID       int64
	ManagerID          int64
}

// BulkAssignment gives a user a role.
type BulkAssignment struct {
	UserID, RoleID int64
	Reason         string
}

// BulkCustomer is a customer with an id reserved by ReserveIDs. DeptPath is
// the owner's department path (root first); its last element becomes the
// owner department and the whole path the ancestor columns.
type BulkCustomer struct {
	ID                            int64
	Name, Industry, Level, Region string
	Source, Phone, Email, Address string
	Notes                         string
	OwnerID                       int64
	DeptPath                      []int64
	CreatedAt, LastActivityAt     time.Time
}

// BulkContact is a contact of one of the tenant's customers; the load
// reserves its id.
type BulkContact struct {
	CustomerID                int64
	Name, Title, Phone, Email string
	CreatedAt                 time.Time
}

// BeginBulk starts a bulk load into the tenant: it takes a connection, tunes
// it for writing in bulk, and drops the customers and contacts indexes when
// the plan at least doubles the customers table. The caller must Close it.
func (db *DB) BeginBulk(ctx context.Context, tenantID int64, plan BulkPlan) (*BulkLoad, error) {
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return nil, errs.Wrap(err, "store.BeginBulk")
	}
	b := &BulkLoad{db: db, conn: conn, tenantID: tenantID, next: map[string]int64{}}
	if err := b.tune(ctx); err != nil {
		return nil, errors.Join(err, b.Close(ctx))
	}
	if err := b.dropIndexes(ctx, plan); err != nil {
		return nil, errors.Join(err, b.Close(ctx))
	}
	return b, nil
}

// bulkTable is a table a bulk load writes and the columns it fills, in the
// order of each row's values.
type bulkTable struct {
	name string
	cols []string
}

var (
	bulkDepartments = bulkTable{"departments", []string{"id", "tenant_id", "parent_id", "name", "depth", "path", "created_at", "updated_at"}}
	bulkUsers       = bulkTable{"users", []string{"id", "tenant_id", "email", "name", "phone", "department_id", "manager_id",
		"status", "password_hash", "created_at", "updated_at"}}
	bulkAssignments = bulkTable{"role_assignments", []string{"tenant_id", "user_id", "role_id", "reason", "created_at"}}
	bulkCustomers   = bulkTable{"customers", []string{"id", "tenant_id", "name", "industry", "level", "region", "source",
		"phone", "email", "address", "notes", "owner_id", "owner_dept_id",
		"dept_l1", "dept_l2", "dept_l3", "dept_l4", "dept_l5", "dept_l6", "dept_l7", "dept_l8",
		"created_at", "updated_at", "last_activity_at", "key_id", "phone_bidx", "email_bidx"}}
	bulkContacts = bulkTable{"contacts", []string{"id", "tenant_id", "customer_id", "name", "title", "phone", "email",
		"created_at", "updated_at", "key_id", "phone_bidx", "email_bidx"}}
)

// Departments inserts departments, parents before their children.
func (b *BulkLoad) Departments(ctx context.Context, ds []BulkDepartment, now time.Time) error {
	vals := make([]any, 0, len(ds)*len(bulkDepartments.cols))
	at := Micros(now)
	for _, d := range ds {
		if len(d.Path) < 2 || len(d.Path) > org.MaxDepth || d.Path[len(d.Path)-1] != d.ID || d.Path[len(d.Path)-2] != d.ParentID {
			return errs.E(errs.Invalid, "invalid_department", "department %d has an inconsistent path", d.ID)
		}
		vals = append(vals, d.ID, b.tenantID, d.ParentID, d.Name, len(d.Path), formatPath(d.Path), at, at)
	}
	return b.write(ctx, bulkDepartments, vals)
}

// Users inserts active users, all with the same password hash (hashing is
// deliberately slow; one hash for every seeded user keeps seeding fast).
// Managers come before the users who report to them.
func (b *BulkLoad) Users(ctx context.Context, us []BulkUser, hash string, now time.Time) error {
	vals := make([]any, 0, len(us)*len(bulkUsers.cols))
	at := Micros(now)
	for _, u := range us {
		vals = append(vals, u.ID, b.tenantID, u.Email, u.Name, u.Phone, u.DepartmentID, zeroNull(u.ManagerID),
			org.StatusActive, hash, at, at)
	}
	return b.write(ctx, bulkUsers, vals)
}

// Assignments gives users roles.
func (b *BulkLoad) Assignments(ctx context.Context, as []BulkAssignment, now time.Time) error {
	vals := make([]any, 0, len(as)*len(bulkAssignments.cols))
	at := Micros(now)
	for _, a := range as {
		vals = append(vals, b.tenantID, a.UserID, a.RoleID, a.Reason, at)
	}
	return b.write(ctx, bulkAssignments, vals)
}

// Customers inserts one batch of customers in one transaction.
func (b *BulkLoad) Customers(ctx context.Context, cs []BulkCustomer) error {
	vals := make([]any, 0, len(cs)*len(bulkCustomers.cols))
	tenant := any(b.tenantID)
	for _, c := range cs {
		n := len(c.DeptPath)
		if n == 0 || n > org.MaxDepth {
			return errs.E(errs.Invalid, "invalid_department", "customer %d has no valid department path", c.ID)
		}
		sec, err := b.keys.seal(b.tenantID, "customers", c.ID, c.Phone, c.Email, c.Address)
		if err != nil {
			return err
		}
		vals = append(vals, c.ID, tenant, c.Name, c.Industry, c.Level, c.Region, c.Source, sec.phone, sec.email,
			sec.address, c.Notes, c.OwnerID, c.DeptPath[n-1])
		for i := range org.MaxDepth {
			if i < n {
				vals = append(vals, c.DeptPath[i])
			} else {
				vals = append(vals, nil)
			}
		}
		created := Micros(c.CreatedAt)
		vals = append(vals, created, created, Micros(c.LastActivityAt), sec.keyID, sec.phoneIdx, sec.emailIdx)
	}
	return b.write(ctx, bulkCustomers, vals)
}

// Contacts inserts one batch of contacts in one transaction, with ids
// reserved for them (a sealed value is bound to its row's id).
func (b *BulkLoad) Contacts(ctx context.Context, cs []BulkContact) error {
	if len(cs) == 0 {
		return nil
	}
	first, err := b.ReserveIDs(ctx, "contacts", len(cs))
	if err != nil {
		return err
	}
	vals := make([]any, 0, len(cs)*len(bulkContacts.cols))
	tenant := any(b.tenantID)
	for i, c := range cs {
		id := first + int64(i)
		sec, err := b.keys.seal(b.tenantID, "contacts", id, c.Phone, c.Email, "")
		if err != nil {
			return err
		}
		at := Micros(c.CreatedAt)
		vals = append(vals, id, tenant, c.CustomerID, c.Name, c.Title, sec.phone, sec.email, at, at, sec.keyID, sec.phoneIdx, sec.emailIdx)
	}
	return b.write(ctx, bulkContacts, vals)
}

func zeroNull(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// write stores rows given as consecutive values in the table's column order.
func (b *BulkLoad) write(ctx context.Context, t bulkTable, vals []any) error {
	if len(vals) == 0 {
		return nil
	}
	var err error
	if b.db.Engine == Postgres {
		err = b.copyRows(ctx, t, vals)
	} else {
		err = b.insertRows(ctx, t, vals)
	}
	if err != nil {
		return (&Tx{engine: b.db.Engine}).classify(err, "store.bulk."+t.name)
	}
	return nil
}

// ReserveIDs reserves n consecutive ids of departments, users or customers
// for rows the load will insert, and returns the first.
func (b *BulkLoad) ReserveIDs(ctx context.Context, table string, n int) (int64, error) {
	if table != "departments" && table != "users" && table != "customers" && table != "contacts" {
		return 0, errs.E(errs.Internal, "invalid_table", "ids of %q are not reserved in bulk", table)
	}
	var first int64
	var err error
	if b.db.Engine == Postgres {
		first, err = b.reservePostgres(ctx, table, n)
	} else {
		first, err = b.reserveSQLite(ctx, table)
	}
	if err != nil {
		return 0, errs.Wrap(err, "store.ReserveIDs")
	}
	first = max(first, b.next[table])
	b.next[table] = first + int64(n)
	return first, nil
}

// Close rebuilds any index still dropped (after a failed load too, so the
// database is never left without them), undoes the session settings and
// releases the connection.
func (b *BulkLoad) Close(ctx context.Context) error {
	// An interrupted seed must still leave its indexes behind.
	ctx = context.WithoutCancel(ctx)
	err := b.BuildIndexes(ctx)
	for _, q := range b.restore {
		if _, e := b.conn.ExecContext(ctx, q); e != nil {
			err = errors.Join(err, errs.Wrap(e, "store.bulk.restore"))
		}
	}
	return errors.Join(err, b.conn.Close())
}

func (b *BulkLoad) tune(ctx context.Context) error {
	var err error
	if b.db.Engine == Postgres {
		err = b.tunePostgres(ctx)
	} else {
		err = b.tuneSQLite(ctx)
	}
	return errs.Wrap(err, "store.bulk.tune")
}
