package auth

import (
	"crypto/sha256"
	"encoding/hex"
)

// LabelPrefix starts every CredentialLabel.
const LabelPrefix = "key:"

// CredentialLabel names a credential (an API key or Bearer token) without giving it away:
// "key:" and the first 12 hex digits of its SHA-256. It is stable, so a CI job can compute
// its own.
func CredentialLabel(credential string) string {
	sum := sha256.Sum256([]byte(credential))
	var b [len(LabelPrefix) + 12]byte
	copy(b[:], LabelPrefix)
	hex.Encode(b[len(LabelPrefix):], sum[:6])
	return string(b[:])
}
