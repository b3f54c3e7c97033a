package bounded_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/bounded"
)

func TestMapStaysWithinMax(t *testing.T) {
	t.Parallel()
	m := bounded.Map[int, string]{Max: 3}
	for i := range 10 {
		m.Put(i, "v", 1)
		assert.LessOrEqual(t, m.Len(), 3)
	}
	v, ok := m.Get(9)
	assert.True(t, ok, "the newest entry is kept")
	assert.Equal(t, "v", v)
	_, ok = m.Get(0)
	assert.False(t, ok, "old entries went when it started over")
}

func TestMapConcurrentUse(t *testing.T) {
	t.Parallel()
	m := bounded.Map[int, int]{Max: 16}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				m.Put(g*1000+i, i, 1)
				if v, ok := m.Get(g*1000 + i); ok {
					assert.Equal(t, i, v)
				}
			}
		}()
	}
	wg.Wait()
	assert.LessOrEqual(t, m.Len(), 16)
}

func TestMapStaysWithinMaxBytes(t *testing.T) {
	t.Parallel()
	m := bounded.Map[int, string]{Max: 1000, MaxBytes: 6400}
	for i := range 500 {
		require.True(t, m.Put(i, "v", 100), "an entry of 1/64 of the budget is kept")
		assert.LessOrEqual(t, m.Bytes(), 6400)
	}
	assert.LessOrEqual(t, m.Len(), 64)
	_, ok := m.Get(499)
	assert.True(t, ok, "the newest entry is kept")
}

func TestMapRefusesEntriesTooLarge(t *testing.T) {
	t.Parallel()
	m := bounded.Map[int, string]{Max: 10, MaxBytes: 6400}
	require.True(t, m.Put(1, "small", 10))
	assert.False(t, m.Put(2, "huge", 101), "above 1/64 of the budget")
	_, ok := m.Get(2)
	assert.False(t, ok)
	_, ok = m.Get(1)
	assert.True(t, ok, "a refused entry does not make the map start over")
}

func TestMapClear(t *testing.T) {
	t.Parallel()
	m := bounded.Map[int, string]{Max: 10, MaxBytes: 6400}
	m.Put(1, "v", 50)
	m.Clear()
	assert.Zero(t, m.Len())
	assert.Zero(t, m.Bytes())
	_, ok := m.Get(1)
	assert.False(t, ok)
	m.Put(2, "v", 50)
	assert.Equal(t, 1, m.Len(), "usable after Clear")
}
