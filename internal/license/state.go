package license

import (
	"crypto/hmac"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Account is what one session did with the catalog: devices activated, trials issued,
// passwords changed. Sessions never see each other's accounts, so parallel CI jobs can share
// one lsmock. An account outlives reloads (licenses are kept by key or user, so they survive
// for the declarations that remain) and is safe for concurrent use.
type Account struct {
	mu        sync.Mutex
	seed      string                         // what the session's trial keys are derived from
	passwords map[string]string              // username -> the password it was changed to
	licenses  map[string]*licenseState       // by License.Ref
	trials    map[string]*License            // issued trial licenses by trialKey
	trialKeys map[string]*License            // the same, by license key
	trialUser map[string]*User               // trial users, by username
	userLic   map[string]map[string]*License // trial user -> product -> license
	variables int                            // device variables kept, of every device (MaxSessionVariables)
	clock     Clock                          // the session's own test clock (Engine.now)

	// Run-time declarations (runtime.go). declMu guards declared and the rebuilding of own;
	// it may be taken while mu is held, never the other way round.
	declMu   sync.Mutex
	declared []Declaration
	own      atomic.Pointer[sessionCatalog] // nil: the engine's catalog as it is
}

// NewAccount returns an empty account. seed, the session's key, makes the trial keys it is
// given the same in every run.
func NewAccount(seed string) *Account {
	return &Account{
		seed:      seed,
		passwords: map[string]string{},
		licenses:  map[string]*licenseState{},
		trials:    map[string]*License{},
		trialKeys: map[string]*License{},
		trialUser: map[string]*User{},
		userLic:   map[string]map[string]*License{},
	}
}

// licenseState is a license's state in one session.
type licenseState struct {
	devices        map[string]*Device // by hardware_id: the active ones
	firstActivated time.Time
	consumed       int                      // total_consumptions of a consumption license
	features       map[string]*featureState // by feature code
	seats          map[string]*seat         // a floating license's, by hardware_id

	vars map[string]*deviceVariables // device variables, by hardware_id
	// transfers is the transfer_count: activations on another device after a deactivation;
	// freed is the device deactivated last, until the next new device (codes.go).
	transfers int
	freed     string
}

// Device is a device a license is active on.
type Device struct {
	ID         int64     `json:"device_id"`
	HardwareID string    `json:"hardware_id"`
	Activated  time.Time `json:"activated"`
	// Variables are the device's variables (track_device_variables), in the admin API only.
	Variables []VariableSnapshot `json:"variables,omitempty"`
}

func (a *Account) license(l *License) *licenseState {
	ls := a.licenses[l.Ref()]
	if ls == nil {
		ls = &licenseState{devices: map[string]*Device{}, seats: map[string]*seat{}}
		a.licenses[l.Ref()] = ls
	}
	return ls
}

// password returns the session's password for u: changed, else declared.
func (a *Account) password(u *User) string {
	if p, ok := a.passwords[u.Username]; ok {
		return p
	}
	return u.Password
}

// passwordMatches compares in constant time.
func passwordMatches(have, got string) bool { return hmac.Equal([]byte(have), []byte(got)) }

// Snapshot is one session's state as the admin API shows it (no passwords).
type Snapshot struct {
	Licenses []LicenseSnapshot `json:"licenses"`
	Trials   []TrialSnapshot   `json:"trials"`
	Users    []UserSnapshot    `json:"users"`
	// Declared are the session's run-time declarations, oldest first; Dropped those a
	// reload left out, and why.
	Declared []DeclaredSnapshot `json:"declared"`
	Dropped  []string           `json:"dropped,omitempty"`
}

// LicenseSnapshot is one license in a session.
type LicenseSnapshot struct {
	License        string    `json:"license"` // license_key, or user:username/product
	Product        string    `json:"product"`
	TimesActivated int       `json:"times_activated"`
	Devices        []Device  `json:"devices"`
	FirstActivated time.Time `json:"first_activated,omitzero"`
	TransferCount  int       `json:"transfer_count"`
}

// TrialSnapshot is a trial license issued in a session.
type TrialSnapshot struct {
	Product    string `json:"product"`
	LicenseKey string `json:"license_key,omitempty"`
	Username   string `json:"username,omitempty"`
	HardwareID string `json:"hardware_id,omitempty"`
}

// UserSnapshot is a license user as a session sees it.
type UserSnapshot struct {
	Username      string `json:"username"`
	Password      string `json:"password"` // always "[redacted]"
	Changed       bool   `json:"changed"`
	ChangeAllowed bool   `json:"change_allowed"`
}

// Snapshot returns account a (nil for a session with none) against catalog c.
func (a *Account) Snapshot(c *Catalog) Snapshot {
	if a != nil {
		a.mu.Lock()
		defer a.mu.Unlock()
	}
	snap := Snapshot{Licenses: []LicenseSnapshot{}, Trials: []TrialSnapshot{}, Users: []UserSnapshot{}, Declared: []DeclaredSnapshot{}}
	if a != nil {
		snap.Declared, snap.Dropped = a.declaredSnapshot()
	}
	licenses := append([]*License{}, c.Licenses...)
	if a != nil {
		for _, l := range a.trials {
			licenses = append(licenses, l)
		}
	}
	for _, l := range licenses {
		ls := &licenseState{}
		if a != nil && a.licenses[l.Ref()] != nil {
			ls = a.licenses[l.Ref()]
		}
		s := LicenseSnapshot{License: l.Ref(), Product: l.Product.Code, TimesActivated: len(ls.devices), Devices: []Device{}, FirstActivated: ls.firstActivated, TransferCount: ls.transfers}
		for hw, d := range ls.devices {
			dev := *d
			dev.Variables = variablesOf(ls, hw)
			s.Devices = append(s.Devices, dev)
		}
		sort.Slice(s.Devices, func(i, j int) bool { return s.Devices[i].Activated.Before(s.Devices[j].Activated) })
		snap.Licenses = append(snap.Licenses, s)
	}
	if a != nil {
		for k, l := range a.trials {
			t := TrialSnapshot{Product: l.Product.Code, LicenseKey: l.Key}
			if l.User != nil {
				t.Username = l.User.Username
			} else {
				t.HardwareID = k[len(l.Product.Code)+1:]
			}
			snap.Trials = append(snap.Trials, t)
		}
		sort.Slice(snap.Trials, func(i, j int) bool {
			return snap.Trials[i].LicenseKey+snap.Trials[i].Username < snap.Trials[j].LicenseKey+snap.Trials[j].Username
		})
	}
	users := append([]*User{}, c.Users...)
	if a != nil {
		for _, u := range a.trialUser {
			users = append(users, u)
		}
	}
	for _, u := range users {
		changed := false
		if a != nil {
			_, changed = a.passwords[u.Username]
		}
		snap.Users = append(snap.Users, UserSnapshot{Username: u.Username, Password: "[redacted]", Changed: changed, ChangeAllowed: u.ChangeAllowed})
	}
	return snap
}
