package console

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/errs"
	"steward/internal/service"
	"steward/internal/store"
)

// Pools (公海): the list of pools the user belongs to, each pool's
// customers (contact fields masked by the service until claimed), and the
// claim and return actions, which are service.Claim and service.Return with
// their holding cap, cool-down and reasons.

// poolCountCap bounds how far the pool list counts a pool's customers; a
// larger pool shows as "1000+". The service has no count of a pool, so the
// list pages through it, which stays cheap up to this size.
const poolCountCap = 1000

// poolRow is one pool on the list.
type poolRow struct {
	store.StoredPool
	Count       string
	Departments []string
}

// poolsPage is what the pool list shows.
type poolsPage struct {
	Pools     []poolRow
	CanManage bool
	Form      form
	Done      string
}

// visiblePools reads the pools the user may see. A user in no pool, who
// may not manage pools either, has no pool pages at all.
func (c *Console) visiblePools(r *http.Request, v *view) ([]store.StoredPool, error) {
	pools, err := c.svc.Pools(r.Context(), v.act)
	if err != nil {
		return nil, err
	}
	if len(pools) == 0 && !v.act.Subject.Can(access.ManagePools) {
		return nil, errs.NotVisible("page")
	}
	return pools, nil
}

func (c *Console) poolList(w http.ResponseWriter, r *http.Request, v *view) error {
	p, err := c.poolsPage(r, v, nil, nil, nil)
	if err != nil {
		return err
	}
	switch r.URL.Query().Get("done") {
	case "created":
		p.Done = v.T("done.pool")
	case "deleted":
		p.Done = v.T("done.pool.deleted")
	}
	c.render(w, v, http.StatusOK, "pools", p)
	return nil
}

func (c *Console) poolsPage(r *http.Request, v *view, vals map[string]string, depts []string, fe *fieldErr) (*poolsPage, error) {
	pools, err := c.visiblePools(r, v)
	if err != nil {
		return nil, err
	}
	d, err := c.loadDirectory(r.Context(), v.act)
	if err != nil {
		return nil, err
	}
	p := &poolsPage{CanManage: v.act.Subject.Can(access.ManagePools)}
	for _, pl := range pools {
		row := poolRow{StoredPool: pl}
		for _, id := range pl.Departments {
			row.Departments = append(row.Departments, d.deptName(id))
		}
		if row.Count, err = c.poolCount(r, v, pl.ID); err != nil {
			return nil, err
		}
		p.Pools = append(p.Pools, row)
	}
	if p.CanManage {
		p.Form = poolForm(v, d, vals, depts, fe)
	}
	v.Title = v.T("pools.title")
	return p, nil
}

// poolCount counts a pool's customers the user may see, up to poolCountCap.
func (c *Console) poolCount(r *http.Request, v *view, id int64) (string, error) {
	q, err := service.CustomerList(url.Values{"limit": {"200"}})
	if err != nil {
		return "", err
	}
	n := 0
	for n < poolCountCap {
		page, err := c.svc.PoolCustomers(r.Context(), v.act, id, q)
		if err != nil {
			return "", err
		}
		n += len(page.Items)
		if page.NextCursor == nil {
			return strconv.Itoa(n), nil
		}
		if q, err = service.CustomerList(url.Values{"limit": {"200"}, "cursor": {*page.NextCursor}}); err != nil {
			return "", err
		}
	}
	return strconv.Itoa(poolCountCap) + "+", nil
}

func poolForm(v *view, d *directory, vals map[string]string, checked []string, fe *fieldErr) form {
	if vals == nil {
		vals = map[string]string{"holding_cap": "20", "cooldown_days": "7", "auto_return_days": "30"}
	}
	depts := field{Name: "departments", Label: v.T("pool.departments"), Kind: "checkboxes", Required: true, Options: d.deptOptions()}
	depts.Values = checked
	num := func(name string) field {
		return field{Name: name, Label: v.T("pool." + name), Kind: "number", Value: vals[name], Required: true, Max: 5}
	}
	f := form{Action: "/pools", Submit: v.T("pool.create"), Prefix: "pool-", Fields: []field{
		{Name: "name", Label: v.T("field.name"), Kind: "text", Value: vals["name"], Required: true, Max: 100, Autocomplete: "off"},
		num("holding_cap"), num("cooldown_days"), num("auto_return_days"), depts}}
	f.place(fe)
	return f
}

// postedPool reads the pool form.
func postedPool(r *http.Request) (service.PoolInput, map[string]string, []string, error) {
	vals := postedMap(r, "name", "holding_cap", "cooldown_days", "auto_return_days")
	depts := r.PostForm["departments"]
	in := service.PoolInput{Name: vals["name"]}
	for _, n := range []struct {
		name string
		dst  *int
	}{{"holding_cap", &in.HoldingCap}, {"cooldown_days", &in.CooldownDays}, {"auto_return_days", &in.AutoReturnDays}} {
		var err error
		if *n.dst, err = strconv.Atoi(vals[n.name]); err != nil {
			return in, vals, depts, errs.Field(n.name, "invalid_value", "%s must be a whole number", n.name)
		}
	}
	for _, s := range depts {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return in, vals, depts, errs.Field("departments", "invalid_reference", "departments names no department")
		}
		in.Departments = append(in.Departments, id)
	}
	return in, vals, depts, nil
}

func (c *Console) createPool(w http.ResponseWriter, r *http.Request, v *view) error {
	in, vals, depts, err := postedPool(r)
	if err == nil {
		_, err = c.svc.SavePool(r.Context(), v.act, 0, in)
	}
	if err == nil {
		http.Redirect(w, r, "/pools?done=created", http.StatusSeeOther)
		return nil
	}
	status, fe, ok := c.formError(r, v, err)
	if !ok {
		return err
	}
	p, err := c.poolsPage(r, v, vals, depts, fe)
	if err != nil {
		return err
	}
	c.render(w, v, status, "pools", p)
	return nil
}

// poolPage is one pool's customers with a claim button each.
type poolPage struct {
	Pool              store.StoredPool
	Items             []crm.Customer
	NextURL, FirstURL string
	Paged             bool
	CanClaim          bool
	Claim             form // the reason input every claim button shares
	Error, Done       string
	CanManage         bool
	Edit              form // the pool's settings, for holders of manage_pools
}

func (c *Console) poolDetail(w http.ResponseWriter, r *http.Request, v *view) error {
	p, err := c.loadPool(r, v)
	if err != nil {
		return err
	}
	switch r.URL.Query().Get("done") {
	case "returned":
		p.Done = v.T("done.returned")
	case "saved":
		p.Done = v.T("done.pool.saved")
	}
	c.render(w, v, http.StatusOK, "pool", p)
	return nil
}

func (c *Console) loadPool(r *http.Request, v *view) (*poolPage, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, errs.NotVisible("pool")
	}
	pools, err := c.visiblePools(r, v)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(pools, func(p store.StoredPool) bool { return p.ID == id })
	if i < 0 {
		return nil, errs.NotVisible("pool")
	}
	p := &poolPage{Pool: pools[i], CanClaim: slices.Contains(v.act.Subject.PoolIDs(), id)}
	vals := url.Values{}
	if cur := r.URL.Query().Get("cursor"); cur != "" {
		vals.Set("cursor", cur)
		p.Paged = true
	}
	q, err := service.CustomerList(vals)
	if err != nil {
		return nil, err
	}
	base := "/pools/" + strconv.FormatInt(id, 10)
	page, err := c.svc.PoolCustomers(r.Context(), v.act, id, q)
	if errs.KindOf(err) == errs.Invalid {
		p.Error, err = v.lang.errText(errs.As(err)), nil
	}
	if err != nil {
		return nil, err
	}
	p.Items, p.FirstURL = page.Items, base
	if page.NextCursor != nil {
		p.NextURL = base + "?" + url.Values{"cursor": {*page.NextCursor}}.Encode()
	}
	p.Claim = form{Prefix: "claim-", Fields: []field{{Name: "reason", Label: v.T("pool.claim.reason"), Kind: "text", Max: 500, Autocomplete: "off"}}}
	if p.CanManage = v.act.Subject.Can(access.ManagePools); p.CanManage {
		if err := c.editPoolForm(r, v, p, nil, nil, nil); err != nil {
			return nil, err
		}
	}
	v.Title = p.Pool.Name
	return p, nil
}

// editPoolForm is the pool's settings form, filled from the pool or, after
// a refused save, from what was posted.
func (c *Console) editPoolForm(r *http.Request, v *view, p *poolPage, vals map[string]string, depts []string, fe *fieldErr) error {
	d, err := c.loadDirectory(r.Context(), v.act)
	if err != nil {
		return err
	}
	if vals == nil {
		pl := p.Pool
		vals = map[string]string{"name": pl.Name, "holding_cap": strconv.Itoa(pl.HoldingCap), "cooldown_days": strconv.Itoa(pl.CooldownDays),
			"auto_return_days": strconv.Itoa(pl.AutoReturnDays)}
		for _, id := range pl.Departments {
			depts = append(depts, strconv.FormatInt(id, 10))
		}
	}
	p.Edit = poolForm(v, d, vals, depts, fe)
	p.Edit.Action, p.Edit.Submit, p.Edit.Prefix = "/pools/"+strconv.FormatInt(p.Pool.ID, 10), v.T("pool.save"), "edit-pool-"
	return nil
}

// updatePool saves the pool's settings: its name, member departments,
// holding cap, cool-down and auto-return (service.SavePool, audited with
// before and after).
func (c *Console) updatePool(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errs.NotVisible("pool")
	}
	in, vals, depts, err := postedPool(r)
	if err == nil {
		_, err = c.svc.SavePool(r.Context(), v.act, id, in)
	}
	if err == nil {
		http.Redirect(w, r, "/pools/"+strconv.FormatInt(id, 10)+"?done=saved", http.StatusSeeOther)
		return nil
	}
	status, fe, ok := c.formError(r, v, err)
	if !ok {
		return err
	}
	p, err := c.loadPool(r, v)
	if err != nil {
		return err
	}
	if err := c.editPoolForm(r, v, p, vals, depts, fe); err != nil {
		return err
	}
	c.render(w, v, status, "pool", p)
	return nil
}

// deletePool removes an empty pool; one still holding customers is
// refused with the service's reason.
func (c *Console) deletePool(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errs.NotVisible("pool")
	}
	err = c.svc.DeletePool(r.Context(), v.act, id)
	if err == nil {
		http.Redirect(w, r, "/pools?done=deleted", http.StatusSeeOther)
		return nil
	}
	if k := errs.KindOf(err); k != errs.Conflict && k != errs.Invalid {
		return err
	}
	p, lerr := c.loadPool(r, v)
	if lerr != nil {
		return lerr
	}
	p.Error = v.lang.errText(errs.As(err))
	c.render(w, v, http.StatusConflict, "pool", p)
	return nil
}

// claim makes the user the owner of a pool customer and opens its page,
// where the contact fields now show in full.
func (c *Console) claim(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errs.NotVisible("pool")
	}
	cid, _ := strconv.ParseInt(r.PostForm.Get("customer_id"), 10, 64)
	reason := r.PostForm.Get("reason")
	_, err = c.svc.Claim(r.Context(), v.act, id, service.ClaimRequest{CustomerID: cid, Reason: reason})
	if err == nil {
		http.Redirect(w, r, "/customers/"+strconv.FormatInt(cid, 10)+"?done=claimed", http.StatusSeeOther)
		return nil
	}
	status, fe, ok := c.formError(r, v, err)
	if !ok {
		return err
	}
	p, err := c.loadPool(r, v)
	if err != nil {
		return err
	}
	p.Claim.Fields[0].Value = reason
	p.Claim.place(fe)
	c.render(w, v, status, "pool", p)
	return nil
}

// poolPanel is the customer page's pool section: claim a pool customer, or
// return an owned one with a reason.
type poolPanel struct {
	InPool     string // the pool's name, when the customer sits in one
	PoolID     int64
	CanClaim   bool
	CanReturn  bool
	ReturnForm form
	ClaimForm  form
}

// loadPoolPanel offers what the user may do: claiming needs membership of
// the customer's pool; returning needs ownership or the transfer action,
// which Explain has decided.
func (c *Console) loadPoolPanel(r *http.Request, v *view, cu crm.Customer, canTransfer bool) (*poolPanel, error) {
	pools, err := c.svc.Pools(r.Context(), v.act)
	if err != nil {
		return nil, err
	}
	p := &poolPanel{}
	if cu.PoolID != nil {
		p.PoolID = *cu.PoolID
		for _, pl := range pools {
			// An owned customer keeps the pool it came from, as where it
			// returns to by default; it is no longer "in" it.
			if pl.ID == *cu.PoolID && cu.OwnerID == nil {
				p.InPool = pl.Name
			}
		}
	}
	if cu.OwnerID == nil {
		p.CanClaim = cu.PoolID != nil && slices.Contains(v.act.Subject.PoolIDs(), *cu.PoolID)
		p.ClaimForm = form{Action: "/pools/" + strconv.FormatInt(p.PoolID, 10) + "/claim", Submit: v.T("pool.claim"), Prefix: "claim-",
			Hidden: []hidden{{"customer_id", strconv.FormatInt(cu.ID, 10)}},
			Fields: []field{{Name: "reason", Label: v.T("pool.claim.reason"), Kind: "text", Max: 500, Autocomplete: "off"}}}
		return p, nil
	}
	p.CanReturn = len(pools) > 0 && (*cu.OwnerID == v.act.UserID || canTransfer)
	p.ReturnForm = returnForm(v, cu, pools, nil, nil)
	return p, nil
}

func returnForm(v *view, cu crm.Customer, pools []store.StoredPool, vals map[string]string, fe *fieldErr) form {
	pool := field{Name: "pool_id", Label: v.T("pool.return.to"), Kind: "select", Value: vals["pool_id"], Required: true}
	if pool.Value == "" && cu.PoolID != nil {
		pool.Value = strconv.FormatInt(*cu.PoolID, 10)
	}
	for _, p := range pools {
		pool.Options = append(pool.Options, option{Value: strconv.FormatInt(p.ID, 10), Label: p.Name})
	}
	f := form{Action: "/customers/" + strconv.FormatInt(cu.ID, 10) + "/return", Submit: v.T("pool.return"), Prefix: "return-",
		Fields: []field{pool, {Name: "reason", Label: v.T("field.reason"), Kind: "text", Value: vals["reason"], Max: 500, Required: true, Autocomplete: "off"}}}
	f.place(fe)
	return f
}

// returnCustomer puts the customer back in a pool and goes to that pool.
func (c *Console) returnCustomer(w http.ResponseWriter, r *http.Request, v *view) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	vals := postedMap(r, "pool_id", "reason")
	in := service.ReturnRequest{Reason: vals["reason"]}
	if pid, perr := strconv.ParseInt(vals["pool_id"], 10, 64); perr == nil {
		in.PoolID = &pid
	}
	cu, err := c.svc.Return(r.Context(), v.act, id, in)
	if err == nil {
		http.Redirect(w, r, "/pools/"+strconv.FormatInt(*cu.PoolID, 10)+"?done=returned", http.StatusSeeOther)
		return nil
	}
	status, fe, ok := c.formError(r, v, err)
	if !ok {
		return err
	}
	p, err := c.loadDetail(r, v, id)
	if err != nil {
		return err
	}
	pools, err := c.svc.Pools(r.Context(), v.act)
	if err != nil {
		return err
	}
	p.Pool.ReturnForm = returnForm(v, p.C, pools, vals, fe)
	c.render(w, v, status, "customer", p)
	return nil
}
