package console

import (
	"net/http"
	"slices"
	"strconv"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/errs"
	"steward/internal/fields"
	"steward/internal/service"
)

// The customer page shows each field the user may see, marks the masked
// ones and, where the user may reveal one, offers a button that posts to
// service.RevealCustomer (or RevealContact), which audits every reveal.
// The real value is put into that one response only: it is never stored,
// and reloading the customer shows the mask again.

// fact is one field of a record as the customer page shows it.
type fact struct {
	Name, Label, Value string
	Wide, Prose        bool
	Masked, Revealed   bool
	// RevealURL is where the reveal button posts; empty when the user may
	// not reveal the field or it is not masked.
	RevealURL string
}

// Slug is the fact's name as it goes into element ids.
func (f fact) Slug() string { return field{Name: f.Name}.Slug() }

// factCell is what the "fact" template draws: a value with its badges and
// reveal button, inside a customer's details or a contact's row.
type factCell struct {
	V  *view
	F  fact
	ID string // the value element's id
}

// revealable is the set of fields the user may reveal, from the service's
// explanation of their own access (which already accounts for a customer
// seen only through its pool, whose sensitive fields cannot be revealed).
type revealable map[access.Object]map[string]bool

func revealableOf(ex service.Explanation) revealable {
	out := revealable{}
	for _, d := range ex.Fields {
		if d.Access == access.FieldMasked && d.Reveal {
			if out[d.Object] == nil {
				out[d.Object] = map[string]bool{}
			}
			out[d.Object][d.Field] = true
		}
	}
	return out
}

// facts lists the record's fields the user may see, except skip.
func (v *view) facts(plan []planned, values func(fields.Field) any, can map[string]bool, revealURL, skip string) []fact {
	var out []fact
	for _, p := range plan {
		if p.Mode == leaveOut || p.Key == skip && p.Builtin {
			continue
		}
		name := fieldName(p.Field)
		f := fact{Name: name, Label: v.fieldLabel(p.Field), Value: v.display(p.Field, values(p.Field)),
			Wide: p.Builtin && (p.Key == "address" || p.Key == "notes"), Prose: p.Builtin && p.Key == "notes"}
		if f.Prose && f.Value == "—" {
			continue // no notes: nothing to say
		}
		// An empty value has nothing to mask or reveal.
		f.Masked = p.Masked && f.Value != "—"
		if f.Masked && can[p.Key] {
			f.RevealURL = revealURL
		}
		out = append(out, f)
	}
	return out
}

// customerValue reads a customer's field.
func customerValue(cu crm.Customer) func(fields.Field) any {
	vals := customerValues(cu)
	return func(f fields.Field) any {
		if f.Builtin {
			return vals.Get(f.Key)
		}
		return cu.Custom[f.Key]
	}
}

// contactValue reads a contact's field.
func contactValue(ct crm.Contact) func(fields.Field) any {
	vals := map[string]string{"name": ct.Name, "title": ct.Title, "phone": ct.Phone, "email": ct.Email, "notes": ct.Notes}
	return func(f fields.Field) any {
		if f.Builtin {
			return vals[f.Key]
		}
		return ct.Custom[f.Key]
	}
}

// contactRow is one contact as the customer page lists it.
type contactRow struct {
	ID    int64
	Name  string
	Cells []fact // the columns, in order
}

// contactColumns are the contact fields the list shows when the user may
// see them; notes and custom fields are for a contact's own page.
var contactColumns = []string{"title", "phone", "email"}

func contactRows(v *view, customerID int64, list []crm.Contact, can revealable) ([]contactRow, []string) {
	var cols []fields.Field
	for _, key := range contactColumns {
		if f, ok := v.catalogue().Get(access.Contact, key); ok && v.Shows(access.Contact, key) {
			cols = append(cols, f)
		}
	}
	heads := make([]string, len(cols))
	for i, f := range cols {
		heads[i] = v.fieldLabel(f)
	}
	rows := make([]contactRow, 0, len(list))
	for _, ct := range list {
		plan := planFields(cols, v.act.Subject, ct.View)
		for i := range plan {
			if plan[i].Mode == leaveOut { // keep the columns aligned
				plan[i].Mode = showOnly
			}
		}
		reveal := "/customers/" + strconv.FormatInt(customerID, 10) + "/contacts/" + strconv.FormatInt(ct.ID, 10) + "/reveal"
		rows = append(rows, contactRow{ID: ct.ID, Name: ct.Name, Cells: v.facts(plan, contactValue(ct), can[access.Contact], reveal, "")})
	}
	return rows, heads
}

// reveal puts revealed values into facts, marked as revealed.
func (v *view) reveal(facts []fact, plan []fields.Field, values map[string]any) {
	for i := range facts {
		val, ok := values[facts[i].Name]
		if !ok {
			continue
		}
		j := slices.IndexFunc(plan, func(f fields.Field) bool { return fieldName(f) == facts[i].Name })
		if j < 0 {
			continue
		}
		facts[i].Value, facts[i].Masked, facts[i].Revealed, facts[i].RevealURL = v.display(plan[j], val), false, true, ""
	}
}

// revealCustomer shows the customer page with the asked-for fields revealed.
func (c *Console) revealCustomer(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	p, err := c.loadDetail(r, v, id)
	if err != nil {
		return err
	}
	got, err := c.svc.RevealCustomer(r.Context(), v.act, id, service.RevealRequest{Fields: r.PostForm["field"]})
	return c.showRevealed(w, r, v, p, err, func() {
		v.reveal(p.Facts, v.catalogue().Of(access.Customer), got.Values)
	})
}

// revealContact shows the customer page with fields of one of its listed
// contacts revealed. A contact not listed there is not found: the page
// could not show its values, so nothing is revealed (nor audited).
func (c *Console) revealContact(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	p, err := c.loadDetail(r, v, id)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(p.ContactRows, func(x contactRow) bool { return strconv.FormatInt(x.ID, 10) == r.PathValue("contact") })
	if i < 0 {
		return errs.NotVisible("contact")
	}
	row := p.ContactRows[i]
	got, err := c.svc.RevealContact(r.Context(), v.act, row.ID, service.RevealRequest{Fields: r.PostForm["field"]})
	return c.showRevealed(w, r, v, p, err, func() {
		v.reveal(row.Cells, v.catalogue().Of(access.Contact), got.Values)
	})
}

// showRevealed renders the customer page after a reveal: with the values
// when it succeeded, with the refusal above the details when not. The
// language switch then returns to the customer, not to the reveal.
func (c *Console) showRevealed(w http.ResponseWriter, r *http.Request, v *view, p *detailPage, err error, apply func()) error {
	status := http.StatusOK
	if err == nil {
		apply()
		p.Done = v.T("done.revealed")
	} else {
		var fe *fieldErr
		var ok bool
		if status, fe, ok = c.formError(r, v, err); !ok {
			return err
		}
		p.RevealError = fe.Message
	}
	v.Path = "/customers/" + strconv.FormatInt(p.C.ID, 10)
	p.Activity = c.activityForm(v, nil, nil)
	c.render(w, v, status, "customer", p)
	return nil
}
