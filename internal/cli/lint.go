package cli

import (
	"flag"
	"fmt"

	"github.com/lsmock/lsmock"
	"github.com/lsmock/lsmock/internal/contract"
)

// lint checks a spec and its scenario files without serving: the spec must load in both
// libopenapi (what lsmock serves with) and kin-openapi (what the contract tests check
// with), and every scenario file must load against it. It says, per operation, how many
// scenarios answer it by name.
func lint(args []string, env Env) int {
	fs := flag.NewFlagSet("lsmock lint", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	specPath := fs.String("spec", env.Getenv("LSMOCK_SPEC"), "OpenAPI `file` (default: the embedded openapi.yaml) (env LSMOCK_SPEC)")
	scenariosDir := fs.String("scenarios", env.Getenv("LSMOCK_SCENARIOS"), "scenario `folder` (default as for serve) (env LSMOCK_SCENARIOS)")
	fs.Usage = func() {
		fmt.Fprint(env.Stderr, "Usage: lsmock lint [--spec FILE] [--scenarios DIR]\n\nChecks a spec and its scenarios; exit 0 when both load, 1 otherwise.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	files, err := filesOf(*specPath, *scenariosDir)
	if err != nil {
		fmt.Fprintf(env.Stderr, "lsmock lint: %v\n", err)
		return 2
	}
	s, err := files.Spec()
	if err != nil {
		fmt.Fprintln(env.Stderr, err)
		return 1
	}
	if _, err := newChecker(*specPath); err != nil {
		fmt.Fprintf(env.Stderr, "%s: %v\n", s.Name, err)
		return 1
	}
	s, set, err := files.Load()
	if err != nil {
		fmt.Fprintln(env.Stderr, err)
		return 1
	}
	fmt.Fprintf(env.Stdout, "ok: %s (%d operations), %s (%d scenarios)\n", s.Name, len(s.Operations), files.ScenariosLabel(), set.Declared())
	if c := set.Catalog; c != nil && len(c.Products)+len(c.Licenses)+len(c.Users) > 0 {
		fmt.Fprintf(env.Stdout, "catalog: %d products, %d licenses, %d users\n", len(c.Products), len(c.Licenses), len(c.Users))
	}
	for _, op := range s.Operations {
		declared, implied := 0, 0
		for _, sc := range set.Scenarios {
			switch {
			case sc.Operation != op:
			case sc.Implied:
				implied++
			default:
				declared++
			}
		}
		fmt.Fprintf(env.Stdout, "%s: %d scenarios from files, %d more for its documented error codes\n", op.ID, declared, implied)
	}
	return 0
}

// newChecker loads, validates and routes the spec with kin-openapi, the contract's oracle.
func newChecker(specPath string) (*contract.Oracle, error) {
	var raw []byte
	if specPath == "" {
		raw = lsmock.DefaultSpec()
	}
	return contract.NewOracle(raw, specPath)
}
