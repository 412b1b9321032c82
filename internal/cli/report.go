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

// reportCmd runs `steward report compliance` (docs/compliance-reports.md)
// and `steward report access-at` (docs/access-at.md).
func reportCmd(ctx context.Context, env Env, args []string) error {
	switch {
	case len(args) > 0 && args[0] == "compliance":
		return complianceReport(ctx, env, args[1:])
	case len(args) > 0 && args[0] == "access-at":
		return accessAtReport(ctx, env, args[1:])
	}
	return errs.E(errs.Invalid, "invalid_argument", "usage: steward report compliance --tenant SLUG --from DATE --to DATE [--format pdf|csv|json] [--out FILE]\n"+
		"       steward report access-at --tenant SLUG --customer ID --at TIME [--format json|csv] [--out FILE]")
}

func complianceReport(ctx context.Context, env Env, args []string) error {
	set := flag.NewFlagSet("report compliance", flag.ContinueOnError)
	f := newPolicyFlags(set)
	from := set.String("from", "", "start of the period, inclusive: YYYY-MM-DD or RFC 3339")
	to := set.String("to", "", "end of the period, exclusive: YYYY-MM-DD or RFC 3339")
	format := set.String("format", "pdf", "pdf, csv or json")
	out := set.String("out", "", "write the report to this file (default: standard output)")
	key := set.String("audit-key", defaultAuditKey, "the audit signing key, to check the checkpoints' signatures too (skipped if the file is missing)")
	if err := parse(set, env, args); err != nil {
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
	if err := writeOut(env, *out, data); err != nil || *out == "" {
		return err
	}
	fmt.Fprintf(env.Stderr, "wrote %s (%d bytes): %d users, audit trail %s\n", *out, len(data), len(rep.Users),
		map[bool]string{true: "verifies", false: "BROKEN"}[rep.AuditVerification.OK])
	return nil
}

// accessAtReport answers who could act on a customer at a past moment,
// from the audit trail (docs/access-at.md).
func accessAtReport(ctx context.Context, env Env, args []string) error {
	set := flag.NewFlagSet("report access-at", flag.ContinueOnError)
	f := newPolicyFlags(set)
	customer := set.Int64("customer", 0, "the customer's id")
	atFlag := set.String("at", "", "the moment: YYYY-MM-DD (midnight UTC) or RFC 3339, not later than now")
	format := set.String("format", "json", "json or csv")
	out := set.String("out", "", "write the answer to this file (default: standard output)")
	if err := parse(set, env, args); err != nil {
		return err
	}
	if *customer <= 0 || *atFlag == "" {
		return errs.E(errs.Invalid, "invalid_argument", "give the customer with --customer ID and the moment with --at TIME")
	}
	at, err := service.ParseReportTime("at", *atFlag)
	if err != nil {
		return err
	}
	if *format != "csv" && *format != "json" {
		return errs.E(errs.Invalid, "invalid_argument", "--format must be json or csv")
	}
	svc, a, done, err := f.open(ctx, env)
	if err != nil {
		return err
	}
	defer done()
	ans, err := svc.AccessAt(ctx, a, *customer, at)
	if err != nil {
		return err
	}
	var data []byte
	if *format == "csv" {
		data, err = svc.AccessAtCSV(ctx, a, ans)
	} else {
		data, err = json.MarshalIndent(ans, "", "  ")
		data = append(data, '\n')
	}
	if err != nil {
		return err
	}
	if !ans.Complete {
		fmt.Fprintf(env.Stderr, "incomplete: %d entries could not be undone (see gaps)\n", len(ans.Gaps))
	}
	return writeOut(env, *out, data)
}

// writeOut writes a report to the file, or to standard output without one.
func writeOut(env Env, out string, data []byte) error {
	if out == "" {
		_, err := env.Stdout.Write(data)
		return err
	}
	if err := os.WriteFile(out, data, 0o600); err != nil {
		return errs.E(errs.Invalid, "invalid_argument", "cannot write %s: %v", out, err)
	}
	return nil
}
