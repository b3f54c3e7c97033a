package auth_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones below, whatever the machine has

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/auth"
)

// The vendor's test vector (reference: "Request Signature").
func TestSignVendorVector(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "UDysfR6MndUZReo07Y9r+vErn8vSxrnQ5ulit18iJ/Q=",
		auth.Sign("kw4qSnpSwXzgiv5yxYpZZmFEd9QAeiKTQ6OuyMja", "Tue, 07 Jun 2011 20:51:35 GMT"))
}

func TestCheck(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	date := now.Format(http.TimeFormat)
	at := func(d time.Duration) string { return now.Add(d).Format(http.TimeFormat) }
	keys := []auth.Key{
		{APIKey: "good", SharedKey: "s3cret"},
		{APIKey: "old", SharedKey: "s3cret", Status: auth.KeyRevoked},
		{APIKey: "ro", SharedKey: "s3cret", Status: auth.KeyReadOnly},
	}
	node := func(apiKey, shared, d string) string { return auth.HeaderValue(apiKey, shared, d) }
	python := `algorithm="hmac-sha256", headers="date", signature="` + auth.Sign("s3cret", date) + `", apiKey="good"`
	cases := []struct {
		name       string
		mode       auth.Mode
		date, auth string
		want       string // "" accepted
		wantMsg    string
	}{
		{"off accepts anything", auth.ModeOff, "yesterday", "garbage", "", ""},
		{"node style, known key", auth.ModeStrict, date, node("good", "s3cret", date), "", ""},
		{"python style, known key", auth.ModeStrict, date, python, "", ""},
		{"format: unknown key not verified", auth.ModeFormat, date, node("stranger", "whatever", date), "", ""},
		{"format: known key verified", auth.ModeFormat, date, node("good", "wrong", date), auth.CodeSignatureMismatch, ""},
		{"strict: unknown key", auth.ModeStrict, date, node("stranger", "whatever", date), auth.CodeInvalidAPIKey, ""},
		{"strict: wrong shared key", auth.ModeStrict, date, node("good", "wrong", date), auth.CodeSignatureMismatch, ""},
		{"strict: signature of another date", auth.ModeStrict, date, node("good", "s3cret", at(time.Second)), auth.CodeSignatureMismatch, ""},
		{"strict: revoked", auth.ModeStrict, date, node("old", "s3cret", date), auth.CodeRevokedAPIKey, ""},
		{"strict: read only", auth.ModeStrict, date, node("ro", "s3cret", date), auth.CodeReadOnlyAPIKey, ""},
		{"unparsable", auth.ModeFormat, date, "nonsense", auth.CodeInvalidHeaders, ""},
		{"headers other than date", auth.ModeFormat, date, `algorithm="hmac-sha256",headers="host",signature="x",apikey="k"`, auth.CodeInvalidHeaders, ""},
		{"missing params named", auth.ModeFormat, date, `algorithm="hmac-sha256",apikey="k"`, auth.CodeMissingParams,
			"some parameters are missing in authorization: headers, signature"},
		{"other algorithm", auth.ModeFormat, date, `algorithm="hmac-sha1",headers="date",signature="x",apikey="k"`, auth.CodeHMACRequired, ""},
		{"date not a date", auth.ModeFormat, "2026-11-26T12:00:00Z", node("k", "s", "x"), auth.CodeDateHeaderDiff, ""},
		{"date 14m59s old", auth.ModeStrict, at(-(15*time.Minute - time.Second)), node("good", "s3cret", at(-(15*time.Minute - time.Second))), "", ""},
		{"date 15m old", auth.ModeStrict, at(-15 * time.Minute), node("good", "s3cret", at(-15*time.Minute)), "", ""},
		{"date 15m01s old", auth.ModeStrict, at(-(15*time.Minute + time.Second)), node("good", "s3cret", at(-(15*time.Minute + time.Second))), auth.CodeDateHeaderDiff, ""},
		{"date 16m old", auth.ModeFormat, at(-16 * time.Minute), node("k", "s", at(-16*time.Minute)), auth.CodeDateHeaderDiff, ""},
		{"date 14m59s ahead", auth.ModeStrict, at(15*time.Minute - time.Second), node("good", "s3cret", at(15*time.Minute-time.Second)), "", ""},
		{"date 15m01s ahead", auth.ModeStrict, at(15*time.Minute + time.Second), node("good", "s3cret", at(15*time.Minute+time.Second)), auth.CodeDateHeaderDiff, ""},
		{"bearer in format mode", auth.ModeFormat, date, "Bearer anything", "", ""},
		{"known bearer in strict mode", auth.ModeStrict, date, "Bearer tok-1", "", ""},
		{"unknown bearer in strict mode", auth.ModeStrict, date, "Bearer tok-2", auth.CodeTokenMalformed, ""},
		{"issued bearer in strict mode", auth.ModeStrict, date, "Bearer issued-live", "", ""},
		{"expired bearer in strict mode", auth.ModeStrict, date, "Bearer issued-expired", auth.CodeTokenExpired, ""},
		{"expired bearer in format mode", auth.ModeFormat, date, "Bearer issued-expired", auth.CodeTokenExpired, ""},
		{"expired bearer with auth off", auth.ModeOff, date, "Bearer issued-expired", "", ""},
		{"bearer still needs a fresh date", auth.ModeStrict, at(-time.Hour), "Bearer tok-1", auth.CodeDateHeaderDiff, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			issued := func(token string) (string, auth.TokenState) {
				switch token {
				case "issued-live":
					return "client", auth.TokenLive
				case "issued-expired":
					return "client", auth.TokenExpired
				}
				return "", auth.TokenUnknown
			}
			v := auth.NewChecker(tc.mode, keys, []string{"tok-1"}, issued, clock)
			f := v.Check(tc.date, tc.auth)
			if tc.want == "" {
				assert.Nil(t, f, "refused: %+v", f)
				return
			}
			require.NotNil(t, f)
			assert.Equal(t, tc.want, f.Code)
			assert.Equal(t, tc.wantMsg, f.Message)
			assert.NotEmpty(t, f.Detail)
			assert.NotContains(t, f.Detail, "s3cret")
		})
	}
}

func TestParseMode(t *testing.T) {
	t.Parallel()
	for _, m := range []string{"off", "format", "strict"} {
		got, err := auth.ParseMode(m)
		require.NoError(t, err)
		assert.Equal(t, auth.Mode(m), got)
	}
	_, err := auth.ParseMode("lax")
	assert.ErrorContains(t, err, "want off, format or strict")
}

// TestDateForms: the Date forms real clients send are accepted, each signed over its exact
// text: Node's and Python's GMT, and the Go SDK's time.RFC1123 in local time, whose zone is
// an abbreviation (UTC in a container, CET on a developer's machine) or, with RFC1123Z, an
// offset. The time they name is compared with the clock, whatever the zone.
func TestDateForms(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 5, 48, 10, 0, time.UTC)
	clock := func() time.Time { return now }
	keys := []auth.Key{{APIKey: "go-sdk", SharedKey: "s3cret"}}
	cet := time.FixedZone("CET", 3600)
	cases := []struct {
		name, date string
		want       string // "" accepted
		detail     string
	}{
		{"GMT (Node, Python)", now.Format(http.TimeFormat), "", ""},
		{"Go SDK in a container: UTC", now.In(time.UTC).Format(time.RFC1123), "", ""},
		{"Go SDK in Berlin: CET", now.In(cet).Format(time.RFC1123), "", ""},
		{"Go SDK in summer: CEST", "Fri, 27 Nov 2026 07:48:10 CEST", "", ""},
		{"Go SDK in New York: EST", "Fri, 27 Nov 2026 00:48:10 EST", "", ""},
		{"Go SDK in California: PDT", "Thu, 26 Nov 2026 22:48:10 PDT", "", ""},
		{"UT", "Fri, 27 Nov 2026 05:48:10 UT", "", ""},
		{"Z", "Fri, 27 Nov 2026 05:48:10 Z", "", ""},
		{"numeric offset", now.In(time.FixedZone("", 2*3600)).Format(time.RFC1123Z), "", ""},
		{"numeric offset west", "Fri, 27 Nov 2026 01:48:10 -0400", "", ""},
		{"Go's numeric abbreviation (São Paulo)", now.In(time.FixedZone("-03", -3*3600)).Format(time.RFC1123), "", ""},
		{"Go's numeric abbreviation (India)", "Fri, 27 Nov 2026 11:18:10 +0530", "", ""},
		{"an hour off once the zone is applied", "Fri, 27 Nov 2026 05:48:10 CET", auth.CodeDateHeaderDiff, "from the server's clock"},
		{"a zone lsmock cannot place", "Fri, 27 Nov 2026 14:48:10 JST", auth.CodeDateHeaderDiff, `zone "JST"`},
		{"RFC 850 (HTTP allows it)", now.Format(time.RFC850), "", ""},
		{"asctime (HTTP allows it)", now.Format(time.ANSIC), "", ""},
		{"not a date", "tomorrow", auth.CodeDateHeaderDiff, "not an HTTP date"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := auth.NewChecker(auth.ModeStrict, keys, nil, nil, clock)
			f := v.Check(tc.date, auth.HeaderValue("go-sdk", "s3cret", tc.date))
			if tc.want == "" {
				assert.Nil(t, f, "refused: %+v", f)
				return
			}
			require.NotNil(t, f)
			assert.Equal(t, tc.want, f.Code)
			assert.Contains(t, f.Detail, tc.detail)
		})
	}
}

// TestGoSDKDateByTimeZone documents what lsmock makes of the Date the Go SDK sends from
// machines in various time zones (time.RFC1123 in local time, so the zone's abbreviation):
// accepted, refused because lsmock cannot place the abbreviation, or misread as another zone
// of the same name and refused as hours off. docs/sdks.md tells these runners to set TZ=UTC.
func TestGoSDKDateByTimeZone(t *testing.T) {
	t.Parallel()
	winter := time.Date(2026, 11, 27, 5, 48, 10, 0, time.UTC)
	summer := time.Date(2026, 7, 15, 5, 48, 10, 0, time.UTC)
	keys := []auth.Key{{APIKey: "go-sdk", SharedKey: "s3cret"}}
	cases := []struct {
		zone   string
		at     time.Time
		abbrev string
		want   string // "accepted", "unknown zone", "hours off"
	}{
		{"UTC", winter, "UTC", "accepted"},
		{"Europe/Berlin", winter, "CET", "accepted"},
		{"Europe/Berlin", summer, "CEST", "accepted"},
		{"America/Chicago", winter, "CST", "accepted"},
		{"America/Los_Angeles", summer, "PDT", "accepted"},
		{"America/Sao_Paulo", winter, "-03", "accepted"},
		{"Europe/London", winter, "GMT", "accepted"},
		{"Europe/London", summer, "BST", "unknown zone"},
		{"Europe/Dublin", summer, "IST", "unknown zone"},
		{"Asia/Kolkata", winter, "IST", "unknown zone"},
		{"Asia/Tokyo", winter, "JST", "unknown zone"},
		{"Australia/Sydney", winter, "AEDT", "unknown zone"},
		{"Europe/Moscow", winter, "MSK", "unknown zone"},
		{"Asia/Shanghai", winter, "CST", "hours off"}, // read as US Central: 14 hours off
	}
	for _, tc := range cases {
		t.Run(tc.zone+" "+tc.abbrev, func(t *testing.T) {
			t.Parallel()
			loc, err := time.LoadLocation(tc.zone)
			require.NoError(t, err)
			date := tc.at.In(loc).Format(time.RFC1123)
			require.True(t, strings.HasSuffix(date, " "+tc.abbrev), "the Go SDK's Date: %s", date)
			v := auth.NewChecker(auth.ModeStrict, keys, nil, nil, func() time.Time { return tc.at })
			f := v.Check(date, auth.HeaderValue("go-sdk", "s3cret", date))
			switch tc.want {
			case "accepted":
				assert.Nil(t, f, "%s refused: %+v", date, f)
			case "unknown zone":
				require.NotNil(t, f, date)
				assert.Equal(t, auth.CodeDateHeaderDiff, f.Code)
				assert.Contains(t, f.Detail, `zone "`+tc.abbrev+`"`)
			case "hours off":
				require.NotNil(t, f, date)
				assert.Equal(t, auth.CodeDateHeaderDiff, f.Code)
				assert.Contains(t, f.Detail, "from the server's clock")
			}
		})
	}
}
