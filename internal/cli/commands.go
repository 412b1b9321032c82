package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"time"

	"steward/internal/auditstream"
	"steward/internal/demo"
	"steward/internal/errs"
	"steward/internal/server"
	"steward/internal/service"
	"steward/internal/store"
)

func serve(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	dsn := fs.String("db", defaultDB, "database: sqlite:PATH or postgres://...")
	withDemo := fs.Bool("demo", false, "seed the demo company into an empty database")
	level := fs.String("log-level", "info", "debug, info, warn or error")
	key := fs.String("audit-key", defaultAuditKey, "audit checkpoint signing key (PEM); created if missing; share it between nodes")
	var stream streamFlag
	fs.Var(&stream, auditstream.Flag, "also write audit entries as JSON lines to file:PATH, syslog:, syslog://HOST[:PORT] or syslog+tcp://HOST[:PORT]")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	log := logger(env.Stderr, *level)
	signer, err := loadAuditKey(*key, true)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn, true)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := service.New(db, log)
	svc.Signer = signer
	go runJobs(ctx, svc, log)
	if stream.spec != nil {
		go auditstream.New(*stream.spec, svc, log).Run(ctx)
	}
	if *withDemo {
		created, err := demo.Seed(ctx, svc)
		if err != nil {
			return err
		}
		if created {
			fmt.Fprintln(env.Stdout, "Demo company seeded: tenant \"demo\". Sign in as described in README.md (e.g. admin@demo.example).")
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return errs.E(errs.Invalid, "listen_failed", "cannot listen on %s: %v", *addr, err)
	}
	fmt.Fprintf(env.Stdout, "Steward %s listening on http://%s (database %s)\n", Version, ln.Addr(), db.Engine)
	return server.Serve(ctx, ln, server.Handler(svc, log), log)
}

func initTenant(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	dsn := fs.String("db", defaultDB, "database: sqlite:PATH or postgres://...")
	slug := fs.String("tenant", "", "tenant slug (lower-case letters, digits, dashes)")
	name := fs.String("name", "", "organisation name")
	email := fs.String("admin-email", "", "first administrator's e-mail")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	password := env.Getenv("STEWARD_ADMIN_PASSWORD")
	if password == "" {
		fmt.Fprint(env.Stderr, "Administrator password (at least 15 characters): ")
		password = readLine(env.Stdin)
	}
	db, err := openDB(ctx, *dsn, true)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := service.New(db, logger(env.Stderr, "warn"))
	t, admin, err := svc.CreateTenant(ctx, service.NewTenant{Slug: *slug, Name: *name, AdminEmail: *email, AdminPassword: password})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Created tenant %q (id %d) with administrator %s (id %d).\n", t.Slug, t.ID, admin.Email, admin.ID)
	return nil
}

func migrate(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	dsn := fs.String("db", defaultDB, "database: sqlite:PATH or postgres://...")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	db, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Applied %d migrations.\n", n)
	return nil
}

// runJobs runs the periodic work of a node: signing audit checkpoints,
// running exports left queued or orphaned by a stopped node (a claim lets
// one node run each), deleting expired export files and returning idle pool
// customers. All are safe on several nodes at once. (A job library with
// leases replaces this later.)
func runJobs(ctx context.Context, svc *service.Service, log *slog.Logger) {
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if _, err := svc.CheckpointAll(ctx); err != nil {
			log.Error("job: audit checkpoints", "err", err)
		}
		if _, err := svc.RunPendingExports(ctx); err != nil {
			log.Error("job: exports", "err", err)
		}
		if _, err := svc.ExpireExports(ctx); err != nil {
			log.Error("job: export expiry", "err", err)
		}
		if n, err := svc.ReturnIdleCustomers(ctx); err != nil {
			log.Error("job: pool auto-return", "err", err)
		} else if n > 0 {
			log.Info("job: returned idle customers to their pools", "count", n)
		}
	}
}

// streamFlag is --audit-stream: a destination, checked as it is set.
type streamFlag struct{ spec *auditstream.Spec }

func (f *streamFlag) String() string {
	if f == nil || f.spec == nil {
		return ""
	}
	return f.spec.String()
}

func (f *streamFlag) Set(s string) error {
	sp, err := auditstream.Parse(s)
	if err != nil {
		return errors.New(errs.As(err).Message)
	}
	f.spec = &sp
	return nil
}
