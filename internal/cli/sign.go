package cli

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/lsmock/lsmock/internal/auth"
	"github.com/lsmock/lsmock/internal/load"
)

// sign prints the Date and Authorization headers of a License API request, or a ready curl
// command, so QA can call a strict lsmock, or the real API, by hand.
func sign(args []string, env Env) int {
	var o signOptions
	if code, ok := signFlags(env, &o).parse(args); !ok {
		return code
	}
	if o.apiKey == "" || o.sharedKey == "" {
		fmt.Fprintln(env.Stderr, "lsmock sign: --api-key and --shared-key are required")
		return 2
	}
	d := o.date
	if d == "" {
		d = time.Now().UTC().Format(http.TimeFormat)
	} else if _, err := auth.ParseDate(d); err != nil {
		fmt.Fprintf(env.Stderr, "lsmock sign: --date %q is not an HTTP date such as %q\n", d, time.Now().UTC().Format(http.TimeFormat))
		return 2
	}
	authorization := auth.HeaderValue(o.apiKey, o.sharedKey, d)
	if !o.curl {
		fmt.Fprintf(env.Stdout, "Date: %s\nAuthorization: %s\n", d, authorization)
		return 0
	}
	method := strings.ToUpper(o.method)
	if method == "" {
		method = methodOf(o.url)
	}
	fmt.Fprintf(env.Stdout, "curl -sS -X %s %s -H %s -H %s", method,
		shellQuote(o.url), shellQuote("Date: "+d), shellQuote("Authorization: "+authorization))
	if method != http.MethodGet {
		fmt.Fprintf(env.Stdout, " -H %s -d %s", shellQuote("Content-Type: application/json"), shellQuote(o.body))
	}
	fmt.Fprintln(env.Stdout)
	return 0
}

// methodOf is the method of the embedded spec's operation at rawURL's path: GET for
// check_license and the other reads, else POST (the spec's writes, and any other path).
func methodOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return http.MethodPost
	}
	s, err := load.Files{}.Spec()
	if err != nil {
		return http.MethodPost
	}
	if op, allowed := s.Find(http.MethodPost, u.Path); op == nil && slices.Contains(allowed, http.MethodGet) {
		return http.MethodGet
	}
	return http.MethodPost
}

// signOptions are lsmock sign's flags.
type signOptions struct {
	keyFlags
	date, url, body, method string
	curl                    bool
}

// signFlags declares lsmock sign's flags into o; only the keys come from the environment.
func signFlags(env Env, o *signOptions) *flagSet {
	f := newFlagSet("lsmock sign", env, "Usage: lsmock sign --api-key KEY --shared-key KEY [--curl]\n\nSigns a License API request: signature = base64(HMAC-SHA256(shared key, \"licenseSpring\\ndate: \" + Date)).\n\nFlags:\n")
	f.keys(&o.keyFlags, "to sign with")
	f.fs.StringVar(&o.date, "date", "", "the Date to sign (default: now), e.g. \"Tue, 07 Jun 2011 20:51:35 GMT\"")
	f.fs.BoolVar(&o.curl, "curl", false, "print a curl command instead of the two headers")
	f.fs.StringVar(&o.url, "url", "http://"+DefaultAddr+"/api/v4/change_password", "the `URL` for --curl")
	f.fs.StringVar(&o.method, "method", "", "the `method` for --curl (default: the method of the operation --url names, else POST)")
	f.fs.StringVar(&o.body, "body", `{"username":"user@example.com","password":"old-password","new_password":"new-password"}`, "the JSON `body` for --curl (not sent with GET)")
	return f
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
