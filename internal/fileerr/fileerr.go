// Package fileerr is the one shape of every problem lsmock finds in a user's file:
// "file:line:col: message", so editors and terminals can jump to the place.
package fileerr

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Error is a problem in a file, placed at its line and column (0 when unknown).
type Error struct {
	File string
	Line int
	Col  int
	Msg  string
}

func (e *Error) Error() string {
	switch {
	case e.Line > 0 && e.Col > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	default:
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
}

// List is every problem found in one load, one per line.
type List []*Error

func (l List) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// MaxReported keeps a badly broken file from burying its first problems.
const MaxReported = 20

// Truncated returns l cut to MaxReported entries plus a line saying how many more there were.
func (l List) Truncated() List {
	if len(l) <= MaxReported {
		return l
	}
	rest := len(l) - MaxReported
	return append(l[:MaxReported:MaxReported], &Error{File: l[0].File, Msg: fmt.Sprintf("... and %d more problems", rest)})
}

// ErrOrNil returns l as an error, or nil when it is empty.
func (l List) ErrOrNil() error {
	if len(l) == 0 {
		return nil
	}
	return l.Truncated()
}

// As flattens err into the file errors it holds, if any.
func As(err error) List {
	var list List
	if errors.As(err, &list) {
		return list
	}
	var one *Error
	if errors.As(err, &one) {
		return List{one}
	}
	return nil
}

// yamlPosition finds where go-yaml says a syntax error is: "L2.C3-L4.C4" (the end is the
// offending token), "L5.C1" (a parser error: one place) or "line 4".
var yamlPosition = regexp.MustCompile(`L(\d+)\.C(\d+)-L(\d+)\.C(\d+)|L(\d+)\.C(\d+)|line (\d+)`)

// YAMLSyntax places go-yaml's complaint about file's syntax, in lsmock's words:
// "file:line:col: not valid YAML: what".
func YAMLSyntax(file string, err error) *Error {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:] // go-yaml prefixes its parser's state; the end says what is wrong
	}
	e := &Error{File: file, Msg: "not valid YAML: " + msg}
	// The last place is the error's own; an earlier one names the construct it is in
	// ("while parsing a block collection at L2.C3").
	if all := yamlPosition.FindAllStringSubmatch(err.Error(), -1); all != nil {
		m := all[len(all)-1]
		switch {
		case m[3] != "":
			e.Line, _ = strconv.Atoi(m[3])
			e.Col, _ = strconv.Atoi(m[4])
		case m[5] != "":
			e.Line, _ = strconv.Atoi(m[5])
			e.Col, _ = strconv.Atoi(m[6])
		default:
			e.Line, _ = strconv.Atoi(m[7])
		}
	}
	return e
}
