package bounded_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/lsmock/lsmock/internal/bounded"
)

func TestMapStaysWithinMax(t *testing.T) {
	t.Parallel()
	m := bounded.Map[int, string]{Max: 3}
	for i := range 10 {
		m.Put(i, "v")
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
				m.Put(g*1000+i, i)
				if v, ok := m.Get(g*1000 + i); ok {
					assert.Equal(t, i, v)
				}
			}
		}()
	}
	wg.Wait()
	assert.LessOrEqual(t, m.Len(), 16)
}
