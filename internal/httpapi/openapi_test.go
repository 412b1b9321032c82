package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"steward/internal/audit"
	"steward/internal/crm"
	"steward/internal/httpapi"
	"steward/internal/keyring"
	"steward/internal/server"
	"steward/internal/service"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

var update = flag.Bool("update", false, "rewrite docs/openapi.json from OpenAPI()")

// docFile is the committed copy of the document, for readers and client
// generators that do not run the server.
const docFile = "../../docs/openapi.json"

// TestOpenAPIRoutes holds the document and the route table to the same
// operations, each with its own operationId.
func TestOpenAPIRoutes(t *testing.T) {
	doc := httpapi.OpenAPI()
	want := map[string]httpapi.Route{}
	for _, rt := range httpapi.Routes() {
		want[rt.Method+" "+rt.Path] = rt
	}
	ids := map[string]string{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			key := strings.ToUpper(method) + " " + path
			rt, ok := want[key]
			if !ok {
				t.Errorf("document has %s, which Routes() lacks", key)
				continue
			}
			delete(want, key)
			if prev, dup := ids[op.OperationID]; dup {
				t.Errorf("operationId %q is used by %s and %s", op.OperationID, prev, key)
			}
			ids[op.OperationID] = key
			if got := op.Security != nil && len(*op.Security) == 0; got != rt.Public {
				t.Errorf("%s: public in document %v, want %v", key, got, rt.Public)
			}
		}
	}
	for key := range want {
		t.Errorf("Routes() has %s, which the document lacks", key)
	}
}

// TestOpenAPIValid checks the document against the OpenAPI 3 rules.
func TestOpenAPIValid(t *testing.T) {
	loadDoc(t, render(t))
}

// TestOpenAPIFile keeps docs/openapi.json equal to what the server serves.
func TestOpenAPIFile(t *testing.T) {
	got := render(t)
	if *update {
		if err := os.MkdirAll(filepath.Dir(docFile), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(docFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(docFile)
	if err != nil {
		t.Fatalf("%v; generate it with: go test ./internal/httpapi -run TestOpenAPIFile -update", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("docs/openapi.json differs from OpenAPI() (first difference at line %d); "+
			"regenerate with: go test ./internal/httpapi -run TestOpenAPIFile -update", firstDiffLine(got, want))
	}
}

// TestOpenAPICatchesDrift shows that the response check used by the live
// test fails both when the server sends a field the document lacks and when
// the document names a field the server does not send.
func TestOpenAPICatchesDrift(t *testing.T) {
	body := asJSONObject(t, crm.Customer{ID: 1, Name: "Acme Ltd"})
	if err := customerSchema(t).VisitJSON(body); err != nil {
		t.Fatalf("a customer as the server encodes it: got %v, want it valid", err)
	}
	undocumented := customerSchema(t)
	delete(undocumented.Properties, "created_at")
	if err := undocumented.VisitJSON(body); err == nil {
		t.Error("a customer with a field the document lacks: got valid, want an error")
	}
	delete(body, "created_at") // catalogue fields may be hidden, so not required; system fields are
	if err := customerSchema(t).VisitJSON(body); err == nil {
		t.Error("a customer without a field the document names: got valid, want an error")
	}
}

// customerSchema is the Customer schema of a fresh, closed copy of the document.
func customerSchema(t *testing.T) *openapi3.Schema {
	t.Helper()
	doc := loadDoc(t, render(t))
	closeSchemas(doc)
	return doc.Components.Schemas["Customer"].Value
}

// render is the document as docs/openapi.json holds it.
func render(t testing.TB) []byte {
	t.Helper()
	b, err := json.MarshalIndent(httpapi.OpenAPI(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// loadDoc parses and validates a document with kin-openapi.
func loadDoc(t testing.TB, data []byte) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		t.Fatalf("load OpenAPI document: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("OpenAPI document is invalid: %v", err)
	}
	return doc
}

// closeSchemas makes every object schema refuse properties it does not
// name. The published document leaves response objects open, so that
// clients built from it accept fields added later; the tests hold the
// server to exactly the documented fields.
func closeSchemas(doc *openapi3.T) {
	no := false
	for _, ref := range doc.Components.Schemas {
		s := ref.Value
		if s.Type.Is("object") && len(s.Properties) > 0 && s.AdditionalProperties.Schema == nil {
			s.AdditionalProperties.Has = &no
		}
	}
}

func asJSONObject(t testing.TB, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func firstDiffLine(a, b []byte) int {
	la, lb := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	for i := range min(len(la), len(lb)) {
		if !bytes.Equal(la[i], lb[i]) {
			return i + 1
		}
	}
	return min(len(la), len(lb)) + 1
}

// TestOpenAPIResponses runs every operation against a real server and
// checks each request and response, errors included, against the document
// that server serves.
func TestOpenAPIResponses(t *testing.T) {
	c := newLiveClient(t)
	c.login("admin@acme.example", "a-long-enough-password-1")
	c.call("GET", "/me", nil, http.StatusOK)
	ids := orgExchanges(c)
	crmExchanges(c, ids)
	accessExchanges(c, ids)
	errorExchanges(c, ids)
	securityExchanges(c, ids)
	codeFactorExchanges(c, ids)
	fieldExchanges(c)
	exportExchanges(c, ids)
	importExchanges(c)
	lifecycleExchanges(c, ids)
	requestExchanges(c, ids)
	policyExchanges(c)
	sodExchanges(c, ids)
	insightExchanges(c, ids)
	reviewExchanges(c, ids)
	reportExchanges(c)
	retentionExchanges(c)
	privacyExchanges(c)
	c.call("POST", "/auth/logout", nil, http.StatusNoContent)
	for _, rt := range httpapi.Routes() {
		status := rt.Status
		if status == 0 {
			status = http.StatusOK
		}
		if key := exchangeKey(rt.Method, rt.Path, status); !c.seen[key] {
			t.Errorf("no live check of %s; add one to TestOpenAPIResponses", key)
		}
	}
}

// liveIDs are records the exchanges create and later ones refer to.
type liveIDs struct {
	root, dept, user, customer int64
}

// orgExchanges covers departments, users, role assignments, groups and roles.
func orgExchanges(c *liveClient) liveIDs {
	var ids liveIDs
	ids.root = num(c.call("GET", "/departments", nil, http.StatusOK)["items"].([]any)[0].(map[string]any)["id"])
	ids.dept = num(c.call("POST", "/departments", obj{"name": "Sales", "parent_id": ids.root}, http.StatusCreated)["id"])
	c.call("GET", path("/departments/%d", ids.dept), nil, http.StatusOK)
	c.call("PATCH", path("/departments/%d", ids.dept), obj{"name": "Sales East"}, http.StatusOK)
	spare := num(c.call("POST", "/departments", obj{"name": "Spare", "parent_id": ids.root}, http.StatusCreated)["id"])
	c.call("DELETE", path("/departments/%d", spare), nil, http.StatusNoContent)

	ids.user = num(c.call("POST", "/users", obj{"email": "rep@acme.example", "name": "Rep", "password": "another-long-password-2",
		"department_id": ids.dept, "roles": []string{"sales_rep"}}, http.StatusCreated)["id"])
	c.call("GET", "/users?limit=1", nil, http.StatusOK)
	c.call("GET", path("/users/%d", ids.user), nil, http.StatusOK)
	c.call("PATCH", path("/users/%d", ids.user), obj{"phone": "+86 10 1234 5678"}, http.StatusOK)
	c.call("POST", path("/users/%d/roles", ids.user), obj{"role": "auditor", "reason": "quarterly review",
		"expires_at": time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)}, http.StatusCreated)
	c.call("GET", path("/users/%d/roles", ids.user), nil, http.StatusOK)
	c.call("DELETE", path("/users/%d/roles/auditor", ids.user), nil, http.StatusNoContent)

	c.call("GET", "/groups", nil, http.StatusOK)
	group := num(c.call("POST", "/groups", obj{"name": "Key accounts", "members": []int64{ids.user}}, http.StatusCreated)["id"])
	c.call("GET", "/groups", nil, http.StatusOK)
	c.call("GET", path("/groups/%d", group), nil, http.StatusOK)
	c.call("PATCH", path("/groups/%d", group), obj{"description": "the top ten"}, http.StatusOK)
	groupMemberExchanges(c, group, ids.user)
	c.call("DELETE", path("/groups/%d", group), nil, http.StatusNoContent)

	c.call("GET", "/roles", nil, http.StatusOK)
	c.call("POST", "/roles", obj{"key": "intern", "name": "Intern", "functions": []string{},
		"permissions": []obj{{"object": "customer", "action": "view", "scope": "own"}}}, http.StatusCreated)
	c.call("GET", "/roles/intern", nil, http.StatusOK)
	c.call("PATCH", "/roles/intern", obj{"description": "Sees their own customers."}, http.StatusOK)
	c.call("DELETE", "/roles/intern", nil, http.StatusNoContent)
	return ids
}

// crmExchanges covers customers and the records under them.
func crmExchanges(c *liveClient, ids liveIDs) {
	cust := num(c.call("POST", "/customers", obj{"name": "Acme Ltd", "level": "A", "source": "web"}, http.StatusCreated)["id"])
	ids.customer = cust
	c.call("GET", "/customers?sort=name&limit=1", nil, http.StatusOK)
	c.call("GET", "/customers/count?level=A", nil, http.StatusOK)
	c.call("GET", path("/customers/%d", cust), nil, http.StatusOK)
	c.call("PATCH", path("/customers/%d", cust), obj{"region": "North"}, http.StatusOK)
	c.call("POST", path("/customers/%d/transfer", cust), obj{"owner_id": ids.user}, http.StatusOK)

	children := []struct {
		list, one string
		create    obj
		patch     obj
	}{
		{"/customers/%d/contacts", "/contacts/%d", obj{"name": "Li Wei", "email": "li@acme.example"}, obj{"title": "CTO"}},
		{"/customers/%d/deals", "/deals/%d", obj{"name": "Renewal", "amount": "1234.50", "currency": "CNY"}, obj{"stage": "won"}},
		{"/customers/%d/activities", "/activities/%d", obj{"type": "call", "note": "intro",
			"occurred_at": "2024-05-01T10:00:00Z"}, obj{"note": "intro call"}},
	}
	for _, ch := range children {
		id := num(c.call("POST", path(ch.list, cust), ch.create, http.StatusCreated)["id"])
		c.call("GET", path(ch.list, cust)+"?limit=5", nil, http.StatusOK)
		c.call("GET", path(ch.one, id), nil, http.StatusOK)
		c.call("PATCH", path(ch.one, id), ch.patch, http.StatusOK)
		c.call("DELETE", path(ch.one, id), nil, http.StatusNoContent)
	}
	spare := num(c.call("POST", "/customers", obj{"name": "Spare Co"}, http.StatusCreated)["id"])
	c.call("DELETE", path("/customers/%d", spare), nil, http.StatusNoContent)
}

// errorExchanges covers each error status the document names.
func errorExchanges(c *liveClient, ids liveIDs) {
	c.wantCode(c.call("GET", "/customers/999999", nil, http.StatusNotFound), "not_found")
	c.wantCode(c.call("POST", "/customers", obj{"name": "X", "owner_id": 5}, http.StatusBadRequest), "field_read_only")
	c.wantCode(c.call("GET", "/customers?sort=secret", nil, http.StatusBadRequest), "invalid_parameter")
	c.wantCode(c.call("DELETE", path("/departments/%d", ids.dept), nil, http.StatusConflict), "department_not_empty")
	huge := `{"name":"` + strings.Repeat("x", httpapi.MaxBody) + `"}`
	c.wantCode(c.call("POST", "/departments", rawBody(huge), http.StatusRequestEntityTooLarge), "body_too_large")

	admin := c.token
	c.token = ""
	c.wantCode(c.call("GET", "/me", nil, http.StatusUnauthorized), "unauthenticated")
	c.wantCode(c.call("POST", "/auth/login", obj{"tenant": "acme", "email": "rep@acme.example", "password": "wrong-password-entirely"},
		http.StatusUnauthorized), "invalid_credentials")
	c.login("rep@acme.example", "another-long-password-2")
	c.wantCode(c.call("GET", "/roles", nil, http.StatusForbidden), "forbidden")
	c.token = admin
}

// liveClient sends requests to a real server over a real database and
// checks every exchange against the document the server serves.
type liveClient struct {
	t      *testing.T
	base   string
	token  string
	router routers.Router
	seen   map[string]bool // exchangeKey of every checked exchange
	sent   *outbox         // what the server's Sender delivered
	skew   *atomic.Int64   // how far the server's clock runs ahead of the real one
}

// obj is a JSON object to send.
type obj = map[string]any

// rawBody is a body sent as it is, not encoded.
type rawBody string

// fileBody is a request body sent as a file of its content type.
type fileBody struct {
	contentType string
	data        []byte
}

func newLiveClient(t *testing.T) *liveClient {
	t.Helper()
	return newLiveClientOn(t, store.SQLite)
}

// newLiveClientOn is newLiveClient over a database of the engine.
func newLiveClientOn(t *testing.T, e store.Engine) *liveClient {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, e)
	log := slog.New(slog.DiscardHandler)
	svc := service.New(db, log)
	svc.Signer = audit.GenerateSigner()
	master, _, err := keyring.GenerateMaster() // second-factor secrets are sealed
	if err != nil {
		t.Fatal(err)
	}
	svc.Master = master
	sent, skew := &outbox{}, &atomic.Int64{}
	svc.Sender = sent // reset tokens and second-factor codes are delivered, not shown
	svc.Now = func() time.Time { return time.Now().Add(time.Duration(skew.Load())).UTC() }
	t.Cleanup(svc.Wait)                  // exports run in the background; the database closes after them
	relaxed := service.DefaultSecurity() // the live check signs in with passwords; securityExchanges enrols a factor
	relaxed.MFARoles, relaxed.MFAForExport, relaxed.MFAForAdmin = []string{}, false, false
	_, _, err = svc.CreateTenant(ctx, service.NewTenant{Slug: "acme", Name: "Acme",
		AdminEmail: "admin@acme.example", AdminPassword: "a-long-enough-password-1", Security: &relaxed})
	if err != nil {
		t.Fatalf("create tenant: %v", err)
	}
	srv := httptest.NewServer(server.Handler(svc, log))
	t.Cleanup(srv.Close)
	c := &liveClient{t: t, base: srv.URL + "/api/v1", seen: map[string]bool{}, sent: sent, skew: skew}
	c.router = c.servedDocument()
	return c
}

// servedDocument fetches GET /api/v1/openapi.json, checks it is OpenAPI(),
// and returns a router over it with every object schema closed.
func (c *liveClient) servedDocument() routers.Router {
	c.t.Helper()
	res, err := http.Get(c.base + "/openapi.json")
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	served, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		c.t.Fatalf("GET /api/v1/openapi.json: status %d, %v", res.StatusCode, err)
	}
	if got, want := asJSONValue(c.t, served), asJSONValue(c.t, render(c.t)); !reflect.DeepEqual(got, want) {
		c.t.Fatal("GET /api/v1/openapi.json does not serve OpenAPI()")
	}
	doc := loadDoc(c.t, served)
	closeSchemas(doc)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		c.t.Fatalf("router over the document: %v", err)
	}
	return router
}

// login signs in to acme and keeps the token for later calls.
func (c *liveClient) login(email, password string) {
	c.t.Helper()
	res := c.call("POST", "/auth/login", obj{"tenant": "acme", "email": email, "password": password}, http.StatusOK)
	c.token, _ = res["token"].(string)
}

// call sends one request, checks its status and both bodies against the
// document, and returns the decoded response body (nil when empty).
func (c *liveClient) call(method, target string, body any, want int) map[string]any {
	c.t.Helper()
	reqBody := encodeBody(c.t, body)
	req, err := http.NewRequest(method, c.base+target, bytes.NewReader(reqBody))
	if err != nil {
		c.t.Fatal(err)
	}
	if f, ok := body.(fileBody); ok {
		req.Header.Set("Content-Type", f.contentType)
	} else if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, target, err)
	}
	resBody, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		c.t.Fatalf("%s %s: read body: %v", method, target, err)
	}
	if res.StatusCode != want {
		c.t.Fatalf("%s %s: got status %d, want %d; body %s", method, target, res.StatusCode, want, resBody)
	}
	req.Body = io.NopCloser(bytes.NewReader(reqBody))
	c.check(req, res, resBody)
	if ct := res.Header.Get("Content-Type"); len(resBody) == 0 || !strings.HasPrefix(ct, "application/json") {
		return nil
	}
	var out map[string]any
	if err := json.Unmarshal(resBody, &out); err != nil {
		c.t.Fatalf("%s %s: response is not a JSON object: %v", method, target, err)
	}
	return out
}

// check validates one exchange against the document. The request of a
// failing exchange is wrong on purpose, so only its response is checked.
func (c *liveClient) check(req *http.Request, res *http.Response, resBody []byte) {
	c.t.Helper()
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		c.t.Errorf("%s %s: not in the document: %v", req.Method, req.URL.Path, err)
		return
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true, MultiError: true}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	if res.StatusCode < 300 {
		if err := openapi3filter.ValidateRequest(req.Context(), in); err != nil {
			c.t.Errorf("%s %s: request does not match the document: %v", req.Method, req.URL.Path, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.StatusCode, Header: res.Header, Options: opts}
	if err := openapi3filter.ValidateResponse(req.Context(), out.SetBodyBytes(resBody)); err != nil {
		c.t.Errorf("%s %s: response %d does not match the document: %v\nbody: %s", req.Method, req.URL.Path, res.StatusCode, err, resBody)
	}
	c.seen[exchangeKey(req.Method, route.Path, res.StatusCode)] = true
}

// wantCode checks the code of an error response.
func (c *liveClient) wantCode(body map[string]any, code string) {
	c.t.Helper()
	e, _ := body["error"].(map[string]any)
	if got := e["code"]; got != code {
		c.t.Errorf("error code: got %v, want %s", got, code)
	}
}

func exchangeKey(method, path string, status int) string {
	return fmt.Sprintf("%s %s %d", method, path, status)
}

func encodeBody(t testing.TB, body any) []byte {
	t.Helper()
	switch b := body.(type) {
	case nil:
		return nil
	case rawBody:
		return []byte(b)
	case fileBody:
		return b.data
	}
	out, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func asJSONValue(t testing.TB, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// num reads a JSON number as an id.
func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

func path(format string, id int64) string { return fmt.Sprintf(format, id) }
