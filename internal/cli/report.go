package cli

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"sort"
	"strconv"

	"github.com/lsmock/lsmock/mockserver"
)

// writeReports writes the coverage report as JSON and/or JUnit XML, for CI to show.
func writeReports(rep mockserver.CoverageReport, jsonFile, junitFile string) error {
	if jsonFile != "" {
		data, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return fmt.Errorf("coverage report: %w", err)
		}
		if err := os.WriteFile(jsonFile, append(data, '\n'), 0o644); err != nil {
			return fmt.Errorf("write --report %s: %w", jsonFile, err)
		}
	}
	if junitFile != "" {
		data, err := xml.MarshalIndent(junit(rep), "", "  ")
		if err != nil {
			return fmt.Errorf("junit report: %w", err)
		}
		if err := os.WriteFile(junitFile, append([]byte(xml.Header), append(data, '\n')...), 0o644); err != nil {
			return fmt.Errorf("write --junit %s: %w", junitFile, err)
		}
	}
	return nil
}

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
}

// junit turns coverage into test cases: one per documented status, error code and
// scenario, failing when lsmock never produced it.
func junit(rep mockserver.CoverageReport) junitSuites {
	var out junitSuites
	for _, op := range rep.Operations {
		suite := junitSuite{Name: "coverage " + op.Operation}
		add := func(name string, produced bool) {
			c := junitCase{Name: name, ClassName: op.Operation}
			if !produced {
				c.Failure = &junitFailure{Message: name + " was never produced"}
				suite.Failures++
			}
			suite.Cases = append(suite.Cases, c)
		}
		never := map[string]bool{}
		for _, st := range op.NeverStatuses {
			never[strconv.Itoa(st)] = true
			add("status "+strconv.Itoa(st), false)
		}
		produced := make([]string, 0, len(op.Statuses))
		for st := range op.Statuses {
			if !never[st] {
				produced = append(produced, st)
			}
		}
		sort.Strings(produced)
		for _, st := range produced {
			add("status "+st, true)
		}
		for _, c := range op.NeverCodes {
			add("code "+c, false)
		}
		codes := make([]string, 0, len(op.Codes))
		for c := range op.Codes {
			codes = append(codes, c)
		}
		sort.Strings(codes)
		for _, c := range codes {
			add("code "+c, true)
		}
		suite.Tests = len(suite.Cases)
		out.Suites = append(out.Suites, suite)
	}
	if rep.Proxy != "" {
		drift := junitSuite{Name: "contract drift " + rep.Proxy}
		for _, d := range rep.Drift {
			drift.Cases = append(drift.Cases, junitCase{Name: d.Problem, ClassName: d.Operation,
				Failure: &junitFailure{Message: fmt.Sprintf("%s (%d times)", d.Problem, d.Count)}})
		}
		if len(drift.Cases) == 0 {
			drift.Cases = append(drift.Cases, junitCase{Name: "every exchange honoured the contract", ClassName: "proxy"})
		}
		drift.Tests, drift.Failures = len(drift.Cases), len(rep.Drift)
		out.Suites = append(out.Suites, drift)
	}
	general := junitSuite{Name: "coverage general errors"}
	for code := range rep.General.Codes {
		general.Cases = append(general.Cases, junitCase{Name: "code " + code, ClassName: "general"})
	}
	for _, code := range rep.General.NeverCodes {
		general.Cases = append(general.Cases, junitCase{Name: "code " + code, ClassName: "general",
			Failure: &junitFailure{Message: "code " + code + " was never produced"}})
		general.Failures++
	}
	sort.Slice(general.Cases, func(i, j int) bool { return general.Cases[i].Name < general.Cases[j].Name })
	general.Tests = len(general.Cases)
	out.Suites = append(out.Suites, general)
	scen := junitSuite{Name: "coverage scenarios"}
	for name := range rep.Scenarios.Hit {
		scen.Cases = append(scen.Cases, junitCase{Name: name, ClassName: "scenarios"})
	}
	for _, name := range rep.Scenarios.Never {
		scen.Cases = append(scen.Cases, junitCase{Name: name, ClassName: "scenarios", Failure: &junitFailure{Message: "scenario " + name + " never answered"}})
		scen.Failures++
	}
	sort.Slice(scen.Cases, func(i, j int) bool { return scen.Cases[i].Name < scen.Cases[j].Name })
	scen.Tests = len(scen.Cases)
	out.Suites = append(out.Suites, scen)
	return out
}
