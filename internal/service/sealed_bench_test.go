package service_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"steward/internal/crm"
	"steward/internal/store"
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

// BenchmarkSealedPage reads a page of 50 customers, each with a phone
// number, an e-mail address and an address, sealed (150 values opened per
// page) and in clear, as an administrator, in alternating blocks; the
// metrics give what opening adds to a list page. With -benchtime 200x
// and the text q, it also times the search of a whole phone number, by
// blind index when sealed and by LIKE when in clear.
func BenchmarkSealedPage(b *testing.B) {
	ctx := context.Background()
	var pages, searches [2]func() error
	for k, sealed := range []bool{true, false} {
		f := newAuditFixture(b, benchEngine(), 0)
		if !sealed {
			f.svc.Master = nil
		}
		a, err := f.svc.ActorFor(ctx, f.tenant, 1)
		if err != nil {
			b.Fatal(err)
		}
		for i := range 2000 {
			n := strconv.Itoa(10_000_000 + i)
			name, phone, email, addr := "Customer "+n, "+86 138 "+n, "buyer"+n+"@client.example", n+" Nanjing Road, Shanghai"
			if _, err := f.svc.CreateCustomer(ctx, a, crm.CustomerInput{Name: &name, Phone: &phone, Email: &email, Address: &addr}); err != nil {
				b.Fatal(err)
			}
		}
		pages[k] = func() error {
			p, err := f.svc.Customers(ctx, a, store.CustomerQuery{Sort: "last_activity_at", Desc: true, Limit: 50})
			if err == nil && (len(p.Items) != 50 || p.Items[0].Phone == "") {
				b.Fatalf("a page of %d customers", len(p.Items))
			}
			return err
		}
		searches[k] = func() error {
			p, err := f.svc.Customers(ctx, a, store.CustomerQuery{Text: "+86 138 10001234", Sort: "last_activity_at", Desc: true, Limit: 50})
			if err == nil && len(p.Items) != 1 {
				b.Fatalf("the search found %d customers", len(p.Items))
			}
			return err
		}
	}
	const block = 20
	var wall, wallQ [2]time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += block {
		for k := range pages {
			w := time.Now()
			for j := i; j < min(i+block, b.N); j++ {
				if err := pages[k](); err != nil {
					b.Fatal(err)
				}
			}
			wall[k] += time.Since(w)
			w = time.Now()
			for j := i; j < min(i+block, b.N); j++ {
				if err := searches[k](); err != nil {
					b.Fatal(err)
				}
			}
			wallQ[k] += time.Since(w)
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(wall[0])/n/1e3, "µs/page-sealed")
	b.ReportMetric(float64(wall[1])/n/1e3, "µs/page-clear")
	b.ReportMetric(100*float64(wall[0]-wall[1])/float64(wall[1]), "%opening-share")
	b.ReportMetric(float64(wallQ[0])/n/1e3, "µs/phone-search-sealed")
	b.ReportMetric(float64(wallQ[1])/n/1e3, "µs/phone-search-clear")
}
