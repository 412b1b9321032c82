package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"

	"steward/internal/errs"
	"steward/internal/service"
)

// reportCmd runs `steward report compliance` (docs/compliance-reports.md).
func reportCmd(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] != "compliance" {
		return errs.E(errs.Invalid, "invalid_argument", "usage: steward report compliance --tenant SLUG --from DATE --to DATE [--format pdf|csv|json] [--out FILE]")
	}
	set := flag.NewFlagSet("report compliance", flag.ContinueOnError)
	f := newPolicyFlags(set)
	from := set.String("from", "", "start of the period, inclusive: YYYY-MM-DD or RFC 3339")
	to := set.String("to", "", "end of the period, exclusive: YYYY-MM-DD or RFC 3339")
	format := set.String("format", "pdf", "pdf, csv or json")
	out := set.String("out", "", "write the report to this file (default: standard output)")
	key := set.String("audit-key", defaultAuditKey, "the audit signing key, to check the checkpoints' signatures too (skipped if the file is missing)")
	if err := parse(set, env, args[1:]); err != nil {
		return err
	}
	var q service.ComplianceQuery
	var err error
	if *from == "" || *to == "" {
		return errs.E(errs.Invalid, "invalid_argument", "give the period with --from and --to")
	}
	if q.From, err = service.ParseReportTime("from", *from); err != nil {
		return err
	}
	if q.To, err = service.ParseReportTime("to", *to); err != nil {
		return err
	}
	if *format != "pdf" && *format != "csv" && *format != "json" {
		return errs.E(errs.Invalid, "invalid_argument", "--format must be pdf, csv or json")
	}
	svc, a, done, err := f.open(ctx, env)
	if err != nil {
		return err
	}
	defer done()
	if _, statErr := os.Stat(*key); statErr == nil {
		if svc.Signer, err = loadAuditKey(*key, false); err != nil {
			return err
		}
	} else if !errors.Is(statErr, fs.ErrNotExist) {
		return errs.E(errs.Invalid, "audit_key", "cannot read the audit key %s: %v", *key, statErr)
	}
	rep, err := svc.Compliance(ctx, a, q)
	if err != nil {
		return err
	}
	var data []byte
	switch *format {
	case "csv":
		data, _, err = svc.ComplianceCSV(ctx, a, rep)
	case "pdf":
		data, _, err = svc.CompliancePDF(rep)
	default:
		data, err = json.MarshalIndent(rep, "", "  ")
		data = append(data, '\n')
	}
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = env.Stdout.Write(data)
		return err
	}
	if err := os.WriteFile(*out, data, 0o600); err != nil {
		return errs.E(errs.Invalid, "invalid_argument", "cannot write %s: %v", *out, err)
	}
	fmt.Fprintf(env.Stderr, "wrote %s (%d bytes): %d users, audit trail %s\n", *out, len(data), len(rep.Users),
		map[bool]string{true: "verifies", false: "BROKEN"}[rep.AuditVerification.OK])
	return nil
}
