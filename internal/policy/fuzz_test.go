package policy_test

import (
	"bytes"
	"testing"

	"steward/internal/errs"
	"steward/internal/policy"
)

// FuzzParsePolicy feeds the parser arbitrary documents: it never panics,
// refuses with a client error, and what it accepts has a canonical form
// that reads back to itself byte for byte.
func FuzzParsePolicy(f *testing.F) {
	f.Add(example(f))
	for _, s := range []string{
		"version: 1\n", "version: 1\nroles: []\n", `{"version":1,"pools":[{"name":"p","departments":[1],"holding_cap":2}]}`,
		"version: 1\nroles:\n  - {key: ab, name: x, permissions: {customer: {view: all}}}\n",
		"version: 1\nsharing_rules:\n  - {name: n, criteria: {any: [{field: name, op: prefix, value: A}]}, principal: {role: ab}, level: edit}\n",
		"a: &a [*a]\n", "version: !!binary aGk=\n", "version: 0x1\n", "version: 1\ntenant: \"\\u0000\"\n", "version: 1\nroles: {<<: {}}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := policy.Parse(data)
		if err != nil {
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
				t.Fatalf("refused with kind %d: %v", k, err)
			}
			return
		}
		first := d.YAML()
		again, err := policy.Parse(first)
		if err != nil {
			t.Fatalf("the canonical form of an accepted document is refused: %v\n%s", err, first)
		}
		if second := again.YAML(); !bytes.Equal(first, second) {
			t.Fatalf("the canonical form is not stable:\n%s\n%s", first, second)
		}
	})
}
