package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// generator is a load generator run as a process of its own, pinned to the load core.
type generator struct {
	kind    string // "wrk" or "builtin"
	wrk     string // wrk's path
	threads int
	conns   int
	cpu     int
	tmp     string // for wrk's scripts
}

// run sends p's request to addr for d (or, for the built-in generator, total requests when
// total > 0), and returns what it measured and the CPU time the generator used.
func (g generator) run(ctx context.Context, p phase, addr string, d time.Duration, total uint64) (result, time.Duration, error) {
	var argv []string
	switch g.kind {
	case "wrk":
		script, err := g.script(p)
		if err != nil {
			return result{}, 0, err
		}
		argv = []string{g.wrk, "-t" + strconv.Itoa(g.threads), "-c" + strconv.Itoa(g.conns),
			"-d" + strconv.Itoa(max(1, int(d.Round(time.Second).Seconds()))) + "s", "--latency", "-s", script, "http://" + addr + p.path}
	default:
		self, err := os.Executable()
		if err != nil {
			return result{}, 0, err
		}
		argv = []string{self, "-generate", "-addr", addr, "-phase", p.name, "-duration", d.String(),
			"-conns", strconv.Itoa(g.conns), "-total", strconv.FormatUint(total, 10)}
	}
	argv = pinned(g.cpu, argv)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return result{}, 0, fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
	}
	used := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	var r result
	if g.kind == "wrk" {
		r, err = parseWrk(string(out), p.status)
	} else {
		err = json.Unmarshal(out, &r)
	}
	return r, used, err
}

// script writes the Lua script that makes wrk send p's request.
func (g generator) script(p phase) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "wrk.method = %q\n", p.method)
	if p.body != "" {
		fmt.Fprintf(&b, "wrk.body = [==[%s]==]\n", p.body)
	}
	for _, h := range p.headers() {
		fmt.Fprintf(&b, "wrk.headers[%q] = [==[%s]==]\n", h[0], h[1])
	}
	if p.distinct { // each request its own {n}: this script's run, wrk's thread, a count
		fmt.Fprintf(&b, "local run = %q\nlocal threads = 0\n", strconv.FormatInt(time.Now().UnixNano(), 36))
		b.WriteString(`function setup(thread) threads = threads + 1; thread:set("tid", threads) end
local n = 0
local headers = {}
for k, v in pairs(wrk.headers) do headers[k] = v end
function request()
  n = n + 1
  local body = string.gsub(wrk.body, "{n}", run .. "-" .. tid .. "-" .. n)
  headers["X-Lsmock-Session"] = run .. "-" .. tid .. "-" .. math.floor(n / ` + strconv.Itoa(devicesPerSession) + `)
  return wrk.format(nil, nil, headers, body)
end
`)
	}
	path := filepath.Join(g.tmp, strings.NewReplacer(" ", "_", "(", "", ")", "").Replace(p.name)+".lua")
	return path, os.WriteFile(path, []byte(b.String()), 0o600)
}

// parseWrk reads wrk's report (with --latency). wrk cannot check each status, so it is held
// to the count of non-2xx answers: none when 200 is wanted, all of them otherwise.
func parseWrk(out string, wantStatus int) (result, error) {
	var r result
	var rate float64
	non2xx := uint64(0)
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 2 && f[0] == "50%":
			r.P50, _ = time.ParseDuration(f[1])
		case len(f) == 2 && f[0] == "99%":
			r.P99, _ = time.ParseDuration(f[1])
		case len(f) >= 3 && f[1] == "requests" && f[2] == "in":
			r.Requests, _ = strconv.ParseUint(f[0], 10, 64)
		case len(f) == 2 && f[0] == "Requests/sec:":
			rate, _ = strconv.ParseFloat(f[1], 64)
		case strings.HasPrefix(sc.Text(), "  Non-2xx or 3xx responses:"):
			non2xx, _ = strconv.ParseUint(f[len(f)-1], 10, 64)
		case strings.HasPrefix(strings.TrimSpace(sc.Text()), "Socket errors:"):
			return r, fmt.Errorf("wrk: %s", strings.TrimSpace(sc.Text()))
		}
	}
	if r.Requests == 0 || rate == 0 {
		return r, fmt.Errorf("wrk sent no requests:\n%s", out)
	}
	r.Elapsed = time.Duration(float64(r.Requests) / rate * float64(time.Second))
	if wantStatus/100 == 2 {
		r.Errors = non2xx
	} else {
		r.Errors = r.Requests - non2xx
	}
	return r, nil
}
