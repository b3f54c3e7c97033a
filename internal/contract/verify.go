package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/lsmock/lsmock/internal/auth"
	"github.com/lsmock/lsmock/internal/scenario"
)

// Keys sign verification requests; empty keys sign with a made-up key (enough for a server
// that checks only the form of the signature).
type Keys struct {
	APIKey, SharedKey string
}

// Result is one scenario's verification against a server.
type Result struct {
	Scenario  string
	Operation string
	Status    int
	Skipped   string   // why the scenario was not verified
	Problems  []string // empty when the server honoured the contract and the expectation
}

// Verifier sends scenarios' verify: requests to a server and has the oracle judge each answer.
type Verifier struct {
	Target string // base URL, e.g. http://127.0.0.1:8080
	Client *http.Client
	Oracle *Oracle
	Keys   Keys
	Now    func() time.Time
}

// Run verifies every scenario of set that carries a verify: block, in file order.
func (v *Verifier) Run(ctx context.Context, set *scenario.Set) []Result {
	var out []Result
	for _, sc := range set.Scenarios {
		if sc.Verify != nil {
			out = append(out, v.one(ctx, sc))
		}
	}
	return out
}

func (v *Verifier) one(ctx context.Context, sc *scenario.Scenario) Result {
	op, spec := sc.Operation, sc.Verify
	res := Result{Scenario: sc.Name, Operation: op.ID}
	if spec.WrongSignature && v.Keys.SharedKey == "" {
		res.Skipped = "needs --api-key and --shared-key to sign wrongly"
		return res
	}
	body := spec.Body
	if !spec.HasBody && op.Body != nil {
		body = op.Body.Example
	}
	target := strings.TrimSuffix(v.Target, "/") + concretePath(op.Path)
	if len(spec.Query) > 0 {
		target += "?" + spec.Query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, op.Method, target, bytes.NewReader(body))
	if err != nil {
		res.Problems = append(res.Problems, err.Error())
		return res
	}
	date := v.now().UTC().Format(http.TimeFormat)
	apiKey, shared := v.Keys.APIKey, v.Keys.SharedKey
	if shared == "" {
		apiKey, shared = "lsmock-verify", "lsmock-verify"
	}
	if spec.WrongSignature {
		shared += "-wrong"
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Date", date)
	req.Header.Set("Authorization", auth.HeaderValue(apiKey, shared, date))
	for name, val := range spec.Headers {
		if val == nil {
			req.Header.Del(name)
			continue
		}
		req.Header.Set(name, *val)
	}
	resp, err := v.Client.Do(req)
	if err != nil {
		res.Problems = append(res.Problems, "no answer: "+err.Error())
		return res
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		res.Problems = append(res.Problems, "reading the answer: "+err.Error())
		return res
	}
	res.Status = resp.StatusCode
	if err := v.Oracle.Judge(req, resp.StatusCode, resp.Header, got); err != nil {
		res.Problems = append(res.Problems, "the answer breaks the spec: "+Brief(err))
	}
	if resp.StatusCode != spec.ExpectStatus {
		res.Problems = append(res.Problems, fmt.Sprintf("status %d, want %d", resp.StatusCode, spec.ExpectStatus))
	}
	if spec.ExpectCode != "" {
		var e struct {
			Code string `json:"code"`
		}
		if json.Unmarshal(got, &e) != nil || e.Code != spec.ExpectCode {
			res.Problems = append(res.Problems, fmt.Sprintf("code %q, want %q", e.Code, spec.ExpectCode))
		}
	}
	return res
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

// concretePath fills a path template's parameters with a placeholder.
func concretePath(p string) string {
	for {
		i := strings.IndexByte(p, '{')
		j := strings.IndexByte(p, '}')
		if i < 0 || j < i {
			return p
		}
		p = p[:i] + "x" + p[j+1:]
	}
}

// Brief folds a Judge error, kin-openapi's multi-line report (it prints the schema), to one
// line: the lines before the schema.
func Brief(err error) string {
	lines := strings.Split(err.Error(), "\n")
	var keep []string
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "Schema:") {
			break
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, " ")
}
