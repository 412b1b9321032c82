package httpapi

import (
	"net/http"
	"slices"

	"steward/internal/access"
	"steward/internal/audit"
	"steward/internal/crm"
	"steward/internal/org"
	"steward/internal/service"
	"steward/internal/store"
)

// LoginRequest is the body of POST /auth/login.
type LoginRequest struct {
	Tenant   string `json:"tenant"`
	Email    string `json:"email"`
	Password string `json:"password"`
}

// TransferRequest is the body of POST /customers/{id}/transfer.
type TransferRequest struct {
	OwnerID int64 `json:"owner_id"`
}

// GroupMemberRequest is the body of POST /groups/{id}/members.
type GroupMemberRequest struct {
	UserID int64 `json:"user_id" doc:"the user to add"`
}

// CountResponse is a count of records.
type CountResponse struct {
	Count int64 `json:"count"`
}

var (
	listParams = []Param{
		{"limit", "integer", "page size, 1-200 (default 50)"},
		{"cursor", "string", "next_cursor of the previous page"},
	}
	customerParams = append(append([]Param{}, listParams...),
		Param{"q", "string", "text to find in name, phone or e-mail (those of them you may read)"},
		Param{"sort", "string", "last_activity_at, created_at, updated_at or name; a leading - sorts descending (default -last_activity_at)"},
		Param{"industry", "string", "equals"}, Param{"level", "string", "equals: A, B, C or D"},
		Param{"region", "string", "equals"}, Param{"source", "string", "equals"},
		Param{"owner_id", "integer", "owner equals"})
	userParams = append(append([]Param{}, listParams...), Param{"q", "string", "text to find in name or e-mail"})
)

// anyLimit lets a limited session (one that must first enrol a second
// factor or change its password) use a route.
var anyLimit = []string{service.LimitEnrolment, service.LimitPasswordChange}

// Routes is the API's route table.
func Routes() []Route {
	return append([]Route{
		{Method: "POST", Path: "/auth/login", Summary: "Sign in with a password", Public: true, Body: LoginRequest{}, Response: service.LoginResult{}, handle: (*API).login},
		{Method: "POST", Path: "/auth/logout", Summary: "End this session", Status: http.StatusNoContent, limits: anyLimit, handle: (*API).logout},
		{Method: "GET", Path: "/me", Summary: "The signed-in user", Response: service.Me{}, limits: anyLimit, handle: (*API).me},

		{Method: "GET", Path: "/departments", Summary: "The org tree", Response: service.Page[org.Department]{}, handle: (*API).listDepartments},
		{Method: "POST", Path: "/departments", Summary: "Add a department", Body: org.DepartmentInput{}, Response: org.Department{}, Status: http.StatusCreated, handle: (*API).createDepartment},
		{Method: "GET", Path: "/departments/{id}", Summary: "One department", Response: org.Department{}, handle: (*API).getDepartment},
		{Method: "PATCH", Path: "/departments/{id}", Summary: "Rename or move a department", Body: org.DepartmentInput{}, Response: org.Department{}, handle: (*API).updateDepartment},
		{Method: "DELETE", Path: "/departments/{id}", Summary: "Remove an empty department", Status: http.StatusNoContent, handle: (*API).deleteDepartment},

		{Method: "GET", Path: "/users", Summary: "The tenant's users", Query: userParams, Response: service.Page[org.User]{}, handle: (*API).listUsers},
		{Method: "POST", Path: "/users", Summary: "Add a user", Body: org.UserInput{}, Response: org.User{}, Status: http.StatusCreated, handle: (*API).createUser},
		{Method: "GET", Path: "/users/{id}", Summary: "One user", Response: org.User{}, handle: (*API).getUser},
		{Method: "PATCH", Path: "/users/{id}", Summary: "Change a user's profile, department, manager or status", Body: org.UserInput{}, Response: org.User{}, handle: (*API).updateUser},
		{Method: "GET", Path: "/users/{id}/roles", Summary: "A user's role assignments", Response: service.Page[store.Assignment]{}, handle: (*API).listAssignments},
		{Method: "POST", Path: "/users/{id}/roles", Summary: "Give a user a role", Body: service.RoleGrant{}, Response: service.Page[store.Assignment]{}, Status: http.StatusCreated, handle: (*API).grantRole},
		{Method: "DELETE", Path: "/users/{id}/roles/{key}", Summary: "Take a role from a user", Status: http.StatusNoContent, handle: (*API).revokeRole},

		{Method: "GET", Path: "/groups", Summary: "The tenant's groups", Response: service.Page[org.Group]{}, handle: (*API).listGroups},
		{Method: "POST", Path: "/groups", Summary: "Add a group", Body: org.GroupInput{}, Response: org.Group{}, Status: http.StatusCreated, handle: (*API).createGroup},
		{Method: "GET", Path: "/groups/{id}", Summary: "One group", Response: org.Group{}, handle: (*API).getGroup},
		{Method: "PATCH", Path: "/groups/{id}", Summary: "Change a group, or replace its members (POST and DELETE .../members change one without undoing another's change)", Body: org.GroupInput{}, Response: org.Group{}, handle: (*API).updateGroup},
		{Method: "DELETE", Path: "/groups/{id}", Summary: "Remove a group", Status: http.StatusNoContent, handle: (*API).deleteGroup},
		{Method: "POST", Path: "/groups/{id}/members", Summary: "Add one member to a group, leaving the others as they are now (409 if already a member)",
			Body: GroupMemberRequest{}, Response: org.Group{}, Status: http.StatusCreated, handle: (*API).addGroupMember},
		{Method: "DELETE", Path: "/groups/{id}/members/{user_id}", Summary: "Take one member out of a group, leaving the others as they are now",
			Status: http.StatusNoContent, handle: (*API).removeGroupMember},

		{Method: "GET", Path: "/roles", Summary: "Roles with their permission matrix", Response: service.Page[access.Role]{}, handle: (*API).listRoles},
		{Method: "POST", Path: "/roles", Summary: "Add a role", Body: service.RoleInput{}, Response: access.Role{}, Status: http.StatusCreated, handle: (*API).createRole},
		{Method: "GET", Path: "/roles/{key}", Summary: "One role", Response: access.Role{}, handle: (*API).getRole},
		{Method: "PATCH", Path: "/roles/{key}", Summary: "Change a role (takes effect on the next request)", Body: service.RoleInput{}, Response: access.Role{}, handle: (*API).updateRole},
		{Method: "DELETE", Path: "/roles/{key}", Summary: "Remove a role nobody holds", Status: http.StatusNoContent, handle: (*API).deleteRole},

		{Method: "GET", Path: "/customers", Summary: "Customers you may see, newest activity first", Query: customerParams, Response: service.Page[crm.Customer]{}, handle: (*API).listCustomers},
		{Method: "GET", Path: "/customers/count", Summary: "How many customers you may see that match", Query: customerParams[2:], Response: CountResponse{}, handle: (*API).countCustomers},
		{Method: "POST", Path: "/customers", Summary: "Add a customer, owned by you", Body: crm.CustomerInput{}, Response: crm.Customer{}, Status: http.StatusCreated, handle: (*API).createCustomer},
		{Method: "GET", Path: "/customers/{id}", Summary: "One customer", Response: crm.Customer{}, handle: (*API).getCustomer},
		{Method: "PATCH", Path: "/customers/{id}", Summary: "Change a customer", Body: crm.CustomerInput{}, Response: crm.Customer{}, handle: (*API).updateCustomer},
		{Method: "DELETE", Path: "/customers/{id}", Summary: "Delete a customer and everything under it", Status: http.StatusNoContent, handle: (*API).deleteCustomer},
		{Method: "POST", Path: "/customers/{id}/transfer", Summary: "Hand a customer to a new owner", Body: TransferRequest{}, Response: crm.Customer{}, handle: (*API).transferCustomer},

		{Method: "GET", Path: "/customers/{id}/contacts", Summary: "A customer's contacts", Query: listParams, Response: service.Page[crm.Contact]{}, handle: (*API).listContacts},
		{Method: "POST", Path: "/customers/{id}/contacts", Summary: "Add a contact", Body: crm.ContactInput{}, Response: crm.Contact{}, Status: http.StatusCreated, handle: (*API).createContact},
		{Method: "GET", Path: "/contacts/{id}", Summary: "One contact", Response: crm.Contact{}, handle: (*API).getContact},
		{Method: "PATCH", Path: "/contacts/{id}", Summary: "Change a contact", Body: crm.ContactInput{}, Response: crm.Contact{}, handle: (*API).updateContact},
		{Method: "DELETE", Path: "/contacts/{id}", Summary: "Delete a contact", Status: http.StatusNoContent, handle: (*API).deleteContact},

		{Method: "GET", Path: "/customers/{id}/deals", Summary: "A customer's deals", Query: listParams, Response: service.Page[crm.Deal]{}, handle: (*API).listDeals},
		{Method: "POST", Path: "/customers/{id}/deals", Summary: "Add a deal", Body: crm.DealInput{}, Response: crm.Deal{}, Status: http.StatusCreated, handle: (*API).createDeal},
		{Method: "GET", Path: "/deals/{id}", Summary: "One deal", Response: crm.Deal{}, handle: (*API).getDeal},
		{Method: "PATCH", Path: "/deals/{id}", Summary: "Change a deal", Body: crm.DealInput{}, Response: crm.Deal{}, handle: (*API).updateDeal},
		{Method: "DELETE", Path: "/deals/{id}", Summary: "Delete a deal", Status: http.StatusNoContent, handle: (*API).deleteDeal},

		{Method: "GET", Path: "/customers/{id}/activities", Summary: "A customer's follow-ups, newest first", Query: listParams, Response: service.Page[crm.Activity]{}, handle: (*API).listActivities},
		{Method: "POST", Path: "/customers/{id}/activities", Summary: "Record a follow-up", Body: crm.ActivityInput{}, Response: crm.Activity{}, Status: http.StatusCreated, handle: (*API).createActivity},
		{Method: "GET", Path: "/activities/{id}", Summary: "One follow-up", Response: crm.Activity{}, handle: (*API).getActivity},
		{Method: "PATCH", Path: "/activities/{id}", Summary: "Change a follow-up", Body: crm.ActivityInput{}, Response: crm.Activity{}, handle: (*API).updateActivity},
		{Method: "DELETE", Path: "/activities/{id}", Summary: "Delete a follow-up", Status: http.StatusNoContent, handle: (*API).deleteActivity},

		{Method: "GET", Path: "/permission-matrix", Summary: "Roles × object.action → scope; ?format=csv for a file", CSV: true,
			Query: []Param{{"format", "string", "json (default) or csv"}}, Response: service.Matrix{}, handle: (*API).permissionMatrix},
		{Method: "GET", Path: "/customers/{id}/team", Summary: "A customer's record team", Response: service.Page[store.Grant]{}, handle: (*API).listTeam},
		{Method: "POST", Path: "/customers/{id}/team", Summary: "Put a user on the record team", Body: service.TeamInput{}, Response: store.Grant{}, Status: http.StatusCreated, handle: (*API).addTeamMember},
		{Method: "DELETE", Path: "/customers/{id}/team/{user_id}", Summary: "Take a user off the record team", Status: http.StatusNoContent, handle: (*API).removeTeamMember},
		{Method: "GET", Path: "/customers/{id}/shares", Summary: "A customer's shares", Response: service.Page[store.Grant]{}, handle: (*API).listShares},
		{Method: "POST", Path: "/customers/{id}/shares", Summary: "Share a customer with a user, department, group or role", Body: service.ShareInput{}, Response: store.Grant{}, Status: http.StatusCreated, handle: (*API).addShare},
		{Method: "DELETE", Path: "/customers/{id}/shares/{share_id}", Summary: "Remove a share", Status: http.StatusNoContent, handle: (*API).removeShare},
		{Method: "GET", Path: "/customers/{id}/access", Summary: "Why a user can or cannot do each thing with this customer", Query: []Param{{"user_id", "integer", "the user to explain (default: you)"}}, Response: service.Explanation{}, handle: (*API).explain},
		{Method: "POST", Path: "/customers/{id}/return", Summary: "Return a customer to its pool", Body: service.ReturnRequest{}, Response: crm.Customer{}, handle: (*API).returnCustomer},
		{Method: "GET", Path: "/users/{id}/effective-permissions", Summary: "Everything a user may do, and from where", Response: service.EffectivePermissions{}, handle: (*API).effectivePermissions},

		{Method: "GET", Path: "/sharing-rules", Summary: "Criteria sharing rules", Response: service.Page[store.StoredSharingRule]{}, handle: (*API).listSharingRules},
		{Method: "POST", Path: "/sharing-rules", Summary: "Add a sharing rule", Body: service.SharingRuleInput{}, Response: store.StoredSharingRule{}, Status: http.StatusCreated, handle: (*API).createSharingRule},
		{Method: "PUT", Path: "/sharing-rules/{id}", Summary: "Replace a sharing rule", Body: service.SharingRuleInput{}, Response: store.StoredSharingRule{}, handle: (*API).replaceSharingRule},
		{Method: "DELETE", Path: "/sharing-rules/{id}", Summary: "Remove a sharing rule", Status: http.StatusNoContent, handle: (*API).deleteSharingRule},
		{Method: "GET", Path: "/restriction-rules", Summary: "Restriction rules, which take access away", Response: service.Page[store.StoredRestriction]{}, handle: (*API).listRestrictions},
		{Method: "POST", Path: "/restriction-rules", Summary: "Add a restriction rule", Body: service.RestrictionInput{}, Response: store.StoredRestriction{}, Status: http.StatusCreated, handle: (*API).createRestriction},
		{Method: "PUT", Path: "/restriction-rules/{id}", Summary: "Replace a restriction rule", Body: service.RestrictionInput{}, Response: store.StoredRestriction{}, handle: (*API).replaceRestriction},
		{Method: "DELETE", Path: "/restriction-rules/{id}", Summary: "Remove a restriction rule", Status: http.StatusNoContent, handle: (*API).deleteRestriction},
		{Method: "GET", Path: "/pools", Summary: "Customer pools (公海)", Response: service.Page[store.StoredPool]{}, handle: (*API).listPools},
		{Method: "POST", Path: "/pools", Summary: "Add a pool", Body: service.PoolInput{}, Response: store.StoredPool{}, Status: http.StatusCreated, handle: (*API).createPool},
		{Method: "PUT", Path: "/pools/{id}", Summary: "Replace a pool's settings and member departments", Body: service.PoolInput{}, Response: store.StoredPool{}, handle: (*API).replacePool},
		{Method: "DELETE", Path: "/pools/{id}", Summary: "Remove an empty pool", Status: http.StatusNoContent, handle: (*API).deletePool},
		{Method: "GET", Path: "/pools/{id}/customers", Summary: "The unowned customers of a pool (contact details masked)", Query: customerParams, Response: service.Page[crm.Customer]{}, handle: (*API).poolCustomers},
		{Method: "GET", Path: "/audit/events", Summary: "The audit trail, newest first (view_audit); ?format=jsonl or csv for SIEM tools", Query: auditParams, CSV: true, JSONL: true,
			Response: service.Page[audit.Entry]{}, handle: (*API).auditEvents},
		{Method: "GET", Path: "/audit/verify", Summary: "Verify the tenant's audit chain and signed checkpoints (view_audit)", Response: audit.Report{}, handle: (*API).auditVerify},
		{Method: "GET", Path: "/audit/public-key", Summary: "The public key audit checkpoints are signed with", Response: PublicKey{}, handle: (*API).auditPublicKey},
		{Method: "GET", Path: "/users/{id}/permission-history", Summary: "Every recorded change to what a user could do", Query: auditParams[:9], Response: service.Page[audit.Entry]{}, handle: (*API).permissionHistory},
		{Method: "GET", Path: "/customers/{id}/access-history", Summary: "Who was granted or lost access to a customer, and when", Query: auditParams[:9], Response: service.Page[audit.Entry]{}, handle: (*API).accessHistory},
		{Method: "GET", Path: "/customers/{id}/access-at", Summary: "Who could view, edit, delete, transfer, share or export a customer at a past moment, and why, from the audit trail (view_audit)",
			Query: []Param{{"at", "string", "the moment, an RFC 3339 time not later than now (required)"}}, Response: service.AccessAt{}, handle: (*API).accessAt},
		{Method: "POST", Path: "/pools/{id}/claim", Summary: "Claim a customer from a pool", Body: service.ClaimRequest{}, Response: crm.Customer{}, handle: (*API).claim},
	}, slices.Concat(securityRoutes(), fieldRoutes(), exportRoutes(), importRoutes(), requestRoutes(), lifecycleRoutes(), sodRoutes(), insightRoutes(), reviewRoutes(), policyRoutes(), reportRoutes(), retentionRoutes(), privacyRoutes())...)
}
