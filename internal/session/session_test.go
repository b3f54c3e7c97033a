package session_test

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/auth"
	"github.com/lsmock/lsmock/internal/scenario"
	"github.com/lsmock/lsmock/internal/session"
	"github.com/lsmock/lsmock/internal/spec"
)

func TestID(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("s", 64<<10)
	cases := []struct {
		name, header, authorization string
		want                        session.ID
	}{
		{"session header wins", "job-7", `algorithm="hmac-sha256",headers="date",signature="x",apikey="key-1"`, session.ID{Key: "job-7", Label: "job-7"}},
		{"API key (Node SDK)", "", `algorithm="hmac-sha256",headers="date",signature="x",apikey="key-1"`, session.ID{Key: "key-1", Label: session.LabelOf("key-1")}},
		{"API key (Python SDK)", "", `algorithm="hmac-sha256", headers="date", signature="x", apiKey="key-2"`, session.ID{Key: "key-2", Label: session.LabelOf("key-2")}},
		{"Bearer token", "", "Bearer tok-3", session.ID{Key: "tok-3", Label: session.LabelOf("tok-3")}},
		{"neither", "", "", session.ID{}},
		{"unparsable authorization", "", "garbage", session.ID{}},
		{"a 64 KiB session name is kept as its hash", long, "", session.ID{Key: "sha256:e4916bd20ed29191e46063f402ec709e", Label: "sha256:e4916bd20ed29191e46063f402ec709e"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("POST", "/", nil)
			if tc.header != "" {
				r.Header.Set(session.Header, tc.header)
			}
			if tc.authorization != "" {
				r.Header.Set("Authorization", tc.authorization)
			}
			h, _ := auth.Parse(tc.authorization) // as the server does: an unparsable header has no key
			assert.Equal(t, tc.want, session.Of(r, h.APIKey()))
		})
	}
}

// A credential is never shown: its session is named by a stable label.
func TestLabel(t *testing.T) {
	t.Parallel()
	assert.Equal(t, session.Label("key:"+"2c26b46b68ff"), session.LabelOf("foo"), "the first 12 hex digits of SHA-256")
	assert.Equal(t, []string{"job-7", string(session.LabelOf("job-7"))}, session.Names("job-7"))
	assert.Equal(t, []string{"key:2c26b46b68ff"}, session.Names("key:2c26b46b68ff"))
	assert.Nil(t, session.Names(""))
}

// The admin API may name a session by its key, its label, or a value no request used yet
// (shown by its label, as it may be a credential, until a request names it).
func TestResolve(t *testing.T) {
	t.Parallel()
	st := session.NewStore(0)
	assert.Equal(t, session.ID{Key: "ci-key", Label: session.LabelOf("ci-key")}, st.Resolve("ci-key"))
	st.Pin(st.Resolve("ci-key"), "x")
	st.Pin(session.ID{Key: "job-A", Label: "job-A"}, "y")
	assert.Equal(t, session.ID{Key: "job-A", Label: "job-A"}, st.Resolve("job-A"))
	assert.Equal(t, session.ID{Key: "ci-key", Label: session.LabelOf("ci-key")}, st.Resolve(session.Typed(session.LabelOf("ci-key"))))
	names := []string{}
	for _, info := range st.List() {
		names = append(names, info.Session)
	}
	assert.ElementsMatch(t, []string{"job-A", string(session.LabelOf("ci-key"))}, names)
}

func sid(name string) session.ID {
	return session.ID{Key: session.Key(name), Label: session.Label(name)}
}

var op = &spec.Operation{ID: "op"}

func steps(n int) []*scenario.Response {
	out := make([]*scenario.Response, n)
	for i := range out {
		out[i] = &scenario.Response{Status: 200 + i}
	}
	return out
}

func TestTake(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		sc   *scenario.Scenario
		want []int // statuses of consecutive takes; 0 = used up
	}{
		{"repeat_last", &scenario.Scenario{Name: "a", Operation: op, Steps: steps(2), After: scenario.AfterRepeatLast}, []int{200, 201, 201, 201}},
		{"cycle", &scenario.Scenario{Name: "b", Operation: op, Steps: steps(2), After: scenario.AfterCycle}, []int{200, 201, 200, 201}},
		{"times", &scenario.Scenario{Name: "c", Operation: op, Steps: steps(1), Times: 2}, []int{200, 200, 0, 0}},
		{"times with steps", &scenario.Scenario{Name: "d", Operation: op, Steps: steps(3), Times: 2}, []int{200, 201, 0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := session.NewStore(0)
			for i, want := range tc.want {
				step, ok := st.Take(sid("s1"), tc.sc)
				if want == 0 {
					assert.False(t, ok, "take %d", i)
					continue
				}
				require.True(t, ok, "take %d", i)
				assert.Equal(t, want, step.Status, "take %d", i)
			}
			// another session starts from the beginning
			step, ok := st.Take(sid("s2"), tc.sc)
			require.True(t, ok)
			assert.Equal(t, 200, step.Status)
			// reset starts over
			st.Reset(sid("s1"))
			step, ok = st.Take(sid("s1"), tc.sc)
			require.True(t, ok)
			assert.Equal(t, 200, step.Status)
		})
	}
}

// TestPins: a session's pins, one per scope (an operation, or every operation that has the
// pinned name), come before the global ones, a pin for the operation before one by bare name.
func TestPins(t *testing.T) {
	t.Parallel()
	st := session.NewStore(0)
	assert.Equal(t, [4]string{}, st.Pinned(sid("a"), "check"), "no pins")

	st.PinGlobal("g")
	st.PinGlobal("check/global")
	st.Pin(sid("a"), "x")
	st.Pin(sid("a"), "activate/internal_error")
	st.Pin(sid("a"), "activate/slow") // replaces the pin of the same scope
	assert.Equal(t, [4]string{"", "x", "check/global", "g"}, st.Pinned(sid("a"), "check"))
	assert.Equal(t, [4]string{"activate/slow", "x", "", "g"}, st.Pinned(sid("a"), "activate"))
	assert.Equal(t, [4]string{"", "", "check/global", "g"}, st.Pinned(sid("b"), "check"), "another session: the global pins only")

	assert.Equal(t, []string{"activate/slow", "x"}, st.List()[0].Pins)
	st.Unpin(sid("a"))
	assert.Equal(t, [4]string{"", "", "", "g"}, st.Pinned(sid("a"), "activate"))

	dropped := st.DropPins(func(ref string) bool { return ref != "g" })
	assert.Equal(t, []session.Dropped{{Scenario: "g"}}, dropped)
	assert.Equal(t, []string{"check/global"}, st.Global())

	st.ResetAll()
	assert.Equal(t, [4]string{}, st.Pinned(sid("b"), "check"))
}

// TestConcurrentSessions: many sessions stepping through one sequence at once never see
// each other's progress.
func TestConcurrentSessions(t *testing.T) {
	t.Parallel()
	st := session.NewStore(0)
	sc := &scenario.Scenario{Name: "seq", Operation: op, Steps: steps(3), After: scenario.AfterRepeatLast}
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("s%d", i)
			for j, want := range []int{200, 201, 202, 202} {
				step, ok := st.Take(sid(id), sc)
				if !assert.True(t, ok) || !assert.Equal(t, want, step.Status, "session %s take %d", id, j) {
					return
				}
			}
		}()
	}
	wg.Wait()
	assert.Len(t, st.List(), 100)
}

func TestStoreDropsLeastRecentlyUsed(t *testing.T) {
	t.Parallel()
	st := session.NewStore(2)
	st.Pin(sid("a"), "x")
	acct := st.Account(sid("b"))
	st.Pin(sid("a"), "y") // a is now the most recently used
	st.Pin(sid("c"), "x") // drops b

	assert.Equal(t, 2, st.Len())
	assert.Equal(t, uint64(1), st.Evicted())
	assert.Equal(t, 2, st.Max())
	assert.NotSame(t, acct, st.Account(sid("b")), "b's account went with it") // and drops a
	assert.Equal(t, [4]string{}, st.Pinned(sid("a"), "op"), "a was the least recently used")
	assert.Equal(t, [4]string{"", "x"}, st.Pinned(sid("c"), "op"), "c survived")

	st.Reset(sid("c"))
	st.Pin(sid("d"), "x")
	assert.Equal(t, uint64(2), st.Evicted(), "a reset session frees its place")
	st.ResetAll()
	assert.Equal(t, 0, st.Len())
}

// TestAccountGoesWithTheSession: a session keeps one license account until it is reset
// (alone or with every session); the admin API's snapshot of a session without one is empty.
func TestAccountGoesWithTheSession(t *testing.T) {
	t.Parallel()
	st := session.NewStore(0)
	a := st.Account(sid("a"))
	assert.Same(t, a, st.Account(sid("a")), "one account per session")
	assert.NotSame(t, a, st.Account(sid("b")))

	st.Reset(sid("a"))
	fresh := st.Account(sid("a"))
	assert.NotSame(t, a, fresh, "reset drops the account")
	st.ResetAll()
	assert.NotSame(t, fresh, st.Account(sid("a")))
	assert.Nil(t, st.Existing(sid("never")), "looking creates no session")
	assert.Equal(t, 1, st.Len())
}
