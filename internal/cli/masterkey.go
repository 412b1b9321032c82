package cli

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"steward/internal/errs"
	"steward/internal/keyring"
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
