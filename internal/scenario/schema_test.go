package scenario_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/license"
)

// TestJSONSchemaAgreesWithLoader: the editor schema accepts the shipped files and the valid
// fixtures, and rejects the fixtures whose mistakes are structural, so it cannot drift from
// what the loader takes.
func TestJSONSchemaAgreesWithLoader(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../scenarios/scenario.schema.json")
	require.NoError(t, err)
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource("scenario.schema.json", doc))
	schema, err := c.Compile("scenario.schema.json")
	require.NoError(t, err)

	shipped, err := filepath.Glob("../../scenarios/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, shipped)
	valid := append(shipped, "testdata/load/off_spec_allowed/scenarios.yaml", "../../testdata/users/users.yaml")
	for _, f := range valid {
		assert.NoError(t, schema.Validate(yamlAsJSON(t, f)), f)
	}
	for _, f := range []string{"typo_key", "wrong_types", "response_and_steps", "unknown_fault", "not_a_list", "users_errors", "licenses_errors", "bundles_decl_errors"} {
		assert.Error(t, schema.Validate(yamlAsJSON(t, "testdata/load/"+f+"/scenarios.yaml")), f)
	}
}

func yamlAsJSON(t *testing.T, path string) any {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var v any
	require.NoError(t, yaml.Unmarshal(data, &v), path)
	b, err := json.Marshal(v)
	require.NoError(t, err, path)
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	require.NoError(t, err)
	return out
}

// TestJSONSchemaKnowsEveryCondition: error_codes: in the JSON Schema lists exactly the
// conditions the loader takes.
func TestJSONSchemaKnowsEveryCondition(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../scenarios/scenario.schema.json")
	require.NoError(t, err)
	var schema struct {
		Properties struct {
			ErrorCodes struct {
				Properties map[string]any `json:"properties"`
			} `json:"error_codes"`
		} `json:"properties"`
	}
	require.NoError(t, json.Unmarshal(data, &schema))
	var listed []string
	for c := range schema.Properties.ErrorCodes.Properties {
		listed = append(listed, c)
	}
	assert.ElementsMatch(t, license.Conditions(), listed)
}
