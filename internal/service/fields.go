package service

import (
	"context"
	"slices"

	"steward/internal/access"
	"steward/internal/errs"
	"steward/internal/fields"
	"steward/internal/store"
)

// FieldView is a catalogue field with the caller's own access to it.
type FieldView struct {
	fields.Field
	Access access.FieldDecision `json:"access"`
}

// Fields lists the catalogue of an object (all objects when o is empty)
// with the caller's access to each field. Any signed-in user may read it:
// field names and labels are what every form shows anyway.
func (s *Service) Fields(ctx context.Context, a *Actor, o access.Object) ([]FieldView, error) {
	if o != "" && !slices.Contains(access.Objects, o) {
		return nil, errs.Field("object", "invalid_parameter", "object must be customer, contact, deal or activity")
	}
	out := []FieldView{}
	for _, obj := range access.Objects {
		if o != "" && obj != o {
			continue
		}
		for _, f := range a.catalogue().Of(obj) {
			out = append(out, FieldView{Field: f, Access: a.Subject.Field(obj, f.Key)})
		}
	}
	return out, nil
}

// FieldInput is a field as an administrator writes it. Object, key and
// type are set on creation only; a built-in field takes only labels,
// sensitivity and mask.
type FieldInput struct {
	Object    *access.Object `json:"object"`
	Key       *string        `json:"key"`
	LabelZh   *string        `json:"label_zh"`
	LabelEn   *string        `json:"label_en"`
	Type      *fields.Type   `json:"type"`
	Options   *[]string      `json:"options"`
	Required  *bool          `json:"required"`
	Sensitive *bool          `json:"sensitive"`
	Mask      *fields.Mask   `json:"mask"`
}

// SaveField creates a custom field (key "") or changes one field of object
// o. The change counts from every user's next request: sensitivity and
// new fields change what each user's field access is.
func (s *Service) SaveField(ctx context.Context, a *Actor, o access.Object, key string, in FieldInput) (fields.Field, error) {
	var f fields.Field
	if err := a.need(access.ManageFields); err != nil {
		return f, err
	}
	sealNow := false
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		sealNow = false
		cat, err := catalogueOf(ctx, tx, a.TenantID)
		if err != nil {
			return err
		}
		var before *fields.Field
		if key == "" {
			if f, err = FieldFromInput(in); err != nil {
				return err
			}
			if _, taken := cat.Get(f.Object, f.Key); taken {
				return errs.Field("key", "key_taken", "%s already has a field %s", f.Object, f.Key)
			}
			if len(cat.Custom(f.Object)) >= 200 {
				return errs.E(errs.Conflict, "too_many_fields", "%s has 200 custom fields already", f.Object)
			}
		} else {
			var ok bool
			if f, ok = cat.Get(o, key); !ok {
				return errs.NotVisible("field")
			}
			b := f
			before = &b
			if err := changeField(&f, in); err != nil {
				return err
			}
		}
		if err := tx.SaveFieldDef(ctx, a.TenantID, &f, s.now()); err != nil {
			return err
		}
		action := "field.update"
		if before == nil {
			action = "field.create"
		}
		if err := s.rec(ctx, tx, a, event{action: action, targetType: "field", details: map[string]any{
			"object": f.Object, "key": f.Key, "before": before, "after": f}}); err != nil {
			return err
		}
		sealNow = before != nil && !before.Builtin && !before.Sensitive && f.Sensitive
		return tx.BumpPolicy(ctx, a.TenantID)
	})
	if err == nil && sealNow {
		s.sealFieldValues(ctx, a.TenantID, f.Object, f.Key)
	}
	return f, err
}

// sealedTableOf is the table holding an object's custom values.
var sealedTableOf = map[access.Object]string{access.Customer: "customers", access.Contact: "contacts", access.Deal: "deals", access.Activity: "activities"}

// sealFieldValues seals, in the background of this node, the values a
// custom field already holds once it is marked sensitive: its rows are
// read and written again, sealing it (docs/encryption.md). Until it ends,
// rows not yet reached keep the value in clear.
func (s *Service) sealFieldValues(ctx context.Context, tenantID int64, o access.Object, key string) {
	if s.Master == nil {
		return
	}
	s.jobs.Add(1)
	go func() {
		defer s.jobs.Done()
		b := store.ResealBatch{Table: sealedTableOf[o], TenantID: tenantID, Field: key, Limit: resealBatch}
		if n, err := s.resealAll(context.WithoutCancel(ctx), b, nil); err != nil {
			s.Log.Error("sealing the values of a field marked sensitive", "tenant_id", tenantID, "object", o, "field", key, "err", err)
		} else {
			s.Log.Info("sealed the values of a field marked sensitive", "tenant_id", tenantID, "object", o, "field", key, "rows", n)
		}
	}()
}

// FieldFromInput builds and validates a new custom field.
func FieldFromInput(in FieldInput) (fields.Field, error) {
	var f fields.Field
	if in.Object == nil || in.Key == nil || in.Type == nil {
		missing := "object"
		if in.Object != nil {
			missing = "key"
			if in.Key != nil {
				missing = "type"
			}
		}
		return f, errs.Field(missing, "field_required", "%s is required", missing)
	}
	f.Object, f.Key, f.Type = *in.Object, *in.Key, *in.Type
	set(&f.LabelZh, in.LabelZh)
	set(&f.LabelEn, in.LabelEn)
	set(&f.Options, in.Options)
	set(&f.Required, in.Required)
	set(&f.Sensitive, in.Sensitive)
	set(&f.Mask, in.Mask)
	return f, f.ValidateDefinition()
}

func changeField(f *fields.Field, in FieldInput) error {
	if in.Object != nil && *in.Object != f.Object || in.Key != nil && *in.Key != f.Key || in.Type != nil && *in.Type != f.Type {
		return errs.Field("type", "field_read_only", "a field's object, key and type cannot change; define a new field")
	}
	if f.Builtin && (in.Options != nil || in.Required != nil) {
		return errs.Field("options", "field_read_only", "a built-in field takes only labels, sensitivity and mask")
	}
	set(&f.LabelZh, in.LabelZh)
	set(&f.LabelEn, in.LabelEn)
	set(&f.Options, in.Options)
	set(&f.Required, in.Required)
	set(&f.Sensitive, in.Sensitive)
	set(&f.Mask, in.Mask)
	if f.Builtin {
		return f.ValidateBuiltinChange()
	}
	return f.ValidateDefinition()
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// DeleteField removes a custom field with its values and role rules.
func (s *Service) DeleteField(ctx context.Context, a *Actor, o access.Object, key string) error {
	if err := a.need(access.ManageFields); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		cat, err := catalogueOf(ctx, tx, a.TenantID)
		if err != nil {
			return err
		}
		f, ok := cat.Get(o, key)
		if !ok {
			return errs.NotVisible("field")
		}
		if f.Builtin {
			return errs.E(errs.Conflict, "field_builtin", "built-in fields cannot be deleted; hide them with field rules")
		}
		if err := tx.DeleteFieldDef(ctx, a.TenantID, o, key); err != nil {
			return err
		}
		if err := s.rec(ctx, tx, a, event{action: "field.delete", targetType: "field", details: map[string]any{"object": o, "key": key, "before": f}}); err != nil {
			return err
		}
		return tx.BumpPolicy(ctx, a.TenantID)
	})
}
