package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/lsmock/lsmock/internal/spec"
	"github.com/lsmock/lsmock/internal/watch"
	"github.com/lsmock/lsmock/mockserver"
)

// shutdownGrace is how long requests in flight get to finish after SIGINT or SIGTERM.
const shutdownGrace = 10 * time.Second

// run serves until ctx ends, then drains requests in flight and writes the reports;
// started is when lsmock began to read its files, for the start line.
func (c *serveConfig) run(ctx context.Context, env Env, started time.Time) int {
	fail := func(code int, err error) int {
		fmt.Fprintf(env.Stderr, "%s: %v\n", c.cmd, err)
		return code
	}
	logOut := newLogWriter(env.Stderr) // one write per burst of request lines, not per line
	defer logOut.Close()
	logger, err := newLogger(logOut, c.opts.logFormat, c.opts.logLevel)
	if err != nil {
		return fail(2, err)
	}
	mc := c.mockConfig(logger)
	if c.proxy != nil {
		p, closeRecorder, err := c.proxy.start(logger)
		if err != nil {
			return fail(2, err)
		}
		defer closeRecorder() // after the server has stopped: the last recordings are written
		mc.Proxy = p
	}
	var watcher *watch.Watcher
	if c.watch != nil {
		if watcher, err = watch.New(c.watch...); err != nil {
			return fail(1, fmt.Errorf("--watch: %w", err))
		}
		defer watcher.Close()
		mc.Watch = watchStatus(watcher)
	}
	resumeGC := pauseGC()
	handler, err := mockserver.New(mc)
	resumeGC()
	if err != nil {
		return fail(1, err)
	}
	tlsConfig, caFile, err := c.tls.start()
	if err != nil {
		return fail(2, err)
	}
	if caFile != "" && c.opts.caFile == "" {
		defer os.Remove(caFile) // lsmock's own temporary file; one the user named stays
	}
	l, err := c.listen(handler, tlsConfig, logger)
	if err != nil {
		return fail(1, err)
	}
	c.logStart(logger, handler, l, caFile, started)
	_ = logOut.Flush() // whoever started lsmock may be waiting for that line's URL
	if watcher != nil {
		go c.reloadOnChange(ctx, watcher, handler, logger)
	}
	if env.OnListen != nil {
		env.OnListen(l.servers[0].ln.Addr())
	}
	code := runUntilDone(ctx, l.servers, logger)
	if err := writeReports(handler.Coverage(), c.opts.reportFile, c.opts.junitFile); err != nil {
		logger.Error("write report", slog.String("error", err.Error()))
		return 1
	}
	return code
}

// pauseGC holds the garbage collector off while lsmock reads its files, until resume: at
// start the heap only grows, and a collection each time it doubled from the runtime's first
// 4 MB goal took ~10 ms of a ~45 ms start. A memory limit (the user's GOMEMLIMIT when lower)
// still collects for a spec big enough to need it.
func pauseGC() (resume func()) {
	limit := debug.SetMemoryLimit(-1)
	debug.SetMemoryLimit(min(limit, startMemoryLimit))
	percent := debug.SetGCPercent(-1)
	return func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	}
}

// startMemoryLimit is the heap lsmock's start may grow to before collecting: ten times what
// the embedded files take.
const startMemoryLimit = 256 << 20

// mockConfig is the mock server's configuration, but for the proxy and the file watch.
func (c *serveConfig) mockConfig(logger *slog.Logger) mockserver.Config {
	o := c.opts
	return mockserver.Config{Files: mockserver.Files(c.files), Logger: logger, Auth: c.auth,
		JournalSize: o.journalSize, CORS: c.cors, MaxSessions: o.maxSessions, MaxFieldBytes: o.maxFieldBytes,
		MaxBodyBytes: o.maxBodyBytes, MaxHold: o.maxHold, SigningKey: c.signingKey,
		Admin: mockserver.AdminAccess{Token: o.adminToken, Separate: o.adminAddr != ""}, Version: Version()}
}

// listening are the servers lsmock started, the API's first, and where the API and the
// admin API are.
type listening struct {
	servers       []served
	url, adminURL string
}

// listen listens on --addr, --admin-addr and --pprof-addr; when one fails, it closes those
// it opened.
func (c *serveConfig) listen(handler *mockserver.Server, tlsConfig *tls.Config, logger *slog.Logger) (listening, error) {
	o := c.opts
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
	ln, err := listen(o.addr)
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return listening{}, fmt.Errorf("listen on %s: %w (another lsmock running? try --addr 127.0.0.1:0)", o.addr, err)
	case err != nil:
		return listening{}, fmt.Errorf("listen on %s: %w", o.addr, err)
	}
	l := listening{servers: []served{{newHTTPServer(handler, o, logger), ln}}, url: scheme + ln.Addr().String()}
	l.adminURL = l.url + mockserver.AdminPrefix
	if o.adminAddr != "" {
		adminLn, err := listen(o.adminAddr)
		if err != nil {
			_ = ln.Close()
			return listening{}, fmt.Errorf("--admin-addr: listen on %s: %w", o.adminAddr, err)
		}
		l.servers = append(l.servers, served{newHTTPServer(handler.AdminHandler(), o, logger), adminLn})
		l.adminURL = scheme + adminLn.Addr().String() + mockserver.AdminPrefix
	}
	if o.pprofAddr != "" {
		pprofLn, err := net.Listen("tcp", o.pprofAddr)
		if err != nil {
			for _, sv := range l.servers {
				_ = sv.ln.Close()
			}
			return listening{}, fmt.Errorf("--pprof-addr: listen on %s: %w", o.pprofAddr, err)
		}
		l.servers = append(l.servers, served{newHTTPServer(profiles(), o, logger), pprofLn})
		logger.Info("profiles served", slog.String("url", "http://"+pprofLn.Addr().String()+"/debug/pprof/"))
	}
	for _, sv := range l.servers {
		sv.srv.RegisterOnShutdown(handler.Close) // a held request must not hold up the exit
	}
	return l, nil
}

// logStart logs where lsmock serves, and what.
func (c *serveConfig) logStart(logger *slog.Logger, handler *mockserver.Server, l listening, caFile string, started time.Time) {
	served := handler.Summary()
	if caFile != "" {
		logger.Info("HTTPS: trust this CA certificate (NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE, SSL_CERT_FILE, curl --cacert)", slog.String("ca_file", caFile))
	}
	msg := "lsmock serving"
	if c.proxy != nil {
		msg = "lsmock proxying"
		logger.Info("proxy", slog.String("target", c.proxy.proxy.TargetShown()), slog.String("record", c.opts.recordDir))
	}
	logger.Info(msg,
		slog.String("url", l.url),
		slog.String("dashboard", l.adminURL),
		slog.String("spec", c.files.SpecLabel()),
		slog.String("operations", strings.Join(served.Paths, ", ")),
		slog.String("scenarios", c.files.ScenariosLabel()),
		slog.Int("scenario_count", served.Scenarios),
		slog.String("auth", handler.AuthMode()),
		slog.Duration("startup", time.Since(started)),
	)
}

// watchDebounce is how long the files must be quiet before a reload: an editor's save is
// several events, and a reload well within a second of the save still feels instant.
const watchDebounce = 100 * time.Millisecond

// watchStatus is the watch's state, for the admin API.
func watchStatus(w *watch.Watcher) func() mockserver.WatchStatus {
	return func() mockserver.WatchStatus {
		st := w.Status()
		return mockserver.WatchStatus{Paths: st.Paths, Errors: st.Errors, LastError: st.LastError, Failing: st.Failing}
	}
}

// reloadOnChange reloads the spec and scenarios when the watched files change, until ctx ends.
func (c *serveConfig) reloadOnChange(ctx context.Context, w *watch.Watcher, handler *mockserver.Server, logger *slog.Logger) {
	w.Run(ctx, watchDebounce, func() {
		_, _ = handler.Reload() // Reload logs how it went
		if c.opts.spec != "" {
			_ = w.Add(spec.Files(c.opts.spec)...) // an edit may $ref files it did not
		}
	}, func(err error) {
		logger.Error("the file watch failed; watching again", slog.String("error", err.Error()))
	})
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
