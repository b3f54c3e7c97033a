package yamldec

import (
	"strconv"

	"github.com/pb33f/go-yaml"
)

// PathAt is the path of the node at line and col under root, as a user names a field:
// license.product_features[0].code. It is "" when no node is there. A mapping and its first
// key can share a place (block style); the mapping, met first, is chosen.
func PathAt(root *yaml.Node, line, col int) string {
	path, _ := pathAt(root, "", line, col, 0)
	return path
}

func pathAt(n *yaml.Node, path string, line, col, depth int) (string, bool) {
	if n == nil || depth > maxPathDepth {
		return "", false
	}
	if n.Line == line && n.Column == col && n.Kind != yaml.DocumentNode {
		return path, true
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if p, ok := pathAt(c, path, line, col, depth+1); ok {
				return p, true
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			sub := k.Value
			if path != "" {
				sub = path + "." + k.Value
			}
			if k.Line == line && k.Column == col {
				return sub, true
			}
			if p, ok := pathAt(v, sub, line, col, depth+1); ok {
				return p, true
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if p, ok := pathAt(c, path+"["+strconv.Itoa(i)+"]", line, col, depth+1); ok {
				return p, true
			}
		}
	}
	return "", false
}

// maxPathDepth bounds the walk: a hostile body may nest deeply.
const maxPathDepth = 100
