package scenario_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock"
	"github.com/lsmock/lsmock/internal/scenario"
	"github.com/lsmock/lsmock/internal/spec"
)

var update = flag.Bool("update", false, "rewrite the golden files of TestLoadErrors")

// byName returns change_password's scenario of that name.
func byName(set *scenario.Set, name string) *scenario.Scenario {
	for _, sc := range set.Scenarios {
		if sc.Name == name && sc.Operation.ID == "changePassword" {
			return sc
		}
	}
	return nil
}

func defaultSpec(t testing.TB) *spec.Spec {
	t.Helper()
	s, err := spec.Load(lsmock.DefaultSpecName, lsmock.DefaultSpec())
	require.NoError(t, err)
	return s
}

// TestLoadErrors: every kind of mistake in a scenario file is reported with file:line:col
// and what to fix. Each case is a folder under testdata/load with its message in want.golden
// (go test ./internal/scenario -run TestLoadErrors -update rewrites them).
func TestLoadErrors(t *testing.T) {
	t.Parallel()
	s := defaultSpec(t)
	dirs, err := filepath.Glob("testdata/load/*")
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	for _, dir := range dirs {
		if filepath.Base(dir) == "off_spec_allowed" {
			continue // loads: see TestOffSpecLoads
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			_, err := scenario.Load(os.DirFS(dir), dir, s)
			require.Error(t, err)
			golden := filepath.Join(dir, "want.golden")
			if *update {
				require.NoError(t, os.WriteFile(golden, []byte(err.Error()+"\n"), 0o644))
			}
			want, rerr := os.ReadFile(golden)
			require.NoError(t, rerr, "run with -update to create %s", golden)
			assert.Equal(t, string(want), err.Error()+"\n")
		})
	}
}

func TestOffSpecLoads(t *testing.T) {
	t.Parallel()
	set, err := scenario.Load(os.DirFS("testdata/load/off_spec_allowed"), "x", defaultSpec(t))
	require.NoError(t, err)
	sc := byName(set, "object_on_200")
	require.NotNil(t, sc)
	assert.Equal(t, `{"message":"password_changed"}`, string(sc.Steps[0].Body))
	assert.True(t, sc.Steps[0].OffSpec)
}

// TestShippedScenarios: the embedded defaults load, and their shorthands resolve from the spec.
func TestShippedScenarios(t *testing.T) {
	t.Parallel()
	set, err := scenario.Load(lsmock.DefaultScenarios(), "scenarios", defaultSpec(t))
	require.NoError(t, err)

	success := byName(set, "success")
	require.NotNil(t, success)
	assert.True(t, success.Steps[0].Live, "it answers what lsmock would without it")
	assert.Equal(t, 200, success.Steps[0].Status)
	assert.Equal(t, `"password_changed"`, string(success.Steps[0].Body))

	notAllowed := byName(set, "change_password_not_allowed")
	require.NotNil(t, notAllowed)
	assert.Equal(t, 400, notAllowed.Steps[0].Status)
	assert.Equal(t, "change_password_not_allowed", notAllowed.Steps[0].Code)
	assert.JSONEq(t, `{"status":400,"code":"change_password_not_allowed","message":"Change password not allowed for the company"}`,
		string(notAllowed.Steps[0].Body))
	require.Len(t, notAllowed.Match, 1)
	assert.Equal(t, `body username matches /@not-allowed\.example$/`, notAllowed.Match[0].Text)

	seq := byName(set, "internal_error_then_success")
	require.NotNil(t, seq)
	require.Len(t, seq.Steps, 2)
	assert.Equal(t, 500, seq.Steps[0].Status)
	assert.Equal(t, 200, seq.Steps[1].Status)

	assert.Equal(t, 2*time.Second, byName(set, "slow_success").Steps[0].Delay.Min)
	implied := byName(set, "invalid_credentials")
	require.NotNil(t, implied, "every documented error answers by name")
	assert.True(t, implied.Implied)
	assert.Equal(t, "lsmock's code for an unknown user or a wrong password", implied.Description, "from the example's summary")
	for _, op := range []string{"activateLicense", "checkLicense", "deactivateLicense", "trialKey", "productDetails", "changePassword"} {
		n := 0
		for _, sc := range set.Scenarios {
			if sc.Name == "timeout" && sc.Operation.ID == op {
				n++
			}
		}
		assert.Equal(t, 1, n, "operation: \"*\" gives %s its own timeout", op)
	}
	require.NotNil(t, set.Catalog)
	assert.NotNil(t, set.Catalog.ByKey("DEMO-PERP-0000-0001"), "the demo licenses")
	assert.Equal(t, 3*time.Second, byName(set, "slow_body").Steps[0].Duration)
	for _, f := range []scenario.Fault{scenario.FaultConnectionReset, scenario.FaultEmptyResponse, scenario.FaultTruncatedBody,
		scenario.FaultMalformedJSON, scenario.FaultSlowBody, scenario.FaultTimeout} {
		sc := byName(set, string(f))
		if assert.NotNil(t, sc, "a scenario named after fault %s", f) {
			assert.Equal(t, f, sc.Steps[0].Fault)
		}
	}
}

func TestConditionForms(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "m.yaml"), []byte(`
scenarios:
  - name: all_forms
    operation: changePassword
    priority: 5
    times: 2
    match:
      body:
        username: alice@example.com
        /password: {one_of: [a, b]}
        new_password: {present: true}
      headers:
        x-version: 2
      query:
        mode: {absent: true}
      api_key: {regex: "^ci-"}
    response:
      example: change_password_not_allowed
      delay: {min: 10ms, max: 20ms}
`), 0o644))
	set, err := scenario.Load(os.DirFS(dir), dir, defaultSpec(t))
	require.NoError(t, err)
	sc := byName(set, "all_forms")
	require.NotNil(t, sc)
	assert.Equal(t, 5, sc.Priority)
	assert.Equal(t, 2, sc.Times)
	var texts []string
	for _, c := range sc.Match {
		texts = append(texts, c.Text)
	}
	assert.Equal(t, []string{
		`body username equals "alice@example.com"`,
		`body /password is one of "a", "b"`,
		`body new_password is present`,
		`header X-Version equals "2"`,
		`query mode is absent`,
		`api key matches /^ci-/`,
	}, texts)
	assert.Equal(t, scenario.Delay{Min: 10 * time.Millisecond, Max: 20 * time.Millisecond}, sc.Steps[0].Delay)
	assert.Equal(t, "change_password_not_allowed", sc.Steps[0].Code)
}

// TestLoadCheckedSkipsOnlyTheResponseCheck: the embedded scenarios load without holding
// each response to the spec again (TestShippedScenarios does that), and to the same set.
func TestLoadCheckedSkipsOnlyTheResponseCheck(t *testing.T) {
	t.Parallel()
	s := defaultSpec(t)
	checked, err := scenario.Load(lsmock.DefaultScenarios(), "scenarios", s)
	require.NoError(t, err)
	trusted, err := scenario.LoadTrusted(lsmock.DefaultScenarios(), "scenarios", s)
	require.NoError(t, err)
	require.Len(t, trusted.Scenarios, len(checked.Scenarios))
	for i, sc := range checked.Scenarios {
		assert.Equal(t, sc.Ref(), trusted.Scenarios[i].Ref())
		assert.Equal(t, sc.Steps, trusted.Scenarios[i].Steps, sc.Ref())
	}

	dir := "testdata/load/breaks_spec"
	_, err = scenario.Load(os.DirFS(dir), dir, s)
	require.Error(t, err, "a response the spec forbids")
	_, err = scenario.LoadTrusted(os.DirFS(dir), dir, s)
	assert.NoError(t, err, "LoadTrusted trusts the responses, and only them")
}
