package record

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/mockserver"
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

// TestFileNamesStayInTheFolder: an operationId is made a safe file name, unique in the
// folder, so no recording is written outside it or over another operation's.
func TestFileNamesStayInTheFolder(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	dir := filepath.Join(root, "recorded")
	r, err := New(dir, "http://target", false, func(op string, err error) { t.Errorf("%s: %v", op, err) })
	require.NoError(t, err)
	ops := []string{"../escape", "..", "POST /api/v4/thing", "POST_/api/v4/thing", "Thing", "thing"}
	for _, op := range ops {
		r.Record(mockserver.Exchange{Operation: op, Method: http.MethodPost, Path: "/x", Status: http.StatusOK,
			ResponseHeader: http.Header{}, ResponseBody: []byte(`{}`)})
	}
	entries, err := os.ReadDir(root)
	require.NoError(t, err)
	require.Len(t, entries, 1, "nothing written beside the folder")
	files, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, f := range files {
		names = append(names, f.Name())
	}
	assert.ElementsMatch(t, []string{"_._escape.yaml", "_..yaml", "POST__api_v4_thing.yaml", "POST__api_v4_thing_2.yaml", "Thing.yaml", "thing_2.yaml"}, names)
}
