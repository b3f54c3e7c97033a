package mockserver

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// Loaded says what a load put in place.
type Loaded struct {
	Operations int      `json:"operations"`
	Scenarios  int      `json:"scenarios"`
	Paths      []string `json:"-"` // "METHOD /path" of each operation
}

// Reload loads the spec and scenarios again from Config.Files and swaps them in at once,
// and logs how it went. When loading fails, the configuration in place keeps serving and the
// error says where (file:line). Requests in flight finish with the configuration they started
// with; sessions keep their pins and progress for scenarios whose names remain, and pins to
// scenarios that are gone are dropped (and logged).
func (s *Server) Reload() (Loaded, error) {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	loaded, err := s.loadAndSwap()
	s.lastReload.Store(&ReloadStatus{OK: err == nil, Error: errText(err), At: s.clock().UTC()})
	if err != nil {
		s.metrics.reloadFailures.Add(1)
		s.logger.Error("reload failed; the last good configuration keeps serving", slog.String("error", err.Error()))
		return Loaded{}, err
	}
	s.metrics.reloads.Add(1)
	s.logger.Info("reloaded", slog.Int("operations", loaded.Operations), slog.Int("scenarios", loaded.Scenarios))
	return loaded, nil
}

// ReloadStatus is how the latest reload went: health shows it, so that a broken edit under
// --watch is seen where readiness is checked, not only in the log.
type ReloadStatus struct {
	OK bool `json:"ok"`
	// Error says where the files are broken (file:line) when the reload failed; the last
	// good configuration keeps serving.
	Error string    `json:"error,omitempty"`
	At    time.Time `json:"at"`
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (s *Server) loadAndSwap() (Loaded, error) {
	sp, set, err := s.files.Load()
	if err != nil {
		return Loaded{}, err
	}
	c, err := s.compile(sp, set)
	if err != nil {
		return Loaded{}, err
	}
	s.cur.Store(c)
	for _, d := range s.sessions.DropPins(c.scenarios.Exists) {
		who := "every session"
		if d.Session != "" {
			who = d.Session
		}
		s.logger.Warn("pin dropped: the reload removed its scenario", slog.String("scenario", d.Scenario), slog.String("session", who))
	}
	return Loaded{Operations: len(sp.Operations), Scenarios: c.scenarios.Declared()}, nil
}

// reload is POST /__lsmock/reload: 200 with what was loaded, or 422 with where the files
// are broken (the old configuration still serving).
func (s *Server) reload(_ *compiled, w http.ResponseWriter, _ *http.Request) outcome {
	loaded, err := s.Reload()
	if err != nil {
		return newAPIError(http.StatusUnprocessableEntity, "reload_failed",
			fmt.Sprintf("lsmock: the previous configuration keeps serving: %v", err)).write(w, "")
	}
	return writeJSON(w, http.StatusOK, map[string]any{"reloaded": true, "operations": loaded.Operations, "scenarios": loaded.Scenarios})
}
