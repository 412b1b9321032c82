package cli

import (
	"context"
	"errors"
	"flag"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"steward/internal/errs"
	"steward/internal/keyring"
	"steward/internal/service"
	"steward/internal/store"
)

// defaultMasterKey is where serve keeps the master key unless told
// otherwise: beside the default database, like the audit signing key. In
// production keep it elsewhere than the database and its backups (a
// secrets mount), or give it in STEWARD_MASTER_KEY.
const defaultMasterKey = "data/master.key"

// envMasterKey, when set, holds the master key itself (base64) and wins
// over the key file.
const envMasterKey = "STEWARD_MASTER_KEY"

// loadMasterKey reads the master key from the environment or the file;
// with create set, a missing file is made with a fresh key (mode 0600).
func loadMasterKey(getenv func(string) string, path string, create bool) (*keyring.LocalMaster, error) {
	if v := getenv(envMasterKey); v != "" {
		m, err := keyring.ParseMaster(v)
		if err != nil {
			return nil, errs.E(errs.Invalid, "master_key", "%s: %s", envMasterKey, errs.As(err).Message)
		}
		return m, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && create {
		return createMasterKey(path)
	}
	if err != nil {
		return nil, errs.E(errs.Invalid, "master_key", "cannot read the master key %s: %v", path, err)
	}
	m, err := keyring.ParseMaster(string(b))
	if err != nil {
		return nil, errs.E(errs.Invalid, "master_key", "%s: %s", path, errs.As(err).Message)
	}
	return m, nil
}

// loadOldMasters reads the comma-separated files of earlier master keys,
// which still unwrap the data keys they wrapped until those are re-wrapped.
func loadOldMasters(list string) ([]keyring.Master, error) {
	var out []keyring.Master
	for _, p := range strings.Split(list, ",") {
		if p = strings.TrimSpace(p); p != "" {
			m, err := loadMasterKey(func(string) string { return "" }, p, false)
			if err != nil {
				return nil, err
			}
			out = append(out, m)
		}
	}
	return out, nil
}

// serveMasterKey is the master key serve runs with: from the environment
// or the file, which it makes only while the database holds no data key
// yet. A missing file beside data keys is a lost or unmounted key, and a
// new one would leave every sealed value unreadable: serve refuses, as it
// does when the database holds keys wrapped by a master it was not given.
func serveMasterKey(ctx context.Context, env Env, db *store.DB, path, dsn string, old []keyring.Master, log *slog.Logger) (*keyring.LocalMaster, error) {
	var masters []string
	if err := db.Read(ctx, func(tx *store.Tx) error {
		var err error
		masters, err = tx.DataKeyMasters(ctx)
		return err
	}); err != nil {
		return nil, err
	}
	master, err := loadMasterKey(env.Getenv, path, len(masters) == 0)
	if err != nil {
		if len(masters) > 0 && env.Getenv(envMasterKey) == "" {
			return nil, errs.E(errs.Invalid, "master_key", "%v; the database holds data keys wrapped by master key %s: restore that key (or set %s), never start with a new one",
				errs.As(err).Message, strings.Join(masters, ", "), envMasterKey)
		}
		return nil, err
	}
	known := map[string]bool{master.ID(): true}
	for _, m := range old {
		known[m.ID()] = true
	}
	for _, id := range masters {
		if !known[id] {
			return nil, errs.E(errs.Invalid, "master_key", "the database holds data keys wrapped by master key %s, which is not configured (this key is %s): give the right --master-key-file, or the old one in --old-master-key-files",
				id, master.ID())
		}
	}
	if env.Getenv(envMasterKey) == "" && strings.HasPrefix(dsn, "sqlite:") {
		if abs1, err1 := filepath.Abs(filepath.Dir(path)); err1 == nil {
			if abs2, err2 := filepath.Abs(filepath.Dir(strings.TrimPrefix(dsn, "sqlite:"))); err2 == nil && abs1 == abs2 {
				log.Warn("the master key file sits beside the database: a copy of that directory holds both; keep the key elsewhere in production", "master_key_file", path)
			}
		}
	}
	return master, nil
}

func createMasterKey(path string) (*keyring.LocalMaster, error) {
	m, text, err := keyring.GenerateMaster()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, errs.Wrap(err, "cli.createMasterKey")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, errs.E(errs.Invalid, "master_key", "cannot create the master key %s: %v", path, err)
	}
	defer f.Close()
	if _, err := f.WriteString(text + "\n"); err != nil {
		return nil, errs.Wrap(err, "cli.createMasterKey")
	}
	return m, f.Sync()
}

// masterKeyFlag adds --master-key-file to a command that reads or writes
// customer data, whose sensitive values are sealed.
func masterKeyFlag(set *flag.FlagSet) *string {
	return set.String("master-key-file", defaultMasterKey, "master key file, as for serve (created if missing while the database holds no data key; "+envMasterKey+", the key itself, overrides it)")
}

// useMasterKey gives svc the master key serve would run with, so that a
// command seals and opens customer data as the servers do.
func useMasterKey(ctx context.Context, env Env, svc *service.Service, path, dsn string) error {
	m, err := serveMasterKey(ctx, env, svc.DB, path, dsn, nil, svc.Log)
	if err != nil {
		return err
	}
	svc.Master = m
	return nil
}
