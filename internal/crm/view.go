package crm

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"slices"
)

// Custom holds a record's values of custom fields by field key (package
// fields defines and validates them). A nil value is no value.
type Custom map[string]any

// View is how a record was shown to its reader: the fields their field
// permissions mask (listed so a client can offer to reveal them) and hide
// (left out of the JSON altogether, not sent empty).
type View struct {
	Masked []string `json:"masked_fields,omitempty"`
	Hidden []string `json:"-"`
}

// Redacted reports whether a field was hidden or masked.
func (v View) Redacted(field string) bool {
	return slices.Contains(v.Hidden, field) || slices.Contains(v.Masked, field)
}

// marshalHiding writes v as JSON without the hidden keys. Most records hide
// nothing and take the plain path.
func marshalHiding(v any, hidden []string) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || len(hidden) == 0 {
		return b, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for _, k := range hidden {
		delete(m, k)
	}
	return json.Marshal(m)
}

type customerJSON Customer

// MarshalJSON leaves out the fields hidden from the reader.
func (c Customer) MarshalJSON() ([]byte, error) { return marshalHiding(customerJSON(c), c.Hidden) }

type contactJSON Contact

// MarshalJSON leaves out the fields hidden from the reader.
func (c Contact) MarshalJSON() ([]byte, error) { return marshalHiding(contactJSON(c), c.Hidden) }

type dealJSON Deal

// MarshalJSON leaves out the fields hidden from the reader.
func (d Deal) MarshalJSON() ([]byte, error) { return marshalHiding(dealJSON(d), d.Hidden) }

type activityJSON Activity

// MarshalJSON leaves out the fields hidden from the reader.
func (a Activity) MarshalJSON() ([]byte, error) { return marshalHiding(activityJSON(a), a.Hidden) }

// MarshalJSON writes no values as {}, not null.
func (c Custom) MarshalJSON() ([]byte, error) {
	if c == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(map[string]any(c))
}

// Scan reads custom values stored as a JSON object.
func (c *Custom) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	case nil:
		*c = Custom{}
		return nil
	default:
		return fmt.Errorf("crm.Custom: cannot scan %T", src)
	}
	m := Custom{}
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("crm.Custom: %w", err)
	}
	*c = m
	return nil
}

// Value stores custom values as a JSON object, leaving out empty ones.
func (c Custom) Value() (driver.Value, error) {
	m := map[string]any{}
	for k, v := range c {
		if v != nil {
			m[k] = v
		}
	}
	b, err := json.Marshal(m)
	return string(b), err
}
