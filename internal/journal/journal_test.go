package journal_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/auth"
	"github.com/lsmock/lsmock/internal/journal"
)

func TestRingIsBoundedNewestFirst(t *testing.T) {
	t.Parallel()
	j := journal.New(3, 0)
	for i := 1; i <= 10; i++ {
		j.Add(journal.Entry{Status: 200 + i})
	}
	assert.Equal(t, 3, j.Len())
	got := j.List(journal.Filter{})
	require.Len(t, got, 3)
	assert.Equal(t, []uint64{10, 9, 8}, []uint64{got[0].ID, got[1].ID, got[2].ID})
	assert.Equal(t, 210, got[0].Status)
	j.Clear("")
	assert.Empty(t, j.List(journal.Filter{}))
}

func TestFilter(t *testing.T) {
	t.Parallel()
	j := journal.New(10, 0)
	j.Add(journal.Entry{Session: "a", Scenario: "x", Status: 200, Operation: "op"})
	j.Add(journal.Entry{Session: "b", Scenario: "x", Status: 400, Code: "c", Operation: "op"})
	j.Add(journal.Entry{Session: "a", Scenario: "y", Status: 400, Code: "c", Operation: "op"})
	cases := []struct {
		f    journal.Filter
		want int
	}{
		{journal.Filter{}, 3},
		{journal.Filter{Sessions: []string{"a"}}, 2},
		{journal.Filter{Scenario: "x"}, 2},
		{journal.Filter{Status: 400}, 2},
		{journal.Filter{Code: "c", Sessions: []string{"b"}}, 1},
		{journal.Filter{Operation: "other"}, 0},
		{journal.Filter{Limit: 1}, 1},
	}
	for _, tc := range cases {
		assert.Len(t, j.List(tc.f), tc.want, "%+v", tc.f)
	}
}

// TestBoundedUnderLoad: concurrent writers never grow the journal past its size.
func TestBoundedUnderLoad(t *testing.T) {
	t.Parallel()
	j := journal.New(50, 0)
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 500 {
				j.Add(journal.Entry{Status: 200})
				_ = j.List(journal.Filter{Limit: 5})
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, 50, j.Len())
	assert.Equal(t, uint64(10000), j.List(journal.Filter{Limit: 1})[0].ID)
}

func TestRedact(t *testing.T) {
	t.Parallel()
	body := map[string]any{
		"username":     "u@example.com",
		"password":     "canary-1",
		"new_password": "canary-2",
		"nested":       map[string]any{"client_secret": "canary-3", "list": []any{map[string]any{"token": "canary-4"}}},
	}
	headers := map[string][]string{
		"Authorization": {`algorithm="hmac-sha256", headers="date", signature="canary-5", apiKey="k1"`},
		"Cookie":        {"session=canary-6"},
		"Date":          {"Thu, 26 Nov 2026 12:00:00 GMT"},
	}
	red := journal.RedactBody(body, map[string]bool{"username": true, "password": true, "nested": true})
	authz, err := auth.Parse(headers["Authorization"][0])
	require.NoError(t, err)
	h := journal.RedactHeaders(headers, nil, authz, nil, "")
	all, err := json.Marshal(map[string]any{"body": red, "headers": h})
	require.NoError(t, err)
	for _, c := range []string{"canary-1", "canary-2", "canary-3", "canary-4", "canary-5", "canary-6"} {
		assert.NotContains(t, string(all), c)
	}
	assert.Equal(t, "u@example.com", red.(journal.Object).Map()["username"])
	assert.Equal(t, `algorithm="hmac-sha256",headers="date",signature="[redacted]",apikey="`+auth.CredentialLabel("k1")+`"`, h.Get("Authorization"))
	bearer, err := auth.Parse("Bearer canary")
	require.NoError(t, err)
	assert.Equal(t, "Bearer [redacted]", journal.RedactHeaders(map[string][]string{"Authorization": {"Bearer canary"}}, nil, bearer, nil, "").Get("Authorization"))
	_, garbageErr := auth.Parse("garbage canary")
	assert.Equal(t, journal.Redacted, journal.RedactHeaders(map[string][]string{"Authorization": {"garbage canary"}}, nil, auth.Header{}, garbageErr, "").Get("Authorization"))
	assert.Equal(t, "canary-1", body["password"], "the original is not modified")
	assert.Equal(t, journal.Redacted, journal.RedactBody(map[string]any{"extra": "canary"}, nil).(journal.Object).Map()["extra"],
		"a field the schema does not declare is redacted")
	assert.Equal(t, journal.Redacted, journal.RedactBody([]any{"canary"}, nil), "a body that is not an object is redacted")
	assert.Equal(t, map[string]any{"username": journal.Redacted, "list": []any{journal.Redacted, "x"}},
		journal.Plain(journal.RedactBody(map[string]any{"username": "Bearer canary", "list": []any{"Bearer canary", "x"}}, map[string]bool{"username": true, "list": true})),
		"a credential by its form is redacted in a declared field")
}

// TestRedactHeadersAllowlist: only the headers the operation declares and the ordinary
// transport headers keep their values; a credential under any other name is redacted.
func TestRedactHeadersAllowlist(t *testing.T) {
	t.Parallel()
	declared := map[string]bool{"Date": true, "X-Declared": true, "X-Declared-Token": true}
	cases := []struct {
		name  string
		clear bool
	}{
		{"Content-Type", true}, {"Content-Length", true}, {"Accept", true}, {"Accept-Encoding", true},
		{"User-Agent", true}, {"Date", true}, {"Origin", true}, {"X-Lsmock-Session", true},
		{"X-Declared", true},
		{"X-Declared-Token", false}, {"X-Lsmock-Admin-Token", false}, // a secret by its name all the same
		{"Proxy-Authorization", false}, {"X-Api-Key", false}, {"Api-Key", false}, {"Private-Key", false},
		{"X-Access-Key", false}, {"X-Auth", false}, {"X-Credential", false}, {"Cookie", false},
		{"Referer", false}, {"X-Custom", false},
	}
	h := map[string][]string{}
	for _, tc := range cases {
		h[tc.name] = []string{"canary-" + tc.name}
	}
	got := journal.RedactHeaders(h, declared, auth.Header{}, nil, "")
	for _, tc := range cases {
		want := journal.Redacted
		if tc.clear {
			want = "canary-" + tc.name
		}
		assert.Equal(t, want, got.Get(tc.name), tc.name)
	}
}

func TestCoverage(t *testing.T) {
	t.Parallel()
	c := journal.NewCoverage()
	c.Record("op", 200, "", "success")
	c.Record("op", 400, "missing_headers", "")
	c.Record("op", 400, "missing_headers", "")
	c.Record("", 404, "not_found", "") // unrouted: no operation to count against
	statuses, codes, scenarios := c.Snapshot()
	assert.Equal(t, map[string]map[int]int{"op": {200: 1, 400: 2}}, statuses)
	assert.Equal(t, map[string]map[string]int{"op": {"missing_headers": 2}}, codes)
	assert.Equal(t, map[string]int{"success": 1}, scenarios)
}

// TestCoverageBoundsCodes: a proxied target that answers ever new codes grows the label set
// of the report and the metrics no further than MaxCodes; the rest count as one.
func TestCoverageBoundsCodes(t *testing.T) {
	t.Parallel()
	c := journal.NewCoverage()
	c.Record("op", 400, "known", "")
	for i := range 3 * journal.MaxCodes {
		c.Record("op", 400, fmt.Sprintf("code_%d", i), "")
	}
	c.Record("op", 400, "known", "")
	c.Record("op", 400, strings.Repeat("x", 1000), "")
	totals := c.Totals()
	assert.Len(t, totals, journal.MaxCodes+1, "MaxCodes codes by name, and one for the rest")
	assert.Equal(t, 2, totals[journal.Answer{Operation: "op", Status: 400, Code: "known"}], "a code seen early keeps its name")
	assert.Equal(t, 2*journal.MaxCodes+2, totals[journal.Answer{Operation: "op", Status: 400, Code: journal.OtherCode}])
	_, codes, _ := c.Snapshot()
	assert.Len(t, codes["op"], journal.MaxCodes+1)
}

// Clearing the report leaves the totals the metrics read.
func TestCoverageClearKeepsTotals(t *testing.T) {
	t.Parallel()
	c := journal.NewCoverage()
	c.Record("op", 200, "", "success")
	c.Clear()
	c.Record("op", 400, "missing_headers", "")
	statuses, codes, scenarios := c.Snapshot()
	assert.Equal(t, map[string]map[int]int{"op": {400: 1}}, statuses)
	assert.Equal(t, map[string]map[string]int{"op": {"missing_headers": 1}}, codes)
	assert.Empty(t, scenarios)
	assert.Equal(t, map[journal.Answer]int{{Operation: "op", Status: 200}: 1, {Operation: "op", Status: 400, Code: "missing_headers"}: 1}, c.Totals())
}

// TestBudgetBoundsBytes: entries with 1 MB fields are cut down, and the journal drops the
// oldest entries to stay within its byte budget whatever it is given.
func TestBudgetBoundsBytes(t *testing.T) {
	t.Parallel()
	const budget = 40 << 10
	j := journal.New(1000, budget)
	huge := strings.Repeat("é", 500_000) // 1 MB of two-byte runes
	for i := range 2 * 1000 {
		j.Add(journal.Entry{
			Session: huge,
			Path:    "/" + huge,
			Detail:  huge,
			Headers: journal.Headers{{Name: "X-Huge", Value: huge}},
			Query:   map[string]any{"username": huge, huge: "x"},
			Body: map[string]any{"username": huge, huge: "x", "list": []any{huge, huge, huge},
				"nested": map[string]any{"a": huge, "b": []any{map[string]any{"c": huge}}}},
			Status: 200 + i%2,
		})
		require.LessOrEqual(t, j.Bytes(), budget)
	}
	got := j.List(journal.Filter{})
	require.NotEmpty(t, got)
	assert.Less(t, len(got), 1000, "the budget, not the size, bounded the journal")
	for _, e := range got {
		assert.LessOrEqual(t, e.Size(), journal.MaxEntryBytes+journal.MaxString+64)
		assert.True(t, utf8.ValidString(e.Path), "a clipped string stays valid UTF-8")
		assert.Contains(t, e.Path, "…[1000001 bytes]", "a clipped string says how long it was")
	}
	body := got[0].Body.(map[string]any)
	assert.LessOrEqual(t, len(body["username"].(string)), journal.MaxString+32)
	query := got[0].Query.(map[string]any)
	assert.LessOrEqual(t, len(query["username"].(string)), journal.MaxString+32, "the query string is bounded too")

	j.Clear("")
	assert.Zero(t, j.Bytes())
}

// Clearing one session keeps the others' entries, in order.
func TestClearOneSession(t *testing.T) {
	t.Parallel()
	j := journal.New(4, 0)
	for i, s := range []string{"a", "b", "a", "b", "b"} {
		j.Add(journal.Entry{Session: s, Status: 200 + i})
	}
	j.Clear("b")
	got := j.List(journal.Filter{})
	require.Len(t, got, 1, "the oldest a was dropped when the fifth entry came")
	assert.Equal(t, 202, got[0].Status)
	j.Add(journal.Entry{Session: "c"})
	assert.Equal(t, 2, j.Len())
}

// TestCountsNamed: a session is shown by the name its requests were counted under, and when
// none were, by its label: the text typed may be an API key.
func TestCountsNamed(t *testing.T) {
	t.Parallel()
	c := journal.NewCounts(10)
	c.Add(journal.Key{Session: "job-1", Status: 200})
	assert.Equal(t, "job-1", c.Named([]string{"job-1", auth.CredentialLabel("job-1")}))
	assert.Equal(t, auth.CredentialLabel("sk-live-123"), c.Named([]string{"sk-live-123", auth.CredentialLabel("sk-live-123")}), "no request counted: the label, not the key")
	assert.Empty(t, c.Named(nil))
}

func TestCountsNeverDrop(t *testing.T) {
	t.Parallel()
	c := journal.NewCounts(3)
	c.Add(journal.Key{Session: "a", Status: 200})
	c.Add(journal.Key{Session: "a", Status: 200})
	c.Add(journal.Key{Session: "b", Status: 500, Code: "internal_error"})
	n, err := c.Count(journal.Filter{Sessions: []string{"a"}})
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	n, err = c.Count(journal.Filter{Code: "internal_error"})
	require.NoError(t, err)
	assert.Equal(t, 1, n)

	c.Add(journal.Key{Session: "c"})
	c.Add(journal.Key{Session: "d"}) // a fourth key: over the limit
	_, err = c.Count(journal.Filter{Sessions: []string{"a"}})
	require.ErrorIs(t, err, journal.ErrIncomplete, "a count that may miss requests is refused")
	c.Clear("")
	n, err = c.Count(journal.Filter{})
	require.NoError(t, err)
	assert.Zero(t, n)
}
