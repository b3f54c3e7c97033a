// Package scenario loads scenario files: named, scripted behaviours of an operation (a
// response, a sequence of them, a delay, a network fault) and the conditions that select
// them. Everything is checked against the spec at load, so a typo or a response the spec
// forbids is a load error that names the file and line, never a surprise at request time.
package scenario

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/lsmock/lsmock/internal/license"
	"github.com/lsmock/lsmock/internal/spec"
)

// Fault is a way for an answer to break at the network level.
type Fault string

// The faults a response can script.
const (
	FaultNone            Fault = ""
	FaultConnectionReset Fault = "connection_reset" // TCP RST before any byte
	FaultEmptyResponse   Fault = "empty_response"   // close with no response at all
	FaultTruncatedBody   Fault = "truncated_body"   // headers promise more body than is sent
	FaultMalformedJSON   Fault = "malformed_json"   // a complete response whose JSON is broken
	FaultSlowBody        Fault = "slow_body"        // the body dribbles out over Duration
	FaultTimeout         Fault = "timeout"          // no answer until the client gives up
)

var knownFaults = []Fault{FaultConnectionReset, FaultEmptyResponse, FaultTruncatedBody, FaultMalformedJSON, FaultSlowBody, FaultTimeout}

// After says what a sequence does once its last step was used.
type After string

// The ways a sequence can end.
const (
	AfterRepeatLast After = "repeat_last"
	AfterCycle      After = "cycle"
)

// Set is every scenario loaded, in file order, and what the files declare. A scenario's name is
// scoped to its operation: each operation can have its own internal_error; "operationId/name"
// names one across operations.
type Set struct {
	// Scenarios are the files' scenarios in file order, then the scenarios the spec implies:
	// one per documented error code of each operation that no file names.
	Scenarios []*Scenario
	byOp      map[*spec.Operation]map[string]*Scenario
	names     map[string]int // bare name -> how many operations have a scenario of it

	// Catalog holds the products, licenses and users the files declare.
	Catalog *license.Catalog
}

// Declared counts the scenarios the files declare (not the implied ones).
func (s *Set) Declared() int {
	n := 0
	for _, sc := range s.Scenarios {
		if !sc.Implied {
			n++
		}
	}
	return n
}

// Lookup returns op's scenario named by ref, a bare name or "operationId/name", or nil.
func (s *Set) Lookup(op *spec.Operation, ref string) *Scenario {
	if opID, name, qualified := SplitRef(ref); qualified {
		if opID != op.ID {
			return nil
		}
		ref = name
	}
	return s.byOp[op][ref]
}

// Exists reports whether ref names a scenario of some operation.
func (s *Set) Exists(ref string) bool {
	opID, name, qualified := SplitRef(ref)
	if !qualified {
		return s.names[ref] > 0
	}
	for op, byName := range s.byOp {
		if op.ID == opID && byName[name] != nil {
			return true
		}
	}
	return false
}

// Named returns the scenarios ref names: every operation's scenario of a bare name, or the
// one of a qualified name.
func (s *Set) Named(ref string) []*Scenario {
	opID, name, qualified := SplitRef(ref)
	var out []*Scenario
	for _, sc := range s.Scenarios {
		if sc.Name == name && (!qualified || sc.Operation.ID == opID) {
			out = append(out, sc)
		}
	}
	return out
}

// SplitRef splits "operationId/name" at its last slash (names have none; an operationId
// made of "METHOD /path" does); qualified is false for a bare name.
func SplitRef(ref string) (opID, name string, qualified bool) {
	i := strings.LastIndexByte(ref, '/')
	if i < 0 {
		return "", ref, false
	}
	return ref[:i], ref[i+1:], true
}

// Scenario is one named behaviour of one operation.
type Scenario struct {
	Name        string
	Description string
	Operation   *spec.Operation
	Priority    int
	// Default marks the operation's answer when no other scenario matches.
	Default bool
	// Match lists the conditions that select the scenario for a valid request; all must
	// hold. Empty means the scenario answers only when selected by name (or as a default).
	Match []Condition
	// Steps are the responses, used in order per session; a plain `response` is one step.
	Steps []*Response
	After After
	// Times limits the scenario to that many uses per session; 0 is unlimited.
	Times int
	// Source is "file:line" of the scenario's name, for listings and logs.
	Source string
	// Order is the scenario's position across all files, the tie-breaker after Priority.
	Order int
	// Verify is a request that provokes this behaviour from a real server, and what it must
	// answer (lsmock verify --target). Nil when the scenario has none.
	Verify *Verify
	// Implied is true for a scenario no file declares: the spec documents an error code of
	// the operation, so lsmock can answer it by name.
	Implied bool

	line, col int // of the name, for load errors found after decoding
}

// Ref is the scenario's qualified name, "operationId/name", unique across operations.
func (sc *Scenario) Ref() string { return sc.Operation.ID + "/" + sc.Name }

// Response is a scripted answer, complete at load.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	// Code is the vendor error code the body carries, when it is an error ("" otherwise).
	Code     string
	Delay    Delay
	Fault    Fault
	Duration time.Duration // how long slow_body dribbles, or how long timeout holds
	OffSpec  bool
	// Live is true when the response scripts no body: it answers what lsmock would answer
	// without the scenario (from the licenses and users declared, or the spec), delayed or
	// broken as the response says. Status and Body hold the spec's own success response.
	Live bool
	// Signature is how a 2xx answer of a signed operation is signed.
	Signature Signature
	// SignedAs is the LicenseSignature of Body when it is known already (an answer the
	// license engine remembers); "" means sign Body when answering.
	SignedAs string
}

// Signature says how an answer's LicenseSignature header is made.
type Signature string

// The ways an answer can be signed.
const (
	SignatureValid   Signature = ""        // signed with lsmock's key, as the SDKs expect
	SignatureInvalid Signature = "invalid" // a real signature of other bytes: the SDK must refuse it
	SignatureMissing Signature = "missing" // no LicenseSignature header at all
)

// Delay waits before answering: exactly Min when Max is zero, else uniformly in [Min, Max].
type Delay struct {
	Min, Max time.Duration
}

// Target is where in a request a condition looks.
type Target int

// Where conditions can look.
const (
	TargetBody Target = iota
	TargetHeader
	TargetQuery
	TargetAPIKey
)

// Op is what a condition asks of the value.
type Op string

// The condition operators.
const (
	OpEquals  Op = "equals"
	OpOneOf   Op = "one_of"
	OpRegex   Op = "regex"
	OpPresent Op = "present"
	OpAbsent  Op = "absent"
)

// Condition is one test on a request value.
type Condition struct {
	Target Target
	// Path is the body field's path segments (TargetBody), or the header or query name.
	Path []string
	Name string
	Op   Op
	// Keys are the accepted values as ValueKey strings (equals, one_of).
	Keys  []string
	Regex *regexp.Regexp
	// Text describes the condition for listings and near-miss reports.
	Text string
}

// Verify is a provider-side check: a request to send and the answer expected.
type Verify struct {
	// Headers override the signed defaults; a nil value removes the header.
	Headers map[string]*string
	// Query is the query string (GET operations take their parameters there).
	Query url.Values
	// Body replaces the operation's example request body when HasBody.
	Body    []byte
	HasBody bool
	// WrongSignature signs with a wrong shared key (needs the keys of the target).
	WrongSignature bool
	ExpectStatus   int
	ExpectCode     string
}
