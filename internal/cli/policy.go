package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"steward/internal/errs"
	"steward/internal/policy"
	"steward/internal/service"
)

// policyCmd runs `steward policy export|apply` (docs/policy-as-code.md).
func policyCmd(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 {
		return errs.E(errs.Invalid, "invalid_argument", "usage: steward policy export|apply [flags]")
	}
	switch args[0] {
	case "export":
		return policyExport(ctx, env, args[1:])
	case "apply":
		return policyApply(ctx, env, args[1:])
	}
	return errs.E(errs.Invalid, "invalid_argument", "unknown policy command %q (export or apply)", args[0])
}

// policyFlags are the flags both subcommands take.
type policyFlags struct {
	dsn, master, tenant, as *string
}

func newPolicyFlags(fs *flag.FlagSet) policyFlags {
	return policyFlags{
		dsn:    fs.String("db", defaultDB, "database: sqlite:PATH or postgres://..."),
		master: masterKeyFlag(fs),
		tenant: fs.String("tenant", "", "the tenant's slug"),
		as:     fs.String("as", "", "act as this user (e-mail); default: the tenant's first administrator"),
	}
}

// open opens the database and builds the acting user.
func (f policyFlags) open(ctx context.Context, env Env) (*service.Service, *service.Actor, func(), error) {
	if *f.tenant == "" {
		return nil, nil, nil, errs.E(errs.Invalid, "invalid_argument", "give the tenant with --tenant SLUG")
	}
	db, err := openDB(ctx, *f.dsn, true)
	if err != nil {
		return nil, nil, nil, err
	}
	svc := service.New(db, logger(env.Stderr, "warn"))
	if err := useMasterKey(ctx, env, svc, *f.master, *f.dsn); err != nil {
		db.Close()
		return nil, nil, nil, err
	}
	a, err := svc.PolicyActor(ctx, *f.tenant, strings.ToLower(strings.TrimSpace(*f.as)))
	if err != nil {
		db.Close()
		return nil, nil, nil, err
	}
	return svc, a, func() { db.Close() }, nil
}

func policyExport(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("policy export", flag.ContinueOnError)
	pf := newPolicyFlags(fs)
	out := fs.String("out", "", "write the document to this file instead of standard output")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	svc, a, done, err := pf.open(ctx, env)
	if err != nil {
		return err
	}
	defer done()
	d, err := svc.ExportPolicy(ctx, a)
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = env.Stdout.Write(d.YAML())
		return err
	}
	if err := os.WriteFile(*out, d.YAML(), 0o644); err != nil {
		return errs.E(errs.Invalid, "write_failed", "cannot write %s: %v", *out, err)
	}
	fmt.Fprintf(env.Stdout, "Wrote the policy of %q to %s.\n", *pf.tenant, *out)
	return nil
}

func policyApply(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("policy apply", flag.ContinueOnError)
	pf := newPolicyFlags(fs)
	dry := fs.Bool("dry-run", false, "report who would gain and lose what, and change nothing")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	file, rest, err := policyFile(fs, env, args)
	if err != nil {
		return err
	}
	if err := parse(fs, env, rest); err != nil {
		return err
	}
	data, err := readPolicyFile(env, file)
	if err != nil {
		return err
	}
	doc, err := policy.Parse(data)
	if err != nil {
		return fileError(file, err)
	}
	svc, a, done, err := pf.open(ctx, env)
	if err != nil {
		return err
	}
	defer done()
	rep, err := svc.ApplyPolicy(ctx, a, doc, *dry)
	if err != nil {
		return fileError(file, err)
	}
	if *asJSON {
		e := json.NewEncoder(env.Stdout)
		e.SetIndent("", "  ")
		return e.Encode(rep)
	}
	writePolicyReport(env.Stdout, rep)
	return nil
}

// policyFile takes the one FILE argument from among the flags, where the
// flag package stops at the first argument that is not a flag.
func policyFile(fs *flag.FlagSet, env Env, args []string) (string, []string, error) {
	fs.SetOutput(env.Stderr)
	if err := fs.Parse(args); err != nil {
		return "", nil, err
	}
	if fs.NArg() == 0 {
		return "", nil, errs.E(errs.Invalid, "invalid_argument", "usage: steward policy apply --tenant SLUG FILE [--dry-run] (FILE - reads standard input)")
	}
	return fs.Arg(0), fs.Args()[1:], nil
}

func readPolicyFile(env Env, file string) ([]byte, error) {
	var r io.Reader = env.Stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return nil, errs.E(errs.Invalid, "read_failed", "cannot read %s: %v", file, err)
		}
		defer f.Close()
		r = f
	}
	// One byte more than allowed, so that Parse can tell a file too large.
	data, err := io.ReadAll(io.LimitReader(r, policy.MaxSize+1))
	if err != nil {
		return nil, errs.E(errs.Invalid, "read_failed", "cannot read %s: %v", file, err)
	}
	return data, nil
}

// fileError puts the file's name before an error about its content.
func fileError(file string, err error) error {
	e := errs.As(err)
	if e.Kind == errs.Internal {
		return err
	}
	c := *e
	if c.Field != "" && !strings.Contains(c.Message, c.Field) {
		c.Message = fmt.Sprintf("%s: %s: %s", file, c.Field, c.Message)
	} else {
		c.Message = file + ": " + c.Message
	}
	return &c
}
