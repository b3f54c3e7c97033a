package validate

import (
	"cmp"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/pb33f/jsonschema/v6"
	"github.com/pb33f/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// failure is one violated schema rule: where in the body, and which rule.
type failure struct {
	Field   string // dotted path into the body ("" for the body itself)
	Rule    string // what the rule wants, worded without the submitted value
	Keyword string // the schema keyword location, for the detail
}

func (f failure) String() string {
	if f.Field == "" {
		return f.Rule
	}
	return f.Field + ": " + f.Rule
}

func joinFailures(fs []failure) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = f.String() + " (schema " + f.Keyword + ")"
	}
	return strings.Join(parts, "; ")
}

// schemaFailures flattens the jsonschema error tree into its leaves, in body order.
func schemaFailures(err error) []failure {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []failure{{Rule: "does not match the schema", Keyword: "#"}}
	}
	var out []failure
	var walk func(*jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		out = append(out, failure{
			Field:   clipName(strings.Join(e.InstanceLocation, ".")),
			Rule:    describe(e.ErrorKind),
			Keyword: keywordLocation(e),
		})
	}
	walk(ve)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// describe words a rule. Kinds whose library wording quotes the submitted value (pattern,
// format, const, numeric bounds) are reworded to name only what the schema wants.
func describe(k jsonschema.ErrorKind) string {
	printer := message.NewPrinter(language.English)
	switch k := k.(type) {
	case *kind.Type:
		return fmt.Sprintf("must be %s, got %s", strings.Join(k.Want, " or "), k.Got)
	case *kind.Required:
		return "missing required " + quoteAll(k.Missing)
	case *kind.AdditionalProperties:
		return "unknown " + plural(len(k.Properties), "property", "properties") + " " + quoteAll(k.Properties) + " not allowed"
	case *kind.Pattern:
		return fmt.Sprintf("must match pattern %q", k.Want)
	case *kind.Format:
		return "must be a valid " + k.Want
	case *kind.Const:
		return "must be the schema's constant value"
	case *kind.Enum:
		return k.LocalizedString(printer) // lists the allowed values, not the submitted one
	case *kind.MinLength:
		return fmt.Sprintf("must be at least %d characters long", k.Want)
	case *kind.MaxLength:
		return fmt.Sprintf("must be at most %d characters long", k.Want)
	case *kind.Minimum:
		return fmt.Sprintf("must be >= %v", number(k.Want))
	case *kind.Maximum:
		return fmt.Sprintf("must be <= %v", number(k.Want))
	case *kind.ExclusiveMinimum:
		return fmt.Sprintf("must be > %v", number(k.Want))
	case *kind.ExclusiveMaximum:
		return fmt.Sprintf("must be < %v", number(k.Want))
	case *kind.MultipleOf:
		return fmt.Sprintf("must be a multiple of %v", number(k.Want))
	case *kind.MinItems, *kind.MaxItems, *kind.MinProperties, *kind.MaxProperties,
		*kind.UniqueItems, *kind.DependentRequired, *kind.Dependency, *kind.FalseSchema,
		*kind.AdditionalItems, *kind.OneOf:
		return k.LocalizedString(printer) // counts and names only
	default:
		return "violates the schema's " + strings.Join(k.KeywordPath(), "/") + " rule"
	}
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "'" + clipName(n) + "'"
	}
	return strings.Join(q, ", ")
}

// maxName is the longest field name a message repeats: a client may send a 1 MB key.
const maxName = 64

func clipName(s string) string {
	if len(s) <= maxName {
		return s
	}
	cut := maxName
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// scrub removes any header or query value of r from a library message before it is shown.
// The longest value goes first, so the words shown do not hang on the maps' order ("low"
// inside "allowed").
func scrub(msg string, r *http.Request) string {
	var found []string
	collect := func(vals []string) {
		for _, v := range vals {
			if len(v) >= 2 && strings.Contains(msg, v) {
				found = append(found, v)
			}
		}
	}
	for _, vals := range r.Header {
		collect(vals)
	}
	for _, vals := range r.URL.Query() {
		collect(vals)
	}
	slices.SortFunc(found, func(a, b string) int {
		if c := cmp.Compare(len(b), len(a)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	for _, v := range found {
		msg = strings.ReplaceAll(msg, v, "[redacted]")
	}
	return msg
}

// keywordLocation is the failed keyword as a pointer into the body schema ("#/properties/new_password/type").
func keywordLocation(e *jsonschema.ValidationError) string {
	base := "#"
	if i := strings.IndexByte(e.SchemaURL, '#'); i >= 0 {
		base += strings.TrimSuffix(e.SchemaURL[i+1:], "/")
	}
	return base + "/" + strings.Join(e.ErrorKind.KeywordPath(), "/")
}

// number prints a schema bound as the spec wrote it: 1, not 1/1.
func number(r *big.Rat) string {
	if r == nil {
		return "?"
	}
	if r.IsInt() {
		return r.Num().String()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'g', -1, 64)
}
