package record

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRedactJSON(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		keepIDs bool
		in, out string
	}{
		{"order and form kept", false, `{"b":1,"a":[true,null,"x & <y>"],"c":{"z":1.50}}`, `{"b":1,"a":[true,null,"x & <y>"],"c":{"z":1.50}}`},
		{"secrets by name", false, `{"password":"p","nested":{"client_secret":"s","list":[{"access_token":"t"}]},"license_signature":"sig"}`,
			`{"password":"[redacted]","nested":{"client_secret":"[redacted]","list":[{"access_token":"[redacted]"}]},"license_signature":"[redacted]"}`},
		{"under a secret, everything", false, `{"signature":{"value":"v","n":5,"ok":true}}`, `{"signature":{"value":"[redacted]","n":0,"ok":false}}`},
		{"ids", false, `{"license_key":"K","hardware_id":"H","device_id":7}`, `{"license_key":"[redacted]","hardware_id":"[redacted]","device_id":7}`},
		{"an object named like an id is kept, its ids not", false, `[{"license":{"id":1,"license_key":"K","customer":{"email":"e"}},"user":{"email":"u"}}]`,
			`[{"license":{"id":1,"license_key":"[redacted]","customer":{"email":"e"}},"user":{"email":"u"}}]`},
		{"ids kept", true, `{"license_key":"K","hardware_id":"H","password":"p"}`, `{"license_key":"K","hardware_id":"H","password":"[redacted]"}`},
		{"credential fields of an answer", false,
			`{"api_key":"A","apiKey":"B","API-KEY":"C","private_key":"D","offlineKey":"E","credentials":{"user":"F","n":5},"jwt":"G","authorization":"H","authorization_method":"license-key"}`,
			`{"api_key":"[redacted]","apiKey":"[redacted]","API-KEY":"[redacted]","private_key":"[redacted]","offlineKey":"[redacted]","credentials":{"user":"[redacted]","n":0},"jwt":"[redacted]","authorization":"[redacted]","authorization_method":"license-key"}`},
		{"credentials by their form", false,
			`{"note":"Bearer abc","auth":"Basic dXNlcjpwYXNz","id":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln","plan":"Basic plan","pem":"-----BEGIN EC PRIVATE KEY-----\nMHc"}`,
			`{"note":"[redacted]","auth":"[redacted]","id":"[redacted]","plan":"Basic plan","pem":"[redacted]"}`},
		{"a JSON string", false, `"password_changed"`, `"password_changed"`},
		{"not JSON", false, `password=hunter2`, `[redacted]`},
		{"trailing garbage", false, `{"a":1} {"password":"p"}`, `[redacted]`},
		{"empty", false, ``, ``},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := &Recorder{keepIDs: tc.keepIDs}
			assert.Equal(t, tc.out, string(r.redactJSON([]byte(tc.in))))
		})
	}
}
