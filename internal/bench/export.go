package bench

import (
	"context"
	"io"
	"runtime"
	"sync"
	"time"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/org"
	"steward/internal/service"
	"steward/internal/store"
)

// ExportResult is one export of every customer of the tenant.
type ExportResult struct {
	Format          string   `json:"format"`
	Rows            int64    `json:"rows"`
	Bytes           int64    `json:"bytes"`
	Seconds         float64  `json:"seconds"` // request to finished file
	RowsPerSecond   float64  `json:"rows_per_second"`
	PeakHeapMiB     float64  `json:"peak_heap_mib"` // largest heap in use while it ran
	DownloadSeconds float64  `json:"download_seconds"`
	Masked          []string `json:"masked"` // fields the exporter sees masked
}

// exporterEmail is the user the export benchmark creates: a role that may
// view and export every customer, with the catalogue's default field access,
// so phone, e-mail and address go out masked.
const exporterEmail = "bench-exporter@bench.example"

// Export exports every customer of the tenant once per format as a masked
// exporter, timing the job and sampling the heap while it runs.
func Export(ctx context.Context, db *store.DB, svc *service.Service, tenant string, formats []string) ([]ExportResult, error) {
	a, err := exporter(ctx, db, svc, tenant)
	if err != nil {
		return nil, err
	}
	var out []ExportResult
	for _, f := range formats {
		r, err := exportOnce(ctx, svc, a, f)
		if err != nil {
			return out, errs.Wrap(err, "bench.export."+f)
		}
		out = append(out, r)
	}
	return out, nil
}

func exportOnce(ctx context.Context, svc *service.Service, a *service.Actor, format string) (ExportResult, error) {
	r := ExportResult{Format: format}
	runtime.GC()
	stop, peak := sampleHeap()
	start := time.Now()
	e, err := svc.RequestExport(ctx, a, service.ExportRequest{Object: "customer", Format: format, Reason: "benchmark"})
	if err != nil {
		stop()
		return r, err
	}
	svc.Wait()
	r.Seconds = time.Since(start).Seconds()
	stop()
	r.PeakHeapMiB = float64(*peak) / (1 << 20)
	if e, err = svc.Export(ctx, a, e.ID); err != nil {
		return r, err
	}
	if e.Status != store.ExportDone {
		return r, errs.E(errs.Internal, "export_failed", "the export ended %s (%s)", e.Status, e.Error)
	}
	r.Rows, r.Bytes, r.RowsPerSecond = e.RowsWritten, e.Size, float64(e.RowsWritten)/r.Seconds
	start = time.Now()
	_, write, err := svc.DownloadExport(ctx, a, e.ID)
	if err != nil {
		return r, err
	}
	if err := write(io.Discard); err != nil {
		return r, err
	}
	r.DownloadSeconds = time.Since(start).Seconds()
	for _, d := range a.Subject.FieldsOf(access.Customer) {
		if d.Access == access.FieldMasked {
			r.Masked = append(r.Masked, d.Field)
		}
	}
	return r, nil
}

// sampleHeap records the largest HeapInuse until stop is called.
func sampleHeap() (stop func(), peak *uint64) {
	var max uint64
	var mu sync.Mutex
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			mu.Lock()
			max = maxU(max, m.HeapInuse)
			mu.Unlock()
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return func() { close(done); <-finished }, &max
}

func maxU(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}

// exporter returns the benchmark's masked exporter, creating its role and
// user the first time, and lifts the tenant's approval threshold and row
// limits so that the whole tenant exports at once.
func exporter(ctx context.Context, db *store.DB, svc *service.Service, tenant string) (*service.Actor, error) {
	var t org.Tenant
	if err := db.Read(ctx, func(tx *store.Tx) error {
		var err error
		t, err = tx.TenantBySlug(ctx, tenant)
		return err
	}); err != nil {
		return nil, err
	}
	people, err := Pick(ctx, db, t.ID, svc.Now())
	if err != nil {
		return nil, err
	}
	admin, err := svc.ActorFor(ctx, t.ID, people[len(people)-1].UserID)
	if err != nil {
		return nil, err
	}
	set := service.DefaultExportSettings()
	set.ApprovalThreshold, set.RoleLimits = 1<<40, map[string]int64{}
	if _, err := svc.SaveExportSettings(ctx, admin, set); err != nil {
		return nil, err
	}
	key, name := "bench_exporter", "Benchmark exporter"
	perms := []access.Permission{{Object: access.Customer, Action: access.View, Scope: access.All}, {Object: access.Customer, Action: access.Export, Scope: access.All}}
	fns, rules := []access.Function{}, []access.FieldRule{}
	if _, err := svc.Role(ctx, admin, key); err != nil {
		if _, err := svc.SaveRole(ctx, admin, "", service.RoleInput{Key: &key, Name: &name, Permissions: &perms, Functions: &fns, Fields: &rules}); err != nil {
			return nil, err
		}
	}
	var id int64
	if err := db.Read(ctx, func(tx *store.Tx) error {
		u, _, err := tx.UserCredentials(ctx, t.ID, exporterEmail)
		id = u.ID
		return err
	}); err != nil {
		email, uname, pw, roles := exporterEmail, "Benchmark Exporter", "benchmark-exporter-password", []string{key}
		dept := admin.User.DepartmentID
		u, err := svc.CreateUser(ctx, admin, org.UserInput{Email: &email, Name: &uname, Password: &pw, DepartmentID: &dept, Roles: &roles})
		if err != nil {
			return nil, err
		}
		id = u.ID
	}
	return svc.ActorFor(ctx, t.ID, id)
}
