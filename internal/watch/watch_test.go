package watch_test

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/watch"
)

func TestWatchesAFileAndAFolder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	specFile := filepath.Join(dir, "openapi.yaml")
	scenarios := filepath.Join(dir, "scenarios")
	require.NoError(t, os.WriteFile(specFile, []byte("a"), 0o644))
	require.NoError(t, os.Mkdir(scenarios, 0o755))

	w, err := watch.New(specFile, scenarios)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var calls atomic.Int32
	go w.Run(ctx, 20*time.Millisecond, func() { calls.Add(1) }, nil)

	steps := []struct {
		name  string
		write func() error
		want  int32
	}{
		{"a file beside the spec is not watched", func() error { return os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644) }, 0},
		{"the spec", func() error { return os.WriteFile(specFile, []byte("b"), 0o644) }, 1},
		{"a scenario file", func() error { return os.WriteFile(filepath.Join(scenarios, "s.yaml"), []byte("x"), 0o644) }, 2},
		{"a new subfolder", func() error { return os.Mkdir(filepath.Join(scenarios, "more"), 0o755) }, 3},
		{"a file in the new subfolder", func() error { return os.WriteFile(filepath.Join(scenarios, "more", "t.yaml"), []byte("x"), 0o644) }, 4},
	}
	for _, st := range steps {
		require.NoError(t, st.write(), st.name)
		if st.want == 0 {
			time.Sleep(100 * time.Millisecond)
			assert.Equal(t, st.want, calls.Load(), st.name)
			continue
		}
		assert.Eventually(t, func() bool { return calls.Load() == st.want }, 2*time.Second, 5*time.Millisecond, st.name)
	}
}

func TestNewNamesAMissingPath(t *testing.T) {
	t.Parallel()
	_, err := watch.New(filepath.Join(t.TempDir(), "nope.yaml"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nope.yaml")
}
