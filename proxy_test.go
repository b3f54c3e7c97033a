package lsmock_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/record"
	"github.com/lsmock/lsmock/internal/testutil"
	"github.com/lsmock/lsmock/mockserver"
)

// startProxy runs lsmock as a proxy in front of upstream (over HTTPS when upstream is a TLS
// test server), logging to logs.
func startProxy(t *testing.T, upstream *httptest.Server, logs io.Writer) (*httptest.Server, *mockserver.Server) {
	t.Helper()
	return proxyTo(t, upstream.URL, upstream.Client().Transport, logs)
}

// startProxyWith is startProxy with the proxy's settings adjusted first.
func startProxyWith(t *testing.T, upstream *httptest.Server, logs io.Writer, adjust func(*mockserver.Proxy)) (*httptest.Server, *mockserver.Server) {
	t.Helper()
	return proxyTo(t, upstream.URL, upstream.Client().Transport, logs, adjust)
}

// proxyTo runs lsmock as a proxy in front of target, reached through tr, its settings
// adjusted first by adjust, if any.
func proxyTo(t *testing.T, target string, tr http.RoundTripper, logs io.Writer, adjust ...func(*mockserver.Proxy)) (*httptest.Server, *mockserver.Server) {
	t.Helper()
	u, err := url.Parse(target)
	require.NoError(t, err)
	p := &mockserver.Proxy{Target: u, Transport: tr}
	for _, f := range adjust {
		f(p)
	}
	h, err := mockserver.New(mockserver.Config{
		Logger: slog.New(slog.NewJSONHandler(logs, nil)),
		Proxy:  p,
	})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, h
}

// upstreamLsmock is lsmock with its embedded defaults over HTTPS: a server that honours the
// contract, for the proxy to stand in front of.
func upstreamLsmock(t *testing.T) *httptest.Server {
	t.Helper()
	h, err := mockserver.New(mockserver.Config{})
	require.NoError(t, err)
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// sameRequest sends one request to base and returns the answer.
func sameRequest(t *testing.T, client *http.Client, base, method, target, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, base+target, strings.NewReader(body))
	require.NoError(t, err)
	for k, v := range nodeSDKHeaders() {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

// TestProxyPassesConformingAnswersUntouched: in front of a server that honours the contract
// (lsmock itself, over HTTPS), the client gets exactly what the server answered, signatures
// included, and nothing is reported.
func TestProxyPassesConformingAnswersUntouched(t *testing.T) {
	t.Parallel()
	upstream := upstreamLsmock(t)
	var logs testutil.Buffer
	proxy, h := startProxy(t, upstream, &logs)

	cases := []struct{ method, target, body, report string }{
		{http.MethodPost, cpPath, changePassword("u@example.com", "old", "new"), ""},
		{http.MethodPost, cpPath, changePassword("x@not-allowed.example", "old", "new"), ""},
		{http.MethodGet, "/api/v4/product_details?product=demo", "", ""},
		{http.MethodPost, "/api/v4/activate_license", `{"license_key":"DEMO-PERP-0000-0001","product":"demo","hardware_id":"hw-proxy"}`, ""},
		{http.MethodGet, "/api/v4/check_license?license_key=DEMO-NOPE&product=demo&hardware_id=hw-proxy", "", ""},
		// The client's request breaks the contract: reported as the mock reports it, not as drift.
		{http.MethodPost, cpPath, `{"username":"u@example.com","password":"old"}`, "request: missing_parameters: missing required parameter(s): new_password"},
	}
	for _, tc := range cases {
		direct, want := sameRequest(t, upstream.Client(), upstream.URL, tc.method, tc.target, tc.body)
		got, body := sameRequest(t, http.DefaultClient, proxy.URL, tc.method, tc.target, tc.body)
		assert.Equal(t, direct.StatusCode, got.StatusCode, tc.target)
		assert.Equal(t, string(want), string(body), "%s: the body passes byte for byte", tc.target)
		assert.Equal(t, direct.Header.Get("LicenseSignature"), got.Header.Get("LicenseSignature"), tc.target)
		assert.Equal(t, direct.Header.Get("Content-Type"), got.Header.Get("Content-Type"), tc.target)
		assert.Equal(t, tc.report, got.Header.Get(mockserver.HeaderValidation), tc.target)
	}
	assert.NotContains(t, logs.String(), `"level":"WARN"`)
	assert.Empty(t, h.Coverage().Drift)
	assert.Equal(t, upstream.URL, h.Coverage().Proxy)
}

// TestProxyReportsDrift: a server that breaks the contract (an extra field, an undocumented
// status, an undocumented error code) still reaches the client untouched, and each break is
// reported in the answer's X-Lsmock-Validation, the log, the journal and coverage.
func TestProxyReportsDrift(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"extra field", 400, `{"status":400,"code":"missing_parameters","message":"m","trace":"x"}`, "trace"},
		{"undocumented status", 418, `{"status":418,"code":"teapot","message":"I'm a teapot"}`, "status 418 is not documented for changePassword"},
		{"undocumented error code", 400, `{"status":400,"code":"password_too_short","message":"short"}`, "error code password_too_short is not documented for changePassword"},
		{"object for the string", 200, `{"result":"password_changed"}`, "answer"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			upstream := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			t.Cleanup(upstream.Close)
			var logs testutil.Buffer
			proxy, h := startProxy(t, upstream, &logs)

			resp, body := sameRequest(t, http.DefaultClient, proxy.URL, http.MethodPost, cpPath, changePassword("u@example.com", "canary-pw", "n"))
			assert.Equal(t, tc.status, resp.StatusCode, "the status passes as it came")
			assert.Equal(t, tc.body, string(body), "the body passes as it came")
			report := resp.Header.Get(mockserver.HeaderValidation)
			assert.Contains(t, report, tc.want)

			assert.Contains(t, logs.String(), `"level":"WARN"`)
			assert.Contains(t, logs.String(), tc.want)
			var journal struct {
				Requests []struct {
					Detail    string `json:"detail"`
					Selection string `json:"selection"`
					Body      map[string]any
				} `json:"requests"`
			}
			_, raw := sameRequest(t, http.DefaultClient, proxy.URL, http.MethodGet, "/__lsmock/requests?limit=1", "")
			require.NoError(t, json.Unmarshal(raw, &journal))
			require.Len(t, journal.Requests, 1)
			assert.Contains(t, journal.Requests[0].Detail, tc.want)
			assert.Equal(t, "proxy", journal.Requests[0].Selection)
			assert.Equal(t, "[redacted]", journal.Requests[0].Body["password"])
			drift := h.Coverage().Drift
			require.NotEmpty(t, drift)
			assert.Equal(t, "changePassword", drift[0].Operation)
			assert.False(t, bytes.Contains(append(raw, logs.String()...), []byte("canary-pw")), "no password in the reports")
		})
	}
}

// TestProxyWithoutTarget: an unreachable target is lsmock's own 502, reported.
func TestProxyUnreachableTarget(t *testing.T) {
	t.Parallel()
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	var logs testutil.Buffer
	proxy, h := startProxy(t, gone, &logs)
	resp, body := sameRequest(t, http.DefaultClient, proxy.URL, http.MethodPost, cpPath, changePassword("u@example.com", "a", "b"))
	assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
	assert.JSONEq(t, `{"status":502,"code":"proxy_error","message":"lsmock proxy: no answer from `+strings.TrimPrefix(gone.URL, "http://")+`"}`, string(body))
	assert.NotEmpty(t, h.Coverage().Drift)
}

// TestProxyErrorsHideSecrets: whatever keeps the target from answering (refused, reset, a
// certificate it does not trust, no answer in time), the 502's X-Lsmock-Validation, the log
// and the journal name the path only: user_licenses' password in the query string stays out,
// and so does the password in the target's userinfo.
func TestProxyErrorsHideSecrets(t *testing.T) {
	t.Parallel()
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	reset := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			_ = conn.(*net.TCPConn).SetLinger(0)
			_ = conn.Close()
		}
	}))
	t.Cleanup(reset.Close)
	untrusted := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(untrusted.Close)
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(hung.Close)
	impatient := http.DefaultTransport.(*http.Transport).Clone()
	impatient.ResponseHeaderTimeout = 50 * time.Millisecond

	const secret = "Query-Pa55-7c2f"
	cases := []struct {
		name   string
		target string
		tr     http.RoundTripper
		want   string
	}{
		{"refused", gone.URL, nil, "refused"},
		{"reset", reset.URL, nil, "reset"},
		{"untrusted certificate", untrusted.URL, nil, "certificate"},
		{"no answer in time", hung.URL, impatient, "timeout"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			target := strings.Replace(tc.target, "://", "://ci:"+secret+"@", 1)
			var logs testutil.Buffer
			proxy, _ := proxyTo(t, target, tc.tr, &logs)
			q := url.Values{"username": {"u@example.com"}, "password": {secret}}.Encode()
			resp, body := sameRequest(t, http.DefaultClient, proxy.URL, http.MethodGet, "/api/v4/user_licenses?"+q, "")
			require.Equal(t, http.StatusBadGateway, resp.StatusCode, string(body))
			detail := resp.Header.Get(mockserver.HeaderValidation)
			assert.Contains(t, detail, "ci:xxxxx@", "the detail names the target, its password hidden")
			assert.Contains(t, detail, "/api/v4/user_licenses", "and the path")
			assert.Contains(t, detail, tc.want, "and what went wrong")
			_, journal := sameRequest(t, http.DefaultClient, proxy.URL, http.MethodGet, "/__lsmock/requests?limit=1", "")
			require.Contains(t, string(journal), `"detail":"no answer from`)
			all := detail + string(body) + string(journal) + logs.String()
			require.Contains(t, logs.String(), `"level":"WARN"`)
			assert.NotContains(t, all, secret)
		})
	}
}

// TestProxyUpstreamTimeout: a target that never answers, or drips its answer a byte at a
// time, gets the client lsmock's 504 within the upstream timeout, not a hung request.
func TestProxyUpstreamTimeout(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		handler func(w http.ResponseWriter, r *http.Request, release <-chan struct{})
	}{
		{"hung", func(w http.ResponseWriter, r *http.Request, release <-chan struct{}) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}},
		{"dripping", func(w http.ResponseWriter, r *http.Request, release <-chan struct{}) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for {
				if _, err := io.WriteString(w, " "); err != nil {
					return
				}
				_ = http.NewResponseController(w).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-release:
					return
				case <-tick.C:
				}
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			release := make(chan struct{})
			upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { tc.handler(w, r, release) }))
			t.Cleanup(upstream.Close)
			t.Cleanup(func() { close(release) }) // before Close, which waits for the handlers
			var logs testutil.Buffer
			proxy, h := startProxyWith(t, upstream, &logs, func(p *mockserver.Proxy) { p.Timeout = 300 * time.Millisecond })

			client := &http.Client{Timeout: 10 * time.Second} // fails the test instead of hanging it
			start := time.Now()
			resp, body := sameRequest(t, client, proxy.URL, http.MethodPost, cpPath, changePassword("u@example.com", "a", "b"))
			assert.Less(t, time.Since(start), 5*time.Second)
			assert.Equal(t, http.StatusGatewayTimeout, resp.StatusCode)
			assert.JSONEq(t, `{"status":504,"code":"proxy_error","message":"lsmock proxy: no answer from `+strings.TrimPrefix(upstream.URL, "http://")+` within 300ms"}`, string(body))
			assert.NotEmpty(t, h.Coverage().Drift)
		})
	}
}

// gzipped answers what next answers, gzip-compressed as a server does for a client that sends
// Accept-Encoding: gzip; sent keeps the last compressed body it sent.
func gzipped(next http.Handler, sent *[]byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		var zipped bytes.Buffer
		zw := gzip.NewWriter(&zipped)
		_, _ = zw.Write(rec.Body.Bytes())
		_ = zw.Close()
		*sent = zipped.Bytes()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.Header().Set("Content-Encoding", "gzip")
		w.WriteHeader(rec.Code)
		_, _ = w.Write(zipped.Bytes())
	})
}

// TestProxyCompressedAnswers: a target that gzips its answers (Node's axios and Python's
// requests ask it to) is checked and recorded on the decompressed JSON, while the client gets
// the compressed bytes as they came. A gzip bomb is reported, not inflated.
func TestProxyCompressedAnswers(t *testing.T) {
	t.Parallel()
	inner, err := mockserver.New(mockserver.Config{})
	require.NoError(t, err)
	var sent []byte
	upstream := httptest.NewServer(gzipped(inner, &sent))
	t.Cleanup(upstream.Close)
	dir := t.TempDir()
	rec, err := record.New(dir, upstream.URL, false, func(op string, err error) { t.Errorf("record %s: %v", op, err) })
	require.NoError(t, err)
	var logs testutil.Buffer
	proxy, h := startProxyWith(t, upstream, &logs, func(p *mockserver.Proxy) { p.Record = func(x mockserver.Exchange) { rec.Record(record.Exchange(x)) } })

	req, err := http.NewRequest(http.MethodGet, proxy.URL+"/api/v4/product_details?product=demo", nil)
	require.NoError(t, err)
	for k, v := range nodeSDKHeaders() {
		req.Header.Set(k, v)
	}
	req.Header.Set("Accept-Encoding", "gzip") // set by hand: Go's client then leaves the body compressed
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)

	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
	assert.Equal(t, sent, got, "the client gets the target's bytes unchanged")
	assert.Empty(t, resp.Header.Get(mockserver.HeaderValidation), "no drift reported")
	assert.Empty(t, h.Coverage().Drift)
	assert.NotContains(t, logs.String(), `"level":"WARN"`)

	rec.Close()
	recorded, err := os.ReadFile(filepath.Join(dir, "productDetails.yaml"))
	require.NoError(t, err)
	assert.Contains(t, string(recorded), `raw_body: '{"product_id":`, "the recording has the real JSON")
}

// TestProxyGzipBomb: an answer that inflates beyond the bound is drift, and is not inflated.
func TestProxyGzipBomb(t *testing.T) {
	t.Parallel()
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	_, _ = zw.Write(bytes.Repeat([]byte{'0'}, 64<<20))
	require.NoError(t, zw.Close())
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(bomb.Bytes())
	}))
	t.Cleanup(upstream.Close)
	var logs testutil.Buffer
	proxy, _ := startProxy(t, upstream, &logs)
	req, err := http.NewRequest(http.MethodGet, proxy.URL+"/api/v4/product_details?product=demo", nil)
	require.NoError(t, err)
	for k, v := range nodeSDKHeaders() {
		req.Header.Set(k, v)
	}
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, bomb.Bytes(), got)
	assert.Contains(t, resp.Header.Get(mockserver.HeaderValidation), "answer: Content-Encoding gzip: the answer inflates beyond 16777216 bytes")
}

// TestProxyRefusesDotSegments: a path that would resolve outside the target's base path
// (/../, %2e%2e, an encoded slash or a backslash) is refused with a 400 in the vendor's shape
// and never reaches the target.
func TestProxyRefusesDotSegments(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var reached []string
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		reached = append(reached, r.URL.EscapedPath())
		mu.Unlock()
		w.WriteHeader(http.StatusNotFound)
	}))
	t.Cleanup(upstream.Close)
	var logs testutil.Buffer
	proxy, _ := startProxy(t, upstream, &logs)
	for _, path := range []string{"/api/v4/../../admin", "/api/v4/%2e%2e/%2E%2E/admin", "/api/v4/..%2f..%2fadmin", "/api/v4/..%5c..%5cadmin", "/api/v4/./check_license"} {
		conn, err := net.Dial("tcp", strings.TrimPrefix(proxy.URL, "http://"))
		require.NoError(t, err)
		_, err = io.WriteString(conn, "GET "+path+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		require.NoError(t, err)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		resp.Body.Close()
		conn.Close()
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, path)
		assert.JSONEq(t, `{"status":400,"code":"proxy_error","message":"lsmock proxy: a path with . or .. segments is not forwarded"}`, string(body), path)
	}
	mu.Lock()
	defer mu.Unlock()
	assert.Empty(t, reached, "no such path reached the target")
}

// TestProxyDropsConnectionHeaders: the headers a Connection header names belong to one
// connection (RFC 9110 §7.6.1): they are not forwarded to the target, nor back to the client.
func TestProxyDropsConnectionHeaders(t *testing.T) {
	t.Parallel()
	got := make(chan http.Header, 1)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Clone()
		w.Header().Set("Connection", "X-Up-Hop")
		w.Header().Set("X-Up-Hop", "upstream's connection only")
		w.Header().Set("X-Up-End", "for the client")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"status":400,"code":"missing_parameters","message":"m"}`)
	}))
	t.Cleanup(upstream.Close)
	var logs testutil.Buffer
	proxy, _ := startProxy(t, upstream, &logs)
	req, err := http.NewRequest(http.MethodGet, proxy.URL+"/api/v4/product_details", nil)
	require.NoError(t, err)
	for k, v := range nodeSDKHeaders() {
		req.Header.Set(k, v)
	}
	req.Header.Set("Connection", "keep-alive, X-Hop")
	req.Header.Set("X-Hop", "the client's connection only")
	req.Header.Set("X-End", "for the target")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()

	forwarded := <-got
	assert.Empty(t, forwarded.Get("X-Hop"), "a header the client's Connection names is not forwarded")
	assert.Equal(t, "for the target", forwarded.Get("X-End"))
	assert.Empty(t, resp.Header.Get("X-Up-Hop"), "a header the target's Connection names is not passed back")
	assert.Equal(t, "for the client", resp.Header.Get("X-Up-End"))
}
