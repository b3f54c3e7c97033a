package cli

import (
	"context"
	"encoding/xml"
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
	var o verifyOptions
	if code, ok := verifyFlags(env, &o).parse(args); !ok {
		return code
	}
	if o.target == "" {
		fmt.Fprintln(env.Stderr, "lsmock verify: --target is required")
		return 2
	}
	if _, err := parseTarget(o.target); err != nil {
		fmt.Fprintf(env.Stderr, "lsmock verify: %v\n", err)
		return 2
	}
	if err := o.keyFlags.paired(); err != nil {
		fmt.Fprintf(env.Stderr, "lsmock verify: %v\n", err)
		return 2
	}
	files, err := o.fileFlags.files()
	if err != nil {
		fmt.Fprintf(env.Stderr, "lsmock verify: %v\n", err)
		return 2
	}
	s, set, err := files.Load()
	if err != nil {
		fmt.Fprintf(env.Stderr, "lsmock verify: %v\n", err)
		return 1
	}
	oracle, err := newOracle(o.spec)
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: %v\n", s.Name, err)
		return 1
	}
	v := &contract.Verifier{
		Target: o.target,
		Client: &http.Client{Timeout: o.timeout},
		Oracle: oracle,
		Keys:   contract.Keys{APIKey: o.apiKey, SharedKey: o.sharedKey},
	}
	return reportResults(v.Run(ctx, set), o, env)
}

// verifyOptions are lsmock verify's flags.
type verifyOptions struct {
	fileFlags
	keyFlags
	target, junitFile string
	timeout           time.Duration
}

// verifyFlags declares lsmock verify's flags into o.
func verifyFlags(env Env, o *verifyOptions) *flagSet {
	f := newFlagSet("lsmock verify", env, "Usage: lsmock verify --target URL [--api-key K --shared-key S]\n\nSends each scenario's verify: request to the target and checks the answer against the spec\nand the expectation. Exit 0 when every check passes, 1 on any drift.\n\nFlags:\n")
	f.secret(&o.target, "target", "base `URL` of the server to verify, e.g. http://127.0.0.1:8080")
	f.specAndScenarios(&o.fileFlags)
	f.keys(&o.keyFlags, "to sign with")
	f.fs.StringVar(&o.junitFile, "junit", "", "also write the results as JUnit XML to `file`")
	f.fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "how long to wait for each answer")
	return f
}

// reportResults prints a line per check and the totals, and writes --junit; the exit code is 1
// when a check failed.
func reportResults(results []contract.Result, o verifyOptions, env Env) int {
	shown := o.target // what stdout and the JUnit suite name: a password in the userinfo hidden
	if u, err := url.Parse(o.target); err == nil {
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
	if o.junitFile != "" {
		if err := writeVerifyJUnit(o.junitFile, shown, results); err != nil {
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
