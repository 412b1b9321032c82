package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"steward/internal/errs"
	"steward/internal/keyring"
	"steward/internal/service"
	"steward/internal/store"
)

// keysCmd runs `steward keys generate|status|rotate` (docs/encryption.md).
func keysCmd(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 {
		return errs.E(errs.Invalid, "invalid_argument", "usage: steward keys generate|status|rotate [flags]")
	}
	switch args[0] {
	case "generate":
		_, text, err := keyring.GenerateMaster()
		if err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, text)
		return nil
	case "status":
		return keysStatus(ctx, env, args[1:])
	case "rotate":
		return keysRotate(ctx, env, args[1:])
	}
	return errs.E(errs.Invalid, "invalid_argument", "unknown keys command %q (generate, status or rotate)", args[0])
}

// keyFlags are the flags status and rotate take.
type keyFlags struct {
	dsn, tenant, master, old *string
	json                     *bool
}

func newKeyFlags(fs *flag.FlagSet) keyFlags {
	return keyFlags{
		dsn:    fs.String("db", defaultDB, "database: sqlite:PATH or postgres://..."),
		tenant: fs.String("tenant", "", "only this tenant (slug); default: every tenant"),
		master: fs.String("master-key-file", defaultMasterKey, "the master key file ("+envMasterKey+", the key itself, overrides it)"),
		old:    fs.String("old-master-key-files", "", "comma-separated files of earlier master keys, to read keys they still wrap"),
		json:   fs.Bool("json", false, "print JSON"),
	}
}

// open opens the database with the master keys and finds the tenant.
func (f keyFlags) open(ctx context.Context, env Env) (*service.Service, int64, func(), error) {
	master, err := loadMasterKey(env.Getenv, *f.master, false)
	if err != nil {
		return nil, 0, nil, err
	}
	old, err := loadOldMasters(*f.old)
	if err != nil {
		return nil, 0, nil, err
	}
	db, err := openDB(ctx, *f.dsn, true)
	if err != nil {
		return nil, 0, nil, err
	}
	var tenantID int64
	if *f.tenant != "" {
		if err := db.Read(ctx, func(tx *store.Tx) error {
			t, err := tx.TenantBySlug(ctx, *f.tenant)
			tenantID = t.ID
			return err
		}); err != nil {
			db.Close()
			return nil, 0, nil, err
		}
	}
	svc := service.New(db, logger(env.Stderr, "warn"))
	svc.Master, svc.OldMasters = master, old
	return svc, tenantID, func() { db.Close() }, nil
}

func keysStatus(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("keys status", flag.ContinueOnError)
	f := newKeyFlags(fs)
	if err := parse(fs, env, args); err != nil {
		return err
	}
	svc, tenantID, done, err := f.open(ctx, env)
	if err != nil {
		return err
	}
	defer done()
	states, err := svc.KeyStates(ctx, tenantID)
	if err != nil {
		return err
	}
	if *f.json {
		return json.NewEncoder(env.Stdout).Encode(map[string]any{"master_id": svc.Master.ID(), "keys": states})
	}
	fmt.Fprintf(env.Stdout, "master key %s\n", svc.Master.ID())
	w := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "TENANT\tKIND\tKEY\tCREATED\tAGE (DAYS)\tSTATE\tVALUES\tWRAPPED BY")
	for _, k := range states {
		state := "old"
		switch {
		case k.Current:
			state = "current"
		case k.RetiredAt != nil:
			state = "retired"
		}
		if !k.Readable {
			state += ", UNREADABLE"
		}
		fmt.Fprintf(w, "%d\t%s\t%d\t%s\t%d\t%s\t%d\t%s\n", k.TenantID, k.Kind, k.ID, k.CreatedAt.Format(time.DateOnly), k.AgeDays, state, k.Values, k.MasterID)
	}
	return w.Flush()
}

func keysRotate(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("keys rotate", flag.ContinueOnError)
	f := newKeyFlags(fs)
	rewrapOnly := fs.Bool("rewrap-only", false, "only wrap every key under the current master key (after a change of master); make no new data keys")
	settle := fs.Duration("settle", time.Minute, "wait this long between making the new data keys and re-sealing, so every server has taken them up")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	svc, tenantID, done, err := f.open(ctx, env)
	if err != nil {
		return err
	}
	defer done()
	n, err := svc.RewrapKeys(ctx, tenantID)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "re-wrapped %d keys under master key %s\n", n, svc.Master.ID())
	if *rewrapOnly {
		return nil
	}
	if n, err = svc.RotateDataKeys(ctx, tenantID); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "made %d new data keys; waiting %s for every server to take them up\n", n, *settle)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(*settle):
	}
	last := time.Now()
	n, err = svc.Reseal(ctx, tenantID, func(done, total int) {
		if time.Since(last) > time.Second || done == total {
			fmt.Fprintf(env.Stdout, "re-sealed %d of %d values\n", done, total)
			last = time.Now()
		}
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "re-sealed %d values; keys nothing is sealed under are retired (steward keys status)\n", n)
	return nil
}
