package keyring_test

import (
	"bytes"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"steward/internal/keyring"
)

func key(t testing.TB) []byte {
	k, err := keyring.NewDataKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Whatever the value and place, a sealed value opens to itself with its
// key at its place, and at no other place, under no other key, after no
// change of a single byte.
func TestSealRoundTripAndBinding(t *testing.T) {
	k1, k2 := key(t), key(t)
	rapid.Check(t, func(rt *rapid.T) {
		plain := rapid.SliceOf(rapid.Byte()).Draw(rt, "plain")
		p := keyring.Place{TenantID: rapid.Int64Range(1, 1<<40).Draw(rt, "tenant"), Table: rapid.SampledFrom([]string{"customers", "contacts", "totp_factors"}).Draw(rt, "table"),
			Column: rapid.SampledFrom([]string{"phone", "email", "secret"}).Draw(rt, "column"), Row: rapid.StringMatching(`[0-9]{1,12}`).Draw(rt, "row")}
		id := rapid.Int64Range(1, 1<<40).Draw(rt, "key id")
		s, err := keyring.Seal(k1, id, p, plain)
		if err != nil {
			rt.Fatal(err)
		}
		if got, ok := keyring.KeyID(s); !ok || got != id {
			rt.Fatalf("KeyID(%q) = %d, %v; want %d", s, got, ok, id)
		}
		if bytes.Contains([]byte(s), plain) && len(plain) > 3 {
			rt.Fatalf("the sealed form %q contains the plaintext", s)
		}
		got, err := keyring.Open(k1, p, s)
		if err != nil || !bytes.Equal(got, plain) {
			rt.Fatalf("open: %q, %v; want %q", got, err, plain)
		}
		others := []keyring.Place{
			{TenantID: p.TenantID + 1, Table: p.Table, Column: p.Column, Row: p.Row},
			{TenantID: p.TenantID, Table: p.Table + "x", Column: p.Column, Row: p.Row},
			{TenantID: p.TenantID, Table: p.Table, Column: p.Column + "x", Row: p.Row},
			{TenantID: p.TenantID, Table: p.Table, Column: p.Column, Row: p.Row + "1"},
		}
		for _, o := range others {
			if _, err := keyring.Open(k1, o, s); err == nil {
				rt.Fatalf("a value sealed for %+v opened at %+v", p, o)
			}
		}
		if _, err := keyring.Open(k2, p, s); err == nil {
			rt.Fatal("a value opened under another key")
		}
		i := rapid.IntRange(0, len(s)-1).Draw(rt, "byte")
		b := []byte(s)
		b[i] ^= byte(rapid.IntRange(1, 255).Draw(rt, "flip"))
		if got, err := keyring.Open(k1, p, string(b)); err == nil && !bytes.Equal(got, plain) {
			rt.Fatalf("a changed value opened to something else: %q", got)
		}
	})
}

// Two seals of the same value differ (a fresh nonce each), so equal
// values do not show as equal in the database.
func TestSealIsRandomised(t *testing.T) {
	k := key(t)
	p := keyring.Place{TenantID: 1, Table: "customers", Column: "phone", Row: "7"}
	a, _ := keyring.Seal(k, 1, p, []byte("+86 138 0000 0000"))
	b, _ := keyring.Seal(k, 1, p, []byte("+86 138 0000 0000"))
	if a == b {
		t.Fatal("two seals of one value are equal")
	}
}

// A master wraps a data key for one tenant and key id only, and another
// master cannot unwrap it; a master's id does not reveal it.
func TestMasterWrap(t *testing.T) {
	m, text, err := keyring.GenerateMaster()
	if err != nil {
		t.Fatal(err)
	}
	again, err := keyring.ParseMaster("  " + text + "\n")
	if err != nil || again.ID() != m.ID() {
		t.Fatalf("ParseMaster: %v, id %s vs %s", err, again.ID(), m.ID())
	}
	if strings.Contains(m.ID(), text[:8]) {
		t.Fatalf("the master's id %q shows the key", m.ID())
	}
	other, _, _ := keyring.GenerateMaster()
	dk := key(t)
	w, err := m.Wrap(dk, keyring.WrapAD(3, 1, "data"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := again.Unwrap(w, keyring.WrapAD(3, 1, "data")); err != nil || !bytes.Equal(got, dk) {
		t.Fatalf("unwrap: %v", err)
	}
	if _, err := m.Unwrap(w, keyring.WrapAD(4, 1, "data")); err == nil {
		t.Error("a key wrapped for tenant 3 unwrapped for tenant 4")
	}
	if _, err := m.Unwrap(w, keyring.WrapAD(3, 2, "data")); err == nil {
		t.Error("a key wrapped as key 1 unwrapped as key 2")
	}
	if _, err := m.Unwrap(w, keyring.WrapAD(3, 1, "index")); err == nil {
		t.Error("a data key unwrapped as an index key")
	}
	if _, err := other.Unwrap(w, keyring.WrapAD(3, 1, "data")); err == nil {
		t.Error("another master unwrapped the key")
	}
	for _, bad := range []string{"", "c2hvcnQ=", strings.Repeat("A", 44) + "!"} {
		if _, err := keyring.ParseMaster(bad); err == nil {
			t.Errorf("ParseMaster(%q) accepted", bad)
		}
	}
}

// FuzzOpen feeds arbitrary stored text to Open and KeyID: they never
// panic, and only a genuine seal opens.
func FuzzOpen(f *testing.F) {
	k := make([]byte, keyring.KeySize)
	p := keyring.Place{TenantID: 1, Table: "t", Column: "c", Row: "1"}
	good, _ := keyring.Seal(k, 5, p, []byte("hello"))
	f.Add(good)
	f.Add("s1.5.")
	f.Add("s1.05.AAAA")
	f.Add("plain text")
	f.Fuzz(func(t *testing.T, s string) {
		id, ok := keyring.KeyID(s)
		if ok && id <= 0 {
			t.Fatalf("KeyID(%q) = %d", s, id)
		}
		got, err := keyring.Open(k, p, s)
		if err == nil && (s != good || string(got) != "hello") {
			if !ok {
				t.Fatalf("Open accepted %q, which KeyID refuses", s)
			}
		}
	})
}
