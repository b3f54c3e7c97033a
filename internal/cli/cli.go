// Package cli is the lsmock command line: flags, environment, logging, and the life of the
// HTTP server from listen to graceful shutdown.
package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/lsmock/lsmock/internal/load"
	"github.com/lsmock/lsmock/internal/logtext"
)

// DefaultAddr is where lsmock listens unless told otherwise: loopback only.
const DefaultAddr = "127.0.0.1:8080"

// Env is what the command reads from and writes to, so tests can run it in-process.
type Env struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// OnListen, when set, is called with the bound address once the server accepts
	// connections (tests listen on port 0).
	OnListen func(net.Addr)
}

// Run runs the command line args (without the program name) and returns the exit code.
// Cancelling ctx stops a running server gracefully.
func Run(ctx context.Context, args []string, env Env) int {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if len(args) == 0 {
		_, _ = io.WriteString(env.Stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], env, false)
	case "proxy":
		return serve(ctx, args[1:], env, true)
	case "sign":
		return sign(args[1:], env)
	case "signing-key":
		return signingKey(args[1:], env)
	case "lint":
		return lint(args[1:], env)
	case "verify":
		return verify(ctx, args[1:], env)
	case "version", "--version", "-version":
		if len(args) > 1 {
			fmt.Fprintf(env.Stderr, "lsmock version: takes no arguments, not %q\n", args[1])
			return 2
		}
		fmt.Fprintln(env.Stdout, "lsmock", Version())
		return 0
	case "help", "-h", "--help", "-help":
		if len(args) > 1 && args[1] != "" && args[1] != "help" && !strings.HasPrefix(args[1], "-") {
			return Run(ctx, []string{args[1], "--help"}, env) // lsmock help serve: serve's flags
		}
		_, _ = io.WriteString(env.Stdout, usage)
		return 0
	default:
		fmt.Fprintf(env.Stderr, "lsmock: unknown command %q\n\n", args[0])
		_, _ = io.WriteString(env.Stderr, usage)
		return 2
	}
}

const usage = `lsmock: a mock and contract-test server for the LicenseSpring License API.

Usage:
  lsmock serve [flags]   serve the spec's operations (embedded defaults unless --spec/--scenarios)
  lsmock sign [flags]    print signed Date and Authorization headers, or a curl command (--curl)
  lsmock signing-key     print the public key the SDKs verify lsmock's answers with
  lsmock lint [flags]    check a spec and its scenario files (file:line:col), without serving
  lsmock verify --target URL   check a running server (the real API) against the spec and scenarios
  lsmock proxy --target URL    stand between an SDK and the real API: forward, check, report, record
  lsmock version         print the version
  lsmock help [COMMAND]  this text, or a command's flags ("lsmock help serve")

Quick start:
  lsmock serve
  curl -i -X POST http://127.0.0.1:8080/api/v4/change_password \
    -H "Date: $(date -u '+%a, %d %b %Y %H:%M:%S GMT')" \
    -H 'Authorization: algorithm="hmac-sha256",headers="date",signature="c2ln",apikey="my-key"' \
    -H 'Content-Type: application/json' \
    -d '{"username":"user@example.com","password":"old","new_password":"new"}'

Every answer carries X-Lsmock-Operation; a refused request also carries X-Lsmock-Validation,
the validator's full account, while the body stays exactly the vendor's error shape.
`

// version is stamped into release builds: -ldflags "-X github.com/lsmock/lsmock/internal/cli.version=1.2.3"
// (packaging/release.sh). It is a variable only because the linker can set nothing else.
var version string

// Version is the version stamped into the build, else the module version the binary was
// built from, else "devel".
func Version() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "devel"
}

// files says which files serve, lint and verify read: --spec (else the embedded
// openapi.yaml) and --scenarios; without --scenarios, the scenarios/ folder beside a spec of
// the user's if there is one, none otherwise, and with the embedded spec the embedded
// scenarios (they script that spec only).
func (ff fileFlags) files() (load.Files, error) {
	specPath, scenariosDir := ff.spec, ff.scenarios
	f := load.Files{SpecPath: specPath}
	if scenariosDir == "" && specPath != "" {
		beside := filepath.Join(filepath.Dir(specPath), "scenarios")
		if info, err := os.Stat(beside); err != nil || !info.IsDir() {
			return f, nil
		}
		scenariosDir = beside
	}
	if scenariosDir == "" {
		return f, nil
	}
	if info, err := os.Stat(scenariosDir); err != nil || !info.IsDir() {
		return f, fmt.Errorf("--scenarios %s: not a folder", scenariosDir)
	}
	f.Scenarios, f.ScenariosName = os.DirFS(scenariosDir), scenariosDir
	return f, nil
}

// newLogger logs to w; a record at WARN or above is written at once, with what w held.
func newLogger(w *logWriter, format, level string) (*slog.Logger, error) {
	opts, err := logHandlerOptions(format, level)
	if err != nil {
		return nil, err
	}
	var h slog.Handler = slog.NewJSONHandler(w, opts)
	if format == "text" {
		h = logtext.New(w, opts) // slog's text, written faster
	}
	return slog.New(flushing{h, w}), nil
}

// logHandlerOptions checks --log-format and --log-level.
func logHandlerOptions(format, level string) (*slog.HandlerOptions, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	if format != "text" && format != "json" {
		return nil, fmt.Errorf("--log-format %q: want text or json", format)
	}
	return &slog.HandlerOptions{Level: lvl}, nil
}
