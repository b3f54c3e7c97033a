package cli

import (
	"context"
	"encoding/xml"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/lsmock/lsmock/internal/contract"
)

// verify is the provider side of the contract: it sends every scenario's verify: request to
// a running server (the real API, or lsmock) and checks each answer against the spec, with
// kin-openapi, and against the scenario's expectation.
func verify(ctx context.Context, args []string, env Env) int {
	fs := flag.NewFlagSet("lsmock verify", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	target := fs.String("target", env.Getenv("LSMOCK_TARGET"), "base `URL` of the server to verify, e.g. http://127.0.0.1:8080 (env LSMOCK_TARGET)")
	specPath := fs.String("spec", env.Getenv("LSMOCK_SPEC"), "OpenAPI `file` (default: the embedded openapi.yaml) (env LSMOCK_SPEC)")
	scenariosDir := fs.String("scenarios", env.Getenv("LSMOCK_SCENARIOS"), "scenario `folder` (default as for serve) (env LSMOCK_SCENARIOS)")
	apiKey := fs.String("api-key", env.Getenv("LSMOCK_API_KEY"), "API `key` to sign with (env LSMOCK_API_KEY)")
	sharedKey := fs.String("shared-key", env.Getenv("LSMOCK_SHARED_KEY"), "its shared `key` (env LSMOCK_SHARED_KEY)")
	junitFile := fs.String("junit", "", "also write the results as JUnit XML to `file`")
	timeout := fs.Duration("timeout", 10*time.Second, "how long to wait for each answer")
	fs.Usage = func() {
		fmt.Fprint(env.Stderr, "Usage: lsmock verify --target URL [--api-key K --shared-key S]\n\nSends each scenario's verify: request to the target and checks the answer against the spec\nand the expectation. Exit 0 when every check passes, 1 on any drift.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *target == "" {
		fmt.Fprintln(env.Stderr, "lsmock verify: --target is required")
		return 2
	}
	if (*apiKey == "") != (*sharedKey == "") {
		fmt.Fprintln(env.Stderr, "lsmock verify: --api-key and --shared-key go together")
		return 2
	}
	files, err := filesOf(*specPath, *scenariosDir)
	if err != nil {
		fmt.Fprintf(env.Stderr, "lsmock verify: %v\n", err)
		return 2
	}
	s, set, err := files.Load()
	if err != nil {
		fmt.Fprintf(env.Stderr, "lsmock verify: %v\n", err)
		return 1
	}
	checker, err := newChecker(*specPath)
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: %v\n", s.Name, err)
		return 1
	}
	v := &contract.Verifier{
		Target: *target,
		Client: &http.Client{Timeout: *timeout},
		Oracle: checker,
		Keys:   contract.Keys{APIKey: *apiKey, SharedKey: *sharedKey},
	}
	results := v.Run(ctx, set)
	shown := *target // what stdout and the JUnit suite name: a password in the userinfo hidden
	if u, err := url.Parse(*target); err == nil {
		shown = u.Redacted()
	}
	if len(results) == 0 {
		fmt.Fprintln(env.Stderr, "lsmock verify: no scenario has a verify: block")
		return 1
	}
	passed, failed, skipped := 0, 0, 0
	for _, r := range results {
		switch {
		case r.Skipped != "":
			skipped++
			fmt.Fprintf(env.Stdout, "SKIP %s %s: %s\n", r.Operation, r.Scenario, r.Skipped)
		case len(r.Problems) > 0:
			failed++
			fmt.Fprintf(env.Stdout, "FAIL %s %s: %s\n", r.Operation, r.Scenario, strings.Join(r.Problems, "; "))
		default:
			passed++
			fmt.Fprintf(env.Stdout, "PASS %s %s: %d\n", r.Operation, r.Scenario, r.Status)
		}
	}
	fmt.Fprintf(env.Stdout, "%s: %d checks passed, %d failed, %d skipped\n", shown, passed, failed, skipped)
	if *junitFile != "" {
		if err := writeVerifyJUnit(*junitFile, shown, results); err != nil {
			fmt.Fprintln(env.Stderr, err)
			return 1
		}
	}
	if failed > 0 {
		return 1
	}
	return 0
}

func writeVerifyJUnit(file, target string, results []contract.Result) error {
	suite := junitSuite{Name: "verify " + target}
	for _, r := range results {
		c := junitCase{Name: r.Scenario, ClassName: r.Operation}
		switch {
		case r.Skipped != "":
			c.Skipped = &junitSkipped{Message: r.Skipped}
		case len(r.Problems) > 0:
			c.Failure = &junitFailure{Message: strings.Join(r.Problems, "; ")}
			suite.Failures++
		}
		suite.Cases = append(suite.Cases, c)
	}
	suite.Tests = len(suite.Cases)
	data, err := xml.MarshalIndent(junitSuites{Suites: []junitSuite{suite}}, "", "  ")
	if err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	if err := os.WriteFile(file, append([]byte(xml.Header), append(data, '\n')...), 0o644); err != nil {
		return fmt.Errorf("write --junit %s: %w", file, err)
	}
	return nil
}
