package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

// envName is the environment variable a flag is read from when the command line does not
// give it: --max-body-bytes reads LSMOCK_MAX_BODY_BYTES. The command line wins over the
// environment, the environment over the built-in default.
func envName(flagName string) string {
	return "LSMOCK_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// flagSet is a subcommand's flags. Those declared through its methods also read their
// environment variable (envName); those declared on fs directly read none.
type flagSet struct {
	fs     *flag.FlagSet
	cmd    string // "lsmock serve", for messages
	stderr io.Writer
	getenv func(string) string
	// parsed are the numbers and durations: their environment value is parsed like the
	// flag's when parsing, so a malformed one is an error, not ignored. Each is a size, a
	// count or a time, so zero or less is refused too: lsmock would otherwise take its
	// default, not what the user asked for.
	parsed []parsedFlag
	// switches are the boolean flags: their environment value must be 1, 0 or empty, so
	// LSMOCK_TLS=true is an error rather than silently off.
	switches []string
}

type parsedFlag struct{ name, want string }

// newFlagSet starts the flags of cmd; usage is what --help prints before the flags.
func newFlagSet(cmd string, env Env, usage string) *flagSet {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		_, _ = io.WriteString(env.Stderr, usage)
		fs.PrintDefaults()
	}
	return &flagSet{fs: fs, cmd: cmd, stderr: env.Stderr, getenv: env.Getenv}
}

// envNote is usage with the flag's environment variable named.
func envNote(name, usage string) string {
	return usage + " (env " + envName(name) + ")"
}

// string declares a string flag; its default is the environment's value, else def, and
// --help shows it.
func (f *flagSet) string(p *string, name, def, usage string) {
	if v := f.getenv(envName(name)); v != "" {
		def = v
	}
	f.fs.StringVar(p, name, def, envNote(name, usage))
}

// secret declares a string flag whose environment value --help never shows (a key, a
// token, a URL that may hold a password).
func (f *flagSet) secret(p *string, name, usage string) {
	f.fs.StringVar(p, name, f.getenv(envName(name)), envNote(name, usage))
	f.fs.Lookup(name).DefValue = ""
}

// bool declares a boolean flag, off unless its environment variable is "1" (parse refuses
// any value but 1 and 0).
func (f *flagSet) bool(p *bool, name, usage string) {
	f.fs.BoolVar(p, name, f.getenv(envName(name)) == "1", usage+" (env "+envName(name)+"=1)")
	f.switches = append(f.switches, name)
}

func (f *flagSet) int(p *int, name string, def int, usage string) {
	f.fs.IntVar(p, name, def, envNote(name, usage))
	f.parsed = append(f.parsed, parsedFlag{name, "a whole number"})
}

func (f *flagSet) int64(p *int64, name string, def int64, usage string) {
	f.fs.Int64Var(p, name, def, envNote(name, usage))
	f.parsed = append(f.parsed, parsedFlag{name, "a whole number"})
}

func (f *flagSet) duration(p *time.Duration, name string, def time.Duration, usage string) {
	f.fs.DurationVar(p, name, def, envNote(name, usage))
	f.parsed = append(f.parsed, parsedFlag{name, "a duration"})
}

// parse sets the numbers and durations the environment gives, then parses args; when it
// cannot go on, it says with which exit code: 0 after --help, 2 for a usage error (printed).
func (f *flagSet) parse(args []string) (code int, ok bool) {
	for _, name := range f.switches {
		if v := f.getenv(envName(name)); v != "" && v != "1" && v != "0" {
			fmt.Fprintf(f.stderr, "%s: %s=%q is not a valid --%s: want 1 (on) or 0 (off), or unset it\n", f.cmd, envName(name), v, name)
			return 2, false
		}
	}
	for _, p := range f.parsed {
		key := envName(p.name)
		v := f.getenv(key)
		if v == "" {
			continue
		}
		if err := f.fs.Set(p.name, v); err != nil {
			fmt.Fprintf(f.stderr, "%s: %s=%q is not a valid --%s (%v): want %s such as %s, or unset it; see %s --help\n",
				f.cmd, key, v, p.name, err, p.want, f.fs.Lookup(p.name).DefValue, f.cmd)
			return 2, false
		}
	}
	err := f.fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0, false
	case err != nil:
		return 2, false
	}
	for _, p := range f.parsed {
		if fl := f.fs.Lookup(p.name); !positive(fl.Value) {
			fmt.Fprintf(f.stderr, "%s: --%s %s: want %s above zero, e.g. %s\n", f.cmd, p.name, fl.Value, p.want, fl.DefValue)
			return 2, false
		}
	}
	return 0, true
}

// positive reports whether a number or duration flag's value is above zero.
func positive(v flag.Value) bool {
	switch n := v.(flag.Getter).Get().(type) {
	case int:
		return n > 0
	case int64:
		return n > 0
	case time.Duration:
		return n > 0
	}
	return true
}

// noArgs refuses arguments after the flags (usage error, exit 2).
func (f *flagSet) noArgs() (code int, ok bool) {
	if f.fs.NArg() > 0 {
		fmt.Fprintf(f.stderr, "%s: unexpected argument %q (flags only; see %s --help)\n", f.cmd, f.fs.Arg(0), f.cmd)
		return 2, false
	}
	return 0, true
}

// fileFlags are --spec and --scenarios, shared by serve, proxy, verify and lint.
type fileFlags struct{ spec, scenarios string }

func (f *flagSet) specAndScenarios(ff *fileFlags) {
	f.string(&ff.spec, "spec", "", "OpenAPI `file` (default: the embedded openapi.yaml)")
	f.string(&ff.scenarios, "scenarios", "", "scenario `folder` (default: the embedded scenarios/, or with --spec the scenarios/ folder beside it)")
}

// keyFlags are --api-key and --shared-key: a key lsmock knows (serve, proxy), or the key a
// request is signed with (verify, sign).
type keyFlags struct{ apiKey, sharedKey string }

func (f *flagSet) keys(k *keyFlags, role string) {
	f.secret(&k.apiKey, "api-key", "an API `key` "+role+"; --shared-key is its shared key")
	f.secret(&k.sharedKey, "shared-key", "the shared `key` of --api-key")
}

// paired refuses one of the two keys without the other.
func (k keyFlags) paired() error {
	if (k.apiKey == "") != (k.sharedKey == "") {
		return errors.New("--api-key and --shared-key go together")
	}
	return nil
}

// signingKey is --signing-key, shared by serve, proxy and signing-key.
func (f *flagSet) signingKey(p *string) {
	f.string(p, "signing-key", "", "RSA private key `file` (PEM) lsmock signs its answers with, instead of the built-in test key")
}
