// Package mockserver is lsmock's HTTP server: it routes a request to its operation in the
// spec, has it validated, and writes the answer in the vendor's shape. Admin endpoints live
// under /__lsmock/.
package mockserver

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/lsmock/lsmock/internal/spec"
	"github.com/lsmock/lsmock/internal/validate"
)

// AdminPrefix is where lsmock's own endpoints live, out of the way of any API path.
const AdminPrefix = "/__lsmock/"

// Headers lsmock adds to its answers so a human can see why it answered as it did.
const (
	HeaderOperation  = "X-Lsmock-Operation"  // the operationId that answered
	HeaderValidation = "X-Lsmock-Validation" // the validator's detail for a refused request
)

// DefaultMaxBodyBytes caps request bodies; the API's bodies are a few hundred bytes.
const DefaultMaxBodyBytes = 1 << 20

// Config is what a Server is built from.
type Config struct {
	// Spec is the loaded contract. Required.
	Spec *spec.Spec
	// Logger receives one line per request. Nil discards.
	Logger *slog.Logger
	// MaxBodyBytes caps a request body; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
}

// Server answers requests for the operations of one spec. It is safe for concurrent use.
type Server struct {
	spec      *spec.Spec
	validator *validate.Validator
	logger    *slog.Logger
	maxBody   int64
	fixed     fixedErrors
}

// fixedErrors are the answers that do not depend on the request, rendered once.
type fixedErrors struct {
	notFound, methodNotAllowed, tooLarge, adminNotFound apiError
}

// New builds everything a request needs: the validator's compiled schemas and the fixed
// answers. It fails when the spec cannot be compiled.
func New(cfg Config) (*Server, error) {
	if cfg.Spec == nil {
		return nil, errors.New("mockserver: Config.Spec is required")
	}
	v, err := validate.New(cfg.Spec)
	if err != nil {
		return nil, fmt.Errorf("build validator: %w", err)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	maxBody := cfg.MaxBodyBytes
	if maxBody <= 0 {
		maxBody = DefaultMaxBodyBytes
	}
	s := &Server{spec: cfg.Spec, validator: v, logger: logger, maxBody: maxBody}
	s.fixed = fixedErrors{
		notFound:         s.documented("not_found", http.StatusNotFound, "Not found"),
		methodNotAllowed: s.documented("method_not_allowed", http.StatusMethodNotAllowed, "Method not allowed"),
		tooLarge:         s.documented("payload_too_large", http.StatusRequestEntityTooLarge, "Request body is too large"),
		adminNotFound:    newAPIError(http.StatusNotFound, "not_found", "No such lsmock admin endpoint; see GET "+AdminPrefix+"health"),
	}
	return s, nil
}

// documented takes an error's status and message from the spec's examples when it has one.
func (s *Server) documented(code string, status int, message string) apiError {
	if e, ok := s.spec.ErrorFor(nil, code); ok {
		if e.Status >= 400 {
			status = e.Status
		}
		if e.Message != "" {
			message = e.Message
		}
	}
	return newAPIError(status, code, message)
}

// outcome is what one request came to, for the log line.
type outcome struct {
	status    int
	code      string
	operation string
	detail    string
}

// ServeHTTP routes, validates and answers one request, then logs one line about it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	var out outcome
	if strings.HasPrefix(r.URL.Path, AdminPrefix) {
		out = s.serveAdmin(w, r)
	} else {
		out = s.serveAPI(w, r)
	}
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", out.status),
		slog.Duration("duration", time.Since(start)),
	}
	if out.operation != "" {
		attrs = append(attrs, slog.String("operation", out.operation))
	}
	if out.code != "" {
		attrs = append(attrs, slog.String("code", out.code))
	}
	if out.detail != "" {
		attrs = append(attrs, slog.String("detail", out.detail))
	}
	s.logger.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) outcome {
	op, allowed := s.spec.Find(r.Method, r.URL.Path)
	if op == nil {
		if allowed != nil {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			detail := fmt.Sprintf("%s takes %s, not %s", r.URL.Path, strings.Join(allowed, ", "), r.Method)
			return s.fixed.methodNotAllowed.write(w, detail)
		}
		return s.fixed.notFound.write(w, "no operation in "+s.spec.Name+" has the path "+r.URL.Path)
	}
	w.Header().Set(HeaderOperation, op.ID)
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			out := s.fixed.tooLarge.write(w, fmt.Sprintf("the request body exceeds %d bytes", s.maxBody))
			out.operation = op.ID
			return out
		}
		// The client went away mid-body; nobody is left to answer.
		return outcome{status: 499, operation: op.ID, detail: "reading the body: " + err.Error()}
	}
	if _, rej := s.validator.Check(op, r, body); rej != nil {
		out := newAPIError(rej.Status, rej.Code, rej.Message).write(w, rej.Detail)
		out.operation = op.ID
		return out
	}
	writeResponse(w, op.Success)
	return outcome{status: op.Success.Status, operation: op.ID}
}
