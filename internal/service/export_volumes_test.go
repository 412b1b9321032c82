package service_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"steward/internal/errs"
	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// TestExportVolumes: exports asked for over three days, and one 40 days
// before, are counted per UTC day and state over the last 30 days, the
// same on every engine; only approvers may read them.
func TestExportVolumes(t *testing.T) {
	got := map[store.Engine]service.ExportVolumes{}
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			f := newExportFixture(t, e)
			today := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
			req := service.ExportRequest{Object: "customer", Format: "csv", Fields: []string{"name"}}
			at := func(ts time.Time) { f.svc.Wait(); *f.now = ts }

			at(today.AddDate(0, 0, -40))
			must[store.Export](t)(f.svc.RequestExport(ctx, f.manager, req)) // outside the 30 days
			at(today.AddDate(0, 0, -2).Add(10 * time.Hour))
			must[store.Export](t)(f.svc.RequestExport(ctx, f.manager, req)) // done, 3 rows
			at(today.Add(-time.Second))                                     // 23:59:59 the day before
			set := service.DefaultExportSettings()
			set.ApprovalThreshold = 0
			must[store.ExportSettings](t)(f.svc.SaveExportSettings(ctx, f.admin, set))
			refused := must[store.Export](t)(f.svc.RequestExport(ctx, f.manager, req))
			must[store.Export](t)(f.svc.RequestExport(ctx, f.manager, req))
			must[store.Export](t)(f.svc.DecideExport(ctx, f.admin, refused.ID, false, "not now"))
			at(today) // midnight: today's first moment
			must[store.Export](t)(f.svc.RequestExport(ctx, f.manager, req))
			at(today.Add(9 * time.Hour))

			v := must[service.ExportVolumes](t)(f.svc.ExportVolumes(ctx, f.admin, 30))
			if len(v.Items) != 30 || v.From != "2026-05-03" || v.To != "2026-06-01" || v.Items[0].Day != v.From || v.Items[29].Day != v.To {
				t.Fatalf("30 days: got %d items from %s to %s, want 2026-05-03 to 2026-06-01", len(v.Items), v.From, v.To)
			}
			want := map[string]service.ExportDay{
				"2026-05-30": {Day: "2026-05-30", Exports: 1, Done: 1, Rows: 3},
				"2026-05-31": {Day: "2026-05-31", Exports: 2, Pending: 1, Refused: 1},
				"2026-06-01": {Day: "2026-06-01", Exports: 1, Pending: 1},
			}
			for _, d := range v.Items {
				w, ok := want[d.Day]
				if !ok {
					w = service.ExportDay{Day: d.Day}
				}
				if d != w {
					t.Errorf("day %s: got %+v, want %+v", d.Day, d, w)
				}
			}
			if tot := (service.ExportDay{Exports: 4, Done: 1, Pending: 2, Refused: 1, Rows: 3}); v.Total != tot {
				t.Errorf("total: got %+v, want %+v", v.Total, tot)
			}
			if one := must[service.ExportVolumes](t)(f.svc.ExportVolumes(ctx, f.admin, 1)); len(one.Items) != 1 || one.Total.Exports != 1 {
				t.Errorf("today only: got %+v, want the one pending export", one)
			}
			got[e] = v

			// An expired file still counts as done.
			*f.now = today.AddDate(0, 0, 30)
			must[int64](t)(f.svc.ExpireExports(ctx))
			if all := must[service.ExportVolumes](t)(f.svc.ExportVolumes(ctx, f.admin, 35)); all.Total.Done != 1 || all.Total.Rows != 3 {
				t.Errorf("after the file expired: got %+v, want it still done with 3 rows", all.Total)
			}

			if _, err := f.svc.ExportVolumes(ctx, f.manager, 30); errs.KindOf(err) != errs.Forbidden {
				t.Errorf("a manager without approve_exports: got %v, want forbidden", err)
			}
			for _, days := range []int{0, -1, service.MaxVolumeDays + 1} {
				if _, err := f.svc.ExportVolumes(ctx, f.admin, days); errs.As(err).Field != "days" || errs.As(err).Code != "invalid_parameter" {
					t.Errorf("days=%d: got %v, want invalid_parameter on days", days, err)
				}
			}
		})
	}
	if a, b := got[store.SQLite], got[store.Postgres]; len(got) == 2 && !reflect.DeepEqual(a, b) {
		t.Errorf("the engines disagree:\nsqlite   %+v\npostgres %+v", a, b)
	}
}
