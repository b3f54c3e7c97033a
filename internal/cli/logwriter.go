package cli

import (
	"context"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/lsmock/lsmock/internal/logtext"
)

// logBatchWindow is how late a log line may be written under load.
const logBatchWindow = 50 * time.Millisecond

// maxLogBatch bounds the bytes held: a full batch is written at once.
const maxLogBatch = 64 << 10

// logWriter writes log lines through to w while they are few, and in batches when they come
// fast: a line within logBatchWindow of the previous write waits, with the others that
// follow, for one write at the end of the window. Under load that is one system call per
// window instead of one per request; a line on a quiet server still appears at once. A
// terminal gets every line at once (a person is reading it, and it is slow anyway); Flush
// writes what is held (after a warning, see flushing); lines keep their order throughout.
type logWriter struct {
	mu     sync.Mutex
	w      io.Writer
	buf    []byte
	last   time.Time // of the latest write to w
	armed  bool      // a flush is due at the end of the window
	direct bool      // a terminal, or closed: write through
	timer  *time.Timer
}

func newLogWriter(w io.Writer) *logWriter {
	b := &logWriter{w: w, direct: isTerminal(w)}
	b.timer = time.AfterFunc(time.Hour, b.flushDue)
	b.timer.Stop()
	return b
}

// isTerminal reports whether w is a character device: a terminal (or /dev/null, which costs
// nothing either way). A file or a pipe is not.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// Write takes one log line (slog writes each record with one call).
func (b *logWriter) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	if len(b.buf) == 0 && (b.direct || now.Sub(b.last) >= logBatchWindow) {
		b.last = now
		return b.w.Write(p)
	}
	b.buf = append(b.buf, p...)
	if len(b.buf) >= maxLogBatch {
		return len(p), b.flushLocked(now)
	}
	if !b.armed {
		b.armed = true
		b.timer.Reset(logBatchWindow)
	}
	return len(p), nil
}

// Flush writes what is held now.
func (b *logWriter) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.flushLocked(time.Now())
}

func (b *logWriter) flushDue() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.armed = false
	_ = b.flushLocked(time.Now())
}

func (b *logWriter) flushLocked(now time.Time) error {
	if len(b.buf) == 0 {
		return nil
	}
	_, err := b.w.Write(b.buf)
	b.last = now
	if cap(b.buf) > maxLogBatch*2 {
		b.buf = nil // a burst of long lines: do not keep their memory
	} else {
		b.buf = b.buf[:0]
	}
	return err
}

// Close writes what is held; lines written afterwards go straight through.
func (b *logWriter) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.timer.Stop()
	b.armed = false
	b.direct = true
	return b.flushLocked(time.Now())
}

// flushing is a slog handler that flushes its log writer after each record at WARN or above:
// a warning or an error, and every line before it, is in the file at once, even if the
// process then dies before the next flush.
type flushing struct {
	slog.Handler
	w *logWriter
}

func (h flushing) Handle(ctx context.Context, r slog.Record) error {
	return h.flushed(r.Level, h.Handler.Handle(ctx, r))
}

// HandleAttrs is Handle for a record given as its parts (logtext.AttrsHandler): the request
// line's way, kept through this wrapper.
func (h flushing) HandleAttrs(ctx context.Context, t time.Time, level slog.Level, msg string, attrs ...slog.Attr) error {
	if ah, ok := h.Handler.(logtext.AttrsHandler); ok {
		return h.flushed(level, ah.HandleAttrs(ctx, t, level, msg, attrs...))
	}
	r := slog.NewRecord(t, level, msg, 0)
	r.AddAttrs(attrs...)
	return h.Handle(ctx, r)
}

// flushed flushes the log writer after a record at WARN or above.
func (h flushing) flushed(level slog.Level, err error) error {
	if level >= slog.LevelWarn {
		if ferr := h.w.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

func (h flushing) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushing{h.Handler.WithAttrs(attrs), h.w}
}

func (h flushing) WithGroup(name string) slog.Handler {
	return flushing{h.Handler.WithGroup(name), h.w}
}
