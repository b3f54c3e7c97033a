// Package watch tells lsmock when the files it serves from change, so it can reload them.
// It watches folders rather than files: editors save by writing a new file and renaming it
// over the old one, which a watch on the old file would miss.
package watch

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// retryAfter is how long the watcher waits before starting over after it failed to.
const retryAfter = time.Second

// Watcher watches files and folders (folders with everything beneath them). It keeps
// watching after an error: it starts its watches afresh and reports a change, since the
// error may have cost events.
type Watcher struct {
	mu      sync.Mutex
	fsw     *fsnotify.Watcher
	files   map[string]bool // files watched by themselves, by clean path
	folders []string        // folders watched with everything beneath
	status  Status
	closed  bool
}

// Status is how the watcher is doing, for health checks and metrics.
type Status struct {
	// Paths is how many files and folders are watched.
	Paths int
	// Errors counts the errors the watcher met and recovered from (or is recovering from).
	Errors uint64
	// LastError is the latest error, "" when there was none.
	LastError string
	// Failing is true while the watcher could not start its watches again; it retries.
	Failing bool
}

// New starts watching paths. Each must exist; a folder is watched with its subfolders.
func New(paths ...string) (*Watcher, error) {
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch: %w", err)
	}
	w := &Watcher{fsw: fsw, files: map[string]bool{}}
	if err := w.Add(paths...); err != nil {
		_ = fsw.Close()
		return nil, err
	}
	return w, nil
}

// Add watches more paths; paths already watched are left as they are.
func (w *Watcher) Add(paths ...string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, p := range paths {
		p = filepath.Clean(p)
		if w.files[p] || slices.Contains(w.folders, p) {
			continue
		}
		info, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("watch %s: %w", p, err)
		}
		if info.IsDir() {
			err = addTree(w.fsw, p)
		} else {
			err = w.fsw.Add(filepath.Dir(p))
		}
		if err != nil {
			return fmt.Errorf("watch %s: %w", p, err)
		}
		if info.IsDir() {
			w.folders = append(w.folders, p)
		} else {
			w.files[p] = true
		}
	}
	w.status.Paths = len(w.files) + len(w.folders)
	return nil
}

// Close stops watching; Run, when running, returns.
func (w *Watcher) Close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	_ = w.fsw.Close()
}

func (w *Watcher) isClosed() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.closed
}

// Status reports how the watcher is doing.
func (w *Watcher) Status() Status {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.status
}

func addTree(fsw *fsnotify.Watcher, root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return fsw.Add(p)
		}
		return nil
	})
}

// Run calls changed once for each burst of changes, quiet for debounce after the last
// one (an editor's save is several events), until ctx ends. An error of the watch goes to
// failed; the watcher then starts its watches afresh (retrying every second until it can)
// and calls changed, as events may have been lost. It closes the watcher when ctx ends.
func (w *Watcher) Run(ctx context.Context, debounce time.Duration, changed func(), failed func(error)) {
	defer w.Close()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	for {
		fsw := w.current()
		select {
		case <-ctx.Done():
			timer.Stop()
			retry.Stop()
			return
		case err, ok := <-fsw.Errors:
			if w.isClosed() {
				return
			}
			if !ok {
				err = fmt.Errorf("the file watch closed")
			}
			w.failed(err, failed)
			if w.restart() != nil {
				retry.Reset(retryAfter)
			}
			timer.Reset(debounce)
		case <-retry.C:
			if err := w.restart(); err != nil {
				w.failed(err, failed)
				retry.Reset(retryAfter)
				continue
			}
			timer.Reset(debounce)
		case ev, ok := <-fsw.Events:
			if !ok {
				if w.isClosed() {
					return
				}
				continue // Errors reports the close
			}
			if !w.relevant(ev) {
				continue
			}
			if ev.Has(fsnotify.Create) {
				if info, err := os.Stat(ev.Name); err == nil && info.IsDir() {
					_ = addTree(fsw, ev.Name) // a new subfolder of scenarios
				}
			}
			timer.Reset(debounce)
		case <-timer.C:
			changed()
		}
	}
}

func (w *Watcher) current() *fsnotify.Watcher {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.fsw
}

func (w *Watcher) failed(err error, report func(error)) {
	w.mu.Lock()
	w.status.Errors++
	w.status.LastError = err.Error()
	w.mu.Unlock()
	if report != nil {
		report(err)
	}
}

// restart replaces the fsnotify watcher with a new one watching every path again.
func (w *Watcher) restart() error {
	fsw, err := fsnotify.NewWatcher()
	if err == nil {
		err = w.watchAll(fsw)
		if err != nil {
			_ = fsw.Close()
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		if fsw != nil && err == nil {
			_ = fsw.Close()
		}
		return nil
	}
	w.status.Failing = err != nil
	if err != nil {
		return fmt.Errorf("watch again: %w", err)
	}
	_ = w.fsw.Close()
	w.fsw = fsw
	return nil
}

func (w *Watcher) watchAll(fsw *fsnotify.Watcher) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for f := range w.files {
		if err := fsw.Add(filepath.Dir(f)); err != nil {
			return err
		}
	}
	for _, f := range w.folders {
		if err := addTree(fsw, f); err != nil {
			return err
		}
	}
	return nil
}

func (w *Watcher) relevant(ev fsnotify.Event) bool {
	if ev.Op == fsnotify.Chmod {
		return false
	}
	name := filepath.Clean(ev.Name)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.files[name] {
		return true
	}
	for _, f := range w.folders {
		if name == f || strings.HasPrefix(name, f+string(filepath.Separator)) {
			return true
		}
	}
	return false
}
