package spec

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"

	valerrors "github.com/pb33f/libopenapi-validator/errors"

	"github.com/lsmock/lsmock/internal/fileerr"
)

// yamlPosition matches go-yaml's "at L14.C19" and libopenapi's "line 13, col 30".
var yamlPosition = regexp.MustCompile(`(?:\bL(\d+)\.C(\d+)|line (\d+), col(?:umn)? (\d+)|line (\d+))`)

// placed builds a LoadError, taking the position from the message when it carries one.
func placed(file, msg string) *fileerr.Error {
	e := &fileerr.Error{File: file, Msg: msg}
	if m := yamlPosition.FindStringSubmatch(msg); m != nil {
		for i := 1; i+1 < len(m); i += 2 {
			if m[i] != "" {
				e.Line, _ = strconv.Atoi(m[i])
				e.Col, _ = strconv.Atoi(m[i+1])
				break
			}
		}
		if e.Line == 0 && m[5] != "" {
			e.Line, _ = strconv.Atoi(m[5])
		}
	}
	return e
}

func fromParseError(file string, err error) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "unable to parse specification: ")
	if strings.Contains(msg, "cannot construct") || strings.Contains(msg, "failed to decode YAML") {
		msg = "not an OpenAPI document (expected a YAML or JSON mapping with an `openapi` key): " + msg
	}
	return placed(file, msg)
}

// fromModelErrors prefers what libopenapi logged (it carries positions) over the bare errors.
func fromModelErrors(file string, errs []error, logged []string) error {
	var list fileerr.List
	seen := map[string]bool{}
	for _, m := range logged {
		if e := placed(file, m); e.Line > 0 && !seen[e.Msg] {
			seen[e.Msg] = true
			list = append(list, e)
		}
	}
	if len(list) == 0 {
		for _, err := range errs {
			if err != nil {
				list = append(list, placed(file, err.Error()))
			}
		}
	}
	if len(list) == 0 {
		list = append(list, &fileerr.Error{File: file, Msg: "the document cannot be modelled"})
	}
	return list.Truncated()
}

func fromDocumentErrors(file string, verrs []*valerrors.ValidationError) error {
	var list fileerr.List
	for _, v := range verrs {
		if len(v.SchemaValidationErrors) == 0 {
			list = append(list, &fileerr.Error{File: file, Line: v.SpecLine, Col: v.SpecCol, Msg: v.Reason})
			continue
		}
		for _, f := range v.SchemaValidationErrors {
			msg := f.Reason
			at := strings.NewReplacer("~1", "/", "~0", "~").Replace(f.FieldPath)
			if msg == "false schema" && f.FieldName != "" {
				// The OpenAPI schema forbids any key it does not name: usually a typo.
				msg = fmt.Sprintf("unknown key %q is not allowed here (a typo?)", f.FieldName)
			}
			if at != "" {
				msg = fmt.Sprintf("%s (at %s)", msg, at)
			}
			line, col := f.Line, f.Column
			if line == 0 { // a failure of the document's root
				line, col = 1, 1
			}
			list = append(list, &fileerr.Error{File: file, Line: line, Col: col, Msg: msg})
		}
	}
	if len(list) == 0 {
		return &fileerr.Error{File: file, Msg: "the document is not valid OpenAPI"}
	}
	return list.Truncated()
}

// collectingHandler keeps libopenapi's error log lines: they hold the positions of broken
// references, which its returned errors lack. It also keeps them off the user's terminal.
type collectingHandler struct {
	mu       sync.Mutex
	messages []string
}

func (h *collectingHandler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= slog.LevelError
}

func (h *collectingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.messages = append(h.messages, r.Message)
	return nil
}

func (h *collectingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *collectingHandler) WithGroup(string) slog.Handler      { return h }
