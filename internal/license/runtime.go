package license

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Run-time declarations: a license, product, user, bundle or customer account a test
// declares in its session while lsmock runs (POST /__lsmock/sessions/{session}/licenses), in
// the scenario files' format. The session sees the files' catalog extended by its own
// declarations; no other session sees them, and they go with the session's reset and
// eviction.

// What a session may declare at run time (docs/operations.md, Limits): lsmock's choices.
const (
	// MaxSessionDeclarations is how many run-time declarations one session may hold.
	MaxSessionDeclarations = 100
	// MaxDeclarationBytes is the longest declaration lsmock reads.
	MaxDeclarationBytes = 64 << 10
	// MaxSessionDeclarationBytes is how many bytes of declarations one session may hold.
	MaxSessionDeclarationBytes = 256 << 10
)

// The kinds of run-time declaration (Made.Kind), each the key its body has.
const (
	KindLicense = "license"
	KindProduct = "product"
	KindUser    = "user"
	KindBundle  = "bundle"
	// KindAccount is a customer account: its users log in by single sign-on (sso.go).
	KindAccount = "customer_account"
)

// Errors of Declare and Undeclare, beside the declarer's own.
var (
	ErrDeclarationsFull = fmt.Errorf("the session's run-time declarations are full (at most %d, of %d KiB in all): delete one first", MaxSessionDeclarations, MaxSessionDeclarationBytes>>10)
	ErrNoDeclarer       = errors.New("this engine takes no run-time declarations")
	ErrNotDeclared      = errors.New("the session declared nothing by that name at run time")
	// ErrDeclarationInUse is Undeclare's refusal of what another declaration names.
	ErrDeclarationInUse    = errors.New("delete that first")
	ErrDeclarationTooLarge = fmt.Errorf("a run-time declaration is at most %d bytes", MaxDeclarationBytes)
)

// Declaration is one run-time declaration of a session: the text the test sent, and what it
// made once it was first read (a generated key or password stays the same from then on).
type Declaration struct {
	Body    []byte
	Made    Made
	Created time.Time
}

// Made is what a run-time declaration made, as POST /__lsmock/sessions/{session}/licenses
// answers it.
type Made struct {
	Kind string `json:"kind"`
	// Ref names it for DELETE: a license's Ref, else the kind, ":" and its code or username.
	Ref        string `json:"ref"`
	Product    string `json:"product,omitempty"`
	LicenseKey string `json:"license_key,omitempty"`
	Username   string `json:"username,omitempty"`
	// Password is a user's password: given, or generated. Only the creation answer holds it.
	Password string `json:"password,omitempty"`
	Bundle   string `json:"bundle,omitempty"`
	// CustomerAccount is a customer account's code.
	CustomerAccount string `json:"customer_account_code,omitempty"`
}

// DeclaredSnapshot is a run-time declaration as a session's snapshot lists it: no password.
type DeclaredSnapshot struct {
	Made
	Created time.Time `json:"created"`
}

// Declarer builds the catalog a session sees: base extended by the session's declarations,
// in order, each read as the scenario files are. It fills in each Declaration's Made, keeping
// a key or password Made has already and generating one (GeneratedKey) where a declaration
// leaves it to lsmock. scenario.DeclareAtRunTime is lsmock's.
type Declarer func(base *Catalog, seed string, ds []Declaration) (*Catalog, error)

// UseDeclarer lets sessions declare at run time (Declare); without it they cannot.
func (e *Engine) UseDeclarer(d Declarer) { e.declarer = d }

// sessionCatalog is a session's catalog: base, the engine's, extended by its declarations.
type sessionCatalog struct {
	base, cat *Catalog
	dropped   []string // declarations a reload left out, and why (Snapshot)
}

// cat is the catalog session a sees: the engine's, or the engine's extended by a's run-time
// declarations. After a reload they are read again against the new files (rebuild).
func (e *Engine) cat(a *Account) *Catalog {
	if a == nil {
		return e.catalog
	}
	if c, ok := e.current(a.own.Load()); ok {
		return c
	}
	a.declMu.Lock()
	defer a.declMu.Unlock()
	return e.rebuild(a)
}

// current is the catalog sc stands for under e, unless sc was built on another engine's
// catalog (before a reload).
func (e *Engine) current(sc *sessionCatalog) (*Catalog, bool) {
	switch {
	case sc == nil:
		return e.catalog, true
	case sc.base == e.catalog:
		return sc.cat, true
	}
	return nil, false
}

// CatalogOf is the catalog session a sees (cat).
func (e *Engine) CatalogOf(a *Account) *Catalog { return e.cat(a) }

// rebuild reads a's declarations again against the engine's catalog, leaving out those that
// no longer fit (a reload declared the same key, removed their product); a.declMu is held.
func (e *Engine) rebuild(a *Account) *Catalog {
	if c, ok := e.current(a.own.Load()); ok {
		return c
	}
	if e.declarer == nil {
		return e.catalog
	}
	var kept []Declaration
	cat, dropped := e.catalog, []string(nil)
	for _, d := range a.declared {
		try := append(slices.Clone(kept), d)
		c, err := e.declarer(e.catalog, a.seed, try)
		if err != nil {
			dropped = append(dropped, d.Made.Ref+": "+strings.ReplaceAll(err.Error(), "\n", "; "))
			continue
		}
		kept, cat = try, c
	}
	a.declared = kept
	a.own.Store(&sessionCatalog{base: e.catalog, cat: cat, dropped: dropped})
	return cat
}

// Declare adds a declaration to session a: body holds one license, product, user or bundle
// in the scenario files' format. It answers what was made, or why nothing was: the
// declarer's error (a fileerr.List placing each problem in body), ErrDeclarationsFull or
// ErrNoDeclarer.
func (e *Engine) Declare(a *Account, body []byte) (Made, error) {
	if e.declarer == nil {
		return Made{}, ErrNoDeclarer
	}
	if len(body) > MaxDeclarationBytes {
		return Made{}, ErrDeclarationTooLarge
	}
	a.declMu.Lock()
	defer a.declMu.Unlock()
	e.rebuild(a)
	held := len(body)
	for _, d := range a.declared {
		held += len(d.Body)
	}
	if len(a.declared) >= MaxSessionDeclarations || held > MaxSessionDeclarationBytes {
		return Made{}, ErrDeclarationsFull
	}
	try := append(slices.Clone(a.declared), Declaration{Body: slices.Clone(body), Created: e.now(a)})
	c, err := e.declarer(e.catalog, a.seed, try)
	if err != nil {
		return Made{}, err
	}
	a.declared = try
	a.own.Store(&sessionCatalog{base: e.catalog, cat: c})
	return try[len(try)-1].Made, nil
}

// Undeclare removes session a's declaration named ref (Made.Ref), and the state of what it
// made (a license's devices and consumption, a user's changed password); ref "" removes
// every one. It refuses to remove what another declaration names, with the declarer's
// error.
func (e *Engine) Undeclare(a *Account, ref string) error {
	gone, err := e.undeclare(a, ref)
	if err != nil {
		return err
	}
	a.mu.Lock() // after declMu is let go: cat takes declMu under mu
	defer a.mu.Unlock()
	for _, m := range gone {
		switch m.Kind {
		case KindLicense:
			delete(a.licenses, m.Ref)
		case KindUser:
			delete(a.passwords, m.Username)
		}
	}
	return nil
}

func (e *Engine) undeclare(a *Account, ref string) ([]Made, error) {
	a.declMu.Lock()
	defer a.declMu.Unlock()
	e.rebuild(a)
	var kept []Declaration
	var gone []Made
	for _, d := range a.declared {
		if ref == "" || d.Made.Ref == ref {
			gone = append(gone, d.Made)
		} else {
			kept = append(kept, d)
		}
	}
	switch {
	case len(gone) == 0 && ref != "":
		return nil, ErrNotDeclared
	case len(kept) == 0:
		a.declared = nil
		a.own.Store(nil)
		return gone, nil
	}
	c, err := e.declarer(e.catalog, a.seed, kept)
	if err != nil {
		return nil, inUse(ref, kept, err)
	}
	a.declared = kept
	a.own.Store(&sessionCatalog{base: e.catalog, cat: c})
	return gone, nil
}

// inUse is the refusal to remove ref, which the declarations of kept that err places name.
func inUse(ref string, kept []Declaration, err error) error {
	var placed interface{ Declarations() []int }
	var by []string
	if errors.As(err, &placed) {
		for _, i := range placed.Declarations() {
			if i >= 0 && i < len(kept) && !slices.Contains(by, kept[i].Made.Ref) {
				by = append(by, kept[i].Made.Ref)
			}
		}
	}
	if len(by) == 0 {
		return fmt.Errorf("%s: %w: %w", ref, ErrDeclarationInUse, err)
	}
	return fmt.Errorf("%s is named by %s: %w", ref, strings.Join(by, ", "), ErrDeclarationInUse)
}

// declaredSnapshot lists a's run-time declarations, oldest first, and those a reload left out.
func (a *Account) declaredSnapshot() (list []DeclaredSnapshot, dropped []string) {
	a.declMu.Lock()
	defer a.declMu.Unlock()
	list = make([]DeclaredSnapshot, 0, len(a.declared))
	for _, d := range a.declared {
		m := d.Made
		m.Password = ""
		list = append(list, DeclaredSnapshot{Made: m, Created: d.Created})
	}
	if sc := a.own.Load(); sc != nil {
		dropped = sc.dropped
	}
	return list, dropped
}

// GeneratedKey is the n-th license key lsmock generates for a session whose seed is seed:
// four groups of four, as the vendor's keys look, the same in every run.
func GeneratedKey(seed string, n int) string {
	c := code(seed, fmt.Sprintf("run-time license %d", n), 16)
	return c[0:4] + "-" + c[4:8] + "-" + c[8:12] + "-" + c[12:16]
}

// GeneratedPassword is the n-th password lsmock generates for a session's user.
func GeneratedPassword(seed string, n int) string {
	return strings.ToLower(code(seed, fmt.Sprintf("run-time password %d", n), 16))
}
