package httpapi

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"steward/internal/errs"
)

// statusOf is the one table from error kinds to HTTP statuses.
var statusOf = map[errs.Kind]int{
	errs.Internal:     http.StatusInternalServerError,
	errs.Invalid:      http.StatusBadRequest,
	errs.Unauthorized: http.StatusUnauthorized,
	errs.Forbidden:    http.StatusForbidden,
	errs.NotFound:     http.StatusNotFound,
	errs.Conflict:     http.StatusConflict,
	errs.TooLarge:     http.StatusRequestEntityTooLarge,
	errs.TooMany:      http.StatusTooManyRequests,
}

// ErrorBody is the JSON shape of every error response.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail says what went wrong, in words safe to show.
type ErrorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Field     string `json:"field,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// writeError answers with the error's status and public message. Internal
// errors are logged with their cause and the request id; the caller sees
// only the id.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	e := errs.As(err)
	status := statusOf[e.Kind]
	body := ErrorBody{Error: ErrorDetail{Code: e.Code, Message: e.Message, Field: e.Field}}
	if e.Kind == errs.Internal {
		rid := requestID(r)
		log.Error("request failed", "request_id", rid, "method", r.Method, "path", r.URL.Path, "err", e.Cause)
		body.Error = ErrorDetail{Code: "internal", Message: "internal error", RequestID: rid}
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}
