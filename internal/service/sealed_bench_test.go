package service_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"steward/internal/crm"
)

// BenchmarkSealedUpdate is a customer update that writes a phone number,
// an e-mail address and an address, sealed (with blind indexes) and in
// clear (a service without a master key), each on a database of its own,
// in alternating blocks like BenchmarkCustomerUpdate; the metrics give
// what sealing adds to an update.
func BenchmarkSealedUpdate(b *testing.B) {
	ctx := context.Background()
	var updates [2]func(i int) error
	for k, sealed := range []bool{true, false} {
		f := newAuditFixture(b, benchEngine(), 0)
		if !sealed {
			f.svc.Master = nil
		}
		a, err := f.svc.ActorFor(ctx, f.tenant, 1)
		if err != nil {
			b.Fatal(err)
		}
		name := "Sealed Trading"
		c, err := f.svc.CreateCustomer(ctx, a, crm.CustomerInput{Name: &name})
		if err != nil {
			b.Fatal(err)
		}
		updates[k] = func(i int) error {
			n := strconv.Itoa(10_000_000 + i)
			phone, email, addr := "+86 138 "+n, "buyer"+n+"@client.example", n+" Nanjing Road, Shanghai"
			_, err := f.svc.UpdateCustomer(ctx, a, c.ID, crm.CustomerInput{Phone: &phone, Email: &email, Address: &addr})
			return err
		}
	}
	const block = 20
	var wall [2]time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += block {
		for k, update := range updates {
			w := time.Now()
			for j := i; j < min(i+block, b.N); j++ {
				if err := update(j); err != nil {
					b.Fatal(err)
				}
			}
			wall[k] += time.Since(w)
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(wall[0])/n/1e3, "µs/sealed")
	b.ReportMetric(float64(wall[1])/n/1e3, "µs/clear")
	b.ReportMetric(100*float64(wall[0]-wall[1])/float64(wall[1]), "%sealing-share")
}
