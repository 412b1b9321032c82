package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"

	"steward/internal/audit"
	"steward/internal/authn"
	"steward/internal/crm"
	"steward/internal/demo"
	"steward/internal/keyring"
	"steward/internal/server"
	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// site is a real Steward server on a loopback port, over a fresh SQLite
// database seeded with the demo company. The console adds no SQL of its
// own, so one engine is enough here; the service and API suites run both.
type site struct {
	URL string
	svc *service.Service
	db  *store.DB
	// skew moves the service's clock ahead of the real one, for sessions
	// that should look older and TOTP steps that should have passed.
	skew atomic.Int64
}

func newSite(t testing.TB) *site {
	t.Helper()
	return newSiteWith(t, nil)
}

// newSiteWith is newSite with a hook that sets up the service (a Sender,
// say) before the server takes its first request.
func newSiteWith(t testing.TB, setup func(*service.Service)) *site {
	t.Helper()
	db := storetest.Open(t, store.SQLite)
	log := slog.New(slog.DiscardHandler)
	svc := service.New(db, log)
	// Exports run in the background: they finish before the database closes.
	t.Cleanup(svc.Wait)
	// A cheap hash keeps seeding fast; the cost parameters are not under test.
	svc.Hasher = authn.NewHasher(4, &argon2id.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32})
	// The audit page verifies the chain and its signed checkpoints.
	svc.Signer = audit.GenerateSigner()
	svc.Master = testMaster // second-factor secrets are sealed
	s := &site{svc: svc, db: db}
	svc.Now = func() time.Time { return time.Now().Add(time.Duration(s.skew.Load())).UTC() }
	if _, err := demo.Seed(context.Background(), svc); err != nil {
		t.Fatalf("seed: %v", err)
	}
	if setup != nil {
		setup(svc)
	}
	srv := httptest.NewServer(server.Handler(svc, log))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// advance moves the service's clock forward.
func (s *site) advance(d time.Duration) { s.skew.Add(int64(d)) }

// totp is the code an authenticator app with secret shows now, by the
// service's clock.
func (s *site) totp(t testing.TB, secret string) string {
	t.Helper()
	code, err := authn.TOTPAt(secret, s.svc.Now())
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// actor signs a demo user in through the service, for setting up and
// checking data behind the browser's back.
func (s *site) actor(t testing.TB, email string) *service.Actor {
	t.Helper()
	ctx := context.Background()
	res, err := s.svc.Login(ctx, demo.Tenant, email, demo.Password)
	if err != nil {
		t.Fatalf("login %s: %v", email, err)
	}
	a, err := s.svc.Authenticate(ctx, res.Token)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// customers lists every customer the user may see.
func (s *site) customers(t testing.TB, a *service.Actor) []crm.Customer {
	t.Helper()
	q, err := service.CustomerList(url.Values{"limit": {"200"}})
	if err != nil {
		t.Fatal(err)
	}
	var out []crm.Customer
	for {
		page, err := s.svc.Customers(context.Background(), a, q)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Items...)
		if page.NextCursor == nil {
			return out
		}
		if q, err = service.CustomerList(url.Values{"limit": {"200"}, "cursor": {*page.NextCursor}}); err != nil {
			t.Fatal(err)
		}
	}
}

// client is a browser stand-in for the tests that need no rendering: it
// keeps cookies by name (Go's cookie jar drops Secure cookies on http) and
// never follows redirects, so each response can be checked.
type client struct {
	t       testing.TB
	base    string
	cookies map[string]*http.Cookie
	header  http.Header
}

func newClient(t testing.TB, base string) *client {
	return &client{t: t, base: base, cookies: map[string]*http.Cookie{}, header: http.Header{}}
}

func (c *client) do(method, path string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	if form == nil {
		return c.send(method, path, "", nil)
	}
	return c.send(method, path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
}

// send makes a request with a body of the given type ("" for none).
func (c *client) send(method, path, contentType string, body io.Reader) (*http.Response, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for _, ck := range c.cookies {
		req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
	}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	for _, ck := range resp.Cookies() {
		if ck.MaxAge < 0 {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck
		}
	}
	return resp, string(b)
}

func (c *client) get(path string) (*http.Response, string) { return c.do(http.MethodGet, path, nil) }

func (c *client) post(path string, form url.Values) (*http.Response, string) {
	return c.do(http.MethodPost, path, form)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the CSRF token from a rendered form.
func csrf(t testing.TB, body string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token in the page:\n%s", body)
	}
	return m[1]
}

// signIn signs the client in through the sign-in form.
func (c *client) signIn(email string) {
	c.t.Helper()
	_, body := c.get("/signin")
	resp, _ := c.post("/signin", url.Values{"csrf": {csrf(c.t, body)}, "tenant": {demo.Tenant}, "email": {email}, "password": {demo.Password}})
	if resp.StatusCode != http.StatusSeeOther || c.cookies["__Host-steward"] == nil {
		c.t.Fatalf("sign-in as %s: status %d, want 303 with a session cookie", email, resp.StatusCode)
	}
}

// customerByID reads one customer as the user sees it.
func (s *site) customerByID(t testing.TB, a *service.Actor, id int64) crm.Customer {
	t.Helper()
	c, err := s.svc.Customer(context.Background(), a, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// testMaster is the master key of every service the tests start: one for
// the package, as a deployment has one, so a restarted service (a new
// service on the same database) opens what the first one sealed.
var testMaster = func() *keyring.LocalMaster {
	m, _, err := keyring.GenerateMaster()
	if err != nil {
		panic(err)
	}
	return m
}()
