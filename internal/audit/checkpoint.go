package audit

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"time"

	"steward/internal/errs"
)

// Checkpoint vouches, with a signature, that a tenant's chain had this hash
// at this position. The signing key lives outside the database, so a
// database administrator who rewrites the trail cannot re-sign it; the
// public key is published for anyone to verify with.
type Checkpoint struct {
	TenantID  int64     `json:"tenant_id"`
	Seq       int64     `json:"seq"`
	Hash      string    `json:"hash"`
	At        time.Time `json:"at"`
	KeyID     string    `json:"key_id"`
	Signature string    `json:"signature"` // base64 Ed25519 over Message()
}

// Message is what a checkpoint's signature covers.
func (c Checkpoint) Message() []byte {
	return []byte("steward-audit-checkpoint/v1\n" + strconv.FormatInt(c.TenantID, 10) + "\n" +
		strconv.FormatInt(c.Seq, 10) + "\n" + c.Hash + "\n" + strconv.FormatInt(c.At.UnixMicro(), 10))
}

// Signer signs checkpoints with an Ed25519 key.
type Signer struct {
	key ed25519.PrivateKey
}

// NewSigner wraps a private key.
func NewSigner(key ed25519.PrivateKey) *Signer { return &Signer{key: key} }

// KeyID names a public key: the first 16 hex digits of its SHA-256.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// Public returns the public key.
func (s *Signer) Public() ed25519.PublicKey { return s.key.Public().(ed25519.PublicKey) }

// Sign fills in the checkpoint's key id and signature.
func (s *Signer) Sign(c *Checkpoint) {
	c.KeyID = KeyID(s.Public())
	c.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(s.key, c.Message()))
}

// VerifySignature checks a checkpoint against the published public key.
func VerifySignature(c Checkpoint, pub ed25519.PublicKey) error {
	sig, err := base64.StdEncoding.DecodeString(c.Signature)
	if err != nil || c.KeyID != KeyID(pub) || !ed25519.Verify(pub, c.Message(), sig) {
		return errs.E(errs.Invalid, "bad_checkpoint_signature", "checkpoint at position %d is not signed by the published key", c.Seq)
	}
	return nil
}

// GenerateSigner makes a signer with a fresh random key, for tests and for
// tools that create a key file.
func GenerateSigner() *Signer {
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return NewSigner(priv)
}
