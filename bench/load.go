package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lsmock/lsmock/internal/auth"
)

// phase is one kind of request, sent to each server alike.
type phase struct {
	name          string
	method, path  string // path with its query
	body          string
	status        int     // what every answer must be
	target        float64 // the least throughput ratio to the baseline; 0: none
	lsmockOnly    bool    // the baseline does not have the operation
	setupRequests []phase // sent once to each server before the phase (e.g. an activation)
	// distinct: each request's body has {n} replaced by a value no other request of the run
	// has (a new device each time: an answer nobody has signed yet). Every devicesPerSession
	// requests go to a new session (X-Lsmock-Session), which lsmock lets keep at most
	// license.MaxDevices devices per license.
	distinct bool
	session  string // the X-Lsmock-Session header; "" for none
}

// devicesPerSession is how many new devices a distinct phase activates in one session.
const devicesPerSession = 500

const (
	apiKey, sharedKey = "bench-key", "bench-shared"

	validBody = `{"username":"user@example.com","password":"old-password","new_password":"new-password"}`
	// The error path, twice: a missing field (missing_parameters, found before the schema
	// walk) and a wrong type (validation_error, which the general validator words).
	missingBody   = `{"username":"user@example.com","password":"old-password"}`
	wrongTypeBody = `{"username":"user@example.com","password":"old-password","new_password":5}`

	activateBody = `{"license_key":"DEMO-PERP-0000-0001","product":"demo","hardware_id":"bench-hw"}`
	checkPath    = "/api/v4/check_license?license_key=DEMO-PERP-0000-0001&product=demo&hardware_id=bench-hw"
	// A license without an activation limit, activated on a new device by every request.
	newDeviceBody = `{"license_key":"DEMO-UNLM-0000-0005","product":"demo","hardware_id":"bench-{n}"}`
)

// signaturesPerActivation is how many RSA signatures an uncached activation answer needs:
// its license_signature, and the LicenseSignature header over the body that holds it.
const signaturesPerActivation = 2

func changePassword(name, body string, status int) phase {
	return phase{name: name, method: http.MethodPost, path: "/api/v4/change_password", body: body, status: status}
}

// phases are what the bench measures, in order.
func phases() []phase {
	valid := changePassword("valid", validBody, http.StatusOK)
	valid.target = 0.75
	missing := changePassword("missing field", missingBody, http.StatusBadRequest)
	missing.target = 0.6
	wrongType := changePassword("wrong type", wrongTypeBody, http.StatusBadRequest)
	wrongType.target = 0.6
	check := phase{name: "check_license (signed)", method: http.MethodGet, path: checkPath, status: http.StatusOK, lsmockOnly: true,
		setupRequests: []phase{{name: "activate", method: http.MethodPost, path: "/api/v4/activate_license", body: activateBody, status: http.StatusOK}}}
	activate := phase{name: "activation, new device (signed)", method: http.MethodPost, path: "/api/v4/activate_license",
		body: newDeviceBody, status: http.StatusOK, lsmockOnly: true, distinct: true}
	return []phase{valid, missing, wrongType, check, activate}
}

// requests returns what the n-th request of a generator sends: the same bytes every time,
// or for a distinct phase, its body with {n} replaced by run-n (run tells generator runs
// apart, so no two runs send the same device either).
func (p phase) requests(run string) func(n uint64) []byte {
	if !p.distinct {
		raw := p.raw()
		return func(uint64) []byte { return raw }
	}
	return func(n uint64) []byte {
		q := p
		q.body = strings.ReplaceAll(p.body, "{n}", run+"-"+strconv.FormatUint(n, 10))
		q.session = run + "-" + strconv.FormatUint(n/devicesPerSession, 10)
		return q.raw()
	}
}

// headers are what an SDK sends, signed with the bench's keys at the time of the call.
func (p phase) headers() [][2]string {
	date := time.Now().UTC().Format(http.TimeFormat)
	h := [][2]string{{"Date", date}, {"Authorization", auth.HeaderValue(apiKey, sharedKey, date)}}
	if p.body != "" {
		h = append(h, [2]string{"Content-Type", "application/json"})
	}
	if p.session != "" {
		h = append(h, [2]string{"X-Lsmock-Session", p.session})
	}
	return h
}

// raw renders the request once; every connection sends the same bytes.
func (p phase) raw() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: bench\r\n", p.method, p.path)
	for _, h := range p.headers() {
		fmt.Fprintf(&b, "%s: %s\r\n", h[0], h[1])
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(p.body), p.body)
	return b.Bytes()
}

// once sends the request on a connection of its own and returns the status.
func (p phase) once(addr string) (int, error) {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write(p.requests(strconv.FormatInt(time.Now().UnixNano(), 36))(0)); err != nil {
		return 0, err
	}
	return readResponse(bufio.NewReader(conn))
}

// result is what one slice of load measured.
type result struct {
	Requests uint64        `json:"requests"`
	Errors   uint64        `json:"errors"` // answers with another status than the phase's
	Elapsed  time.Duration `json:"elapsed"`
	// Latencies are every request's, sorted, when the generator keeps them (the built-in
	// one); P50 and P99 otherwise (wrk).
	Latencies []time.Duration `json:"-"`
	P50       time.Duration   `json:"p50"`
	P99       time.Duration   `json:"p99"`
}

func (r result) rate() float64 { return float64(r.Requests) / r.Elapsed.Seconds() }

func (r result) percentile(p float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	return r.Latencies[min(len(r.Latencies)-1, int(float64(len(r.Latencies))*p))]
}

// generate is the built-in load generator: raw HTTP/1.1 requests over conns keep-alive
// connections, each waiting for its answer before the next (a closed loop, like wrk),
// until ctx ends or total requests are sent (0: no limit). Hand-rolled so that it costs
// little next to the server it measures.
func generate(ctx context.Context, addr string, request func(n uint64) []byte, wantStatus, conns int, total uint64) (result, error) {
	var sent, failed atomic.Uint64
	var mu sync.Mutex
	var all []time.Duration
	var firstErr error
	var wg sync.WaitGroup
	begin := time.Now()
	for range conns {
		wg.Go(func() {
			mine := make([]time.Duration, 0, 1<<14)
			err := worker(ctx, addr, request, wantStatus, total, &sent, &failed, &mine)
			mu.Lock()
			defer mu.Unlock()
			all = append(all, mine...)
			if err != nil && firstErr == nil {
				firstErr = err
			}
		})
	}
	wg.Wait()
	r := result{Requests: uint64(len(all)), Errors: failed.Load(), Elapsed: time.Since(begin)}
	slices.Sort(all)
	r.Latencies = all
	r.P50, r.P99 = r.percentile(0.5), r.percentile(0.99)
	return r, firstErr
}

func worker(ctx context.Context, addr string, request func(n uint64) []byte, wantStatus int, total uint64,
	sent, failed *atomic.Uint64, lat *[]time.Duration) error {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	br := bufio.NewReaderSize(conn, 16<<10)
	for ctx.Err() == nil {
		n := sent.Add(1)
		if total > 0 && n > total {
			return nil
		}
		req := request(n)
		t0 := time.Now()
		if _, err := conn.Write(req); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		status, err := readResponse(br)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		*lat = append(*lat, time.Since(t0))
		if status != wantStatus {
			failed.Add(1)
		}
	}
	return nil
}

// readResponse reads one response with a Content-Length body and returns its status.
func readResponse(br *bufio.Reader) (int, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, err
	}
	length := -1
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		if len(line) <= 2 {
			break
		}
		if name, value, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(name, []byte("Content-Length")) {
			length, err = strconv.Atoi(string(bytes.TrimSpace(value)))
			if err != nil {
				return 0, err
			}
		}
	}
	if length < 0 {
		return 0, errors.New("response without Content-Length")
	}
	_, err = br.Discard(length)
	return status, err
}
