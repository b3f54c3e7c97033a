package scenario_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/lsmock/lsmock/internal/scenario"
)

// FuzzLoad: any scenario file loads or is refused with an error that names the file; the
// loader never panics. Seeds: the shipped scenarios and every golden case.
func FuzzLoad(f *testing.F) {
	s := defaultSpec(f)
	seeds, _ := filepath.Glob("testdata/load/*/*.yaml")
	shipped, _ := filepath.Glob("../../scenarios/*.yaml")
	seeds = append(seeds, shipped...)
	for _, p := range seeds {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("scenarios: [{name: a, operation: changePassword, response: {delay: {min: 2s, max: 1s}}}]"))
	f.Add([]byte("users: [{username: a, password: b}]\nscenarios: []"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := scenario.Load(fstest.MapFS{"fuzz.yaml": {Data: data}}, "scenarios", s)
		if err != nil && !strings.Contains(err.Error(), "fuzz.yaml") {
			t.Fatalf("the error does not name the file: %v", err)
		}
	})
}
