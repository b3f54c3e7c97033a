package mockserver_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/lsmock/lsmock/internal/logtext"
	"github.com/lsmock/lsmock/mockserver"
)

// discardWriter is a ResponseWriter that keeps only the status, so the benchmark measures
// lsmock rather than a recorder's buffering.
type discardWriter struct {
	header http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }

// BenchmarkServe drives the full handler (route, body read, validation, answer, log line)
// with one request shape per sub-benchmark.
//
//	go test ./mockserver -run '^$' -bench BenchmarkServe -benchmem
func BenchmarkServe(b *testing.B) {
	cases := []struct {
		name    string
		body    string
		noDate  bool
		logged  bool
		status  int
		urlPath string
	}{
		{name: "valid", body: `{"username":"user@example.com","password":"old","new_password":"new"}`, status: 200},
		{name: "valid_logged", body: `{"username":"user@example.com","password":"old","new_password":"new"}`, logged: true, status: 200},
		{name: "missing_headers", body: `{"username":"user@example.com","password":"old","new_password":"new"}`, noDate: true, status: 400},
		{name: "missing_parameters", body: `{"username":"user@example.com","password":"old"}`, status: 400},
		{name: "invalid_json", body: `{"username":`, status: 400},
		{name: "validation_error", body: `{"username":"user@example.com","password":"old","new_password":5}`, status: 400},
		{name: "not_found", body: `{}`, urlPath: "/api/v4/nope", status: 404},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			cfg := mockserver.Config{}
			if bc.logged {
				cfg.Logger = slog.New(logtext.New(io.Discard, nil)) // as lsmock serve logs
			}
			srv := newServer(b, cfg)
			body := []byte(bc.body)
			r := signedRequest(bc.body)
			if bc.noDate {
				r.Header.Del("Date")
			}
			if bc.urlPath != "" {
				r.URL.Path = bc.urlPath
			}
			drive(b, srv, r, body, bc.status)
		})
	}
}

// drive serves r with body again and again, reusing everything it can so that the loop
// measures the handler alone.
func drive(b *testing.B, srv http.Handler, r *http.Request, body []byte, wantStatus int) {
	b.Helper()
	reader := bytes.NewReader(body)
	r.Body = io.NopCloser(reader)
	w := &discardWriter{header: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		reader.Reset(body)
		clear(w.header)
		srv.ServeHTTP(w, r)
		if w.status != wantStatus {
			b.Fatalf("status %d, want %d", w.status, wantStatus)
		}
	}
}

// BenchmarkScenarioScale drives the full handler for an operation scripted by n scenarios,
// each matching one username; the request matches the last. Cost must not grow with n.
//
//	go test ./mockserver -run '^$' -bench BenchmarkScenarioScale -benchmem
func BenchmarkScenarioScale(b *testing.B) {
	for _, n := range []int{10, 1000, 10000} {
		b.Run(fmt.Sprintf("scenarios=%d", n), func(b *testing.B) {
			var yaml strings.Builder
			yaml.WriteString("scenarios:\n")
			for i := range n {
				fmt.Fprintf(&yaml, "  - {name: user%d, operation: changePassword, match: {body: {username: user%d@example.com}}, response: {error: change_password_not_allowed}}\n", i, i)
			}
			srv := newServer(b, mockserver.Config{Files: scenarios(yaml.String())})
			body := fmt.Sprintf(`{"username":"user%d@example.com","password":"old","new_password":"new"}`, n-1)
			drive(b, srv, signedRequest(body), []byte(body), http.StatusBadRequest)
		})
	}
}

// BenchmarkLicense drives the full handler for the signed license operations, with the
// embedded demo licenses, beside change_password: an SDK re-checking its license sends the
// same request, gets the same body, and lsmock signs it once (later checks re-use the
// signature; signing a new body costs ~0.7 ms, go test ./internal/signing -bench .).
//
//	go test ./mockserver -run '^$' -bench BenchmarkLicense -benchmem
func BenchmarkLicense(b *testing.B) {
	srv, err := mockserver.New(mockserver.Config{})
	if err != nil {
		b.Fatal(err)
	}
	activate := `{"license_key":"DEMO-PERP-0000-0001","product":"demo","hardware_id":"bench-hw"}`
	w := &discardWriter{header: http.Header{}}
	srv.ServeHTTP(w, signedRequestTo(http.MethodPost, "/api/v4/activate_license", activate))
	if w.status != http.StatusOK {
		b.Fatalf("activation: %d", w.status)
	}
	cases := []struct {
		name, method, target, body string
	}{
		{"change_password", http.MethodPost, path, `{"username":"user@example.com","password":"old","new_password":"new"}`},
		{"check_license", http.MethodGet, "/api/v4/check_license?license_key=DEMO-PERP-0000-0001&product=demo&hardware_id=bench-hw&include_expired_features=false", ""},
		{"activate_license_again", http.MethodPost, "/api/v4/activate_license", activate},
		{"product_details", http.MethodGet, "/api/v4/product_details?product=demo", ""},
		{"check_license_not_activated", http.MethodGet, "/api/v4/check_license?license_key=DEMO-PERP-0000-0001&product=demo&hardware_id=other", ""},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			want := http.StatusOK
			if strings.HasSuffix(bc.name, "not_activated") {
				want = http.StatusBadRequest
			}
			drive(b, srv, signedRequestTo(bc.method, bc.target, bc.body), []byte(bc.body), want)
		})
	}
	// An activation on a new device every time: an answer nobody signed yet, so two RSA
	// signatures (its license_signature and the LicenseSignature over the body).
	b.Run("activate_license_new_device", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			body := fmt.Sprintf(`{"license_key":"DEMO-UNLM-0000-0005","product":"demo","hardware_id":"new-%d"}`, i)
			r := signedRequestTo(http.MethodPost, "/api/v4/activate_license", body)
			// A session keeps at most license.MaxDevices devices per license: a new one
			// every 500 devices, so any -benchtime runs.
			r.Header.Set(mockserver.HeaderSession, "bench-"+strconv.Itoa(i/500))
			w := &discardWriter{header: http.Header{}}
			srv.ServeHTTP(w, r)
			if w.status != http.StatusOK {
				b.Fatalf("status %d", w.status)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "activations/s")
	})
}
