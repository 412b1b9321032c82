package httpapi

import (
	"bytes"
	"io"
	"net/http"
	"strconv"

	"steward/internal/errs"
	"steward/internal/service"
)

const pdfType = "application/pdf"

// reviewItemParams are the parameters of a campaign's item list.
var reviewItemParams = []Param{
	{"reviewer", "string", "me, or a reviewer's user id (run_reviews or view_audit)"},
	{"status", "string", "pending (escalated included), escalated, decided, certify, revoke, expired-kept or expired-revoked"},
	{"kind", "string", "role, team or share"},
	{"user_id", "integer", "only this user's access"},
	{"limit", "integer", "page size, 1-500 (default 100)"},
	{"cursor", "string", "next_cursor of the previous page"},
}

func reviewRoutes() []Route {
	return []Route{
		{Method: "POST", Path: "/reviews", Summary: "Create an access review campaign (run_reviews); it starts with POST /reviews/{id}/start",
			Body: service.ReviewInput{}, Response: service.Review{}, Status: http.StatusCreated, handle: (*API).createReview},
		{Method: "GET", Path: "/reviews", Summary: "Access review campaigns, newest first: all (run_reviews, view_audit) or those you review items of",
			Response: service.Page[service.Review]{}, handle: (*API).listReviews},
		{Method: "GET", Path: "/reviews/{id}", Summary: "One campaign with its progress per reviewer", Response: service.Review{}, handle: (*API).getReview},
		{Method: "POST", Path: "/reviews/{id}/start", Summary: "Start a draft campaign: an item for each current role assignment, team place and share of everyone in scope",
			Response: service.Review{}, handle: (*API).startReview},
		{Method: "POST", Path: "/reviews/{id}/close", Summary: "Close a campaign now: undecided items get the policy's final outcome",
			Response: service.Review{}, handle: (*API).closeReview},
		{Method: "GET", Path: "/reviews/{id}/items", Summary: "A campaign's items by id: yours to review, or all (run_reviews, view_audit)",
			Query: reviewItemParams, Response: service.Page[service.ReviewItem]{}, handle: (*API).listReviewItems},
		{Method: "POST", Path: "/reviews/{id}/items/decide", Summary: "Certify or revoke items assigned to you, all or none; a revocation takes effect at once",
			Body: service.ReviewDecisionInput{}, Response: service.ReviewDecided{}, handle: (*API).decideReviewItems},
		{Method: "GET", Path: "/reviews/{id}/evidence", Summary: "The evidence pack: every item, decision, reviewer, time and change (?format=json, csv or pdf; run_reviews, view_audit)",
			Query: []Param{{"format", "string", "json (default), csv or pdf (a summary)"}}, Response: service.ReviewEvidence{}, CSV: true,
			Files: []string{pdfType}, handle: (*API).reviewEvidence},
	}
}

func (a *API) createReview(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	var in service.ReviewInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.CreateReview(r.Context(), act, in)
}

func (a *API) listReviews(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	if err := noParams(r); err != nil {
		return nil, err
	}
	rs, err := a.svc.Reviews(r.Context(), act)
	return service.Page[service.Review]{Items: rs}, err
}

func (a *API) getReview(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := reviewID(r)
	if err != nil {
		return nil, err
	}
	return a.svc.ReviewByID(r.Context(), act, id)
}

func (a *API) startReview(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := reviewID(r)
	if err != nil {
		return nil, err
	}
	return a.svc.StartReview(r.Context(), act, id)
}

func (a *API) closeReview(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := reviewID(r)
	if err != nil {
		return nil, err
	}
	return a.svc.CloseReview(r.Context(), act, id)
}

// reviewID reads the campaign id of a route that takes no parameters.
func reviewID(r *http.Request) (int64, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, err
	}
	return id, noParams(r)
}

func (a *API) listReviewItems(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	v, err := query(r)
	if err != nil {
		return nil, err
	}
	var q service.ReviewItemList
	for k, vals := range v {
		if len(vals) != 1 {
			return nil, errs.Field(k, "invalid_parameter", "%s may be given once", k)
		}
		switch val := vals[0]; k {
		case "reviewer":
			q.Reviewer = val
		case "status":
			q.Status = val
		case "kind":
			q.Kind = val
		case "cursor":
			q.Cursor = val
		case "user_id", "limit":
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil || n <= 0 {
				return nil, errs.Field(k, "invalid_parameter", "%s must be a positive integer", k)
			}
			if k == "limit" {
				q.Limit = int(min(n, 1<<20))
			} else {
				q.UserID = n
			}
		default:
			return nil, errs.Field(k, "invalid_parameter", "unknown parameter %q", k)
		}
	}
	return a.svc.ReviewItems(r.Context(), act, id, q)
}

func (a *API) decideReviewItems(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := reviewID(r)
	if err != nil {
		return nil, err
	}
	var in service.ReviewDecisionInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	return a.svc.DecideReviewItems(r.Context(), act, id, in)
}

func (a *API) reviewEvidence(w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	v, err := query(r)
	if err != nil {
		return nil, err
	}
	for k := range v {
		if k != "format" {
			return nil, errs.Field(k, "invalid_parameter", "unknown parameter %q", k)
		}
	}
	switch v.Get("format") {
	case "", "json":
		return a.svc.ReviewEvidenceJSON(r.Context(), act, id)
	case "csv":
		data, name, err := a.svc.ReviewEvidenceCSV(r.Context(), act, id)
		return csvFile{name: name, data: data}, err
	case "pdf":
		data, name, err := a.svc.ReviewEvidencePDF(r.Context(), act, id)
		if err != nil {
			return nil, err
		}
		return fileStream{name: name, contentType: pdfType, write: func(w io.Writer) error {
			_, err := io.Copy(w, bytes.NewReader(data))
			return err
		}}, nil
	}
	return nil, errs.Field("format", "invalid_parameter", "format must be json, csv or pdf")
}
