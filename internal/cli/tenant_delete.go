package cli

import (
	"context"
	"flag"
	"fmt"

	"steward/internal/errs"
	"steward/internal/service"
)

// deleteTenant runs `steward delete-tenant`: a tenant's keys are
// destroyed, then its rows deleted (docs/encryption.md, "Deleting a
// tenant"). It asks for the slug twice, as --tenant and --confirm: there
// is no undo.
func deleteTenant(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("delete-tenant", flag.ContinueOnError)
	dsn := fs.String("db", defaultDB, "database: sqlite:PATH or postgres://...")
	slug := fs.String("tenant", "", "slug of the tenant to delete")
	confirm := fs.String("confirm", "", "the slug again: there is no undo")
	resume := fs.Int64("resume", 0, "instead, finish deleting the rows of this tenant id, whose deletion was cut short")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	if *resume == 0 && (*slug == "" || *confirm != *slug) {
		return errs.E(errs.Invalid, "invalid_argument", "give the tenant with --tenant SLUG and the same slug again with --confirm SLUG")
	}
	db, err := openDB(ctx, *dsn, true)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := service.New(db, logger(env.Stderr, "warn"))
	progress := func(table string, rows int64) {
		if rows > 0 {
			fmt.Fprintf(env.Stdout, "  %-24s %d rows\n", table, rows)
		}
	}
	var d service.TenantDeletion
	if *resume > 0 {
		d, err = svc.ResumeTenantDeletion(ctx, *resume, progress)
	} else {
		fmt.Fprintf(env.Stdout, "Deleting tenant %q: its data keys first, then its rows.\n", *slug)
		d, err = svc.DeleteTenant(ctx, *slug, progress)
	}
	if err != nil {
		if d.TenantID > 0 {
			fmt.Fprintf(env.Stderr, "The deletion was cut short; finish it with: steward delete-tenant --resume %d\n", d.TenantID)
		}
		return err
	}
	var rows int64
	for _, n := range d.Rows {
		rows += n
	}
	fmt.Fprintf(env.Stdout, "Deleted tenant %d: %d data keys destroyed, %d rows deleted. Restart the servers to drop its keys from their memory.\n",
		d.TenantID, d.KeysDestroyed, rows)
	return nil
}
