package service

import (
	"context"
	"strconv"
	"strings"
	"time"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/fields"
	"steward/internal/store"
)

// contactSystemColumns lead a contact export: they carry no personal data.
var contactSystemColumns = []string{"id", "customer_id", "created_at"}

// exportCount counts the rows an export holds: the customers of the
// caller's export scope that match the filter, or their contacts.
func exportCount(ctx context.Context, tx *store.Tx, a *Actor, o access.Object, q store.CustomerQuery) (int64, error) {
	f := a.Subject.Filter(o, access.Export)
	if o == access.Contact {
		return tx.CountContactsOf(ctx, a.TenantID, f, q)
	}
	return tx.CountCustomers(ctx, a.TenantID, f, q)
}

// exportPages reads an export's rows, redacted and rendered as cells, a
// page of customers (or of their contacts) at a time, one page ahead of the
// file writer, so that the database, the redaction and the writer work at
// the same time (on two cores, PostgreSQL and the writer each had one idle
// half the time). stop ends the reading and reports its error.
func (s *Service) exportPages(ctx context.Context, a *Actor, o access.Object, cols []string, q store.CustomerQuery, purpose string) (<-chan [][]string, func() error) {
	ctx, cancel := context.WithCancel(ctx)
	pages := make(chan [][]string, 1)
	done := make(chan struct{})
	var readErr error
	go func() {
		defer close(done)
		defer close(pages)
		f := a.Subject.Filter(o, access.Export)
		q.Limit = exportPage
		for {
			var customers []crm.Customer
			var rows [][]string
			readErr = s.DB.Read(ctx, func(tx *store.Tx) error {
				var err error
				if customers, err = tx.Customers(ctx, a.TenantID, f, q); err != nil {
					return err
				}
				kept, err := s.unrestricted(ctx, tx, a.TenantID, customers)
				if err != nil {
					return err
				}
				rows, err = s.exportRows(ctx, tx, a, o, cols, kept, purpose)
				return err
			})
			if readErr != nil {
				return
			}
			select {
			case pages <- rows:
			case <-ctx.Done():
				return
			}
			if len(customers) < exportPage {
				return
			}
			q.After = &store.Cursor{ID: customers[len(customers)-1].ID}
		}
	}()
	return pages, func() error {
		cancel()
		for range pages { // let a reader blocked on a full channel finish
		}
		<-done
		if readErr == context.Canceled {
			return nil
		}
		return readErr
	}
}

// unrestricted leaves out the customers whose processing a privacy
// request restricted (privacy.go): no export carries them, or their
// contacts.
func (s *Service) unrestricted(ctx context.Context, tx *store.Tx, tenantID int64, cs []crm.Customer) ([]crm.Customer, error) {
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	frozen, err := tx.RestrictedAmong(ctx, tenantID, ids)
	if err != nil || len(frozen) == 0 {
		return cs, err
	}
	out := make([]crm.Customer, 0, len(cs))
	for _, c := range cs {
		if !frozen[c.ID] {
			out = append(out, c)
		}
	}
	return out, nil
}

// exportRows redacts a page of customers, or their contacts, and renders
// each as the export's cells.
// With purpose "marketing", a contact export carries only the contacts
// whose marketing consent stands at given (consents.go).
func (s *Service) exportRows(ctx context.Context, tx *store.Tx, a *Actor, o access.Object, cols []string, cs []crm.Customer, purpose string) ([][]string, error) {
	only, err := s.poolOnlyFlags(ctx, tx, a, cs)
	if err != nil {
		return nil, err
	}
	var out [][]string
	if o == access.Customer {
		for i := range cs {
			a.redactCustomer(&cs[i], only[i])
			c := &cs[i]
			owner := ""
			if c.OwnerID != nil {
				owner = strconv.FormatInt(*c.OwnerID, 10)
			}
			sys := []string{strconv.FormatInt(c.ID, 10), owner, c.CreatedAt.Format(time.RFC3339), c.LastActivityAt.Format(time.RFC3339)}
			out = append(out, cellsOf(sys, customerSlots(c), c.Custom, cols))
		}
		return out, nil
	}
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	contacts, err := tx.ContactsOf(ctx, a.TenantID, ids)
	if err != nil {
		return nil, err
	}
	var consented map[int64]bool
	if purpose != "" {
		var kids []int64
		for _, ks := range contacts {
			for _, k := range ks {
				kids = append(kids, k.ID)
			}
		}
		if consented, err = tx.ConsentGiven(ctx, a.TenantID, purpose, kids); err != nil {
			return nil, err
		}
	}
	for i, c := range cs {
		for _, k := range contacts[c.ID] {
			if purpose != "" && !consented[k.ID] {
				continue
			}
			a.redactContact(&k, only[i])
			sys := []string{strconv.FormatInt(k.ID, 10), strconv.FormatInt(c.ID, 10), k.CreatedAt.Format(time.RFC3339)}
			out = append(out, cellsOf(sys, contactSlots(&k), k.Custom, cols))
		}
	}
	return out, nil
}

// cellsOf is one redacted record's row: its system columns, then the
// asked-for fields (built-in keys or custom.<key>).
func cellsOf(sys []string, slots []slot, custom crm.Custom, cols []string) []string {
	cells := append(make([]string, 0, len(sys)+len(cols)), sys...)
	for _, col := range cols {
		v := ""
		if key, isCustom := strings.CutPrefix(col, "custom."); isCustom {
			v = fields.Display(custom[key])
		} else {
			for _, s := range slots {
				if s.key == key && s.text != nil {
					v = *s.text
				}
			}
		}
		cells = append(cells, v)
	}
	return cells
}
