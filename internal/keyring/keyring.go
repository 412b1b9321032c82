// Package keyring seals sensitive values (field values, second-factor
// secrets) so that the database holds no plaintext: envelope encryption,
// as docs/encryption.md describes. Each tenant has data keys, random
// 256-bit AES keys; the database keeps them only wrapped by a master key
// that lives outside it (a key file, an environment variable, or a KMS
// behind the Master interface). A value is sealed with AES-256-GCM under
// the tenant's current data key, with the tenant, table, column and row
// bound in as associated data: a sealed value copied to another row,
// column or tenant does not open.
//
// The package is pure: it knows nothing of SQL; the store keeps the
// wrapped keys and the service decides what is sealed.
package keyring

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"strconv"
	"strings"
	"sync"

	"steward/internal/errs"
)

// KeySize is the size of a data key and of a local master key, in bytes.
const KeySize = 32

// Master wraps and unwraps data keys. A KMS implements it by calling its
// encrypt and decrypt operations; LocalMaster does it with a key held in
// memory. ad binds a wrapped key to its tenant, id and kind (WrapAD).
type Master interface {
	// ID names the master key; stored beside every key it wraps, so that
	// after a change of master key the old wraps are found and redone.
	ID() string
	Wrap(key, ad []byte) ([]byte, error)
	Unwrap(wrapped, ad []byte) ([]byte, error)
}

// WrapAD is the associated data of a tenant's key under the master: its
// tenant, id and kind, so that a wrapped key moved to another tenant, id
// or use (a data key passed off as an index key) does not unwrap.
func WrapAD(tenantID, keyID int64, kind string) []byte {
	return []byte("steward/key/" + kind + "/" + strconv.FormatInt(tenantID, 10) + "/" + strconv.FormatInt(keyID, 10))
}

// NewDataKey returns a fresh random data key.
func NewDataKey() ([]byte, error) {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, errs.Wrap(err, "keyring.NewDataKey")
	}
	return k, nil
}

// Place is where a sealed value lives; it is bound into the seal.
type Place struct {
	TenantID int64
	Table    string
	Column   string
	Row      string // the row's key: an id, or several joined by '/'
}

func (p Place) ad() []byte {
	return []byte("steward/value/" + strconv.FormatInt(p.TenantID, 10) + "/" + p.Table + "/" + p.Column + "/" + p.Row)
}

// suite is the prefix of a sealed value: the algorithm (AES-256-GCM with a
// 96-bit random nonce). Another suite (SM4-GCM for 密评, say) would get a
// prefix of its own, and values of both could be opened side by side.
const suite = "s1"

// Seal encrypts plaintext under key (data key keyID of the tenant) for
// the place. The result is text: "s1.<keyID>.<base64url(nonce|ciphertext)>".
func Seal(key []byte, keyID int64, p Place, plaintext []byte) (string, error) {
	aead, err := gcm(key)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", errs.Wrap(err, "keyring.Seal")
	}
	out := aead.Seal(nonce, nonce, plaintext, p.ad())
	return suite + "." + strconv.FormatInt(keyID, 10) + "." + base64.RawURLEncoding.EncodeToString(out), nil
}

// KeyID returns the data key a sealed value names, so the caller can
// fetch that key; ok is false for anything that is not a sealed value.
func KeyID(sealed string) (id int64, ok bool) {
	rest, found := strings.CutPrefix(sealed, suite+".")
	if !found {
		return 0, false
	}
	idText, _, found := strings.Cut(rest, ".")
	id, err := strconv.ParseInt(idText, 10, 64)
	if !found || err != nil || id <= 0 || strconv.FormatInt(id, 10) != idText {
		return 0, false
	}
	return id, true
}

// IsSealed reports whether s has the form of a sealed value.
func IsSealed(s string) bool {
	_, ok := KeyID(s)
	return ok
}

// errOpen is every failure to open: a tampered value, a value from
// another place, the wrong key. One error, so that nothing tells them apart.
var errOpen = errs.E(errs.Internal, "unseal_failed", "a sealed value could not be opened")

// Open decrypts a sealed value with key for the place it must come from.
func Open(key []byte, p Place, sealed string) ([]byte, error) {
	if _, ok := KeyID(sealed); !ok {
		return nil, errOpen
	}
	body := sealed[strings.LastIndexByte(sealed, '.')+1:]
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return nil, errOpen
	}
	aead, err := gcm(key)
	if err != nil {
		return nil, err
	}
	if len(raw) < aead.NonceSize()+aead.Overhead() {
		return nil, errOpen
	}
	out, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], p.ad())
	if err != nil {
		return nil, errOpen
	}
	return out, nil
}

// aeads keeps the AES-GCM instance of each key in use: making one costs
// more than sealing or opening a short value with it (a list page opens
// 150 values), and an instance holds no state between calls, so one serves
// every goroutine. A tenant's keys are few; the map is emptied if it ever
// holds more than aeadsMax, so it cannot grow without bound.
var aeads = struct {
	sync.RWMutex
	m map[string]cipher.AEAD
}{m: map[string]cipher.AEAD{}}

const aeadsMax = 4096

// Forget drops a key's AES-GCM instance from memory: a deleted tenant's
// keys (crypto-shredding) must not live on in the process.
func Forget(key []byte) {
	aeads.Lock()
	delete(aeads.m, string(key))
	aeads.Unlock()
}

func gcm(key []byte) (cipher.AEAD, error) {
	if len(key) != KeySize {
		return nil, errs.E(errs.Internal, "bad_key", "a key is %d bytes, not %d", KeySize, len(key))
	}
	aeads.RLock()
	a, ok := aeads.m[string(key)]
	aeads.RUnlock()
	if ok {
		return a, nil
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, errs.Wrap(err, "keyring.gcm")
	}
	if a, err = cipher.NewGCM(block); err != nil {
		return nil, errs.Wrap(err, "keyring.gcm")
	}
	aeads.Lock()
	if len(aeads.m) >= aeadsMax {
		clear(aeads.m)
	}
	aeads.m[string(key)] = a
	aeads.Unlock()
	return a, nil
}
