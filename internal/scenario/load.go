package scenario

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pb33f/go-yaml"

	"github.com/lsmock/lsmock/internal/apierror"
	"github.com/lsmock/lsmock/internal/fileerr"
	"github.com/lsmock/lsmock/internal/spec"
	"github.com/lsmock/lsmock/internal/yamldec"
)

// Load reads every .yaml and .yml file under fsys (recursively, in lexical order) and
// checks each scenario against s. prefix is prepended to file names in messages (the
// folder the files came from). All problems of all files are returned together.
func Load(fsys fs.FS, prefix string, s *spec.Spec) (*Set, error) {
	return load(fsys, prefix, s, true)
}

// LoadTrusted is Load for files already known to honour the spec (the embedded scenarios,
// which the tests load with Load): it skips holding each scripted response to the spec's
// schemas, which costs about half of lsmock's start-up, and nothing else.
func LoadTrusted(fsys fs.FS, prefix string, s *spec.Spec) (*Set, error) {
	return load(fsys, prefix, s, false)
}

func load(fsys fs.FS, prefix string, s *spec.Spec, holdResponses bool) (*Set, error) {
	var files []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load scenarios %s: %w", prefix, err)
	}
	set := &Set{byOp: map[*spec.Operation]map[string]*Scenario{}, names: map[string]int{}}
	var errs fileerr.List
	defaults := map[*spec.Operation]*Scenario{}
	decls := &declarations{}
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, fmt.Errorf("load scenarios %s: %w", path.Join(prefix, f), err)
		}
		d := &decoder{Decoder: &yamldec.Decoder{File: path.Join(prefix, f)}, holdResponses: holdResponses}
		for _, sc := range d.parseFile(data, s, decls) {
			if prev := set.byOp[sc.Operation][sc.Name]; prev != nil {
				d.errorAt(sc, "%s already has a scenario named %q (at %s)", sc.Operation.ID, sc.Name, prev.Source)
				continue
			}
			if sc.Default {
				if prev := defaults[sc.Operation]; prev != nil {
					d.errorAt(sc, "%s already has a default scenario (%s at %s)", sc.Operation.ID, prev.Name, prev.Source)
					continue
				}
				defaults[sc.Operation] = sc
			}
			set.add(sc)
		}
		errs = append(errs, d.Errs...)
	}
	set.addImplied(s)
	catalog, err := decls.catalog(func(code string) bool { _, ok := s.ErrorFor(nil, code); return ok })
	errs = append(errs, fileerr.As(err)...)
	if err := errs.ErrOrNil(); err != nil {
		return nil, err
	}
	set.Catalog = catalog
	return set, nil
}

func (set *Set) add(sc *Scenario) {
	sc.Order = len(set.Scenarios)
	set.Scenarios = append(set.Scenarios, sc)
	if set.byOp[sc.Operation] == nil {
		set.byOp[sc.Operation] = map[string]*Scenario{}
	}
	set.byOp[sc.Operation][sc.Name] = sc
	set.names[sc.Name]++
}

// addImplied adds, for each operation, a scenario for every error code the spec documents
// for it (its own and the general ones) that no file has named: any documented error can be
// asked for by name without writing a file.
func (set *Set) addImplied(s *spec.Spec) {
	// One answer per documented error, shared by the operations that answer it (answers are
	// read, never written, once loaded): the general ones are the same for every operation.
	answers := map[spec.ErrorExample]*Response{}
	named := map[string]bool{}
	source := s.Name + " (documented error)"
	for _, op := range s.Operations {
		codes := make([]string, 0, len(op.Errors)+len(s.General))
		for code := range op.Errors {
			codes = append(codes, code)
		}
		for code := range s.General {
			if _, own := op.Errors[code]; !own {
				codes = append(codes, code)
			}
		}
		sort.Strings(codes)
		for _, code := range codes {
			ok, seen := named[code]
			if !seen {
				ok = namePattern.MatchString(code)
				named[code] = ok
			}
			if set.byOp[op][code] != nil || !ok {
				continue
			}
			e, _ := s.ErrorFor(op, code)
			answer := answers[e]
			if answer == nil {
				answer = errorResponse(e)
				answers[e] = answer
			}
			description := e.Summary
			if description == "" {
				description = "The documented error " + code + " (" + strconv.Itoa(e.Status) + ")."
			}
			set.add(&Scenario{
				Name:        code,
				Description: description,
				Operation:   op,
				Steps:       []*Response{answer},
				After:       AfterRepeatLast,
				Source:      source,
				Implied:     true,
			})
		}
	}
}

// decoder reads one scenario file.
type decoder struct {
	*yamldec.Decoder
	holdResponses bool // hold scripted responses to the spec's schemas
}

// errorResponse is the answer of a documented error.
func errorResponse(e spec.ErrorExample) *Response {
	r := &Response{Status: e.Status, Code: e.Code, Body: apierror.Body(e.Status, e.Code, e.Message), Header: map[string][]string{}}
	r.Header.Set("Content-Type", apierror.ContentType)
	return r
}

// errorAt reports at the name of an already decoded scenario.
func (d *decoder) errorAt(sc *Scenario, format string, args ...any) {
	d.Errs = append(d.Errs, &fileerr.Error{File: d.File, Line: sc.line, Col: sc.col, Msg: fmt.Sprintf(format, args...)})
}

// parseFile decodes one file's scenarios, and hands its declarations of products, licenses
// and users to decls; problems go to d.Errs.
func (d *decoder) parseFile(data []byte, s *spec.Spec, decls *declarations) []*Scenario {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		d.Errs = append(d.Errs, fileerr.YAMLSyntax(d.File, err))
		return nil
	}
	if len(root.Content) == 0 {
		return nil // an empty file scripts nothing
	}
	top := d.Mapping(&root, "a scenario file", append([]string{"scenarios"}, declarationKeys...)...)
	declares := false
	for _, key := range declarationKeys {
		if f, ok := top[key]; ok {
			decls.decode(d.Decoder, key, f.Value)
			declares = true
		}
	}
	f, ok := top["scenarios"]
	if !ok {
		if top != nil && !declares {
			d.Errorf(yamldec.Resolve(&root), "a scenario file needs a top-level scenarios: list (or products:, licenses:, users:)")
		}
		return nil
	}
	list := yamldec.Resolve(f.Value)
	if list.Kind != yaml.SequenceNode {
		d.Errorf(list, "scenarios must be a list")
		return nil
	}
	var out []*Scenario
	for _, n := range list.Content {
		out = append(out, d.scenario(n, s)...)
	}
	return out
}

var scenarioKeys = []string{"name", "description", "operation", "priority", "default", "match", "response", "steps", "after", "times", "verify"}

var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// scenario decodes one scenario entry: one Scenario for each operation it names.
func (d *decoder) scenario(n *yaml.Node, s *spec.Spec) []*Scenario {
	before := len(d.Errs)
	m := d.Mapping(n, "a scenario", scenarioKeys...)
	if m == nil {
		return nil
	}
	base := Scenario{Source: fmt.Sprintf("%s:%d", d.File, yamldec.Resolve(n).Line), After: AfterRepeatLast}
	if f, ok := m["name"]; ok {
		if name, ok := d.Str(f.Value, "name"); ok {
			if !namePattern.MatchString(name) {
				d.Errorf(f.Value, "name %q may hold only letters, digits, '_', '.' and '-' (it travels in a header and a URL)", name)
			}
			base.Name = name
			base.Source = fmt.Sprintf("%s:%d", d.File, f.Value.Line)
			base.line, base.col = f.Value.Line, f.Value.Column
		}
	} else {
		d.Errorf(n, "a scenario needs a name")
	}
	if f, ok := m["description"]; ok {
		base.Description, _ = d.Str(f.Value, "description")
	}
	var ops []*spec.Operation
	if f, ok := m["operation"]; ok {
		ops = d.operations(f.Value, s)
	} else {
		d.Errorf(n, "scenario %q needs an operation (an operationId, METHOD /path, a list of them, or \"*\" for all); %s has: %s", base.Name, s.Name, operationNames(s))
	}
	if f, ok := m["priority"]; ok {
		base.Priority, _ = d.Int(f.Value, "priority")
	}
	if f, ok := m["default"]; ok {
		base.Default, _ = d.Bool(f.Value, "default")
	}
	if f, ok := m["times"]; ok {
		if t, ok := d.Int(f.Value, "times"); ok {
			if t < 1 {
				d.Errorf(f.Value, "times must be at least 1 (leave it out for no limit)")
			}
			base.Times = t
		}
	}
	baseOK := len(d.Errs) == before
	var out []*Scenario
	for _, op := range ops {
		sc := base
		sc.Operation = op
		if d.scenarioFor(&sc, n, m, s) && baseOK {
			out = append(out, &sc)
		}
	}
	return out
}

// operations reads `operation:`: an operationId or "METHOD /path", a list of them, or "*"
// for every operation of the spec.
func (d *decoder) operations(n *yaml.Node, s *spec.Spec) []*spec.Operation {
	n = yamldec.Resolve(n)
	var refs []*yaml.Node
	switch {
	case n != nil && n.Kind == yaml.ScalarNode && n.Value == "*":
		return s.Operations
	case n != nil && n.Kind == yaml.SequenceNode && len(n.Content) > 0:
		refs = n.Content
	default:
		refs = []*yaml.Node{n}
	}
	var out []*spec.Operation
	for _, r := range refs {
		ref, ok := d.Str(r, "operation")
		if !ok {
			continue
		}
		op := s.Operation(ref)
		if op == nil {
			d.Errorf(r, "unknown operation %q; %s has: %s", ref, s.Name, operationNames(s))
			continue
		}
		out = append(out, op)
	}
	return out
}

// scenarioFor decodes what a scenario says about one of its operations: conditions,
// responses, verification. It reports whether the scenario is sound for op.
func (d *decoder) scenarioFor(sc *Scenario, n *yaml.Node, m map[string]yamldec.Field, s *spec.Spec) bool {
	before := len(d.Errs)
	if f, ok := m["match"]; ok {
		sc.Match = d.match(f.Value, sc.Operation)
		if sc.Default && len(sc.Match) > 0 {
			d.Errorf(f.Key, "a default scenario answers when nothing matches; it cannot have match conditions")
		}
	}
	resp, hasResp := m["response"]
	steps, hasSteps := m["steps"]
	switch {
	case hasResp && hasSteps:
		d.Errorf(steps.Key, "a scenario has either response or steps, not both")
	case hasResp:
		if r := d.response(resp.Value, "response", sc.Operation, s); r != nil {
			sc.Steps = []*Response{r}
		}
	case hasSteps:
		list := yamldec.Resolve(steps.Value)
		if list.Kind != yaml.SequenceNode || len(list.Content) == 0 {
			d.Errorf(list, "steps must be a non-empty list of responses")
			break
		}
		for i, stepNode := range list.Content {
			if r := d.response(stepNode, fmt.Sprintf("step %d", i+1), sc.Operation, s); r != nil {
				sc.Steps = append(sc.Steps, r)
			}
		}
	default:
		d.Errorf(n, "scenario %q needs a response or steps", sc.Name)
	}
	if f, ok := m["verify"]; ok {
		sc.Verify = d.verify(f.Value)
	}
	if f, ok := m["after"]; ok {
		if !hasSteps {
			d.Errorf(f.Key, "after applies to steps only")
		}
		if a, ok := d.Str(f.Value, "after"); ok {
			switch After(a) {
			case AfterRepeatLast, AfterCycle:
				sc.After = After(a)
			default:
				d.Errorf(f.Value, "after must be repeat_last or cycle, not %q", a)
			}
		}
	}
	return len(d.Errs) == before
}

func operationNames(s *spec.Spec) string {
	names := make([]string, len(s.Operations))
	for i, op := range s.Operations {
		names[i] = op.ID + " (" + op.Method + " " + op.Path + ")"
	}
	return strings.Join(names, ", ")
}

var responseKeys = []string{"status", "headers", "body", "raw_body", "error", "example", "delay", "fault", "duration", "off_spec", "signature"}

// response decodes and completes one response, then holds it to the spec.
func (d *decoder) response(n *yaml.Node, what string, op *spec.Operation, s *spec.Spec) *Response {
	before := len(d.Errs)
	m := d.Mapping(n, what, responseKeys...)
	if m == nil {
		return nil
	}
	r := &Response{Header: http.Header{}}
	contentType, ok := d.responseBody(n, m, what, op, s, r)
	if !ok {
		return nil
	}
	if f, ok := m["status"]; ok {
		if st, ok := d.Int(f.Value, "status"); ok {
			if st < 100 || st > 599 {
				d.Errorf(f.Value, "status %d is not an HTTP status", st)
			}
			r.Status = st
		}
	}
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	if f, ok := m["headers"]; ok {
		for _, h := range d.Entries(f.Value, "headers must be a mapping of names to values") {
			if v, ok := d.Str(h.Value, "header "+h.Key.Value); ok {
				r.Header.Set(h.Key.Value, v)
			}
		}
	}
	d.responseBehavior(m, op, r)
	if len(d.Errs) > before || !d.holdsToSpec(n, what, op, s, r) {
		return nil
	}
	return r
}

// responseBody sets r's status, code and body from its one source (body, raw_body, error or
// example; none is lsmock's own answer) and returns its content type; false when it has more
// than one.
func (d *decoder) responseBody(n *yaml.Node, m map[string]yamldec.Field, what string, op *spec.Operation, s *spec.Spec, r *Response) (contentType string, ok bool) {
	sources := 0
	for _, k := range []string{"body", "raw_body", "error", "example"} {
		if _, ok := m[k]; ok {
			sources++
		}
	}
	if sources > 1 {
		d.Errorf(n, "%s: use one of body, raw_body, error and example", what)
		return "", false
	}
	switch {
	case yamldec.Has(m, "error"):
		f := m["error"]
		code, ok := d.Str(f.Value, "error")
		if !ok {
			break
		}
		e, found := s.ErrorFor(op, code)
		if !found {
			d.Errorf(f.Value, "unknown error code %q: %s documents %s", code, s.Name, documentedCodes(s, op))
			break
		}
		r.Status, r.Code, r.Body = e.Status, e.Code, apierror.Body(e.Status, e.Code, e.Message)
		contentType = apierror.ContentType
	case yamldec.Has(m, "example"):
		f := m["example"]
		name, ok := d.Str(f.Value, "example")
		if !ok {
			break
		}
		ex, found := op.Example(name)
		if !found {
			d.Errorf(f.Value, "unknown example %q: %s's responses name %s", name, op.ID, strings.Join(op.ExampleNames(), ", "))
			break
		}
		r.Status, r.Body, contentType, r.Code = ex.Response.Status, ex.Response.Body, ex.Response.ContentType, ex.Code
	case yamldec.Has(m, "body"):
		v, ok := d.Value(m["body"].Value, "body")
		if !ok {
			break
		}
		r.Body, _ = json.Marshal(v)
		r.Status = op.Success.Status
		contentType = "application/json; charset=utf-8"
		if obj, isObj := v.(map[string]any); isObj {
			r.Code, _ = obj["code"].(string)
		}
	case yamldec.Has(m, "raw_body"):
		raw, ok := d.Str(m["raw_body"].Value, "raw_body")
		if !ok {
			break
		}
		r.Body = []byte(raw)
		r.Status = op.Success.Status
		contentType = "text/plain; charset=utf-8"
	default: // what lsmock answers without the scenario, perhaps delayed or broken
		r.Status, r.Body, contentType = op.Success.Status, op.Success.Body, op.Success.ContentType
		r.Live = true
	}
	return contentType, true
}

// responseBehavior decodes how r is sent: its delay, fault, duration, off_spec and signature.
func (d *decoder) responseBehavior(m map[string]yamldec.Field, op *spec.Operation, r *Response) {
	if f, ok := m["delay"]; ok {
		r.Delay = d.delay(f.Value)
	}
	if f, ok := m["fault"]; ok {
		if name, ok := d.Str(f.Value, "fault"); ok {
			r.Fault = Fault(name)
			if !containsFault(r.Fault) {
				d.Errorf(f.Value, "unknown fault %q (known: %s)", name, faultNames())
			}
		}
	}
	if f, ok := m["duration"]; ok {
		r.Duration, _ = d.Duration(f.Value, "duration")
		if r.Fault != FaultSlowBody && r.Fault != FaultTimeout {
			d.Errorf(f.Key, "duration applies to the slow_body and timeout faults")
		}
	}
	if r.Fault == FaultSlowBody && r.Duration == 0 {
		r.Duration = 2 * time.Second
	}
	if f, ok := m["off_spec"]; ok {
		r.OffSpec, _ = d.Bool(f.Value, "off_spec")
	}
	if f, ok := m["signature"]; ok {
		if v, ok := d.Str(f.Value, "signature"); ok {
			r.Signature = Signature(v)
			switch {
			case r.Signature != SignatureInvalid && r.Signature != SignatureMissing:
				d.Errorf(f.Value, "signature takes invalid (a signature the SDK must refuse) or missing (none), not %q", v)
			case !op.Signed:
				d.Errorf(f.Key, "%s's answers are not signed (its success response declares no LicenseSignature header)", op.ID)
			}
		}
	}
}

// holdsToSpec reports whether r honours the spec, saying why not; a response broken on
// purpose (off_spec, a fault, a missing signature) holds, as does any when the decoder does
// not hold responses to the spec.
func (d *decoder) holdsToSpec(n *yaml.Node, what string, op *spec.Operation, s *spec.Spec, r *Response) bool {
	if !d.holdResponses || r.OffSpec || (r.Fault != FaultNone && r.Fault != FaultSlowBody) || r.Signature == SignatureMissing {
		return true // deliberately broken: nothing to hold to the spec
	}
	header := r.Header
	if op.Signed && r.Status/100 == 2 { // lsmock signs it as it answers
		header = header.Clone()
		header.Set(spec.LicenseSignatureHeader, "signed-when-answered")
	}
	if problems := s.ResponseProblems(op, r.Status, header, r.Body); len(problems) > 0 {
		d.Errorf(n, "%s breaks %s: %s (set off_spec: true to send it anyway)", what, s.Name, strings.Join(problems, "; "))
		return false
	}
	return true
}

func (d *decoder) delay(n *yaml.Node) Delay {
	n = yamldec.Resolve(n)
	if n.Kind == yaml.MappingNode {
		m := d.Mapping(n, "delay", "min", "max")
		var dl Delay
		minF, okMin := m["min"]
		maxF, okMax := m["max"]
		if !okMin || !okMax {
			d.Errorf(n, "a delay range needs both min and max")
			return Delay{}
		}
		dl.Min, _ = d.Duration(minF.Value, "delay min")
		dl.Max, _ = d.Duration(maxF.Value, "delay max")
		if dl.Max < dl.Min {
			d.Errorf(maxF.Value, "delay max %s is below min %s", dl.Max, dl.Min)
		}
		return dl
	}
	v, _ := d.Duration(n, "delay")
	return Delay{Min: v}
}

func containsFault(f Fault) bool {
	for _, k := range knownFaults {
		if k == f {
			return true
		}
	}
	return false
}

func faultNames() string {
	names := make([]string, len(knownFaults))
	for i, f := range knownFaults {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

func documentedCodes(s *spec.Spec, op *spec.Operation) string {
	seen := map[string]bool{}
	var codes []string
	for _, m := range []map[string]spec.ErrorExample{op.Errors, s.General} {
		for c := range m {
			if !seen[c] {
				seen[c] = true
				codes = append(codes, c)
			}
		}
	}
	sort.Strings(codes)
	return strings.Join(codes, ", ")
}
