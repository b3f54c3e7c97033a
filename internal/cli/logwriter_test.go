package cli

import (
	"bytes"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingWriter records each write it gets.
type countingWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes++
	return c.buf.Write(p)
}

func (c *countingWriter) snapshot() (string, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String(), c.writes
}

func TestBatchWriter(t *testing.T) {
	t.Parallel()
	t.Run("a line on a quiet server is written at once", func(t *testing.T) {
		t.Parallel()
		out := &countingWriter{}
		b := newBatchWriter(out)
		defer b.Close()
		_, err := b.Write([]byte("lsmock serving\n"))
		require.NoError(t, err)
		got, writes := out.snapshot()
		assert.Equal(t, "lsmock serving\n", got)
		assert.Equal(t, 1, writes)
	})
	t.Run("a burst is written in a few writes, every line in order, within the window", func(t *testing.T) {
		t.Parallel()
		out := &countingWriter{}
		b := newBatchWriter(out)
		defer b.Close()
		var want strings.Builder
		for i := range 1000 {
			line := "request " + strings.Repeat("x", i%7) + "\n"
			want.WriteString(line)
			_, err := b.Write([]byte(line))
			require.NoError(t, err)
		}
		assert.Eventually(t, func() bool { got, _ := out.snapshot(); return got == want.String() },
			10*logBatchWindow, logBatchWindow/5, "every line arrives without a Close")
		_, writes := out.snapshot()
		assert.Less(t, writes, 10, "not one write per line")
	})
	t.Run("Close writes what is held, and later lines go straight through", func(t *testing.T) {
		t.Parallel()
		out := &countingWriter{}
		b := newBatchWriter(out)
		for range 3 {
			_, _ = b.Write([]byte("line\n"))
		}
		require.NoError(t, b.Close())
		got, _ := out.snapshot()
		assert.Equal(t, "line\nline\nline\n", got)
		_, _ = b.Write([]byte("after\n"))
		_, _ = b.Write([]byte("after\n"))
		got, _ = out.snapshot()
		assert.Equal(t, "line\nline\nline\nafter\nafter\n", got)
	})
	t.Run("concurrent writers lose no line", func(t *testing.T) {
		t.Parallel()
		out := &countingWriter{}
		b := newBatchWriter(out)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 500 {
					_, _ = b.Write([]byte("0123456789\n"))
				}
			})
		}
		wg.Wait()
		require.NoError(t, b.Close())
		got, _ := out.snapshot()
		assert.Equal(t, 8*500, strings.Count(got, "0123456789\n"))
		assert.Len(t, got, 8*500*11)
	})
}
