package mockserver_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/testutil"
	"github.com/lsmock/lsmock/mockserver"
)

// The tests of memory bounds measure the heap after a collection, so they do not run in
// parallel: another test's garbage would count.

// answerCacheBytes is the documented budget of the remembered license answers
// (docs/operations.md, Limits).
const answerCacheBytes = 16 << 20

// limitsServer serves the embedded spec with testdata/limits, for tests of lsmock's bounds.
func limitsServer(t testing.TB, cfg mockserver.Config) *mockserver.Server {
	t.Helper()
	cfg.Files = mockserver.Files{Scenarios: os.DirFS("testdata/limits"), ScenariosName: "testdata/limits"}
	srv, err := mockserver.New(cfg)
	require.NoError(t, err)
	return srv
}

// call sends one License API request of session: a JSON body for POST, a query for GET. It
// returns the status and the body, its numbers as json.Number.
func call(t testing.TB, srv http.Handler, session, method, op string, params map[string]any) (int, map[string]any) {
	t.Helper()
	target, body := "/api/v4/"+op, ""
	if method == http.MethodGet {
		q := url.Values{}
		for k, v := range params {
			q.Set(k, toString(v))
		}
		target += "?" + q.Encode()
	} else {
		b, err := json.Marshal(params)
		require.NoError(t, err)
		body = string(b)
	}
	r := signedRequestTo(method, target, body)
	r.Header.Set(mockserver.HeaderSession, session)
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, r)
	var got map[string]any
	d := json.NewDecoder(w.Body)
	d.UseNumber() // totals near 2^63 read exactly
	_ = d.Decode(&got)
	return w.Code, got
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// TestAnswersOfManySessionsGiveMemoryBack: 256 activations with distinct 96 KiB hardware ids,
// each from a new session, keep the heap within the answer cache's budget, and a reset gives
// the memory back (before: every answer was kept, hardware id twice, and reset kept them: 48 MB).
func TestAnswersOfManySessionsGiveMemoryBack(t *testing.T) {
	srv := limitsServer(t, mockserver.Config{MaxSessions: 2, JournalSize: 10, MaxFieldBytes: 128 << 10})
	call(t, srv, "warm-up", http.MethodPost, "activate_license", map[string]any{"license_key": "LIM-UNLM", "product": "lim", "hardware_id": "hw"})
	before := testutil.Heap()
	for i := range 256 {
		hwid := strconv.Itoa(i) + strings.Repeat("h", 96<<10)
		status, body := call(t, srv, "s-"+strconv.Itoa(i), http.MethodPost, "activate_license",
			map[string]any{"license_key": "LIM-UNLM", "product": "lim", "hardware_id": hwid})
		require.Equal(t, http.StatusOK, status, "%v", body["code"])
	}
	grown := testutil.Heap() - before
	assert.Less(t, grown, int64(answerCacheBytes), "heap growth after 256 activations of new sessions")

	r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1"+mockserver.AdminPrefix+"reset", nil)
	r.RemoteAddr = "127.0.0.1:40000" // the admin API answers loopback clients
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, r)
	require.Equal(t, http.StatusOK, w.Code)
	assert.Less(t, testutil.Heap()-before, int64(2<<20), "heap growth after POST /__lsmock/reset")
}

// TestAnswerCacheWithinBytes: one session's 256 distinct activation answers (a consumption
// total each) for a device with a 96 KiB hardware id stay within the answer cache's byte budget (before:
// 4096 answers by count, 48 MB here).
func TestAnswerCacheWithinBytes(t *testing.T) {
	srv := limitsServer(t, mockserver.Config{JournalSize: 10, MaxFieldBytes: 128 << 10})
	hwid := strings.Repeat("h", 96<<10)
	lic := map[string]any{"license_key": "LIM-CONS-UNLM", "product": "lim", "hardware_id": hwid}
	status, _ := call(t, srv, "one", http.MethodPost, "activate_license", lic)
	require.Equal(t, http.StatusOK, status)
	before := testutil.Heap()
	add := map[string]any{"license_key": "LIM-CONS-UNLM", "product": "lim", "hardware_id": hwid, "consumptions": 1}
	for range 256 {
		status, body := call(t, srv, "one", http.MethodPost, "add_consumption", add)
		require.Equal(t, http.StatusOK, status, "%v", body["code"])
		status, body = call(t, srv, "one", http.MethodPost, "activate_license", lic) // again: the same device, a new total
		require.Equal(t, http.StatusOK, status, "%v", body["code"])
	}
	assert.Less(t, testutil.Heap()-before, int64(answerCacheBytes+4<<20), "heap growth after 256 distinct answers")
	runtime.KeepAlive(srv) // what is measured is its memory
}
