// Command bench measures lsmock as users run it against a hand-written net/http handler doing
// the same checks, the way an outside load tool does: lsmock is the real binary (built once
// by the bench from ./cmd/lsmock), started as "lsmock serve" with its log going to a file at
// the default level (and again at --log-level warn); each server is a process of its own,
// limited to one core (GOMAXPROCS=1) and pinned to CPU 1; the load generator (wrk when
// installed, else a built-in one) runs as another process pinned to CPU 0, so neither takes
// the other's core. It reports, per server and kind of request: requests per second, server
// CPU time per request (from /proc, the figure least sensitive to noise), p50/p99 latency,
// how busy the server's and the generator's cores were (the server's near 100% and the
// generator's well below it, or the ratio measures the generator), and memory and the time
// from exec to the first answer. Servers take turns in short slices of each phase, so
// whatever else the machine does weighs on all alike. Uncached signed answers are set
// against what RSA-2048 signing allows on the same core (openssl speed, when installed).
//
//	go run ./bench                       # the full run (~4 min): 10 s per phase and server, 1M-request soak
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
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	role := flag.String("serve", "", "internal: run as the `server` (baseline) on -addr")
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
	starts := flag.Int("starts", 11, "times the lsmock binary is started to time exec to first answer (0 skips)")
	openssl := flag.Bool("openssl", true, "also run openssl speed rsa2048 on the server's core, the limit for uncached signed answers")
	startOnly := flag.Bool("start-only", false, "only time the binary's start (-starts times), no load")
	flag.Parse()
	switch {
	case *role != "":
		os.Exit(serve(*role, *addr))
	case *gen:
		os.Exit(generateOnce(*addr, *phaseName, *duration, *conns, *total))
	}
	g, err := newGenerator(*load, *threads, *conns, *loadCPU)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	defer os.RemoveAll(g.tmp)
	cfg := config{checkLoad: *checkLoad, starts: *starts, openssl: *openssl, duration: *duration, rounds: max(1, *rounds), soak: *soak, serverCPU: *serverCPU, gen: g}
	runBench := run
	if *startOnly {
		runBench = runStarts
	}
	if err := runBench(os.Stdout, cfg); err != nil {
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

// serve runs the hand-written server in this process, until SIGTERM.
func serve(role, addr string) int {
	if role != "baseline" {
		fmt.Fprintf(os.Stderr, "bench: -serve %q: want baseline (lsmock runs as its own binary)\n", role)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
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
		r, err := generate(ctx, addr, p.requests(strconv.FormatInt(time.Now().UnixNano(), 36)), p.status, conns, total)
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
	checkLoad bool // also compare wrk with the built-in generator
	starts    int  // times the lsmock binary is started to time its start
	openssl   bool // also measure RSA-2048 signing with openssl speed
	duration  time.Duration
	rounds    int
	soak      uint64
	serverCPU int
	gen       generator
}

// contender is a server and what it measured.
type contender struct {
	name             string
	role             string // baseline, or "" for the lsmock binary
	args             []string
	proc             *process
	log              *os.File // where its standard error (lsmock's request log) goes
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

// buildLsmock builds the lsmock binary into the bench's temporary folder.
func buildLsmock(cfg config) (string, error) {
	bin := filepath.Join(cfg.gen.tmp, "lsmock")
	if b, err := exec.Command("go", "build", "-o", bin, "./cmd/lsmock").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/lsmock (run the bench from the repository's root): %v: %s", err, b)
	}
	return bin, nil
}

// runStarts only times the binary's start: -start-only.
func runStarts(out io.Writer, cfg config) error {
	bin, err := buildLsmock(cfg)
	if err != nil {
		return err
	}
	reportBinaryStart(out, cfg.serverCPU, bin, max(cfg.starts, 1))
	return nil
}

func run(out io.Writer, cfg config) error {
	ctx := context.Background()
	ps := phases()
	bin, err := buildLsmock(cfg)
	if err != nil {
		return err
	}
	servers := []*contender{
		{name: "hand-written net/http", role: "baseline"},
		{name: "lsmock", args: []string{}},
		{name: "lsmock --log-level warn", args: []string{"--log-level", "warn"}},
	}
	for i, s := range servers {
		logFile, err := os.Create(filepath.Join(cfg.gen.tmp, fmt.Sprintf("server-%d.log", i)))
		if err != nil {
			return err
		}
		defer logFile.Close()
		binary := bin
		if s.role != "" {
			binary = ""
		}
		p, err := start(s.name, s.role, s.args, cfg.serverCPU, logFile, binary)
		if err != nil {
			return err
		}
		defer p.stop()
		s.proc, s.log, s.phases = p, logFile, make([]measured, len(ps))
	}
	if err := prepare(ctx, cfg, ps, servers); err != nil {
		return err
	}
	if err := measure(ctx, cfg, ps, servers); err != nil {
		return err
	}
	if cfg.soak > 0 {
		if err := soak(ctx, cfg, ps[0], bin, servers[1]); err != nil {
			return err
		}
	}
	var comparison bytes.Buffer
	if cfg.checkLoad {
		if err := compareGenerators(&comparison, cfg, ps[0], servers[1]); err != nil {
			return err
		}
	}
	report(out, cfg, ps, servers)
	reportLogs(out, servers)
	if cfg.openssl {
		reportSigning(out, cfg.serverCPU, servers[1].phases[len(ps)-1])
	}
	if cfg.starts > 0 {
		reportBinaryStart(out, cfg.serverCPU, bin, cfg.starts)
	}
	_, _ = comparison.WriteTo(out)
	return nil
}

// soak sends cfg.soak valid requests of p to a fresh lsmock and reads its memory after them
// into s: a fresh one, because the measured one holds the state of the activations phase
// (thousands of devices), which is what it was asked to keep, not growth from serving.
func soak(ctx context.Context, cfg config, p phase, bin string, s *contender) error {
	logFile, err := os.Create(filepath.Join(cfg.gen.tmp, "soak.log"))
	if err != nil {
		return err
	}
	defer logFile.Close()
	proc, err := start(s.name+" (soak)", s.role, s.args, cfg.serverCPU, logFile, bin)
	if err != nil {
		return err
	}
	defer proc.stop()
	if status, err := p.once(proc.addr); err != nil || status != p.status {
		return fmt.Errorf("lsmock soak: %s answered %d (%v), want %d", p.name, status, err, p.status)
	}
	d := time.Duration(float64(cfg.soak)/s.phases[0].rate()*float64(time.Second)) + time.Second
	r, _, err := cfg.gen.run(ctx, p, proc.addr, d, cfg.soak)
	if err != nil {
		return fmt.Errorf("lsmock soak: %w", err)
	}
	s.soaked, s.rssEnd = r.Requests, proc.rss()
	return nil
}

// prepare sets up each server, checks each phase's answer once and warms it up.
func prepare(ctx context.Context, cfg config, ps []phase, servers []*contender) error {
	for _, s := range servers {
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
	return nil
}

// measure runs cfg.rounds slices of each phase on each server, taken in turns, adding them
// to the server's phases.
func measure(ctx context.Context, cfg config, ps []phase, servers []*contender) error {
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
	return nil
}

// reportLogs says how much each lsmock wrote to its log file: at the default level, a line
// per request (the cost the bench measures); at warn, none.
func reportLogs(out io.Writer, servers []*contender) {
	fmt.Fprintln(out)
	for _, s := range servers[1:] {
		data, err := os.ReadFile(s.log.Name())
		if err != nil {
			fmt.Fprintf(out, "%s: log file: %v\n", s.name, err)
			continue
		}
		fmt.Fprintf(out, "%-26s log to a file: %d lines, %.1f MiB\n", s.name, bytes.Count(data, []byte("\n")), float64(len(data))/(1<<20))
	}
}

// reportSigning sets uncached activations (each a new device: signaturesPerActivation RSA
// signatures) against what RSA-2048 signing allows on the server's core, by openssl speed.
func reportSigning(out io.Writer, cpu int, activations measured) {
	argv := pinned(cpu, []string{"openssl", "speed", "-seconds", "3", "rsa2048"})
	b, err := exec.Command(argv[0], argv[1:]...).Output()
	if err != nil {
		fmt.Fprintf(out, "openssl speed rsa2048: %v (is openssl installed?)\n", err)
		return
	}
	signs := opensslSigns(string(b))
	if signs == 0 {
		fmt.Fprintf(out, "openssl speed rsa2048: no sign/s in its report:\n%s", b)
		return
	}
	limit := signs / signaturesPerActivation
	fmt.Fprintf(out, "RSA-2048 on CPU %d: openssl %.0f signs/s, so at most %.0f uncached activations/s (%d signatures each); lsmock %.0f/s = %.2fx (target >= 0.60x)\n",
		cpu, signs, limit, signaturesPerActivation, activations.rate(), activations.rate()/limit)
}

// opensslSigns reads the sign/s of "openssl speed rsa2048": the line
// "rsa 2048 bits 0.000848s 0.000025s 1179.4 39997.8"; 0 when there is none.
func opensslSigns(report string) float64 {
	for line := range strings.Lines(report) {
		f := strings.Fields(line)
		if len(f) == 7 && f[0] == "rsa" && f[1] == "2048" && f[2] == "bits" {
			v, _ := strconv.ParseFloat(f[5], 64)
			return v
		}
	}
	return 0
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

// reportBinaryStart times the lsmock binary from exec to its first answer, n times, pinned
// as the servers are: what a user starting lsmock waits.
func reportBinaryStart(out io.Writer, cpu int, bin string, n int) {
	var times, cpus []time.Duration
	for range n {
		p, err := start("lsmock binary", "", nil, cpu, nil, bin)
		if err != nil {
			fmt.Fprintf(out, "lsmock binary: %v\n", err)
			return
		}
		times, cpus = append(times, p.startup), append(cpus, p.startCPU)
		p.stop()
	}
	slices.Sort(times)
	slices.Sort(cpus)
	ms := func(d time.Duration) time.Duration { return d.Round(100 * time.Microsecond) }
	fmt.Fprintf(out, "lsmock serve, exec to first answer: %s (median of %d; fastest %s); CPU used by then: %s (fastest %s)\n",
		ms(times[len(times)/2]), len(times), ms(times[0]), ms(cpus[len(cpus)/2]), ms(cpus[0]))
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
		if p.setupRequests != nil { // the signed check, remembered, against a change_password
			fmt.Fprintf(out, "  CPU/req against lsmock's valid change_password: %.2fx (target <= 1.20x)\n",
				float64(servers[1].phases[i].cpuPer())/float64(servers[1].phases[0].cpuPer()))
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
