// Package logtext is a slog handler that writes exactly what slog.TextHandler writes, faster
// for the records lsmock logs per request: flat attributes of plain kinds. Any other record
// (groups, values of other kinds, handlers derived with WithAttrs or WithGroup) is handed to
// a slog.TextHandler on the same writer, so the output never differs.
package logtext

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"
)

// Handler writes records as slog.TextHandler does.
type Handler struct {
	w     *lockedWriter
	level slog.Leveler
	slow  slog.Handler // slog's own, for what the fast path does not handle
	stamp atomic.Pointer[stamp]
	bufs  sync.Pool // *[]byte
}

// stamp is the formatted second of the latest record: the time attribute of every record in
// the same second and zone shares it.
type stamp struct {
	sec    int64
	loc    *time.Location
	prefix string // 2006-01-02T15:04:05
	zone   string // Z or -07:00
}

// New returns a handler writing to w; opts as for slog.NewTextHandler. Options the fast path
// does not implement (AddSource, ReplaceAttr) send every record to slog's handler.
func New(w io.Writer, opts *slog.HandlerOptions) *Handler {
	if opts == nil {
		opts = &slog.HandlerOptions{}
	}
	lw := &lockedWriter{w: w}
	h := &Handler{w: lw, level: opts.Level, slow: slog.NewTextHandler(lw, opts)}
	if h.level == nil {
		h.level = slog.LevelInfo
	}
	if opts.AddSource || opts.ReplaceAttr != nil {
		h.level = nil // Handle always takes the slow path
	}
	return h
}

// Enabled reports whether records of level are written.
func (h *Handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.slow.Enabled(ctx, level)
}

// WithAttrs returns slog's handler with the attributes: derived loggers are rare here.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler { return h.slow.WithAttrs(attrs) }

// WithGroup returns slog's handler with the group.
func (h *Handler) WithGroup(name string) slog.Handler { return h.slow.WithGroup(name) }

// Handle writes r.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	if h.level == nil || !plain(r) {
		return h.slow.Handle(ctx, r)
	}
	bp, b := h.begin(r.Time, r.Level, r.Message)
	r.Attrs(func(a slog.Attr) bool {
		b = appendAttr(b, a)
		return true
	})
	return h.end(bp, b)
}

// AttrsHandler is a handler that can write a record given as its parts, without a
// slog.Record: the request line's way to the log (mockserver), through any handler that wraps
// a Handler and keeps the method (lsmock serve's flushing one).
type AttrsHandler interface {
	slog.Handler
	HandleAttrs(ctx context.Context, t time.Time, level slog.Level, msg string, attrs ...slog.Attr) error
}

// HandleAttrs writes what Handle writes for a record of t, level, msg and attrs, without
// building one: a slog.Record holds five attributes and allocates for more, and lsmock's
// request line has up to nine.
func (h *Handler) HandleAttrs(ctx context.Context, t time.Time, level slog.Level, msg string, attrs ...slog.Attr) error {
	if h.level == nil || !plainAttrs(attrs) {
		r := slog.NewRecord(t, level, msg, 0)
		r.AddAttrs(attrs...)
		return h.slow.Handle(ctx, r)
	}
	bp, b := h.begin(t, level, msg)
	for _, a := range attrs {
		b = appendAttr(b, a)
	}
	return h.end(bp, b)
}

// begin takes a buffer and writes a line's time, level and message to it.
func (h *Handler) begin(t time.Time, level slog.Level, msg string) (*[]byte, []byte) {
	bp, _ := h.bufs.Get().(*[]byte)
	if bp == nil {
		b := make([]byte, 0, 256)
		bp = &b
	}
	b := (*bp)[:0]
	if !t.IsZero() {
		b = append(b, "time="...)
		b = h.appendTime(b, t.Round(0))
		b = append(b, ' ')
	}
	b = append(b, "level="...)
	b = appendString(b, level.String())
	b = append(b, " msg="...)
	return bp, appendString(b, msg)
}

func appendAttr(b []byte, a slog.Attr) []byte {
	if a.Key == "" && a.Value.Equal(slog.Value{}) {
		return b // slog drops empty attributes
	}
	b = append(b, ' ')
	b = appendString(b, a.Key)
	b = append(b, '=')
	return appendValue(b, a.Value)
}

// end writes the line and keeps its buffer for the next.
func (h *Handler) end(bp *[]byte, b []byte) error {
	b = append(b, '\n')
	_, err := h.w.Write(b)
	if cap(b) <= 16<<10 {
		*bp = b
		h.bufs.Put(bp)
	}
	return err
}

// plain reports whether every attribute of r is of a kind the fast path writes as slog does.
func plain(r slog.Record) bool {
	ok := true
	r.Attrs(func(a slog.Attr) bool {
		ok = plainKind(a.Value.Kind())
		return ok
	})
	return ok
}

// plainAttrs is plain for a list of attributes.
func plainAttrs(attrs []slog.Attr) bool {
	for _, a := range attrs {
		if !plainKind(a.Value.Kind()) {
			return false
		}
	}
	return true
}

func plainKind(k slog.Kind) bool {
	switch k {
	case slog.KindString, slog.KindInt64, slog.KindUint64, slog.KindFloat64, slog.KindBool, slog.KindDuration, slog.KindTime:
		return true
	}
	return false
}

func appendValue(b []byte, v slog.Value) []byte {
	switch v.Kind() {
	case slog.KindString:
		return appendString(b, v.String())
	case slog.KindInt64:
		return strconv.AppendInt(b, v.Int64(), 10)
	case slog.KindUint64:
		return strconv.AppendUint(b, v.Uint64(), 10)
	case slog.KindFloat64:
		return strconv.AppendFloat(b, v.Float64(), 'g', -1, 64)
	case slog.KindBool:
		return strconv.AppendBool(b, v.Bool())
	case slog.KindDuration:
		return append(b, v.Duration().String()...)
	default: // slog.KindTime
		return appendRFC3339Millis(b, v.Time())
	}
}

// appendTime is appendRFC3339Millis with the second formatted once per second.
func (h *Handler) appendTime(b []byte, t time.Time) []byte {
	sec := t.Unix()
	s := h.stamp.Load()
	if s == nil || s.sec != sec || s.loc != t.Location() {
		full := t.Truncate(time.Second).Format(time.RFC3339)
		const prefixLen = len("2006-01-02T15:04:05")
		if len(full) <= prefixLen || t.Year() < 0 || t.Year() > 9999 {
			return appendRFC3339Millis(b, t)
		}
		s = &stamp{sec: sec, loc: t.Location(), prefix: full[:prefixLen], zone: full[prefixLen:]}
		h.stamp.Store(s)
	}
	ms := t.Nanosecond() / int(time.Millisecond)
	b = append(b, s.prefix...)
	b = append(b, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
	return append(b, s.zone...)
}

// appendRFC3339Millis is what slog writes for a time.
func appendRFC3339Millis(b []byte, t time.Time) []byte {
	const prefixLen = len("2006-01-02T15:04:05.000")
	n := len(b)
	t = t.Truncate(time.Millisecond).Add(time.Millisecond / 10)
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b[:n+prefixLen], b[n+prefixLen+1:]...) // drop the 4th digit
}

func appendString(b []byte, s string) []byte {
	if needsQuoting(s) {
		return strconv.AppendQuote(b, s)
	}
	return append(b, s...)
}

// needsQuoting is slog's rule: quote an empty string, and anything with a space, '=', a
// character JSON would escape (but a backslash), or a rune that is not printable.
func needsQuoting(s string) bool {
	if len(s) == 0 {
		return true
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if quoted[c] {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
}

// quoted marks the ASCII bytes that make slog quote a string: controls, space, '"' and '='
// (a backslash does not). Read only.
var quoted = func() (q [utf8.RuneSelf]bool) {
	for c := range q {
		q[c] = c < ' ' || c == ' ' || c == '"' || c == '='
	}
	return q
}()

// lockedWriter serializes the writes of both handlers to one writer.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
