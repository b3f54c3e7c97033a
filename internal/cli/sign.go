package cli

import (
	"flag"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/lsmock/lsmock/internal/auth"
)

// sign prints the Date and Authorization headers of a License API request, or a ready curl
// command, so QA can call a strict lsmock, or the real API, by hand.
func sign(args []string, env Env) int {
	fs := flag.NewFlagSet("lsmock sign", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	apiKey := fs.String("api-key", env.Getenv("LSMOCK_API_KEY"), "the API `key` (env LSMOCK_API_KEY)")
	sharedKey := fs.String("shared-key", env.Getenv("LSMOCK_SHARED_KEY"), "its shared `key` (env LSMOCK_SHARED_KEY)")
	date := fs.String("date", "", "the Date to sign (default: now), e.g. \"Tue, 07 Jun 2011 20:51:35 GMT\"")
	curl := fs.Bool("curl", false, "print a curl command instead of the two headers")
	url := fs.String("url", "http://"+DefaultAddr+"/api/v4/change_password", "the `URL` for --curl")
	body := fs.String("body", `{"username":"user@example.com","password":"old-password","new_password":"new-password"}`, "the JSON `body` for --curl")
	fs.Usage = func() {
		fmt.Fprint(env.Stderr, "Usage: lsmock sign --api-key KEY --shared-key KEY [--curl]\n\nSigns a License API request: signature = base64(HMAC-SHA256(shared key, \"licenseSpring\\ndate: \" + Date)).\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *apiKey == "" || *sharedKey == "" {
		fmt.Fprintln(env.Stderr, "lsmock sign: --api-key and --shared-key are required")
		return 2
	}
	d := *date
	if d == "" {
		d = time.Now().UTC().Format(http.TimeFormat)
	} else if _, err := auth.ParseDate(d); err != nil {
		fmt.Fprintf(env.Stderr, "lsmock sign: --date %q is not an HTTP date such as %q\n", d, time.Now().UTC().Format(http.TimeFormat))
		return 2
	}
	authorization := auth.HeaderValue(*apiKey, *sharedKey, d)
	if !*curl {
		fmt.Fprintf(env.Stdout, "Date: %s\nAuthorization: %s\n", d, authorization)
		return 0
	}
	fmt.Fprintf(env.Stdout, "curl -sS -X POST %s -H %s -H %s -H %s -d %s\n",
		shellQuote(*url), shellQuote("Date: "+d), shellQuote("Authorization: "+authorization),
		shellQuote("Content-Type: application/json"), shellQuote(*body))
	return 0
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
