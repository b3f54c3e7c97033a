package load

import (
	"flag"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock"
	"github.com/lsmock/lsmock/internal/spec"
)

var update = flag.Bool("update", false, "write openapi.snapshot again from the embedded openapi.yaml")

// TestEmbeddedSnapshot: the embedded snapshot is the embedded openapi.yaml written down, so
// lsmock serves the same from either; and the document's models are there when asked for.
func TestEmbeddedSnapshot(t *testing.T) {
	document := lsmock.DefaultSpec()
	full, err := spec.Load(lsmock.DefaultSpecName, document)
	require.NoError(t, err)
	want, err := full.Snapshot(document)
	require.NoError(t, err)
	if *update && !spec.SameSnapshot(want, embeddedSnapshot) { // gob's maps have no set order
		require.NoError(t, os.WriteFile("openapi.snapshot", want, 0o644))
		return
	}
	require.True(t, spec.SameSnapshot(want, embeddedSnapshot),
		"internal/load/openapi.snapshot is older than openapi.yaml: run go generate ./internal/load")

	s, err := embeddedSpec()
	require.NoError(t, err)
	again, err := s.Snapshot(document)
	require.NoError(t, err)
	assert.True(t, spec.SameSnapshot(want, again), "read from the snapshot, the spec writes down the same snapshot")
	require.Len(t, s.Operations, len(full.Operations))
	for i, op := range s.Operations {
		assert.Equal(t, full.Operations[i].Line(), op.Line(), op.ID)
		if assert.NotNil(t, op.Model(), op.ID) {
			assert.Equal(t, full.Operations[i].Model().OperationId, op.Model().OperationId)
		}
		assert.NotNil(t, op.PathItem(), op.ID)
		if op.Body != nil {
			assert.NotNil(t, op.Body.Schema(), op.ID)
		}
	}
	assert.NotNil(t, s.Model())
}

// BenchmarkEmbeddedSpec: what reading the embedded spec costs lsmock's start, from its
// snapshot and from the document.
func BenchmarkEmbeddedSpec(b *testing.B) {
	b.Run("snapshot", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := embeddedSpec(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("document", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := spec.LoadTrusted(lsmock.DefaultSpecName, lsmock.DefaultSpec()); err != nil {
				b.Fatal(err)
			}
		}
	})
}
