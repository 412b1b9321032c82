// Package server puts Steward on the network: the http.Server with its
// timeouts, the API and the web console side by side, and the middleware
// every response passes through (request ids, security headers, panic
// recovery, access log without personal data).
package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"steward/internal/console"
	"steward/internal/httpapi"
	"steward/internal/service"
)

// Options are the settings of the HTTP layer.
type Options struct {
	// Proxies are the reverse proxies whose X-Forwarded-For is believed
	// (proxy.go); none by default.
	Proxies Proxies
}

// Handler is everything Steward serves, wrapped in its middleware, with
// the default options.
func Handler(svc *service.Service, log *slog.Logger) http.Handler {
	return HandlerWith(svc, log, Options{})
}

// HandlerWith is Handler with options.
func HandlerWith(svc *service.Service, log *slog.Logger, o Options) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/api/v1/", httpapi.New(svc, log).Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	// The console answers every other path; it sets its own
	// Content-Security-Policy over the strict one secureHeaders gives the API.
	mux.Handle("/", console.New(svc, log).Handler())
	return httpapi.WithRequestID(behindProxies(o.Proxies, recoverPanics(log, secureHeaders(accessLog(log, mux)))))
}

// Serve runs the server on ln until ctx ends, then shuts down gracefully.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// secureHeaders sets the headers every response carries. The console
// replaces the Content-Security-Policy with its own (same-origin scripts,
// styles and images; frame-ancestors 'none' too). HSTS is sent only over
// TLS, directly or through a trusted proxy that says so (behindProxies
// removes the header from anyone else): browsers ignore it over
// plain HTTP, and the loopback demo must stay reachable without TLS.
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

func recoverPanics(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.Error("panic", "request_id", w.Header().Get("X-Request-Id"), "path", r.URL.Path, "panic", v)
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = w.Write([]byte(`{"error":{"code":"internal","message":"internal error","request_id":"` + w.Header().Get("X-Request-Id") + `"}}` + "\n"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// accessLog logs method, path (no query: it may carry search text), status
// and duration; never bodies or tokens.
func accessLog(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		log.Debug("request", "request_id", w.Header().Get("X-Request-Id"), "method", r.Method, "path", r.URL.Path,
			"status", sw.status, "ms", time.Since(start).Milliseconds())
	})
}
