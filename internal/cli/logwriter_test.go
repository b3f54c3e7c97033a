package cli

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/logtext"
)

// countingWriter records each write it gets.
type countingWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes++
	return c.buf.Write(p)
}

func (c *countingWriter) snapshot() (string, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String(), c.writes
}

func TestLogWriter(t *testing.T) {
	t.Parallel()
	t.Run("a line on a quiet server is written at once", func(t *testing.T) {
		t.Parallel()
		out := &countingWriter{}
		b := newLogWriter(out)
		defer b.Close()
		_, err := b.Write([]byte("lsmock serving\n"))
		require.NoError(t, err)
		got, writes := out.snapshot()
		assert.Equal(t, "lsmock serving\n", got)
		assert.Equal(t, 1, writes)
	})
	t.Run("a burst is written in a few writes, every line in order, within the window", func(t *testing.T) {
		t.Parallel()
		out := &countingWriter{}
		b := newLogWriter(out)
		defer b.Close()
		var want strings.Builder
		for i := range 1000 {
			line := "request " + strings.Repeat("x", i%7) + "\n"
			want.WriteString(line)
			_, err := b.Write([]byte(line))
			require.NoError(t, err)
		}
		assert.Eventually(t, func() bool { got, _ := out.snapshot(); return got == want.String() },
			10*logBatchWindow, logBatchWindow/5, "every line arrives without a Close")
		_, writes := out.snapshot()
		assert.Less(t, writes, 10, "not one write per line")
	})
	t.Run("Close writes what is held, and later lines go straight through", func(t *testing.T) {
		t.Parallel()
		out := &countingWriter{}
		b := newLogWriter(out)
		for range 3 {
			_, _ = b.Write([]byte("line\n"))
		}
		require.NoError(t, b.Close())
		got, _ := out.snapshot()
		assert.Equal(t, "line\nline\nline\n", got)
		_, _ = b.Write([]byte("after\n"))
		_, _ = b.Write([]byte("after\n"))
		got, _ = out.snapshot()
		assert.Equal(t, "line\nline\nline\nafter\nafter\n", got)
	})
	t.Run("concurrent writers lose no line", func(t *testing.T) {
		t.Parallel()
		out := &countingWriter{}
		b := newLogWriter(out)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 500 {
					_, _ = b.Write([]byte("0123456789\n"))
				}
			})
		}
		wg.Wait()
		require.NoError(t, b.Close())
		got, _ := out.snapshot()
		assert.Equal(t, 8*500, strings.Count(got, "0123456789\n"))
		assert.Len(t, got, 8*500*11)
	})
}

// A warning is written at once, with every line held before it, in order: the timer is not
// waited for.
func TestWarningFlushesTheLog(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			out := &countingWriter{}
			w := newLogWriter(out)
			defer w.Close()
			logger, err := newLogger(w, format, "info")
			require.NoError(t, err)
			for i := range 5 {
				logger.Info("request", slog.Int("n", i))
			}
			logger.With(slog.String("in", "derived")).Warn("something is off")
			got, _ := out.snapshot()
			lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
			require.Len(t, lines, 6, "every line held, then the warning")
			for i, line := range lines[:5] {
				assert.Contains(t, line, "request", "line %d", i)
			}
			assert.Contains(t, lines[5], "something is off")
		})
	}
}

// lsmock serve's logger takes the request line as its parts (logtext.AttrsHandler, which the
// mock server looks for) in either format, writes what a slog.Record of the same parts writes,
// and still flushes at a warning.
func TestLoggerTakesAttrs(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	attrs := []slog.Attr{slog.String("method", "POST"), slog.Int("status", 400), slog.String("code", "a b")}
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			logged := func(viaAttrs bool) string {
				out := &countingWriter{}
				w := newLogWriter(out)
				defer w.Close()
				logger, err := newLogger(w, format, "info")
				require.NoError(t, err)
				ah, ok := logger.Handler().(logtext.AttrsHandler)
				require.True(t, ok, "the mock server's request line would build a slog.Record")
				if viaAttrs {
					require.NoError(t, ah.HandleAttrs(context.Background(), now, slog.LevelWarn, "request", attrs...))
				} else {
					r := slog.NewRecord(now, slog.LevelWarn, "request", 0)
					r.AddAttrs(attrs...)
					require.NoError(t, ah.Handle(context.Background(), r))
				}
				got, _ := out.snapshot() // a warning: flushed without Close
				return got
			}
			want := logged(false)
			require.NotEmpty(t, want)
			assert.Equal(t, want, logged(true))
		})
	}
}

// A request that panics loses no line: net/http recovers it and logs the panic at WARN,
// which writes what was held; the server goes on serving.
func TestPanicInARequestLosesNoLine(t *testing.T) {
	t.Parallel()
	out := &countingWriter{}
	w := newLogWriter(out)
	defer w.Close()
	logger, err := newLogger(w, "text", "info")
	require.NoError(t, err)
	_ = w.Flush()
	handler := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		logger.Info("request", slog.String("path", r.URL.Path))
		if r.URL.Path == "/boom" {
			panic("a bug")
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := newHTTPServer(handler, serveOptions{readHeaderTimeout: time.Second, readTimeout: time.Second, maxHold: time.Second}, logger)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	base := "http://" + ln.Addr().String()
	for _, path := range []string{"/before", "/boom", "/after"} {
		resp, err := http.Get(base + path)
		if path == "/boom" {
			require.Error(t, err, "a panic aborts the answer")
			continue
		}
		require.NoError(t, err)
		_ = resp.Body.Close()
	}
	require.NoError(t, w.Close())
	got, _ := out.snapshot()
	before, boom, after := strings.Index(got, "path=/before"), strings.Index(got, "path=/boom"), strings.Index(got, "path=/after")
	panicked := strings.Index(got, "panic serving")
	require.True(t, before >= 0 && boom >= 0 && after >= 0 && panicked >= 0, "every line is there:\n%s", got)
	assert.Less(t, before, boom)
	assert.Less(t, boom, panicked)
	assert.Less(t, panicked, after)
}

func TestIsTerminal(t *testing.T) {
	t.Parallel()
	file, err := os.Create(filepath.Join(t.TempDir(), "log"))
	require.NoError(t, err)
	pr, pw, err := os.Pipe()
	require.NoError(t, err)
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	require.NoError(t, err)
	t.Cleanup(func() {
		for _, f := range []*os.File{file, pr, pw, devNull} {
			_ = f.Close()
		}
	})
	for _, tc := range []struct {
		name string
		w    io.Writer
		want bool
	}{
		{"a file", file, false},
		{"a pipe", pw, false},
		{"a character device", devNull, true},
		{"not a file", &bytes.Buffer{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, isTerminal(tc.w))
		})
	}
}

// A character device (as a terminal) gets every line at once.
func TestLogWriterToATerminalWritesThrough(t *testing.T) {
	t.Parallel()
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	require.NoError(t, err)
	defer devNull.Close()
	w := newLogWriter(devNull)
	defer w.Close()
	for range 3 {
		_, err := w.Write([]byte("line\n"))
		require.NoError(t, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	assert.Empty(t, w.buf, "nothing held")
}

// countWrites counts the writes that reach a file.
type countWrites struct {
	f      *os.File
	writes int
}

func (c *countWrites) Write(p []byte) (int, error) {
	c.writes++
	return c.f.Write(p)
}

// BenchmarkLogWriter: a request's log line written to a real file, one write(2) per line
// (what lsmock did before it batched) and through the log writer.
//
//	go test ./internal/cli -run '^$' -bench BenchmarkLogWriter -benchmem
func BenchmarkLogWriter(b *testing.B) {
	line := []byte(`time=2026-12-01T23:00:00.000Z level=INFO msg=request method=POST path=/api/v4/change_password status=200 duration=41.2µs operation=changePassword session=key:3f2a9c0d1e4b` + "\n")
	for _, tc := range []struct {
		name string
		wrap func(io.Writer) io.Writer
	}{
		{"a write per line", func(w io.Writer) io.Writer { return w }},
		{"batched", func(w io.Writer) io.Writer { return newLogWriter(w) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			f, err := os.Create(filepath.Join(b.TempDir(), "log"))
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			counted := &countWrites{f: f}
			w := tc.wrap(counted)
			for b.Loop() {
				if _, err := w.Write(line); err != nil {
					b.Fatal(err)
				}
			}
			if lw, ok := w.(*logWriter); ok {
				_ = lw.Close()
			}
			b.ReportMetric(float64(counted.writes)/float64(b.N), "writes/op")
		})
	}
}
