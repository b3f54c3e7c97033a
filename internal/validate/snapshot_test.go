package validate_test

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock"
	"github.com/lsmock/lsmock/internal/spec"
	"github.com/lsmock/lsmock/internal/validate"
)

// TestSnapshotRefusesAsTheDocument: a spec read from its snapshot compiles each body schema
// from the rendering the snapshot carries, without the document; every refusal it words is
// the one the spec read from the document words.
func TestSnapshotRefusesAsTheDocument(t *testing.T) {
	t.Parallel()
	document := lsmock.DefaultSpec()
	full, fromDoc := load(t, "")
	snap, err := full.Snapshot(document)
	require.NoError(t, err)
	s, err := spec.LoadSnapshot(lsmock.DefaultSpecName, snap, document)
	require.NoError(t, err)
	fromSnap := validate.NewDeferred(s)
	refused := 0
	for i, op := range s.Operations {
		if op.Body == nil {
			continue
		}
		assert.NotEmpty(t, op.Body.Rendered, "%s: the snapshot carries its schema rendered", op.ID)
		docOp := full.Operations[i]
		for _, body := range wrongBodies(op) {
			wire := body
			if op.Body.Encoding == "base64" {
				wire = base64.StdEncoding.EncodeToString([]byte(body))
			}
			r := httptest.NewRequest(op.Method, op.Path, strings.NewReader(wire))
			_, want := fromDoc.AdmitBody(docOp, r, r.URL.Query(), []byte(wire))
			_, got := fromSnap.AdmitBody(op, r, r.URL.Query(), []byte(wire))
			assert.Equal(t, want, got, "%s: %s", op.ID, body)
			if want != nil {
				refused++
			}
		}
	}
	assert.Greater(t, refused, 50, "the bodies are refused, so the schemas were compiled and asked")
}

// wrongBodies are an operation's example body with each property of the wrong type, one
// more property, and no object at all.
func wrongBodies(op *spec.Operation) []string {
	base := map[string]any{}
	_ = json.Unmarshal(op.Body.Example, &base)
	for _, f := range op.Body.RequiredFields {
		if _, ok := base[f]; !ok {
			base[f] = "x"
		}
	}
	var out []string
	add := func(m map[string]any) {
		b, _ := json.Marshal(m)
		out = append(out, string(b))
	}
	for _, p := range op.Body.Properties {
		m := maps.Clone(base)
		if _, isString := m[p.Name].(string); isString {
			m[p.Name] = 5
		} else {
			m[p.Name] = "not of its type"
		}
		add(m)
		m[p.Name] = []any{true, map[string]any{}}
		add(m)
	}
	m := maps.Clone(base)
	m["lsmock_unknown_field"] = 1
	add(m)
	return append(out, `[]`, `"text"`, `{}`)
}
