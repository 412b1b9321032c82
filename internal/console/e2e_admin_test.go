package console_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"steward/internal/org"
)

func ptr(s string) *string { return &s }

// An administrator writes a sharing rule in the form, previews how many
// customers it matches, saves it, and the rep it names then opens a
// customer of another team that they could not open before.
func TestE2ESharingRuleForm(t *testing.T) {
	t.Parallel()
	s := newE2ESite(t)
	admin := s.actor(t, "admin@demo.example")
	rep := s.actor(t, "east.rep1@demo.example")
	target, want := int64(0), 0
	for _, cu := range s.customers(t, admin) {
		if cu.Level == "A" && cu.Region == "West" {
			want++
			if target == 0 && cu.OwnerDeptID != nil && *cu.OwnerDeptID != rep.User.DepartmentID {
				target = cu.ID
			}
		}
	}
	if target == 0 {
		t.Fatal("the demo data has no West level A customer outside the East team")
	}
	b := newBrowser(t, s.URL)
	b.signIn("east.rep1@demo.example")
	if st := b.open(fmt.Sprintf("/customers/%d", target)); st != 404 {
		t.Fatalf("before the rule the rep opens customer %d: status %d, want 404", target, st)
	}

	b.switchTo("admin@demo.example")
	b.click("#nav-rules")
	b.click("#new-sharing-rule")
	b.do(chromedp.SendKeys(chromedp.CSS("#rule-f-name"), "West A accounts to Eric"),
		chromedp.SendKeys(chromedp.CSS("#rule-f-reason"), "Covers the West while it hires"))
	b.setValue("#rule-f-c0-field", "level")
	b.setValue("#rule-f-c0-op", "equals")
	b.do(chromedp.SendKeys(chromedp.CSS("#rule-f-c0-value"), "A"))
	b.setValue("#rule-f-c1-field", "region")
	b.do(chromedp.SendKeys(chromedp.CSS("#rule-f-c1-value"), "West"))
	b.setValue("#rule-f-p0", fmt.Sprintf("user:%d", rep.UserID))
	if st := b.click("#rule-preview"); st != 200 {
		t.Fatalf("preview: status %d", st)
	}
	if got := b.text("#reach-customers"); !strings.HasPrefix(got, fmt.Sprintf("%d customers", want)) {
		t.Errorf("the preview reads %q, want %d customers", got, want)
	}
	if got := b.text("#reach-users"); !strings.HasPrefix(got, "Saving would let 1 users") {
		t.Errorf("the preview reads %q, want 1 user gaining", got)
	}
	b.click("#rule-save")
	if got := b.text("#done"); !strings.HasPrefix(got, "Rule created") {
		t.Fatalf("after saving: %q", got)
	}
	if got := b.text("#sharing-rules"); !strings.Contains(got, "West A accounts to Eric") {
		t.Errorf("the rules list lacks the new rule: %q", got)
	}

	b.switchTo("east.rep1@demo.example")
	if st := b.open(fmt.Sprintf("/customers/%d", target)); st != 200 {
		t.Errorf("after the rule the rep opens customer %d: status %d, want 200", target, st)
	}
}

// adminShots takes the editors of rules, departments, groups and roles.
func adminShots(t *testing.T, s *site, b *browser, shot func(string)) {
	t.Helper()
	admin := s.actor(t, "admin@demo.example")
	east := s.department(t, admin, "East Team")
	b.open("/rules/sharing/new")
	b.do(chromedp.SendKeys(chromedp.CSS("#rule-f-name"), "A accounts in the West"),
		chromedp.SendKeys(chromedp.CSS("#rule-f-reason"), "Cover during hiring"))
	b.setValue("#rule-f-c0-field", "level")
	b.do(chromedp.SendKeys(chromedp.CSS("#rule-f-c0-value"), "A"))
	b.setValue("#rule-f-c1-field", "region")
	b.setValue("#rule-f-c1-op", "in")
	b.do(chromedp.SendKeys(chromedp.CSS("#rule-f-c1-value"), "West, North"))
	b.setValue("#rule-f-p0", fmt.Sprintf("department:%d", east.ID))
	b.click("#rule-preview")
	shot("rule-edit")
	b.open(fmt.Sprintf("/admin/org/%d", east.ID))
	shot("department")
	g, err := s.svc.SaveGroup(context.Background(), admin, 0, org.GroupInput{Name: ptr("Key accounts"), Description: ptr("Reps who look after the largest customers"),
		Members: &[]int64{s.actor(t, "east.rep1@demo.example").UserID, s.actor(t, "west.rep1@demo.example").UserID}})
	if err != nil {
		t.Fatal(err)
	}
	b.open("/admin/groups")
	shot("groups")
	b.open(fmt.Sprintf("/admin/groups/%d?q=North", g.ID))
	shot("group")
	b.open("/matrix/roles")
	shot("roles")
}
