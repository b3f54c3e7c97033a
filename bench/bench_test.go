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
	for _, tc := range []struct {
		name, body string
		status     int
	}{{"valid", validBody, 200}, {"missing field", missingBody, 400}, {"wrong type", wrongTypeBody, 400}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := rawRequest(validHeaders(), tc.body)
			for _, url := range []string{base.URL, mock.URL} {
				ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
				r, err := load(ctx, strings.TrimPrefix(url, "http://"), req, tc.status, 2, 0, true)
				cancel()
				require.NoError(t, err, url)
				assert.Positive(t, r.requests, url)
				assert.Zero(t, r.errors, "%s answered another status than %d", url, tc.status)
				assert.LessOrEqual(t, r.percentile(0.5), r.percentile(0.99))
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
