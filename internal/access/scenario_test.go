package access_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"steward/internal/access"
)

// Scenario is a readable permission case: an org, grants, customers and
// the decisions expected of the engine. Scenario files live in
// testdata/scenarios; the benchmarks reuse them.
type Scenario struct {
	Name        string `yaml:"name"`
	Departments []struct {
		Name   string `yaml:"name"`
		Parent string `yaml:"parent"`
	} `yaml:"departments"`
	Groups map[string][]string `yaml:"groups"`
	Users  []struct {
		Name       string   `yaml:"name"`
		Department string   `yaml:"department"`
		Manager    string   `yaml:"manager"`
		Roles      []string `yaml:"roles"`
	} `yaml:"users"`
	Pools []struct {
		Name        string   `yaml:"name"`
		Departments []string `yaml:"departments"`
	} `yaml:"pools"`
	SharingRules []struct {
		Name      string            `yaml:"name"`
		Principal map[string]string `yaml:"principal"`
		Level     string            `yaml:"level"`
		Criteria  access.Criteria   `yaml:"criteria"`
	} `yaml:"sharing_rules"`
	Restrictions []struct {
		Name       string              `yaml:"name"`
		Principals []map[string]string `yaml:"principals"`
		Criteria   access.Criteria     `yaml:"criteria"`
	} `yaml:"restrictions"`
	Customers []struct {
		Name   string `yaml:"name"`
		Owner  string `yaml:"owner"`
		Pool   string `yaml:"pool"`
		Region string `yaml:"region"`
		Level  string `yaml:"level"`
		Team   []struct {
			User  string `yaml:"user"`
			Level string `yaml:"level"`
		} `yaml:"team"`
		Shares []struct {
			To      map[string]string `yaml:"to"`
			Level   string            `yaml:"level"`
			Expired bool              `yaml:"expired"`
		} `yaml:"shares"`
	} `yaml:"customers"`
	Expect []struct {
		User     string            `yaml:"user"`
		Customer string            `yaml:"customer"`
		Object   string            `yaml:"object"`
		Allow    []string          `yaml:"allow"`
		Deny     []string          `yaml:"deny"`
		Reason   map[string]string `yaml:"reason"`
		Missing  map[string]string `yaml:"missing"`
	} `yaml:"expect"`
}

// World is a scenario compiled into the engine's terms.
type World struct {
	Subjects map[string]*access.Subject
	Records  map[string]access.Record
}

var scenarioNow = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

// LoadScenarios reads every scenario file.
func LoadScenarios(tb testing.TB) map[string]Scenario {
	tb.Helper()
	files, err := filepath.Glob("testdata/scenarios/*.yaml")
	if err != nil || len(files) == 0 {
		tb.Fatalf("no scenario files: %v", err)
	}
	out := map[string]Scenario{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		var s Scenario
		dec := yaml.NewDecoder(strings.NewReader(string(b)))
		dec.KnownFields(true)
		if err := dec.Decode(&s); err != nil {
			tb.Fatalf("%s: %v", f, err)
		}
		out[filepath.Base(f)] = s
	}
	return out
}

// Compile builds subjects and records; ids are assigned in file order.
func (s Scenario) Compile(tb testing.TB) World {
	tb.Helper()
	ids := map[string]int64{}
	id := func(kind, name string) int64 {
		k := kind + ":" + name
		if ids[k] == 0 {
			ids[k] = int64(len(ids) + 1)
		}
		return ids[k]
	}
	paths := map[string][]int64{}
	for _, d := range s.Departments {
		paths[d.Name] = append(slices.Clone(paths[d.Parent]), id("dept", d.Name))
	}
	roles := map[string]access.Role{}
	for _, r := range access.Presets() {
		r.ID = id("role", r.Key)
		roles[r.Key] = r
	}
	principal := func(m map[string]string) access.Principal {
		for k, v := range m {
			switch k {
			case "user":
				return access.Principal{Type: access.PrincipalUser, ID: id("user", v)}
			case "department", "department_tree":
				return access.Principal{Type: access.PrincipalDepartment, ID: id("dept", v), IncludeSubDept: k == "department_tree"}
			case "group":
				return access.Principal{Type: access.PrincipalGroup, ID: id("group", v)}
			case "role":
				return access.Principal{Type: access.PrincipalRole, ID: id("role", v)}
			}
		}
		tb.Fatalf("bad principal %v", m)
		return access.Principal{}
	}
	var rules []access.SharingRule
	for i, r := range s.SharingRules {
		if err := r.Criteria.Validate("criteria"); err != nil {
			tb.Fatalf("rule %s: %v", r.Name, err)
		}
		rules = append(rules, access.SharingRule{ID: int64(i + 1), Name: r.Name, Criteria: r.Criteria, Principal: principal(r.Principal), Level: access.Level(r.Level)})
	}
	var restrictions []access.RestrictionRule
	for i, r := range s.Restrictions {
		x := access.RestrictionRule{ID: int64(i + 1), Name: r.Name, Criteria: r.Criteria}
		for _, p := range r.Principals {
			x.Principals = append(x.Principals, principal(p))
		}
		restrictions = append(restrictions, x)
	}
	var pools []access.Pool
	for _, p := range s.Pools {
		pl := access.Pool{ID: id("pool", p.Name), Name: p.Name}
		for _, d := range p.Departments {
			pl.Departments = append(pl.Departments, id("dept", d))
		}
		pools = append(pools, pl)
	}
	w := World{Subjects: map[string]*access.Subject{}, Records: map[string]access.Record{}}
	deptOf, managerOf := map[string]string{}, map[string]string{}
	for _, u := range s.Users {
		deptOf[u.Name], managerOf[u.Name] = u.Department, u.Manager
	}
	for _, u := range s.Users {
		var subs []int64
		for v := range managerOf {
			for m := managerOf[v]; m != ""; m = managerOf[m] {
				if m == u.Name {
					subs = append(subs, id("user", v))
					break
				}
			}
		}
		var groups []int64
		for g, members := range s.Groups {
			if slices.Contains(members, u.Name) {
				groups = append(groups, id("group", g))
			}
		}
		var rs []access.Role
		for _, k := range u.Roles {
			rs = append(rs, roles[k])
		}
		p := paths[u.Department]
		w.Subjects[u.Name] = access.NewSubject(access.SubjectFacts{TenantID: 1, UserID: id("user", u.Name), DeptID: p[len(p)-1], DeptPath: p,
			Subordinates: subs, Groups: groups, Roles: rs, SharingRules: rules, Restrictions: restrictions, Pools: pools, Now: scenarioNow})
	}
	for _, c := range s.Customers {
		r := access.Record{ID: id("customer", c.Name), Facts: access.Facts{Name: c.Name, Region: c.Region, Level: c.Level}}
		if c.Owner != "" {
			p := paths[deptOf[c.Owner]]
			r.OwnerID, r.OwnerDeptID, r.DeptPath = id("user", c.Owner), p[len(p)-1], p
		}
		if c.Pool != "" {
			r.PoolID = id("pool", c.Pool)
		}
		for _, m := range c.Team {
			r.Team = append(r.Team, access.TeamMember{UserID: id("user", m.User), Level: access.Level(m.Level)})
		}
		for i, sh := range c.Shares {
			g := access.ShareGrant{ID: int64(i + 1), Principal: principal(sh.To), Level: access.Level(sh.Level)}
			if sh.Expired {
				past := scenarioNow.Add(-time.Hour)
				g.ExpiresAt = &past
			}
			r.Shares = append(r.Shares, g)
		}
		w.Records[c.Name] = r
	}
	return w
}

// reasonText renders a reason as scenario files write it.
func reasonText(r access.Reason) string {
	if r.Source == "role" {
		return "role " + r.Role + " " + string(r.Scope) + ": " + r.Fact
	}
	return r.Source + " " + string(r.Level) + ": " + r.Fact
}

// TestScenarios runs every scenario's expectations through Check, Filter
// and the explanations.
func TestScenarios(t *testing.T) {
	for file, s := range LoadScenarios(t) {
		t.Run(file, func(t *testing.T) {
			w := s.Compile(t)
			for _, e := range s.Expect {
				sub, rec := w.Subjects[e.User], w.Records[e.Customer]
				if sub == nil || rec.ID == 0 {
					t.Fatalf("expectation names unknown user %q or customer %q", e.User, e.Customer)
				}
				obj := access.Customer
				if e.Object != "" {
					obj = access.Object(e.Object)
				}
				for _, list := range []struct {
					actions []string
					want    bool
				}{{e.Allow, true}, {e.Deny, false}} {
					for _, a := range list.actions {
						d := sub.Check(obj, access.Action(a), rec)
						if d.Allowed != list.want {
							t.Errorf("%s: %s %s.%s on %s: allowed %v, want %v (%+v)", s.Name, e.User, obj, a, e.Customer, d.Allowed, list.want, d)
						}
						if got := sub.Filter(obj, access.Action(a)).Match(rec); got != list.want {
							t.Errorf("%s: %s %s.%s on %s: filter says %v, want %v", s.Name, e.User, obj, a, e.Customer, got, list.want)
						}
					}
				}
				for a, want := range e.Reason {
					d := sub.Check(obj, access.Action(a), rec)
					var got []string
					for _, r := range d.Reasons {
						got = append(got, reasonText(r))
					}
					if !slices.Contains(got, want) {
						t.Errorf("%s: %s %s.%s on %s: reasons %q, want one %q", s.Name, e.User, obj, a, e.Customer, got, want)
					}
				}
				for a, want := range e.Missing {
					if d := sub.Check(obj, access.Action(a), rec); !strings.HasPrefix(d.Missing, want) {
						t.Errorf("%s: %s %s.%s on %s: missing %q, want it to start %q", s.Name, e.User, obj, a, e.Customer, d.Missing, want)
					}
				}
			}
		})
	}
}

// BenchmarkCheck measures single decisions over the scenario worlds.
func BenchmarkCheck(b *testing.B) {
	type pair struct {
		s *access.Subject
		r access.Record
	}
	var pairs []pair
	for _, s := range LoadScenarios(b) {
		w := s.Compile(b)
		for _, e := range s.Expect {
			pairs = append(pairs, pair{w.Subjects[e.User], w.Records[e.Customer]})
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := pairs[i%len(pairs)]
		p.s.Check(access.Customer, access.View, p.r)
	}
}
