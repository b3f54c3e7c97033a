package cli

import (
	"fmt"

	"github.com/lsmock/lsmock/internal/contract"
	"github.com/lsmock/lsmock/internal/load"
)

// lint checks a spec and its scenario files without serving: the spec must load in both
// libopenapi (what lsmock serves with) and kin-openapi (what the contract tests check
// with), and every scenario file must load against it. It says, per operation, how many
// scenarios answer it by name.
func lint(args []string, env Env) int {
	var ff fileFlags
	if code, ok := lintFlags(env, &ff).parse(args); !ok {
		return code
	}
	files, err := ff.files()
	if err != nil {
		fmt.Fprintf(env.Stderr, "lsmock lint: %v\n", err)
		return 2
	}
	s, err := files.Spec()
	if err != nil {
		fmt.Fprintf(env.Stderr, "lsmock lint: %v\n", err)
		return 1
	}
	if _, err := newOracle(ff.spec); err != nil {
		fmt.Fprintf(env.Stderr, "lsmock lint: %s: %v\n", s.Name, err)
		return 1
	}
	s, set, err := files.Load()
	if err != nil {
		fmt.Fprintf(env.Stderr, "lsmock lint: %v\n", err)
		return 1
	}
	fmt.Fprintf(env.Stdout, "ok: %s (%d operations), %s (%d scenarios)\n", s.Name, len(s.Operations), files.ScenariosLabel(), set.Declared())
	if c := set.Catalog; c != nil && len(c.Products)+len(c.Licenses)+len(c.Users) > 0 {
		fmt.Fprintf(env.Stdout, "catalog: %s, %s, %s", count(len(c.Products), "product"), count(len(c.Licenses), "license"), count(len(c.Users), "user"))
		if len(c.Bundles) > 0 {
			fmt.Fprintf(env.Stdout, ", %s", count(len(c.Bundles), "bundle"))
		}
		fmt.Fprintln(env.Stdout)
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

// count is n things, in the singular for one.
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// lintFlags declares lsmock lint's flags into ff.
func lintFlags(env Env, ff *fileFlags) *flagSet {
	f := newFlagSet("lsmock lint", env, "Usage: lsmock lint [--spec FILE] [--scenarios DIR]\n\nChecks a spec and its scenarios; exit 0 when both load, 1 otherwise.\n\nFlags:\n")
	f.specAndScenarios(ff)
	return f
}

// newOracle loads, validates and routes the spec with kin-openapi, the contract's oracle.
func newOracle(specPath string) (*contract.Oracle, error) {
	return load.Files{SpecPath: specPath}.Oracle()
}
