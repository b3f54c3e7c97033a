package cli

import (
	"context"
	"flag"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/testutil"
)

// commandFlags builds each command's flags, reading the environment from env.
func commandFlags(cmd string, env map[string]string) *flagSet {
	e := Env{Stderr: io.Discard, Getenv: func(k string) string { return env[k] }}
	switch cmd {
	case "serve":
		return serveFlags(e, false, &serveOptions{})
	case "proxy":
		return serveFlags(e, true, &serveOptions{})
	case "verify":
		return verifyFlags(e, &verifyOptions{})
	case "lint":
		return lintFlags(e, &fileFlags{})
	case "sign":
		return signFlags(e, &signOptions{})
	case "signing-key":
		var file string
		return signingKeyFlags(e, &file)
	}
	panic("no command " + cmd)
}

// publicEnv is every environment variable each command reads, with the flag it stands for.
// The names are public (CI files, containers, the npm and Python packages set them): a
// rename breaks users, so this list changes only by adding.
func publicEnv() map[string]map[string]string {
	serve := map[string]string{
		"LSMOCK_ADDR": "addr", "LSMOCK_SPEC": "spec", "LSMOCK_SCENARIOS": "scenarios",
		"LSMOCK_LOG_FORMAT": "log-format", "LSMOCK_LOG_LEVEL": "log-level", "LSMOCK_AUTH": "auth",
		"LSMOCK_API_KEY": "api-key", "LSMOCK_SHARED_KEY": "shared-key", "LSMOCK_KEYS": "keys",
		"LSMOCK_CLIENT_ID": "client-id", "LSMOCK_CLIENT_SECRET": "client-secret", "LSMOCK_TOKEN_TTL": "token-ttl",
		"LSMOCK_SIGNING_KEY": "signing-key", "LSMOCK_CORS_ORIGINS": "cors-origins", "LSMOCK_NO_CORS": "no-cors",
		"LSMOCK_WATCH": "watch", "LSMOCK_JOURNAL_SIZE": "journal-size", "LSMOCK_ADMIN_TOKEN": "admin-token",
		"LSMOCK_ADMIN_ADDR": "admin-addr", "LSMOCK_PPROF_ADDR": "pprof-addr", "LSMOCK_MAX_SESSIONS": "max-sessions",
		"LSMOCK_MAX_FIELD_BYTES": "max-field-bytes", "LSMOCK_MAX_BODY_BYTES": "max-body-bytes",
		"LSMOCK_MAX_HEADER_BYTES": "max-header-bytes", "LSMOCK_READ_HEADER_TIMEOUT": "read-header-timeout",
		"LSMOCK_READ_TIMEOUT": "read-timeout", "LSMOCK_MAX_HOLD": "max-hold", "LSMOCK_TLS": "tls",
		"LSMOCK_CERT": "cert", "LSMOCK_KEY": "key", "LSMOCK_CA_FILE": "ca-file",
		"LSMOCK_REPORT": "report", "LSMOCK_JUNIT": "junit",
	}
	proxy := map[string]string{
		"LSMOCK_TARGET": "target", "LSMOCK_TARGET_CA": "target-ca", "LSMOCK_RECORD": "record",
		"LSMOCK_UPSTREAM_TIMEOUT": "upstream-timeout", "LSMOCK_RECORD_KEEP_IDS": "record-keep-ids",
	}
	for k, v := range serve {
		proxy[k] = v
	}
	return map[string]map[string]string{
		"serve": serve,
		"proxy": proxy,
		"verify": {"LSMOCK_TARGET": "target", "LSMOCK_SPEC": "spec", "LSMOCK_SCENARIOS": "scenarios",
			"LSMOCK_API_KEY": "api-key", "LSMOCK_SHARED_KEY": "shared-key"},
		"lint":        {"LSMOCK_SPEC": "spec", "LSMOCK_SCENARIOS": "scenarios"},
		"sign":        {"LSMOCK_API_KEY": "api-key", "LSMOCK_SHARED_KEY": "shared-key"},
		"signing-key": {"LSMOCK_SIGNING_KEY": "signing-key"},
	}
}

// noEnv are the flags that read no environment variable: one-off settings of one run.
func noEnv() map[string][]string {
	return map[string][]string{"verify": {"junit", "timeout"}, "sign": {"body", "curl", "date", "method", "url"}}
}

func TestEnvName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ flag, want string }{
		{"addr", "LSMOCK_ADDR"},
		{"max-body-bytes", "LSMOCK_MAX_BODY_BYTES"},
		{"read-header-timeout", "LSMOCK_READ_HEADER_TIMEOUT"},
		{"record-keep-ids", "LSMOCK_RECORD_KEEP_IDS"},
	} {
		assert.Equal(t, tc.want, envName(tc.flag))
	}
}

// TestEachFlagReadsItsEnvironmentVariable: every public variable sets its flag, by the one
// rule, and no flag reads a variable the list does not have.
func TestEachFlagReadsItsEnvironmentVariable(t *testing.T) {
	t.Parallel()
	for cmd, vars := range publicEnv() {
		t.Run(cmd, func(t *testing.T) {
			t.Parallel()
			for key, name := range vars {
				assert.Equal(t, key, envName(name))
				f := commandFlags(cmd, nil)
				fl := f.fs.Lookup(name)
				require.NotNil(t, fl, "%s has no --%s", cmd, name)
				value, want := sampleValue(t, fl)
				f = commandFlags(cmd, map[string]string{key: value})
				_, ok := f.parse(nil)
				require.True(t, ok, "%s=%s", key, value)
				assert.Equal(t, want, f.fs.Lookup(name).Value.String(), "%s %s=%s", cmd, key, value)
			}
			var withEnv, without []string
			commandFlags(cmd, nil).fs.VisitAll(func(fl *flag.Flag) {
				if strings.Contains(fl.Usage, "(env "+envName(fl.Name)) {
					withEnv = append(withEnv, fl.Name)
				} else {
					without = append(without, fl.Name)
				}
			})
			assert.Len(t, withEnv, len(vars), "%s: a flag that reads the environment is missing from publicEnv", cmd)
			assert.Equal(t, noEnv()[cmd], without, "%s: flags that read no environment variable", cmd)
		})
	}
}

// sampleValue is a value for fl other than its default, as the environment would give it,
// and the flag's value it gives.
func sampleValue(t *testing.T, fl *flag.Flag) (value, want string) {
	t.Helper()
	switch fl.Value.(flag.Getter).Get().(type) {
	case bool:
		return "1", "true"
	case int, int64:
		return "7", "7"
	case time.Duration:
		return "7s", "7s"
	case string:
		return "from-env", "from-env"
	}
	t.Fatalf("--%s: a flag of an unknown kind", fl.Name)
	return "", ""
}

// TestFlagBeatsEnvironmentBeatsDefault: a flag on the command line wins over its variable,
// the variable over the built-in default, for every kind of flag.
func TestFlagBeatsEnvironmentBeatsDefault(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, cmd, flag string
		env             map[string]string
		args            []string
		want            string
	}{
		{"string default", "serve", "addr", nil, nil, DefaultAddr},
		{"string from env", "serve", "addr", map[string]string{"LSMOCK_ADDR": "0.0.0.0:1"}, nil, "0.0.0.0:1"},
		{"string flag wins", "serve", "addr", map[string]string{"LSMOCK_ADDR": "0.0.0.0:1"}, []string{"--addr", "127.0.0.1:2"}, "127.0.0.1:2"},
		{"empty env is unset", "serve", "log-level", map[string]string{"LSMOCK_LOG_LEVEL": ""}, nil, "info"},
		{"secret from env", "verify", "api-key", map[string]string{"LSMOCK_API_KEY": "k"}, nil, "k"},
		{"secret flag wins", "sign", "api-key", map[string]string{"LSMOCK_API_KEY": "k"}, []string{"--api-key", "flag"}, "flag"},
		{"bool default", "serve", "tls", nil, nil, "false"},
		{"bool from env 1", "serve", "tls", map[string]string{"LSMOCK_TLS": "1"}, nil, "true"},
		{"bool 0 is off", "serve", "no-cors", map[string]string{"LSMOCK_NO_CORS": "0"}, nil, "false"},
		{"bool flag wins", "serve", "watch", map[string]string{"LSMOCK_WATCH": "1"}, []string{"--watch=false"}, "false"},
		{"int default", "serve", "journal-size", nil, nil, "1000"},
		{"int from env", "serve", "journal-size", map[string]string{"LSMOCK_JOURNAL_SIZE": "5"}, nil, "5"},
		{"int flag wins", "serve", "journal-size", map[string]string{"LSMOCK_JOURNAL_SIZE": "5"}, []string{"--journal-size", "9"}, "9"},
		{"int64 from env", "proxy", "max-body-bytes", map[string]string{"LSMOCK_MAX_BODY_BYTES": "2048"}, nil, "2048"},
		{"duration default", "proxy", "upstream-timeout", nil, nil, "15s"},
		{"duration from env", "proxy", "upstream-timeout", map[string]string{"LSMOCK_UPSTREAM_TIMEOUT": "2s"}, nil, "2s"},
		{"duration flag wins", "serve", "max-hold", map[string]string{"LSMOCK_MAX_HOLD": "2s"}, []string{"--max-hold", "3s"}, "3s"},
		{"shared flag from env", "lint", "scenarios", map[string]string{"LSMOCK_SCENARIOS": "dir"}, nil, "dir"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := commandFlags(tc.cmd, tc.env)
			_, ok := f.parse(tc.args)
			require.True(t, ok)
			assert.Equal(t, tc.want, f.fs.Lookup(tc.flag).Value.String())
		})
	}
}

// TestHelpShowsTheEnvironmentsDefaultButNoSecret: --help shows a string the environment
// gave as the flag's default, but never a secret's.
func TestHelpShowsTheEnvironmentsDefaultButNoSecret(t *testing.T) {
	t.Parallel()
	env := map[string]string{"LSMOCK_ADDR": "0.0.0.0:1", "LSMOCK_TARGET": "http://u:pw@x", "LSMOCK_ADMIN_TOKEN": "tok"}
	f := commandFlags("proxy", env)
	assert.Equal(t, "0.0.0.0:1", f.fs.Lookup("addr").DefValue)
	for _, name := range []string{"target", "admin-token", "api-key", "shared-key", "client-id", "client-secret"} {
		assert.Empty(t, f.fs.Lookup(name).DefValue, "--%s", name)
	}
}

// TestBadEnvironmentValue: a malformed number or duration from the environment stops the
// command with exit 2 and a message naming the variable, its flag and what it wants.
func TestBadEnvironmentValue(t *testing.T) {
	t.Parallel()
	cases := []struct {
		cmd, key, value string
		want            []string
	}{
		{"serve", "LSMOCK_MAX_HOLD", "soon", []string{`lsmock serve: LSMOCK_MAX_HOLD="soon" is not a valid --max-hold`, "want a duration such as 30s", "see lsmock serve --help"}},
		{"serve", "LSMOCK_JOURNAL_SIZE", "many", []string{`LSMOCK_JOURNAL_SIZE="many" is not a valid --journal-size`, "want a whole number such as 1000"}},
		{"serve", "LSMOCK_MAX_BODY_BYTES", "1MB", []string{`LSMOCK_MAX_BODY_BYTES="1MB" is not a valid --max-body-bytes`, "want a whole number such as 1048576"}},
		{"proxy", "LSMOCK_UPSTREAM_TIMEOUT", "15", []string{`lsmock proxy: LSMOCK_UPSTREAM_TIMEOUT="15" is not a valid --upstream-timeout`, "want a duration such as 15s"}},
	}
	for _, tc := range cases {
		t.Run(tc.key, func(t *testing.T) {
			t.Parallel()
			var stderr testutil.Buffer
			ctx, cancel := context.WithCancel(t.Context())
			cancel() // a server the bad value did not stop stops at once, and the test fails
			code := Run(ctx, []string{tc.cmd, "--addr", "127.0.0.1:0"}, Env{Stdout: io.Discard, Stderr: &stderr,
				Getenv: func(k string) string { return map[string]string{tc.key: tc.value}[k] }})
			assert.Equal(t, 2, code)
			for _, w := range tc.want {
				assert.Contains(t, stderr.String(), w)
			}
		})
	}
}

// TestOperationsDocListsEveryVariable: docs/operations.md names every variable serve and
// proxy read.
func TestOperationsDocListsEveryVariable(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../../docs/operations.md")
	require.NoError(t, err)
	for key := range publicEnv()["proxy"] {
		assert.Contains(t, string(doc), "`"+key, "docs/operations.md")
	}
}
