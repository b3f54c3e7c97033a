package mockserver

import (
	"slices"
	"strconv"
)

// CoverageReport is what each operation produced and never produced.
type CoverageReport struct {
	Operations []OperationCoverage `json:"operations"`
	Scenarios  ScenarioCoverage    `json:"scenarios"`
}

// OperationCoverage compares the documented responses of one operation with the answers.
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
	rep := CoverageReport{Scenarios: ScenarioCoverage{Hit: map[string]int{}, Never: []string{}}}
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
		for c, n := range codes[op.ID] {
			oc.Codes[c] = n
		}
		documented := make([]string, 0, len(op.Errors))
		for c := range op.Errors {
			documented = append(documented, c)
		}
		slices.Sort(documented)
		for _, c := range documented {
			if codes[op.ID][c] == 0 {
				oc.NeverCodes = append(oc.NeverCodes, c)
			}
		}
		slices.Sort(oc.UndocumentedSent)
		rep.Operations = append(rep.Operations, oc)
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
