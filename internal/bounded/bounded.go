// Package bounded is a map for caches on the request path that clients can grow: it holds at
// most Max entries and, when MaxBytes is set, at most MaxBytes as its caller counts them, and
// starts over when full. Starting over costs a recomputation, never a wrong answer, and needs
// no eviction bookkeeping on every hit.
package bounded

import "sync"

// Map is a concurrency-safe map of at most Max entries and MaxBytes bytes (0: no byte
// budget). The zero value with Max set is ready.
type Map[K comparable, V any] struct {
	Max      int
	MaxBytes int

	mu    sync.RWMutex
	m     map[K]V
	bytes int
}

// Get returns the value kept for k.
func (b *Map[K, V]) Get(k K) (V, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	v, ok := b.m[k]
	return v, ok
}

// Put keeps v for k, size bytes of it (key, value and their overhead, as the caller counts
// them), first dropping every entry when the map would go past Max or MaxBytes. An entry
// above MaxBytes/64 is not kept, so that one client's huge entries cannot make the map start
// over every few puts; Put reports whether it kept the entry.
func (b *Map[K, V]) Put(k K, v V, size int) bool {
	if b.MaxBytes > 0 && size > b.MaxBytes/64 {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil || len(b.m) >= b.Max || (b.MaxBytes > 0 && b.bytes+size > b.MaxBytes) {
		b.m = make(map[K]V, min(b.Max, 64))
		b.bytes = 0
	}
	b.m[k] = v
	b.bytes += size // a key put again is counted again: the map starts over a little early
	return true
}

// Clear drops every entry, giving their memory back.
func (b *Map[K, V]) Clear() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.m, b.bytes = nil, 0
}

// Len is how many entries the map holds.
func (b *Map[K, V]) Len() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return len(b.m)
}

// Bytes is the size of the entries the map holds, as Put was told it.
func (b *Map[K, V]) Bytes() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.bytes
}
