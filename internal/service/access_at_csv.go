package service

import (
	"context"
	"strconv"
	"strings"
	"time"

	"steward/internal/access"
)

// AccessAtCSV renders an AccessAt answer as a CSV file of one fact a row,
// section,item,field,value (as the compliance report's CSV): the answer
// itself, then per user and action the decision, its grant paths and the
// restrictions, then the gaps. Watermarked, neutralised against formula
// injection and recorded as any file the service writes.
func (s *Service) AccessAtCSV(ctx context.Context, a *Actor, ans AccessAt) ([]byte, error) {
	var rows [][]string
	add := func(section, item, field, value string) { rows = append(rows, []string{section, item, field, value}) }
	id := func(p *int64) string {
		if p == nil {
			return ""
		}
		return i64s(*p)
	}
	add("answer", i64s(ans.CustomerID), "at", ans.At.Format(time.RFC3339Nano))
	add("answer", i64s(ans.CustomerID), "existed", strconv.FormatBool(ans.Existed))
	add("answer", i64s(ans.CustomerID), "owner_id", id(ans.OwnerID))
	add("answer", i64s(ans.CustomerID), "owner_department_id", id(ans.OwnerDepartmentID))
	add("answer", i64s(ans.CustomerID), "pool_id", id(ans.PoolID))
	add("answer", i64s(ans.CustomerID), "complete", strconv.FormatBool(ans.Complete))
	add("answer", i64s(ans.CustomerID), "statement", ans.Statement)
	for _, u := range ans.Users {
		user := i64s(u.UserID)
		add("users", user, "department_id", i64s(u.DepartmentID))
		for _, d := range u.Decisions {
			outcome := "denied"
			switch {
			case d.Allowed:
				outcome = "allowed"
			case len(d.Restrictions) > 0 && len(d.Reasons) > 0:
				outcome = "restricted"
			}
			add("users", user, string(d.Action), outcome)
			add("users", user, string(d.Action)+".grant_paths", reasons(d.Reasons))
			add("users", user, string(d.Action)+".restrictions", reasons(d.Restrictions))
		}
	}
	for _, g := range ans.Gaps {
		add("gaps", i64s(g.Seq), g.Action, g.What)
	}
	return s.CSVFile(ctx, a, "access-at", []string{"section", "item", "field", "value"}, rows)
}

// reasons writes grant paths or restrictions as "source key scope/level
// #grant: fact", separated by semicolons.
func reasons(rs []access.Reason) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		p := r.Source
		for _, v := range []string{r.Role, string(r.Scope), string(r.Level)} {
			if v != "" {
				p += " " + v
			}
		}
		if r.GrantID != 0 {
			p += " #" + i64s(r.GrantID)
		}
		parts[i] = p + ": " + r.Fact
	}
	return strings.Join(parts, "; ")
}
