package main

import (
	"bufio"
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/lsmocktest"
)

// The baseline must answer what lsmock answers, or the comparison is of different work.
func TestBaselineAnswersLikeLsmock(t *testing.T) {
	t.Parallel()
	base := httptest.NewServer(baseline())
	t.Cleanup(base.Close)
	mock := lsmocktest.New(t)
	for _, p := range phases() {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			urls := []string{base.URL, mock.URL}
			if p.lsmockOnly {
				urls = urls[1:]
			}
			for _, url := range urls {
				addr := strings.TrimPrefix(url, "http://")
				for _, setup := range p.setupRequests {
					status, err := setup.once(addr)
					require.NoError(t, err)
					require.Equal(t, setup.status, status, "%s: %s", url, setup.name)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
				r, err := generate(ctx, addr, p.requests("test"), p.status, 2, 0)
				cancel()
				require.NoError(t, err, url)
				assert.Positive(t, r.Requests, url)
				assert.Zero(t, r.Errors, "%s answered another status than %d", url, p.status)
				assert.LessOrEqual(t, r.P50, r.P99)
			}
		})
	}
}

func TestReadResponse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, raw string
		status    int
		wantErr   bool
	}{
		{"with body", "HTTP/1.1 400 Bad Request\r\nContent-Length: 2\r\n\r\n{}", 400, false},
		{"empty body", "HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n", 204, false},
		{"no length", "HTTP/1.1 200 OK\r\n\r\n", 0, true},
		{"not HTTP", "SSH-2.0\r\n", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			status, err := readResponse(bufio.NewReader(strings.NewReader(tc.raw)))
			if tc.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.status, status)
		})
	}
}

func TestParseWrk(t *testing.T) {
	t.Parallel()
	out := `Running 10s test @ http://127.0.0.1:18090/api/v4/change_password
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   526.33us  309.41us  12.85ms   91.30%
    Req/Sec    35.04k     2.13k   39.94k    73.50%
  Latency Distribution
     50%  448.00us
     75%  564.00us
     90%  761.00us
     99%    1.70ms
  697262 requests in 10.00s, 98.75MB read
  Non-2xx or 3xx responses: 12
Requests/sec:  69724.52
Transfer/sec:      9.88MB
`
	r, err := parseWrk(out, 200)
	require.NoError(t, err)
	assert.Equal(t, uint64(697262), r.Requests)
	assert.Equal(t, 448*time.Microsecond, r.P50)
	assert.Equal(t, 1700*time.Microsecond, r.P99)
	assert.InDelta(t, 10.0, r.Elapsed.Seconds(), 0.01)
	assert.Equal(t, uint64(12), r.Errors, "a 200 phase: every non-2xx answer is an error")
	r, err = parseWrk(out, 400)
	require.NoError(t, err)
	assert.Equal(t, uint64(697262-12), r.Errors, "a 400 phase: every 2xx answer is an error")
	_, err = parseWrk("  Socket errors: connect 0, read 3, write 0, timeout 0\n", 200)
	assert.ErrorContains(t, err, "Socket errors")
}

func TestOpensslSigns(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, report string
		want         float64
	}{
		{"OpenSSL 3", "                  sign    verify    sign/s verify/s\nrsa 2048 bits 0.000848s 0.000025s   1179.4  39997.8\n", 1179.4},
		{"another key size only", "rsa 4096 bits 0.005s 0.0001s 200.0 9000.0\n", 0},
		{"no report", "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.InDelta(t, tc.want, opensslSigns(tc.report), 0.001)
		})
	}
}
