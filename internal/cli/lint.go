package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/lsmock/lsmock"
)

// lint checks a spec and its scenario files without serving: the spec must load in both
// libopenapi (what lsmock serves with) and kin-openapi (what the contract tests check
// with), and every scenario file must load against it. It also lists documented error
// codes that no scenario can produce, so QA knows what cannot yet be triggered.
func lint(args []string, env Env) int {
	fs := flag.NewFlagSet("lsmock lint", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	specPath := fs.String("spec", env.Getenv("LSMOCK_SPEC"), "OpenAPI `file` (default: the embedded openapi.yaml) (env LSMOCK_SPEC)")
	scenariosDir := fs.String("scenarios", env.Getenv("LSMOCK_SCENARIOS"), "scenario `folder` (default as for serve) (env LSMOCK_SCENARIOS)")
	fs.Usage = func() {
		fmt.Fprint(env.Stderr, "Usage: lsmock lint [--spec FILE] [--scenarios DIR]\n\nChecks a spec and its scenarios; exit 0 when both load, 1 otherwise.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	s, err := loadSpec(*specPath)
	if err != nil {
		fmt.Fprintln(env.Stderr, err)
		return 1
	}
	if err := kinLoads(*specPath); err != nil {
		fmt.Fprintf(env.Stderr, "%s: kin-openapi cannot use the document: %v\n", s.Name, err)
		return 1
	}
	dir := *scenariosDir
	if dir == "" && *specPath != "" {
		dir = besideSpec(*specPath)
	}
	set, err := loadScenarios(dir, *specPath != "", s)
	if err != nil {
		fmt.Fprintln(env.Stderr, err)
		return 1
	}
	fmt.Fprintf(env.Stdout, "ok: %s (%d operations), %s (%d scenarios)\n", s.Name, len(s.Operations),
		scenariosSource(dir, *specPath), len(set.Scenarios))
	scripted := map[string]bool{}
	for _, sc := range set.Scenarios {
		for _, st := range sc.Steps {
			if st.Code != "" {
				scripted[sc.Operation.ID+" "+st.Code] = true
			}
		}
	}
	for _, op := range s.Operations {
		var missing []string
		for code := range op.Errors {
			if !scripted[op.ID+" "+code] {
				missing = append(missing, code)
			}
		}
		if len(missing) > 0 {
			sort.Strings(missing)
			fmt.Fprintf(env.Stdout, "note: %s documents error codes no scenario produces: %s\n", op.ID, strings.Join(missing, ", "))
		}
	}
	return 0
}

// kinLoads loads and validates the document with kin-openapi.
func kinLoads(specPath string) error {
	loader := openapi3.NewLoader()
	var doc *openapi3.T
	var err error
	if specPath != "" {
		loader.IsExternalRefsAllowed = true
		doc, err = loader.LoadFromFile(specPath)
	} else {
		doc, err = loader.LoadFromData(lsmock.DefaultSpec())
	}
	if err != nil {
		return err
	}
	return doc.Validate(context.Background())
}
