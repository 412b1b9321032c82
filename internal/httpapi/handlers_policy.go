package httpapi

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"

	"steward/internal/errs"
	"steward/internal/policy"
	"steward/internal/service"
)

// yamlType is the media type of policy documents in YAML.
const yamlType = "application/yaml"

// policyRoutes are policy as code (docs/policy-as-code.md): the tenant's
// roles, rules, pools and separation-of-duties rules as one document.
func policyRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/policy", Summary: "The tenant's access policy as one document, YAML unless ?format=json (manage_roles or view_audit)",
			Query: []Param{{"format", "string", "yaml (default) or json"}}, YAML: true, Response: policy.Document{}, handle: (*API).exportPolicy},
		{Method: "POST", Path: "/policy", Summary: "Apply a policy document, YAML or JSON: the sections it gives become what it says; " +
			"?dry_run=true answers the same report and changes nothing",
			Query: []Param{{"dry_run", "boolean", "make the change, report who gains and loses what, and roll it back"}},
			YAML:  true, Body: policy.Document{}, Response: service.PolicyReport{}, handle: (*API).applyPolicy},
	}
}

func (a *API) exportPolicy(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	v, err := onlyParams(r, "format")
	if err != nil {
		return nil, err
	}
	format := v.Get("format")
	if format != "" && format != "yaml" && format != "json" {
		return nil, errs.Field("format", "invalid_parameter", "format must be yaml or json")
	}
	d, err := a.svc.ExportPolicy(r.Context(), act)
	if err != nil || format == "json" {
		return d, err
	}
	return csvFile{name: "policy.yaml", data: d.YAML(), contentType: yamlType}, nil
}

func (a *API) applyPolicy(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	v, err := onlyParams(r, "dry_run")
	if err != nil {
		return nil, err
	}
	dry := false
	if s := v.Get("dry_run"); s != "" {
		if dry, err = strconv.ParseBool(s); err != nil {
			return nil, errs.Field("dry_run", "invalid_parameter", "dry_run must be true or false")
		}
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != yamlType && mt != "application/x-yaml" && mt != "text/yaml" && mt != jsonType) {
			return nil, errs.E(errs.Invalid, "unsupported_media_type", "send the document as application/yaml or application/json")
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errs.E(errs.TooLarge, "body_too_large", "the request body is larger than %d bytes", MaxBody)
		}
		return nil, errs.E(errs.Invalid, "invalid_yaml", "the request body could not be read")
	}
	doc, err := policy.Parse(body)
	if err != nil {
		return nil, err
	}
	return a.svc.ApplyPolicy(r.Context(), act, doc, dry)
}

// onlyParams parses the query string, refusing a parameter not named and
// one given twice.
func onlyParams(r *http.Request, names ...string) (url.Values, error) {
	v, err := query(r)
	if err != nil {
		return nil, err
	}
	for k, vals := range v {
		known := false
		for _, n := range names {
			known = known || k == n
		}
		if !known {
			return nil, errs.Field(k, "invalid_parameter", "unknown parameter %q", k)
		}
		if len(vals) != 1 {
			return nil, errs.Field(k, "invalid_parameter", "%s may be given once", k)
		}
	}
	return v, nil
}
