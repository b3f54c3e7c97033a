// Package bounded is a map for caches on the request path that clients can grow: it holds at
// most Max entries, and starts over when full. Starting over costs a recomputation, never a
// wrong answer, and needs no eviction bookkeeping on every hit.
package bounded

import "sync"

// Map is a concurrency-safe map of at most Max entries. The zero value with Max set is ready.
type Map[K comparable, V any] struct {
	Max int

	mu sync.RWMutex
	m  map[K]V
}

// Get returns the value kept for k.
func (b *Map[K, V]) Get(k K) (V, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	v, ok := b.m[k]
	return v, ok
}

// Put keeps v for k, first dropping every entry when the map holds Max already.
func (b *Map[K, V]) Put(k K, v V) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil || len(b.m) >= b.Max {
		b.m = make(map[K]V, min(b.Max, 64))
	}
	b.m[k] = v
}

// Len is how many entries the map holds.
func (b *Map[K, V]) Len() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return len(b.m)
}
