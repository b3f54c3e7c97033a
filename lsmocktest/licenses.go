package lsmocktest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/lsmock/lsmock/mockserver"
)

// Created is what a run-time declaration made in a session (CreateLicense, Create): the
// names a test goes on with, such as the license key lsmock generated.
type Created struct {
	// Kind is what was made: "license", "product", "user", "bundle" or "customer_account".
	Kind string `json:"kind"`
	// Ref names it for DeleteLicense: the license key (a user's license:
	// "user:<username>/<product>"), "product:<code>", "user:<username>", "bundle:<code>"
	// or "customer_account:<code>".
	Ref string `json:"ref"`
	// Product is a license's product, or the product made.
	Product string `json:"product,omitempty"`
	// LicenseKey is a key-based license's key (generated when the declaration gave none),
	// or a bundle's.
	LicenseKey string `json:"license_key,omitempty"`
	// Username is a user-based license's user, or the user made.
	Username string `json:"username,omitempty"`
	// Password is a user's password, generated when the declaration gave none; only this
	// answer carries it (the admin API never shows passwords).
	Password string `json:"password,omitempty"`
	// Bundle is the bundle's code.
	Bundle string `json:"bundle,omitempty"`
	// CustomerAccount is the customer account's code.
	CustomerAccount string `json:"customer_account_code,omitempty"`
}

// CreateLicense declares one license in session only (an X-Lsmock-Session value or an API
// key), while the test runs: another session never sees it, and Reset(session) removes it.
// license is the item as a scenario file writes it under licenses: (docs/scenarios.md):
// a map or a struct (marshalled to JSON), or YAML or JSON text as a string or []byte. A
// license with neither license_key nor username gets a key, the same in every run for the
// same session and order of declarations: Created.LicenseKey.
//
// A declaration lsmock refuses is an error whose message names each field path
// ("license.max_activations: ..."); errors.As to *mockserver.DeclarationError gives the
// list, each Line and Column in the text given (0 for a map or struct). A session holds at
// most 100 run-time declarations of 256 KiB in all (then errors.Is(err,
// mockserver.ErrDeclarationsFull)), each at most 64 KiB (mockserver.ErrDeclarationTooLarge).
func (s *Server) CreateLicense(session string, license any) (Created, error) {
	body, sh, err := wrap("license", license)
	if err != nil {
		return Created{}, fmt.Errorf("lsmocktest: create license in session %q: %w", session, err)
	}
	return s.create(session, "license", body, sh)
}

// Create declares one item in session, as CreateLicense does, with its kind as the one
// top-level key: {"product": {...}}, {"user": {...}}, {"bundle": {...}},
// {"customer_account": {...}} or {"license": {...}}, as a map or struct, or as YAML or JSON
// text. It may name the files' products and users or ones the session declared before.
func (s *Server) Create(session string, decl any) (Created, error) {
	body, err := encode(decl)
	if err != nil {
		return Created{}, fmt.Errorf("lsmocktest: create in session %q: %w", session, err)
	}
	return s.create(session, "declaration", body, shift{unknown: !isText(decl)})
}

// DeleteLicense removes what session declared at run time under ref (Created.Ref), with its
// state (devices, consumption); "" removes every run-time declaration of the session. One
// that another run-time declaration names is refused (mockserver.ErrDeclarationInUse):
// delete that one first; a ref the session did not declare is mockserver.ErrNotDeclared.
func (s *Server) DeleteLicense(session, ref string) error {
	if err := s.handler.DeleteLicense(session, ref); err != nil {
		if ref == "" {
			return fmt.Errorf("lsmocktest: delete the declarations of session %q: %w", session, err)
		}
		return fmt.Errorf("lsmocktest: delete %q in session %q: %w", ref, session, err)
	}
	return nil
}

// create sends body and converts the answer; a refused declaration's positions are moved
// back into the text the caller gave.
func (s *Server) create(session, what string, body []byte, sh shift) (Created, error) {
	c, err := s.handler.CreateLicense(session, body)
	if err != nil {
		return Created{}, &createError{what: what, session: session, err: sh.apply(err)}
	}
	return Created{Kind: c.Kind, Ref: c.Ref, Product: c.Product, LicenseKey: c.LicenseKey,
		Username: c.Username, Password: c.Password, Bundle: c.Bundle}, nil
}

// createError names every refused field in its message, whatever the server's error says.
type createError struct {
	what, session string
	err           error
}

func (e *createError) Error() string {
	var de *mockserver.DeclarationError
	if !errors.As(e.err, &de) || len(de.Errors) == 0 {
		return fmt.Sprintf("lsmocktest: create %s in session %q: %v", e.what, e.session, e.err)
	}
	parts := make([]string, len(de.Errors))
	for i, f := range de.Errors {
		at := ""
		if f.Line > 0 {
			at = fmt.Sprintf(" (%d:%d)", f.Line, f.Column)
		}
		parts[i] = f.Message
		if f.Field != "" || at != "" {
			parts[i] = strings.TrimPrefix(f.Field+at, " ") + ": " + f.Message
		}
	}
	return fmt.Sprintf("lsmocktest: create %s in session %q: %s", e.what, e.session, strings.Join(parts, "; "))
}

func (e *createError) Unwrap() error { return e.err }

// shift is where the caller's text sits in the body sent: lines added before it, columns
// added to its first line (JSON) or to every line (YAML). unknown: the body was marshalled
// from a value, so no position is the caller's.
type shift struct {
	lines, firstCol, col int
	unknown              bool
}

// apply returns err with the positions of a DeclarationError in the caller's text; the
// server's error itself is left alone.
func (sh shift) apply(err error) error {
	var de *mockserver.DeclarationError
	if !errors.As(err, &de) {
		return err
	}
	out := *de
	out.Errors = slices.Clone(de.Errors)
	for i := range out.Errors {
		f := &out.Errors[i]
		switch {
		case sh.unknown || f.Line <= sh.lines:
			f.Line, f.Column = 0, 0
		case f.Line == sh.lines+1 && sh.firstCol > 0:
			f.Line, f.Column = f.Line-sh.lines, max(f.Column-sh.firstCol, 1)
		default:
			f.Line, f.Column = f.Line-sh.lines, max(f.Column-sh.col, 1)
		}
	}
	return &out
}

// wrap makes {key: item}: text is wrapped as text (JSON in JSON, YAML indented under the
// key), so the server's positions can be moved back into it; a value is marshalled.
func wrap(key string, item any) ([]byte, shift, error) {
	text, ok := textOf(item)
	if !ok {
		b, err := json.Marshal(map[string]any{key: item})
		return b, shift{unknown: true}, err
	}
	if json.Valid(text) {
		prefix := `{"` + key + `":`
		return []byte(prefix + string(text) + "}"), shift{firstCol: len(prefix)}, nil
	}
	var b strings.Builder
	b.WriteString(key + ":\n")
	for line := range strings.Lines(string(text)) {
		b.WriteString("  " + line)
	}
	return []byte(b.String()), shift{lines: 1, col: 2}, nil
}

// encode is decl as the body: text as it is, a value marshalled to JSON.
func encode(decl any) ([]byte, error) {
	if text, ok := textOf(decl); ok {
		return text, nil
	}
	return json.Marshal(decl)
}

// isText is whether v is text (then the server's positions are the caller's).
func isText(v any) bool {
	_, ok := textOf(v)
	return ok
}

// textOf is v's bytes when v is YAML or JSON text (a string or []byte).
func textOf(v any) ([]byte, bool) {
	switch t := v.(type) {
	case string:
		return []byte(t), true
	case []byte:
		return t, true
	}
	return nil, false
}
