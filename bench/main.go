// Command bench measures lsmock against a hand-written net/http handler doing the same
// checks, the way an outside load tool does: each server is a process of its own, limited
// to one core (GOMAXPROCS=1) and pinned to CPU 1; the load generator (wrk when installed,
// else a built-in one) runs as another process pinned to CPU 0, so neither takes the
// other's core. It reports, per server and kind of request: requests per second, server
// CPU time per request (from /proc, the figure least sensitive to noise), p50/p99 latency,
// how busy the server's and the generator's cores were (the server's near 100% and the
// generator's well below it, or the ratio measures the generator), and memory and the time
// from start to the first answer. Servers take turns in short slices of each phase, so
// whatever else the machine does weighs on all alike.
//
//	go run ./bench                       # the full run (~3 min): 10 s per phase and server, 1M-request soak
//	go run ./bench -duration 3s -soak 0  # a quick look
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"syscall"
	"time"

	"github.com/lsmock/lsmock/internal/cli"
)

func main() {
	role := flag.String("serve", "", "internal: run as the `server` (lsmock or baseline) on -addr; arguments after -- go to lsmock serve")
	gen := flag.Bool("generate", false, "internal: run as the built-in load generator against -addr")
	addr := flag.String("addr", "127.0.0.1:0", "internal: the address -serve listens on, or -generate loads")
	phaseName := flag.String("phase", "valid", "internal: the phase -generate sends")
	total := flag.Uint64("total", 0, "internal: -generate stops after this many requests (0: after -duration)")
	duration := flag.Duration("duration", 10*time.Second, "how long each server gets each phase, in slices")
	rounds := flag.Int("rounds", 3, "slices per phase and server, taken in turns")
	conns := flag.Int("conns", 32, "keep-alive connections")
	threads := flag.Int("threads", 2, "wrk threads")
	load := flag.String("load", "auto", "load generator: wrk, builtin, or auto (wrk when installed)")
	soak := flag.Uint64("soak", 1_000_000, "valid requests sent to lsmock before reading its memory (0 skips)")
	serverCPU := flag.Int("server-cpu", 1, "the core servers are pinned to (-1: none)")
	loadCPU := flag.Int("load-cpu", 0, "the core the load generator is pinned to (-1: none)")
	checkLoad := flag.Bool("check-load", false, "also load lsmock with wrk and with the built-in generator in turns, to compare them")
	binaryStart := flag.Bool("binary-start", true, "also time the start of the real lsmock binary (go build ./cmd/lsmock)")
	flag.Parse()
	switch {
	case *role != "":
		os.Exit(serve(*role, *addr, flag.Args()))
	case *gen:
		os.Exit(generateOnce(*addr, *phaseName, *duration, *conns, *total))
	}
	g, err := newGenerator(*load, *threads, *conns, *loadCPU)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	defer os.RemoveAll(g.tmp)
	cfg := config{checkLoad: *checkLoad, binaryStart: *binaryStart, duration: *duration, rounds: max(1, *rounds), soak: *soak, serverCPU: *serverCPU, gen: g}
	if err := run(os.Stdout, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func newGenerator(kind string, threads, conns, cpu int) (generator, error) {
	g := generator{kind: kind, threads: threads, conns: conns, cpu: cpu}
	wrk, err := exec.LookPath("wrk")
	switch {
	case kind == "auto" && err == nil, kind == "wrk" && err == nil:
		g.kind, g.wrk = "wrk", wrk
	case kind == "wrk":
		return g, errors.New("-load wrk: wrk is not installed (Debian: apt-get install wrk)")
	case kind == "auto", kind == "builtin":
		g.kind = "builtin"
	default:
		return g, fmt.Errorf("-load %q: want wrk, builtin or auto", kind)
	}
	tmp, err := os.MkdirTemp("", "lsmock-bench-")
	g.tmp = tmp
	return g, err
}

// serve runs one of the servers in this process, until SIGTERM.
func serve(role, addr string, args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	switch role {
	case "lsmock":
		// The real command line: validation, signing checks, matching over the shipped
		// scenarios, the license state, the journal and the request log all on.
		return cli.Run(ctx, append([]string{"serve", "--addr", addr}, args...),
			cli.Env{Stdout: io.Discard, Stderr: os.Stderr, Getenv: os.Getenv})
	case "baseline":
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		srv := &http.Server{Handler: baseline(), ReadHeaderTimeout: 5 * time.Second}
		go func() { <-ctx.Done(); _ = srv.Close() }()
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	}
	fmt.Fprintf(os.Stderr, "bench: -serve %q: want lsmock or baseline\n", role)
	return 2
}

// generateOnce is the built-in generator's process: it loads addr and prints its result.
func generateOnce(addr, name string, d time.Duration, conns int, total uint64) int {
	for _, p := range phases() {
		if p.name != name {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), d)
		if total > 0 {
			ctx, cancel = context.WithCancel(context.Background())
		}
		defer cancel()
		r, err := generate(ctx, addr, p.raw(), p.status, conns, total)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench -generate:", err)
			return 1
		}
		_ = json.NewEncoder(os.Stdout).Encode(r)
		return 0
	}
	fmt.Fprintf(os.Stderr, "bench -generate: no phase %q\n", name)
	return 2
}

type config struct {
	checkLoad   bool // also compare wrk with the built-in generator
	binaryStart bool // also time the real lsmock binary's start
	duration    time.Duration
	rounds      int
	soak        uint64
	serverCPU   int
	gen         generator
}

// contender is a server and what it measured.
type contender struct {
	name             string
	role             string
	args             []string
	proc             *process
	phases           []measured
	rssStart, rssEnd float64
	soaked           uint64
}

// measured sums the slices of one phase on one server.
type measured struct {
	requests       uint64
	elapsed        time.Duration
	serverCPU      time.Duration
	loadCPU        time.Duration
	p50sum, p99sum time.Duration
	slices         int
	skipped        bool
}

// add counts one slice: its load result, and the server's and the generator's CPU.
func (m *measured) add(r result, serverCPU, loadCPU time.Duration) {
	m.serverCPU += serverCPU
	m.loadCPU += loadCPU
	m.requests += r.Requests
	m.elapsed += r.Elapsed
	m.p50sum += r.P50
	m.p99sum += r.P99
	m.slices++
}

func (m measured) rate() float64         { return float64(m.requests) / m.elapsed.Seconds() }
func (m measured) cpuPer() time.Duration { return m.serverCPU / time.Duration(max(m.requests, 1)) }
func (m measured) p50() time.Duration    { return m.p50sum / time.Duration(max(m.slices, 1)) }
func (m measured) p99() time.Duration    { return m.p99sum / time.Duration(max(m.slices, 1)) }
func (m measured) serverBusy() float64   { return m.serverCPU.Seconds() / m.elapsed.Seconds() }
func (m measured) loadBusy() float64     { return m.loadCPU.Seconds() / m.elapsed.Seconds() }

func run(out io.Writer, cfg config) error {
	ctx := context.Background()
	ps := phases()
	servers := []*contender{
		{name: "hand-written net/http", role: "baseline"},
		{name: "lsmock", role: "lsmock"},
		{name: "lsmock --log-level warn", role: "lsmock", args: []string{"--log-level", "warn"}},
	}
	for i, s := range servers {
		logFile, err := os.Create(filepath.Join(cfg.gen.tmp, fmt.Sprintf("server-%d.log", i)))
		if err != nil {
			return err
		}
		defer logFile.Close()
		p, err := start(s.name, s.role, s.args, cfg.serverCPU, logFile, "")
		if err != nil {
			return err
		}
		defer p.stop()
		s.proc, s.phases = p, make([]measured, len(ps))
	}
	for _, s := range servers { // set up, check each phase's answer, warm up
		for i, p := range ps {
			if p.lsmockOnly && s.role == "baseline" {
				s.phases[i].skipped = true
				continue
			}
			for _, setup := range p.setupRequests {
				if status, err := setup.once(s.proc.addr); err != nil || status != setup.status {
					return fmt.Errorf("%s: %s answered %d (%v), want %d", s.name, setup.name, status, err, setup.status)
				}
			}
			if status, err := p.once(s.proc.addr); err != nil || status != p.status {
				return fmt.Errorf("%s: %s answered %d (%v), want %d", s.name, p.name, status, err, p.status)
			}
		}
		if _, _, err := cfg.gen.run(ctx, ps[0], s.proc.addr, time.Second, 0); err != nil {
			return fmt.Errorf("%s: warm-up: %w", s.name, err)
		}
		s.rssStart = s.proc.rss()
	}
	slice := max(time.Second, cfg.duration/time.Duration(cfg.rounds))
	for range cfg.rounds {
		for i, p := range ps {
			for _, s := range servers {
				if s.phases[i].skipped {
					continue
				}
				before := cpuTime(s.proc.pid())
				r, used, err := cfg.gen.run(ctx, p, s.proc.addr, slice, 0)
				if err != nil {
					return fmt.Errorf("%s %s: %w", s.name, p.name, err)
				}
				if r.Errors > 0 {
					return fmt.Errorf("%s %s: %d answers with a status other than %d", s.name, p.name, r.Errors, p.status)
				}
				s.phases[i].add(r, cpuTime(s.proc.pid())-before, used)
			}
		}
	}
	if cfg.soak > 0 {
		s := servers[1]
		d := time.Duration(float64(cfg.soak)/s.phases[0].rate()*float64(time.Second)) + time.Second
		r, _, err := cfg.gen.run(ctx, ps[0], s.proc.addr, d, cfg.soak)
		if err != nil {
			return fmt.Errorf("lsmock soak: %w", err)
		}
		s.soaked, s.rssEnd = r.Requests, s.proc.rss()
	}
	var comparison bytes.Buffer
	if cfg.checkLoad {
		if err := compareGenerators(&comparison, cfg, ps[0], servers[1]); err != nil {
			return err
		}
	}
	report(out, cfg, ps, servers)
	if cfg.binaryStart {
		reportBinaryStart(out, cfg.serverCPU, cfg.gen.tmp)
	}
	_, _ = comparison.WriteTo(out)
	return nil
}

// compareGenerators loads one server with wrk and with the built-in generator in turns,
// to show the two measure alike (the README's claim that the bench agrees with wrk).
func compareGenerators(out io.Writer, cfg config, p phase, s *contender) error {
	wrk, err := newGenerator("wrk", cfg.gen.threads, cfg.gen.conns, cfg.gen.cpu)
	if err != nil {
		return fmt.Errorf("-check-load: %w", err)
	}
	defer os.RemoveAll(wrk.tmp)
	builtin := cfg.gen
	builtin.kind = "builtin"
	var sums [2]measured
	slice := max(time.Second, cfg.duration/time.Duration(cfg.rounds))
	for range cfg.rounds {
		for i, g := range []generator{wrk, builtin} {
			before := cpuTime(s.proc.pid())
			r, used, err := g.run(context.Background(), p, s.proc.addr, slice, 0)
			if err != nil {
				return fmt.Errorf("-check-load %s: %w", g.kind, err)
			}
			sums[i].add(r, cpuTime(s.proc.pid())-before, used)
		}
	}
	fmt.Fprintf(out, "\nThe two load generators on %s, %s (%s in %d slices each):\n", s.name, p.name, cfg.duration, cfg.rounds)
	for i, name := range []string{"wrk", "built-in"} {
		m := sums[i]
		fmt.Fprintf(out, "  %-9s %8.0f req/s  p50 %8s  p99 %8s  CPU/req %7s  load core %3.0f%%\n", name, m.rate(),
			m.p50().Round(time.Microsecond), m.p99().Round(time.Microsecond), m.cpuPer().Round(100*time.Nanosecond), 100*m.loadBusy())
	}
	fmt.Fprintf(out, "  built-in / wrk: %.2fx req/s, %.2fx server CPU per request\n",
		sums[1].rate()/sums[0].rate(), float64(sums[1].cpuPer())/float64(sums[0].cpuPer()))
	return nil
}

// reportBinaryStart times the real lsmock binary (go build ./cmd/lsmock) from exec to its
// first answer, pinned as the servers are: what a user starting lsmock waits.
func reportBinaryStart(out io.Writer, cpu int, tmp string) {
	bin := filepath.Join(tmp, "lsmock")
	if b, err := exec.Command("go", "build", "-o", bin, "./cmd/lsmock").CombinedOutput(); err != nil {
		fmt.Fprintf(out, "lsmock binary: not built (%v: %s)\n", err, b)
		return
	}
	var times []time.Duration
	for range 11 {
		p, err := start("lsmock binary", "", nil, cpu, nil, bin)
		if err != nil {
			fmt.Fprintf(out, "lsmock binary: %v\n", err)
			return
		}
		times = append(times, p.startup)
		p.stop()
	}
	slices.Sort(times)
	fmt.Fprintf(out, "%-26s %35s %22s (median of %d; fastest %s)\n", "lsmock binary", "", times[len(times)/2].Round(100*time.Microsecond),
		len(times), times[0].Round(100*time.Microsecond))
}

func report(out io.Writer, cfg config, ps []phase, servers []*contender) {
	fmt.Fprintf(out, "Servers pinned to CPU %d (GOMAXPROCS=1), load by %s pinned to CPU %d, %d connections; %s per phase and server in %d alternating slices; %s, %d CPUs\n",
		cfg.serverCPU, cfg.gen.kind, cfg.gen.cpu, cfg.gen.conns, cfg.duration, cfg.rounds, runtime.Version(), runtime.NumCPU())
	base := servers[0]
	for i, p := range ps {
		fmt.Fprintf(out, "\n%s (%s %s -> %d)\n", p.name, p.method, p.path, p.status)
		fmt.Fprintf(out, "  %-26s %10s %7s %10s %10s %10s %7s %7s %7s\n", "server", "req/s", "ratio", "p50", "p99", "CPU/req", "ratio", "server", "load")
		for _, s := range servers {
			m := s.phases[i]
			if m.skipped {
				continue
			}
			ratio, cpuRatio := "", ""
			if b := base.phases[i]; !b.skipped {
				ratio = fmt.Sprintf("%.2fx", m.rate()/b.rate())
				cpuRatio = fmt.Sprintf("%.2fx", float64(m.cpuPer())/float64(b.cpuPer()))
			}
			fmt.Fprintf(out, "  %-26s %10.0f %7s %10s %10s %10s %7s %6.0f%% %6.0f%%\n", s.name, m.rate(), ratio,
				m.p50().Round(time.Microsecond), m.p99().Round(time.Microsecond), m.cpuPer().Round(100*time.Nanosecond), cpuRatio,
				100*m.serverBusy(), 100*m.loadBusy())
			if m.loadBusy() > 0.9 {
				fmt.Fprintf(out, "  ^ the load generator's core was %.0f%% busy: it, not the server, may have been the limit\n", 100*m.loadBusy())
			}
		}
		if p.target > 0 {
			fmt.Fprintf(out, "  target: lsmock >= %.2fx the hand-written handler's throughput\n", p.target)
		}
	}
	fmt.Fprintf(out, "\n%-26s %12s %14s %22s\n", "memory and start", "RSS at start", "RSS after soak", "start to first answer")
	for _, s := range servers {
		soak := ""
		if s.soaked > 0 {
			soak = fmt.Sprintf("%.1f MiB (%dk)", s.rssEnd, s.soaked/1000)
		}
		fmt.Fprintf(out, "%-26s %8.1f MiB %14s %22s\n", s.name, s.rssStart, soak, s.proc.startup.Round(100*time.Microsecond))
	}
}
