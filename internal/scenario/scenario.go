// Package scenario loads scenario files: named, scripted behaviours of an operation (a
// response, a sequence of them, a delay, a network fault) and the conditions that select
// them. Everything is checked against the spec at load, so a typo or a response the spec
// forbids is a load error that names the file and line, never a surprise at request time.
package scenario

import (
	"net/http"
	"regexp"
	"time"

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

// Set is every scenario loaded, in file order, indexed by name, and the users declared.
type Set struct {
	Scenarios []*Scenario
	byName    map[string]*Scenario

	// Users, when declared, make password changes real: the current password is checked
	// and the new one replaces it, per session.
	Users []User
	// UserOperation is the operation the users apply to: the one whose body requires
	// username, password and new_password.
	UserOperation *spec.Operation
	// WrongPassword answers an unknown user or a wrong current password.
	WrongPassword *Response
	// NotAllowed answers a user whose password may not change.
	NotAllowed *Response
}

// User is a declared license user.
type User struct {
	Username      string
	Password      string
	ChangeAllowed bool
}

// DefaultWrongPasswordError is the code for a wrong password or unknown user; the vendor
// publishes none (see openapi.yaml).
const DefaultWrongPasswordError = "invalid_credentials"

// ByName returns the scenario with that name, or nil.
func (s *Set) ByName(name string) *Scenario { return s.byName[name] }

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

	line, col int // of the name, for load errors found after decoding
}

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
}

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
	// Body replaces the operation's example request body when HasBody.
	Body    []byte
	HasBody bool
	// WrongSignature signs with a wrong shared key (needs the keys of the target).
	WrongSignature bool
	ExpectStatus   int
	ExpectCode     string
}
