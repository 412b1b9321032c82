package store

import "context"

// PresetDutyRoles runs migration 0016's Go step, for the tests.
func (t *Tx) PresetDutyRoles(ctx context.Context) error { return t.presetDutyRoles(ctx) }
