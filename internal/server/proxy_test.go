package server_test

import (
	"bytes"
	"net/http"
	"testing"

	"steward/internal/server"
	"steward/internal/store"
	"steward/internal/store/storetest"
)

// Behind a trusted proxy the client's address comes from X-Forwarded-For,
// read from the right: the audit trail records it (as the per-address
// sign-in limit and the allow-lists read it, from the same request
// address), not the proxy's, nor what the client wrote further left.
// Without the setting, the same header changes nothing.
func TestTrustedProxies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		loopback, err := server.ParseProxies("127.0.0.1,::1")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name    string
			proxies server.Proxies
			want    string
		}{
			{"behind a trusted proxy", loopback, "203.0.113.7"},
			{"no proxy trusted", nil, "127.0.0.1"},
		} {
			e := startOpts(t, db, nil, server.Options{Proxies: c.proxies})
			slug := map[bool]string{true: "proxied", false: "direct"}[c.proxies != nil]
			admin := e.tenant(slug)
			body := []byte(`{"tenant":"` + slug + `","email":"admin@` + slug + `.example","password":"` + pw + `"}`)
			req, _ := http.NewRequest("POST", e.url+"/api/v1/auth/login", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-For", "6.6.6.6, 203.0.113.7")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 200 {
				t.Fatalf("%s: sign-in %d", c.name, res.StatusCode)
			}
			var trail struct {
				Items []struct {
					SourceIP string `json:"source_ip"`
				}
			}
			admin.must("GET", "/audit/events?action=auth.login&limit=1", nil, 200, &trail)
			if len(trail.Items) != 1 || trail.Items[0].SourceIP != c.want {
				t.Errorf("%s: the newest auth.login came from %+v, want %s", c.name, trail.Items, c.want)
			}
		}
	})
}
