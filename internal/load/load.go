// Package load reads what lsmock serves: a spec and the scenario files that script it, from
// disk, from memory, or from the defaults embedded in the binary. Serving, reloading, lint
// and verify all load through it, so they agree on what a set of files means.
package load

import (
	_ "embed"
	"fmt"
	"io/fs"
	"testing/fstest"

	"github.com/lsmock/lsmock"
	"github.com/lsmock/lsmock/internal/contract"
	"github.com/lsmock/lsmock/internal/scenario"
	"github.com/lsmock/lsmock/internal/spec"
)

// Files says where a spec and its scenarios come from. The zero value is lsmock's embedded
// openapi.yaml and scenarios/.
type Files struct {
	// SpecPath is an OpenAPI file; its relative $refs resolve from its folder. Reloads read
	// it again.
	SpecPath string
	// SpecYAML is an OpenAPI document in memory, used when SpecPath is empty; SpecName names
	// it in messages. Both empty: the embedded openapi.yaml.
	SpecYAML []byte
	SpecName string
	// Scenarios holds the scenario files (.yaml and .yml, read recursively); ScenariosName
	// names the folder in messages. Nil means the embedded scenarios/ with the embedded spec,
	// and no scenarios with any other.
	Scenarios     fs.FS
	ScenariosName string
}

// Embedded reports whether f serves the embedded spec.
func (f Files) Embedded() bool { return f.SpecPath == "" && f.SpecYAML == nil }

// Spec loads the spec alone.
func (f Files) Spec() (*spec.Spec, error) {
	switch {
	case f.SpecPath != "":
		return spec.LoadFile(f.SpecPath)
	case f.SpecYAML != nil:
		return spec.Load(f.specName(), f.SpecYAML)
	default:
		return embeddedSpec()
	}
}

// embeddedSnapshot is the embedded openapi.yaml as lsmock serves it, written down at build
// time (TestEmbeddedSnapshot; `go generate ./internal/load` writes it again).
//
//go:generate go test -run TestEmbeddedSnapshot -update .
//go:embed openapi.snapshot
var embeddedSnapshot []byte

// embeddedSpec reads the embedded spec from its snapshot: ~1 ms where reading the document
// takes ~25 ms of lsmock's start. A snapshot older than openapi.yaml is not used; the
// document is then loaded, trusted as the tests check it (no meta-schema check, ~10 ms).
func embeddedSpec() (*spec.Spec, error) {
	document := lsmock.DefaultSpec()
	s, err := spec.LoadSnapshot(lsmock.DefaultSpecName, embeddedSnapshot, document)
	if err == nil {
		return s, nil
	}
	return spec.LoadTrusted(lsmock.DefaultSpecName, document)
}

// Oracle loads the spec with kin-openapi: the contract's oracle, a reading of the spec
// independent of the validator's, which holds answers to it (the proxy's, lint's and verify's).
func (f Files) Oracle() (*contract.Oracle, error) {
	switch {
	case f.SpecPath != "":
		return contract.NewOracle(nil, f.SpecPath)
	case f.SpecYAML != nil:
		return contract.NewOracle(f.SpecYAML, "")
	}
	return contract.NewOracle(lsmock.DefaultSpec(), "")
}

// Load loads the spec and the scenarios against it; an error says which of the two failed
// and lists every problem as file:line:col.
func (f Files) Load() (*spec.Spec, *scenario.Set, error) {
	s, err := f.Spec()
	if err != nil {
		return nil, nil, fmt.Errorf("load spec:\n%w", err)
	}
	set, err := f.scenarios(s)
	if err != nil {
		return nil, nil, fmt.Errorf("load scenarios:\n%w", err)
	}
	return s, set, nil
}

func (f Files) scenarios(s *spec.Spec) (*scenario.Set, error) {
	fsys, name := f.Scenarios, f.ScenariosName
	if fsys == nil {
		if !f.Embedded() {
			return scenario.Load(fstest.MapFS{}, "", s) // none, but the spec's own scenarios
		}
		// Checked by the tests (TestShippedScenarios): not checking each response against
		// the spec's schemas again halves lsmock's start-up.
		return scenario.LoadTrusted(lsmock.DefaultScenarios(), "scenarios", s)
	}
	return scenario.Load(fsys, name, s)
}

// SpecLabel names the spec for logs: its path, or what it is.
func (f Files) SpecLabel() string {
	switch {
	case f.SpecPath != "":
		return f.SpecPath
	case f.SpecYAML != nil:
		return f.specName()
	}
	return lsmock.DefaultSpecName + " (embedded)"
}

// ScenariosLabel names where the scenarios come from, for logs.
func (f Files) ScenariosLabel() string {
	switch {
	case f.Scenarios != nil:
		return f.ScenariosName
	case f.Embedded():
		return "scenarios/ (embedded)"
	}
	return "none"
}

func (f Files) specName() string {
	if f.SpecName != "" {
		return f.SpecName
	}
	return "spec"
}
