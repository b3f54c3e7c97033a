package testutil

import "runtime"

// Heap is the bytes of live heap objects after a full collection: what a test of a memory
// bound measures. Run such a test without t.Parallel, so no other test's garbage counts.
func Heap() int64 {
	runtime.GC()
	runtime.GC() // the first may leave finalizers' objects for the second
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
