package record

import (
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
		r.Record(Exchange{Operation: op, Method: http.MethodPost, Path: "/x", Status: http.StatusOK,
			ResponseHeader: http.Header{}, ResponseBody: []byte(`{}`)})
	}
	r.Close()
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

// TestRecordDoesNotWaitForTheDisk: a request that brings a new answer does not write files
// (a slow disk, or a file of many scenarios, would hold it and every other request), and
// Close writes everything that was recorded.
func TestRecordDoesNotWaitForTheDisk(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r, err := New(dir, "http://target", false, func(op string, err error) { t.Errorf("%s: %v", op, err) })
	require.NoError(t, err)
	release := make(chan struct{})
	writing := make(chan struct{}, 1)
	r.writeFile = func(path string, data []byte) error {
		select {
		case writing <- struct{}{}:
		default:
		}
		<-release
		return writeAtomic(path, data)
	}
	recorded := make(chan struct{})
	go func() {
		defer close(recorded)
		for i := range 1000 {
			r.Record(Exchange{Operation: "changePassword", Method: http.MethodPost, Path: "/x", Status: http.StatusBadRequest,
				Code: "code_" + strconv.Itoa(i), ResponseHeader: http.Header{}, ResponseBody: []byte(`{}`)})
		}
	}()
	select {
	case <-recorded:
	case <-time.After(10 * time.Second):
		t.Fatal("Record waited for the disk")
	}
	<-writing // the writer is at work, held
	close(release)
	r.Close()
	b, err := os.ReadFile(filepath.Join(dir, "changePassword.yaml"))
	require.NoError(t, err)
	assert.Equal(t, MaxPerOperation, strings.Count(string(b), "\n  - name: recorded_code_"), "every scenario recorded, up to the bound")
	assert.Contains(t, string(b), "name: recorded_code_0\n")
	assert.NotContains(t, string(b), "name: recorded_code_"+strconv.Itoa(MaxPerOperation)+"\n")
}
