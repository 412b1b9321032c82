package console

import (
	"net/http"
	"net/url"
	"strings"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/service"
	"steward/internal/store"
)

// The export form is reached from the customer list and carries the list's
// filters. It offers the fields the user can see, marking those that go
// out masked, and hands the request to service.RequestExport, which checks
// the export scope, the fields and the row limit, and queues the export or
// holds it for approval. Refusals are shown on the form.

// exportFilters are the list parameters an export takes over from the
// list, in the order the form shows them (sort and paging are the
// export's own business).
var exportFilters = []string{"q", "level", "industry", "region", "source"}

// exportFormPage is what the export form template shows.
type exportFormPage struct {
	Filters []filterRow
	ListURL string // back to the list with the same filters
	Form    form
}

// filterRow is one filter of the export as the form states it.
type filterRow struct{ Label, Value string }

// canExport refuses the export pages to a user no role lets export.
func canExport(v *view) error {
	if !v.act.Subject.Holds(access.Customer, access.Export) {
		return errs.E(errs.Forbidden, "forbidden", "no role of yours may export customers")
	}
	return nil
}

func (c *Console) exportForm(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := canExport(v); err != nil {
		return err
	}
	filter := exportFilter(r.URL.Query(), "")
	vals := url.Values{"format": {"csv"}, "fields": visibleFields(v)}
	c.render(w, v, http.StatusOK, "exportform", exportPage(v, filter, vals, nil))
	return nil
}

func (c *Console) requestExport(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := canExport(v); err != nil {
		return err
	}
	filter := exportFilter(r.PostForm, "filter.")
	in := service.ExportRequest{Object: string(access.Customer), Format: r.PostForm.Get("format"), Filter: filter,
		Fields: r.PostForm["fields"], Reason: strings.TrimSpace(r.PostForm.Get("reason"))}
	e, err := c.svc.RequestExport(r.Context(), v.act, in)
	if err == nil {
		done := "queued"
		if e.Status == store.ExportPending {
			done = "pending"
		}
		http.Redirect(w, r, "/exports?done="+done, http.StatusSeeOther)
		return nil
	}
	status, fe, ok := c.formError(r, v, err)
	if !ok {
		return err
	}
	vals := url.Values{"format": {in.Format}, "fields": in.Fields, "reason": {in.Reason}}
	c.render(w, v, status, "exportform", exportPage(v, filter, vals, fe))
	return nil
}

// exportFilter reads the filters from the list's query (prefix "") or from
// the form, which carries them as filter.<name>; empty ones mean "any".
func exportFilter(in url.Values, prefix string) map[string]string {
	out := map[string]string{}
	for _, k := range exportFilters {
		if val := strings.TrimSpace(in.Get(prefix + k)); val != "" {
			out[k] = val
		}
	}
	return out
}

// exportColumn is a customer field the user can see, as the form offers it.
type exportColumn struct {
	Name, Label string
	Masked      bool // it goes out masked
}

// exportColumns are the customer fields the user can see, in catalogue
// order: what an export without a choice of fields takes.
func exportColumns(v *view) []exportColumn {
	var out []exportColumn
	for _, f := range v.catalogue().Of(access.Customer) {
		d := v.act.Subject.Field(access.Customer, f.Key)
		if d.Access == access.FieldHidden {
			continue
		}
		out = append(out, exportColumn{Name: fieldName(f), Label: v.fieldLabel(f), Masked: !d.Access.Readable()})
	}
	return out
}

func visibleFields(v *view) []string {
	var out []string
	for _, col := range exportColumns(v) {
		out = append(out, col.Name)
	}
	return out
}

// exportPage builds the form: the filters stated and carried unseen, the
// format, the fields (masked ones marked) and the reason.
func exportPage(v *view, filter map[string]string, vals url.Values, fe *fieldErr) *exportFormPage {
	v.Title = v.T("export.title")
	p := &exportFormPage{ListURL: "/customers"}
	list := url.Values{}
	f := form{Action: "/customers/export", Submit: v.T("export.submit"), Prefix: "export-"}
	p.Filters = filterRows(v, filter)
	for _, k := range exportFilters {
		if val, ok := filter[k]; ok {
			f.Hidden = append(f.Hidden, hidden{Name: "filter." + k, Value: val})
			list.Set(k, val)
		}
	}
	if len(list) > 0 {
		p.ListURL += "?" + list.Encode()
	}
	format := field{Name: "format", Label: v.T("export.format"), Kind: "select", Value: vals.Get("format"), Required: true,
		Options: []option{{Value: "csv", Label: "CSV"}, {Value: "xlsx", Label: "Excel (XLSX)"}}}
	cols := field{Name: "fields", Label: v.T("export.fields"), Kind: "checkboxes", Values: vals["fields"], Hint: v.T("export.fields.hint")}
	for _, col := range exportColumns(v) {
		label := col.Label
		if col.Masked {
			label += " (" + v.T("export.masked") + ")"
		}
		cols.Options = append(cols.Options, option{Value: col.Name, Label: label})
	}
	reason := field{Name: "reason", Label: v.T("export.reason"), Kind: "textarea", Value: vals.Get("reason"), Max: 500,
		Hint: v.T("export.reason.hint")}
	f.Fields = []field{format, cols, reason}
	f.place(fe)
	p.Form = f
	return p
}
