package auth

import (
	"crypto/sha256"
	"encoding/hex"
)

// CredentialLabel names a credential (an API key or Bearer token) without giving it away:
// "key:" and the first 12 hex digits of its SHA-256. It is stable, so a CI job can compute
// its own, and the journal and the sessions show the same name for the same credential.
func CredentialLabel(credential string) string {
	sum := sha256.Sum256([]byte(credential))
	var b [len(labelPrefix) + 12]byte
	copy(b[:], labelPrefix)
	hex.Encode(b[len(labelPrefix):], sum[:6])
	return string(b[:])
}

const labelPrefix = "key:"
