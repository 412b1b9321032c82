package cli

import (
	"fmt"
	"io"
	"strings"

	"steward/internal/policy"
	"steward/internal/service"
)

// writePolicyReport prints a policy report for a reader: what changes in
// the policy, then whose access changes and how.
func writePolicyReport(w io.Writer, rep service.PolicyReport) {
	switch {
	case rep.Plan.Empty():
		fmt.Fprintln(w, "No change: the tenant's policy already is this document.")
		return
	case rep.DryRun:
		fmt.Fprintln(w, "Dry run: nothing was changed. Applied, the document would make these changes.")
	default:
		fmt.Fprintln(w, "Applied.")
	}
	fmt.Fprintf(w, "\nPolicy (%d changes):\n", rep.Plan.Count())
	for _, s := range []struct {
		name string
		cs   []policy.Change
	}{{"roles", rep.Plan.Roles}, {"sharing rules", rep.Plan.SharingRules}, {"restriction rules", rep.Plan.RestrictionRules},
		{"pools", rep.Plan.Pools}, {"separation-of-duties rules", rep.Plan.SoDRules}} {
		if len(s.cs) == 0 {
			continue
		}
		fmt.Fprintf(w, "  %s:\n", s.name)
		for _, c := range s.cs {
			fmt.Fprintf(w, "    %s %s\n", c.Change, c.Name)
			for _, d := range c.Details {
				fmt.Fprintf(w, "      %s\n", d)
			}
		}
	}
	if len(rep.Users) == 0 {
		fmt.Fprintln(w, "\nNobody's access changes.")
		return
	}
	fmt.Fprintf(w, "\nAccess (%d users):\n", len(rep.Users))
	for _, u := range rep.Users {
		writeUserChange(w, u)
	}
}

func writeUserChange(w io.Writer, u service.PolicyUserChange) {
	fmt.Fprintf(w, "  %s (user %d)", u.Name, u.UserID)
	if len(u.Relations) > 0 {
		fmt.Fprintf(w, ", through %s", strings.Join(u.Relations, ", "))
	}
	fmt.Fprintln(w)
	if !u.Gained.Zero() || !u.Lost.Zero() {
		fmt.Fprintf(w, "    sees customers +%d -%d, contacts +%d -%d, deals +%d -%d, follow-ups +%d -%d\n",
			u.Gained.Customers, u.Lost.Customers, u.Gained.Contacts, u.Lost.Contacts, u.Gained.Deals, u.Lost.Deals, u.Gained.Activities, u.Lost.Activities)
		writeSample(w, "gains", u.GainedSample)
		writeSample(w, "loses", u.LostSample)
	}
	if len(u.FunctionsGained)+len(u.FunctionsLost) > 0 {
		var parts []string
		for _, f := range u.FunctionsGained {
			parts = append(parts, "+"+string(f))
		}
		for _, f := range u.FunctionsLost {
			parts = append(parts, "-"+string(f))
		}
		fmt.Fprintf(w, "    functions %s\n", strings.Join(parts, " "))
	}
	for _, c := range u.Cells {
		fmt.Fprintf(w, "    %s.%s: %s → %s\n", c.Object, c.Action, scopes(c.Before), scopes(c.After))
	}
	for _, f := range u.Fields {
		fmt.Fprintf(w, "    field %s.%s: %s → %s\n", f.Object, f.Field, f.Before, f.After)
	}
}

func writeSample(w io.Writer, verb string, refs []service.CustomerRef) {
	if len(refs) == 0 {
		return
	}
	var parts []string
	for _, r := range refs {
		if r.Name != "" {
			parts = append(parts, fmt.Sprintf("%d %s", r.ID, r.Name))
		} else {
			parts = append(parts, fmt.Sprint(r.ID))
		}
	}
	fmt.Fprintf(w, "      %s for example: %s\n", verb, strings.Join(parts, "; "))
}

func scopes[S ~string](ss []S) string {
	if len(ss) == 0 {
		return "none"
	}
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = string(s)
	}
	return strings.Join(parts, "+")
}
