package crm

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"steward/internal/errs"
	"steward/internal/fieldcheck"
)

// Contact is a person at a customer.
type Contact struct {
	ID         int64     `json:"id"`
	CustomerID int64     `json:"customer_id"`
	Name       string    `json:"name"`
	Title      string    `json:"title"`
	Phone      string    `json:"phone"`
	Email      string    `json:"email"`
	Notes      string    `json:"notes"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	Custom     Custom    `json:"custom"`
	View
}

// ContactInput is what a caller may set on a contact.
type ContactInput struct {
	Name   *string `json:"name"`
	Title  *string `json:"title"`
	Phone  *string `json:"phone"`
	Email  *string `json:"email"`
	Notes  *string `json:"notes"`
	Custom Custom  `json:"custom,omitempty"`
}

// Apply validates in and copies it onto c, returning the changed field names.
func (in ContactInput) Apply(c *Contact, creating bool) ([]string, error) {
	var changed []string
	set := func(field string, dst *string, v string) {
		if *dst != v {
			*dst = v
			changed = append(changed, field)
		}
	}
	if in.Name != nil || creating {
		v, err := fieldcheck.Name("name", deref(in.Name), 100)
		if err != nil {
			return nil, err
		}
		set("name", &c.Name, v)
	}
	if in.Title != nil {
		v, err := fieldcheck.Optional("title", *in.Title, 100)
		if err != nil {
			return nil, err
		}
		set("title", &c.Title, v)
	}
	if in.Phone != nil {
		v, err := fieldcheck.Phone("phone", *in.Phone)
		if err != nil {
			return nil, err
		}
		set("phone", &c.Phone, v)
	}
	if in.Email != nil {
		v, err := fieldcheck.Email("email", *in.Email, false)
		if err != nil {
			return nil, err
		}
		set("email", &c.Email, v)
	}
	if in.Notes != nil {
		if err := fieldcheck.Text("notes", *in.Notes, 5000, true); err != nil {
			return nil, err
		}
		set("notes", &c.Notes, *in.Notes)
	}
	return changed, nil
}

// Text returns the input's slot for a text field by name (nil for any
// other name).
func (in *ContactInput) Text(name string) **string {
	return map[string]**string{"name": &in.Name, "title": &in.Title, "phone": &in.Phone, "email": &in.Email, "notes": &in.Notes}[name]
}

// Deal stages, in pipeline order.
var Stages = []string{"lead", "qualified", "proposal", "negotiation", "won", "lost"}

// Deal is an opportunity with a customer. Amount is a decimal string with at
// most two fractional digits, kept in minor units so money is never a float.
type Deal struct {
	ID            int64     `json:"id"`
	CustomerID    int64     `json:"customer_id"`
	Name          string    `json:"name"`
	Amount        Money     `json:"amount"`
	Currency      string    `json:"currency"`
	Stage         string    `json:"stage"`
	ExpectedClose string    `json:"expected_close"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	Custom        Custom    `json:"custom"`
	View
}

// DealInput is what a caller may set on a deal.
type DealInput struct {
	Name          *string `json:"name"`
	Amount        *string `json:"amount"`
	Currency      *string `json:"currency"`
	Stage         *string `json:"stage"`
	ExpectedClose *string `json:"expected_close"`
	Custom        Custom  `json:"custom,omitempty"`
}

var currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)

// Apply validates in and copies it onto d, returning the changed field names.
func (in DealInput) Apply(d *Deal, creating bool) ([]string, error) {
	var changed []string
	if in.Name != nil || creating {
		v, err := fieldcheck.Name("name", deref(in.Name), 200)
		if err != nil {
			return nil, err
		}
		if v != d.Name {
			d.Name, changed = v, append(changed, "name")
		}
	}
	if in.Amount != nil {
		m, err := ParseMoney("amount", *in.Amount)
		if err != nil {
			return nil, err
		}
		if m != d.Amount {
			d.Amount, changed = m, append(changed, "amount")
		}
	}
	if in.Currency != nil || creating {
		v := deref(in.Currency)
		if v == "" {
			v = "CNY"
		}
		if !currencyRE.MatchString(v) {
			return nil, errs.Field("currency", "invalid_currency", "currency must be an ISO 4217 code such as CNY")
		}
		if v != d.Currency {
			d.Currency, changed = v, append(changed, "currency")
		}
	}
	if in.Stage != nil || creating {
		v := deref(in.Stage)
		if v == "" {
			v = Stages[0]
		}
		if err := fieldcheck.OneOf("stage", v, false, Stages...); err != nil {
			return nil, err
		}
		if v != d.Stage {
			d.Stage, changed = v, append(changed, "stage")
		}
	}
	if in.ExpectedClose != nil {
		if err := checkDate("expected_close", *in.ExpectedClose); err != nil {
			return nil, err
		}
		if *in.ExpectedClose != d.ExpectedClose {
			d.ExpectedClose, changed = *in.ExpectedClose, append(changed, "expected_close")
		}
	}
	return changed, nil
}

// Money is an amount in minor units (cents, fen).
type Money int64

// MarshalJSON writes the amount as a decimal string, "1234.50".
func (m Money) MarshalJSON() ([]byte, error) {
	return []byte(`"` + m.String() + `"`), nil
}

func (m Money) String() string {
	sign := ""
	v := int64(m)
	if v < 0 {
		sign, v = "-", -v
	}
	return sign + strconv.FormatInt(v/100, 10) + "." + strconv.FormatInt(100+v%100, 10)[1:]
}

var moneyRE = regexp.MustCompile(`^-?[0-9]{1,15}(\.[0-9]{1,2})?$`)

// ParseMoney reads a decimal string with at most two fractional digits.
func ParseMoney(field, s string) (Money, error) {
	if !moneyRE.MatchString(s) {
		return 0, errs.Field(field, "invalid_amount", "%s must be a decimal such as 1234.50", field)
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	w, _ := strconv.ParseInt(whole, 10, 64)
	for len(frac) < 2 {
		frac += "0"
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	if w > (math.MaxInt64-f)/100 {
		return 0, errs.Field(field, "invalid_amount", "%s is too large", field)
	}
	v := w*100 + f
	if neg {
		v = -v
	}
	return Money(v), nil
}

// Activity types.
var ActivityTypes = []string{"call", "meeting", "email", "visit", "note", "task"}

// Activity is a follow-up with a customer. Recording one moves the
// customer's last activity time forward.
type Activity struct {
	ID         int64     `json:"id"`
	CustomerID int64     `json:"customer_id"`
	Type       string    `json:"type"`
	Note       string    `json:"note"`
	OccurredAt time.Time `json:"occurred_at"`
	CreatedBy  int64     `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
	Custom     Custom    `json:"custom"`
	View
}

// ActivityInput is what a caller may set on an activity.
type ActivityInput struct {
	Type       *string    `json:"type"`
	Note       *string    `json:"note"`
	OccurredAt *time.Time `json:"occurred_at"`
	Custom     Custom     `json:"custom,omitempty"`
}

// Apply validates in and copies it onto a; now fills a missing time.
func (in ActivityInput) Apply(a *Activity, creating bool, now time.Time) ([]string, error) {
	var changed []string
	if in.Type != nil || creating {
		if err := fieldcheck.OneOf("type", deref(in.Type), false, ActivityTypes...); err != nil {
			return nil, err
		}
		if *in.Type != a.Type {
			a.Type, changed = *in.Type, append(changed, "type")
		}
	}
	if in.Note != nil {
		if err := fieldcheck.Text("note", *in.Note, 5000, true); err != nil {
			return nil, err
		}
		if *in.Note != a.Note {
			a.Note, changed = *in.Note, append(changed, "note")
		}
	}
	if in.OccurredAt != nil {
		t := in.OccurredAt.UTC()
		if t.Year() < 1970 || t.After(now.Add(366*24*time.Hour)) {
			return nil, errs.Field("occurred_at", "invalid_time", "occurred_at must be between 1970 and a year from now")
		}
		a.OccurredAt, changed = t, append(changed, "occurred_at")
	} else if creating {
		a.OccurredAt = now
	}
	return changed, nil
}
