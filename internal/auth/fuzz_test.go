package auth_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lsmock/lsmock/internal/auth"
)

// FuzzParse: any Authorization value parses or is refused, never panics; what the SDKs send
// always parses back to its own key.
func FuzzParse(f *testing.F) {
	date := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC).Format(http.TimeFormat)
	for _, seed := range []string{
		auth.HeaderValue("key", "shared", date),
		`algorithm="hmac-sha256", headers="date", signature="c2ln", apiKey="k"`,
		"Bearer tok",
		`a=b`, `a="`, `=`, `,`, "", `a="b",`, "\x00", `algorithm=hmac-sha256,apikey=k`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, value string) {
		h, err := auth.Parse(value)
		if err == nil && h.Bearer == "" && h.Pairs == 0 {
			t.Fatalf("Parse(%q) succeeded with nothing in it", value)
		}
		// A key as an SDK would send it survives the trip.
		key := strings.Map(func(r rune) rune {
			if r == '"' || r < ' ' || r > '~' {
				return -1
			}
			return r
		}, value)
		if key == "" {
			return
		}
		h, err = auth.Parse(auth.HeaderValue(key, "shared", date))
		if err != nil || h.APIKey() != key {
			t.Fatalf("the SDK form with apikey %q parsed to %q, %v", key, h.APIKey(), err)
		}
	})
}

// FuzzCheck: the signing checks answer any Date and header pair without panicking.
func FuzzCheck(f *testing.F) {
	date := time.Now().UTC().Format(http.TimeFormat)
	f.Add(date, auth.HeaderValue("key", "shared", date))
	f.Add("yesterday", `algorithm="md5",headers="x",signature="",apikey=""`)
	v := auth.NewChecker(auth.ModeStrict, []auth.Key{{APIKey: "key", SharedKey: "shared"}}, []string{"tok"}, nil, nil)
	f.Fuzz(func(t *testing.T, date, value string) {
		h, err := auth.Parse(value)
		_ = v.CheckParsed(date, h, err)
	})
}
