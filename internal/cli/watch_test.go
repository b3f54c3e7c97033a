package cli_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const watchedScenario = `scenarios:
  - name: answer
    operation: changePassword
    default: true
    response: {error: %s}
`

// answerCode calls change_password and returns the error code of the answer ("" for success).
func answerCode(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.DefaultClient.Do(changePasswordRequest(base+"/api/v4/change_password",
		`{"username":"u@example.com","password":"p","new_password":"n"}`))
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var e struct{ Code string }
	_ = json.Unmarshal(body, &e)
	return e.Code
}

// writeFile saves the way editors do: a new file renamed over the old one.
func writeFile(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	require.NoError(t, os.WriteFile(tmp, []byte(content), 0o644))
	require.NoError(t, os.Rename(tmp, path))
}

func TestWatchReloadsEditsAndKeepsLastGood(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "answer.yaml")
	writeFile(t, file, strings.ReplaceAll(watchedScenario, "%s", "change_password_not_allowed"))
	base, logs, stop := serveInProcess(t, nil, "--addr", "127.0.0.1:0", "--scenarios", dir, "--watch")
	require.Equal(t, "change_password_not_allowed", answerCode(t, base))

	// An edit changes the answer. (A reload takes well under a second; the wait allows for
	// -race on a loaded 2-core CI machine, and is not a measurement.)
	writeFile(t, file, strings.ReplaceAll(watchedScenario, "%s", "missing_parameters"))
	assert.Eventually(t, func() bool { return answerCode(t, base) == "missing_parameters" },
		5*time.Second, 20*time.Millisecond, "the edited scenario answers")

	// A broken edit is logged with file:line and the last good file keeps answering.
	writeFile(t, file, "scenarios:\n  - name: answer\n    operation: changePassword\n    default: true\n    response: {staus: 500}\n")
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "reload failed") },
		5*time.Second, 20*time.Millisecond, "the broken edit is reported")
	assert.Contains(t, logs.String(), "answer.yaml:5:")
	assert.Equal(t, "missing_parameters", answerCode(t, base))

	// Fixing the file serves it again.
	writeFile(t, file, strings.ReplaceAll(watchedScenario, "%s", "invalid_json"))
	assert.Eventually(t, func() bool { return answerCode(t, base) == "invalid_json" }, 5*time.Second, 20*time.Millisecond)
	assert.Equal(t, 0, stop())
}

func TestWatchNeedsFiles(t *testing.T) {
	t.Parallel()
	code, _, stderr := runCLI(t, nil, "serve", "--addr", "127.0.0.1:0", "--watch")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--watch: nothing to watch")
}

// Editing the spec itself reloads it too: a new path answers, a broken spec keeps the old.
func TestWatchReloadsTheSpec(t *testing.T) {
	t.Parallel()
	original, err := os.ReadFile("../../testdata/specs/widgets.yaml")
	require.NoError(t, err)
	specFile := filepath.Join(t.TempDir(), "widgets.yaml")
	writeFile(t, specFile, string(original))
	base, logs, stop := serveInProcess(t, nil, "--addr", "127.0.0.1:0", "--spec", specFile, "--watch")

	status := func(path string) int {
		resp, err := http.Get(base + path)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, http.StatusNotFound, status("/v1/pong"))

	writeFile(t, specFile, strings.Replace(string(original), "/v1/ping:", "/v1/pong:", 1))
	assert.Eventually(t, func() bool { return status("/v1/pong") == http.StatusOK }, 5*time.Second, 20*time.Millisecond)

	writeFile(t, specFile, "openapi: 3.1.0\npaths: [\n")
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "reload failed") }, 5*time.Second, 20*time.Millisecond)
	assert.Contains(t, logs.String(), "widgets.yaml:")
	assert.Equal(t, http.StatusOK, status("/v1/pong"), "the last good spec keeps serving")
	assert.Equal(t, 0, stop())
}

// A file the spec $refs is watched too: editing it reloads, and /__lsmock/health says how
// the watch is doing.
func TestWatchReloadsReferencedFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	specFile := filepath.Join(dir, "api.yaml")
	writeFile(t, specFile, `openapi: 3.1.0
info: {title: refs, version: "1"}
paths:
  /ping:
    get:
      responses:
        "200": {$ref: "parts/pong.yaml#/Pong"}
`)
	require.NoError(t, os.Mkdir(filepath.Join(dir, "parts"), 0o755))
	pong := filepath.Join(dir, "parts", "pong.yaml")
	writeFile(t, pong, "Pong:\n  description: pong\n  content:\n    application/json:\n      schema: {type: string}\n      example: pong\n")
	base, _, stop := serveInProcess(t, nil, "--addr", "127.0.0.1:0", "--spec", specFile, "--watch")

	get := func(path string) string {
		resp, err := http.Get(base + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	require.Equal(t, `"pong"`, get("/ping"))
	writeFile(t, pong, "Pong:\n  description: pong\n  content:\n    application/json:\n      schema: {type: string}\n      example: PONG\n")
	assert.Eventually(t, func() bool { return get("/ping") == `"PONG"` }, 5*time.Second, 20*time.Millisecond,
		"an edit of a referenced file reloads")
	var health struct {
		Status string          `json:"status"`
		Watch  json.RawMessage `json:"watch"`
		Reload struct {
			OK    bool   `json:"ok"`
			Error string `json:"error"`
		} `json:"reload"`
	}
	require.NoError(t, json.Unmarshal([]byte(get("/__lsmock/health")), &health))
	assert.Equal(t, "ok", health.Status)
	assert.JSONEq(t, `{"paths":2,"errors":0,"failing":false}`, string(health.Watch))
	assert.True(t, health.Reload.OK, "the latest reload loaded: %s", health.Reload.Error)
	assert.Equal(t, 0, stop())
}

// A refused --watch leaves no listener behind, the admin's own included: the addresses can
// be listened on again at once.
func TestWatchRefusalFreesTheAddresses(t *testing.T) {
	t.Parallel()
	addr, adminAddr := freeAddr(t), freeAddr(t)
	code, _, stderr := runCLI(t, nil, "serve", "--addr", addr, "--admin-addr", adminAddr, "--watch")
	require.Equal(t, 2, code, stderr)
	for _, a := range []string{addr, adminAddr} {
		ln, err := net.Listen("tcp", a)
		require.NoError(t, err, "%s is still held", a)
		require.NoError(t, ln.Close())
	}
}
