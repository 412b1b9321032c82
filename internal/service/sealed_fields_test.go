package service_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"steward/internal/access"
	"steward/internal/crm"
	"steward/internal/errs"
	"steward/internal/fields"
	"steward/internal/keyring"
	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// Customer and contact fields are sealed on every engine: phone, e-mail,
// address and a custom field marked sensitive are ciphertext in the rows
// and in a dump of the database, read back as written, are found by
// whole phone number or e-mail through their blind indexes (not in part),
// are bound to their row, survive a key rotation, and a value an earlier
// version stored in clear is sealed by the sweep.
func TestCustomerFieldsSealed(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			db, dsn := storetest.OpenAt(t, e)
			raw := rawDB(t, e, dsn)
			now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
			svc := newService(db, &now)
			t.Cleanup(svc.Wait)
			relaxed := service.DefaultSecurity()
			relaxed.MFARoles, relaxed.MFAForExport, relaxed.MFAForAdmin = []string{}, false, false
			tn, adm, err := svc.CreateTenant(ctx, service.NewTenant{Slug: "seal", Name: "Seal Co", AdminEmail: "a@seal.example",
				AdminPassword: "correct-horse-battery-staple", Security: &relaxed})
			if err != nil {
				t.Fatal(err)
			}
			admin := must[*service.Actor](t)(svc.ActorFor(ctx, tn.ID, adm.ID))
			obj, key, typ, label, yes := access.Customer, "id_number", fields.Text, "ID number", true
			must[fields.Field](t)(svc.SaveField(ctx, admin, access.Customer, "", service.FieldInput{Object: &obj, Key: &key, Type: &typ,
				LabelEn: &label, LabelZh: &label, Sensitive: &yes}))
			dobj, dkey := access.Deal, "contract_no"
			must[fields.Field](t)(svc.SaveField(ctx, admin, access.Deal, "", service.FieldInput{Object: &dobj, Key: &dkey, Type: &typ,
				LabelEn: &label, LabelZh: &label, Sensitive: &yes}))
			admin = must[*service.Actor](t)(svc.ActorFor(ctx, tn.ID, adm.ID))

			name, phone, email, addr, idno := "Sealed Trading", "+86 138-0000-7777", "Buyer@Sealed.example", "88 Nanjing Road, Shanghai", "310101199001011234"
			c := must[crm.Customer](t)(svc.CreateCustomer(ctx, admin, crm.CustomerInput{Name: &name, Phone: &phone, Email: &email, Address: &addr,
				Custom: crm.Custom{"id_number": idno}}))
			name2, phone2, email2 := "Other Sealed Ltd", "+86 138 0000 9999", "other@sealed.example"
			d := must[crm.Customer](t)(svc.CreateCustomer(ctx, admin, crm.CustomerInput{Name: &name2, Phone: &phone2, Email: &email2}))
			cname, cphone, cmail := "Contact Person", "+86 139 0000 8888", "contact.person@sealed.example"
			k := must[crm.Contact](t)(svc.SaveContact(ctx, admin, c.ID, 0, crm.ContactInput{Name: &cname, Phone: &cphone, Email: &cmail}))
			dname, contractNo := "Annual supply", "HT-2026-0042-SEALED"
			deal := must[crm.Deal](t)(svc.SaveDeal(ctx, admin, c.ID, 0, crm.DealInput{Name: &dname, Custom: crm.Custom{"contract_no": contractNo}}))
			secrets := []string{contractNo, "HT-2026", "13800007777", "138-0000-7777", "Buyer@Sealed", "buyer@sealed", "Nanjing Road", idno,
				"13800009999", "0000 9999", "other@sealed", "13900008888", "0000 8888", "contact.person"}

			// In the rows: sealed, with a key and blind indexes.
			var p, m, a, cu, pi, ei string
			var kid sql.NullInt64
			if err := raw.QueryRow(`SELECT phone, email, address, custom, key_id, phone_bidx, email_bidx FROM customers WHERE id = $1`, c.ID).
				Scan(&p, &m, &a, &cu, &kid, &pi, &ei); err != nil {
				t.Fatal(err)
			}
			if !keyring.IsSealed(p) || !keyring.IsSealed(m) || !keyring.IsSealed(a) || strings.Contains(cu, idno) || !strings.Contains(cu, `"sealed"`) ||
				!kid.Valid || pi == "" || ei == "" {
				t.Fatalf("stored row: phone %q email %q address %q custom %q key %v indexes %q %q", p, m, a, cu, kid, pi, ei)
			}

			var dealCustom string
			if err := raw.QueryRow(`SELECT custom FROM deals WHERE id = $1`, deal.ID).Scan(&dealCustom); err != nil ||
				strings.Contains(dealCustom, contractNo) || !strings.Contains(dealCustom, `"sealed"`) {
				t.Fatalf("stored deal custom values %q (%v)", dealCustom, err)
			}

			// Read back as written, by every path that reads rows.
			checkRead := func(when string) {
				t.Helper()
				if err := db.Read(ctx, func(tx *store.Tx) error {
					got, err := tx.Customer(ctx, tn.ID, c.ID)
					if err != nil {
						return err
					}
					if got.Phone != phone || got.Email != strings.ToLower(email) || got.Address != addr || got.Custom["id_number"] != idno {
						t.Errorf("%s: customer read back as %q %q %q %v", when, got.Phone, got.Email, got.Address, got.Custom)
					}
					ks, err := tx.ContactsOf(ctx, tn.ID, []int64{c.ID})
					if err != nil {
						return err
					}
					if len(ks[c.ID]) != 1 || ks[c.ID][0].Phone != cphone || ks[c.ID][0].Email != cmail {
						t.Errorf("%s: contact read back as %+v", when, ks[c.ID])
					}
					if d, err := tx.Deal(ctx, tn.ID, deal.ID); err != nil || d.Custom["contract_no"] != contractNo {
						t.Errorf("%s: deal read back as %v (%v)", when, d.Custom, err)
					}
					return nil
				}); err != nil {
					t.Fatalf("%s: %v", when, err)
				}
			}
			checkRead("after writing")

			// Found by whole phone number or e-mail, however written; not in part.
			search := func(q string) []int64 {
				t.Helper()
				page := must[service.Page[crm.Customer]](t)(svc.Customers(ctx, admin, store.CustomerQuery{Text: q, Sort: "last_activity_at", Limit: 10}))
				var ids []int64
				for _, x := range page.Items {
					ids = append(ids, x.ID)
				}
				slices.Sort(ids)
				return ids
			}
			for q, want := range map[string][]int64{
				"+8613800007777": {c.ID}, "+86 (138) 0000.7777": {c.ID}, "buyer@sealed.EXAMPLE": {c.ID}, " other@sealed.example ": {d.ID},
				"0000-7777": nil, "buyer@sealed": nil, "Sealed": {c.ID, d.ID},
			} {
				if got := search(q); !slices.Equal(got, want) {
					t.Errorf("search %q: got %v, want %v", q, got, want)
				}
			}
			subjects := must[[]store.PrivacySubject](t)(svc.PrivacySubjects(ctx, admin, "", "+86-139-0000-8888"))
			if len(subjects) != 1 || subjects[0].Type != "contact" || subjects[0].ID != k.ID {
				t.Errorf("privacy lookup of the contact's phone: %+v", subjects)
			}

			// Bound to its row: c's sealed phone in d's row does not open.
			var dPhone string
			if err := raw.QueryRow(`SELECT phone FROM customers WHERE id = $1`, d.ID).Scan(&dPhone); err != nil {
				t.Fatal(err)
			}
			mustExec(t, raw, `UPDATE customers SET phone = $1 WHERE id = $2`, p, d.ID)
			if err := db.Read(ctx, func(tx *store.Tx) error { _, err := tx.Customer(ctx, tn.ID, d.ID); return err }); errs.As(err) == nil || errs.As(err).Code != "unseal_failed" {
				t.Errorf("a sealed value moved to another row: got %v, want unseal_failed", err)
			}
			mustExec(t, raw, `UPDATE customers SET phone = $1 WHERE id = $2`, dPhone, d.ID)

			// No plaintext in a dump of the database.
			dump := dumpDB(t, e, dsn, raw)
			for _, s := range secrets {
				if bytes.Contains(dump, []byte(s)) {
					t.Errorf("the database dump holds %q in clear", s)
				}
			}
			if !bytes.Contains(dump, []byte("Sealed Trading")) {
				t.Error("the dump lacks the customer's name, which is not sealed: the scan reads nothing")
			}

			// Rotation: a new data key, every row re-sealed under it, the old
			// key retired, every value as written.
			before := kid.Int64
			now = now.Add(time.Hour) // keys are ordered by age
			if n, err := svc.RotateDataKeys(ctx, tn.ID); err != nil || n != 1 {
				t.Fatalf("rotate: %d, %v", n, err)
			}
			now = now.Add(2 * time.Minute)
			moved, err := svc.Reseal(ctx, tn.ID, nil)
			if err != nil || moved != 4 {
				t.Fatalf("reseal: moved %d, %v; want the 2 customers, the contact and the deal", moved, err)
			}
			var left int
			if err := raw.QueryRow(`SELECT (SELECT COUNT(*) FROM customers WHERE key_id = $1) + (SELECT COUNT(*) FROM contacts WHERE key_id = $1)
				+ (SELECT COUNT(*) FROM deals WHERE key_id = $1)`, before).Scan(&left); err != nil || left != 0 {
				t.Fatalf("rows under the old key after re-sealing: %d, %v", left, err)
			}
			states := must[[]service.KeyState](t)(svc.KeyStates(ctx, tn.ID))
			for _, s := range states {
				if s.ID == before && (s.RetiredAt == nil || s.Values != 0) {
					t.Errorf("the old key after re-sealing: %+v", s)
				}
				if s.Kind == store.KindData && s.Current && s.Values != 4 {
					t.Errorf("the new key holds %d rows, want 4", s.Values)
				}
			}
			checkRead("after rotation")
			if got := search("+8613800007777"); !slices.Equal(got, []int64{c.ID}) {
				t.Errorf("search by phone after rotation: %v", got)
			}

			// A row an earlier version stored in clear reads as it is, and
			// the sweep seals it.
			mustExec(t, raw, `UPDATE customers SET phone = '+86 138 0000 5555', email = '', key_id = NULL, phone_bidx = '', email_bidx = '' WHERE id = $1`, d.ID)
			if n, err := svc.SealClearRows(ctx); err != nil || n != 1 {
				t.Fatalf("sealing clear rows: %d, %v; want 1", n, err)
			}
			if n, err := svc.SealClearRows(ctx); err != nil || n != 0 {
				t.Fatalf("sealing again: %d, %v; want 0", n, err)
			}
			if err := raw.QueryRow(`SELECT phone FROM customers WHERE id = $1`, d.ID).Scan(&dPhone); err != nil || !keyring.IsSealed(dPhone) {
				t.Fatalf("after the sweep the phone is stored as %q (%v)", dPhone, err)
			}
			if got := search("+86 138 0000 5555"); !slices.Equal(got, []int64{d.ID}) {
				t.Errorf("search by the swept phone: %v", got)
			}
		})
	}
}

func mustExec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// dumpDB returns what a backup of the database holds: the SQLite file
// (its write-ahead log folded in first), or pg_dump's output of the
// test's schema.
func dumpDB(t *testing.T, e store.Engine, dsn string, raw *sql.DB) []byte {
	t.Helper()
	if e == store.SQLite {
		mustExec(t, raw, `PRAGMA wal_checkpoint(TRUNCATE)`)
		path := strings.TrimPrefix(dsn, "sqlite:")
		var out []byte
		for _, f := range []string{path, path + "-wal"} {
			b, err := os.ReadFile(f)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			out = append(out, b...)
		}
		return out
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	pgDump, err := exec.LookPath("pg_dump")
	if err != nil {
		t.Skip("pg_dump is not installed")
	}
	out, err := exec.Command(pgDump, "--no-owner", "-n", schema, u.String()).Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	return out
}

// Rotation under load: while a re-seal moves more than two batches of
// customers to a new key, another writer keeps changing their phone
// numbers. Afterwards every customer reads the number last written (no
// edit is undone by the re-seal, none is unreadable) and every row is
// under the new key.
func TestResealUnderLoad(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			db, _ := storetest.OpenAt(t, e)
			now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
			svc := newService(db, &now)
			t.Cleanup(svc.Wait)
			relaxed := service.DefaultSecurity()
			relaxed.MFARoles, relaxed.MFAForExport, relaxed.MFAForAdmin = []string{}, false, false
			tn, adm, err := svc.CreateTenant(ctx, service.NewTenant{Slug: "load", Name: "Load Co", AdminEmail: "a@load.example",
				AdminPassword: "correct-horse-battery-staple", Security: &relaxed})
			if err != nil {
				t.Fatal(err)
			}
			admin := must[*service.Actor](t)(svc.ActorFor(ctx, tn.ID, adm.ID))
			const n = 1100
			ids := make([]int64, n)
			last := make([]string, n)
			for i := range n {
				name, phone := fmt.Sprintf("Customer %d", i), fmt.Sprintf("+86 138 %08d", i)
				ids[i], last[i] = must[crm.Customer](t)(svc.CreateCustomer(ctx, admin, crm.CustomerInput{Name: &name, Phone: &phone})).ID, phone
			}
			now = now.Add(time.Hour) // keys are ordered by age
			if _, err := svc.RotateDataKeys(ctx, tn.ID); err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			writes := make(chan error, 1)
			written := 0
			go func() {
				defer close(writes)
				for k := 0; ; k++ {
					select {
					case <-done:
						return
					default:
					}
					i := (k * 7919) % n // spread over every batch
					phone := fmt.Sprintf("+86 139 %04d%04d", k%10000, i)
					if _, err := svc.UpdateCustomer(ctx, admin, ids[i], crm.CustomerInput{Phone: &phone}); err != nil {
						writes <- err
						return
					}
					last[i] = phone
					written++
				}
			}()
			_, err = svc.Reseal(ctx, tn.ID, nil)
			close(done)
			if werr := <-writes; werr != nil {
				t.Fatalf("a write during the re-seal: %v", werr)
			}
			if written == 0 {
				t.Fatal("nothing was written during the re-seal: the test shows nothing")
			}
			if err != nil {
				t.Fatal(err)
			}
			var current int64
			for _, s := range must[[]service.KeyState](t)(svc.KeyStates(ctx, tn.ID)) {
				if s.Kind == store.KindData && s.Current {
					current = s.ID
				} else if s.Kind == store.KindData && s.Values != 0 {
					t.Errorf("after the re-seal %d rows are left under key %d", s.Values, s.ID)
				}
			}
			if err := db.Read(ctx, func(tx *store.Tx) error {
				got, err := tx.CustomersByID(ctx, tn.ID, ids)
				for i, id := range ids {
					if got[id].Phone != last[i] {
						t.Errorf("customer %d reads %q, last written %q", id, got[id].Phone, last[i])
					}
				}
				return err
			}); err != nil || current == 0 {
				t.Fatalf("reading back: %v (current key %d)", err, current)
			}
		})
	}
}

// A custom field marked sensitive after it holds values has them sealed
// in place, in the background, and they read back as they were.
func TestFieldMarkedSensitiveIsSealed(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			db, dsn := storetest.OpenAt(t, e)
			raw := rawDB(t, e, dsn)
			now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
			svc := newService(db, &now)
			t.Cleanup(svc.Wait)
			tn, adm, err := svc.CreateTenant(ctx, service.NewTenant{Slug: "mark", Name: "Mark Co", AdminEmail: "a@mark.example",
				AdminPassword: "correct-horse-battery-staple"})
			if err != nil {
				t.Fatal(err)
			}
			admin := must[*service.Actor](t)(svc.ActorFor(ctx, tn.ID, adm.ID))
			obj, key, typ, label, no, yes := access.Customer, "passport", fields.Text, "Passport", false, true
			must[fields.Field](t)(svc.SaveField(ctx, admin, access.Customer, "", service.FieldInput{Object: &obj, Key: &key, Type: &typ,
				LabelEn: &label, LabelZh: &label, Sensitive: &no}))
			admin = must[*service.Actor](t)(svc.ActorFor(ctx, tn.ID, adm.ID))
			var ids []int64
			for i := range 3 {
				name := fmt.Sprintf("Customer %d", i)
				c := must[crm.Customer](t)(svc.CreateCustomer(ctx, admin, crm.CustomerInput{Name: &name, Custom: crm.Custom{"passport": fmt.Sprintf("E%08d", i)}}))
				ids = append(ids, c.ID)
			}
			stored := func(id int64) string {
				var custom string
				if err := raw.QueryRow(`SELECT custom FROM customers WHERE id = $1`, id).Scan(&custom); err != nil {
					t.Fatal(err)
				}
				return custom
			}
			if !strings.Contains(stored(ids[0]), "E00000000") {
				t.Fatalf("a value of a field not sensitive is stored as %q", stored(ids[0]))
			}
			must[fields.Field](t)(svc.SaveField(ctx, admin, access.Customer, key, service.FieldInput{Sensitive: &yes}))
			svc.Wait()
			for i, id := range ids {
				if c := stored(id); strings.Contains(c, fmt.Sprintf("E%08d", i)) || !strings.Contains(c, `"sealed"`) {
					t.Errorf("customer %d's values after the field was marked sensitive: %q", id, c)
				}
			}
			if err := db.Read(ctx, func(tx *store.Tx) error {
				got, err := tx.CustomersByID(ctx, tn.ID, ids)
				for i, id := range ids {
					if got[id].Custom["passport"] != fmt.Sprintf("E%08d", i) {
						t.Errorf("customer %d reads %v", id, got[id].Custom)
					}
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
		})
	}
}
