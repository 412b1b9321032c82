package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"steward/internal/authn"
)

// TestCrashKeepsAcknowledgedChanges kills `steward serve` with SIGKILL in
// the middle of a burst of writes. After a restart every change the server
// acknowledged is there, each with its audit entry, and the chain verifies.
func TestCrashKeepsAcknowledgedChanges(t *testing.T) {
	bin := buildSteward(t)
	env, run := newInstallation(t, bin, "sqlite:"+filepath.Join(t.TempDir(), "s.db"))

	addr := freeAddr(t)
	srv := startServe(t, bin, env, addr)
	var factor recoveryCodes
	token := login(t, addr, &factor)
	var mu sync.Mutex
	var acked []int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				var c struct{ ID int64 }
				if status := call(addr, token, "POST", "/customers", map[string]any{"name": fmt.Sprintf("C%d-%d", w, i)}, &c); status == 201 {
					mu.Lock()
					acked = append(acked, c.ID)
					mu.Unlock()
				} else if status == 0 {
					return // the server is gone
				}
			}
		}()
	}
	time.Sleep(700 * time.Millisecond)
	if err := srv.Process.Kill(); err != nil { // SIGKILL: no shutdown, no flush
		t.Fatal(err)
	}
	_ = srv.Wait()
	close(stop)
	wg.Wait()
	if len(acked) < 10 {
		t.Fatalf("only %d writes were acknowledged before the kill", len(acked))
	}

	srv = startServe(t, bin, env, addr)
	defer func() { _ = srv.Process.Kill(); _ = srv.Wait() }()
	token = login(t, addr, &factor)
	// Walk every page: a burst can acknowledge more creates than one page holds.
	created := map[string]bool{}
	for cursor := ""; ; {
		var page struct {
			Items []struct {
				Action   string `json:"action"`
				TargetID string `json:"target_id"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		path := "/audit/events?action=customer.create&limit=1000"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		if call(addr, token, "GET", path, nil, &page) != 200 {
			t.Fatal("reading the audit trail failed")
		}
		for _, e := range page.Items {
			created[e.TargetID] = true
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	for _, id := range acked {
		if s := call(addr, token, "GET", "/customers/"+strconv.FormatInt(id, 10), nil, nil); s != 200 {
			t.Errorf("acknowledged customer %d: got %d after the restart", id, s)
		}
		if !created[strconv.FormatInt(id, 10)] {
			t.Errorf("acknowledged customer %d has no audit entry", id)
		}
	}
	var rep struct {
		OK      bool  `json:"ok"`
		Entries int64 `json:"entries"`
	}
	if call(addr, token, "GET", "/audit/verify", nil, &rep) != 200 || !rep.OK {
		t.Errorf("the chain does not verify after the crash: %+v", rep)
	}
	run("audit", "verify")
	t.Logf("%d writes acknowledged before SIGKILL; all present and audited; %d entries verify", len(acked), rep.Entries)
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startServe(t *testing.T, bin string, env []string, addr string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", addr, "--log-level", "error")
	cmd.Env = env
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		if res, err := http.Get("http://" + addr + "/healthz"); err == nil {
			res.Body.Close()
			return cmd
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("steward serve did not come up")
	return nil
}

// recoveryCodes are the administrator's unused recovery codes: a tenant
// made by steward init requires a second factor of administrators.
type recoveryCodes []string

// login signs the administrator in: the first time it enrols an
// authenticator app (the session is limited to that until then), later it
// completes the sign-in with a recovery code.
func login(t *testing.T, addr string, codes *recoveryCodes) string {
	t.Helper()
	var res struct {
		Token    string `json:"token"`
		Limit    string `json:"limit"`
		MFAToken string `json:"mfa_token"`
	}
	if s := call(addr, "", "POST", "/auth/login", map[string]string{"tenant": "acme", "email": "admin@acme.example", "password": "correct-horse-battery-staple"}, &res); s != 200 {
		t.Fatalf("login: %d", s)
	}
	if res.MFAToken != "" {
		if len(*codes) == 0 {
			t.Fatal("login asks for a second factor, and no recovery code is left")
		}
		code := (*codes)[0]
		*codes = (*codes)[1:]
		if s := call(addr, "", "POST", "/auth/mfa", map[string]string{"mfa_token": res.MFAToken, "code": code}, &res); s != 200 {
			t.Fatalf("second factor: %d", s)
		}
		return res.Token
	}
	if res.Limit == "mfa_enrolment" {
		var en struct{ Secret string }
		if s := call(addr, res.Token, "POST", "/me/mfa/totp", nil, &en); s != 201 {
			t.Fatalf("enrol: %d", s)
		}
		code, err := authn.TOTPAt(en.Secret, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		var rc struct {
			Codes []string `json:"recovery_codes"`
		}
		if s := call(addr, res.Token, "POST", "/me/mfa/totp/confirm", map[string]string{"code": code}, &rc); s != 200 {
			t.Fatalf("confirm: %d", s)
		}
		*codes = rc.Codes
	}
	return res.Token
}

// call returns the status, or 0 when the server could not be reached.
func call(addr, token, method, path string, body, out any) int {
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, "http://"+addr+"/api/v1"+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return 0
	}
	defer res.Body.Close()
	if out != nil {
		_ = json.NewDecoder(res.Body).Decode(out)
	}
	return res.StatusCode
}
