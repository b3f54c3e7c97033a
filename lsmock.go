// Package lsmock is a mock and contract-test server for the LicenseSpring License API.
//
// This root package holds the embedded defaults, so that the lsmock binary runs with no
// files beside it: the spec (openapi.yaml) and the shipped scenarios (scenarios/).
// The server itself is in package mockserver; the command is cmd/lsmock.
package lsmock

import (
	"bytes"
	"embed"
	"io/fs"
)

// DefaultSpecName names the embedded spec in messages.
const DefaultSpecName = "openapi.yaml"

//go:embed openapi.yaml
var defaultSpec []byte

//go:embed scenarios
var defaultScenarios embed.FS

// DefaultSpec returns a copy of the embedded openapi.yaml.
func DefaultSpec() []byte { return bytes.Clone(defaultSpec) }

// DefaultScenarios returns the embedded scenarios/ folder, rooted at the folder itself.
func DefaultScenarios() fs.FS {
	sub, err := fs.Sub(defaultScenarios, "scenarios")
	if err != nil {
		panic("lsmock: embedded scenarios folder missing: " + err.Error()) // a build defect, not input
	}
	return sub
}
