package mockserver

import (
	"slices"
	"strconv"
	"strings"
)

// CoverageReport is what each operation produced and never produced.
type CoverageReport struct {
	Operations []OperationCoverage `json:"operations"`
	// General is the general error codes (the spec's components.responses), which every
	// operation can answer: counted once, across operations.
	General   GeneralCoverage  `json:"general"`
	Scenarios ScenarioCoverage `json:"scenarios"`
	// Proxy is the target of lsmock proxy ("" when lsmock answers itself), and Drift how the
	// exchanges through it broke the contract.
	Proxy string        `json:"proxy,omitempty"`
	Drift []DriftReport `json:"drift,omitempty"`
}

// DriftReport is one way the target's exchanges broke the contract, and how often.
type DriftReport struct {
	Operation string `json:"operation"`
	Problem   string `json:"problem"`
	Count     int    `json:"count"`
}

// GeneralCoverage is which general error codes any operation produced, and which none did.
type GeneralCoverage struct {
	Codes      map[string]int `json:"codes"`
	NeverCodes []string       `json:"never_codes"`
}

// OperationCoverage compares the documented responses of one operation with the answers;
// its codes are the operation's own (the general ones are in CoverageReport.General).
type OperationCoverage struct {
	Operation        string         `json:"operation"`
	Method           string         `json:"method"`
	Path             string         `json:"path"`
	Statuses         map[string]int `json:"statuses"`
	NeverStatuses    []int          `json:"never_statuses"`
	Codes            map[string]int `json:"codes"`
	NeverCodes       []string       `json:"never_codes"`
	UndocumentedSent []string       `json:"undocumented,omitempty"`
}

// ScenarioCoverage says which scenarios answered and which never did.
type ScenarioCoverage struct {
	Hit   map[string]int `json:"hit"`
	Never []string       `json:"never"`
}

// Coverage reports, per operation, which documented statuses and error codes lsmock has
// produced and which never, and which scenarios were hit.
func (s *Server) Coverage() CoverageReport {
	statuses, codes, hits := s.coverage.Snapshot()
	c := s.cur.Load()
	rep := CoverageReport{Scenarios: ScenarioCoverage{Hit: map[string]int{}, Never: []string{}},
		General: GeneralCoverage{Codes: map[string]int{}, NeverCodes: []string{}}}
	for _, op := range c.spec.Operations {
		oc := OperationCoverage{Operation: op.ID, Method: op.Method, Path: op.Path,
			Statuses: map[string]int{}, Codes: map[string]int{}, NeverStatuses: []int{}, NeverCodes: []string{}}
		for st, n := range statuses[op.ID] {
			oc.Statuses[strconv.Itoa(st)] = n
			if !slices.Contains(op.Statuses, st) {
				oc.UndocumentedSent = append(oc.UndocumentedSent, strconv.Itoa(st))
			}
		}
		for _, st := range op.Statuses {
			if statuses[op.ID][st] == 0 {
				oc.NeverStatuses = append(oc.NeverStatuses, st)
			}
		}
		for code, n := range codes[op.ID] {
			if _, general := c.spec.General[code]; general {
				rep.General.Codes[code] += n
				continue
			}
			oc.Codes[code] = n
		}
		documented := make([]string, 0, len(op.Errors))
		for code := range op.Errors {
			if _, general := c.spec.General[code]; !general {
				documented = append(documented, code)
			}
		}
		slices.Sort(documented)
		for _, code := range documented {
			if codes[op.ID][code] == 0 {
				oc.NeverCodes = append(oc.NeverCodes, code)
			}
		}
		slices.Sort(oc.UndocumentedSent)
		rep.Operations = append(rep.Operations, oc)
	}
	for code := range c.spec.General {
		if rep.General.Codes[code] == 0 {
			rep.General.NeverCodes = append(rep.General.NeverCodes, code)
		}
	}
	slices.Sort(rep.General.NeverCodes)
	if s.proxy != nil {
		rep.Proxy = s.proxy.shown
		for d, n := range s.coverage.DriftSnapshot() {
			rep.Drift = append(rep.Drift, DriftReport{Operation: d.Operation, Problem: d.Problem, Count: n})
		}
		slices.SortFunc(rep.Drift, func(a, b DriftReport) int {
			return strings.Compare(a.Operation+"\x00"+a.Problem, b.Operation+"\x00"+b.Problem)
		})
	}
	for _, sc := range c.scenarios.Scenarios {
		if n := hits[sc.Ref()]; n > 0 {
			rep.Scenarios.Hit[sc.Ref()] = n
		} else if !sc.Implied { // a documented error never produced shows in never_codes
			rep.Scenarios.Never = append(rep.Scenarios.Never, sc.Ref())
		}
	}
	return rep
}
