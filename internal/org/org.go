// Package org holds the people side of a tenant: tenants, departments, users
// and groups, and the rules that keep them consistent (a department tree
// without cycles, a manager chain without cycles, one e-mail per tenant).
package org

import (
	"regexp"
	"time"

	"steward/internal/errs"
	"steward/internal/fieldcheck"
)

// MaxDepth is the deepest a department may sit (the root is depth 1).
// Customers carry their owner department's ancestors in one column per level,
// so that every department subtree is one ordered index range
// (see docs/architecture.md); the price is this fixed maximum.
const MaxDepth = 8

// Tenant is one organisation. Nothing crosses tenants.
type Tenant struct {
	ID        int64     `json:"id"`
	Slug      string    `json:"slug"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)

// CheckSlug validates a tenant slug: lower-case letters, digits and dashes.
func CheckSlug(slug string) error {
	if !slugRE.MatchString(slug) {
		return errs.Field("tenant", "invalid_slug", "tenant must be 2-63 lower-case letters, digits or dashes")
	}
	return nil
}

// Department is a node of the tenant's org tree.
type Department struct {
	ID        int64     `json:"id"`
	ParentID  *int64    `json:"parent_id"`
	Name      string    `json:"name"`
	Depth     int       `json:"depth"`
	Path      []int64   `json:"path"` // ancestors from the root down to this department
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// DepartmentInput is what a caller may set on a department.
type DepartmentInput struct {
	Name     *string `json:"name"`
	ParentID *int64  `json:"parent_id"`
}

// User status values.
const (
	StatusActive      = "active"
	StatusSuspended   = "suspended"
	StatusDeactivated = "deactivated"
)

// User is a person who signs in to a tenant.
type User struct {
	ID           int64     `json:"id"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	Phone        string    `json:"phone"`
	DepartmentID int64     `json:"department_id"`
	ManagerID    *int64    `json:"manager_id"`
	Status       string    `json:"status"`
	Roles        []string  `json:"roles"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// UserInput is what a caller may set on a user. Password and Roles are used
// on creation only; roles change afterwards through role assignments.
type UserInput struct {
	Email        *string   `json:"email"`
	Name         *string   `json:"name"`
	Phone        *string   `json:"phone"`
	Password     *string   `json:"password"`
	DepartmentID *int64    `json:"department_id"`
	ManagerID    *int64    `json:"manager_id"`
	Status       *string   `json:"status"`
	Roles        *[]string `json:"roles"`
}

// Apply validates in and copies it onto u. Fields that are absent stay as
// they are; creating requires email, name and department.
func (in UserInput) Apply(u *User, creating bool) error {
	if in.Email != nil || creating {
		e, err := fieldcheck.Email("email", deref(in.Email), true)
		if err != nil {
			return err
		}
		u.Email = e
	}
	if in.Name != nil || creating {
		n, err := fieldcheck.Name("name", deref(in.Name), 100)
		if err != nil {
			return err
		}
		u.Name = n
	}
	if in.Phone != nil {
		p, err := fieldcheck.Phone("phone", *in.Phone)
		if err != nil {
			return err
		}
		u.Phone = p
	}
	if in.DepartmentID != nil {
		u.DepartmentID = *in.DepartmentID
	} else if creating {
		return errs.Field("department_id", "field_required", "department_id is required")
	}
	if in.ManagerID != nil {
		if *in.ManagerID == 0 {
			u.ManagerID = nil
		} else {
			m := *in.ManagerID
			u.ManagerID = &m
		}
	}
	if in.Status != nil {
		if err := fieldcheck.OneOf("status", *in.Status, false, StatusActive, StatusSuspended, StatusDeactivated); err != nil {
			return err
		}
		u.Status = *in.Status
	} else if creating {
		u.Status = StatusActive
	}
	return nil
}

// Group is a named set of users across departments.
type Group struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Members     []int64   `json:"members"`
	CreatedAt   time.Time `json:"created_at"`
}

// GroupInput is what a caller may set on a group.
type GroupInput struct {
	Name        *string  `json:"name"`
	Description *string  `json:"description"`
	Members     *[]int64 `json:"members"`
}

// Apply validates in and copies it onto g.
func (in GroupInput) Apply(g *Group, creating bool) error {
	if in.Name != nil || creating {
		n, err := fieldcheck.Name("name", deref(in.Name), 100)
		if err != nil {
			return err
		}
		g.Name = n
	}
	if in.Description != nil {
		d, err := fieldcheck.Optional("description", *in.Description, 500)
		if err != nil {
			return err
		}
		g.Description = d
	}
	if in.Members != nil {
		g.Members = dedupe(*in.Members)
	}
	return nil
}

// ManagerCycle reports whether making managerID the manager of userID would
// close a loop, given each user's current manager.
func ManagerCycle(userID, managerID int64, managerOf func(int64) (int64, bool)) bool {
	seen := map[int64]bool{}
	for cur := managerID; cur != 0; {
		if cur == userID || seen[cur] {
			return true
		}
		seen[cur] = true
		next, ok := managerOf(cur)
		if !ok {
			return false
		}
		cur = next
	}
	return false
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func dedupe(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
