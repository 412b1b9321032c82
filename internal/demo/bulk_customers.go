package demo

import (
	"context"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"

	"steward/internal/crm"
	"steward/internal/store"
)

var (
	cities = []string{"Shanghai", "Beijing", "Shenzhen", "Hangzhou", "Chengdu", "Wuhan", "Nanjing", "Suzhou",
		"Tianjin", "Xiamen", "Berlin", "Munich", "Lyon", "Milan", "Austin", "Denver", "Osaka", "Busan", "Porto", "Krakow"}
	streets       = []string{"Renmin Road", "Zhongshan Road", "Jiefang Avenue", "Nanjing Road", "Harbour Street", "Station Road", "Park Avenue", "Market Street"}
	suffixes      = []string{"Co.", "Ltd.", "Group", "Inc."}
	contactTitles = []string{"CEO", "Buyer", "CTO", "Procurement", "Finance", "Operations"}
	customerNotes = []string{"Key account", "Prefers e-mail", "Renewal due next quarter", "Met at trade fair"}
)

// activitySpan is how far back customers' last activity goes.
const activitySpan = 2 * 365 * 24 * time.Hour

// batch is one transaction's worth of customers and their contacts.
type batch struct {
	customers []store.BulkCustomer
	contacts  []store.BulkContact
}

// customers writes the customers and contacts batch by batch. One goroutine
// generates the next batch while this one writes the last, so that both
// cores work. It returns how many customers and contacts it wrote.
func (g *generator) customers(ctx context.Context, load *store.BulkLoad, o *orgChart, m *meter) (int, int, error) {
	first, err := load.ReserveIDs(ctx, "customers", g.opts.Customers)
	if err != nil {
		return 0, 0, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the generator when a write fails
	batches := make(chan batch, 1)
	go g.produce(ctx, o, first, batches)
	for b := range batches {
		if err := load.Customers(ctx, b.customers); err != nil {
			return m.customers, m.contacts, err
		}
		if err := load.Contacts(ctx, b.contacts); err != nil {
			return m.customers, m.contacts, err
		}
		m.add(len(b.customers), len(b.contacts))
	}
	m.finish()
	return m.customers, m.contacts, ctx.Err()
}

// produce sends the customers in batches of ids from first on.
func (g *generator) produce(ctx context.Context, o *orgChart, first int64, out chan<- batch) {
	defer close(out)
	rng := rand.New(rand.NewPCG(g.opts.Seed, 2))
	pick := newOwnerPicker(rng, o.owners)
	for done := 0; done < g.opts.Customers; {
		n := min(g.opts.Batch, g.opts.Customers-done)
		b := batch{customers: make([]store.BulkCustomer, n), contacts: make([]store.BulkContact, 0, n*g.opts.Contacts)}
		for i := range b.customers {
			b.customers[i] = g.customer(rng, pick.pick(), first+int64(done+i))
			b.contacts = g.appendContacts(rng, b.contacts, &b.customers[i])
		}
		select {
		case out <- b:
		case <-ctx.Done():
			return
		}
		done += n
	}
}

func (g *generator) customer(rng *rand.Rand, own owner, id int64) store.BulkCustomer {
	word := companyWords[rng.IntN(len(companyWords))]
	city := cities[rng.IntN(len(cities))]
	last := g.now.Add(-time.Duration(rng.Int64N(int64(activitySpan))))
	c := store.BulkCustomer{ID: id, OwnerID: own.id, DeptPath: own.path,
		Name:     city + " " + word + " " + companyKinds[rng.IntN(len(companyKinds))] + " " + suffixes[rng.IntN(len(suffixes))],
		Industry: industries[rng.IntN(len(industries))], Level: crm.Levels[rng.IntN(len(crm.Levels))],
		Region: regions[rng.IntN(len(regions))], Source: crm.Sources[rng.IntN(len(crm.Sources))],
		Phone:   "+86 138 " + digits(rng, 8),
		Email:   "info" + strconv.FormatInt(id, 10) + "@" + domain(word),
		Address: strconv.Itoa(1+rng.IntN(999)) + " " + streets[rng.IntN(len(streets))] + ", " + city,
		// Created up to a year before the last activity.
		CreatedAt: last.Add(-time.Duration(rng.Int64N(int64(365 * 24 * time.Hour)))), LastActivityAt: last}
	if rng.IntN(10) == 0 {
		c.Notes = customerNotes[rng.IntN(len(customerNotes))]
	}
	return c
}

// appendContacts adds 1 to 2×average-1 contacts (the average on average).
func (g *generator) appendContacts(rng *rand.Rand, out []store.BulkContact, c *store.BulkCustomer) []store.BulkContact {
	if g.opts.Contacts == 0 {
		return out
	}
	n := 1 + rng.IntN(2*g.opts.Contacts-1)
	for range n {
		first, last := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
		out = append(out, store.BulkContact{CustomerID: c.ID, Name: first + " " + last,
			Title: contactTitles[rng.IntN(len(contactTitles))], Phone: "+86 139 " + digits(rng, 8),
			Email: strings.ToLower(first+"."+last) + c.Email[strings.IndexByte(c.Email, '@'):], CreatedAt: c.CreatedAt})
	}
	return out
}

// domain makes an e-mail domain of a company word.
func domain(word string) string {
	return strings.ToLower(strings.ReplaceAll(strings.Fields(word)[0], "'", "")) + ".example"
}

// ownerPicker draws owners with log-normal weights (σ = 1.4): the top tenth
// of owners hold about half of the customers, the median owner about a
// third of the mean, and the largest dozens of times the mean — the skew
// the list-filtering measurements were made with.
type ownerPicker struct {
	rng    *rand.Rand
	owners []owner
	cum    []float64
}

func newOwnerPicker(rng *rand.Rand, owners []owner) *ownerPicker {
	p := &ownerPicker{rng: rng, owners: owners, cum: make([]float64, len(owners))}
	total := 0.0
	for i := range owners {
		total += math.Exp(1.4 * rng.NormFloat64())
		p.cum[i] = total
	}
	return p
}

func (p *ownerPicker) pick() owner {
	i := sort.SearchFloat64s(p.cum, p.rng.Float64()*p.cum[len(p.cum)-1])
	return p.owners[min(i, len(p.owners)-1)]
}
