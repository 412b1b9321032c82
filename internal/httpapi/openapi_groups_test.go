package httpapi_test

import (
	"fmt"
	"net/http"
)

// groupMemberExchanges covers adding and removing one member of a group,
// and the errors of each: the group emptied first, so the user is added.
func groupMemberExchanges(c *liveClient, group, user int64) {
	members := fmt.Sprintf("/groups/%d/members", group)
	c.call("PATCH", path("/groups/%d", group), obj{"members": []int64{}}, http.StatusOK)
	c.call("POST", members, obj{"user_id": user}, http.StatusCreated)
	c.wantCode(c.call("POST", members, obj{"user_id": user}, http.StatusConflict), "already_member")
	c.wantCode(c.call("POST", members, obj{"user": user}, http.StatusBadRequest), "unknown_field")
	c.wantCode(c.call("POST", "/groups/999999/members", obj{"user_id": user}, http.StatusNotFound), "not_found")
	c.call("DELETE", fmt.Sprintf("%s/%d", members, user), nil, http.StatusNoContent)
	c.wantCode(c.call("DELETE", fmt.Sprintf("%s/%d", members, user), nil, http.StatusNotFound), "not_found")
}
