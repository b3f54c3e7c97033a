package validate

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/pb33f/libopenapi-validator/helpers"

	"github.com/lsmock/lsmock/internal/spec"
)

// directParameters words what libopenapi-validator's parameter checks refuse in a request of
// op, for an operation whose parameters the spec describes in full (op.DirectParams): the
// library's messages, in its order (the query's, then the headers'), with no model read.
// query is r.URL.Query(). The library visits the query's keys in map order, which changes
// nothing: all the messages of one parameter are the same words.
func directParameters(op *spec.Operation, r *http.Request, query url.Values) []string {
	var msgs []string
	for i := range op.Params {
		p := &op.Params[i]
		if p.In != "query" {
			continue
		}
		sent := false
		for key, vals := range query {
			if queryName(op, key) != p.Name {
				continue
			}
			sent = true
			for _, v := range vals {
				if msg := refusal(p, v); msg != "" {
					msgs = append(msgs, msg)
				}
			}
		}
		if !sent && p.Required {
			msgs = append(msgs, "Query parameter '"+p.Name+"' is missing")
		}
	}
	for _, p := range op.Params {
		if p.In == "header" && p.Required && r.Header.Get(p.Name) == "" {
			msgs = append(msgs, "Header parameter '"+p.Name+"' is missing")
		}
	}
	return msgs
}

// queryName is the parameter a query key sends, as the library reads it: the key, or for a
// key in deepObject brackets that names no parameter ("a[b]"), the name before them.
func queryName(op *spec.Operation, key string) string {
	if strings.IndexByte(key, '[') <= 0 || op.Query[key] {
		return key
	}
	if base, _, ok := helpers.ParseDeepObjectKey(key); ok {
		return base
	}
	return key
}

// refusal is the library's message for one value of a query parameter, "" when it passes.
func refusal(p *spec.Param, v string) string {
	switch p.Type {
	case "string":
		if p.Enum == nil {
			return ""
		}
		// The library matches an enum on the trimmed text, then JSON Schema on the value.
		if !slices.Contains(p.Enum, strings.TrimSpace(v)) {
			return "Query parameter '" + p.Name + "' does not match allowed values"
		}
		if !slices.Contains(p.Enum, v) {
			return "Query parameter '" + p.Name + "' failed to validate"
		}
	case "integer":
		if _, err := helpers.ParseInteger(v); err != nil {
			return "Query parameter '" + p.Name + "' is not a valid integer"
		}
	case "number":
		if _, err := helpers.ParseNumber(v); err != nil {
			return "Query parameter '" + p.Name + "' is not a valid number"
		}
	case "boolean":
		if _, err := strconv.ParseBool(v); err != nil {
			return "Query parameter '" + p.Name + "' is not a valid boolean"
		}
	}
	return ""
}
