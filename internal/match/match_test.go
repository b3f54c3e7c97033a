package match_test

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock"
	"github.com/lsmock/lsmock/internal/match"
	"github.com/lsmock/lsmock/internal/scenario"
	"github.com/lsmock/lsmock/internal/spec"
)

func load(t testing.TB, yaml string) (*spec.Spec, *scenario.Set) {
	t.Helper()
	s, err := spec.Load(lsmock.DefaultSpecName, lsmock.DefaultSpec())
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "s.yaml"), []byte(yaml), 0o644))
	set, err := scenario.Load(os.DirFS(dir), dir, s)
	require.NoError(t, err)
	return s, set
}

const scenarios = `
scenarios:
  - name: default
    operation: changePassword
    default: true
    response: {}
  - name: by_equals
    operation: changePassword
    match: {body: {username: alice@example.com}}
    response: {error: internal_error}
  - name: by_one_of
    operation: changePassword
    match: {body: {username: {one_of: [bob@example.com, carol@example.com]}}}
    response: {error: internal_error}
  - name: by_regex
    operation: changePassword
    match: {body: {username: {regex: '@blocked\.example$'}}}
    response: {error: change_password_not_allowed}
  - name: by_pointer_and_header
    operation: changePassword
    match:
      body: {/new_password: {present: true}, username: dave@example.com}
      headers: {x-client: sdk-node}
    response: {error: signature_mismatch}
  - name: by_query_absent
    operation: changePassword
    match: {body: {username: erin@example.com}, query: {debug: {absent: true}}}
    response: {error: invalid_json}
  - name: by_query
    operation: changePassword
    match: {query: {debug: "1"}}
    response: {error: validation_error}
  - name: by_api_key
    operation: changePassword
    match: {api_key: {regex: "^revoked-"}}
    response: {error: revoked_api_key}
  - name: low_priority_alice
    operation: changePassword
    match: {body: {username: alice@example.com}}
    response: {error: hmac_required}
  - name: high_priority_alice
    operation: changePassword
    priority: 10
    match: {body: {username: {regex: "^alice@"}}}
    response: {error: date_header_diff}
  - name: limited
    operation: changePassword
    times: 1
    match: {body: {username: frank@example.com}}
    response: {error: internal_error}
  - name: only_by_name
    operation: changePassword
    response: {error: internal_error}
`

func TestCandidates(t *testing.T) {
	t.Parallel()
	s, set := load(t, scenarios)
	m := match.New(set)
	op := s.Operation("changePassword")
	body := func(user string) map[string]any {
		return map[string]any{"username": user, "password": "p", "new_password": "n"}
	}
	cases := []struct {
		name string
		req  match.Request
		want []string // the candidates' names, best first
	}{
		{name: "nothing matches", req: match.Request{Body: body("zed@example.com")}},
		{name: "priority beats file order", req: match.Request{Body: body("alice@example.com")}, want: []string{"high_priority_alice", "by_equals", "low_priority_alice"}},
		{name: "one_of", req: match.Request{Body: body("carol@example.com")}, want: []string{"by_one_of"}},
		{name: "regex", req: match.Request{Body: body("x@blocked.example")}, want: []string{"by_regex"}},
		{name: "regex needs a string", req: match.Request{Body: map[string]any{"username": 5.0}}},
		{name: "pointer and header", req: match.Request{Body: body("dave@example.com"),
			Header: http.Header{"X-Client": {"sdk-node"}}}, want: []string{"by_pointer_and_header"}},
		{name: "all conditions must hold", req: match.Request{Body: body("dave@example.com"),
			Header: http.Header{"X-Client": {"sdk-python"}}}},
		{name: "query absent holds", req: match.Request{Body: body("erin@example.com")}, want: []string{"by_query_absent"}},
		{name: "query absent fails, query equals matches", req: match.Request{Body: body("erin@example.com"),
			Query: url.Values{"debug": {"1"}}}, want: []string{"by_query"}},
		{name: "api key", req: match.Request{Body: body("zed@example.com"), APIKey: "revoked-123"}, want: []string{"by_api_key"}},
		{name: "limited by times is still a candidate", req: match.Request{Body: body("frank@example.com")}, want: []string{"limited"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, sc := range m.Candidates(op, &tc.req, nil) {
				got = append(got, sc.Name)
			}
			assert.Equal(t, tc.want, got)
		})
	}
	assert.Equal(t, "default", m.Default(op).Name)
}

// BenchmarkMatch measures picking a scenario among n that each match one username, for the
// last one (the worst case of a scan). With equality indexed, cost does not grow with n.
//
//	go test ./internal/match -run '^$' -bench BenchmarkMatch -benchmem
func BenchmarkMatch(b *testing.B) {
	for _, n := range []int{10, 1000, 10000} {
		b.Run(fmt.Sprintf("scenarios=%d", n), func(b *testing.B) {
			s, set := load(b, generated(n))
			m := match.New(set)
			op := s.Operation("changePassword")
			req := &match.Request{Body: map[string]any{"username": fmt.Sprintf("user%d@example.com", n-1), "password": "p", "new_password": "n"}}
			var buf [4]*scenario.Scenario
			b.ReportAllocs()
			for b.Loop() {
				if len(m.Candidates(op, req, buf[:0])) == 0 {
					b.Fatal("no match")
				}
			}
		})
	}
}

func generated(n int) string {
	var out strings.Builder
	out.WriteString("scenarios:\n")
	for i := range n {
		fmt.Fprintf(&out, "  - {name: user%d, operation: changePassword, match: {body: {username: user%d@example.com}}, response: {error: internal_error}}\n", i, i)
	}
	return out.String()
}
