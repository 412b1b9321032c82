// Package cli is Steward's command line and its composition root: it parses
// flags (with STEWARD_* environment fallbacks), opens the database, wires
// the service and runs the chosen subcommand.
package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"steward/internal/errs"
	"steward/internal/store"
)

// Version is set at build time with -ldflags "-X steward/internal/cli.Version=...".
var Version = "dev"

// Env is the process environment the CLI runs in.
type Env struct {
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

type command struct {
	name, summary string
	run           func(ctx context.Context, env Env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the server (API under /api/v1)", serve},
		{"init", "create a tenant and its first administrator", initTenant},
		{"delete-tenant", "delete a tenant for good: destroy its data keys, then its rows", deleteTenant},
		{"migrate", "apply database migrations", migrate},
		{"audit", "verify the audit trail (verify), prune old segments (prune), make a signing key (keygen), print its public key (public-key)", auditCmd},
		{"seed", "generate a large tenant for benchmarks", seed},
		{"bench", "measure the access engine on a seeded tenant", benchCmd},
		{"report", "write the compliance report for a period (report compliance), or who could act on a customer at a past moment (report access-at)", reportCmd},
		{"keys", "make a master key (generate), show the tenants' data keys (status), or rotate them (rotate)", keysCmd},
		{"policy", "export the tenant's access policy as YAML (export), or apply a policy file, --dry-run first (apply)", policyCmd},
		{"version", "print the version", func(_ context.Context, env Env, _ []string) error {
			fmt.Fprintln(env.Stdout, "steward", Version)
			return nil
		}},
	}
}

// Run runs one subcommand and returns the process exit code.
func Run(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(env.Stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, env, args[1:])
			if err == nil {
				return 0
			}
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			e := errs.As(err)
			if e.Kind == errs.Internal && e.Cause != nil {
				fmt.Fprintf(env.Stderr, "steward %s: %v\n", c.name, e.Cause)
			} else {
				fmt.Fprintf(env.Stderr, "steward %s: %s\n", c.name, e.Message)
			}
			return 1
		}
	}
	fmt.Fprintf(env.Stderr, "steward: unknown command %q\n", args[0])
	usage(env.Stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: steward COMMAND [flags]  (flags also read from STEWARD_* variables)")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
}

// parse parses a FlagSet; flags not given fall back to STEWARD_<NAME>.
func parse(fs *flag.FlagSet, env Env, args []string) error {
	fs.SetOutput(env.Stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errs.E(errs.Invalid, "invalid_argument", "unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		name := "STEWARD_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := env.Getenv(name); v != "" {
			if e := f.Value.Set(v); e != nil {
				err = errs.E(errs.Invalid, "invalid_argument", "%s: %v", name, e)
			}
		}
	})
	return err
}

const defaultDB = "sqlite:data/steward.db"

func openDB(ctx context.Context, dsn string, migrateToo bool) (*store.DB, error) {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if migrateToo {
		if _, err := db.Migrate(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

func logger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

func readLine(r io.Reader) string {
	s, _ := bufio.NewReader(r).ReadString('\n')
	return strings.TrimRight(s, "\r\n")
}
