package service

import (
	"maps"
	"slices"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/store"
)

// checkQuery holds a list's sort, filters and search to the fields the
// actor may read, so that no query acts as an oracle for a value they see
// masked or not at all. Sorting or filtering on such a field is refused,
// naming it; the free-text search q covers only the fields they can read.
func (a *Actor) checkQuery(q *store.CustomerQuery) error {
	readable := func(key string) access.FieldDecision { return a.Subject.Field(access.Customer, key) }
	// Role scope other than "all" never covers an unowned customer, so
	// without it any pool customer in the list may be one seen only through
	// the pool, with its sensitive fields masked (masking.go): such fields
	// match owned customers only, and do not order a list (its order, and
	// the cursor, would give the masked values away).
	poolMasked := !slices.Contains(a.Subject.ScopesFor(access.Customer, access.View), access.All)
	if _, ok := a.catalogue().Get(access.Customer, q.Sort); ok {
		if d := readable(q.Sort); !d.Access.Readable() {
			return errs.Field("sort", "field_not_readable", "you may not sort by %s: your access to it is %s", q.Sort, d.Access)
		} else if poolMasked && d.Sensitive {
			return errs.Field("sort", "field_not_readable", "you may not sort by %s: it is sensitive, and masked on the pool customers you see", q.Sort)
		}
	}
	q.EqualsOwnedOnly = nil
	for _, col := range slices.Sorted(maps.Keys(q.Equals)) {
		d := readable(col)
		if !d.Access.Readable() {
			return errs.Field(col, "field_not_readable", "you may not filter on %s: your access to it is %s", col, d.Access)
		}
		if poolMasked && d.Sensitive {
			q.EqualsOwnedOnly = append(q.EqualsOwnedOnly, col)
		}
	}
	q.TextColumns, q.TextOwnedOnly = nil, nil
	for _, col := range store.TextSearchColumns {
		d := readable(col)
		if !d.Access.Readable() {
			continue
		}
		q.TextColumns = append(q.TextColumns, col)
		if poolMasked && d.Sensitive {
			q.TextOwnedOnly = append(q.TextOwnedOnly, col)
		}
	}
	if q.Text != "" && len(q.TextColumns) == 0 {
		return errs.Field("q", "field_not_readable", "you may not search: you can read none of %v", store.TextSearchColumns)
	}
	return nil
}
