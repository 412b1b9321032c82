package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"

	"steward/internal/audit"
	"steward/internal/authn"
	"steward/internal/keyring"
	"steward/internal/server"
	"steward/internal/service"
	"steward/internal/store"
)

// The password every test user gets.
const pw = "correct-horse-battery-staple"

// env is a real Steward server on a loopback port over a real database.
type env struct {
	t     *testing.T
	url   string
	svc   *service.Service
	db    *store.DB
	clock *time.Time // the server's clock; tests move it
}

func start(t *testing.T, db *store.DB) *env {
	t.Helper()
	return startWith(t, db, nil)
}

// startWith is start with a hook that sets up the service (a Sender, say)
// before the server takes its first request.
func startWith(t *testing.T, db *store.DB, setup func(*service.Service)) *env {
	t.Helper()
	return startOpts(t, db, setup, server.Options{})
}

// startOpts is startWith with the HTTP layer's options.
func startOpts(t *testing.T, db *store.DB, setup func(*service.Service), o server.Options) *env {
	t.Helper()
	svc := service.New(db, slog.New(slog.DiscardHandler))
	// A cheap hash keeps the suite fast; the cost itself is benchmarked elsewhere.
	svc.Hasher = authn.NewHasher(4, &argon2id.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32})
	svc.Signer = audit.GenerateSigner()
	svc.Master = testMaster // second-factor secrets are sealed
	clock := time.Now().UTC()
	svc.Now = func() time.Time { return clock }
	if setup != nil {
		setup(svc)
	}
	srv := httptest.NewServer(server.HandlerWith(svc, slog.New(slog.DiscardHandler), o))
	t.Cleanup(srv.Close)
	return &env{t: t, url: srv.URL, svc: svc, db: db, clock: &clock}
}

// tenant creates a tenant and returns its administrator's client.
func (e *env) tenant(slug string) *client {
	e.t.Helper()
	// The access tests sign in as administrators and managers with a
	// password alone; security_test.go covers the default, which requires a
	// second factor of them.
	relaxed := service.DefaultSecurity()
	relaxed.MFARoles, relaxed.MFAForExport, relaxed.MFAForAdmin = []string{}, false, false
	_, _, err := e.svc.CreateTenant(context.Background(), service.NewTenant{Slug: slug, Name: strings.ToUpper(slug), AdminEmail: "admin@" + slug + ".example", AdminPassword: pw,
		Security: &relaxed})
	if err != nil {
		e.t.Fatalf("tenant %s: %v", slug, err)
	}
	return e.login(slug, "admin@"+slug+".example", pw)
}

func (e *env) login(tenant, email, password string) *client {
	e.t.Helper()
	c := &client{e: e}
	var res struct{ Token string }
	c.must("POST", "/auth/login", map[string]string{"tenant": tenant, "email": email, "password": password}, 200, &res)
	c.token = res.Token
	return c
}

// client calls the API as one signed-in user.
type client struct {
	e     *env
	token string
}

// response is what came back.
type response struct {
	status int
	body   []byte
}

func (r response) json(v any) error { return json.Unmarshal(r.body, v) }

// errCode returns the error code of an error body.
func (r response) errCode() string {
	var b struct{ Error struct{ Code, Field string } }
	_ = json.Unmarshal(r.body, &b)
	return b.Error.Code
}

func (r response) errField() string {
	var b struct{ Error struct{ Code, Field string } }
	_ = json.Unmarshal(r.body, &b)
	return b.Error.Field
}

func (c *client) raw(method, path, contentType string, body io.Reader) response {
	c.e.t.Helper()
	req, err := http.NewRequest(method, c.e.url+"/api/v1"+path, body)
	if err != nil {
		c.e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	res, err := hc.Do(req)
	if err != nil {
		c.e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, body: b}
}

// do sends v as JSON (nil for no body; a string or []byte as is).
func (c *client) do(method, path string, v any) response {
	c.e.t.Helper()
	var body io.Reader
	switch x := v.(type) {
	case nil:
	case string:
		body = strings.NewReader(x)
	case []byte:
		body = bytes.NewReader(x)
	default:
		b, err := json.Marshal(v)
		if err != nil {
			c.e.t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	ct := ""
	if body != nil {
		ct = "application/json"
	}
	return c.raw(method, path, ct, body)
}

// must sends a request, fails unless the status matches, and decodes the body into out.
func (c *client) must(method, path string, v any, status int, out any) response {
	c.e.t.Helper()
	r := c.do(method, path, v)
	if r.status != status {
		c.e.t.Fatalf("%s %s: got %d %s, want %d", method, path, r.status, r.body, status)
	}
	if out != nil {
		if err := r.json(out); err != nil {
			c.e.t.Fatalf("%s %s: decode %s: %v", method, path, r.body, err)
		}
	}
	return r
}

type idOnly struct {
	ID int64 `json:"id"`
}

// mkDept, mkUser, mkCustomer create through the API and return the new id.
func (c *client) mkDept(name string, parent int64) int64 {
	var d idOnly
	c.must("POST", "/departments", map[string]any{"name": name, "parent_id": parent}, 201, &d)
	return d.ID
}

func (c *client) mkUser(email string, dept int64, manager int64, roles ...string) int64 {
	var u idOnly
	body := map[string]any{"email": email, "name": "User " + email, "password": pw, "department_id": dept, "roles": roles}
	if manager != 0 {
		body["manager_id"] = manager
	}
	c.must("POST", "/users", body, 201, &u)
	return u.ID
}

func (c *client) mkCustomer(name string) int64 {
	var cu idOnly
	c.must("POST", "/customers", map[string]any{"name": name, "level": "A", "phone": "13812345678"}, 201, &cu)
	return cu.ID
}

func (c *client) rootDept() int64 {
	var me struct {
		User struct {
			DepartmentID int64 `json:"department_id"`
		} `json:"user"`
	}
	c.must("GET", "/me", nil, 200, &me)
	return me.User.DepartmentID
}

// advance moves the server's clock forward.
func (e *env) advance(d time.Duration) { *e.clock = e.clock.Add(d) }

func p(format string, args ...any) string { return fmt.Sprintf(format, args...) }

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
