package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"steward/internal/errs"
	"steward/internal/store"
)

// The evidence pack of a campaign (GET /reviews/{id}/evidence): every
// item with its decision, reviewer, time and resulting change, as JSON, as
// a CSV file made by the export machinery (watermarked, formula-safe,
// recorded with its SHA-256), or as a PDF summary. People are named;
// customers are given by id, so a pack handed to an auditor shows no
// customer data. Reading it is recorded (review.evidence).

// evidencePage is how many items one query of the pack reads.
const evidencePage = 5000

// ReviewEvidence is a campaign's evidence pack.
type ReviewEvidence struct {
	Review      Review       `json:"review"`
	GeneratedAt time.Time    `json:"generated_at"`
	GeneratedBy int64        `json:"generated_by"`
	Items       []ReviewItem `json:"items" doc:"every item by id; customers by id only (customer_name is empty)"`
}

// ReviewEvidenceJSON returns a campaign's evidence pack, for holders of
// run_reviews or view_audit.
func (s *Service) ReviewEvidenceJSON(ctx context.Context, a *Actor, id int64) (ReviewEvidence, error) {
	ev, err := s.reviewEvidence(ctx, a, id)
	if err != nil {
		return ev, err
	}
	return ev, s.recordEvidence(ctx, a, id, "json", len(ev.Items), nil)
}

// ReviewEvidenceCSV returns the pack as a CSV file and its name.
func (s *Service) ReviewEvidenceCSV(ctx context.Context, a *Actor, id int64) ([]byte, string, error) {
	ev, err := s.reviewEvidence(ctx, a, id)
	if err != nil {
		return nil, "", err
	}
	header := []string{"item_id", "user_id", "user", "kind", "role", "customer_id", "level", "reason", "granted_by", "granted_at",
		"expires_at", "last_exercised_at", "reviewer_id", "escalated_from", "status", "comment", "decided_by", "decided_at", "change"}
	rows := make([][]string, 0, len(ev.Items))
	for _, it := range ev.Items {
		rows = append(rows, []string{i64s(it.ID), i64s(it.UserID), it.UserName, it.Kind, it.Role, ptrs(it.CustomerID), it.Level, it.Reason,
			ptrs(it.GrantedBy), it.GrantedAt.Format(time.RFC3339), times(it.ExpiresAt), times(it.LastExercisedAt), ptrs(it.ReviewerID),
			ptrs(it.EscalatedFrom), it.Status, it.Comment, ptrs(it.DecidedBy), times(it.DecidedAt), it.Change})
	}
	data, err := s.CSVFile(ctx, a, "review-evidence", header, rows)
	if err != nil {
		return nil, "", err
	}
	return data, fmt.Sprintf("review-%d-evidence.csv", id), s.recordEvidence(ctx, a, id, "csv", len(rows), data)
}

// ReviewEvidencePDF returns the pack's summary as a PDF and its name.
func (s *Service) ReviewEvidencePDF(ctx context.Context, a *Actor, id int64) ([]byte, string, error) {
	ev, err := s.reviewEvidence(ctx, a, id)
	if err != nil {
		return nil, "", err
	}
	data, err := evidencePDF(ev)
	if err != nil {
		return nil, "", err
	}
	return data, fmt.Sprintf("review-%d-evidence.pdf", id), s.recordEvidence(ctx, a, id, "pdf", len(ev.Items), data)
}

// reviewEvidence reads a campaign and all its items.
func (s *Service) reviewEvidence(ctx context.Context, a *Actor, id int64) (ReviewEvidence, error) {
	ev := ReviewEvidence{GeneratedAt: s.now(), GeneratedBy: a.UserID, Items: []ReviewItem{}}
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		c, err := s.visibleReview(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if !overseesReviews(a) {
			return errs.E(errs.Forbidden, "forbidden", "the evidence pack needs run_reviews or view_audit")
		}
		if ev.Review, err = s.reviewView(ctx, tx, a, c, true); err != nil {
			return err
		}
		for after := int64(0); ; {
			its, err := tx.ReviewItems(ctx, a.TenantID, id, store.ReviewItemQuery{After: after, Limit: evidencePage})
			if err != nil {
				return err
			}
			for _, it := range its {
				ev.Items = append(ev.Items, itemView(it))
			}
			if len(its) < evidencePage {
				return nil
			}
			after = its[len(its)-1].ID
		}
	})
	return ev, err
}

// recordEvidence records that the pack was taken, in which format, with
// how many items and, for a file, its SHA-256.
func (s *Service) recordEvidence(ctx context.Context, a *Actor, id int64, format string, items int, data []byte) error {
	details := map[string]any{"format": format, "items": items}
	if data != nil {
		sum := sha256.Sum256(data)
		details["sha256"] = hex.EncodeToString(sum[:])
	}
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		return s.rec(ctx, tx, a, event{action: "review.evidence", targetType: "review", targetID: id, details: details})
	})
}

func i64s(v int64) string { return strconv.FormatInt(v, 10) }

func ptrs(p *int64) string {
	if p == nil {
		return ""
	}
	return i64s(*p)
}

func times(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.RFC3339)
}
