package validate

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/pb33f/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/spec"
)

func TestFlatObjectOnlyForSimpleSchemas(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, schema string
		flat         bool
	}{
		{"strings, required, closed", `{type: object, additionalProperties: false, required: [a], properties: {a: {type: string, format: password, description: x}}}`, true},
		{"every primitive and null", `{type: object, properties: {a: {type: integer}, b: {type: number}, c: {type: boolean}, d: {type: [string, "null"]}}}`, true},
		{"a length limit", `{type: object, properties: {a: {type: string, minLength: 1}}}`, false},
		{"a pattern", `{type: object, properties: {a: {type: string, pattern: "^x"}}}`, false},
		{"an asserted format", `{type: object, properties: {a: {type: string, format: email}}}`, false},
		{"an enum", `{type: object, properties: {a: {type: string, enum: [x]}}}`, false},
		{"an object or array of any content", `{type: object, properties: {a: {type: object}, b: {type: [array, string, "null"]}}}`, true},
		{"a nested object with properties", `{type: object, properties: {a: {type: object, properties: {x: {type: string}}}}}`, false},
		{"an array with items", `{type: object, properties: {a: {type: array, items: {type: string}}}}`, false},
		{"an untyped property", `{type: object, properties: {a: {}}}`, false},
		{"additionalProperties as a schema", `{type: object, additionalProperties: {type: string}}`, false},
		{"allOf", `{type: object, allOf: [{required: [a]}]}`, false},
		{"not an object", `{type: string}`, false},
		{"no type", `{properties: {a: {type: string}}}`, false},
		{"OpenAPI 3.0 nullable", `{type: object, properties: {a: {type: string, nullable: true}}}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.flat, newFlatObject([]byte(tc.schema)) != nil)
		})
	}
}

// The direct check must never pass a body the general validator refuses.
func TestFlatObjectAgreesWithTheValidator(t *testing.T) {
	t.Parallel()
	const schemaJSON = `{"type":"object","additionalProperties":false,"required":["s","i"],
		"properties":{"s":{"type":"string"},"i":{"type":"integer"},"n":{"type":"number"},"b":{"type":"boolean"},"z":{"type":["string","null"]},
		"o":{"type":"object"},"a":{"type":["array","null"]}}}`
	const schemaYAML = `{type: object, additionalProperties: false, required: [s, i],
		properties: {s: {type: string}, i: {type: integer}, n: {type: number}, b: {type: boolean}, z: {type: [string, "null"]},
		o: {type: object}, a: {type: [array, "null"]}}}`
	flat := newFlatObject([]byte(schemaYAML))
	require.NotNil(t, flat)
	var doc any
	require.NoError(t, json.Unmarshal([]byte(schemaJSON), &doc))
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource("s.json", doc))
	compiled, err := c.Compile("s.json")
	require.NoError(t, err)

	values := []string{`"x"`, `1`, `1.5`, `-0`, `1e300`, `true`, `null`, `[]`, `{}`}
	keys := []string{"s", "i", "n", "b", "z", "o", "a", "extra"}
	checked := 0
	for _, s := range values {
		for _, i := range values {
			for _, k := range keys {
				for _, v := range values {
					body := fmt.Sprintf(`{"s":%s,"i":%s,%q:%s}`, s, i, k, v)
					var decoded any
					require.NoError(t, json.Unmarshal([]byte(body), &decoded))
					want := compiled.Validate(decoded) == nil
					if flat.valid(decoded) {
						assert.True(t, want, "the direct check passed %s, the validator refuses it", body)
						checked++
					}
				}
			}
		}
	}
	assert.Positive(t, checked)
	assert.False(t, flat.valid([]any{}), "not an object")
	assert.False(t, flat.valid(map[string]any{"s": "x"}), "a required field missing")
}

func TestShippedSpecTakesTheDirectCheck(t *testing.T) {
	t.Parallel()
	s, err := spec.LoadFile("../../openapi.yaml")
	require.NoError(t, err)
	v, err := New(s)
	require.NoError(t, err)
	for op, c := range v.ops {
		if op.Body != nil {
			_, err := c.schema()
			require.NoError(t, err)
			assert.NotNil(t, c.flat(), "%s: its body is a flat object", op.ID)
		}
	}
}
