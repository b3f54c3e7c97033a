package journal_test

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/journal"
)

// An Object reads, writes and is accounted for as the map it stands for.
func TestObjectIsItsMap(t *testing.T) {
	t.Parallel()
	cases := map[string]map[string]any{
		"empty":  {},
		"flat":   {"username": "u@example.com", "b": 1.5, "c": true, "d": nil},
		"html":   {"<a>": "x & y > z", "é": "\u2028"},
		"nested": {"n": map[string]any{"k": []any{"v", 2.0}}},
	}
	for name, m := range cases {
		o := journal.Object{}
		for k, v := range m {
			o = append(o, journal.Field{Name: k, Value: v})
		}
		assert.Equal(t, m, o.Map(), name)
		assert.Equal(t, m, journal.Plain(o), name)
		want, err := json.Marshal(m)
		require.NoError(t, err)
		got, err := json.Marshal(o)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(got), name)
		for _, escape := range []bool{false, true} {
			var wb, gb bytes.Buffer
			we, ge := json.NewEncoder(&wb), json.NewEncoder(&gb)
			we.SetEscapeHTML(escape)
			ge.SetEscapeHTML(escape)
			require.NoError(t, we.Encode(m))
			require.NoError(t, ge.Encode(o))
			assert.Equal(t, wb.String(), gb.String(), name)
		}
		asMap, asObject := journal.Entry{Body: m, Query: m}, journal.Entry{Body: o, Query: o}
		assert.Equal(t, asMap.Size(), asObject.Size(), name)
	}
}

// RedactQuery keeps what RedactBody keeps of the same parameters.
func TestRedactQuery(t *testing.T) {
	t.Parallel()
	q := url.Values{"license_key": {"K-1", "K-2"}, "password": {"canary"}, "product": {"Bearer canary"}, "extra": {"x"}}
	visible := map[string]bool{"license_key": true, "password": true, "product": true}
	params := map[string]any{}
	for k, v := range q {
		params[k] = v[0]
	}
	assert.Equal(t, journal.Plain(journal.RedactBody(params, visible)), journal.RedactQuery(q, visible).Map())
	assert.Equal(t, map[string]any{"license_key": "K-1", "password": journal.Redacted, "product": journal.Redacted, "extra": journal.Redacted},
		journal.RedactQuery(q, visible).Map())
}

// A body too large for an entry is cut, whether it is a map or an Object.
func TestBoundCutsAnObject(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("x", journal.MaxEntryBytes)
	m := map[string]any{"a": huge, "b": "small"}
	o := journal.RedactBody(m, map[string]bool{"a": true, "b": true})
	fromMap, fromObject := journal.Entry{Body: m}, journal.Entry{Body: o}
	journal.Bound(&fromMap)
	journal.Bound(&fromObject)
	assert.Equal(t, fromMap.Body, journal.Plain(fromObject.Body))
	assert.LessOrEqual(t, fromObject.Size(), journal.MaxEntryBytes+journal.MaxString+64)
}

// TestRedactHidesOddNames: a field or query parameter the schema does not declare keeps its
// name only when it reads as a name; JSON posted where a form was expected (the whole body
// one form key) or a credential as a bare name is not shown, its value neither.
func TestRedactHidesOddNames(t *testing.T) {
	t.Parallel()
	visible := map[string]bool{"grant_type": true, "weird name": true}
	cases := []struct {
		name, field string
		shown       bool
	}{
		{"a declared field", "grant_type", true},
		{"a declared field, odd but declared", "weird name", true},
		{"an undeclared plain name", "client_id", true},
		{"brackets and dots", "data[0].x-y", true},
		{"JSON posted as a form", `{"client_id":"c","client_secret":"canary"}`, false},
		{"a form pair inside a name", "client_secret=canary", false},
		{"a name too long to be one", strings.Repeat("c", 65), false},
		{"a JWT as a name", "eyJhbGciOi.eyJzdWIi.canary", false},
		{"empty", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, got := range []journal.Object{
				journal.RedactBody(map[string]any{tc.field: "v"}, visible).(journal.Object),
				journal.RedactQuery(url.Values{tc.field: {"v"}}, visible),
			} {
				require.Len(t, got, 1)
				if tc.shown {
					assert.Equal(t, tc.field, got[0].Name)
					continue
				}
				assert.Equal(t, "[redacted name 1]", got[0].Name)
				assert.Equal(t, journal.Redacted, got[0].Value)
			}
		})
	}
	two := journal.RedactBody(map[string]any{"{a": 1, "{b": 2}, nil).(journal.Object).Map()
	assert.Len(t, two, 2, "hidden names stay distinct")
}
