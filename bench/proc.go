package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// process is a server under measurement: this program run again as -serve, alone on its core.
type process struct {
	name    string
	addr    string
	cmd     *exec.Cmd
	startup time.Duration // from exec to the first answered request
	// startCPU is the CPU time the process had used by its first answer: what its start
	// costs, whatever else the machine does.
	startCPU time.Duration
}

// start runs the server role in its own process, limited to one core (GOMAXPROCS=1) and
// pinned to cpu when there are two cores or more, and waits for its first 200.
// Its standard error goes to logFile: lsmock writes its request log there, as it would to a
// file or a terminal.
// binary, when set, is an lsmock binary to run (lsmock serve) instead of this program.
func start(name, role string, args []string, cpu int, logFile *os.File, binary string) (*process, error) {
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
	argv := append([]string{self, "-serve", role, "-addr", addr, "--"}, args...)
	if binary != "" {
		argv = append([]string{binary, "serve", "--addr", addr}, args...)
	}
	argv = pinned(cpu, argv)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	if logFile != nil {
		cmd.Stderr = logFile
	}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{name: name, addr: addr, cmd: cmd}
	probe := changePassword("valid", validBody, http.StatusOK)
	for time.Since(t0) < 10*time.Second {
		if status, err := probe.once(addr); err == nil && status == http.StatusOK {
			p.startup = time.Since(t0)
			p.startCPU = threadsCPU(p.pid())
			return p, nil
		}
		time.Sleep(200 * time.Microsecond)
	}
	p.stop()
	return nil, fmt.Errorf("%s did not answer within 10 s", name)
}

// pinned prefixes argv with taskset to run it on cpu, when taskset and that cpu exist.
func pinned(cpu int, argv []string) []string {
	if cpu < 0 {
		return argv
	}
	if ts, err := exec.LookPath("taskset"); err == nil && runtime.NumCPU() > cpu {
		return append([]string{ts, "-c", strconv.Itoa(cpu)}, argv...)
	}
	return argv
}

func (p *process) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	_ = p.cmd.Wait()
}

// pid is the server's own process (taskset execs it in place).
func (p *process) pid() int { return p.cmd.Process.Pid }

// cpuTime is the user+system CPU time process pid has used, from /proc/PID/stat: the
// figure least sensitive to what else the machine does.
func cpuTime(pid int) time.Duration {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+2:]))
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100 // USER_HZ is 100 on Linux
}

// threadsCPU is the CPU time all threads of process pid have run, in nanoseconds, from each
// thread's /proc/PID/task/TID/schedstat: finer than /proc/PID/stat's 10 ms ticks.
func threadsCPU(pid int) time.Duration {
	dir := filepath.Join("/proc", strconv.Itoa(pid), "task")
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	var total time.Duration
	for _, t := range tasks {
		data, err := os.ReadFile(filepath.Join(dir, t.Name(), "schedstat"))
		if err != nil {
			continue
		}
		if f := strings.Fields(string(data)); len(f) > 0 {
			ns, _ := strconv.ParseInt(f[0], 10, 64)
			total += time.Duration(ns)
		}
	}
	return total
}

// rss is the resident memory of the process, in MiB.
func (p *process) rss() float64 {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(p.pid()), "status"))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}
