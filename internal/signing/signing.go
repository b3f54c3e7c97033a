// Package signing signs License API answers as the vendor does: base64 RSA-SHA256
// (PKCS#1 v1.5) over the response body (the LicenseSignature header) and over the
// license_signature string of activations and checks. The SDKs ship the vendor's public key,
// so they must be given lsmock's: Builtin is a test key pair, public by design.
package signing

import (
	"container/list"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	_ "embed"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"sync"
)

// builtinKey is lsmock's test key pair. It is published with lsmock: anything it signs proves
// nothing outside a test, which is the point. Stable across runs, so CI configurations can
// hold its public key.
//
//go:embed test-key.pem
var builtinKey []byte

// CacheSize is how many signatures a Signer remembers: an SDK re-checking its license gets
// the same body each time, and RSA signing is the costly part of answering it.
const CacheSize = 4096

// Signer signs with one RSA key, remembering the latest signatures. It is safe for
// concurrent use: signing takes no lock, so answers are signed in parallel on every core.
type Signer struct {
	key func() keyPair // parsed at Parse, or at first use for the built-in key

	mu    sync.Mutex
	cache map[[sha256.Size]byte]*list.Element
	lru   list.List // of *entry, most recent first
}

// keyPair is a parsed private key, its values for signing precomputed, and its public half.
type keyPair struct {
	private *rsa.PrivateKey
	public  []byte // PEM, SubjectPublicKeyInfo
}

type entry struct {
	digest [sha256.Size]byte
	sig    string
}

// Builtin returns a Signer with lsmock's published test key, parsed when it first signs:
// parsing and checking a key takes about a millisecond of start-up, and a server that signs
// nothing need not pay it. The key is embedded and tested, so it cannot fail then.
func Builtin() *Signer {
	return newSigner(sync.OnceValue(func() keyPair {
		kp, err := parse(builtinKey, "the built-in test key")
		if err != nil {
			panic("signing: " + err.Error()) // embedded at build time: a build defect
		}
		return kp
	}))
}

// Parse reads an RSA private key in PEM (PKCS#1 "RSA PRIVATE KEY" or PKCS#8 "PRIVATE KEY");
// name says where it came from in errors.
func Parse(data []byte, name string) (*Signer, error) {
	kp, err := parse(data, name)
	if err != nil {
		return nil, err
	}
	return newSigner(func() keyPair { return kp }), nil
}

func newSigner(key func() keyPair) *Signer {
	return &Signer{key: key, cache: map[[sha256.Size]byte]*list.Element{}}
}

func parse(data []byte, name string) (keyPair, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return keyPair{}, fmt.Errorf("%s: no PEM block; want an RSA private key (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)", name)
	}
	var key *rsa.PrivateKey
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return keyPair{}, fmt.Errorf("%s: %w", name, err)
		}
		key = k
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return keyPair{}, fmt.Errorf("%s: %w", name, err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return keyPair{}, fmt.Errorf("%s: a %T; the SDKs verify RSA signatures, so lsmock needs an RSA key", name, k)
		}
		key = rk
	default:
		return keyPair{}, fmt.Errorf("%s: a PEM %q block; want an RSA private key", name, block.Type)
	}
	if key.N.BitLen() < 2048 {
		return keyPair{}, fmt.Errorf("%s: a %d-bit key; use 2048 bits or more", name, key.N.BitLen())
	}
	key.Precompute() // the CRT values, once, not at each signature
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return keyPair{}, fmt.Errorf("%s: %w", name, err)
	}
	return keyPair{private: key, public: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})}, nil
}

// PublicKeyPEM is the public key the SDKs verify with, as PEM.
func (s *Signer) PublicKeyPEM() []byte { return s.key().public }

// Sign returns base64(RSA-SHA256 PKCS#1 v1.5 signature of data). PKCS#1 v1.5 signatures are
// deterministic, so a remembered one is the one signing again would give.
func (s *Signer) Sign(data []byte) string {
	digest := sha256.Sum256(data)
	s.mu.Lock()
	if el, ok := s.cache[digest]; ok {
		s.lru.MoveToFront(el)
		sig := el.Value.(*entry).sig
		s.mu.Unlock()
		return sig
	}
	s.mu.Unlock()
	raw, err := rsa.SignPKCS1v15(nil, s.key().private, crypto.SHA256, digest[:])
	if err != nil {
		panic("signing: " + err.Error()) // only for keys Parse refuses
	}
	sig := base64.StdEncoding.EncodeToString(raw)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.cache[digest]; !ok {
		s.cache[digest] = s.lru.PushFront(&entry{digest: digest, sig: sig})
		if s.lru.Len() > CacheSize {
			oldest := s.lru.Remove(s.lru.Back()).(*entry)
			delete(s.cache, oldest.digest)
		}
	}
	return sig
}

// Verify verifies a base64 signature of data against public, a PEM public key, as the SDKs do.
func Verify(publicPEM, data []byte, signature string) error {
	block, _ := pem.Decode(publicPEM)
	if block == nil {
		return errors.New("not a PEM public key")
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return err
	}
	pub, ok := k.(*rsa.PublicKey)
	if !ok {
		return fmt.Errorf("a %T, not an RSA key", k)
	}
	raw, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return fmt.Errorf("not base64: %w", err)
	}
	digest := sha256.Sum256(data)
	return rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], raw)
}
