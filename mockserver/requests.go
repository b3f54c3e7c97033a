package mockserver

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/lsmock/lsmock/internal/journal"
	"github.com/lsmock/lsmock/internal/session"
)

func requestFilter(r *http.Request) (journal.Filter, error) {
	q := r.URL.Query()
	f := journal.Filter{Sessions: session.Names(session.Typed(q.Get("session"))), Scenario: q.Get("scenario"), Operation: q.Get("operation"), Code: q.Get("code")}
	for _, p := range []struct {
		name string
		dst  *int
	}{{"status", &f.Status}, {"limit", &f.Limit}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return f, fmt.Errorf("%s=%q is not a whole number", p.name, v)
			}
			*p.dst = n
		}
	}
	return f, nil
}

// assertion is POST /__lsmock/requests/assert: which requests, and how many are expected.
type assertion struct {
	Scenario  string `json:"scenario"`
	Session   string `json:"session"`
	Operation string `json:"operation"`
	Status    int    `json:"status"`
	Code      string `json:"code"`
	Count     *int   `json:"count"`    // exactly
	AtLeast   *int   `json:"at_least"` // or at least
}

// assertRequests answers 200 when the expected number of matching requests was seen (since
// the requests were last cleared), and 409 with what was seen instead. It counts every
// request, not the journal's ring, which drops the oldest.
func (s *Server) assertRequests(c *compiled, w http.ResponseWriter, r *http.Request) outcome {
	var req assertion
	const usage = `send JSON such as {"scenario": "internal_error", "count": 1}`
	err := readAdminJSON(r.Body, maxAdminJSON, &req)
	switch {
	case isTooLarge(err):
		return adminBodyError(err, usage).write(w, "")
	case err != nil:
		err = fmt.Errorf("%s: %w", usage, err)
	case (req.Count == nil) == (req.AtLeast == nil):
		err = errors.New(`give one of "count" (exactly) and "at_least"`)
	case req.Scenario != "" && !c.scenarios.Exists(req.Scenario):
		err = fmt.Errorf("no scenario named %s", req.Scenario)
	case req.Operation != "" && !countedOperation(c, req.Operation):
		err = fmt.Errorf("no operation named %s; requests are counted by operationId (GET %sscenarios lists them), %s or %s", req.Operation, AdminPrefix, TokenOperation, SSOOperation)
	case req.Count != nil && *req.Count < 0:
		err = errors.New("count must not be negative")
	case req.AtLeast != nil && *req.AtLeast < 0:
		err = errors.New("at_least must not be negative")
	}
	if err != nil {
		return newAPIError(http.StatusBadRequest, "invalid_json", "lsmock: "+err.Error()).write(w, "")
	}
	f := journal.Filter{Sessions: session.Names(session.Typed(req.Session)), Scenario: req.Scenario, Operation: req.Operation, Status: req.Status, Code: req.Code}
	seen, err := s.counts.Count(f)
	if err != nil {
		return newAPIError(http.StatusConflict, "counts_incomplete", "lsmock: "+err.Error()).write(w, "")
	}
	var ok bool
	var want string
	if req.Count != nil {
		ok, want = seen == *req.Count, fmt.Sprintf("exactly %d", *req.Count)
	} else {
		ok, want = seen >= *req.AtLeast, fmt.Sprintf("at least %d", *req.AtLeast)
	}
	if ok {
		return writeJSON(w, http.StatusOK, map[string]any{"ok": true, "count": seen})
	}
	// What was seen instead: the latest requests of the same session or operation that the
	// journal still holds.
	nearby := s.journal.List(journal.Filter{Sessions: f.Sessions, Operation: req.Operation, Limit: 10})
	return writeJSON(w, http.StatusConflict, map[string]any{
		"status":  http.StatusConflict,
		"code":    "assertion_failed",
		"message": fmt.Sprintf("lsmock: expected %s request(s) %s, saw %d", want, describe(req, s.counts.Named(f.Sessions)), seen),
		"seen":    nearby,
	})
}

// countedOperation reports whether requests can be counted under name: an operationId of
// the spec, or the token endpoint's or single sign-on's own name. A typo would otherwise
// make "count": 0 hold whatever was sent.
func countedOperation(c *compiled, name string) bool {
	if name == TokenOperation || name == SSOOperation {
		return true
	}
	for _, op := range c.spec.Operations {
		if op.ID == name {
			return true
		}
	}
	return false
}

// describe says which requests an assertion counted; the session appears by the name
// requests were counted under (sessionName), not as a credential the user may have typed.
func describe(f assertion, sessionName string) string {
	var parts []string
	for _, p := range [][2]string{{"scenario", f.Scenario}, {"session", sessionName}, {"operation", f.Operation}, {"code", f.Code}} {
		if p[1] != "" {
			parts = append(parts, p[0]+"="+p[1])
		}
	}
	if f.Status != 0 {
		parts = append(parts, "status="+strconv.Itoa(f.Status))
	}
	if len(parts) == 0 {
		return "in all"
	}
	return "with " + strings.Join(parts, ", ")
}
