package mockserver_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lsmock/lsmock/internal/auth"
	"github.com/lsmock/lsmock/mockserver"
)

// fuzzScenarios exercise selection, matching, sequences and users without delays or faults
// (which hold the connection, and a recorder cannot be hijacked).
const fuzzScenarios = `
products:
  - {short_code: p, allow_trial: true}
  - {short_code: u, authorization_method: user, allow_trial: true}
users:
  - {username: user@example.com, password: old-password}
licenses:
  - {license_key: K, product: p, max_activations: 2, metadata: {a: "<&>"}}
  - {username: user@example.com, product: u}
scenarios:
  - {name: tampered, operation: [activateLicense, checkLicense, trialKey, productDetails], response: {signature: invalid}}
  - {name: by_name, operation: changePassword, response: {error: missing_headers}}
  - name: matched
    operation: changePassword
    match: {body: {username: {regex: '^m'}}, headers: {X-Env: ci}}
    response: {status: 200}
  - name: sequence
    operation: changePassword
    times: 3
    steps: [{error: internal_error}, {status: 200}]
`

// FuzzServe: the full handler, API and admin, with any method, path, headers and body,
// never panics and answers every error in the vendor's shape.
func FuzzServe(f *testing.F) {
	date := time.Now().UTC().Format(http.TimeFormat)
	signed := "Date: " + date + "\nAuthorization: " + auth.HeaderValue("k", "s", date) + "\nContent-Type: application/json"
	for _, seed := range []struct {
		method, target, headers, body string
	}{
		{"POST", path, signed, validBody},
		{"POST", path, signed, `{"username":"user@example.com","password":"old-password","new_password":"x"}`},
		{"POST", path, signed, `{"username":"m","password":1}`},
		{"POST", path + "?__scenario=sequence", signed + "\nX-Lsmock-Session: s", `[]`},
		{"POST", path, signed + "\nX-Lsmock-Scenario: by_name", `{`},
		{"POST", path, "Date: yesterday\nAuthorization: Bearer x", `null`},
		{"GET", path, "", ""},
		{"OPTIONS", path, "Origin: http://x\nAccess-Control-Request-Method: POST", ""},
		{"PUT", "/__lsmock/scenario", "", `{"name":"sequence"}`},
		{"PUT", "/__lsmock/sessions/s/scenario", "", `{"name":"nope"}`},
		{"POST", "/__lsmock/requests/assert", "", `{"scenario":"sequence","count":1}`},
		{"GET", "/__lsmock/requests?status=x", "", ""},
		{"GET", "/__lsmock/sessions/s/users", "", ""},
		{"POST", "/__lsmock/reset?session=s", "", ""},
		{"GET", "/__lsmock/metrics", "", ""},
		{"DELETE", "/__lsmock/coverage", "", ""},
		{"POST", "/api/v4/activate_license", signed, `{"license_key":"K","product":"p","hardware_id":"h"}`},
		{"POST", "/api/v4/activate_license/", signed, `{"username":"user@example.com","password":"old-password","product":"u","hardware_id":"h"}`},
		{"GET", "/api/v4/check_license?license_key=K&product=p&hardware_id=h&license_id=1&include_expired_features=false", signed, ""},
		{"GET", "/api/v4/check_license?username=user%40example.com&product=u&hardware_id=h", signed + "\nX-Lsmock-Scenario: tampered", ""},
		{"POST", "/api/v4/deactivate_license", signed, `{"license_key":"K","product":"p","hardware_id":"h"}`},
		{"GET", "/api/v4/trial_key?product=u&hardware_id=h&email=e%40x", signed, ""},
		{"GET", "/api/v4/product_details?product=p&include_custom_fields=true", signed, ""},
		{"GET", "/__lsmock/sessions/s/licenses", "", ""},
		{"GET", "/__lsmock/licenses", "", ""},
		{"GET", "/__lsmock/signing-key", "", ""},
	} {
		f.Add(seed.method, seed.target, seed.headers, []byte(seed.body))
	}
	srv := newServer(f, mockserver.Config{Files: scenarios(fuzzScenarios), JournalSize: 50, MaxSessions: 20})
	f.Fuzz(func(t *testing.T, method, target, headers string, body []byte) {
		u, err := url.ParseRequestURI(target)
		if err != nil || method == "" {
			return // net/http refuses these before any handler
		}
		r := &http.Request{Method: method, URL: u, RequestURI: target, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{}, Body: http.NoBody, RemoteAddr: "127.0.0.1:1", Host: "127.0.0.1:8080"}
		if len(body) > 0 {
			r.Body, r.ContentLength = httpBody(body), int64(len(body))
		}
		sc := bufio.NewScanner(strings.NewReader(headers))
		for sc.Scan() {
			if name, value, ok := strings.Cut(sc.Text(), ":"); ok {
				r.Header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
			}
		}
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		if w.Code < 100 || w.Code > 599 {
			t.Fatalf("status %d", w.Code)
		}
		if w.Code < 400 || strings.HasPrefix(w.Header().Get("Content-Type"), "text/") {
			return
		}
		var e struct {
			Status  int    `json:"status"`
			Code    string `json:"code"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Status != w.Code || e.Code == "" || e.Message == "" {
			t.Fatalf("%s %s -> %d with a body not in the vendor's error shape: %q", method, target, w.Code, w.Body.String())
		}
	})
}

func httpBody(b []byte) *readCloser { return &readCloser{bytes.NewReader(b)} }

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }
