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
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Watcher watches files and folders (folders with everything beneath them).
type Watcher struct {
	fsw     *fsnotify.Watcher
	files   map[string]bool // files watched by themselves, by clean path
	folders []string        // folders watched with everything beneath
}

// New starts watching paths. Each must exist; a folder is watched with its subfolders.
func New(paths ...string) (*Watcher, error) {
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch: %w", err)
	}
	w := &Watcher{fsw: fsw, files: map[string]bool{}}
	for _, p := range paths {
		p = filepath.Clean(p)
		info, err := os.Stat(p)
		if err != nil {
			_ = fsw.Close()
			return nil, fmt.Errorf("watch %s: %w", p, err)
		}
		if !info.IsDir() {
			w.files[p] = true
			err = fsw.Add(filepath.Dir(p))
		} else {
			w.folders = append(w.folders, p)
			err = w.addTree(p)
		}
		if err != nil {
			_ = fsw.Close()
			return nil, fmt.Errorf("watch %s: %w", p, err)
		}
	}
	return w, nil
}

func (w *Watcher) addTree(root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return w.fsw.Add(p)
		}
		return nil
	})
}

// Run calls changed once for each burst of changes, quiet for debounce after the last
// one (an editor's save is several events), until ctx ends. It closes the watcher.
func (w *Watcher) Run(ctx context.Context, debounce time.Duration, changed func()) error {
	defer w.fsw.Close()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return nil
			}
			return fmt.Errorf("watch: %w", err)
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return nil
			}
			if !w.relevant(ev) {
				continue
			}
			if ev.Has(fsnotify.Create) {
				if info, err := os.Stat(ev.Name); err == nil && info.IsDir() {
					_ = w.addTree(ev.Name) // a new subfolder of scenarios
				}
			}
			timer.Reset(debounce)
		case <-timer.C:
			changed()
		}
	}
}

func (w *Watcher) relevant(ev fsnotify.Event) bool {
	if ev.Op == fsnotify.Chmod {
		return false
	}
	name := filepath.Clean(ev.Name)
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
