package service

import (
	"context"
	"slices"
	"strconv"

	"steward/internal/errs"
	"steward/internal/keyring"
	"steward/internal/store"
)

// Key rotation (docs/encryption.md, "Rotation"): a new master key is
// taken on by re-wrapping every data key under it (RewrapKeys); new data
// keys are taken on by making one per tenant (RotateDataKeys), which is
// current at once, then re-sealing every value still under an older key
// (Reseal) and retiring the keys nothing is left under. Both run while
// the servers serve: a value is read with whichever key it names.

// sealedColumn is a column whose values are sealed, with the means to
// list them and to swap one for its re-sealed form.
type sealedColumn struct {
	table, column string
	list          func(ctx context.Context, tx *store.Tx) ([]sealedValue, error)
	replace       func(ctx context.Context, tx *store.Tx, v sealedValue, sealed string) (bool, error)
	// clear says a stored value is in clear when its form alone cannot
	// (nil: whatever has not the form of a sealed value).
	clear func(stored string) bool
}

// keyOf returns the key a stored value is sealed under; false for a value
// in clear.
func (c sealedColumn) keyOf(stored string) (int64, bool) {
	if c.clear != nil && c.clear(stored) {
		return 0, false
	}
	return keyring.KeyID(stored)
}

// sealedValue is one stored sealed value and where it lives.
type sealedValue struct {
	place  keyring.Place
	sealed string
}

// sealedColumns are every sealed column (docs/encryption.md, "What is sealed").
var sealedColumns = []sealedColumn{
	perUser("totp_factors", "secret", (*store.Tx).TOTPSecrets, (*store.Tx).ReplaceTOTPSecret, totpPlace, nil),
	perUser("code_factors", "address", (*store.Tx).CodeAddresses, (*store.Tx).ReplaceCodeAddress, addressPlace, addressInClear),
}

// perUser is a sealed column of one value per user, placed by place.
func perUser(table, column string, all func(*store.Tx, context.Context) ([]store.UserValue, error),
	swap func(*store.Tx, context.Context, int64, int64, string, string) (bool, error),
	place func(tenantID, userID int64) keyring.Place, clear func(string) bool) sealedColumn {
	return sealedColumn{table: table, column: column, clear: clear,
		list: func(ctx context.Context, tx *store.Tx) ([]sealedValue, error) {
			vs, err := all(tx, ctx)
			out := make([]sealedValue, 0, len(vs))
			for _, v := range vs {
				out = append(out, sealedValue{place: place(v.TenantID, v.UserID), sealed: v.Value})
			}
			return out, err
		},
		replace: func(ctx context.Context, tx *store.Tx, v sealedValue, sealed string) (bool, error) {
			userID, err := strconv.ParseInt(v.place.Row, 10, 64)
			if err != nil {
				return false, err
			}
			return swap(tx, ctx, v.place.TenantID, userID, v.sealed, sealed)
		}}
}

// KeyState is a key as `steward keys status` shows it.
type KeyState struct {
	store.DataKey
	AgeDays int  `json:"age_days"`
	Current bool `json:"current"`
	Values  int  `json:"values" doc:"sealed values under it"`
	// Readable says a configured master key unwraps it.
	Readable bool `json:"readable"`
}

// KeyStates lists the keys of one tenant (tenantID > 0) or of all.
func (s *Service) KeyStates(ctx context.Context, tenantID int64) ([]KeyState, error) {
	var keys []store.DataKey
	counts := map[int64]int{}
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		if keys, err = tx.DataKeys(ctx, tenantID); err != nil {
			return err
		}
		for _, c := range sealedColumns {
			vs, err := c.list(ctx, tx)
			if err != nil {
				return err
			}
			for _, v := range vs {
				if id, ok := c.keyOf(v.sealed); ok {
					counts[id]++
				}
			}
		}
		rows, err := tx.KeyRowCounts(ctx, tenantID)
		for id, n := range rows {
			counts[id] += n
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	now := s.now()
	// Keys come by tenant, kind and age, as CurrentDataKey orders them: the
	// last live one of each tenant and kind is current.
	current := map[currentRef]int64{}
	for _, k := range keys {
		if k.RetiredAt == nil {
			current[currentRef{k.TenantID, k.Kind}] = k.ID
		}
	}
	out := make([]KeyState, 0, len(keys))
	for _, k := range keys {
		_, err := s.unwrap(k)
		out = append(out, KeyState{DataKey: k, AgeDays: int(now.Sub(k.CreatedAt).Hours() / 24), Values: counts[k.ID],
			Current: current[currentRef{k.TenantID, k.Kind}] == k.ID, Readable: err == nil})
	}
	return out, nil
}

// RewrapKeys wraps every key of one tenant (tenantID > 0) or of all under
// the current master key, where an old one wrapped it, and returns how
// many it re-wrapped.
func (s *Service) RewrapKeys(ctx context.Context, tenantID int64) (int, error) {
	if s.Master == nil {
		return 0, errNoMaster
	}
	n := 0
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		n = 0
		keys, err := tx.DataKeys(ctx, tenantID)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if k.MasterID == s.Master.ID() {
				continue
			}
			key, err := s.unwrap(k)
			if err != nil {
				return err
			}
			w, err := s.Master.Wrap(key, keyring.WrapAD(k.TenantID, k.ID, k.Kind))
			if err != nil {
				return err
			}
			if err := tx.RewrapDataKey(ctx, k.TenantID, k.ID, w, s.Master.ID()); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// RotateDataKeys gives each tenant that has data keys (or the one named) a
// new data key, current from now on, and returns how many it made. What is
// sealed under the older keys stays readable; Reseal moves it.
func (s *Service) RotateDataKeys(ctx context.Context, tenantID int64) (int, error) {
	if s.Master == nil {
		return 0, errNoMaster
	}
	n := 0
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		n = 0
		keys, err := tx.DataKeys(ctx, tenantID)
		if err != nil {
			return err
		}
		var tenants []int64
		for _, k := range keys {
			if k.Kind == store.KindData && !slices.Contains(tenants, k.TenantID) {
				tenants = append(tenants, k.TenantID)
			}
		}
		for _, t := range tenants {
			if _, _, err := s.newKey(ctx, tx, t, store.KindData); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// resealBatch is how many values one transaction re-seals: short write
// transactions, so the servers' own writes go on between them.
const resealBatch = 500

// Reseal re-seals every value of one tenant (tenantID > 0) or of all that
// is under a data key other than its tenant's current one, in batches,
// calling progress after each (values read so far, of all); then it
// retires the data keys nothing is sealed under any more. It returns how
// many values it re-sealed: not those that changed meanwhile, nor damaged
// ones. Run it
// a minute or more after RotateDataKeys: nodes keep sealing with the key
// they last saw current for up to a minute (currentTTL), and what they
// seal meanwhile is left under the old key until the next run.
func (s *Service) Reseal(ctx context.Context, tenantID int64, progress func(done, total int)) (int, error) {
	if s.Master == nil {
		return 0, errNoMaster
	}
	type job struct {
		col sealedColumn
		v   sealedValue
	}
	var todo []job
	current := map[int64]int64{} // each tenant's current data key
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		keys, err := tx.DataKeys(ctx, tenantID)
		if err != nil {
			return err
		}
		for _, k := range keys { // by tenant, kind and age: the last live one is current
			if k.Kind == store.KindData && k.RetiredAt == nil {
				current[k.TenantID] = k.ID
			}
		}
		for _, c := range sealedColumns {
			vs, err := c.list(ctx, tx)
			if err != nil {
				return err
			}
			for _, v := range vs {
				if tenantID > 0 && v.place.TenantID != tenantID {
					continue
				}
				if id, ok := c.keyOf(v.sealed); ok && id != current[v.place.TenantID] {
					todo = append(todo, job{c, v})
				}
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	s.dataKeys.forgetCurrent() // this node seals with the newest key from now on
	rows, err := s.countRowsToReseal(ctx, current)
	if err != nil {
		return 0, err
	}
	done, moved := 0, 0
	total := len(todo) + rows
	for len(todo) > 0 {
		batch := todo[:min(resealBatch, len(todo))]
		todo = todo[len(batch):]
		n := 0
		err := s.DB.Write(ctx, func(tx *store.Tx) error {
			n = 0
			for _, j := range batch {
				plain, err := s.open(ctx, tx, j.v.place, j.v.sealed)
				if e := errs.As(err); e != nil && (e.Code == "unseal_failed" || e.Code == "data_key_missing") {
					// A damaged value stays as it is, under its key, which
					// is then not retired; the rest move on.
					s.Log.Error("reseal: a value does not open", "table", j.v.place.Table, "column", j.v.place.Column, "row", j.v.place.Row, "err", err)
					continue
				}
				if err != nil {
					return err
				}
				sealed, err := s.seal(ctx, tx, j.v.place, plain)
				if err != nil {
					return err
				}
				replaced, err := j.col.replace(ctx, tx, j.v, sealed)
				if err != nil {
					return err
				}
				if replaced { // not when the value changed meanwhile (a new enrolment)
					n++
				}
			}
			return nil
		})
		if err != nil {
			return moved, err
		}
		done += len(batch)
		moved += n
		if progress != nil {
			progress(done, total)
		}
	}
	n, err := s.resealRows(ctx, current, func(batch int) {
		done += batch
		if progress != nil {
			progress(done, max(total, done))
		}
	})
	moved += n
	if err != nil {
		return moved, err
	}
	return moved, s.retireEmptyKeys(ctx, tenantID)
}

// retireEmptyKeys retires the data keys that are not current and have
// nothing sealed under them. A retired key stays, readable: deleting one
// is crypto-shredding, for a tenant's deletion only.
func (s *Service) retireEmptyKeys(ctx context.Context, tenantID int64) error {
	states, err := s.KeyStates(ctx, tenantID)
	if err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		for _, k := range states {
			if k.Kind == store.KindData && !k.Current && k.Values == 0 && k.RetiredAt == nil {
				if err := tx.RetireDataKey(ctx, k.TenantID, k.ID, s.now()); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// countRowsToReseal counts the rows of the sealed tables under a key other
// than their tenant's current one, for progress.
func (s *Service) countRowsToReseal(ctx context.Context, current map[int64]int64) (int, error) {
	n := 0
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		for tenant, cur := range current {
			counts, err := tx.KeyRowCounts(ctx, tenant)
			if err != nil {
				return err
			}
			for id, c := range counts {
				if id != cur {
					n += c
				}
			}
		}
		return nil
	})
	return n, err
}

// resealRows re-seals, tenant by tenant, the rows of the sealed tables
// under a key other than the tenant's current one, resealBatch rows per
// transaction, and returns how many it re-sealed. A row that does not
// open is logged and left under its key, which then stays.
func (s *Service) resealRows(ctx context.Context, current map[int64]int64, progress func(batch int)) (int, error) {
	moved := 0
	for tenant, cur := range current {
		for _, table := range store.SealedTables {
			n, err := s.resealAll(ctx, store.ResealBatch{Table: table, TenantID: tenant, Current: cur, Limit: resealBatch}, progress)
			moved += n
			if err != nil {
				return moved, err
			}
		}
	}
	return moved, nil
}

// resealAll runs re-seal transactions from b on until no row is left, and
// returns how many rows it sealed.
func (s *Service) resealAll(ctx context.Context, b store.ResealBatch, progress func(batch int)) (int, error) {
	sealed := 0
	for {
		var res store.ResealResult
		err := s.DB.Write(ctx, func(tx *store.Tx) error {
			var err error
			res, err = tx.Reseal(ctx, b)
			return err
		})
		if err != nil || res.Read == 0 {
			return sealed, err
		}
		for _, r := range res.Failed {
			s.Log.Error("reseal: a row does not open", "table", b.Table, "tenant_id", r.TenantID, "row", r.ID)
		}
		sealed += res.Sealed
		b.After = res.Last
		if progress != nil {
			progress(res.Read)
		}
	}
}

// SealClearRows seals the customer and contact values that an earlier
// version (or a service without a master key) stored in clear, in
// batches, and returns how many rows it sealed. serve runs it at start,
// beside the requests: a row in clear reads as it is meanwhile, but its
// phone and e-mail are not found by search until it is sealed.
func (s *Service) SealClearRows(ctx context.Context) (int, error) {
	if s.Master == nil {
		return 0, errNoMaster
	}
	var tenants []int64
	if err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		tenants, err = tx.TenantIDs(ctx)
		return err
	}); err != nil {
		return 0, err
	}
	total := 0
	for _, tenant := range tenants {
		for _, table := range store.SealedTables {
			n, err := s.resealAll(ctx, store.ResealBatch{Table: table, Clear: true, TenantID: tenant, Limit: resealBatch}, nil)
			total += n
			if err != nil {
				return total, err
			}
		}
	}
	return total, nil
}
