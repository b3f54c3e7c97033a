package outside_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"example.com/outside"
	"github.com/lsmock/lsmock/lsmocktest"
	"github.com/lsmock/lsmock/mockserver"
)

const apiKey, sharedKey = "outside-key", "outside-shared"

// changePassword sends a change_password signed as the LicenseSpring SDKs sign it and
// returns the status and the error code, if any.
func changePassword(t *testing.T, base, username string) (int, string) {
	t.Helper()
	body := fmt.Sprintf(`{"username":%q,"password":"old","new_password":"new"}`, username)
	req, err := http.NewRequest(http.MethodPost, base+"/api/v4/change_password", strings.NewReader(body))
	require.NoError(t, err)
	date := time.Now().UTC().Format(http.TimeFormat)
	mac := hmac.New(sha256.New, []byte(sharedKey))
	mac.Write([]byte("licenseSpring\ndate: " + date))
	req.Header.Set("Date", date)
	req.Header.Set("Authorization", fmt.Sprintf(`algorithm="hmac-sha256",headers="date",signature="%s",apikey="%s"`,
		base64.StdEncoding.EncodeToString(mac.Sum(nil)), apiKey))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var code string
	if i := strings.Index(string(answer), `"code":"`); i >= 0 {
		code, _, _ = strings.Cut(string(answer[i+len(`"code":"`):]), `"`)
	}
	return resp.StatusCode, code
}

// TestMockBehindProxy: a mock and a proxy in front of it, built from exported types only;
// both journals say what went through.
func TestMockBehindProxy(t *testing.T) {
	t.Parallel()
	mock, err := outside.NewMock(apiKey, sharedKey)
	require.NoError(t, err)
	mockHTTP := httptest.NewServer(mock)
	t.Cleanup(func() { mock.Close(); mockHTTP.Close() })

	var mu sync.Mutex
	var exchanges []mockserver.Exchange
	proxy, err := outside.NewProxy(mockHTTP.URL, func(e mockserver.Exchange) {
		mu.Lock()
		defer mu.Unlock()
		exchanges = append(exchanges, e)
	})
	require.NoError(t, err)
	proxyHTTP := httptest.NewServer(proxy)
	t.Cleanup(func() { proxy.Close(); proxyHTTP.Close() })

	cases := []struct {
		username, code string
		status         int
	}{
		{"u@example.com", "", http.StatusOK},
		{"locked@example.com", "change_password_not_allowed", http.StatusBadRequest},
	}
	for _, tc := range cases {
		status, code := changePassword(t, proxyHTTP.URL, tc.username)
		assert.Equal(t, tc.status, status, tc.username)
		assert.Equal(t, tc.code, code, tc.username)
	}

	matched := mock.Requests(mockserver.Filter{Scenario: "not_allowed_here"})
	require.Len(t, matched, 1)
	assert.Equal(t, "match", matched[0].Selection)
	assert.Equal(t, "[redacted]", matched[0].Body.(map[string]any)["password"])
	n, err := mock.Count(mockserver.Filter{Operation: "changePassword"})
	require.NoError(t, err)
	assert.Equal(t, 2, n)

	for _, r := range proxy.Requests(mockserver.Filter{}) {
		assert.Equal(t, "proxy", r.Selection)
		assert.Empty(t, r.Detail, "the mock's answers hold to the spec")
	}
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, exchanges, 2)
	for _, e := range exchanges {
		assert.Equal(t, "changePassword", e.Operation)
		assert.Empty(t, e.Problems)
	}
}

// TestLsmocktestPinAndReset: lsmocktest from another module, pinning and resetting while the
// test runs.
func TestLsmocktestPinAndReset(t *testing.T) {
	t.Parallel()
	srv := lsmocktest.New(t)
	status, _ := changePassword(t, srv.URL, "u@example.com")
	require.Equal(t, http.StatusOK, status)
	require.NoError(t, srv.Pin("", "internal_error"))
	status, code := changePassword(t, srv.URL, "u@example.com")
	assert.Equal(t, http.StatusInternalServerError, status)
	assert.Equal(t, "internal_error", code)
	srv.Reset("")
	status, _ = changePassword(t, srv.URL, "u@example.com")
	assert.Equal(t, http.StatusOK, status)
	srv.AssertRequests(t, lsmocktest.Match{Scenario: "internal_error"}, 1)
	assert.Len(t, srv.Requests(lsmocktest.Match{Status: http.StatusOK}), 2)
}
