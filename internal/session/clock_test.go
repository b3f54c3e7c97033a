package session_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/session"
)

// TestClockIsSessionState: a session's clock lives in its account: reading it creates no
// session, the list shows it when set, and a reset or an eviction drops it.
func TestClockIsSessionState(t *testing.T) {
	t.Parallel()
	s := session.NewStore(2)
	a, b, c := session.ID{Key: "a", Label: "a"}, session.ID{Key: "b", Label: "b"}, session.ID{Key: "c", Label: "c"}
	assert.Nil(t, s.Clock(a))
	assert.Equal(t, 0, s.Len(), "reading a clock creates no session")

	at := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	require.NoError(t, s.Account(a).Clock().Set(at))
	require.NotNil(t, s.Clock(a))
	got, set := s.Clock(a).Get()
	assert.True(t, set)
	assert.Equal(t, at, got)
	list := s.List()
	require.Len(t, list, 1)
	require.NotNil(t, list[0].Clock)
	assert.Equal(t, at, *list[0].Clock)

	s.Reset(a)
	assert.Nil(t, s.Clock(a), "a reset drops the clock")
	require.NoError(t, s.Account(a).Clock().Set(at))
	s.Account(b)
	s.Account(c) // a, the least recently used, is evicted
	assert.Nil(t, s.Clock(a), "an eviction drops the clock")
	_, set = s.Clock(b).Get()
	assert.False(t, set)
}
