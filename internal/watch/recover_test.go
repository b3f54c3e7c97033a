package watch

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestKeepsWatchingAfterAnError: an error of the file watch (an inotify queue overflow, say)
// is reported, counted in the status, and the watcher goes on: it reports a change at once
// (events may have been lost) and sees the edits that follow.
func TestKeepsWatchingAfterAnError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "s.yaml")
	require.NoError(t, os.WriteFile(file, []byte("a"), 0o644))
	w, err := New(dir)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var changes, failures atomic.Int32
	go w.Run(ctx, 10*time.Millisecond, func() { changes.Add(1) }, func(error) { failures.Add(1) })

	w.current().Errors <- errors.New("fsnotify: queue or buffer overflow")
	require.Eventually(t, func() bool { return failures.Load() == 1 && changes.Load() == 1 }, 2*time.Second, 5*time.Millisecond)
	st := w.Status()
	assert.Equal(t, uint64(1), st.Errors)
	assert.Contains(t, st.LastError, "overflow")
	assert.False(t, st.Failing)

	require.NoError(t, os.WriteFile(file, []byte("b"), 0o644))
	assert.Eventually(t, func() bool { return changes.Load() == 2 }, 2*time.Second, 5*time.Millisecond, "still watching")
}
