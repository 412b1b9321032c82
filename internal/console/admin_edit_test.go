package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"steward/internal/access"
	"steward/internal/demo"
	"steward/internal/service"
)

// adminPages are the editors of rules, departments, groups and roles.
func (s *site) adminPages(t testing.TB) map[string]int {
	t.Helper()
	admin := s.actor(t, "admin@demo.example")
	east := s.department(t, admin, "East Team")
	rule, err := s.svc.SaveSharingRule(context.Background(), admin, 0, service.SharingRuleInput{Name: "Nested",
		Criteria: access.Criteria{Any: []access.Criteria{{All: []access.Criteria{{Field: "level", Op: "equals", Value: "A"}}},
			{Field: "created_at", Op: "range", Min: "2020-01-01T00:00:00Z"}}},
		Principal: access.Principal{Type: access.PrincipalDepartment, ID: east.ID}, Level: access.Read, Reason: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]int{"/rules": 200, "/rules/sharing/new": 200, "/rules/restriction/new": 200,
		fmt.Sprintf("/rules/sharing/%d", rule.ID): 200, "/admin/org": 200, fmt.Sprintf("/admin/org/%d", east.ID): 200,
		"/admin/groups": 200, "/matrix/roles": 200, "/matrix/roles/sales_rep": 200, "/matrix": 200}
}

// The editors render in both languages for the administrator, with every
// catalogue key found and no inline script or style.
func TestAdminEditorsRender(t *testing.T) {
	s := newSite(t)
	pages := s.adminPages(t)
	for _, lang := range []string{"en", "zh-CN"} {
		c := newClient(t, s.URL)
		c.signIn("admin@demo.example")
		c.get("/lang/" + lang)
		for p, want := range pages {
			resp, body := c.get(p)
			if resp.StatusCode != want {
				t.Errorf("%s %s: status %d, want %d", lang, p, resp.StatusCode, want)
			}
			if i := strings.Index(body, "[["); i >= 0 {
				t.Errorf("%s %s: untranslated key near %q", lang, p, body[i:min(len(body), i+60)])
			}
			if strings.Contains(body, "<script>") || strings.Contains(body, " style=") {
				t.Errorf("%s %s: inline script or style", lang, p)
			}
		}
	}
}

// A rep holds none of the functions: no nav link or tab leads to the
// editors, and typed in they answer 403. The auditor reads the rules but
// gets no editor.
func TestAdminEditorsNeedTheirFunctions(t *testing.T) {
	s := newSite(t)
	pages := s.adminPages(t)
	c := newClient(t, s.URL)
	c.signIn("east.rep1@demo.example")
	_, body := c.get("/customers")
	for _, link := range []string{`id="nav-rules"`, `id="nav-admin"`, `id="nav-org"`, `href="/admin/groups"`, `href="/matrix/roles"`} {
		if strings.Contains(body, link) {
			t.Errorf("a rep's page links to an editor: %s", link)
		}
	}
	for p := range pages {
		if resp, _ := c.get(p); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a rep's GET %s: %d, want 403", p, resp.StatusCode)
		}
	}
	token := csrf(t, body)
	for _, p := range []string{"/rules/sharing", "/rules/sharing/preview", "/rules/restriction", "/admin/org", "/admin/groups", "/matrix/roles"} {
		if resp, _ := c.post(p, url.Values{"csrf": {token}, "name": {"x"}, "reason": {"x"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a rep's POST %s: %d, want 403", p, resp.StatusCode)
		}
	}

	auditor := newClient(t, s.URL)
	auditor.signIn("auditor@demo.example")
	_, body = auditor.get("/rules")
	if !strings.Contains(body, `id="nav-rules"`) || strings.Contains(body, `id="new-sharing-rule"`) {
		t.Errorf("the auditor's rules page: want the nav link and no New button")
	}
	for p, want := range map[string]int{"/rules/sharing/new": 403, "/admin/groups": 403, "/matrix/roles": 403, "/admin/org": 403} {
		if resp, _ := auditor.get(p); resp.StatusCode != want {
			t.Errorf("the auditor's GET %s: %d, want %d", p, resp.StatusCode, want)
		}
	}
	for p := range pages {
		if strings.HasPrefix(p, "/rules/sharing/") && !strings.HasSuffix(p, "/new") {
			resp, body := auditor.get(p)
			if resp.StatusCode != 200 || strings.Contains(body, `id="rule-form"`) || !strings.Contains(body, `id="rule-criteria"`) {
				t.Errorf("the auditor's %s: status %d, want the rule read-only", p, resp.StatusCode)
			}
		}
	}

	admin := newClient(t, s.URL)
	admin.signIn("admin@demo.example")
	_, body = admin.get("/customers")
	_, org := admin.get("/admin/org")
	_, matrix := admin.get("/matrix")
	for _, link := range []string{`id="nav-rules"`, `id="nav-admin"`} {
		if !strings.Contains(body, link) {
			t.Errorf("the administrator's nav lacks %s", link)
		}
	}
	if !strings.Contains(org, `id="tab-groups"`) || !strings.Contains(org, `id="dept-form"`) || !strings.Contains(matrix, `id="manage-roles"`) {
		t.Errorf("the administrator's org page has no groups tab or department form, or the matrix no link to the roles")
	}
}

// ruleForm is a sharing rule as the form posts it: level A customers of
// the given regions, shared with a department at read.
func ruleForm(token, name string, dept int64, regions string) url.Values {
	return url.Values{"csrf": {token}, "name": {name}, "reason": {"Cover the West"}, "level": {"read"}, "match": {"all"},
		"c0.field": {"level"}, "c0.op": {"equals"}, "c0.value": {"A"},
		"c1.field": {"region"}, "c1.op": {"in"}, "c1.value": {regions},
		"c2.field": {""}, "c2.op": {"equals"}, "c2.value": {""},
		"p0": {fmt.Sprintf("department:%d", dept)}}
}

var (
	reachCustomers = regexp.MustCompile(`id="reach-customers">(\d+) customers`)
	reachUsers     = regexp.MustCompile(`id="reach-users">Saving would let (\d+) users see customers they do not see now, and (\d+) users`)
)

// visible reads which customers each demo user sees.
func (s *site) visible(t testing.TB) map[string]map[int64]bool {
	t.Helper()
	out := map[string]map[int64]bool{}
	for _, l := range demo.Logins {
		set := map[int64]bool{}
		for _, c := range s.customers(t, s.actor(t, l.Email)) {
			set[c.ID] = true
		}
		out[l.Email] = set
	}
	return out
}

// The preview counts the customers the criteria match, and the users who
// gain sight of customers is what saving the rule then does; saving,
// editing and deleting go through, each once.
func TestRuleEditorPreviewCreateEditDelete(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	admin := s.actor(t, "admin@demo.example")
	east := s.department(t, admin, "East Team")
	want := 0
	for _, cu := range s.customers(t, admin) {
		if cu.Level == "A" && (cu.Region == "West" || cu.Region == "North") {
			want++
		}
	}
	if want == 0 {
		t.Fatal("the demo data has no level A customer in the West or North")
	}
	c := newClient(t, s.URL)
	c.signIn("admin@demo.example")
	_, body := c.get("/rules/sharing/new")
	token := csrf(t, body)

	resp, body := c.post("/rules/sharing/preview", ruleForm(token, "West A to East", east.ID, "West, North"))
	m := reachCustomers.FindStringSubmatch(body)
	if resp.StatusCode != 200 || m == nil || m[1] != fmt.Sprint(want) {
		t.Fatalf("preview: status %d, count %v, want 200 and %d customers", resp.StatusCode, m, want)
	}
	u := reachUsers.FindStringSubmatch(body)
	if u == nil {
		t.Fatalf("the preview says nothing of users")
	}
	if rules, _ := s.svc.SharingRules(ctx, admin); len(rules) != 0 {
		t.Fatalf("the preview saved a rule")
	}
	if !strings.Contains(body, `value="West, North"`) {
		t.Errorf("the preview does not keep the form as posted")
	}

	before := s.visible(t)
	if resp, _ := c.post("/rules/sharing", ruleForm(token, "West A to East", east.ID, "West, North")); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: status %d, want 303", resp.StatusCode)
	}
	gained := 0
	for who, now := range s.visible(t) {
		for id := range now {
			if !before[who][id] {
				gained++
				break
			}
		}
	}
	if u[1] != fmt.Sprint(gained) || gained == 0 {
		t.Errorf("the preview said %s users would gain access; %d did", u[1], gained)
	}
	rules, err := s.svc.SharingRules(ctx, admin)
	if err != nil || len(rules) != 1 {
		t.Fatalf("after create: %d rules, %v", len(rules), err)
	}
	r := rules[0]
	wantCriteria := access.Criteria{All: []access.Criteria{{Field: "level", Op: "equals", Value: "A"}, {Field: "region", Op: "in", Values: []string{"West", "North"}}}}
	if fmt.Sprint(r.Criteria) != fmt.Sprint(wantCriteria) || r.Principal != (access.Principal{Type: "department", ID: east.ID}) || r.Level != access.Read {
		t.Errorf("saved rule %+v", r)
	}
	page := fmt.Sprintf("/rules/sharing/%d", r.ID)
	_, body = c.get(page)
	if !strings.Contains(body, `id="rule-form"`) || !strings.Contains(body, `value="West, North"`) {
		t.Errorf("the rule's page does not show it in the editor")
	}
	edit := ruleForm(token, "West A to East", east.ID, "West")
	edit.Set("level", "edit")
	edit.Set("p0.sub", "1")
	if resp, _ := c.post(page, edit); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: status %d", resp.StatusCode)
	}
	rules, _ = s.svc.SharingRules(ctx, admin)
	if len(rules) != 1 || rules[0].Level != access.EditLevel || !rules[0].Principal.IncludeSubDept || len(rules[0].Criteria.All[1].Values) != 1 {
		t.Errorf("after edit: %+v", rules)
	}
	if resp, _ := c.post(page+"/delete", url.Values{"csrf": {token}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: status %d", resp.StatusCode)
	}
	if rules, _ = s.svc.SharingRules(ctx, admin); len(rules) != 0 {
		t.Errorf("after delete: %d rules", len(rules))
	}
	if resp, _ := c.get(page); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a deleted rule's page: %d, want 404", resp.StatusCode)
	}
}

// A restriction names several principals; its preview counts the users
// who would stop seeing customers.
func TestRestrictionEditor(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	admin := s.actor(t, "admin@demo.example")
	marketing := s.department(t, admin, "Marketing")
	rep := s.actor(t, "east.rep1@demo.example")
	c := newClient(t, s.URL)
	c.signIn("admin@demo.example")
	_, body := c.get("/rules/restriction/new")
	token := csrf(t, body)
	form := url.Values{"csrf": {token}, "name": {"Retail hidden"}, "reason": {"Confidential"}, "match": {"any"},
		"c0.field": {"industry"}, "c0.op": {"equals"}, "c0.value": {"Retail"},
		"p0": {fmt.Sprintf("department:%d", marketing.ID)}, "p1": {""}, "p2": {fmt.Sprintf("user:%d", rep.UserID)}}
	resp, body := c.post("/rules/restriction/preview", form)
	u := reachUsers.FindStringSubmatch(body)
	if resp.StatusCode != 200 || u == nil || u[2] != "2" {
		t.Errorf("restriction preview: status %d, users %v, want 2 losing (Marketing's one user and the rep)", resp.StatusCode, u)
	}
	if resp, _ := c.post("/rules/restriction", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: status %d", resp.StatusCode)
	}
	rs, _ := s.svc.RestrictionRules(ctx, admin)
	if len(rs) != 1 || len(rs[0].Principals) != 2 || rs[0].Principals[1].ID != rep.UserID || rs[0].Criteria.Field != "industry" {
		t.Fatalf("saved restriction %+v", rs)
	}
	for _, cu := range s.customers(t, s.actor(t, "east.rep1@demo.example")) {
		if cu.Industry == "Retail" {
			t.Errorf("the rep still sees Retail customer %d", cu.ID)
		}
	}
	page := fmt.Sprintf("/rules/restriction/%d", rs[0].ID)
	if resp, _ := c.post(page+"/delete", url.Values{"csrf": {token}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("delete: status %d", resp.StatusCode)
	}
}

// Bad input shows the form again with the input at fault named, and
// saves nothing; a form without its CSRF token is refused.
func TestRuleEditorBadInput(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	admin := s.actor(t, "admin@demo.example")
	east := s.department(t, admin, "East Team")
	c := newClient(t, s.URL)
	c.signIn("admin@demo.example")
	_, body := c.get("/rules/sharing/new")
	token := csrf(t, body)
	for name, tc := range map[string]struct {
		change func(url.Values)
		errID  string
	}{
		"no reason":    {func(f url.Values) { f.Set("reason", "") }, `id="rule-e-reason"`},
		"no name":      {func(f url.Values) { f.Set("name", "") }, `id="rule-e-name"`},
		"no principal": {func(f url.Values) { f.Set("p0", "") }, `id="rule-e-p0"`},
		"no condition": {func(f url.Values) {
			f.Set("c0.field", "")
			f.Set("c0.value", "")
			f.Set("c1.field", "")
			f.Set("c1.value", "")
		}, `id="rule-e-c0"`},
		"value without field": {func(f url.Values) { f.Set("c2.value", "x") }, `id="rule-e-c2"`},
		"time equals":         {func(f url.Values) { f.Set("c1.field", "created_at") }, `id="rule-e-c1"`},
		"bad date":            {func(f url.Values) { f.Set("c2.field", "created_at"); f.Set("c2.op", "range"); f.Set("c2.min", "soon") }, `id="rule-e-c2"`},
		"empty in":            {func(f url.Values) { f.Set("c1.value", " , ") }, `id="rule-e-c1"`},
		"bad level":           {func(f url.Values) { f.Set("level", "owner") }, `id="rule-e-level"`},
		"bad json":            {func(f url.Values) { f.Set("criteria", `{"all": [`) }, `id="rule-e-criteria"`},
		"unknown json field":  {func(f url.Values) { f.Set("criteria", `{"field": "phone", "op": "equals", "value": "1"}`) }, `id="rule-e-criteria"`},
	} {
		for _, path := range []string{"/rules/sharing", "/rules/sharing/preview"} {
			f := ruleForm(token, "Bad", east.ID, "West")
			tc.change(f)
			resp, body := c.post(path, f)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, tc.errID) || !strings.Contains(body, `id="rule-form-error"`) {
				t.Errorf("%s, POST %s: status %d, want 400 with %s", name, path, resp.StatusCode, tc.errID)
			}
			if strings.Contains(body, `id="rule-reach"`) {
				t.Errorf("%s, POST %s: a count shown for bad input", name, path)
			}
		}
	}
	f := ruleForm(token, "No token", east.ID, "West")
	f.Del("csrf")
	if resp, _ := c.post("/rules/sharing", f); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a rule without its CSRF token: status %d, want 403", resp.StatusCode)
	}
	f.Set("csrf", "forged")
	if resp, _ := c.post("/rules/sharing", f); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a rule with a forged CSRF token: status %d, want 403", resp.StatusCode)
	}
	if rules, _ := s.svc.SharingRules(ctx, admin); len(rules) != 0 {
		t.Errorf("bad input saved %d rules", len(rules))
	}
}

// Departments: created under a picked parent, renamed, moved after a
// preview of the new path, refused a move under their own subtree and a
// deletion while not empty, deleted when empty.
func TestDepartmentEditor(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	admin := s.actor(t, "admin@demo.example")
	sales, marketing, east := s.department(t, admin, "Sales"), s.department(t, admin, "Marketing"), s.department(t, admin, "East Team")
	c := newClient(t, s.URL)
	c.signIn("admin@demo.example")
	_, body := c.get("/admin/org")
	token := csrf(t, body)

	resp, body := c.post("/admin/org", url.Values{"csrf": {token}, "name": {""}, "parent_id": {fmt.Sprint(sales.ID)}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="dept-e-name"`) {
		t.Errorf("a department without a name: status %d, want 400 naming the name", resp.StatusCode)
	}
	resp, _ = c.post("/admin/org", url.Values{"csrf": {token}, "name": {"South Team"}, "parent_id": {fmt.Sprint(sales.ID)}})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/org/") {
		t.Fatalf("create: status %d to %q", resp.StatusCode, loc)
	}
	south := s.department(t, admin, "South Team")
	page := fmt.Sprintf("/admin/org/%d", south.ID)
	if resp, _ := c.post(page+"/rename", url.Values{"csrf": {token}, "name": {"South Team 2"}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("rename: status %d", resp.StatusCode)
	}
	resp, body = c.post(page+"/move", url.Values{"csrf": {token}, "parent_id": {fmt.Sprint(marketing.ID)}})
	if resp.StatusCode != 200 || !strings.Contains(body, `id="move-new-path">`) || !strings.Contains(body, "Marketing › South Team 2") {
		t.Errorf("move preview: status %d, want the new path", resp.StatusCode)
	}
	if d, _ := s.svc.Department(ctx, admin, south.ID); *d.ParentID != sales.ID {
		t.Errorf("the move preview moved the department")
	}
	if resp, _ := c.post(page+"/move", url.Values{"csrf": {token}, "parent_id": {fmt.Sprint(marketing.ID)}, "confirm": {"1"}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("move: status %d", resp.StatusCode)
	}
	if d, _ := s.svc.Department(ctx, admin, south.ID); *d.ParentID != marketing.ID || d.Name != "South Team 2" {
		t.Errorf("after rename and move: %+v", d)
	}
	resp, body = c.post(fmt.Sprintf("/admin/org/%d/move", sales.ID), url.Values{"csrf": {token}, "parent_id": {fmt.Sprint(east.ID)}, "confirm": {"1"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="move-e-parent_id"`) || !strings.Contains(body, "under itself or its own sub-department") {
		t.Errorf("a move under its own subtree: status %d, want 400 saying why", resp.StatusCode)
	}
	resp, body = c.post(fmt.Sprintf("/admin/org/%d/delete", east.ID), url.Values{"csrf": {token}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, `id="dept-error"`) {
		t.Errorf("deleting a department with members: status %d, want 409 with the reason", resp.StatusCode)
	}
	if resp, _ := c.post(page+"/delete", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a deletion without its CSRF token: status %d, want 403", resp.StatusCode)
	}
	if resp, _ := c.post(page+"/delete", url.Values{"csrf": {token}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("delete: status %d", resp.StatusCode)
	}
	if _, err := s.svc.Department(ctx, admin, south.ID); err == nil {
		t.Errorf("the department is still there")
	}
}

// Groups: created, renamed, a member found and added, removed, deleted.
func TestGroupEditor(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	admin := s.actor(t, "admin@demo.example")
	rep := s.actor(t, "west.rep1@demo.example")
	c := newClient(t, s.URL)
	c.signIn("admin@demo.example")
	_, body := c.get("/admin/groups")
	token := csrf(t, body)
	resp, body := c.post("/admin/groups", url.Values{"csrf": {token}, "name": {" "}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="group-e-name"`) {
		t.Errorf("a group without a name: status %d, want 400 naming the name", resp.StatusCode)
	}
	if gs, _ := s.svc.Groups(ctx, admin); len(gs) != 0 {
		t.Fatalf("bad input made a group")
	}
	resp, _ = c.post("/admin/groups", url.Values{"csrf": {token}, "name": {"Key accounts"}, "description": {"Across regions"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: status %d", resp.StatusCode)
	}
	gs, _ := s.svc.Groups(ctx, admin)
	if len(gs) != 1 {
		t.Fatalf("%d groups", len(gs))
	}
	page := fmt.Sprintf("/admin/groups/%d", gs[0].ID)
	_, body = c.get(page + "?q=Wang")
	if !strings.Contains(body, fmt.Sprintf(`<option value="%d">Wang Fang`, rep.UserID)) || strings.Contains(body, "Eric Chen") {
		t.Errorf("the member search for Wang does not offer just the Wangs")
	}
	if resp, _ := c.post(page+"/members", url.Values{"csrf": {token}, "user_id": {fmt.Sprint(rep.UserID)}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("add member: status %d", resp.StatusCode)
	}
	resp, body = c.post(page+"/members", url.Values{"csrf": {token}, "user_id": {"999999"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="add-e-user_id"`) {
		t.Errorf("adding an unknown user: status %d, want 400 naming the user", resp.StatusCode)
	}
	if resp, _ := c.post(page, url.Values{"csrf": {token}, "name": {"Key accounts Asia"}, "description": {""}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("rename: status %d", resp.StatusCode)
	}
	g, _ := s.svc.Group(ctx, admin, gs[0].ID)
	if g.Name != "Key accounts Asia" || len(g.Members) != 1 || g.Members[0] != rep.UserID {
		t.Errorf("after add and rename: %+v", g)
	}
	_, body = c.get(page)
	if !strings.Contains(body, fmt.Sprintf(`id="remove-%d"`, rep.UserID)) {
		t.Errorf("the member has no Remove button")
	}
	if resp, _ := c.post(fmt.Sprintf("%s/members/%d/delete", page, rep.UserID), url.Values{"csrf": {token}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("remove member: status %d", resp.StatusCode)
	}
	if g, _ = s.svc.Group(ctx, admin, g.ID); len(g.Members) != 0 {
		t.Errorf("after remove: %v", g.Members)
	}
	if resp, _ := c.post(page+"/delete", url.Values{"csrf": {token}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("delete: status %d", resp.StatusCode)
	}
	if resp, _ := c.get(page); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a deleted group's page: %d, want 404", resp.StatusCode)
	}
}

// Roles: a copy of a preset, renamed, refused a bad or taken key, deleted.
func TestRoleEditor(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	admin := s.actor(t, "admin@demo.example")
	c := newClient(t, s.URL)
	c.signIn("admin@demo.example")
	_, body := c.get("/matrix/roles")
	token := csrf(t, body)
	for key, errID := range map[string]string{"Bad Key": `id="role-e-key"`, "sales_rep": `id="role-e-key"`} {
		resp, body := c.post("/matrix/roles", url.Values{"csrf": {token}, "key": {key}, "name": {"X"}, "copy": {"sales_rep"}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, errID) {
			t.Errorf("key %q: status %d, want 400 naming the key", key, resp.StatusCode)
		}
	}
	resp, body := c.post("/matrix/roles", url.Values{"csrf": {token}, "key": {"x2"}, "name": {"X"}, "copy": {"no_such_role"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="role-e-copy"`) {
		t.Errorf("a copy of no role: status %d, want 400 naming the copy", resp.StatusCode)
	}
	resp, _ = c.post("/matrix/roles", url.Values{"csrf": {token}, "key": {"key_account"}, "name": {"Key Account Rep"}, "copy": {"sales_rep"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/matrix/roles/key_account?done=created" {
		t.Fatalf("create: status %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	rep, _ := s.svc.Role(ctx, admin, "sales_rep")
	got, err := s.svc.Role(ctx, admin, "key_account")
	if err != nil || got.Preset || fmt.Sprint(got.Permissions) != fmt.Sprint(rep.Permissions) || len(got.Fields) != len(rep.Fields) {
		t.Errorf("the copy %+v differs from sales_rep", got)
	}
	if resp, _ := c.post("/matrix/roles/key_account", url.Values{"csrf": {token}, "name": {"Key Accounts"}, "description": {"Big ones"}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("rename: status %d", resp.StatusCode)
	}
	if got, _ = s.svc.Role(ctx, admin, "key_account"); got.Name != "Key Accounts" || got.Description != "Big ones" {
		t.Errorf("after rename: %+v", got)
	}
	_, body = c.get("/matrix/roles/sales_rep")
	if strings.Contains(body, `id="role-delete"`) || !strings.Contains(body, `href="/matrix?role=sales_rep#editor"`) {
		t.Errorf("a preset's page offers deletion, or no link to its cells")
	}
	if resp, _ := c.post("/matrix/roles/key_account/delete", url.Values{"csrf": {token}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("delete: status %d", resp.StatusCode)
	}
	if _, err := s.svc.Role(ctx, admin, "key_account"); err == nil {
		t.Errorf("the role is still there")
	}
}
