// Package cli is the lsmock command line: flags, environment, logging, and the life of the
// HTTP server from listen to graceful shutdown.
package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/lsmock/lsmock/internal/auth"
	"github.com/lsmock/lsmock/internal/license"
	"github.com/lsmock/lsmock/internal/load"
	"github.com/lsmock/lsmock/internal/logtext"
	"github.com/lsmock/lsmock/internal/oauth"
	"github.com/lsmock/lsmock/internal/record"
	"github.com/lsmock/lsmock/internal/spec"
	"github.com/lsmock/lsmock/internal/tlscert"
	"github.com/lsmock/lsmock/internal/watch"
	"github.com/lsmock/lsmock/mockserver"
)

// DefaultAddr is where lsmock listens unless told otherwise: loopback only.
const DefaultAddr = "127.0.0.1:8080"

// shutdownGrace is how long requests in flight get to finish after SIGINT or SIGTERM.
const shutdownGrace = 10 * time.Second

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
		fmt.Fprintln(env.Stdout, "lsmock", Version())
		return 0
	case "help", "-h", "--help", "-help":
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
  lsmock help            this text; "lsmock serve --help" lists the serve flags

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

type serveOptions struct {
	addr, specPath, scenariosDir, logFormat, logLevel string
	authMode, apiKey, sharedKey, keysFile             string
	clientID, clientSecret                            string
	certFile, keyFile, caFile                         string
	target, targetCA, recordDir                       string
	recordKeepIDs                                     bool
	signingKeyFile                                    string
	reportFile, junitFile                             string
	corsOrigins, adminToken, adminAddr, pprofAddr     string
	noCORS, watch, tls                                bool
	journalSize, maxSessions, maxHeaderBytes          int
	maxFieldBytes                                     int
	maxBodyBytes                                      int64
	readHeaderTimeout, readTimeout, maxHold, tokenTTL time.Duration
	upstreamTimeout                                   time.Duration
}

// serve runs lsmock serve, or with proxying set, lsmock proxy: the same server, flags and
// admin API, forwarding API requests to --target instead of answering them.
func serve(ctx context.Context, args []string, env Env, proxying bool) int {
	name := "lsmock serve"
	if proxying {
		name = "lsmock proxy"
	}
	opts := serveOptions{
		addr:           envOr(env, "LSMOCK_ADDR", DefaultAddr),
		specPath:       env.Getenv("LSMOCK_SPEC"),
		scenariosDir:   env.Getenv("LSMOCK_SCENARIOS"),
		logFormat:      envOr(env, "LSMOCK_LOG_FORMAT", "text"),
		logLevel:       envOr(env, "LSMOCK_LOG_LEVEL", "info"),
		authMode:       envOr(env, "LSMOCK_AUTH", string(auth.ModeFormat)),
		apiKey:         env.Getenv("LSMOCK_API_KEY"),
		sharedKey:      env.Getenv("LSMOCK_SHARED_KEY"),
		keysFile:       env.Getenv("LSMOCK_KEYS"),
		clientID:       env.Getenv("LSMOCK_CLIENT_ID"),
		clientSecret:   env.Getenv("LSMOCK_CLIENT_SECRET"),
		signingKeyFile: env.Getenv("LSMOCK_SIGNING_KEY"),
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.StringVar(&opts.addr, "addr", opts.addr, "`host:port` to listen on; port 0 picks a free one (env LSMOCK_ADDR)")
	fs.StringVar(&opts.specPath, "spec", opts.specPath, "OpenAPI `file` to serve instead of the embedded openapi.yaml (env LSMOCK_SPEC)")
	fs.StringVar(&opts.scenariosDir, "scenarios", opts.scenariosDir, "scenario `folder` (default: the embedded scenarios/, or with --spec the scenarios/ folder beside it) (env LSMOCK_SCENARIOS)")
	fs.StringVar(&opts.logFormat, "log-format", opts.logFormat, "log as `text` or json (env LSMOCK_LOG_FORMAT)")
	fs.StringVar(&opts.logLevel, "log-level", opts.logLevel, "`level`: debug, info (a line per request), warn or error (env LSMOCK_LOG_LEVEL)")
	fs.StringVar(&opts.authMode, "auth", opts.authMode, "signing checks: off (presence only), format (form and Date; signatures of known keys), strict (also unknown, revoked, read-only keys) (env LSMOCK_AUTH)")
	fs.StringVar(&opts.apiKey, "api-key", opts.apiKey, "an API `key` lsmock knows, with --shared-key (env LSMOCK_API_KEY)")
	fs.StringVar(&opts.sharedKey, "shared-key", opts.sharedKey, "the shared `key` of --api-key (env LSMOCK_SHARED_KEY)")
	fs.StringVar(&opts.keysFile, "keys", opts.keysFile, "YAML `file` of known keys, Bearer tokens and OAuth clients (env LSMOCK_KEYS)")
	fs.StringVar(&opts.clientID, "client-id", opts.clientID, "an OAuth client `id` the token endpoint knows, with --client-secret; none: the demo client (env LSMOCK_CLIENT_ID)")
	fs.StringVar(&opts.clientSecret, "client-secret", opts.clientSecret, "the `secret` of --client-id (env LSMOCK_CLIENT_SECRET)")
	fs.DurationVar(&opts.tokenTTL, "token-ttl", oauth.DefaultTTL, "how long the OAuth tokens lsmock issues live, e.g. 10s to test a refresh (env LSMOCK_TOKEN_TTL)")
	fs.StringVar(&opts.signingKeyFile, "signing-key", opts.signingKeyFile, "RSA private key `file` (PEM) to sign answers with, instead of the built-in test key (env LSMOCK_SIGNING_KEY)")
	fs.StringVar(&opts.corsOrigins, "cors-origins", env.Getenv("LSMOCK_CORS_ORIGINS"), "comma-separated `origins` browsers may call from (default: any) (env LSMOCK_CORS_ORIGINS)")
	fs.BoolVar(&opts.noCORS, "no-cors", env.Getenv("LSMOCK_NO_CORS") == "1", "answer no CORS headers (env LSMOCK_NO_CORS=1)")
	fs.BoolVar(&opts.watch, "watch", env.Getenv("LSMOCK_WATCH") == "1", "reload the spec and scenario files when they change; a broken edit is logged and the last good files keep serving (env LSMOCK_WATCH=1)")
	fs.IntVar(&opts.journalSize, "journal-size", 1000, "how many requests GET /__lsmock/requests keeps (env LSMOCK_JOURNAL_SIZE)")
	fs.StringVar(&opts.adminToken, "admin-token", env.Getenv("LSMOCK_ADMIN_TOKEN"), "let clients not on loopback use the admin API with Authorization: Bearer `token` (env LSMOCK_ADMIN_TOKEN)")
	fs.StringVar(&opts.adminAddr, "admin-addr", env.Getenv("LSMOCK_ADMIN_ADDR"), "serve the admin API and dashboard on their own `host:port`, not on --addr (env LSMOCK_ADMIN_ADDR)")
	fs.StringVar(&opts.pprofAddr, "pprof-addr", env.Getenv("LSMOCK_PPROF_ADDR"), "serve Go's profiles (net/http/pprof) on their own `host:port`, for measuring lsmock itself (env LSMOCK_PPROF_ADDR)")
	fs.IntVar(&opts.maxSessions, "max-sessions", 10_000, "sessions that keep state; the least recently used is dropped beyond it (env LSMOCK_MAX_SESSIONS)")
	fs.IntVar(&opts.maxFieldBytes, "max-field-bytes", license.MaxFieldBytes, "longer hardware_id, passwords, usernames and the other fields the state keeps get 400 validation_error (env LSMOCK_MAX_FIELD_BYTES)")
	fs.Int64Var(&opts.maxBodyBytes, "max-body-bytes", mockserver.DefaultMaxBodyBytes, "larger request bodies get 413 payload_too_large (env LSMOCK_MAX_BODY_BYTES)")
	fs.IntVar(&opts.maxHeaderBytes, "max-header-bytes", defaultMaxHeaderBytes, "larger request headers get 431 (env LSMOCK_MAX_HEADER_BYTES)")
	fs.DurationVar(&opts.readHeaderTimeout, "read-header-timeout", 5*time.Second, "a client gets this long to send its headers (env LSMOCK_READ_HEADER_TIMEOUT)")
	fs.DurationVar(&opts.readTimeout, "read-timeout", 30*time.Second, "a client gets this long to send a whole request (env LSMOCK_READ_TIMEOUT)")
	fs.DurationVar(&opts.maxHold, "max-hold", mockserver.DefaultMaxHold, "the longest a scripted delay, slow body or timeout holds a request (env LSMOCK_MAX_HOLD)")
	fs.BoolVar(&opts.tls, "tls", env.Getenv("LSMOCK_TLS") == "1", "serve HTTPS, with a certificate for localhost made at start by a CA whose certificate lsmock writes to --ca-file (env LSMOCK_TLS=1)")
	fs.StringVar(&opts.certFile, "cert", env.Getenv("LSMOCK_CERT"), "with --key: serve HTTPS with this certificate `file` (PEM) instead (env LSMOCK_CERT)")
	fs.StringVar(&opts.keyFile, "key", env.Getenv("LSMOCK_KEY"), "the private key `file` (PEM) of --cert (env LSMOCK_KEY)")
	fs.StringVar(&opts.caFile, "ca-file", env.Getenv("LSMOCK_CA_FILE"), "with --tls: where to write the CA certificate clients trust (default: a new file in the temp folder, named in the log) (env LSMOCK_CA_FILE)")
	if proxying {
		fs.StringVar(&opts.target, "target", env.Getenv("LSMOCK_TARGET"), "the real API's base `URL`, e.g. https://api.licensespring.com (env LSMOCK_TARGET)")
		fs.StringVar(&opts.targetCA, "target-ca", env.Getenv("LSMOCK_TARGET_CA"), "trust this CA certificate `file` (PEM) for an HTTPS target, besides the system's (env LSMOCK_TARGET_CA)")
		fs.StringVar(&opts.recordDir, "record", env.Getenv("LSMOCK_RECORD"), "write each distinct answer as a scenario into `folder`, for lsmock serve --scenarios (env LSMOCK_RECORD)")
		fs.DurationVar(&opts.upstreamTimeout, "upstream-timeout", mockserver.DefaultUpstreamTimeout, "how long the target gets to answer a request, its whole body included; then 504 proxy_error (env LSMOCK_UPSTREAM_TIMEOUT)")
		fs.BoolVar(&opts.recordKeepIDs, "record-keep-ids", env.Getenv("LSMOCK_RECORD_KEEP_IDS") == "1", "keep license keys and hardware ids in recordings (secrets are always redacted) (env LSMOCK_RECORD_KEEP_IDS=1)")
	}
	fs.StringVar(&opts.reportFile, "report", env.Getenv("LSMOCK_REPORT"), "write the coverage report as JSON to `file` on shutdown (env LSMOCK_REPORT)")
	fs.StringVar(&opts.junitFile, "junit", env.Getenv("LSMOCK_JUNIT"), "write the coverage report as JUnit XML to `file` on shutdown (env LSMOCK_JUNIT)")
	fs.Usage = func() {
		if proxying {
			fmt.Fprint(env.Stderr, "Usage: lsmock proxy --target URL [flags]\n\nForwards every request to --target unchanged and reports how each exchange holds to the spec.\n\nFlags:\n")
		} else {
			fmt.Fprint(env.Stderr, "Usage: lsmock serve [flags]\n\nServes the operations of an OpenAPI spec, validating every request.\n\nFlags:\n")
		}
		fs.PrintDefaults()
	}
	// Numbers and durations from the environment are checked like flags, not ignored.
	fromEnv := map[string]string{
		"journal-size": "LSMOCK_JOURNAL_SIZE", "max-sessions": "LSMOCK_MAX_SESSIONS", "max-field-bytes": "LSMOCK_MAX_FIELD_BYTES",
		"max-body-bytes": "LSMOCK_MAX_BODY_BYTES", "max-header-bytes": "LSMOCK_MAX_HEADER_BYTES",
		"read-header-timeout": "LSMOCK_READ_HEADER_TIMEOUT", "read-timeout": "LSMOCK_READ_TIMEOUT",
		"max-hold": "LSMOCK_MAX_HOLD", "token-ttl": "LSMOCK_TOKEN_TTL",
	}
	type durationFlag struct {
		name string
		v    *time.Duration
	}
	durations := []durationFlag{{"read-header-timeout", &opts.readHeaderTimeout}, {"read-timeout", &opts.readTimeout}, {"max-hold", &opts.maxHold}, {"token-ttl", &opts.tokenTTL}}
	if proxying {
		fromEnv["upstream-timeout"] = "LSMOCK_UPSTREAM_TIMEOUT"
		durations = append(durations, durationFlag{"upstream-timeout", &opts.upstreamTimeout})
	}
	for flagName, key := range fromEnv {
		if v := env.Getenv(key); v != "" {
			if err := fs.Set(flagName, v); err != nil {
				fmt.Fprintf(env.Stderr, "%s: %s=%q is not a valid --%s (%v); see %s --help\n", name, key, v, flagName, err, name)
				return 2
			}
		}
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	for _, d := range durations {
		if *d.v <= 0 {
			fmt.Fprintf(env.Stderr, "%s: --%s %s: want a duration above zero, e.g. 5s\n", name, d.name, *d.v)
			return 2
		}
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "%s: unexpected argument %q (flags only; see %s --help)\n", name, fs.Arg(0), name)
		return 2
	}
	logOut := newLogWriter(env.Stderr) // one write per burst of request lines, not per line
	defer logOut.Close()
	logger, err := newLogger(logOut, opts.logFormat, opts.logLevel)
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: %v\n", name, err)
		return 2
	}
	authCfg, err := newAuth(opts)
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: %v\n", name, err)
		return 2
	}
	signingKey, err := readSigningKey(opts.signingKeyFile)
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: %v\n", name, err)
		return 2
	}
	started := time.Now()
	files, err := filesOf(opts.specPath, opts.scenariosDir)
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: %v\n", name, err)
		return 2
	}
	cors := mockserver.CORS{Disabled: opts.noCORS}
	for _, o := range strings.Split(opts.corsOrigins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			cors.Origins = append(cors.Origins, o)
		}
	}
	cfg := mockserver.Config{Files: files, Logger: logger, Auth: authCfg,
		JournalSize: opts.journalSize, CORS: cors, MaxSessions: opts.maxSessions, MaxFieldBytes: opts.maxFieldBytes,
		MaxBodyBytes: opts.maxBodyBytes, MaxHold: opts.maxHold, SigningKey: signingKey,
		Admin: mockserver.AdminAccess{Token: opts.adminToken, Separate: opts.adminAddr != ""}, Version: Version()}
	if proxying {
		p, closeRecorder, err := newProxy(opts, logger)
		if err != nil {
			fmt.Fprintf(env.Stderr, "%s: %v\n", name, err)
			return 2
		}
		defer closeRecorder() // after the server has stopped: the last recordings are written
		cfg.Proxy = p
	}
	var watcher *watch.Watcher
	if opts.watch && proxying {
		fmt.Fprintf(env.Stderr, "%s: --watch is for lsmock serve; the proxy holds answers to the spec it started with\n", name)
		return 2
	}
	if opts.watch {
		paths := watchedPaths(files)
		if len(paths) == 0 {
			fmt.Fprintln(env.Stderr, name+": --watch: nothing to watch, lsmock serves its embedded files; add --spec FILE or --scenarios FOLDER")
			return 2
		}
		if watcher, err = watch.New(paths...); err != nil {
			fmt.Fprintf(env.Stderr, "%s: --watch: %v\n", name, err)
			return 1
		}
		defer watcher.Close()
		cfg.Watch = func() mockserver.WatchStatus {
			st := watcher.Status()
			return mockserver.WatchStatus{Paths: st.Paths, Errors: st.Errors, LastError: st.LastError, Failing: st.Failing}
		}
	}
	handler, err := mockserver.New(cfg)
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: %v\n", name, err)
		return 1
	}
	tlsConfig, caFile, err := serverTLS(opts)
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: %v\n", name, err)
		return 2
	}
	if caFile != "" && opts.caFile == "" {
		defer os.Remove(caFile) // lsmock's own temporary file; one the user named stays
	}
	scheme := "http://"
	listen := func(addr string) (net.Listener, error) {
		ln, err := net.Listen("tcp", addr)
		if err != nil || tlsConfig == nil {
			return ln, err
		}
		return tls.NewListener(ln, tlsConfig), nil
	}
	if tlsConfig != nil {
		scheme = "https://"
	}
	ln, err := listen(opts.addr)
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: listen on %s: %v (another lsmock running? try --addr 127.0.0.1:0)\n", name, opts.addr, err)
		return 1
	}
	servers := []served{{newHTTPServer(handler, opts, logger), ln}}
	adminURL := scheme + ln.Addr().String() + mockserver.AdminPrefix
	if opts.adminAddr != "" {
		adminLn, err := listen(opts.adminAddr)
		if err != nil {
			_ = ln.Close()
			fmt.Fprintf(env.Stderr, "%s: --admin-addr: listen on %s: %v\n", name, opts.adminAddr, err)
			return 1
		}
		servers = append(servers, served{newHTTPServer(handler.AdminHandler(), opts, logger), adminLn})
		adminURL = scheme + adminLn.Addr().String() + mockserver.AdminPrefix
	}
	if opts.pprofAddr != "" {
		pprofLn, err := net.Listen("tcp", opts.pprofAddr)
		if err != nil {
			for _, sv := range servers {
				_ = sv.ln.Close()
			}
			fmt.Fprintf(env.Stderr, "%s: --pprof-addr: listen on %s: %v\n", name, opts.pprofAddr, err)
			return 1
		}
		servers = append(servers, served{newHTTPServer(profiles(), opts, logger), pprofLn})
		logger.Info("profiles served", slog.String("url", "http://"+pprofLn.Addr().String()+"/debug/pprof/"))
	}
	for _, sv := range servers {
		sv.srv.RegisterOnShutdown(handler.EndHolds) // a held request must not hold up the exit
	}
	served := handler.Summary()
	if caFile != "" {
		logger.Info("HTTPS: trust this CA certificate (NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE, SSL_CERT_FILE, curl --cacert)", slog.String("ca_file", caFile))
	}
	msg := "lsmock serving"
	if proxying {
		msg = "lsmock proxying"
		logger.Info("proxy", slog.String("target", cfg.Proxy.TargetShown()), slog.String("record", opts.recordDir))
	}
	logger.Info(msg,
		slog.String("url", scheme+ln.Addr().String()),
		slog.String("dashboard", adminURL),
		slog.String("spec", files.SpecLabel()),
		slog.String("operations", strings.Join(served.Paths, ", ")),
		slog.String("scenarios", files.ScenariosLabel()),
		slog.Int("scenario_count", served.Scenarios),
		slog.String("auth", handler.AuthMode()),
		slog.Duration("startup", time.Since(started)),
	)
	_ = logOut.Flush() // whoever started lsmock may be waiting for that line's URL
	if watcher != nil {
		go watcher.Run(ctx, watchDebounce, func() {
			_, _ = handler.Reload() // Reload logs how it went
			if opts.specPath != "" {
				_ = watcher.Add(spec.Files(opts.specPath)...) // an edit may $ref files it did not
			}
		}, func(err error) {
			logger.Error("the file watch failed; watching again", slog.String("error", err.Error()))
		})
	}
	if env.OnListen != nil {
		env.OnListen(ln.Addr())
	}
	code := runUntilDone(ctx, servers, logger)
	if err := writeReports(handler.Coverage(), opts.reportFile, opts.junitFile); err != nil {
		logger.Error("write report", slog.String("error", err.Error()))
		return 1
	}
	return code
}

// newProxy reads --target, --target-ca, --record and --record-keep-ids; closeRecorder writes
// what the recorder has not yet written.
func newProxy(opts serveOptions, logger *slog.Logger) (p *mockserver.Proxy, closeRecorder func(), err error) {
	if opts.target == "" {
		return nil, nil, errors.New("--target URL is required: the real API's base URL, e.g. https://api.licensespring.com")
	}
	// The errors do not repeat the value: its userinfo may hold a password.
	target, err := url.Parse(opts.target)
	if err != nil {
		return nil, nil, errors.New("--target: not a URL; want one such as https://api.licensespring.com")
	}
	if (target.Scheme != "http" && target.Scheme != "https") || target.Host == "" {
		return nil, nil, fmt.Errorf("--target %s: want an http:// or https:// URL such as https://api.licensespring.com", target.Redacted())
	}
	checker, err := newChecker(opts.specPath)
	if err != nil {
		return nil, nil, err
	}
	p = &mockserver.Proxy{Target: target, Checker: checker, Timeout: opts.upstreamTimeout}
	if opts.targetCA != "" {
		pem, err := os.ReadFile(opts.targetCA)
		if err != nil {
			return nil, nil, fmt.Errorf("--target-ca: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, nil, fmt.Errorf("--target-ca %s: no PEM certificate in it", opts.targetCA)
		}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		p.Transport = tr
	}
	if opts.recordDir != "" {
		rec, err := record.New(opts.recordDir, p.TargetShown(), opts.recordKeepIDs, func(op string, err error) {
			logger.Error("record", slog.String("operation", op), slog.String("error", err.Error()))
		})
		if err != nil {
			return nil, nil, fmt.Errorf("--record: %w", err)
		}
		p.Record = func(x mockserver.Exchange) { rec.Record(record.Exchange(x)) }
		return p, rec.Close, nil
	}
	return p, func() {}, nil
}

// serverTLS is the HTTPS configuration --tls, --cert and --key ask for (nil for HTTP), and
// the CA file it wrote ("" when it wrote none).
func serverTLS(opts serveOptions) (*tls.Config, string, error) {
	switch {
	case (opts.certFile == "") != (opts.keyFile == ""):
		return nil, "", errors.New("--cert and --key go together")
	case opts.certFile != "":
		cert, err := tls.LoadX509KeyPair(opts.certFile, opts.keyFile)
		if err != nil {
			return nil, "", fmt.Errorf("--cert %s --key %s: %w", opts.certFile, opts.keyFile, err)
		}
		return tlscert.Config(cert), "", nil
	case !opts.tls:
		if opts.caFile != "" {
			return nil, "", errors.New("--ca-file goes with --tls")
		}
		return nil, "", nil
	}
	made, err := tlscert.Make(tlscert.Hosts(opts.addr), time.Now())
	if err != nil {
		return nil, "", fmt.Errorf("--tls: %w", err)
	}
	if opts.caFile == "" {
		f, err := os.CreateTemp("", "lsmock-ca-*.pem") // a new file, never one that was there
		if err != nil {
			return nil, "", fmt.Errorf("--tls: write the CA certificate: %w", err)
		}
		_, err = f.Write(made.CAPEM)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = os.Remove(f.Name())
			return nil, "", fmt.Errorf("--tls: write the CA certificate to %s: %w", f.Name(), err)
		}
		return tlscert.Config(made.Certificate), f.Name(), nil
	}
	if err := replaceFile(opts.caFile, made.CAPEM); err != nil {
		return nil, "", fmt.Errorf("--tls: write the CA certificate to --ca-file %s: %w", opts.caFile, err)
	}
	return tlscert.Config(made.Certificate), opts.caFile, nil
}

// replaceFile puts a new file with data at path: written beside it, then renamed over it, so
// a symlink at path is replaced, never followed to overwrite what it points at.
func replaceFile(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".lsmock-*.tmp")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644) // a CA certificate is public; clients of other users read it
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		_ = os.Remove(f.Name())
	}
	return err
}

// watchDebounce is how long the files must be quiet before a reload: an editor's save is
// several events, and a reload well within a second of the save still feels instant.
const watchDebounce = 100 * time.Millisecond

// watchedPaths are the files lsmock serves from: the spec file and the files it $refs, and
// the scenarios folder, when they are files on disk and not the embedded defaults.
func watchedPaths(f load.Files) []string {
	var paths []string
	if f.SpecPath != "" {
		paths = append(paths, spec.Files(f.SpecPath)...)
	}
	if f.Scenarios != nil {
		paths = append(paths, f.ScenariosName)
	}
	return paths
}

// parseFlags parses a subcommand's flags; when it cannot go on, it says with which exit
// code: 0 after --help, 2 for a usage error (the flag package has printed why).
func parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	for _, name := range secretFlags {
		if f := fs.Lookup(name); f != nil {
			f.DefValue = "" // usage would print the environment's value as the default
		}
	}
	err := fs.Parse(args)
	switch {
	case err == nil:
		return 0, true
	case errors.Is(err, flag.ErrHelp):
		return 0, false
	default:
		return 2, false
	}
}

// secretFlags are the flags whose values are secrets (a --target may hold a password).
var secretFlags = [...]string{"api-key", "shared-key", "client-id", "client-secret", "admin-token", "target"}

// newAuth reads the signing checks from --auth, --api-key/--shared-key and --keys.
func newAuth(opts serveOptions) (mockserver.Auth, error) {
	mode, err := auth.ParseMode(opts.authMode)
	if err != nil {
		return mockserver.Auth{}, fmt.Errorf("--auth: %w", err)
	}
	if (opts.apiKey == "") != (opts.sharedKey == "") {
		return mockserver.Auth{}, errors.New("--api-key and --shared-key go together")
	}
	if (opts.clientID == "") != (opts.clientSecret == "") {
		return mockserver.Auth{}, errors.New("--client-id and --client-secret go together")
	}
	a := mockserver.Auth{Mode: string(mode), TokenTTL: opts.tokenTTL}
	if opts.apiKey != "" {
		a.Keys = append(a.Keys, auth.Key{APIKey: opts.apiKey, SharedKey: opts.sharedKey})
	}
	if opts.clientID != "" {
		a.Clients = append(a.Clients, oauth.Client{ID: opts.clientID, Secret: opts.clientSecret})
	}
	if opts.keysFile != "" {
		kf, err := auth.LoadKeysFile(opts.keysFile)
		if err != nil {
			return mockserver.Auth{}, fmt.Errorf("--keys: %w", err)
		}
		a.Keys = append(a.Keys, kf.Keys...)
		a.Tokens = kf.Tokens
		for _, c := range kf.Clients {
			a.Clients = append(a.Clients, oauth.Client{ID: c.ID, Secret: c.Secret})
		}
	}
	if mode == auth.ModeStrict && len(a.Keys) == 0 && len(a.Tokens) == 0 && len(a.Clients) == 0 {
		return mockserver.Auth{}, errors.New("--auth strict refuses every request without known keys: add --api-key and --shared-key, --client-id and --client-secret, or --keys FILE")
	}
	return a, nil
}

// defaultMaxHeaderBytes bounds request headers: the SDKs send well under 1 KiB.
const defaultMaxHeaderBytes = 64 << 10

// newHTTPServer sets the limits that keep a slow or hostile client from holding lsmock:
// headers and whole requests must arrive in time, and an answer may take as long as the
// longest scripted hold (or the proxy's wait for its target) plus a margin, no longer.
func newHTTPServer(h http.Handler, opts serveOptions, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: opts.readHeaderTimeout,
		ReadTimeout:       opts.readTimeout,
		WriteTimeout:      max(opts.maxHold, opts.upstreamTimeout) + opts.readTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    opts.maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// served is an HTTP server and the listener it serves.
type served struct {
	srv *http.Server
	ln  net.Listener
}

// runUntilDone serves until ctx ends, then drains requests in flight on every listener.
func runUntilDone(ctx context.Context, servers []served, logger *slog.Logger) int {
	errc := make(chan error, len(servers))
	for _, s := range servers {
		go func() { errc <- s.srv.Serve(s.ln) }()
	}
	select {
	case err := <-errc:
		logger.Error("server stopped", slog.String("error", err.Error()))
		for _, s := range servers {
			_ = s.srv.Close()
		}
		return 1
	case <-ctx.Done():
	}
	logger.Info("shutting down", slog.Duration("grace", shutdownGrace))
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	code := 0
	for _, s := range servers {
		if err := s.srv.Shutdown(shutdownCtx); err != nil {
			logger.Error("shutdown", slog.String("error", err.Error()))
			code = 1
		}
	}
	return code
}

// filesOf says which files serve, lint and verify read: --spec (else the embedded
// openapi.yaml) and --scenarios; without --scenarios, the scenarios/ folder beside a spec of
// the user's if there is one, none otherwise, and with the embedded spec the embedded
// scenarios (they script that spec only).
func filesOf(specPath, scenariosDir string) (load.Files, error) {
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
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	var h slog.Handler
	switch format {
	case "text":
		h = logtext.New(w, opts) // slog's text, written faster
	case "json":
		h = slog.NewJSONHandler(w, opts)
	default:
		return nil, fmt.Errorf("--log-format %q: want text or json", format)
	}
	return slog.New(flushing{h, w}), nil
}

func envOr(env Env, key, fallback string) string {
	if v := env.Getenv(key); v != "" {
		return v
	}
	return fallback
}
