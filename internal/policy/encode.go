package policy

import (
	"bytes"
	"strconv"

	"go.yaml.in/yaml/v3"

	"steward/internal/access"
)

// header opens every document this package writes.
const header = `Steward access policy (docs/policy-as-code.md). Users, departments and groups
are named by id, which belongs to this tenant; roles by key. Apply with
steward policy apply FILE --dry-run, or POST /api/v1/policy?dry_run=true.`

// YAML writes the document in its canonical form. The layout is fixed so
// that the same policy always gives the same bytes: matrix rows, field
// rules and lists of names on one line each, comments naming preset roles
// and the departments and groups behind ids. Sections left out of d are
// left out of the YAML.
func (d Document) YAML() []byte {
	c := d.Canonical()
	root := mapping()
	root.HeadComment = header
	add(root, "version", integer(int64(c.Version)))
	if c.Tenant != "" {
		add(root, "tenant", str(c.Tenant))
	}
	section(root, "roles", c.Roles, Role.node)
	section(root, "sharing_rules", c.SharingRules, func(r SharingRule) *yaml.Node { return r.node(c.Labels) })
	section(root, "restriction_rules", c.RestrictionRules, func(r RestrictionRule) *yaml.Node { return r.node(c.Labels) })
	section(root, "pools", c.Pools, func(p Pool) *yaml.Node { return p.node(c.Labels) })
	section(root, "sod_rules", c.SoDRules, SoDRule.node)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		panic("policy: encoding a node tree built here: " + err.Error()) // only strings, integers and booleans
	}
	_ = enc.Close()
	return buf.Bytes()
}

func section[T any](root *yaml.Node, name string, items *[]T, node func(T) *yaml.Node) {
	if items == nil {
		return
	}
	seq := &yaml.Node{Kind: yaml.SequenceNode}
	if len(*items) == 0 {
		seq.Style = yaml.FlowStyle // []
	}
	for _, it := range *items {
		seq.Content = append(seq.Content, node(it))
	}
	add(root, name, seq)
}

func (r Role) node() *yaml.Node {
	m := mapping()
	k := str(r.Key)
	if r.Preset {
		k.LineComment = "preset: edited, never removed"
	}
	add(m, "key", k)
	add(m, "name", str(r.Name))
	if r.Description != "" {
		add(m, "description", str(r.Description))
	}
	if len(r.Functions) > 0 {
		add(m, "functions", flowStrings(r.Functions))
	}
	if len(r.Permissions) > 0 {
		rows := mapping()
		for _, o := range access.Objects {
			if cells := r.Permissions[o]; len(cells) > 0 {
				row := flowMapping()
				for _, a := range access.Actions {
					if sc, ok := cells[a]; ok {
						add(row, string(a), str(string(sc)))
					}
				}
				add(rows, string(o), row)
			}
		}
		add(m, "permissions", rows)
	}
	if len(r.Fields) > 0 {
		rows := mapping()
		for _, o := range access.Objects {
			if fs := r.Fields[o]; len(fs) > 0 {
				row := flowMapping()
				for _, f := range sortedKeys(fs) {
					add(row, f, str(string(fs[f])))
				}
				add(rows, string(o), row)
			}
		}
		add(m, "fields", rows)
	}
	if len(r.Reveal) > 0 {
		rows := mapping()
		for _, o := range access.Objects {
			if fs := r.Reveal[o]; len(fs) > 0 {
				add(rows, string(o), flowStrings(fs))
			}
		}
		add(m, "reveal", rows)
	}
	return m
}

func (r SharingRule) node(labels map[string]string) *yaml.Node {
	m := mapping()
	add(m, "name", str(r.Name))
	add(m, "criteria", criteriaNode(r.Criteria))
	add(m, "principal", r.Principal.node(labels))
	add(m, "level", str(string(r.Level)))
	if r.Reason != "" {
		add(m, "reason", str(r.Reason))
	}
	return m
}

func (r RestrictionRule) node(labels map[string]string) *yaml.Node {
	m := mapping()
	add(m, "name", str(r.Name))
	add(m, "criteria", criteriaNode(r.Criteria))
	ps := &yaml.Node{Kind: yaml.SequenceNode}
	for _, p := range r.Principals {
		ps.Content = append(ps.Content, p.node(labels))
	}
	add(m, "principals", ps)
	if r.Reason != "" {
		add(m, "reason", str(r.Reason))
	}
	return m
}

func (p Pool) node(labels map[string]string) *yaml.Node {
	m := mapping()
	add(m, "name", str(p.Name))
	ds := &yaml.Node{Kind: yaml.SequenceNode}
	for _, d := range p.Departments {
		n := integer(d)
		n.LineComment = labels["department:"+strconv.FormatInt(d, 10)]
		ds.Content = append(ds.Content, n)
	}
	add(m, "departments", ds)
	add(m, "holding_cap", integer(int64(p.HoldingCap)))
	add(m, "cooldown_days", integer(int64(p.CooldownDays)))
	add(m, "auto_return_days", integer(int64(p.AutoReturnDays)))
	return m
}

func (r SoDRule) node() *yaml.Node {
	m := mapping()
	add(m, "name", str(r.Name))
	add(m, "holdings", flowStrings(r.Holdings))
	add(m, "mode", str(r.Mode))
	if r.Description != "" {
		add(m, "description", str(r.Description))
	}
	return m
}

// node writes a principal as one mapping; an id carries the name of its
// department or group as a comment. Users are not named: a policy file is
// kept in version control, and a person's name is theirs.
func (p Principal) node(labels map[string]string) *yaml.Node {
	m := mapping()
	id := func(kind string, v int64) {
		n := integer(v)
		n.LineComment = labels[kind+":"+strconv.FormatInt(v, 10)]
		add(m, kind, n)
	}
	switch {
	case p.User != 0:
		id("user", p.User)
	case p.Department != 0:
		id("department", p.Department)
	case p.Group != 0:
		id("group", p.Group)
	default:
		add(m, "role", str(p.Role))
	}
	if p.IncludeSubdepartments {
		add(m, "include_subdepartments", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
	}
	return m
}

// criteriaNode writes criteria with the JSON form's names: a comparison on
// one line, a combination as a list of them.
func criteriaNode(c access.Criteria) *yaml.Node {
	if c.All != nil || c.Any != nil {
		m := mapping()
		for _, part := range []struct {
			name string
			cs   []access.Criteria
		}{{"all", c.All}, {"any", c.Any}} {
			if part.cs == nil {
				continue
			}
			seq := &yaml.Node{Kind: yaml.SequenceNode}
			for _, x := range part.cs {
				seq.Content = append(seq.Content, criteriaNode(x))
			}
			add(m, part.name, seq)
		}
		return m
	}
	m := flowMapping()
	for _, kv := range [][2]string{{"field", c.Field}, {"op", c.Op}, {"value", c.Value}} {
		if kv[1] != "" {
			add(m, kv[0], str(kv[1]))
		}
	}
	if len(c.Values) > 0 {
		add(m, "values", flowStrings(c.Values))
	}
	for _, kv := range [][2]string{{"min", c.Min}, {"max", c.Max}} {
		if kv[1] != "" {
			add(m, kv[0], str(kv[1]))
		}
	}
	return m
}

func mapping() *yaml.Node     { return &yaml.Node{Kind: yaml.MappingNode} }
func flowMapping() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle} }

func add(m *yaml.Node, k string, v *yaml.Node) {
	m.Content = append(m.Content, str(k), v)
}

// str is a string scalar; the encoder quotes it when it would otherwise
// read as a number, a boolean, null or a time.
func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func integer(i int64) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(i, 10)}
}

func flowStrings[S ~string](ss []S) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, s := range ss {
		n.Content = append(n.Content, str(string(s)))
	}
	return n
}
