package httpapi

import (
	"net/http"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/service"
	"steward/internal/store"
)

func (a *API) listCustomers(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	v, err := query(r)
	if err != nil {
		return nil, err
	}
	q, err := service.CustomerList(v)
	if err != nil {
		return nil, err
	}
	return a.svc.Customers(r.Context(), act, q)
}

func (a *API) countCustomers(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	v, err := query(r)
	if err != nil {
		return nil, err
	}
	for _, name := range []string{"cursor", "limit"} {
		if v.Has(name) {
			return nil, service.CountParamError(name)
		}
	}
	q, err := service.CustomerList(v)
	if err != nil {
		return nil, err
	}
	n, err := a.svc.CountCustomers(r.Context(), act, q)
	return CountResponse{Count: n}, err
}

func (a *API) createCustomer(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	var in crm.CustomerInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.CreateCustomer(r.Context(), act, in)
}

func (a *API) getCustomer(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return a.svc.Customer(r.Context(), act, id)
}

func (a *API) updateCustomer(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in crm.CustomerInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.UpdateCustomer(r.Context(), act, id, in)
}

func (a *API) deleteCustomer(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return nil, a.svc.DeleteCustomer(r.Context(), act, id)
}

func (a *API) transferCustomer(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in TransferRequest
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.TransferCustomer(r.Context(), act, id, in.OwnerID)
}

// childList reads the customer id and page of a child list.
func childList(r *http.Request) (int64, store.ChildPage, int, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, store.ChildPage{}, 0, err
	}
	after, limit, err := idPage(r)
	return id, store.ChildPage{After: after, Limit: limit + 1}, limit, err
}

func (a *API) listContacts(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, p, limit, err := childList(r)
	if err != nil {
		return nil, err
	}
	cs, err := a.svc.Contacts(r.Context(), act, id, p)
	return pageOf(cs, limit, func(c crm.Contact) int64 { return c.ID }), err
}

func (a *API) createContact(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in crm.ContactInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.SaveContact(r.Context(), act, id, 0, in)
}

func (a *API) getContact(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return a.svc.Contact(r.Context(), act, id)
}

func (a *API) updateContact(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in crm.ContactInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.SaveContact(r.Context(), act, 0, id, in)
}

func (a *API) deleteContact(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	return a.deleteChild(r, act, access.Contact)
}

func (a *API) deleteChild(r *http.Request, act *service.Actor, o access.Object) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return nil, a.svc.DeleteChild(r.Context(), act, o, id)
}

func (a *API) listDeals(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, p, limit, err := childList(r)
	if err != nil {
		return nil, err
	}
	ds, err := a.svc.Deals(r.Context(), act, id, p)
	return pageOf(ds, limit, func(d crm.Deal) int64 { return d.ID }), err
}

func (a *API) createDeal(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in crm.DealInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.SaveDeal(r.Context(), act, id, 0, in)
}

func (a *API) getDeal(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return a.svc.Deal(r.Context(), act, id)
}

func (a *API) updateDeal(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in crm.DealInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.SaveDeal(r.Context(), act, 0, id, in)
}

func (a *API) deleteDeal(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	return a.deleteChild(r, act, access.Deal)
}

func (a *API) listActivities(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, p, limit, err := childList(r)
	if err != nil {
		return nil, err
	}
	as, err := a.svc.Activities(r.Context(), act, id, p)
	return pageOf(as, limit, func(x crm.Activity) int64 { return x.ID }), err
}

func (a *API) createActivity(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in crm.ActivityInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.SaveActivity(r.Context(), act, id, 0, in)
}

func (a *API) getActivity(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return a.svc.Activity(r.Context(), act, id)
}

func (a *API) updateActivity(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in crm.ActivityInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.SaveActivity(r.Context(), act, 0, id, in)
}

func (a *API) deleteActivity(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	return a.deleteChild(r, act, access.Activity)
}
