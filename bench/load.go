package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// result is what one phase of load measured.
type result struct {
	requests, errors uint64
	elapsed          time.Duration
	latencies        []time.Duration // sorted; empty when not recorded
}

func (r result) rate() float64 { return float64(r.requests) / r.elapsed.Seconds() }

func (r result) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	return r.latencies[min(len(r.latencies)-1, int(float64(len(r.latencies))*p))]
}

// load sends raw HTTP/1.1 requests over conns keep-alive connections until ctx ends or
// total requests are sent (0: no limit). A hand-rolled client, like wrk, so the load
// generator costs little next to the server it measures. wantStatus checks every answer.
func load(ctx context.Context, addr string, request []byte, wantStatus, conns int, total uint64, record bool) (result, error) {
	var sent, failed atomic.Uint64
	var mu sync.Mutex
	var all []time.Duration
	var firstErr error
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			if record {
				mine = make([]time.Duration, 0, 1<<16)
			}
			err := worker(ctx, addr, request, wantStatus, total, &sent, &failed, &mine, record)
			mu.Lock()
			defer mu.Unlock()
			all = append(all, mine...)
			if err != nil && firstErr == nil {
				firstErr = err
			}
		}()
	}
	wg.Wait()
	r := result{requests: sent.Load() - failed.Load(), errors: failed.Load(), elapsed: time.Since(start)}
	if total > 0 && r.requests > total {
		r.requests = total
	}
	slices.Sort(all)
	r.latencies = all
	return r, firstErr
}

func worker(ctx context.Context, addr string, request []byte, wantStatus int, total uint64,
	sent, failed *atomic.Uint64, lat *[]time.Duration, record bool) error {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	br := bufio.NewReaderSize(conn, 16<<10)
	for ctx.Err() == nil {
		if total > 0 && sent.Add(1) > total {
			return nil
		} else if total == 0 {
			sent.Add(1)
		}
		t0 := time.Now()
		if _, err := conn.Write(request); err != nil {
			return err
		}
		status, err := readResponse(br)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if record {
			*lat = append(*lat, time.Since(t0))
		}
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

// rawRequest renders a request once; every worker sends the same bytes.
func rawRequest(headers map[string]string, body string) []byte {
	var b bytes.Buffer
	b.WriteString("POST /api/v4/change_password HTTP/1.1\r\nHost: bench\r\n")
	for k, v := range headers {
		fmt.Fprintf(&b, "%s: %s\r\n", k, v)
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(body), body)
	return b.Bytes()
}

func newReader(conn net.Conn) *bufio.Reader { return bufio.NewReaderSize(conn, 16<<10) }
