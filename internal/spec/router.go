package spec

import (
	"sort"
	"strings"
)

// router finds the operation for a method and path. Literal paths are one map lookup;
// templated ones ("/widgets/{id}") are matched segment by segment, literals first.
type router struct {
	exact     map[string]*route
	templated []*route
}

type route struct {
	segments []string // "" marks a {parameter} segment
	literals int      // literal segments, so the most specific template wins
	byMethod map[string]*Operation
	allowed  []string
}

func newRouter(ops []*Operation) *router {
	r := &router{exact: map[string]*route{}}
	byPath := map[string]*route{}
	for _, op := range ops {
		rt, ok := byPath[op.Path]
		if !ok {
			rt = &route{byMethod: map[string]*Operation{}}
			for _, seg := range strings.Split(strings.Trim(op.Path, "/"), "/") {
				if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
					rt.segments = append(rt.segments, "")
					continue
				}
				rt.segments = append(rt.segments, seg)
				rt.literals++
			}
			byPath[op.Path] = rt
			if rt.literals == len(rt.segments) {
				r.exact[normalize(op.Path)] = rt
			} else {
				r.templated = append(r.templated, rt)
			}
		}
		rt.byMethod[op.Method] = op
		rt.allowed = append(rt.allowed, op.Method)
	}
	sort.SliceStable(r.templated, func(i, j int) bool { return r.templated[i].literals > r.templated[j].literals })
	return r
}

func normalize(path string) string {
	if len(path) > 1 {
		return strings.TrimSuffix(path, "/")
	}
	return path
}

func (r *router) find(method, path string) (*Operation, []string) {
	rt := r.exact[normalize(path)]
	if rt == nil {
		rt = r.matchTemplate(path)
	}
	if rt == nil {
		return nil, nil
	}
	if op := rt.byMethod[method]; op != nil {
		return op, nil
	}
	return nil, rt.allowed
}

func (r *router) matchTemplate(path string) *route {
	if len(r.templated) == 0 {
		return nil
	}
	segments := strings.Split(strings.Trim(path, "/"), "/")
next:
	for _, rt := range r.templated {
		if len(rt.segments) != len(segments) {
			continue
		}
		for i, want := range rt.segments {
			if segments[i] == "" || (want != "" && want != segments[i]) {
				continue next
			}
		}
		return rt
	}
	return nil
}
