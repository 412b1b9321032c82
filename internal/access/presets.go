package access

// Presets returns the preset roles every tenant starts with. They may be
// edited; "administrator / editor / read-only" levels are these presets, not
// a separate mechanism. The last three are the 三员分立 administrators
// (DutyPresets).
func Presets() []Role {
	return append([]Role{
		preset("administrator", "Administrator", "Everything, for the tenant's administrators.",
			matrix(All, all(), Objects...), adminFunctions()...).withFields(everyField(FieldEdit)...),
		preset("sales_director", "Sales Director", "A sales division: its whole department tree.",
			matrix(DepartmentTree, all(), Objects...), ApproveExports, ManagePools).withFields(contactDetails(FieldEdit, false)...),
		preset("sales_manager", "Sales Manager", "A sales team: the department and the teams below it.",
			join(matrix(DepartmentTree, []Action{View, Create, Edit, Transfer, Share}, Objects...),
				matrix(Department, []Action{Delete, Export}, Objects...),
				matrix(Own, []Action{Import}, Customer, Contact))).withFields(contactDetails(FieldEdit, false)...),
		preset("sales_rep", "Sales Representative", "Their own customers.",
			join(matrix(Own, []Action{View, Create, Edit, Share}, Objects...),
				matrix(Own, []Action{Delete}, Contact, Deal, Activity))).withFields(contactDetails(FieldEdit, false)...),
		preset("marketing", "Marketing", "Reads every customer; keeps campaign leads of their own.",
			join(matrix(All, []Action{View}, Customer, Contact),
				matrix(Own, []Action{Create, Edit}, Customer, Contact, Activity))),
		preset("customer_service", "Customer Service", "Reads every customer and records follow-ups.",
			join(matrix(All, []Action{View}, Objects...),
				matrix(All, []Action{Create}, Activity),
				matrix(Own, []Action{Edit}, Contact, Activity))).
			withFields(append(contactDetails(FieldRead, false), FieldRule{Object: Deal, Field: "amount", Access: FieldHidden})...),
		preset("auditor", "Auditor", "Reads every record and the audit trail; changes nothing.",
			matrix(All, []Action{View}, Objects...), ViewAudit).withFields(contactDetails(FieldMasked, true)...),
		preset("read_only", "Read-only", "Reads the customers of their own department tree.",
			matrix(DepartmentTree, []Action{View}, Objects...)),
	}, DutyPresets()...)
}

func preset(key, name, desc string, perms []Permission, fns ...Function) Role {
	return Role{Key: key, Name: name, Description: desc, Preset: true, Permissions: perms, Functions: fns}
}

func (r Role) withFields(rules ...FieldRule) Role {
	r.Fields = rules
	return r
}

// contactDetails gives one access to the built-in contact details, the
// fields the catalogue marks sensitive, of customers and contacts.
func contactDetails(a FieldAccess, reveal bool) []FieldRule {
	var out []FieldRule
	for _, f := range []FieldRef{{Customer, "phone", true}, {Customer, "email", true}, {Customer, "address", true},
		{Contact, "phone", true}, {Contact, "email", true}} {
		out = append(out, FieldRule{Object: f.Object, Field: f.Key, Access: a, Reveal: reveal})
	}
	return out
}

func everyField(a FieldAccess) []FieldRule {
	var out []FieldRule
	for _, o := range Objects {
		out = append(out, FieldRule{Object: o, Field: AllFields, Access: a})
	}
	return out
}

func all() []Action { return Actions }

func matrix(s Scope, acts []Action, objs ...Object) []Permission {
	var out []Permission
	for _, o := range objs {
		for _, a := range acts {
			out = append(out, Permission{Object: o, Action: a, Scope: s})
		}
	}
	return out
}

func join(ps ...[]Permission) []Permission {
	var out []Permission
	for _, p := range ps {
		out = append(out, p...)
	}
	return out
}

// adminFunctions is every function but override_restrictions: restriction
// rules bind administrators too unless someone exempts them on purpose.
func adminFunctions() []Function {
	var out []Function
	for _, f := range Functions {
		if f != OverrideRestrictions {
			out = append(out, f)
		}
	}
	return out
}
