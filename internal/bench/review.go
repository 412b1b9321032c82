package bench

import (
	"context"
	"time"

	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/service"
	"steward/internal/store"
)

// ReviewResult is the measure of access review campaigns over a whole
// tenant (docs/benchmarks.md, "Review campaigns"): each run creates a
// campaign over every user, starts it (which generates its items), has
// the busiest reviewer read a page and certify a batch, takes the
// evidence pack as JSON, CSV and PDF, and closes the campaign keeping what
// is left, so the tenant's grants end as they began.
type ReviewResult struct {
	Users        int       `json:"users"`
	Items        int       `json:"items"`
	RoleItems    int       `json:"role_items"`
	TeamItems    int       `json:"team_items"`
	ShareItems   int       `json:"share_items"`
	Reviewers    int       `json:"reviewers"`
	Generate     []float64 `json:"generate_seconds"`   // POST /reviews/{id}/start
	ItemsPage    []float64 `json:"items_page_seconds"` // the busiest reviewer's first 100 pending items
	Decide       []float64 `json:"decide_seconds"`     // one call certifying DecideBatch items
	DecideBatch  int       `json:"decide_batch"`
	EvidenceJSON []float64 `json:"evidence_json_seconds"`
	EvidenceCSV  []float64 `json:"evidence_csv_seconds"`
	EvidencePDF  []float64 `json:"evidence_pdf_seconds"`
	CSVBytes     int       `json:"evidence_csv_bytes"`
	PDFBytes     int       `json:"evidence_pdf_bytes"`
	Close        []float64 `json:"close_seconds"` // keep: one statement for every undecided item
	CampaignIDs  []int64   `json:"campaign_ids"`
}

// Review runs runs campaigns over the tenant as its first administrator.
func Review(ctx context.Context, db *store.DB, svc *service.Service, tenant string, runs int) (ReviewResult, error) {
	var res ReviewResult
	var t org.Tenant
	if err := db.Read(ctx, func(tx *store.Tx) error {
		var err error
		t, err = tx.TenantBySlug(ctx, tenant)
		return err
	}); err != nil {
		return res, err
	}
	c, err := readCensus(ctx, db, t.ID, svc.Now())
	if err != nil {
		return res, err
	}
	admin, ok := c.firstAdmin()
	if !ok {
		return res, errs.E(errs.NotFound, "no_archetype", "the tenant has no administrator")
	}
	a, err := svc.ActorFor(ctx, t.ID, admin.UserID)
	if err != nil {
		return res, err
	}
	res.Users = len(c.users)
	for range runs {
		if err := reviewRun(ctx, svc, a, &res); err != nil {
			return res, err
		}
	}
	return res, nil
}

func reviewRun(ctx context.Context, svc *service.Service, a *service.Actor, res *ReviewResult) error {
	r, err := svc.CreateReview(ctx, a, service.ReviewInput{Name: "Benchmark review", Scope: service.ReviewScope{All: true},
		Reviewers: service.ReviewerRule{Rule: service.RuleManager}, Deadline: svc.Now().Add(30 * 24 * time.Hour), Undecided: "keep"})
	if err != nil {
		return err
	}
	res.CampaignIDs = append(res.CampaignIDs, r.ID)
	start := time.Now()
	if r, err = svc.StartReview(ctx, a, r.ID); err != nil {
		return err
	}
	res.Generate = append(res.Generate, time.Since(start).Seconds())
	res.Items, res.Reviewers = r.Progress.Total, len(r.ByReviewer)
	if err := decideBatch(ctx, svc, a, r, res); err != nil {
		return err
	}
	start = time.Now()
	ev, err := svc.ReviewEvidenceJSON(ctx, a, r.ID)
	if err != nil {
		return err
	}
	res.EvidenceJSON = append(res.EvidenceJSON, time.Since(start).Seconds())
	countKinds(ev.Items, res)
	start = time.Now()
	csv, _, err := svc.ReviewEvidenceCSV(ctx, a, r.ID)
	if err != nil {
		return err
	}
	res.EvidenceCSV, res.CSVBytes = append(res.EvidenceCSV, time.Since(start).Seconds()), len(csv)
	start = time.Now()
	pdf, _, err := svc.ReviewEvidencePDF(ctx, a, r.ID)
	if err != nil {
		return err
	}
	res.EvidencePDF, res.PDFBytes = append(res.EvidencePDF, time.Since(start).Seconds()), len(pdf)
	start = time.Now()
	if _, err := svc.CloseReview(ctx, a, r.ID); err != nil {
		return err
	}
	res.Close = append(res.Close, time.Since(start).Seconds())
	return nil
}

// countKinds counts the campaign's items of each kind.
func countKinds(items []service.ReviewItem, res *ReviewResult) {
	res.RoleItems, res.TeamItems, res.ShareItems = 0, 0, 0
	for _, it := range items {
		switch it.Kind {
		case store.ReviewRole:
			res.RoleItems++
		case store.ReviewTeam:
			res.TeamItems++
		default:
			res.ShareItems++
		}
	}
}

// decideBatch times the reviewer with the most items reading their first
// page of pending items, then certifying up to 500 of them in one call.
func decideBatch(ctx context.Context, svc *service.Service, a *service.Actor, r service.Review, res *ReviewResult) error {
	var busiest service.ReviewerProgress
	for _, p := range r.ByReviewer {
		if p.ReviewerID != nil && p.Total > busiest.Total {
			busiest = p
		}
	}
	if busiest.ReviewerID == nil {
		return nil
	}
	rev, err := svc.ActorFor(ctx, a.TenantID, *busiest.ReviewerID)
	if err != nil {
		return err
	}
	start := time.Now()
	if _, err := svc.ReviewItems(ctx, rev, r.ID, service.ReviewItemList{Reviewer: "me", Status: "pending", Limit: 100}); err != nil {
		return err
	}
	res.ItemsPage = append(res.ItemsPage, time.Since(start).Seconds())
	p, err := svc.ReviewItems(ctx, rev, r.ID, service.ReviewItemList{Reviewer: "me", Status: "pending", Limit: 500})
	if err != nil {
		return err
	}
	in := service.ReviewDecisionInput{}
	for _, it := range p.Items {
		in.Decisions = append(in.Decisions, service.ItemDecision{ItemID: it.ID, Decision: "certify"})
	}
	start = time.Now()
	if _, err := svc.DecideReviewItems(ctx, rev, r.ID, in); err != nil {
		return err
	}
	res.Decide, res.DecideBatch = append(res.Decide, time.Since(start).Seconds()), len(in.Decisions)
	return nil
}
