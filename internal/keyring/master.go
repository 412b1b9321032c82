package keyring

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"

	"steward/internal/errs"
)

// LocalMaster is a master key held in memory: read from a key file or an
// environment variable (ParseMaster), never from the database. It wraps
// data keys with AES-256-GCM.
type LocalMaster struct {
	key []byte
	id  string
}

// NewLocalMaster makes a master of a 32-byte key.
func NewLocalMaster(key []byte) (*LocalMaster, error) {
	if len(key) != KeySize {
		return nil, errs.E(errs.Invalid, "master_key", "a master key is %d bytes, not %d", KeySize, len(key))
	}
	sum := sha256.Sum256(append([]byte("steward/master-key-id/"), key...))
	return &LocalMaster{key: append([]byte(nil), key...), id: "local-" + hex.EncodeToString(sum[:6])}, nil
}

// GenerateMaster makes a fresh random master key and its text form.
func GenerateMaster() (*LocalMaster, string, error) {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, "", errs.Wrap(err, "keyring.GenerateMaster")
	}
	m, err := NewLocalMaster(k)
	return m, base64.StdEncoding.EncodeToString(k), err
}

// ParseMaster reads a master key's text form: 32 bytes in standard base64
// (what GenerateMaster gives and a key file holds), surrounding space ignored.
func ParseMaster(text string) (*LocalMaster, error) {
	k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text))
	if err != nil || len(k) != KeySize {
		return nil, errs.E(errs.Invalid, "master_key", "a master key is %d bytes in base64 (steward keys generate makes one)", KeySize)
	}
	return NewLocalMaster(k)
}

// ID names the key by a hash of it (never the key itself).
func (m *LocalMaster) ID() string { return m.id }

// Wrap seals a data key under the master key.
func (m *LocalMaster) Wrap(key, ad []byte) ([]byte, error) {
	aead, err := gcm(m.key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, errs.Wrap(err, "keyring.Wrap")
	}
	return aead.Seal(nonce, nonce, key, ad), nil
}

// Unwrap opens a wrapped data key.
func (m *LocalMaster) Unwrap(wrapped, ad []byte) ([]byte, error) {
	aead, err := gcm(m.key)
	if err != nil {
		return nil, err
	}
	if len(wrapped) < aead.NonceSize()+aead.Overhead() {
		return nil, errOpen
	}
	out, err := aead.Open(nil, wrapped[:aead.NonceSize()], wrapped[aead.NonceSize():], ad)
	if err != nil {
		return nil, errs.E(errs.Internal, "unwrap_failed", "a data key could not be unwrapped: wrong master key (%s)?", m.id)
	}
	return out, nil
}
