// Package decide chooses the answer to an API request: a scenario the request names or its
// session is pinned to, a scenario whose conditions match, the license state, the
// operation's default scenario, or the spec's own success answer, in that order. The choice
// is a value, a Decision, with every live step already resolved; the server only writes it.
// Nothing here reads an *http.Request or calls back into the server.
package decide

import (
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/lsmock/lsmock/internal/license"
	"github.com/lsmock/lsmock/internal/match"
	"github.com/lsmock/lsmock/internal/oauth"
	"github.com/lsmock/lsmock/internal/scenario"
	"github.com/lsmock/lsmock/internal/session"
	"github.com/lsmock/lsmock/internal/spec"
)

// How says which tier chose an answer, as the journal shows it (its selection).
const (
	ByHeader     = "header"      // the X-Lsmock-Scenario header named the scenario
	ByQuery      = "query"       // the __scenario query parameter named it
	BySessionPin = "session_pin" // the session is pinned to it
	ByGlobalPin  = "global_pin"  // every session is pinned to it
	ByMatch      = "match"       // its conditions hold for the request
	ByState      = "state"       // the license state answered
	ByDefault    = "default"     // the operation's default scenario
	BySpec       = "spec"        // the spec's own success response
)

// Request is what the decider reads of an admitted request: its operation and session, the
// scenario it names, and its parameters as validation decoded them.
type Request struct {
	Op      *spec.Operation
	Session session.ID
	// Named is the scenario the request names (X-Lsmock-Scenario, else __scenario) and
	// NamedBy how (ByHeader, ByQuery); "" for none.
	Named, NamedBy string
	// Match is what scenario conditions look at: the decoded body, headers, query, API key.
	Match match.Request
	// Host and TLS are where the request was sent, for answers that name lsmock's address.
	Host string
	TLS  bool
}

// Decision is how a request is answered.
type Decision struct {
	// How is the tier that chose (ByMatch, ByState, ...).
	How string
	// Scenario is the scenario that answers, nil for a state or spec answer.
	Scenario *scenario.Scenario
	// Step is the response to send: the scenario's step, live steps resolved against the
	// state, or the state's or the spec's answer. A value: a decision allocates nothing.
	Step scenario.Response
	// Unknown is set when the request named a scenario its operation does not have: the
	// server refuses it (unknown_scenario), and Step is the zero value.
	Unknown string
	// UnknownElsewhere is true when that name scripts other operations.
	UnknownElsewhere bool
	// NearMisses are the scenarios that almost matched, when none did.
	NearMisses []match.NearMiss
	// Detail explains a state refusal to a human (X-Lsmock-Validation); never a secret.
	Detail string
	// Covers is the scenario a state answer counts under in coverage ("" for none).
	Covers string
}

// Decider decides for one configuration: a reload builds a new one over the same sessions.
type Decider struct {
	scenarios *scenario.Set
	matcher   *match.Matcher
	engine    *license.Engine
	sessions  *session.Store
	types     map[string]http.Header // Content-Type headers, shared: read only
}

// New returns a decider over a scenario set, its license engine and the sessions' store.
func New(set *scenario.Set, engine *license.Engine, sessions *session.Store) *Decider {
	return &Decider{scenarios: set, matcher: match.New(set), engine: engine, sessions: sessions, types: map[string]http.Header{}}
}

// ContentType is a response header holding only Content-Type t, shared: read only. The
// decider renders the types it knows once (Known).
func (d *Decider) ContentType(t string) http.Header {
	if t == "" {
		return nil // an answer without a body
	}
	if h, ok := d.types[t]; ok {
		return h
	}
	return http.Header{"Content-Type": {t}}
}

// Known renders a Content-Type header once, before serving.
func (d *Decider) Known(t string) {
	if t != "" && d.types[t] == nil {
		d.types[t] = http.Header{"Content-Type": {t}}
	}
}

// Chosen returns the scenario step chosen for a request that names a scenario or whose
// session (or every session) is pinned to one, before the request is validated (a scenario
// chosen by name wins over validation). chosen is false when neither applies or the session
// has used the scenario up: the request is then validated, and Decide answers it. A name
// the operation has no scenario of is decided as Unknown. Decide completes the decision.
func (d *Decider) Chosen(req *Request) (dec Decision, chosen bool) {
	if req.Named != "" {
		sc := d.scenarios.Lookup(req.Op, req.Named)
		if sc == nil {
			return Decision{How: req.NamedBy, Unknown: req.Named, UnknownElsewhere: d.scenarios.Exists(req.Named)}, true
		}
		return d.take(req, sc, req.NamedBy)
	}
	for i, ref := range d.sessions.Pinned(req.Session, req.Op.ID) {
		if ref == "" {
			continue
		}
		if sc := d.scenarios.Lookup(req.Op, ref); sc != nil {
			how := ByGlobalPin
			if i < 2 {
				how = BySessionPin
			}
			return d.take(req, sc, how)
		}
	}
	return Decision{}, false
}

// take takes the session's next step of sc; ok is false when it has used sc up.
func (d *Decider) take(req *Request, sc *scenario.Scenario, how string) (Decision, bool) {
	step, ok := d.sessions.Take(req.Session, sc)
	if !ok {
		return Decision{}, false
	}
	return Decision{How: how, Scenario: sc, Step: *step}, true
}

// Decide answers an admitted request. A step chosen (by Chosen) answers, its live step
// resolved against the state; otherwise the best matching scenario the session has not used
// up, else the license state, else the operation's default, else the spec's own success
// response.
func (d *Decider) Decide(req *Request, chosen Decision) Decision {
	if chosen.Scenario != nil {
		d.resolve(req, &chosen.Step)
		return chosen
	}
	if chosen.Unknown != "" {
		return chosen
	}
	var buf [4]*scenario.Scenario
	for _, sc := range d.matcher.Candidates(req.Op, &req.Match, buf[:0]) {
		if dec, ok := d.take(req, sc, ByMatch); ok {
			d.resolve(req, &dec.Step)
			return dec
		}
	}
	near := d.matcher.NearMisses(req.Op, &req.Match, 3)
	if a, ok := d.live(req); ok {
		return Decision{How: ByState, NearMisses: near, Detail: a.Detail, Covers: d.covers(req.Op, a),
			Step: scenario.Response{Status: a.Status, Code: a.Code, Body: a.Body, Header: d.ContentType(a.ContentType), SignedAs: a.Signature}}
	}
	if sc := d.matcher.Default(req.Op); sc != nil {
		if dec, ok := d.take(req, sc, ByDefault); ok {
			d.resolve(req, &dec.Step)
			dec.NearMisses = near
			return dec
		}
	}
	op := req.Op
	return Decision{How: BySpec, NearMisses: near,
		Step: scenario.Response{Status: op.Success.Status, Body: op.Success.Body, Header: d.ContentType(op.Success.ContentType)}}
}

// resolve makes a live step (no body scripted) what the state answers, with the step's
// delay and fault.
func (d *Decider) resolve(req *Request, step *scenario.Response) {
	if !step.Live {
		return
	}
	a, ok := d.live(req)
	if !ok {
		return
	}
	step.Status, step.Code, step.Body, step.SignedAs = a.Status, a.Code, a.Body, a.Signature
	step.Header = step.Header.Clone()
	step.Header.Set("Content-Type", a.ContentType)
}

// live is what the state answers the request: the licenses and users the files declare, and
// what the session did with them. ok is false when it has nothing to say.
func (d *Decider) live(req *Request) (license.Answer, bool) {
	switch req.Op.Behavior {
	case "":
		return license.Answer{}, false
	case license.BehaviorOAuthURL:
		return oauthURL(req), true
	case license.BehaviorWellKnown:
		return d.engine.WellKnown(baseURL(req)), true
	}
	// The parameters as the engine reads them: the body as admission decoded it, or the
	// query's first values. Built here, not returned by a helper, so that the map stays on
	// the stack.
	var p license.Params
	switch {
	case req.Op.Body != nil:
		p, _ = req.Match.Body.(map[string]any)
	case len(req.Match.Query) > 0:
		p = make(license.Params, len(req.Match.Query))
		for k, v := range req.Match.Query {
			p[k] = v[0]
		}
	}
	if req.Op.Behavior == license.BehaviorSSOURL {
		// Existing: sso_url makes no account; a session without one declared nothing.
		return d.engine.SSOURL(req.Op, d.sessions.Existing(req.Session), string(req.Session.Label), p, BaseURL(req.Host, req.TLS))
	}
	if d.engine.Declines(req.Op, p) && d.sessions.Existing(req.Session) == nil {
		return license.Answer{}, false // no account is made for a request nothing answers from
	}
	return d.engine.Answer(req.Op, d.sessions.Account(req.Session), p)
}

// BaseURL is lsmock's address as a request named it: scheme and host, no path.
func BaseURL(host string, tls bool) string {
	scheme := "http"
	if tls {
		scheme = "https"
	}
	return (&url.URL{Scheme: scheme, Host: host}).String()
}

// baseURL is lsmock's address as the request named it: scheme and host.
func baseURL(req *Request) string {
	scheme := "http"
	if req.TLS {
		scheme = "https"
	}
	return (&url.URL{Scheme: scheme, Host: req.Host}).String()
}

// oauthURL is the oauth_url answer: the token endpoint on lsmock itself.
func oauthURL(req *Request) license.Answer {
	body, _ := json.Marshal(map[string]string{"url": baseURL(req) + oauth.TokenPath})
	return license.Answer{Status: http.StatusOK, Body: body, ContentType: "application/json"}
}

// stateSuccess is the name of the scenario a successful state answer counts under in
// coverage; a refusal counts under the scenario named by its code.
const stateSuccess = "success"

// covers is the scenario (ref) state answer a counts under in coverage, "" for none.
func (d *Decider) covers(op *spec.Operation, a license.Answer) string {
	name := a.Code
	if a.Status/100 == 2 {
		name = stateSuccess
	}
	if name == "" {
		return ""
	}
	if sc := d.scenarios.Lookup(op, name); sc != nil {
		return sc.Ref()
	}
	return ""
}
