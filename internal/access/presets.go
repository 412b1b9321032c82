package access

// Presets returns the preset roles every tenant starts with. They may be
// edited; "administrator / editor / read-only" levels are these presets, not
// a separate mechanism.
func Presets() []Role {
	return []Role{
		preset("administrator", "Administrator", "Everything, for the tenant's administrators.",
			matrix(All, all(), Objects...), adminFunctions()...),
		preset("sales_director", "Sales Director", "A sales division: its whole department tree.",
			matrix(DepartmentTree, all(), Objects...), ApproveExports, ManagePools),
		preset("sales_manager", "Sales Manager", "A sales team: the department and the teams below it.",
			join(matrix(DepartmentTree, []Action{View, Create, Edit, Transfer, Share}, Objects...),
				matrix(Department, []Action{Delete, Export}, Objects...),
				matrix(Own, []Action{Import}, Customer, Contact))),
		preset("sales_rep", "Sales Representative", "Their own customers.",
			join(matrix(Own, []Action{View, Create, Edit, Share}, Objects...),
				matrix(Own, []Action{Delete}, Contact, Deal, Activity))),
		preset("marketing", "Marketing", "Reads every customer; keeps campaign leads of their own.",
			join(matrix(All, []Action{View}, Customer, Contact),
				matrix(Own, []Action{Create, Edit}, Customer, Contact, Activity))),
		preset("customer_service", "Customer Service", "Reads every customer and records follow-ups.",
			join(matrix(All, []Action{View}, Objects...),
				matrix(All, []Action{Create}, Activity),
				matrix(Own, []Action{Edit}, Contact, Activity))),
		preset("auditor", "Auditor", "Reads every record and the audit trail; changes nothing.",
			matrix(All, []Action{View}, Objects...), ViewAudit),
		preset("read_only", "Read-only", "Reads the customers of their own department tree.",
			matrix(DepartmentTree, []Action{View}, Objects...)),
	}
}

func preset(key, name, desc string, perms []Permission, fns ...Function) Role {
	return Role{Key: key, Name: name, Description: desc, Preset: true, Permissions: perms, Functions: fns}
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
