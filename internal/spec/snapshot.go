package spec

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"sync"

	"github.com/pb33f/libopenapi-validator/config"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi/datamodel/high/base"
)

// A snapshot is a loaded spec written down (encoding/gob): everything the request path needs,
// without the document's model. Reading one takes ~1 ms where reading the document takes ~25
// ms of lsmock's start; the model (for a general validation, lint, verify) is read from the
// document at its first use. It is made for the embedded openapi.yaml at build time. gob,
// not JSON: four times faster to read. Its maps are written in no set order, so compare two
// snapshots with SameSnapshot, not byte by byte.
type snapshot struct {
	// Document is the SHA-256 of the document it was made from: a snapshot of other bytes is
	// refused, so an edited openapi.yaml is never served from an old snapshot.
	Document   string
	Version    float32
	Operations []snapshotOperation
	Errors     map[string]ErrorExample
	General    map[string]ErrorExample
}

type snapshotOperation struct {
	*Operation
	Line int
}

// ErrStaleSnapshot says a snapshot was not made from the document given with it.
var ErrStaleSnapshot = errors.New("the snapshot was made from another version of the document")

// Snapshot writes s down; document is the bytes s was loaded from.
func (s *Spec) Snapshot(document []byte) ([]byte, error) {
	snap := snapshot{Document: digest(document), Version: s.Version, Errors: s.Errors, General: s.General}
	for _, op := range s.Operations {
		written := *op
		if op.Body != nil {
			body := *op.Body
			body.Rendered = s.rendered(op.Body.Schema())
			written.Body = &body
		}
		snap.Operations = append(snap.Operations, snapshotOperation{Operation: &written, Line: op.line})
	}
	var out bytes.Buffer
	if err := gob.NewEncoder(&out).Encode(snap); err != nil {
		return nil, fmt.Errorf("snapshot of %s: %w", s.Name, err)
	}
	return out.Bytes(), nil
}

// LoadSnapshot reads a spec from its snapshot, for a document already known to load (it is
// read only when a model is asked for; see LoadTrusted). It fails with ErrStaleSnapshot when
// the snapshot was not made from document.
func LoadSnapshot(name string, snap, document []byte) (*Spec, error) {
	in, err := decodeSnapshot(snap)
	if err != nil {
		return nil, fmt.Errorf("snapshot of %s: %w", name, err)
	}
	if in.Document != digest(document) {
		return nil, fmt.Errorf("snapshot of %s: %w", name, ErrStaleSnapshot)
	}
	s := &Spec{Name: name, Version: in.Version, Errors: in.Errors, General: in.General}
	s.attach = sync.OnceFunc(func() {
		s.modelRead.Store(true)
		s.attachDocument(document)
	})
	for _, o := range in.Operations {
		op := o.Operation
		op.line, op.attach = o.Line, s.attach
		if op.Body != nil {
			op.Body.attach = s.attach
		}
		s.Operations = append(s.Operations, op)
	}
	s.router = newRouter(s.Operations)
	return s, nil
}

// rendered is what libopenapi-validator compiles schema from, when the schema has no
// reference left to resolve: then it compiles those bytes alone (its single-schema path), so
// compiling them later is compiling the schema. Nil for a schema with references.
func (s *Spec) rendered(schema *base.Schema) []byte {
	if schema == nil || schema.GoLow() == nil {
		return nil
	}
	if own, err := schema.Render(); err != nil || bytes.Contains(own, []byte("$ref")) {
		return nil
	}
	compiled, err := schema_validation.CompileSchemaForValidation(schema,
		schema_validation.SchemaValidationPurposeRequestBody, config.NewValidationOptions(), s.Version)
	if err != nil || compiled == nil {
		return nil
	}
	return compiled.RenderedJSON
}

func decodeSnapshot(data []byte) (snapshot, error) {
	var s snapshot
	err := gob.NewDecoder(bytes.NewReader(data)).Decode(&s)
	return s, err
}

// SameSnapshot reports whether two snapshots hold the same spec.
func SameSnapshot(a, b []byte) bool {
	x, errA := decodeSnapshot(a)
	y, errB := decodeSnapshot(b)
	return errA == nil && errB == nil && reflect.DeepEqual(x, y)
}

// attachDocument gives a spec read from its snapshot the models of its document. The
// document is the one the snapshot was made from, which loaded then: a failure here is a
// defect of the build, not of anyone's input.
func (s *Spec) attachDocument(document []byte) {
	full, err := load(s.Name, document, "", false)
	if err == nil && len(full.Operations) != len(s.Operations) {
		err = fmt.Errorf("%d operations, the snapshot has %d", len(full.Operations), len(s.Operations))
	}
	if err != nil {
		panic(fmt.Sprintf("lsmock: %s no longer loads as its snapshot did: %v", s.Name, err))
	}
	s.model, s.responses = full.model, full.responses
	for i, op := range s.Operations {
		from := full.Operations[i]
		op.model, op.pathItem = from.model, from.pathItem
		if op.Body != nil && from.Body != nil {
			op.Body.schema = from.Body.schema
		}
	}
}

func digest(document []byte) string {
	sum := sha256.Sum256(document)
	return hex.EncodeToString(sum[:])
}
