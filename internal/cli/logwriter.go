package cli

import (
	"io"
	"sync"
	"time"
)

// logBatchWindow is how late a log line may be written under load.
const logBatchWindow = 50 * time.Millisecond

// batchWriter writes log lines through to w while they are few, and in batches when they come
// fast: a line within logBatchWindow of the previous write waits, with the others that
// follow, for one write at the end of the window. Under load that is one system call per
// window instead of one per request; a line on a quiet server still appears at once.
type batchWriter struct {
	mu    sync.Mutex
	w     io.Writer
	buf   []byte
	last  time.Time // of the latest write to w
	armed bool      // a flush is due at the end of the window
	done  bool      // closed: write through
	timer *time.Timer
}

// maxLogBatch bounds the bytes held: a full batch is written at once.
const maxLogBatch = 64 << 10

func newBatchWriter(w io.Writer) *batchWriter {
	b := &batchWriter{w: w}
	b.timer = time.AfterFunc(time.Hour, b.flushDue)
	b.timer.Stop()
	return b
}

// Write takes one log line (slog writes each record with one call).
func (b *batchWriter) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	if b.done || len(b.buf) == 0 && now.Sub(b.last) >= logBatchWindow {
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

func (b *batchWriter) flushDue() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.armed = false
	_ = b.flushLocked(time.Now())
}

func (b *batchWriter) flushLocked(now time.Time) error {
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
func (b *batchWriter) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.timer.Stop()
	b.armed = false
	b.done = true
	return b.flushLocked(time.Now())
}
