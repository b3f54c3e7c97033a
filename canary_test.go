package lsmock_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/auth"
	"github.com/lsmock/lsmock/internal/cli"
	"github.com/lsmock/lsmock/internal/oauth"
	"github.com/lsmock/lsmock/internal/testutil"
	"github.com/lsmock/lsmock/mockserver"
)

// canary is a secret no output may ever contain: a password, a shared key, an API key and a
// Bearer token all at once.
const canary = "Canary-Pa55-9d1e"

// add files p under source in out, everything lsmock said, to search it for the canary.
func add(out *testutil.Buffer, source string, p []byte) {
	_, _ = out.Write([]byte("\n--- " + source + "\n"))
	_, _ = out.Write(p)
}

// The whole request set with a canary secret: as current and new password, in fields the
// schema does not declare, in broken JSON, as the shared key and in a signature, as the API
// key (the session of every request) and as a Bearer token, in a query string, through every
// shipped scenario and through declared users. Then every output is searched: the log (at
// debug), every answer's body and headers, every admin endpoint (sessions addressed by the
// canary API key), the dashboard, and the JSON and JUnit reports written on shutdown.
func TestNoOutputEverHoldsAPassword(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	scenarios := filepath.Join(dir, "scenarios")
	require.NoError(t, os.MkdirAll(scenarios, 0o755))
	for _, f := range []string{"scenarios/change_password.yaml", "testdata/users/users.yaml"} {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(scenarios, filepath.Base(f)), data, 0o644))
	}
	report, junit := filepath.Join(dir, "report.json"), filepath.Join(dir, "junit.xml")

	var out testutil.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrc, done := make(chan net.Addr, 1), make(chan int, 1)
	go func() {
		done <- cli.Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--scenarios", scenarios,
			"--log-format", "json", "--log-level", "debug", "--report", report, "--junit", junit,
			"--api-key", canary, "--shared-key", canary},
			cli.Env{Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }, OnListen: func(a net.Addr) { addrc <- a }})
	}()
	var base string
	select {
	case a := <-addrc:
		base = "http://" + a.String()
	case code := <-done:
		t.Fatalf("serve exited with %d: %s", code, out.String())
	}

	send := func(method, target, body string, headers map[string]string) {
		req, err := http.NewRequest(method, base+target, strings.NewReader(body))
		require.NoError(t, err)
		date := time.Now().UTC().Format(http.TimeFormat)
		req.Header.Set("Date", date)
		req.Header.Set("Authorization", auth.HeaderValue(canary, canary, date))
		for k, v := range headers {
			if v == "" {
				req.Header.Del(k)
			} else {
				req.Header.Set(k, v)
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			add(&out, req.URL.Path+" (transport error)", []byte(strings.ReplaceAll(err.Error(), req.URL.RawQuery, ""))) // faults end this way
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var h bytes.Buffer
		_ = resp.Header.Write(&h)
		add(&out, method+" "+strings.ReplaceAll(req.URL.Path, canary, "CANARY"), append(h.Bytes(), b...)) // the label leaves the query out
	}

	bodies := []string{
		changePassword("u@example.com", canary, canary),
		`{"username":"u@example.com","password":"` + canary + `"}`,
		`{"username":"u@example.com","new_password":"` + canary + `"}`,
		`{"username":"u@example.com","password":"` + canary + `","new_password":5}`,
		`{"username":"u@example.com","password":5,"new_password":"` + canary + `"}`,
		`{"username":"u@example.com","password":"` + canary + `","new_password":"x","extra":"` + canary + `"}`,
		`{"username":"u@example.com","password":{"nested":"` + canary + `"},"new_password":"x"}`,
		`{"password":"` + canary,
		`["` + canary + `"]`,
		`"` + canary + `"`,
		changePassword("x@not-allowed.example", canary, canary),
	}
	variants := []map[string]string{
		nil,
		{"Date": ""},
		{"Authorization": `algorithm="hmac-sha256",headers="date",signature="` + canary + `",apikey="` + canary + `"`},
		{"Authorization": `algorithm="md5",headers="date",signature="` + canary + `",apikey="` + canary + `"`},
		{"Authorization": "Bearer " + canary},
		{"Authorization": "Bearer " + canary, mockserver.HeaderScenario: "internal_error_then_success"}, // state for the token's session
	}
	// A CI job pins a scenario to its API key before its first request.
	send(http.MethodPut, "/__lsmock/sessions/"+canary+"/scenario", `{"name":"internal_error_then_success"}`, nil)
	for _, b := range bodies {
		for _, h := range variants {
			send(http.MethodPost, cpPath, b, h)
		}
		send(http.MethodPost, cpPath+"?password="+canary, b, nil)
		send(http.MethodPut, cpPath, b, nil)
	}
	// Every shipped scenario that answers at once, by name.
	resp, err := http.Get(base + "/__lsmock/scenarios")
	require.NoError(t, err)
	var list struct {
		Scenarios []struct {
			Name      string `json:"name"`
			Responses []struct {
				Fault, Delay string
			} `json:"responses"`
		} `json:"scenarios"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&list))
	resp.Body.Close()
	for _, sc := range list.Scenarios {
		if r := sc.Responses[0]; r.Delay != "" || r.Fault == "timeout" || r.Fault == "slow_body" {
			continue
		}
		send(http.MethodPost, cpPath, bodies[0], map[string]string{mockserver.HeaderScenario: sc.Name})
	}
	// Declared users: a real change, then the canary as the current password.
	send(http.MethodPost, cpPath, changePassword("alice@example.com", "pw1", canary), nil)
	send(http.MethodPost, cpPath, changePassword("alice@example.com", canary, "next-"+canary), nil)
	send(http.MethodPost, cpPath, changePassword("alice@example.com", "wrong-"+canary, "x"), nil)
	send(http.MethodPost, cpPath, changePassword("bob@example.com", "bobpw", canary), nil)
	// The password in a query string (user_licenses), right and wrong.
	for _, who := range []string{"bob@example.com", "alice@example.com", "nobody@example.com"} {
		send(http.MethodGet, "/api/v4/user_licenses?"+url.Values{"username": {who}, "password": {canary}}.Encode(), "", nil)
	}
	send(http.MethodGet, "/api/v4/user_licenses?password="+canary, "", nil)
	// OAuth: the canary as client id and secret, in a form and in HTTP Basic; the token it
	// gets then signs a call.
	token := url.Values{"grant_type": {"client_credentials"}, "client_id": {canary}, "client_secret": {canary}}.Encode()
	send(http.MethodPost, "/auth/token", token, map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	send(http.MethodPost, "/auth/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {oauth.DemoClientID}, "client_secret": {canary}}.Encode(), nil)
	send(http.MethodPost, "/auth/token", "grant_type=client_credentials", map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(canary+":"+canary))})
	send(http.MethodPost, "/auth/token", "grant_type="+canary+"&client_secret="+canary, nil)
	if resp, err := http.Post(base+"/auth/token", "application/x-www-form-urlencoded", strings.NewReader(token)); assert.NoError(t, err) {
		var issued struct {
			AccessToken string `json:"access_token"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&issued))
		resp.Body.Close()
		require.NotEmpty(t, issued.AccessToken)
		send(http.MethodGet, "/api/v4/user_licenses?username=bob@example.com&password="+canary, "", map[string]string{"Authorization": "Bearer " + issued.AccessToken})
		send(http.MethodPost, cpPath, bodies[0], map[string]string{"Authorization": "Bearer " + issued.AccessToken})
	}

	for _, target := range []string{"/__lsmock/requests?limit=1000", "/__lsmock/sessions", "/__lsmock/sessions/" + canary + "/users",
		"/__lsmock/requests?session=" + canary,
		"/__lsmock/coverage", "/__lsmock/metrics", "/__lsmock/scenarios", "/__lsmock/", "/__lsmock/ui/app.js"} {
		resp, err := http.Get(base + target)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, target)
		add(&out, "GET "+strings.ReplaceAll(target, canary, "CANARY"), b)
	}
	send(http.MethodPost, "/__lsmock/requests/assert", `{"session":"`+canary+`","count":0}`, nil) // 409 lists what was seen
	send(http.MethodPost, "/__lsmock/reset?session="+canary, "", nil)

	cancel()
	require.Equal(t, 0, <-done)
	for _, f := range []string{report, junit} {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		add(&out, f, b)
	}

	all := out.String()
	require.Contains(t, all, `"username":"alice@example.com"`, "the journal was searched")
	require.Contains(t, all, `"code":"missing_parameters"`, "the answers were searched")
	require.Contains(t, all, `"msg":"request"`, "the log was searched")
	require.Contains(t, all, `"operation":"oauthToken"`, "the token endpoint's requests were searched")
	require.Contains(t, all, `"access_token":"lsm.`, "and its answers")
	assert.Contains(t, all, `"password":"[redacted]"`, "the journal shows where a password was")
	assert.Contains(t, all, `signature=\"[redacted]\"`, "and where a signature was")
	if i := strings.Index(all, canary); i >= 0 {
		t.Fatalf("the canary password leaked:\n%s", all[max(0, i-600):min(len(all), i+200)])
	}
}

// runCommand runs a serving command in-process until the test ends; it returns the base URL
// and a stop that waits for the exit code.
func runCommand(t *testing.T, out *testutil.Buffer, args ...string) (string, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc, done := make(chan net.Addr, 1), make(chan int, 1)
	go func() {
		done <- cli.Run(ctx, args, cli.Env{Stdout: out, Stderr: out, Getenv: func(string) string { return "" }, OnListen: func(a net.Addr) { addrc <- a }})
	}()
	select {
	case a := <-addrc:
		stopped := false
		stop := func() int {
			if stopped {
				return 0
			}
			stopped = true
			cancel()
			return <-done
		}
		t.Cleanup(func() { stop() })
		return "http://" + a.String(), stop
	case code := <-done:
		cancel()
		t.Fatalf("%v exited with %d: %s", args, code, out.String())
	}
	return "", nil
}

// TestNoRecordingEverHoldsASecret: lsmock proxy --record in front of lsmock, with the canary
// as passwords (body and query string), undeclared fields, the API key, shared key and
// signature, a Bearer token and OAuth client credentials. Neither the recorded files nor the
// proxy's log and reports hold it.
func TestNoRecordingEverHoldsASecret(t *testing.T) {
	t.Parallel()
	var out testutil.Buffer
	upstream, stopUpstream := runCommand(t, &out, "serve", "--addr", "127.0.0.1:0", "--api-key", canary, "--shared-key", canary)
	dir := t.TempDir()
	recorded := filepath.Join(dir, "recorded")
	report, junit := filepath.Join(dir, "report.json"), filepath.Join(dir, "junit.xml")
	var proxyOut testutil.Buffer
	base, stop := runCommand(t, &proxyOut, "proxy", "--addr", "127.0.0.1:0", "--target", upstream, "--record", recorded,
		"--log-format", "json", "--log-level", "debug", "--report", report, "--junit", junit)

	send := func(method, target, body string, authorization string) {
		req, err := http.NewRequest(method, base+target, strings.NewReader(body))
		require.NoError(t, err)
		date := time.Now().UTC().Format(http.TimeFormat)
		req.Header.Set("Date", date)
		req.Header.Set("Authorization", auth.HeaderValue(canary, canary, date))
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	for _, body := range []string{
		changePassword("u@example.com", canary, canary),
		changePassword("x@not-allowed.example", canary, canary),
		`{"username":"u@example.com","password":"` + canary + `"}`,
		`{"username":"u@example.com","password":"` + canary + `","new_password":"x","extra":"` + canary + `"}`,
		`{"password":"` + canary,
	} {
		send(http.MethodPost, cpPath, body, "")
	}
	send(http.MethodPost, "/api/v4/activate_license", `{"username":"demo-user@example.com","password":"`+canary+`","product":"demo-users","hardware_id":"hw-1"}`, "")
	send(http.MethodPost, "/api/v4/activate_license", `{"username":"demo-user@example.com","password":"demo-password","product":"demo-users","hardware_id":"hw-1"}`, "")
	send(http.MethodGet, "/api/v4/user_licenses?"+url.Values{"username": {"demo-user@example.com"}, "password": {canary}}.Encode(), "", "")
	send(http.MethodGet, "/api/v4/user_licenses?"+url.Values{"username": {"demo-user@example.com"}, "password": {"demo-password"}}.Encode(), "", "")
	send(http.MethodGet, "/api/v4/trial_key?product=demo-users&hardware_id=hw-2&email=trial@example.com", "", "")
	send(http.MethodGet, "/api/v4/product_details?product=demo", "", "Bearer "+canary)
	send(http.MethodPost, "/auth/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {canary}, "client_secret": {canary}}.Encode(), "")
	require.Equal(t, 0, stop())
	require.Equal(t, 0, stopUpstream())

	files, err := filepath.Glob(filepath.Join(recorded, "*.yaml"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 4, "changePassword, activateLicense, userLicenses, trialKey, productDetails recorded")
	all := proxyOut.String()
	for _, f := range append(files, report, junit) {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		all += "\n--- " + f + "\n" + string(b)
	}
	require.Contains(t, all, "recorded_invalid_credentials", "the recordings were searched")
	require.Contains(t, all, `"msg":"request"`, "the proxy's log was searched")
	assert.Contains(t, all, `"initial_password":"[redacted]"`, "a trial's password is redacted in the recorded answer")
	if i := strings.Index(all, canary); i >= 0 {
		t.Fatalf("the canary leaked:\n%s", all[max(0, i-600):min(len(all), i+200)])
	}
}

// credentialHeaders are headers a client or a gateway in front of the API may carry a
// credential in; the journal shows none of their values.
var credentialHeaders = []string{"X-Api-Key", "Api-Key", "Private-Key", "X-Access-Key", "X-Auth", "X-Credential",
	"Proxy-Authorization", "Cookie", "X-Custom"}

// credentialAnswer is a real API's answer with credentials in it: fields named so, in every
// spelling, and values that are credentials by their form.
const credentialAnswer = `{"product_id":1,"product_name":"Demo","short_code":"demo","authorization_method":"license-key",` +
	`"api_key":"` + canary + `","apikey":"` + canary + `","apiKey":"` + canary + `","API-KEY":"` + canary + `",` +
	`"private_key":"` + canary + `","privateKey":"` + canary + `","offline_key":"` + canary + `","jwt":"` + canary + `",` +
	`"authorization":"Bearer ` + canary + `","credentials":{"username":"ci","secret":"` + canary + `","key":"` + canary + `"},` +
	`"metadata":{"note":"Bearer ` + canary + `"}}`

// TestNoProxyOutputHoldsASecret: lsmock proxy --record with the canary as the password in
// --target's userinfo, in front of a target that answers credentials (credentialAnswer) and
// resets the connection for user_licenses, and in front of a target that refuses. The requests
// carry the canary in credential headers, the query string, the body and Authorization. No log
// line, journal entry, dashboard data, X-Lsmock-* header, 502 answer, recording, JUnit or
// JSON report holds it.
func TestNoProxyOutputHoldsASecret(t *testing.T) {
	t.Parallel()
	real, err := mockserver.New(mockserver.Config{})
	require.NoError(t, err)
	answering := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v4/user_licenses":
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				_ = conn.(*net.TCPConn).SetLinger(0) // a reset, not an orderly close
				_ = conn.Close()
			}
		case "/api/v4/product_details":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, credentialAnswer)
		default:
			real.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(answering.Close)
	refusing := httptest.NewServer(http.NotFoundHandler())
	refusing.Close()

	var all testutil.Buffer
	for _, target := range []string{answering.URL, refusing.URL} {
		dir := t.TempDir()
		recorded := filepath.Join(dir, "recorded")
		report, junit := filepath.Join(dir, "report.json"), filepath.Join(dir, "junit.xml")
		var out testutil.Buffer
		base, stop := runCommand(t, &out, "proxy", "--addr", "127.0.0.1:0", "--target", strings.Replace(target, "://", "://ci:"+canary+"@", 1),
			"--record", recorded, "--log-format", "json", "--log-level", "debug", "--report", report, "--junit", junit)

		send := func(method, path, body, authorization string) {
			req, err := http.NewRequest(method, base+path, strings.NewReader(body))
			require.NoError(t, err)
			date := time.Now().UTC().Format(http.TimeFormat)
			req.Header.Set("Date", date)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", auth.HeaderValue(canary, canary, date))
			if authorization != "" {
				req.Header.Set("Authorization", authorization)
			}
			for _, h := range credentialHeaders {
				req.Header.Set(h, canary)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			var h bytes.Buffer
			_ = resp.Header.Write(&h)
			if resp.StatusCode == http.StatusBadGateway { // lsmock's own answer; the others are the target's, as they came
				h.Write(b)
			}
			add(&out, method+" "+req.URL.Path, h.Bytes())
		}
		send(http.MethodGet, "/api/v4/product_details?product=demo", "", "")
		send(http.MethodGet, "/api/v4/product_details?product=demo&api_key="+canary, "", "Bearer "+canary)
		send(http.MethodGet, "/api/v4/user_licenses?"+url.Values{"username": {"demo-user@example.com"}, "password": {canary}}.Encode(), "", "")
		send(http.MethodPost, cpPath, changePassword("u@example.com", canary, canary), "")
		send(http.MethodPost, "/api/v4/activate_license", `{"username":"demo-user@example.com","password":"`+canary+`","product":"demo-users","hardware_id":"hw-1"}`, "")
		send(http.MethodPost, "/api/v4/activate_license", `{"license_key":"DEMO-PERP-0000-0001","product":"demo","hardware_id":"hw-1","api_key":"`+canary+`"}`, "Bearer "+canary)

		for _, path := range []string{"/__lsmock/requests?limit=1000", "/__lsmock/sessions", "/__lsmock/coverage",
			"/__lsmock/metrics", "/__lsmock/", "/__lsmock/requests?session=" + canary} {
			resp, err := http.Get(base + path)
			require.NoError(t, err)
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode, path)
			add(&out, "GET "+strings.ReplaceAll(path, canary, "CANARY"), b)
		}
		require.Equal(t, 0, stop())
		files, err := filepath.Glob(filepath.Join(recorded, "*.yaml"))
		require.NoError(t, err)
		for _, f := range append(files, report, junit) {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			add(&out, f, b)
		}
		add(&all, target, []byte(out.String()))
	}

	text := all.String()
	require.Contains(t, text, `"msg":"lsmock proxying"`, "the start log was searched")
	require.Contains(t, text, `"msg":"request"`, "the request log was searched")
	require.Contains(t, text, `"X-Api-Key":"[redacted]"`, "the journal was searched, credential headers in it")
	require.Contains(t, text, "recorded_200", "the recordings were searched")
	require.Contains(t, text, `"api_key":"[redacted]"`, "with the target's credential answer")
	require.Contains(t, text, `"authorization_method":"license-key"`, "whose other fields are kept")
	require.Contains(t, text, "connection reset by peer", "a reset target was searched")
	require.Contains(t, text, "connection refused", "and a refusing one")
	require.Contains(t, text, mockserver.HeaderValidation+": no answer from http://ci:xxxxx@", "their 502s' X-Lsmock-Validation")
	require.Contains(t, text, `contract drift http://ci:xxxxx@`, "the JUnit report was searched")
	require.Contains(t, text, `"proxy": "http://ci:xxxxx@`, "and the JSON report")
	if i := strings.Index(text, canary); i >= 0 {
		t.Fatalf("the canary leaked:\n%s", text[max(0, i-600):min(len(text), i+200)])
	}
}
