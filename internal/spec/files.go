package spec

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/pb33f/go-yaml"
)

// Files returns the spec file at path and every file its $refs reach, transitively: what a
// reload reads, so what --watch watches. References to URLs and within a file are not files;
// a file that cannot be read or parsed ends the walk there (loading the spec reports it).
func Files(path string) []string {
	seen := map[string]bool{}
	var out []string
	var walk func(file string)
	walk = func(file string) {
		file = filepath.Clean(file)
		if seen[file] {
			return
		}
		seen[file] = true
		out = append(out, file)
		data, err := os.ReadFile(file)
		if err != nil {
			return
		}
		var root yaml.Node
		if yaml.Unmarshal(data, &root) != nil {
			return
		}
		for _, ref := range fileRefs(&root) {
			walk(filepath.Join(filepath.Dir(file), ref))
		}
	}
	walk(path)
	return out
}

// fileRefs lists the file parts of the $ref values under n ("other.yaml#/x" -> "other.yaml").
func fileRefs(n *yaml.Node) []string {
	var out []string
	var visit func(*yaml.Node)
	visit = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if k, v := n.Content[i], n.Content[i+1]; k.Value == "$ref" && v.Kind == yaml.ScalarNode {
					file, _, _ := strings.Cut(v.Value, "#")
					if file != "" && !strings.Contains(file, "://") {
						out = append(out, filepath.FromSlash(file))
					}
				}
			}
		}
		for _, c := range n.Content {
			visit(c)
		}
	}
	visit(n)
	return out
}
