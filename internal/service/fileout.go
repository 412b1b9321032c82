package service

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"steward/internal/sheet"
	"steward/internal/store"
)

// RecordFile records in the audit trail a file answered without the sheet
// writer (JSON Lines of the audit trail, for SIEM tools, which take one
// entry per line and so carry no watermark line): its kind, rows and SHA-256.
func (s *Service) RecordFile(ctx context.Context, a *Actor, kind string, rows int, data []byte) error {
	sum := sha256.Sum256(data)
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		return s.rec(ctx, tx, a, event{action: "export.file", targetType: "file", details: map[string]any{
			"kind": kind, "rows": rows, "sha256": hex.EncodeToString(sum[:])}})
	})
}

// CSVFile renders a small file answered at once (the permission matrix, a
// page of the audit trail) with the machinery of exports: a watermark line
// naming who took it and when, every cell neutralised against formula
// injection, and an audit entry with the file's SHA-256 and row count.
func (s *Service) CSVFile(ctx context.Context, a *Actor, kind string, header []string, rows [][]string) ([]byte, error) {
	var b bytes.Buffer
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		t, err := tx.Tenant(ctx, a.TenantID)
		if err != nil {
			return err
		}
		now := s.now()
		wm := sheet.Watermark{ExportID: kind + "_" + now.Format("20060102T150405Z"), Who: a.User.Name + " <" + a.User.Email + ">", Tenant: t.Name, When: now}
		w, err := sheet.NewWriter(&b, sheet.CSV, wm, header, kind)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := w.Write(r); err != nil {
				return err
			}
		}
		if err := w.Close(); err != nil {
			return err
		}
		sum := w.Sum()
		return s.rec(ctx, tx, a, event{action: "export.file", targetType: "file", details: map[string]any{
			"kind": kind, "rows": w.Rows(), "sha256": hex.EncodeToString(sum[:]), "columns": strings.Join(header, ",")}})
	})
	return b.Bytes(), err
}
