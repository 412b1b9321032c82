package auditstream_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"steward/internal/audit"
	"steward/internal/auditstream"
	"steward/internal/crm"
	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// line is what a receiver needs of a streamed entry to order and
// deduplicate it.
type line struct {
	TenantID int64  `json:"tenant_id"`
	Seq      int64  `json:"seq"`
	Hash     string `json:"hash"`
	Action   string `json:"action"`
}

type fixture struct {
	db     *store.DB
	svc    *service.Service
	actors []*service.Actor // one administrator per tenant
}

func newFixture(t *testing.T, db *store.DB, tenants int) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: db, svc: service.New(db, slog.New(slog.DiscardHandler))}
	for i := 0; i < tenants; i++ {
		tn, admin, err := f.svc.CreateTenant(ctx, service.NewTenant{Slug: fmt.Sprintf("t%d", i), Name: "T", AdminEmail: "a@t.example",
			AdminPassword: "correct-horse-battery-staple"})
		if err != nil {
			t.Fatal(err)
		}
		a, err := f.svc.ActorFor(ctx, tn.ID, admin.ID)
		if err != nil {
			t.Fatal(err)
		}
		f.actors = append(f.actors, a)
	}
	return f
}

// change makes n audited changes in every tenant.
func (f *fixture) change(t *testing.T, n int) {
	t.Helper()
	for _, a := range f.actors {
		for i := 0; i < n; i++ {
			name := fmt.Sprintf("Customer %d", i)
			if _, err := f.svc.CreateCustomer(context.Background(), a, crm.CustomerInput{Name: &name}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// What serve's chainer does moments later.
	if _, err := f.svc.ChainAudit(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// heads returns each tenant's last position.
func (f *fixture) heads(t *testing.T) map[int64]int64 {
	t.Helper()
	out := map[int64]int64{}
	err := f.db.Read(context.Background(), func(tx *store.Tx) error {
		for _, a := range f.actors {
			seq, _, err := tx.AuditHead(context.Background(), a.TenantID)
			if err != nil {
				return err
			}
			out[a.TenantID] = seq
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func parseLines(t *testing.T, raw []string) []line {
	t.Helper()
	out := make([]line, 0, len(raw))
	for _, r := range raw {
		var l line
		if err := json.Unmarshal([]byte(r), &l); err != nil || l.TenantID == 0 || l.Seq == 0 || len(l.Hash) != 64 {
			t.Fatalf("line %q: %v; want an entry with tenant_id, seq and hash", r, err)
		}
		out = append(out, l)
	}
	return out
}

func readFile(t *testing.T, path string) []line {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return parseLines(t, strings.Split(strings.TrimSuffix(string(b), "\n"), "\n"))
}

// exactlyOnce checks that lines hold every position from 1 to each
// tenant's head, once and in order per tenant.
func exactlyOnce(t *testing.T, lines []line, heads map[int64]int64) {
	t.Helper()
	next := map[int64]int64{}
	for _, l := range lines {
		if l.Seq != next[l.TenantID]+1 {
			t.Fatalf("tenant %d: got seq %d after %d, want %d", l.TenantID, l.Seq, next[l.TenantID], next[l.TenantID]+1)
		}
		next[l.TenantID] = l.Seq
	}
	for tenant, head := range heads {
		if next[tenant] != head {
			t.Fatalf("tenant %d: streamed up to %d, want %d", tenant, next[tenant], head)
		}
	}
}

func sync(t *testing.T, s *auditstream.Stream) int {
	t.Helper()
	n, err := s.Sync(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The file stream writes committed entries only, in order per tenant, and
// a new process resumes after the last line without gaps or repeats.
func TestFileStream(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, 2)
		f.change(t, 3)
		path := filepath.Join(t.TempDir(), "audit.jsonl")
		spec, err := auditstream.Parse("file:" + path)
		if err != nil {
			t.Fatal(err)
		}
		s := auditstream.New(spec, f.svc, slog.New(slog.DiscardHandler))
		s.Batch = 4 // several batches per tenant
		sync(t, s)
		exactlyOnce(t, readFile(t, path), f.heads(t))

		// An entry whose transaction has not committed is not streamed,
		// nor after it rolls back.
		written, release := make(chan error), make(chan struct{})
		go func() {
			written <- db.Write(ctx, func(tx *store.Tx) error {
				e := audit.Entry{TenantID: f.actors[0].TenantID, At: time.Now(), ActorType: "system", Action: "test.uncommitted", Outcome: audit.Success}
				if err := tx.ChainAudits(ctx, e.TenantID, []*audit.Entry{&e}, []store.AuditLinks{{}}); err != nil {
					return err
				}
				written <- nil
				<-release
				return errors.New("roll back")
			})
		}()
		if err := <-written; err != nil {
			t.Fatal(err)
		}
		if n := sync(t, s); n != 0 {
			t.Fatalf("streamed %d entries of an open transaction, want 0", n)
		}
		close(release)
		<-written
		if n := sync(t, s); n != 0 {
			t.Fatalf("streamed %d entries of a rolled back transaction, want 0", n)
		}

		// A restart: a new stream on the same file picks up where the last
		// one stopped, even past a line torn by a crash.
		f.change(t, 2)
		fh, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		fh.WriteString(`{"tenant_id":1,"seq":`)
		fh.Close()
		s = auditstream.New(spec, f.svc, slog.New(slog.DiscardHandler))
		if n := sync(t, s); n != 2*2 {
			t.Fatalf("after restart streamed %d entries, want 4", n)
		}
		lines := readFile(t, path)
		exactlyOnce(t, lines, f.heads(t))
		for _, l := range lines {
			if l.Action == "test.uncommitted" {
				t.Fatal("an entry that never committed was streamed")
			}
		}
	})
}

// syslogServer receives messages over UDP or TCP and hands on the JSON of
// each, after the syslog header.
func syslogServer(t *testing.T, network string) (string, <-chan string) {
	t.Helper()
	msgs := make(chan string, 1000)
	body := func(m string) string {
		_, after, ok := strings.Cut(m, "]: ")
		if !ok || !strings.HasPrefix(m, "<") {
			t.Errorf("not a syslog message: %q", m)
		}
		return strings.TrimSuffix(after, "\n")
	}
	if network == "udp" {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pc.Close() })
		go func() {
			buf := make([]byte, 64<<10)
			for {
				n, _, err := pc.ReadFrom(buf)
				if err != nil {
					return
				}
				msgs <- body(string(buf[:n]))
			}
		}()
		return pc.LocalAddr().String(), msgs
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					msgs <- body(sc.Text())
				}
			}()
		}
	}()
	return ln.Addr().String(), msgs
}

func receive(t *testing.T, msgs <-chan string, n int) []string {
	t.Helper()
	var out []string
	timeout := time.After(10 * time.Second)
	for len(out) < n {
		select {
		case m := <-msgs:
			out = append(out, m)
		case <-timeout:
			t.Fatalf("received %d syslog messages, want %d", len(out), n)
		}
	}
	return out
}

// The syslog stream delivers to a real listener, keeps its position in the
// database, and a new process sends only what is new.
func TestSyslogStream(t *testing.T) {
	for _, network := range []string{"udp", "tcp"} {
		t.Run(network, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				f := newFixture(t, db, 2)
				f.change(t, 2)
				addr, msgs := syslogServer(t, network)
				spec, err := auditstream.Parse("syslog+" + network + "://" + addr + "?facility=local0")
				if err != nil {
					t.Fatal(err)
				}
				s := auditstream.New(spec, f.svc, slog.New(slog.DiscardHandler))
				n := sync(t, s)
				got := receive(t, msgs, n)
				f.change(t, 1)
				s = auditstream.New(spec, f.svc, slog.New(slog.DiscardHandler))
				if n := sync(t, s); n != 2 {
					t.Fatalf("after restart sent %d entries, want 2", n)
				}
				got = append(got, receive(t, msgs, 2)...)
				exactlyOnce(t, parseLines(t, got), f.heads(t))
				select {
				case m := <-msgs:
					t.Fatalf("unexpected extra message %q", m)
				case <-time.After(100 * time.Millisecond):
				}
			})
		})
	}
}
