package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/lsmock/lsmock/internal/auth"
	"github.com/lsmock/lsmock/internal/license"
	"github.com/lsmock/lsmock/internal/load"
	"github.com/lsmock/lsmock/internal/oauth"
	"github.com/lsmock/lsmock/internal/record"
	"github.com/lsmock/lsmock/internal/spec"
	"github.com/lsmock/lsmock/mockserver"
)

// serve runs lsmock serve, or with proxying set, lsmock proxy: the same server, flags and
// admin API, forwarding API requests to --target instead of answering them. It reads the
// flags, checks them all into a serveConfig before anything starts, then runs that.
func serve(ctx context.Context, args []string, env Env, proxying bool) int {
	var opts serveOptions
	f := serveFlags(env, proxying, &opts)
	if code, ok := f.parse(args); !ok {
		return code
	}
	if code, ok := f.noArgs(); !ok {
		return code
	}
	started := time.Now()
	cfg, err := newServeConfig(f.cmd, opts, proxying)
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: %v\n", f.cmd, err)
		return 2
	}
	return cfg.run(ctx, env, started)
}

// serveOptions are lsmock serve's and lsmock proxy's flags as given.
type serveOptions struct {
	fileFlags
	keyFlags
	addr, logFormat, logLevel, authMode, keysFile     string
	clientID, clientSecret, signingKeyFile            string
	certFile, keyFile, caFile                         string
	target, targetCA, recordDir                       string
	reportFile, junitFile                             string
	corsOrigins, adminToken, adminAddr, pprofAddr     string
	noCORS, watch, tls, recordKeepIDs                 bool
	journalSize, maxSessions, maxHeaderBytes          int
	maxFieldBytes                                     int
	maxBodyBytes                                      int64
	readHeaderTimeout, readTimeout, maxHold, tokenTTL time.Duration
	upstreamTimeout                                   time.Duration
}

// serveFlags declares lsmock serve's flags into opts, or with proxying lsmock proxy's.
func serveFlags(env Env, proxying bool, opts *serveOptions) *flagSet {
	cmd, usage := "lsmock serve", "Usage: lsmock serve [flags]\n\nServes the operations of an OpenAPI spec, validating every request.\n\nFlags:\n"
	if proxying {
		cmd, usage = "lsmock proxy", "Usage: lsmock proxy --target URL [flags]\n\nForwards every request to --target unchanged and reports how each exchange holds to the spec.\n\nFlags:\n"
	}
	f := newFlagSet(cmd, env, usage)
	f.string(&opts.addr, "addr", DefaultAddr, "`host:port` to listen on; port 0 picks a free one")
	f.specAndScenarios(&opts.fileFlags)
	f.string(&opts.logFormat, "log-format", "text", "log as `text` or json")
	f.string(&opts.logLevel, "log-level", "info", "`level`: debug, info (a line per request), warn or error")
	f.string(&opts.authMode, "auth", string(auth.ModeFormat), "signing checks: off (presence only), format (form and Date; signatures of known keys), strict (also unknown, revoked, read-only keys)")
	f.keys(&opts.keyFlags, "lsmock knows")
	f.string(&opts.keysFile, "keys", "", "YAML `file` of known keys, Bearer tokens and OAuth clients")
	f.secret(&opts.clientID, "client-id", "an OAuth client `id` the token endpoint knows, with --client-secret; none: the demo client")
	f.secret(&opts.clientSecret, "client-secret", "the `secret` of --client-id")
	f.duration(&opts.tokenTTL, "token-ttl", oauth.DefaultTTL, "how long the OAuth tokens lsmock issues live, e.g. 10s to test a refresh")
	f.signingKey(&opts.signingKeyFile)
	f.string(&opts.corsOrigins, "cors-origins", "", "comma-separated `origins` browsers may call from (default: any)")
	f.bool(&opts.noCORS, "no-cors", "answer no CORS headers")
	f.bool(&opts.watch, "watch", "reload the spec and scenario files when they change; a broken edit is logged and the last good files keep serving")
	f.int(&opts.journalSize, "journal-size", 1000, "how many requests GET /__lsmock/requests keeps")
	f.secret(&opts.adminToken, "admin-token", "let clients not on loopback use the admin API with Authorization: Bearer `token`")
	f.string(&opts.adminAddr, "admin-addr", "", "serve the admin API and dashboard on their own `host:port`, not on --addr")
	f.string(&opts.pprofAddr, "pprof-addr", "", "serve Go's profiles (net/http/pprof) on their own `host:port`, for measuring lsmock itself")
	f.int(&opts.maxSessions, "max-sessions", 10_000, "sessions that keep state; the least recently used is dropped beyond it")
	f.int(&opts.maxFieldBytes, "max-field-bytes", license.MaxFieldBytes, "longer hardware_id, passwords, usernames and the other fields the state keeps get 400 validation_error")
	f.int64(&opts.maxBodyBytes, "max-body-bytes", mockserver.DefaultMaxBodyBytes, "larger request bodies get 413 payload_too_large")
	f.int(&opts.maxHeaderBytes, "max-header-bytes", defaultMaxHeaderBytes, "larger request headers get 431")
	f.duration(&opts.readHeaderTimeout, "read-header-timeout", 5*time.Second, "a client gets this long to send its headers")
	f.duration(&opts.readTimeout, "read-timeout", 30*time.Second, "a client gets this long to send a whole request")
	f.duration(&opts.maxHold, "max-hold", mockserver.DefaultMaxHold, "the longest a scripted delay, slow body or timeout holds a request")
	f.bool(&opts.tls, "tls", "serve HTTPS, with a certificate for localhost made at start by a CA whose certificate lsmock writes to --ca-file")
	f.string(&opts.certFile, "cert", "", "with --key: serve HTTPS with this certificate `file` (PEM) instead")
	f.string(&opts.keyFile, "key", "", "the private key `file` (PEM) of --cert")
	f.string(&opts.caFile, "ca-file", "", "with --tls: where to write the CA certificate clients trust (default: a new file in the temp folder, named in the log)")
	if proxying {
		f.secret(&opts.target, "target", "the real API's base `URL`, e.g. https://api.licensespring.com")
		f.string(&opts.targetCA, "target-ca", "", "trust this CA certificate `file` (PEM) for an HTTPS target, besides the system's")
		f.string(&opts.recordDir, "record", "", "write each distinct answer as a scenario into `folder`, for lsmock serve --scenarios")
		f.duration(&opts.upstreamTimeout, "upstream-timeout", mockserver.DefaultUpstreamTimeout, "how long the target gets to answer a request, its whole body included; then 504 proxy_error")
		f.bool(&opts.recordKeepIDs, "record-keep-ids", "keep license keys and hardware ids in recordings (secrets are always redacted)")
	}
	f.string(&opts.reportFile, "report", "", "write the coverage report as JSON to `file` on shutdown")
	f.string(&opts.junitFile, "junit", "", "write the coverage report as JUnit XML to `file` on shutdown")
	return f
}

// serveConfig is what lsmock serve or proxy runs, every flag checked.
type serveConfig struct {
	cmd        string // "lsmock serve" or "lsmock proxy", for messages
	opts       serveOptions
	auth       mockserver.Auth
	signingKey []byte // nil: the built-in key
	files      load.Files
	cors       mockserver.CORS
	proxy      *proxyConfig // nil for lsmock serve
	watch      []string     // the paths --watch watches; nil without --watch
	tls        serverTLS
}

// newServeConfig checks the flags and reads the files they name (keys, signing key, the
// proxy's spec and CA); each error names the flag to fix.
func newServeConfig(cmd string, opts serveOptions, proxying bool) (*serveConfig, error) {
	if _, err := logHandlerOptions(opts.logFormat, opts.logLevel); err != nil {
		return nil, err
	}
	c := &serveConfig{cmd: cmd, opts: opts, cors: corsOf(opts)}
	var err error
	if c.auth, err = newAuth(opts); err != nil {
		return nil, err
	}
	if c.signingKey, err = readSigningKey(opts.signingKeyFile); err != nil {
		return nil, err
	}
	if c.files, err = opts.fileFlags.files(); err != nil {
		return nil, err
	}
	if proxying {
		if c.proxy, err = newProxyConfig(opts); err != nil {
			return nil, err
		}
	}
	if opts.watch {
		if c.watch, err = watchOf(c.files, proxying); err != nil {
			return nil, err
		}
	}
	if c.tls, err = newServerTLS(opts); err != nil {
		return nil, err
	}
	return c, nil
}

// corsOf reads --no-cors and --cors-origins.
func corsOf(opts serveOptions) mockserver.CORS {
	cors := mockserver.CORS{Disabled: opts.noCORS}
	for _, o := range strings.Split(opts.corsOrigins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			cors.Origins = append(cors.Origins, o)
		}
	}
	return cors
}

// watchOf is what --watch watches: the spec file and the files it $refs, and the scenarios
// folder, when they are files on disk and not the embedded defaults.
func watchOf(files load.Files, proxying bool) ([]string, error) {
	if proxying {
		return nil, errors.New("--watch is for lsmock serve; the proxy holds answers to the spec it started with")
	}
	var paths []string
	if files.SpecPath != "" {
		paths = append(paths, spec.Files(files.SpecPath)...)
	}
	if files.Scenarios != nil {
		paths = append(paths, files.ScenariosName)
	}
	if len(paths) == 0 {
		return nil, errors.New("--watch: nothing to watch, lsmock serves its embedded files; add --spec FILE or --scenarios FOLDER")
	}
	return paths, nil
}

// newAuth reads the signing checks from --auth, --api-key/--shared-key and --keys.
func newAuth(opts serveOptions) (mockserver.Auth, error) {
	mode, err := auth.ParseMode(opts.authMode)
	if err != nil {
		return mockserver.Auth{}, fmt.Errorf("--auth: %w", err)
	}
	if err := opts.keyFlags.paired(); err != nil {
		return mockserver.Auth{}, err
	}
	if (opts.clientID == "") != (opts.clientSecret == "") {
		return mockserver.Auth{}, errors.New("--client-id and --client-secret go together")
	}
	a := mockserver.Auth{Mode: string(mode), TokenTTL: opts.tokenTTL}
	if opts.apiKey != "" {
		a.Keys = append(a.Keys, mockserver.Key{APIKey: opts.apiKey, SharedKey: opts.sharedKey})
	}
	if opts.clientID != "" {
		a.Clients = append(a.Clients, mockserver.Client{ID: opts.clientID, Secret: opts.clientSecret})
	}
	if opts.keysFile != "" {
		kf, err := auth.LoadKeysFile(opts.keysFile)
		if err != nil {
			return mockserver.Auth{}, fmt.Errorf("--keys: %w", err)
		}
		for _, k := range kf.Keys {
			a.Keys = append(a.Keys, mockserver.Key{APIKey: k.APIKey, SharedKey: k.SharedKey, Status: string(k.Status), Products: k.Products})
		}
		a.Tokens = kf.Tokens
		for _, c := range kf.Clients {
			a.Clients = append(a.Clients, mockserver.Client{ID: c.ID, Secret: c.Secret})
		}
	}
	if mode == auth.ModeStrict && len(a.Keys) == 0 && len(a.Tokens) == 0 && len(a.Clients) == 0 {
		return mockserver.Auth{}, errors.New("--auth strict refuses every request without known keys: add --api-key and --shared-key, --client-id and --client-secret, or --keys FILE")
	}
	return a, nil
}

// proxyConfig is lsmock proxy's --target, --target-ca, --record and --record-keep-ids, checked.
type proxyConfig struct {
	proxy     *mockserver.Proxy // all but the recorder, which start makes
	recordDir string
	keepIDs   bool
}

func newProxyConfig(opts serveOptions) (*proxyConfig, error) {
	if opts.target == "" {
		return nil, errors.New("--target URL is required: the real API's base URL, e.g. https://api.licensespring.com")
	}
	target, err := parseTarget(opts.target)
	if err != nil {
		return nil, err
	}
	p := &mockserver.Proxy{Target: target, Timeout: opts.upstreamTimeout}
	if opts.targetCA != "" {
		if p.Transport, err = trusting(opts.targetCA); err != nil {
			return nil, err
		}
	}
	return &proxyConfig{proxy: p, recordDir: opts.recordDir, keepIDs: opts.recordKeepIDs}, nil
}

// parseTarget reads --target, an http:// or https:// URL. The errors do not repeat the
// value whole: its userinfo may hold a password.
func parseTarget(raw string) (*url.URL, error) {
	target, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("--target: not a URL; want one such as https://api.licensespring.com")
	}
	if (target.Scheme != "http" && target.Scheme != "https") || target.Host == "" {
		return nil, fmt.Errorf("--target %s: want an http:// or https:// URL such as https://api.licensespring.com", target.Redacted())
	}
	return target, nil
}

// trusting is a transport that trusts the CA certificate in --target-ca besides the system's.
func trusting(caFile string) (http.RoundTripper, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("--target-ca: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--target-ca %s: no PEM certificate in it", caFile)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return tr, nil
}

// start makes the recorder --record asks for; closeRecorder writes what it has not yet written.
func (pc *proxyConfig) start(logger *slog.Logger) (p *mockserver.Proxy, closeRecorder func(), err error) {
	if pc.recordDir == "" {
		return pc.proxy, func() {}, nil
	}
	rec, err := record.New(pc.recordDir, pc.proxy.TargetShown(), pc.keepIDs, func(op string, err error) {
		logger.Error("record", slog.String("operation", op), slog.String("error", err.Error()))
	})
	if err != nil {
		return nil, nil, fmt.Errorf("--record: %w", err)
	}
	pc.proxy.Record = func(x mockserver.Exchange) { rec.Record(record.Exchange(x)) }
	return pc.proxy, rec.Close, nil
}
