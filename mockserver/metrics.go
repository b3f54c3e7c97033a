package mockserver

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/lsmock/lsmock/internal/journal"
)

// metrics are the counters only /__lsmock/metrics shows; the answers themselves are counted
// once, by the coverage counters (journal.Coverage.Totals).
type metrics struct {
	started                 time.Time
	reloads, reloadFailures atomic.Uint64
}

func newMetrics() *metrics { return &metrics{started: time.Now()} }

// serveMetrics is GET /__lsmock/metrics.
func (s *Server) serveMetrics(c *compiled, w http.ResponseWriter, _ *http.Request) outcome {
	var b strings.Builder
	totals := s.coverage.Totals()
	keys := slices.Collect(maps.Keys(totals))
	slices.SortFunc(keys, func(a, b journal.Answer) int {
		return cmp.Or(strings.Compare(a.Operation, b.Operation), cmp.Compare(a.Status, b.Status), strings.Compare(a.Code, b.Code))
	})

	header(&b, "lsmock_requests_total", "counter", "API requests answered, by operation, status and error code (operation is empty when none answered: an unknown path or method).")
	for _, k := range keys {
		fmt.Fprintf(&b, "lsmock_requests_total{operation=%s,status=\"%d\",code=%s} %d\n", label(k.Operation), k.Status, label(k.Code), totals[k])
	}
	gauge(&b, "lsmock_sessions", "Sessions holding state (pins, progress, changed passwords).", uint64(s.sessions.Len()))
	header(&b, "lsmock_sessions_evicted_total", "counter", "Sessions dropped, least recently used first, to stay within --max-sessions.")
	fmt.Fprintf(&b, "lsmock_sessions_evicted_total %d\n", s.sessions.Evicted())
	gauge(&b, "lsmock_journal_entries", "Requests held by the journal (bounded by --journal-size).", uint64(s.journal.Len()))
	gauge(&b, "lsmock_journal_bytes", "What the journal's entries are accounted to hold, in bytes.", uint64(s.journal.Bytes()))
	gauge(&b, "lsmock_journal_budget_bytes", "The most the journal holds, in bytes; the oldest entries go first.", uint64(s.journal.Budget()))
	gauge(&b, "lsmock_scenarios", "Scenarios the files declare.", uint64(c.scenarios.Declared()))
	header(&b, "lsmock_reloads_total", "counter", "Reloads of the spec and scenario files, by result.")
	fmt.Fprintf(&b, "lsmock_reloads_total{result=\"ok\"} %d\n", s.metrics.reloads.Load())
	fmt.Fprintf(&b, "lsmock_reloads_total{result=\"failed\"} %d\n", s.metrics.reloadFailures.Load())
	if s.watch != nil {
		st := s.watch()
		gauge(&b, "lsmock_watched_paths", "Files and folders --watch watches.", uint64(st.Paths))
		header(&b, "lsmock_watch_errors_total", "counter", "Errors of the file watch; it recovers and goes on.")
		fmt.Fprintf(&b, "lsmock_watch_errors_total %d\n", st.Errors)
		failing := uint64(0)
		if st.Failing {
			failing = 1
		}
		gauge(&b, "lsmock_watch_failing", "1 while the file watch could not be started again (it retries).", failing)
	}
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
