package main

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"steward/internal/store/storetest"
)

// TestAuditChainAcrossProcesses runs two `steward serve` processes on one
// database (a SQLite file, and PostgreSQL when STEWARD_TEST_POSTGRES is
// set) and writes to both at once. Each process's chainer seals the
// entries its changes queue while the other's does the same: afterwards
// every acknowledged change has exactly one entry, read through either
// process, and the tenant's chain verifies without gaps.
func TestAuditChainAcrossProcesses(t *testing.T) {
	bin := buildSteward(t)
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			env, run := newInstallation(t, bin, storetest.DSN(t, engine))
			addrs := []string{freeAddr(t), freeAddr(t)}
			for _, addr := range addrs {
				srv := startServe(t, bin, env, addr)
				t.Cleanup(func() { _ = srv.Process.Kill(); _ = srv.Wait() })
			}
			var codes recoveryCodes
			token := login(t, addrs[0], &codes)

			const writers, each = 6, 25
			var wg sync.WaitGroup
			errc := make(chan string, writers*each)
			for w := 0; w < writers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					addr := addrs[w%2]
					for i := 0; i < each; i++ {
						if s := call(addr, token, "POST", "/customers", map[string]any{"name": fmt.Sprintf("N%d-%d", w, i)}, nil); s != 201 {
							errc <- fmt.Sprintf("create through %s: %d", addr, s)
						}
					}
				}()
			}
			wg.Wait()
			close(errc)
			for e := range errc {
				t.Fatal(e)
			}
			time.Sleep(600 * time.Millisecond) // a few of the chainers' polls, so they, not the readers, chain

			for _, addr := range addrs {
				created := map[string]int{}
				var page struct {
					Items []struct {
						TargetID string `json:"target_id"`
					} `json:"items"`
				}
				if s := call(addr, token, "GET", "/audit/events?action=customer.create&limit=1000", nil, &page); s != 200 {
					t.Fatalf("reading the trail through %s: %d", addr, s)
				}
				for _, e := range page.Items {
					created[e.TargetID]++
				}
				if len(created) != writers*each || len(page.Items) != writers*each {
					t.Errorf("through %s: %d customer.create entries for %d customers, want %d each", addr, len(page.Items), len(created), writers*each)
				}
				var rep struct {
					OK       bool   `json:"ok"`
					Entries  int64  `json:"entries"`
					LastSeq  int64  `json:"last_seq"`
					Problem  string `json:"problem"`
					BrokenAt int64  `json:"broken_at"`
				}
				if s := call(addr, token, "GET", "/audit/verify", nil, &rep); s != 200 || !rep.OK || rep.Entries != rep.LastSeq || rep.LastSeq < writers*each {
					t.Errorf("verify through %s: %d %+v", addr, s, rep)
				}
			}
			run("audit", "verify")
		})
	}
}
