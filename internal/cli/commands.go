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
	"steward/internal/jobs"
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
	masterKey := fs.String("master-key-file", defaultMasterKey, "master key file (base64) that wraps the tenants' data keys; created if missing; share it between nodes and keep it out of database backups ("+envMasterKey+", the key itself, overrides it)")
	withJobs := fs.Bool("jobs", true, "run background jobs on this node (checkpoints, export resume and expiry, pool auto-return, grant expiry)")
	oldMasters := fs.String("old-master-key-files", "", "comma-separated files of earlier master keys, which still unwrap the data keys they wrapped during a change of master key (docs/encryption.md)")
	proxies := fs.String("trusted-proxies", "", "comma-separated addresses or CIDR ranges of reverse proxies whose X-Forwarded-For gives the client's address (none by default)")
	senders := newSenderFlags(fs)
	var stream streamFlag
	fs.Var(&stream, auditstream.Flag, "also write audit entries as JSON lines to file:PATH, syslog:, syslog://HOST[:PORT] or syslog+tcp://HOST[:PORT]")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	log := logger(env.Stderr, *level)
	trusted, err := server.ParseProxies(*proxies)
	if err != nil {
		return err
	}
	sender, err := senders.build(env, log)
	if err != nil {
		return err
	}
	signer, err := loadAuditKey(*key, true)
	if err != nil {
		return err
	}
	old, err := loadOldMasters(*oldMasters)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn, true)
	if err != nil {
		return err
	}
	defer db.Close()
	master, err := serveMasterKey(ctx, env, db, *masterKey, *dsn, old, log)
	if err != nil {
		return err
	}
	svc := service.New(db, log)
	svc.Signer, svc.Master, svc.OldMasters, svc.Sender = signer, master, old, sender
	if n, err := svc.SealClearSecrets(ctx); err != nil {
		return err
	} else if n > 0 {
		log.Info("sealed second-factor secrets stored in clear by an earlier version", "count", n)
	}
	// Every node chains the audit entries its changes queue, and any that a
	// stopped node or a command left queued (service/audit_chain.go).
	go svc.RunAuditChainer(ctx)
	go func() { // beside the requests: a large tenant's rows take a while
		if n, err := svc.SealClearRows(ctx); err != nil {
			log.Error("sealing customer and contact values stored in clear", "err", err)
		} else if n > 0 {
			log.Info("sealed customer and contact values stored in clear by an earlier version", "rows", n)
		}
	}()
	if *withJobs {
		stop, err := startJobs(ctx, svc, log)
		if err != nil {
			return err
		}
		defer stop() // before db.Close, deferred earlier
	}
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
	return server.Serve(ctx, ln, server.HandlerWith(svc, log, server.Options{Proxies: trusted}), log)
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

// startJobs starts this node's job runner (internal/jobs) and returns
// what stops it: gracefully, after the HTTP server has drained, with a
// bound so that a stuck job cannot hold shutdown forever.
func startJobs(ctx context.Context, svc *service.Service, log *slog.Logger) (func(), error) {
	r, err := jobs.New(svc, log)
	if err != nil {
		return nil, err
	}
	if err := r.Start(ctx); err != nil {
		return nil, err
	}
	return func() {
		stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := r.Stop(stop); err != nil {
			log.Error("jobs: stop", "err", err)
		}
	}, nil
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
