package httpapi

import (
	"net/http"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/fields"
	"steward/internal/service"
)

// fieldRoutes are the field catalogue and the reveal of masked values.
func fieldRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/fields", Summary: "The field catalogue, with your access to each field",
			Query: []Param{{"object", "string", "customer, contact, deal or activity (default: all)"}}, Response: service.Page[service.FieldView]{}, handle: (*API).listFields},
		{Method: "POST", Path: "/fields", Summary: "Define a custom field (manage_fields)", Body: service.FieldInput{}, Response: fields.Field{}, Status: http.StatusCreated, handle: (*API).createField},
		{Method: "PATCH", Path: "/fields/{object}/{key}", Summary: "Change a field's labels, options, sensitivity or mask (manage_fields)", Body: service.FieldInput{}, Response: fields.Field{}, handle: (*API).updateField},
		{Method: "DELETE", Path: "/fields/{object}/{key}", Summary: "Remove a custom field with its values and rules (manage_fields)", Status: http.StatusNoContent, handle: (*API).deleteField},
		{Method: "POST", Path: "/customers/{id}/reveal", Summary: "Unmasked values of masked fields, for holders of reveal (audited)", Body: service.RevealRequest{}, Response: service.Revealed{}, handle: (*API).revealCustomer},
		{Method: "POST", Path: "/contacts/{id}/reveal", Summary: "Unmasked values of a contact's masked fields (audited)", Body: service.RevealRequest{}, Response: service.Revealed{}, handle: (*API).revealContact},
	}
}

func (a *API) listFields(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	v, err := query(r)
	if err != nil {
		return nil, err
	}
	for k := range v {
		if k != "object" {
			return nil, errs.Field(k, "invalid_parameter", "unknown parameter %q", k)
		}
	}
	fs, err := a.svc.Fields(r.Context(), act, access.Object(v.Get("object")))
	return service.Page[service.FieldView]{Items: fs}, err
}

func (a *API) createField(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	var in service.FieldInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.SaveField(r.Context(), act, "", "", in)
}

func (a *API) updateField(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	var in service.FieldInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.SaveField(r.Context(), act, access.Object(r.PathValue("object")), r.PathValue("key"), in)
}

func (a *API) deleteField(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	return nil, a.svc.DeleteField(r.Context(), act, access.Object(r.PathValue("object")), r.PathValue("key"))
}

func (a *API) revealCustomer(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in service.RevealRequest
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.RevealCustomer(r.Context(), act, id, in)
}

func (a *API) revealContact(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var in service.RevealRequest
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.RevealContact(r.Context(), act, id, in)
}
