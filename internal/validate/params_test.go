package validate_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock"
	"github.com/lsmock/lsmock/internal/spec"
	"github.com/lsmock/lsmock/internal/validate"
)

// TestParametersRefuseAsTheLibrary: the parameters of every operation of the embedded spec
// are checked without the document's model, and every refusal, hostile values and all, is
// byte for byte the one libopenapi-validator words on the document's model; the same for a
// spec of every parameter shape lsmock checks itself, and one it leaves to the library.
func TestParametersRefuseAsTheLibrary(t *testing.T) {
	t.Parallel()
	document := lsmock.DefaultSpec()
	full, err := spec.Load(lsmock.DefaultSpecName, document)
	require.NoError(t, err)
	snap, err := full.Snapshot(document)
	require.NoError(t, err)
	fromSnap, err := spec.LoadSnapshot(lsmock.DefaultSpecName, snap, document)
	require.NoError(t, err)
	shapes, err := spec.LoadFile("testdata/params.yaml")
	require.NoError(t, err)
	cases := []struct {
		name      string
		oracle    *spec.Spec // read by the library
		s         *spec.Spec // checked directly where it can be
		shapeOnly bool
		seen      []string // refusals the requests must earn, among others
	}{
		{"embedded, from its snapshot", full, fromSnap, false, []string{
			"Query parameter 'response_type' does not match allowed values",
			"Query parameter 'response_type' failed to validate", // " code": trimmed, it matches
			"Query parameter 'login_type' does not match allowed values",
			"Query parameter 'license_id' is not a valid integer",
			"Query parameter 'include_expired_features' is not a valid boolean",
			"Header parameter 'Date' is missing",
			"Query parameter '[redacted]' does not match allowed values", // a value the message holds
		}},
		{"every shape", shapes, shapes, true, []string{
			"Query parameter 'ratio' is not a valid number",
			"Query parameter 'mode' failed to validate",
			"Query parameter 'tag[x]' does not match allowed values",
			"Query parameter 'level' does not match allowed values", // declared on the path item
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			library, direct := validate.NewThroughLibrary(tc.oracle), validate.NewDeferred(tc.s)
			refusals := map[string]int{}
			for i, op := range tc.s.Operations {
				if !tc.shapeOnly {
					assert.True(t, op.DirectParams, "%s: the snapshot describes its parameters", op.ID)
				}
				if op.Body != nil || len(op.Params) == 0 && !tc.shapeOnly {
					continue
				}
				for _, q := range hostileQueries(op) {
					headers := headerCases[:1]
					if q.withoutHeaders {
						headers = headerCases
					}
					for _, header := range headers {
						want := admit(library, tc.oracle.Operations[i], q.target, header)
						got := admit(direct, op, q.target, header)
						require.Equal(t, want, got, "%s %s %v", op.ID, q.target, header)
						if want != nil {
							refusals[want.Message]++
						}
					}
				}
			}
			for _, msg := range tc.seen {
				assert.Positive(t, refusals[msg], msg)
			}
		})
	}
}

// headerCases are the headers a request sends: all, then none, and an empty Date.
var headerCases = []map[string]string{
	{"Date": "Wed, 02 Dec 2026 12:00:00 GMT", "Authorization": "Bearer token", "X-Trace": "t"},
	{},
	{"Date": "", "Authorization": "Bearer token"},
}

func admit(v *validate.Validator, op *spec.Operation, target string, headers map[string]string) *validate.Rejection {
	r := httptest.NewRequest(op.Method, target, nil)
	for k, val := range headers {
		r.Header.Set(k, val)
	}
	_, rej := v.AdmitBody(op, r, r.URL.Query(), nil)
	return rej
}

func sum(m map[string]int) int {
	n := 0
	for _, c := range m {
		n += c
	}
	return n
}

// hostileValues are query values, as sent on the wire: of the wrong type, near an enum,
// empty, long, percent-encoded junk, reserved characters, words of the library's messages.
var hostileValues = []string{
	"", "x", "nope", "code", "CODE", "+code", "code+", "%20code", "%09token", "token%00", "low", "client_credentials",
	"abc", "1", "01", "-1", "1.0", "1.5", "1e3", "1e400", "99999999999999999999", "0x10", "1_000", "NaN", "Inf", "+1",
	"true", "TRUE", "t", "yes", "0",
	"%zz", "%", "%E2%80%A8", "%FF%FE", "a%26b%3Dc", "http://x/y?z", "a:b@c!$'()*,", "a#b", "a;b",
	"allowed", "Query", "response_type", "login_type", "Date",
	strings.Repeat("A", 8192), strings.Repeat("%41", 2000),
}

type hostileQuery struct {
	target         string
	withoutHeaders bool // sent also without headers: a few are enough
}

// hostileQueries are query strings for op: its required query parameters with a valid value,
// then each of its query parameters with each hostile value, alone, repeated, and in
// deepObject brackets.
func hostileQueries(op *spec.Operation) []hostileQuery {
	valid := map[string]string{}
	var required []string
	for _, p := range op.Params {
		if p.In != "query" {
			continue
		}
		valid[p.Name] = map[string]string{"string": "x", "integer": "1", "number": "1.5", "boolean": "true"}[p.Type]
		if len(p.Enum) > 0 {
			valid[p.Name] = p.Enum[0]
		}
		if p.Required {
			required = append(required, p.Name)
		}
	}
	for _, name := range op.RequiredQuery {
		if _, ok := valid[name]; !ok {
			valid[name] = "x"
			required = append(required, name)
		}
	}
	with := func(except string, extra string) string {
		parts := []string{}
		for _, name := range required {
			if name != except {
				parts = append(parts, name+"="+valid[name])
			}
		}
		return op.Path + "?" + strings.Join(append(parts, extra), "&")
	}
	out := []hostileQuery{{with("", ""), true}, {op.Path, true}}
	for name, ok := range valid {
		for _, v := range hostileValues {
			out = append(out, hostileQuery{with(name, name+"="+v), true})
			for _, extra := range []string{
				name + "=" + ok + "&" + name + "=" + v,
				name + "=" + v + "&" + name + "=" + v,
				name + "[k][j]=" + v + "&" + name + "=" + ok,
				name + "[]=" + v,
			} {
				out = append(out, hostileQuery{target: with(name, extra)})
			}
			out = append(out, hostileQuery{target: with("", name+"[k]="+v)})
		}
	}
	return out
}

// TestScrubIsStable: a message that holds two submitted values, one inside the other, shows
// the same words every time (the maps' order decided before).
func TestScrubIsStable(t *testing.T) {
	t.Parallel()
	s, err := spec.LoadFile("testdata/params.yaml")
	require.NoError(t, err)
	v := validate.NewDeferred(s)
	for range 20 {
		rej := admit(v, s.Operation("direct"), "/direct?mode=code&level=low&level=allowed&free=low", headerCases[0])
		require.NotNil(t, rej)
		assert.Equal(t, "Query parameter 'level' does not match [redacted] values", rej.Message)
	}
}

// TestDirectParams: which parameters lsmock checks itself, and which it leaves to the library.
func TestDirectParams(t *testing.T) {
	t.Parallel()
	s, err := spec.LoadFile("testdata/params.yaml")
	require.NoError(t, err)
	for _, op := range s.Operations {
		assert.Equal(t, op.ID == "direct", op.DirectParams, op.ID)
	}
	assert.Equal(t, []spec.Param{
		{Name: "level", In: "query", Type: "string", Enum: []string{"low", "high"}},
		{Name: "Date", In: "header", Required: true, Type: "string"},
		{Name: "X-Trace", In: "header", Type: "string"},
		{Name: "mode", In: "query", Required: true, Type: "string", Enum: []string{"code", "token", " spaced"}},
		{Name: "count", In: "query", Type: "integer"},
		{Name: "ratio", In: "query", Type: "number"},
		{Name: "flag", In: "query", Type: "boolean"},
		{Name: "secret", In: "query", Type: "string"},
		{Name: "tag[x]", In: "query", Type: "string", Enum: []string{"a"}},
		{Name: "free", In: "query", Type: "string"},
	}, s.Operation("direct").Params)
}

// FuzzParametersAsTheLibrary: whatever the query string and the Date header, the direct
// parameter checks of sso_url, oauth_url, user_licenses and check_license (and of a spec of
// every shape) refuse as libopenapi-validator does on the document's model.
func FuzzParametersAsTheLibrary(f *testing.F) {
	document := lsmock.DefaultSpec()
	full, err := spec.Load(lsmock.DefaultSpecName, document)
	require.NoError(f, err)
	shapes, err := spec.LoadFile("testdata/params.yaml")
	require.NoError(f, err)
	specs := []*spec.Spec{full, shapes}
	library := []*validate.Validator{validate.NewThroughLibrary(full), validate.NewThroughLibrary(shapes)}
	direct := []*validate.Validator{validate.NewDeferred(full), validate.NewDeferred(shapes)}
	ops := []struct {
		spec int
		id   string
	}{{0, "ssoUrl"}, {0, "oauthUrl"}, {0, "userLicenses"}, {0, "checkLicense"}, {1, "direct"}}
	f.Add(uint8(0), "product=p&customer_account_code=c&response_type=+code", "d")
	f.Add(uint8(1), "login_type=client_credentials&login_type[a][b]=x", "")
	f.Add(uint8(3), "hardware_id=h&product=p&license_id=1e400&include_expired_features=1", "d")
	f.Add(uint8(4), "mode=%20spaced&count=1.0&ratio=-1e3&flag=T&tag[x]=b&tag[y]=a", "d")
	f.Fuzz(func(t *testing.T, which uint8, rawQuery, date string) {
		o := ops[int(which)%len(ops)]
		op := specs[o.spec].Operation(o.id)
		request := func() *http.Request {
			r := &http.Request{Method: op.Method, URL: &url.URL{Path: op.Path, RawQuery: rawQuery}, Header: http.Header{}}
			if date != "" {
				r.Header.Set("Date", date)
			}
			return r
		}
		r1, r2 := request(), request()
		_, want := library[o.spec].AdmitBody(op, r1, r1.URL.Query(), nil)
		_, got := direct[o.spec].AdmitBody(op, r2, r2.URL.Query(), nil)
		require.Equal(t, want, got, "%s ?%s", o.id, rawQuery)
	})
}
