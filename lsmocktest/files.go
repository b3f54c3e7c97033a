package lsmocktest

import (
	"fmt"
	"io/fs"
	"strings"
)

// fsWalk reads every scenario file of fsys by path.
func fsWalk(fsys fs.FS) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		out[p] = data
		return err
	})
	return out, err
}

// inlineName names the i-th inline scenario file; it sorts after the folder's files.
func inlineName(i int) string { return fmt.Sprintf("zz-inline-%03d.yaml", i) }
