package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// OfflineSignature is the legacy signature of an offline request (the flat payload of
// Python 1.x and the vendor's Postman collection) and the offline_signature of an
// activate_offline answer: base64(HMAC-SHA256(sharedKey,
// "licenseSpring\ndate: <date>\n<license key or username>\n<hardware_id>\n<api key>")).
func OfflineSignature(sharedKey, date, id, hardwareID, apiKey string) string {
	m := hmac.New(sha256.New, []byte(sharedKey))
	m.Write([]byte("licenseSpring\ndate: " + date + "\n" + id + "\n" + hardwareID + "\n" + apiKey))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// SharedKey is the shared key of an API key the checker knows.
func (v *Checker) SharedKey(apiKey string) (string, bool) {
	k, ok := v.keys[apiKey]
	return k.SharedKey, ok
}
