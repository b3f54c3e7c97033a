// Command bench measures lsmock against a hand-written net/http handler doing the same
// checks, side by side on loopback: throughput, CPU per request, p50/p99 latency for valid
// and invalid requests, memory after a soak, and the time from process start to the first
// answer. Each server is its own process limited to one core (GOMAXPROCS=1, and pinned to
// CPU 0 when taskset exists). The load generator is not pinned: on one core of its own it
// could not keep a server busy on this machine (each request is two syscalls, and syscalls
// are slow in this sandbox), so the report shows how busy each server's core was, which
// should be near 100% for the ratios to mean anything.
//
//	go run ./bench                       # the full run: 10 s per phase, 1M-request soak
//	go run ./bench -duration 2s -soak 0  # a quick look
package main

import (
	"context"
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

	"github.com/lsmock/lsmock/internal/auth"
	"github.com/lsmock/lsmock/internal/cli"
)

func main() {
	role := flag.String("serve", "", "internal: run as the `server` (lsmock or baseline) on -addr")
	addr := flag.String("addr", "127.0.0.1:0", "internal: where -serve listens")
	duration := flag.Duration("duration", 10*time.Second, "how long each throughput phase runs")
	conns := flag.Int("conns", 16, "keep-alive connections")
	soak := flag.Uint64("soak", 1_000_000, "valid requests sent to lsmock before reading its memory (0 skips)")
	flag.Parse()
	if *role != "" {
		os.Exit(serve(*role, *addr))
	}
	if err := run(os.Stdout, *duration, *conns, *soak); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// serve runs one of the two servers in this process, until SIGTERM.
func serve(role, addr string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	switch role {
	case "lsmock":
		// The real command line: validation, signing checks (format), matching over the
		// shipped scenarios and the journal all on; one log line per request is off.
		return cli.Run(ctx, []string{"serve", "--addr", addr, "--log-level", "warn"},
			cli.Env{Stdout: os.Stdout, Stderr: os.Stderr})
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

// process is a server under measurement.
type process struct {
	name    string
	addr    string
	cmd     *exec.Cmd
	startup time.Duration // from exec to the first answered request
}

func start(name string) (*process, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := []string{self, "-serve", name, "-addr", addr}
	if ts, err := exec.LookPath("taskset"); err == nil && runtime.NumCPU() > 1 {
		args = append([]string{ts, "-c", "0"}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	cmd.Stderr = os.Stderr
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{name: name, addr: addr, cmd: cmd}
	req := rawRequest(validHeaders(), validBody)
	for time.Since(t0) < 10*time.Second {
		if conn, err := net.Dial("tcp", addr); err == nil {
			_, _ = conn.Write(req)
			status, err := readResponse(newReader(conn))
			conn.Close()
			if err == nil && status == http.StatusOK {
				p.startup = time.Since(t0)
				return p, nil
			}
		}
		time.Sleep(200 * time.Microsecond)
	}
	p.stop()
	return nil, fmt.Errorf("%s did not answer within 10 s", name)
}

func (p *process) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	_ = p.cmd.Wait()
}

// pid is the server's own process (taskset execs it in place).
func (p *process) pid() int { return p.cmd.Process.Pid }

// cpu is the user+system CPU time the process has used.
func (p *process) cpu() time.Duration {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(p.pid()), "stat"))
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+2:]))
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100 // USER_HZ is 100 on Linux
}

// rss is the resident memory of the process, in MiB.
func (p *process) rss() float64 {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(p.pid()), "status"))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

const (
	validBody = `{"username":"user@example.com","password":"old-password","new_password":"new-password"}`
	// The error path, twice: a missing field (missing_parameters, found before the schema
	// walk) and a wrong type (validation_error, which the general validator words).
	missingBody   = `{"username":"user@example.com","password":"old-password"}`
	wrongTypeBody = `{"username":"user@example.com","password":"old-password","new_password":5}`
)

func validHeaders() map[string]string {
	date := time.Now().UTC().Format(http.TimeFormat)
	return map[string]string{
		"Date":          date,
		"Authorization": auth.HeaderValue("bench-key", "bench-shared", date),
		"Content-Type":  "application/json",
	}
}

// phase is one kind of request sent to both servers, and the least lsmock must do of what
// the baseline does.
type phase struct {
	name    string
	request []byte
	status  int
	target  float64
}

// measured is one server's numbers for one phase.
type measured struct {
	result
	cpu  time.Duration // per request
	busy float64       // share of its core the server used: near 1 means it, not the load, was the limit
}

// server is one server's numbers.
type server struct {
	startup          time.Duration
	phases           []measured
	rssStart, rssEnd float64
	soaked           uint64
}

// run measures both servers in alternating slices of each phase (baseline, lsmock,
// baseline, ...), so that whatever else the machine does weighs on both alike.
func run(out io.Writer, duration time.Duration, conns int, soak uint64) error {
	const rounds = 4
	phases := []phase{
		{"valid", rawRequest(validHeaders(), validBody), 200, 0.7},
		{"missing field", rawRequest(validHeaders(), missingBody), 400, 0.5},
		{"wrong type", rawRequest(validHeaders(), wrongTypeBody), 400, 0.5},
	}
	procs := make([]*process, 2)
	servers := make([]server, 2)
	for i, name := range []string{"baseline", "lsmock"} {
		p, err := start(name)
		if err != nil {
			return err
		}
		defer p.stop()
		procs[i] = p
		servers[i] = server{startup: p.startup, phases: make([]measured, len(phases))}
	}
	for i, p := range procs { // warm up
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := load(ctx, p.addr, phases[0].request, 200, conns, 0, false)
		cancel()
		if err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		servers[i].rssStart = p.rss()
	}
	for range rounds {
		for ph, phase := range phases {
			for i, p := range procs {
				ctx, cancel := context.WithTimeout(context.Background(), duration/rounds)
				before := p.cpu()
				r, err := load(ctx, p.addr, phase.request, phase.status, conns, 0, true)
				cancel()
				if err != nil {
					return fmt.Errorf("%s %s: %w", p.name, phase.name, err)
				}
				if r.errors > 0 {
					return fmt.Errorf("%s %s: %d answers with a status other than %d", p.name, phase.name, r.errors, phase.status)
				}
				m := &servers[i].phases[ph]
				m.cpu += p.cpu() - before
				m.requests += r.requests
				m.elapsed += r.elapsed
				m.latencies = append(m.latencies, r.latencies...)
			}
		}
	}
	for i := range servers {
		for ph := range phases {
			m := &servers[i].phases[ph]
			slices.Sort(m.latencies)
			m.busy = m.cpu.Seconds() / m.elapsed.Seconds()
			m.cpu /= time.Duration(max(m.requests, 1))
		}
	}
	if soak > 0 {
		r, err := load(context.Background(), procs[1].addr, phases[0].request, 200, conns, soak, false)
		if err != nil {
			return fmt.Errorf("lsmock soak: %w", err)
		}
		servers[1].soaked = r.requests
		servers[1].rssEnd = procs[1].rss()
	}
	report(out, phases, servers[0], servers[1], duration, conns)
	return nil
}

func report(out io.Writer, phases []phase, b, l server, duration time.Duration, conns int) {
	fmt.Fprintf(out, "lsmock vs a hand-written net/http handler; each server on one core (GOMAXPROCS=1), %d connections,\n%s per phase and server in alternating slices, %s\n\n",
		conns, duration, runtime.Version())
	fmt.Fprintf(out, "%-30s %14s %14s %8s   %s\n", "", "baseline", "lsmock", "ratio", "target")
	row := func(name, bv, lv string, r float64, target string, ok bool) {
		verdict := ""
		if target != "" {
			verdict = map[bool]string{true: "met", false: "NOT met"}[ok]
		}
		rs := ""
		if r > 0 {
			rs = fmt.Sprintf("%.2fx", r)
		}
		fmt.Fprintf(out, "%-30s %14s %14s %8s   %s %s\n", name, bv, lv, rs, target, verdict)
	}
	for ph, phase := range phases {
		bm, lm := b.phases[ph], l.phases[ph]
		r := lm.rate() / bm.rate()
		row(phase.name+": requests/s", fmt.Sprintf("%.0f", bm.rate()), fmt.Sprintf("%.0f", lm.rate()), r,
			fmt.Sprintf(">= %.2fx", phase.target), r >= phase.target)
		row(phase.name+": p50", bm.percentile(0.5).String(), lm.percentile(0.5).String(),
			float64(lm.percentile(0.5))/float64(bm.percentile(0.5)), "", true)
		p99 := float64(lm.percentile(0.99)) / float64(bm.percentile(0.99))
		row(phase.name+": p99", bm.percentile(0.99).String(), lm.percentile(0.99).String(), p99, "<= 2.00x", p99 <= 2)
		row(phase.name+": CPU per request", bm.cpu.String(), lm.cpu.String(), float64(lm.cpu)/float64(bm.cpu), "", true)
		row(phase.name+": server core busy", fmt.Sprintf("%.0f%%", 100*bm.busy), fmt.Sprintf("%.0f%%", 100*lm.busy), 0, "", true)
	}
	row("RSS after start", fmt.Sprintf("%.1f MiB", b.rssStart), fmt.Sprintf("%.1f MiB", l.rssStart), 0, "", true)
	if l.soaked > 0 {
		row(fmt.Sprintf("RSS after %d more", l.soaked), "", fmt.Sprintf("%.1f MiB", l.rssEnd), 0, "<= 40 MiB", l.rssEnd <= 40)
	}
	row("start to first answer", b.startup.Round(100*time.Microsecond).String(), l.startup.Round(100*time.Microsecond).String(), 0, "<= 50ms", l.startup <= 50*time.Millisecond)
}
