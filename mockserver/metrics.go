package mockserver

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// metrics are counters for operators, in the Prometheus text format at /__lsmock/metrics.
// Unlike coverage they are never cleared, as Prometheus counters must only grow.
type metrics struct {
	started time.Time

	mu        sync.Mutex
	responses map[responseKey]uint64

	reloads, reloadFailures atomic.Uint64
}

type responseKey struct {
	operation string
	status    int
	code      string
}

func newMetrics() *metrics {
	return &metrics{started: time.Now(), responses: map[responseKey]uint64{}}
}

func (m *metrics) count(operation string, status int, code string) {
	m.mu.Lock()
	m.responses[responseKey{operation, status, code}]++
	m.mu.Unlock()
}

// serveMetrics is GET /__lsmock/metrics.
func (s *Server) serveMetrics(w http.ResponseWriter) outcome {
	var b strings.Builder
	s.metrics.mu.Lock()
	keys := make([]responseKey, 0, len(s.metrics.responses))
	for k := range s.metrics.responses {
		keys = append(keys, k)
	}
	counts := make([]uint64, len(keys))
	slices.SortFunc(keys, func(a, b responseKey) int {
		return strings.Compare(a.operation+"\x00"+strconv.Itoa(a.status)+"\x00"+a.code, b.operation+"\x00"+strconv.Itoa(b.status)+"\x00"+b.code)
	})
	for i, k := range keys {
		counts[i] = s.metrics.responses[k]
	}
	s.metrics.mu.Unlock()

	header(&b, "lsmock_requests_total", "counter", "API requests answered, by operation, status and error code (operation is empty for unknown paths).")
	for i, k := range keys {
		fmt.Fprintf(&b, "lsmock_requests_total{operation=%s,status=\"%d\",code=%s} %d\n", label(k.operation), k.status, label(k.code), counts[i])
	}
	c := s.cur.Load()
	gauge(&b, "lsmock_sessions", "Sessions holding state (pins, progress, changed passwords).", uint64(s.sessions.Len()))
	header(&b, "lsmock_sessions_evicted_total", "counter", "Sessions dropped, least recently used first, to stay within --max-sessions.")
	fmt.Fprintf(&b, "lsmock_sessions_evicted_total %d\n", s.sessions.Evicted())
	gauge(&b, "lsmock_journal_entries", "Requests held by the journal (bounded by --journal-size).", uint64(s.journal.Len()))
	gauge(&b, "lsmock_scenarios", "Scenarios loaded.", uint64(len(c.scenarios.Scenarios)))
	header(&b, "lsmock_reloads_total", "counter", "Reloads of the spec and scenario files, by result.")
	fmt.Fprintf(&b, "lsmock_reloads_total{result=\"ok\"} %d\n", s.metrics.reloads.Load())
	fmt.Fprintf(&b, "lsmock_reloads_total{result=\"failed\"} %d\n", s.metrics.reloadFailures.Load())
	header(&b, "lsmock_start_time_seconds", "gauge", "When lsmock started, in seconds since the Unix epoch.")
	fmt.Fprintf(&b, "lsmock_start_time_seconds %d\n", s.metrics.started.Unix())

	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, b.String())
	return outcome{status: http.StatusOK}
}

func header(b *strings.Builder, name, kind, help string) {
	fmt.Fprintf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, kind)
}

func gauge(b *strings.Builder, name, help string, v uint64) {
	header(b, name, "gauge", help)
	fmt.Fprintf(b, "%s %d\n", name, v)
}

// label quotes a label value as the exposition format wants.
func label(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v) + `"`
}
