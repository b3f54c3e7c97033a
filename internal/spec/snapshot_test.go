package spec_test

import (
	"bytes"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock"
	"github.com/lsmock/lsmock/internal/spec"
)

// TestLoadSnapshot: a spec read from its snapshot is the spec it was made from, and a snapshot
// of other bytes, or no snapshot at all, is refused.
func TestLoadSnapshot(t *testing.T) {
	t.Parallel()
	document := lsmock.DefaultSpec()
	full, s, snap := fromSnapshot(t, document)
	op := s.Operation("changePassword")
	require.NotNil(t, op)
	assert.Equal(t, full.Operation("changePassword").Success, op.Success)
	assert.Equal(t, []spec.Property{{Name: "username"}, {Name: "password", Secret: true}, {Name: "new_password", Secret: true}}, op.Body.Properties)
	assert.NotEmpty(t, op.Body.Inline)
	found, _ := s.Find("POST", "/api/v4/change_password")
	assert.Same(t, op, found, "the router is built from the snapshot's operations")
	assert.Equal(t, full.Errors, s.Errors)
	assert.Equal(t, full.General, s.General)

	edited := append(bytes.Clone(document), "\n# edited\n"...)
	cases := []struct {
		name           string
		snap, document []byte
		stale          bool
	}{
		{"an edited document", snap, edited, true},
		{"not a snapshot", []byte("{}"), document, false},
		{"empty", nil, document, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := spec.LoadSnapshot(lsmock.DefaultSpecName, tc.snap, tc.document)
			require.Error(t, err)
			assert.Equal(t, tc.stale, errors.Is(err, spec.ErrStaleSnapshot), err.Error())
			assert.Contains(t, err.Error(), "snapshot of openapi.yaml")
		})
	}
}

// TestSnapshotModelsConcurrently: the document is read once, at the first model asked for,
// however many requests ask at once (run with -race).
func TestSnapshotModelsConcurrently(t *testing.T) {
	t.Parallel()
	_, s, _ := fromSnapshot(t, lsmock.DefaultSpec())
	var wg sync.WaitGroup
	for _, op := range s.Operations {
		wg.Go(func() {
			assert.NotNil(t, op.Model(), op.ID)
			if op.Body != nil {
				assert.NotNil(t, op.Body.Schema(), op.ID)
			}
		})
	}
	wg.Go(func() { assert.NotNil(t, s.Model()) })
	wg.Wait()
	assert.Same(t, s.Model(), s.Model())
	op := s.Operation("changePassword")
	assert.Empty(t, s.ResponseProblems(op, 200, map[string][]string{"Content-Type": {"application/json"}}, []byte(`"password_changed"`)))
}

// fromSnapshot loads document, writes its snapshot and reads the spec from that.
func fromSnapshot(t *testing.T, document []byte) (full, fromSnap *spec.Spec, snap []byte) {
	t.Helper()
	full, err := spec.Load(lsmock.DefaultSpecName, document)
	require.NoError(t, err)
	snap, err = full.Snapshot(document)
	require.NoError(t, err)
	fromSnap, err = spec.LoadSnapshot(lsmock.DefaultSpecName, snap, document)
	require.NoError(t, err)
	return full, fromSnap, snap
}
