package mockserver

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/lsmock/lsmock/internal/journal"
)

// maxJournaledBody is the largest body the journal decodes to keep (redacted).
const maxJournaledBody = 64 << 10

// journalRequest journals one API request, redacted, and counts it for coverage.
func (s *Server) journalRequest(c *compiled, r *http.Request, out *outcome, start time.Time) {
	ref := out.covers
	if out.scenario != "" {
		ref = out.operation + "/" + out.scenario
	}
	s.coverage.Record(out.operation, out.status, out.code, ref)
	e := journal.Entry{
		Time:      start,
		Method:    r.Method,
		Path:      r.URL.Path,
		Session:   string(out.session.Label),
		Operation: out.operation,
		Scenario:  out.scenario,
		Selection: out.selection,
		Status:    out.status,
		Code:      out.code,
		Detail:    out.detail,
		Duration:  time.Since(start),
		Headers:   journal.RedactHeaders(r.Header, c.headerFields[out.operation], out.authz, out.authErr, out.keyLabel),
	}
	if r.URL.RawQuery != "" {
		e.Query = journal.RedactQuery(out.queryOf(r), c.queryFields[out.operation])
	}
	body := out.decoded
	if body == nil && len(out.body) > 0 && len(out.body) <= maxJournaledBody {
		body = decodeForJournal(out.body) // not JSON: the journal keeps only its size
	}
	if body != nil {
		visible := c.bodyFields[out.operation]
		if out.operation == TokenOperation {
			visible = tokenVisible
		}
		e.Body = journal.RedactBody(body, visible)
	}
	switch {
	case out.bodyRead || r.ContentLength == 0:
		n := len(out.body)
		e.BodyBytes = &n
	default: // refused before its body was read: "body_bytes": 0 would be a false account
		e.Body = journal.NotRead
	}
	for _, nm := range out.nearMisses {
		e.NearMisses = append(e.NearMisses, journal.NearMiss{
			Scenario: nm.Scenario.Name, Held: nm.Held, Of: len(nm.Scenario.Match), Failed: nm.Failed.Text,
		})
	}
	s.counts.Add(e.Key())
	s.journal.Add(e)
}

// decodeForJournal decodes a body validation did not read; nil when it is not JSON.
func decodeForJournal(body []byte) any {
	var v any
	_ = json.Unmarshal(body, &v)
	return v
}
