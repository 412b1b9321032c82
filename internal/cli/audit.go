package cli

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"time"

	"steward/internal/audit"
	"steward/internal/errs"
	"steward/internal/service"
	"steward/internal/store"
)

// auditCmd runs `steward audit verify|keygen|public-key`.
func auditCmd(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 {
		return errs.E(errs.Invalid, "invalid_argument", "usage: steward audit verify|prune|keygen|public-key [flags]")
	}
	switch args[0] {
	case "verify":
		return auditVerify(ctx, env, args[1:])
	case "prune":
		fs := flag.NewFlagSet("audit prune", flag.ContinueOnError)
		dsn := fs.String("db", defaultDB, "database: sqlite:PATH or postgres://...")
		days := fs.Int("retain-days", 1095, "keep entries this many days (at least 183)")
		if err := parse(fs, env, args[1:]); err != nil {
			return err
		}
		db, err := store.Open(ctx, *dsn)
		if err != nil {
			return err
		}
		defer db.Close()
		n, err := service.New(db, logger(env.Stderr, "warn")).PruneAudit(ctx, time.Duration(*days)*24*time.Hour)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "Removed %d audit entries older than %d days, up to signed checkpoints.\n", n, *days)
		return nil
	case "keygen":
		fs := flag.NewFlagSet("audit keygen", flag.ContinueOnError)
		out := fs.String("out", defaultAuditKey, "where to write the new private key (refuses to overwrite)")
		if err := parse(fs, env, args[1:]); err != nil {
			return err
		}
		s, err := createAuditKey(*out)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "Wrote %s. Public key (publish it): %s\n", *out, base64.StdEncoding.EncodeToString(s.Public()))
		return nil
	case "public-key":
		fs := flag.NewFlagSet("audit public-key", flag.ContinueOnError)
		key := fs.String("audit-key", defaultAuditKey, "the checkpoint signing key")
		if err := parse(fs, env, args[1:]); err != nil {
			return err
		}
		s, err := loadAuditKey(*key, false)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%s Ed25519 %s\n", audit.KeyID(s.Public()), base64.StdEncoding.EncodeToString(s.Public()))
		return nil
	}
	return errs.E(errs.Invalid, "invalid_argument", "unknown audit command %q", args[0])
}

// auditVerify checks every tenant's chain (or one) and exits non-zero when
// any is broken, naming the first broken position.
func auditVerify(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	dsn := fs.String("db", defaultDB, "database: sqlite:PATH or postgres://...")
	slug := fs.String("tenant", "", "verify only this tenant")
	key := fs.String("audit-key", defaultAuditKey, "the checkpoint signing key (its public part verifies the checkpoints)")
	asJSON := fs.Bool("json", false, "print the reports as JSON")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	signer, err := loadAuditKey(*key, false)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := service.New(db, logger(env.Stderr, "warn"))
	svc.Signer = signer // verifying chains what is queued first, signing as serve would
	var tenants []int64
	err = db.Read(ctx, func(tx *store.Tx) error {
		if *slug != "" {
			t, err := tx.TenantBySlug(ctx, *slug)
			tenants = []int64{t.ID}
			return err
		}
		tenants, err = tx.TenantIDs(ctx)
		return err
	})
	if err != nil {
		return err
	}
	broken := 0
	for _, t := range tenants {
		rep, err := svc.VerifyAudit(ctx, t, signer.Public())
		if err != nil {
			return err
		}
		if !rep.OK {
			broken++
		}
		if *asJSON {
			b, _ := json.Marshal(rep)
			fmt.Fprintln(env.Stdout, string(b))
		} else if rep.OK {
			fmt.Fprintf(env.Stdout, "tenant %d: OK, %d entries (positions %d-%d), %d checkpoints\n", t, rep.Entries, rep.FirstSeq, rep.LastSeq, rep.Checkpoints)
		} else {
			fmt.Fprintf(env.Stdout, "tenant %d: BROKEN at position %d: %s\n", t, rep.BrokenAt, rep.Problem)
		}
	}
	if broken > 0 {
		return errs.E(errs.Conflict, "audit_broken", "%d of %d tenants' audit trails are broken", broken, len(tenants))
	}
	return nil
}
