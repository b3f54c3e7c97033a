package logtext_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/logtext"
)

// same logs r with logtext and with slog.TextHandler and returns both outputs; logtext's
// HandleAttrs must write what its Handle does.
func same(t testing.TB, opts *slog.HandlerOptions, r slog.Record) (got, want string) {
	var fast, direct, std bytes.Buffer
	require.NoError(t, logtext.New(&fast, opts).Handle(context.Background(), r))
	require.NoError(t, slog.NewTextHandler(&std, opts).Handle(context.Background(), r))
	var attrs []slog.Attr
	r.Attrs(func(a slog.Attr) bool {
		attrs = append(attrs, a)
		return true
	})
	require.NoError(t, logtext.New(&direct, opts).HandleAttrs(context.Background(), r.Time, r.Level, r.Message, attrs...))
	if direct.String() != fast.String() {
		t.Fatalf("HandleAttrs wrote\n%q\nHandle wrote\n%q", direct.String(), fast.String())
	}
	return fast.String(), std.String()
}

func record(t time.Time, level slog.Level, msg string, attrs ...slog.Attr) slog.Record {
	r := slog.NewRecord(t, level, msg, 0)
	r.AddAttrs(attrs...)
	return r
}

func TestSameAsSlog(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		berlin = time.FixedZone("CET", 3600)
	}
	at := time.Date(2026, 11, 27, 8, 40, 31, 123456789, time.UTC)
	cases := []struct {
		name string
		r    slog.Record
	}{
		{"a request line", record(at, slog.LevelInfo, "request", slog.String("method", "POST"), slog.String("path", "/api/v4/change_password"),
			slog.Int("status", 200), slog.Duration("duration", 1234567*time.Nanosecond), slog.String("operation", "changePassword"),
			slog.String("scenario", "timeout"), slog.String("session", "key:3f2a9c1d4e5f"), slog.String("code", "missing_headers"),
			slog.String("detail", `missing required header(s): Date, "Authorization"`))},
		{"no time", record(time.Time{}, slog.LevelWarn, "w")},
		{"a time zone and a monotonic clock", record(time.Now().In(berlin), slog.LevelDebug, "d")},
		{"a local time", record(time.Now(), slog.LevelError, "e")},
		{"the last millisecond of a second", record(time.Date(2026, 1, 2, 3, 4, 5, 999999999, time.UTC), slog.LevelInfo, "x")},
		{"the first", record(time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("", -3*3600-1800)), slog.LevelInfo, "x")},
		{"custom level", record(at, slog.LevelInfo+2, "x")},
		{"strings that need quoting", record(at, slog.LevelInfo, "a message", slog.String("", "empty key"), slog.String("k", ""),
			slog.String("eq", "a=b"), slog.String("quote", `a"b`), slog.String("backslash", `a\b`), slog.String("tab", "a\tb"),
			slog.String("nl", "a\nb"), slog.String("del", "a\x7fb"), slog.String("bad utf8", "a\xffb"), slog.String("nbsp", "a\u00a0b"),
			slog.String("unicode", "Zoë✓"), slog.String("key with space", "v"), slog.String("ctl", "\x00"), slog.String("ls", "\u2028"))},
		{"numbers", record(at, slog.LevelInfo, "n", slog.Int64("neg", -5), slog.Uint64("big", math.MaxUint64), slog.Float64("f", 1.5e-300),
			slog.Float64("nan", math.NaN()), slog.Float64("inf", math.Inf(-1)), slog.Bool("b", true), slog.Duration("zero", 0),
			slog.Time("at", time.Date(2027, 1, 31, 12, 0, 0, 5e8, berlin)))},
		{"kinds the fast path hands over", record(at, slog.LevelInfo, "any", slog.Any("err", errors.New("boom")),
			slog.Group("g", slog.Int("a", 1)), slog.Any("nil", nil), slog.Any("bytes", []byte("x y")))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, want := same(t, nil, tc.r)
			assert.Equal(t, want, got)
		})
	}
	t.Run("options it does not implement", func(t *testing.T) {
		t.Parallel()
		opts := &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == "secret" {
				a.Value = slog.StringValue("[redacted]")
			}
			return a
		}}
		got, want := same(t, opts, record(at, slog.LevelInfo, "x", slog.String("secret", "canary")))
		assert.Equal(t, want, got)
		assert.NotContains(t, got, "canary")
	})
	t.Run("derived handlers", func(t *testing.T) {
		t.Parallel()
		var fast, std bytes.Buffer
		slog.New(logtext.New(&fast, nil)).With("a", 1).WithGroup("g").Info("x", "b", 2)
		slog.New(slog.NewTextHandler(&std, nil)).With("a", 1).WithGroup("g").Info("x", "b", 2)
		assert.Equal(t, std.String()[len("time=2006-01-02T15:04:05.000Z"):], fast.String()[len("time=2006-01-02T15:04:05.000Z"):])
	})
	t.Run("level", func(t *testing.T) {
		t.Parallel()
		h := logtext.New(&bytes.Buffer{}, &slog.HandlerOptions{Level: slog.LevelWarn})
		assert.False(t, h.Enabled(context.Background(), slog.LevelInfo))
		assert.True(t, h.Enabled(context.Background(), slog.LevelError))
	})
}

// FuzzSameAsSlog: for any string in any place, the output is slog's.
func FuzzSameAsSlog(f *testing.F) {
	for _, s := range []string{"", "a b", "a=b", `"`, `\`, "\x7f", "\xff", "Zoë", "\u2028", "\t"} {
		f.Add("msg", "key", s, int64(3), 1.5, int64(1795766935317))
	}
	f.Fuzz(func(t *testing.T, msg, key, val string, n int64, x float64, nanos int64) {
		r := record(time.Unix(0, nanos), slog.LevelInfo, msg, slog.String(key, val), slog.Int64(key, n), slog.Float64(val, x),
			slog.Duration(msg, time.Duration(n)))
		got, want := same(t, nil, r)
		if got != want {
			t.Fatalf("logtext wrote\n%q\nslog wrote\n%q", got, want)
		}
	})
}

func BenchmarkRequestLine(b *testing.B) {
	attrs := []slog.Attr{slog.String("method", "POST"), slog.String("path", "/api/v4/change_password"), slog.Int("status", 200),
		slog.Duration("duration", 1234*time.Microsecond), slog.String("operation", "changePassword"), slog.String("session", "key:3f2a9c1d4e5f")}
	for name, h := range map[string]slog.Handler{"logtext": logtext.New(discard{}, nil), "slog": slog.NewTextHandler(discard{}, nil)} {
		b.Run(name, func(b *testing.B) {
			l := slog.New(h)
			b.ReportAllocs()
			for b.Loop() {
				l.LogAttrs(context.Background(), slog.LevelInfo, "request", attrs...)
			}
		})
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
