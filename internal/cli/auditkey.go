package cli

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"steward/internal/audit"
	"steward/internal/errs"
)

// defaultAuditKey is where serve keeps the checkpoint signing key when none
// is configured: beside the default database, never inside it. Several app
// nodes must share one key (--audit-key).
const defaultAuditKey = "data/audit-signing.key"

// loadAuditKey reads an Ed25519 private key (PKCS #8 PEM). With create set,
// a missing file is generated with mode 0600.
func loadAuditKey(path string, create bool) (*audit.Signer, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && create {
		return createAuditKey(path)
	}
	if err != nil {
		return nil, errs.E(errs.Invalid, "audit_key", "cannot read the audit key %s: %v", path, err)
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errs.E(errs.Invalid, "audit_key", "%s is not a PEM private key", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	priv, ok := k.(ed25519.PrivateKey)
	if err != nil || !ok {
		return nil, errs.E(errs.Invalid, "audit_key", "%s is not an Ed25519 private key", path)
	}
	return audit.NewSigner(priv), nil
}

func createAuditKey(path string) (*audit.Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, errs.Wrap(err, "cli.createAuditKey")
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, errs.Wrap(err, "cli.createAuditKey")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, errs.Wrap(err, "cli.createAuditKey")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, errs.E(errs.Invalid, "audit_key", "cannot create the audit key %s: %v", path, err)
	}
	defer f.Close()
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		return nil, errs.Wrap(err, "cli.createAuditKey")
	}
	return audit.NewSigner(priv), nil
}
