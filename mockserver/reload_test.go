package mockserver_test

import (
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/session"
	"github.com/lsmock/lsmock/internal/testutil"
	"github.com/lsmock/lsmock/mockserver"
)

// files stands in for the files on disk: what the next reload will read.
type files struct {
	mu   sync.Mutex
	yaml string
	err  error
}

func (f *files) set(yaml string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.yaml, f.err = yaml, err
}

// Open serves the folder as it is now: one scenario file, or the error set.
func (f *files) Open(name string) (fs.File, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	return fstest.MapFS{"s.yaml": {Data: []byte(f.yaml)}}.Open(name)
}

func (f *files) files() mockserver.Files {
	return mockserver.Files{Scenarios: f, ScenariosName: "test"}
}

const beforeReload = `
scenarios:
  - {name: answer, operation: changePassword, default: true, response: {error: change_password_not_allowed}}
  - name: sequence
    operation: changePassword
    steps: [{error: internal_error}, {}]
  - {name: slow, operation: changePassword, response: {delay: 300ms, error: missing_headers}}
`

const afterReload = `
scenarios:
  - {name: answer, operation: changePassword, default: true, response: {}}
  - name: sequence
    operation: changePassword
    steps: [{error: internal_error}, {}]
  - {name: added, operation: changePassword, response: {error: invalid_json}}
`

func code(t *testing.T, h http.Handler, r *http.Request) (int, string) {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var body struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(w.Body.Bytes(), &body)
	return w.Code, body.Code
}

func withHeaders(r *http.Request, kv ...string) *http.Request {
	for i := 0; i+1 < len(kv); i += 2 {
		r.Header.Set(kv[i], kv[i+1])
	}
	return r
}

func TestReloadSwapsAndSessionsSurvive(t *testing.T) {
	t.Parallel()
	f := &files{yaml: beforeReload}
	srv := newServer(t, mockserver.Config{Files: f.files()})

	// Session job-1 is one step into the sequence and pinned to it.
	require.NoError(t, srv.Pin("job-1", "sequence"))
	status, _ := code(t, srv, withHeaders(signedRequest(validBody), mockserver.HeaderSession, "job-1"))
	require.Equal(t, http.StatusInternalServerError, status)
	_, c := code(t, srv, signedRequest(validBody))
	require.Equal(t, "change_password_not_allowed", c)

	f.set(afterReload, nil)
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, local(http.MethodPost, "/__lsmock/reload"))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var reloaded struct {
		Reloaded   bool `json:"reloaded"`
		Operations int  `json:"operations"`
		Scenarios  int  `json:"scenarios"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &reloaded))
	assert.Equal(t, struct {
		Reloaded   bool `json:"reloaded"`
		Operations int  `json:"operations"`
		Scenarios  int  `json:"scenarios"`
	}{true, srv.Summary().Operations, 3}, reloaded)

	status, c = code(t, srv, signedRequest(validBody))
	assert.Equal(t, http.StatusOK, status, "the new default answers")
	assert.Empty(t, c)
	status, _ = code(t, srv, withHeaders(signedRequest(validBody), mockserver.HeaderSession, "job-1"))
	assert.Equal(t, http.StatusOK, status, "job-1 keeps its pin and goes on to the sequence's second step")
	_, c = code(t, srv, withHeaders(signedRequest(validBody), mockserver.HeaderScenario, "added"))
	assert.Equal(t, "invalid_json", c, "a scenario added by the edit answers by name")
	_, c = code(t, srv, withHeaders(signedRequest(validBody), mockserver.HeaderScenario, "slow"))
	assert.Equal(t, "unknown_scenario", c, "a scenario the edit removed is gone")
}

func TestReloadFailureKeepsLastGoodConfiguration(t *testing.T) {
	t.Parallel()
	f := &files{yaml: beforeReload}
	logs := &testutil.Buffer{}
	srv := newServer(t, mockserver.Config{Files: f.files(), Logger: slogTo(logs)})

	f.set("", errors.New("scenarios/s.yaml:3:7: unknown key \"staus\" in response"))
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, local(http.MethodPost, "/__lsmock/reload"))
	assert.Equal(t, http.StatusUnprocessableEntity, w.Code)
	var e struct {
		Status  int    `json:"status"`
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &e))
	assert.Equal(t, "reload_failed", e.Code)
	assert.Contains(t, e.Message, "scenarios/s.yaml:3:7")
	assert.Contains(t, logs.String(), "scenarios/s.yaml:3:7")

	_, c := code(t, srv, signedRequest(validBody))
	assert.Equal(t, "change_password_not_allowed", c, "the last good scenarios keep answering")
}

// TestHealthShowsTheLatestReload: a broken edit is seen where readiness is checked (health
// stays ok: the last good configuration serves), and a good one after it clears it.
func TestHealthShowsTheLatestReload(t *testing.T) {
	t.Parallel()
	type reload struct {
		OK    bool      `json:"ok"`
		Error string    `json:"error"`
		At    time.Time `json:"at"`
	}
	health := func(t *testing.T, srv http.Handler) (string, *reload) {
		t.Helper()
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, local(http.MethodGet, "/__lsmock/health"))
		require.Equal(t, http.StatusOK, w.Code)
		var h struct {
			Status string  `json:"status"`
			Reload *reload `json:"reload"`
		}
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &h), w.Body.String())
		return h.Status, h.Reload
	}
	f := &files{yaml: beforeReload}
	srv := newServer(t, mockserver.Config{Files: f.files()})
	status, last := health(t, srv)
	assert.Equal(t, "ok", status)
	assert.Nil(t, last, "no reload yet")

	steps := []struct {
		name    string
		yaml    string
		err     error
		wantOK  bool
		wantErr string
	}{
		{"a broken edit", "", errors.New(`scenarios/s.yaml:3:7: unknown key "staus" in response`), false, "scenarios/s.yaml:3:7"},
		{"the edit mended", afterReload, nil, true, ""},
	}
	for _, step := range steps { // in order: each reload follows the one before
		f.set(step.yaml, step.err)
		_, _ = srv.Reload()
		status, last := health(t, srv)
		assert.Equal(t, "ok", status, step.name)
		require.NotNil(t, last, step.name)
		assert.Equal(t, step.wantOK, last.OK, step.name)
		if step.wantErr == "" {
			assert.Empty(t, last.Error, step.name)
		} else {
			assert.Contains(t, last.Error, step.wantErr, step.name)
		}
		assert.False(t, last.At.IsZero(), step.name)
	}
}

func TestReloadLeavesRequestsInFlightAlone(t *testing.T) {
	t.Parallel()
	f := &files{yaml: beforeReload}
	srv := newServer(t, mockserver.Config{Files: f.files()})
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)

	done := make(chan string, 1)
	go func() {
		req := signedRequest(validBody)
		req.RequestURI, req.URL.Scheme, req.URL.Host = "", "http", hs.Listener.Addr().String()
		req.Header.Set(mockserver.HeaderScenario, "slow")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- err.Error()
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		done <- string(body)
	}()
	time.Sleep(100 * time.Millisecond) // the request is inside its 300 ms delay
	f.set(afterReload, nil)
	_, err := srv.Reload()
	require.NoError(t, err)
	assert.Contains(t, <-done, `"code":"missing_headers"`, "the request that started before the swap ends with its own scenario")
}

// The embedded files reload too (to the same), and only by POST.
func TestReloadEmbedded(t *testing.T) {
	t.Parallel()
	srv, err := mockserver.New(mockserver.Config{})
	require.NoError(t, err)
	status, _ := code(t, srv, local(http.MethodPost, "/__lsmock/reload"))
	assert.Equal(t, http.StatusOK, status)
	status, _ = code(t, srv, local(http.MethodGet, "/__lsmock/reload"))
	assert.Equal(t, http.StatusMethodNotAllowed, status)
}

const validBody = `{"username":"user@example.com","password":"old-pass","new_password":"new-pass"}`

func slogTo(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

// A pin to a scenario the reload removed is dropped with a log line, not kept as if valid.
func TestReloadDropsStalePins(t *testing.T) {
	t.Parallel()
	f := &files{yaml: beforeReload}
	logs := &testutil.Buffer{}
	srv := newServer(t, mockserver.Config{Files: f.files(), Logger: slogTo(logs)})
	require.NoError(t, srv.Pin("job-1", "slow"))
	require.NoError(t, srv.Pin("job-2", "sequence"))
	require.NoError(t, srv.Pin("", "slow"))

	f.set(afterReload, nil)
	_, err := srv.Reload()
	require.NoError(t, err)

	w := httptest.NewRecorder()
	srv.ServeHTTP(w, local(http.MethodGet, "/__lsmock/sessions"))
	var got struct {
		Global   []string `json:"global_pins"`
		Sessions []struct {
			Session string
			Pins    []string
		} `json:"sessions"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
	assert.Empty(t, got.Global)
	pins := map[string][]string{}
	for _, s := range got.Sessions {
		pins[s.Session] = s.Pins
	}
	assert.Equal(t, map[string][]string{string(session.LabelOf("job-1")): nil, string(session.LabelOf("job-2")): {"sequence"}}, pins)
	assert.Contains(t, logs.String(), `msg="pin dropped: the reload removed its scenario" scenario=slow session="every session"`)
	assert.Contains(t, logs.String(), "scenario=slow session="+string(session.LabelOf("job-1")))
	status, _ := code(t, srv, withHeaders(signedRequest(validBody), mockserver.HeaderSession, "job-1"))
	assert.Equal(t, http.StatusOK, status, "job-1 is answered as if never pinned")
}
