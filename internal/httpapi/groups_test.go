package httpapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"steward/internal/store/storetest"
)

// Two administrators change one group through the member endpoints: the
// first read the group before the second added someone, and taking a
// member out does not undo that addition, as writing back the list read
// earlier with PATCH would. Each refusal names its cause, on both engines.
func TestGroupMemberEndpoints(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			c := newLiveClientOn(t, e)
			c.login("admin@acme.example", "a-long-enough-password-1")
			root := num(c.call("GET", "/departments", nil, http.StatusOK)["items"].([]any)[0].(map[string]any)["id"])
			user := func(email string) int64 {
				return num(c.call("POST", "/users", obj{"email": email, "name": email, "password": "another-long-password-2",
					"department_id": root, "roles": []string{"sales_rep"}}, http.StatusCreated)["id"])
			}
			a, b := user("a@acme.example"), user("b@acme.example")
			group := num(c.call("POST", "/groups", obj{"name": "Key accounts", "members": []int64{a}}, http.StatusCreated)["id"])
			members := fmt.Sprintf("/groups/%d/members", group)

			read := ids(c.call("GET", path("/groups/%d", group), nil, http.StatusOK)["members"])
			if got := ids(c.call("POST", members, obj{"user_id": b}, http.StatusCreated)["members"]); !slices.Equal(got, []int64{a, b}) {
				t.Fatalf("after adding %d: members %v, want [%d %d]", b, got, a, b)
			}
			c.call("DELETE", fmt.Sprintf("%s/%d", members, a), nil, http.StatusNoContent)
			if got := ids(c.call("GET", path("/groups/%d", group), nil, http.StatusOK)["members"]); !slices.Equal(got, []int64{b}) {
				t.Errorf("removing %d from the group read as %v: members %v, want [%d]", a, read, got, b)
			}

			for _, tc := range []struct {
				method, target string
				body           any
				status         int
				code, field    string
			}{
				{"POST", members, obj{"user_id": b}, http.StatusConflict, "already_member", ""},
				{"POST", members, obj{"user_id": 999999}, http.StatusBadRequest, "invalid_reference", "user_id"},
				{"POST", members, obj{}, http.StatusBadRequest, "field_required", "user_id"},
				{"POST", members, obj{"user_id": "b"}, http.StatusBadRequest, "invalid_type", "user_id"},
				{"POST", "/groups/999999/members", obj{"user_id": b}, http.StatusNotFound, "not_found", ""},
				{"DELETE", fmt.Sprintf("%s/%d", members, a), nil, http.StatusNotFound, "not_found", ""},
				{"DELETE", fmt.Sprintf("/groups/999999/members/%d", b), nil, http.StatusNotFound, "not_found", ""},
				{"DELETE", members + "/x", nil, http.StatusBadRequest, "invalid_id", "user_id"},
			} {
				body := c.call(tc.method, tc.target, tc.body, tc.status)
				if got := errorOf(body); got.code != tc.code || got.field != tc.field {
					t.Errorf("%s %s %v: got %s on %q, want %s on %q", tc.method, tc.target, tc.body, got.code, got.field, tc.code, tc.field)
				}
			}

			c.login("a@acme.example", "another-long-password-2")
			c.wantCode(c.call("POST", members, obj{"user_id": a}, http.StatusForbidden), "forbidden")
			c.wantCode(c.call("DELETE", fmt.Sprintf("%s/%d", members, b), nil, http.StatusForbidden), "forbidden")
			c.login("admin@acme.example", "a-long-enough-password-1")
			if got := ids(c.call("GET", path("/groups/%d", group), nil, http.StatusOK)["members"]); !slices.Equal(got, []int64{b}) {
				t.Errorf("after the refusals: members %v, want [%d]", got, b)
			}
		})
	}
}

// ids reads a JSON array of ids.
func ids(v any) []int64 {
	var out []int64
	for _, x := range v.([]any) {
		out = append(out, num(x))
	}
	return out
}

// apiError is an error body's code and field.
type apiError struct{ code, field string }

func errorOf(body map[string]any) apiError {
	e, _ := body["error"].(map[string]any)
	code, _ := e["code"].(string)
	field, _ := e["field"].(string)
	return apiError{code, field}
}
