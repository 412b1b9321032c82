// Package crm holds the customer data Steward protects: customers (accounts)
// and, under each customer, its contacts, deals and activities (follow-ups).
// Child records have no access rules of their own: whoever cannot see the
// customer cannot see anything under it.
package crm

import (
	"time"

	"steward/internal/errs"
	"steward/internal/fieldcheck"
)

// Customer is an account, the unit of record access.
type Customer struct {
	ID             int64     `json:"id"`
	Name           string    `json:"name"`
	Industry       string    `json:"industry"`
	Level          string    `json:"level"`
	Region         string    `json:"region"`
	Source         string    `json:"source"`
	Phone          string    `json:"phone"`
	Email          string    `json:"email"`
	Address        string    `json:"address"`
	Notes          string    `json:"notes"`
	OwnerID        *int64    `json:"owner_id"`
	OwnerDeptID    *int64    `json:"owner_department_id"`
	PoolID         *int64    `json:"pool_id"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	LastActivityAt time.Time `json:"last_activity_at"`
	Custom         Custom    `json:"custom"`
	View
	// DeptPath is the owner department's ancestors, root first. It is what
	// the access engine matches department scopes against; not shown.
	DeptPath []int64 `json:"-"`
}

// Customer levels, A the most valuable.
var Levels = []string{"A", "B", "C", "D"}

// Sources of a customer.
var Sources = []string{"web", "referral", "event", "campaign", "partner", "cold_call", "other"}

// CustomerInput is what a caller may set on a customer; absent fields stay.
type CustomerInput struct {
	Name     *string `json:"name"`
	Industry *string `json:"industry"`
	Level    *string `json:"level"`
	Region   *string `json:"region"`
	Source   *string `json:"source"`
	Phone    *string `json:"phone"`
	Email    *string `json:"email"`
	Address  *string `json:"address"`
	Notes    *string `json:"notes"`
	Custom   Custom  `json:"custom,omitempty"` // custom field values; the service validates them
}

// Apply validates in and copies it onto c. It returns the names of the
// fields that changed, which is what the audit trail records (never values).
func (in CustomerInput) Apply(c *Customer, creating bool) ([]string, error) {
	var changed []string
	set := func(field string, dst *string, v string) {
		if *dst != v {
			*dst = v
			changed = append(changed, field)
		}
	}
	if in.Name != nil || creating {
		v, err := fieldcheck.Name("name", deref(in.Name), 200)
		if err != nil {
			return nil, err
		}
		set("name", &c.Name, v)
	}
	for _, f := range []struct {
		name string
		in   *string
		dst  *string
		max  int
	}{{"industry", in.Industry, &c.Industry, 100}, {"region", in.Region, &c.Region, 100}, {"address", in.Address, &c.Address, 300}} {
		if f.in != nil {
			v, err := fieldcheck.Optional(f.name, *f.in, f.max)
			if err != nil {
				return nil, err
			}
			set(f.name, f.dst, v)
		}
	}
	if in.Level != nil {
		if err := fieldcheck.OneOf("level", *in.Level, true, Levels...); err != nil {
			return nil, err
		}
		set("level", &c.Level, *in.Level)
	}
	if in.Source != nil {
		if err := fieldcheck.OneOf("source", *in.Source, true, Sources...); err != nil {
			return nil, err
		}
		set("source", &c.Source, *in.Source)
	}
	if in.Phone != nil {
		v, err := fieldcheck.Phone("phone", *in.Phone)
		if err != nil {
			return nil, err
		}
		set("phone", &c.Phone, v)
	}
	if in.Email != nil {
		v, err := fieldcheck.Email("email", *in.Email, false)
		if err != nil {
			return nil, err
		}
		set("email", &c.Email, v)
	}
	if in.Notes != nil {
		if err := fieldcheck.Text("notes", *in.Notes, 5000, true); err != nil {
			return nil, err
		}
		set("notes", &c.Notes, *in.Notes)
	}
	return changed, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// checkDate validates a calendar date in YYYY-MM-DD form.
func checkDate(field, s string) error {
	if s == "" {
		return nil
	}
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return errs.Field(field, "invalid_date", "%s must be a date as YYYY-MM-DD", field)
	}
	return nil
}

// Text returns the input's slot for a built-in text field by name (nil for
// any other name), for callers that fill inputs from named cells: forms and
// imports.
func (in *CustomerInput) Text(name string) **string {
	return map[string]**string{"name": &in.Name, "industry": &in.Industry, "level": &in.Level, "region": &in.Region,
		"source": &in.Source, "phone": &in.Phone, "email": &in.Email, "address": &in.Address, "notes": &in.Notes}[name]
}
