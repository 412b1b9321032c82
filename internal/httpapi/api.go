// Package httpapi is Steward's JSON API under /api/v1. Handlers decode and
// validate the request, call one service method and encode the answer; all
// decisions live in the service. The route table below is also the source
// of the OpenAPI document, so the two cannot drift apart.
package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"steward/internal/errs"
	"steward/internal/service"
)

// API serves /api/v1.
type API struct {
	svc *service.Service
	log *slog.Logger
}

// New returns the API over a service.
func New(svc *service.Service, log *slog.Logger) *API { return &API{svc: svc, log: log} }

// Route is one operation of the API. Body and Response are example values
// of the request and response types, for the OpenAPI document.
type Route struct {
	Method   string
	Path     string // below /api/v1, with {name} parameters
	Summary  string
	Public   bool // needs no session
	Query    []Param
	Body     any
	Response any
	Status   int      // success status; 200 unless set
	CSV      bool     // ?format=csv answers the same data as a CSV file
	JSONL    bool     // ?format=jsonl answers it as JSON Lines
	Files    []string // the route answers a file of one of these content types (fileStream)
	Upload   []string // the request body is a file of one of these content types, read by the handler
	YAML     bool     // the body, or else the response, may also be application/yaml, with the same schema
	limits   []string // session limits under which the route still works (see service.LimitError)
	handle   func(a *API, w http.ResponseWriter, r *http.Request, act *service.Actor) (any, error)
}

// Param is a query parameter of a route.
type Param struct {
	Name, Type, Description string
}

// Handler returns the API as one http.Handler, mounted at /api/v1/.
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range Routes() {
		mux.Handle(rt.Method+" /api/v1"+rt.Path, a.serve(rt))
	}
	mux.HandleFunc("GET /api/v1/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, OpenAPI())
	})
	mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, a.log, errs.E(errs.NotFound, "no_such_route", "no API operation %s %s", r.Method, r.URL.Path))
	})
	return mux
}

// serve adapts one route: authenticate unless public, run, encode.
func (a *API) serve(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		r = r.WithContext(service.WithRequest(r.Context(), service.RequestInfo{SourceIP: host, RequestID: requestID(r)}))
		var act *service.Actor
		if !rt.Public {
			var limit string
			var err error
			if act, limit, err = a.svc.AuthenticateLimited(r.Context(), bearer(r)); err == nil && limit != "" && !slices.Contains(rt.limits, limit) {
				err = service.LimitError(limit)
			}
			if err != nil {
				writeError(w, r, a.log, err)
				return
			}
		}
		out, err := rt.handle(a, w, r, act)
		if err != nil {
			if act != nil && errs.KindOf(err) == errs.Forbidden {
				a.svc.RecordDenied(r.Context(), act, rt.Method+" "+rt.Path, err)
			}
			writeError(w, r, a.log, err)
			return
		}
		status := rt.Status
		if status == 0 {
			status = http.StatusOK
		}
		if status == http.StatusNoContent {
			w.WriteHeader(status)
			return
		}
		if f, ok := out.(fileStream); ok {
			// A large export takes longer than the server's two-minute write
			// timeout over a slow line.
			_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(30 * time.Minute))
			w.Header().Set("Content-Type", f.contentType)
			w.Header().Set("Content-Disposition", `attachment; filename="`+f.name+`"`)
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(status)
			if err := f.write(w); err != nil {
				// The status is sent; all that is left is to cut the body short.
				a.log.Error("file download cut short", "err", err)
				panic(http.ErrAbortHandler)
			}
			return
		}
		if f, ok := out.(csvFile); ok {
			ct := f.contentType
			if ct == "" {
				ct = csvType
			}
			w.Header().Set("Content-Type", ct+"; charset=utf-8")
			w.Header().Set("Content-Disposition", `attachment; filename="`+f.name+`"`)
			w.WriteHeader(status)
			_, _ = w.Write(f.data)
			return
		}
		writeJSON(w, status, out)
	})
}

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// pathID reads a numeric path parameter.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.Field(name, "invalid_id", "%s must be a positive integer", name)
	}
	return id, nil
}

type ctxKey int

const requestIDKey ctxKey = 1

// WithRequestID gives each request an id, echoed in X-Request-Id and in
// the log lines and error bodies of failures.
func WithRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id := hex.EncodeToString(b)
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
	})
}

func requestID(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey).(string)
	return id
}
