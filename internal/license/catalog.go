// Package license is lsmock's stateful License API: the products, licenses and users that
// scenario files declare (the catalog), what each session did with them (devices activated,
// trials issued, passwords changed), and the behaviours that answer the operations from both
// (activate_license, check_license, ...), signed as the vendor signs.
package license

import (
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"
)

// Catalog is what the scenario files declare: products, the licenses sold for them and the
// license users. It is built at load and never changes; a reload builds a new one.
type Catalog struct {
	// Declarations are what the catalog holds, checked: the licenses and bundles NewCatalog
	// took, after Base's when it extends one.
	Declarations

	products map[string]*Product // by code
	byKey    map[string]*License
	users    map[string]*User // by username
	// byUser are each user's licenses, by product code; byCustomer each product's licenses
	// of a customer, by customerKey.
	byUser     map[*User][]*License
	byCustomer map[string][]*License
	bundles    map[string]*Bundle          // by code
	accounts   map[string]*CustomerAccount // by code
	accountOf  map[*User]*CustomerAccount
}

// customerKey names a product's licenses of a customer: emails compare case-insensitively.
func customerKey(product, email string) string {
	return product + "\x00" + strings.ToLower(email)
}

// Product is a product licenses are sold for.
type Product struct {
	Code                string // short_code, what the SDKs send as product
	Name                string
	ID                  int64
	AuthorizationMethod string // license-key or user
	AllowTrial          bool
	TrialDays           int
	TrialType           string // the license_type of its trials
	TrialMaxActivations int
	FloatingTimeout     int // minutes
	PreventVM           bool
	Metadata            map[string]any
	CustomFields        []CustomField // with their default values
	Releases            []*Release    // oldest first, once NewCatalog has them
	Source              string        // file:line

	// Status is active (""), disabled or archived: the vendor's disabled_product and
	// archived_product refuse every request naming a product that is not active.
	Status string
}

// UserBased reports whether the product's licenses are activated by user and password.
func (p *Product) UserBased() bool { return p.AuthorizationMethod == MethodUser }

// The authorization methods.
const (
	MethodKey  = "license-key"
	MethodUser = "user"
)

// The license types.
const (
	Perpetual    = "perpetual"
	TimeLimited  = "time-limited"
	Subscription = "subscription"
	Consumption  = "consumption"
)

// License is a license of a product: by key, or for a user.
type License struct {
	ID      int64
	Key     string // license_key; "" for a user-based license
	User    *User  // the license user; nil for a key-based license
	Product *Product

	Type                 string
	MaxActivations       int
	UnlimitedActivations bool
	Enabled              bool // false: license_not_enabled
	Active               bool // false: license_not_active (suspended)
	Trial                bool
	TrialDays            int
	// ValidityPeriod is when the license stops being valid; zero for none.
	ValidityPeriod time.Time
	// ValidDuration, when set, is how long the license is valid from its first activation
	// in a session (the vendor's valid_duration).
	ValidDuration     time.Duration
	StartDate         time.Time
	MaintenancePeriod time.Time
	MaxTransfers      int // moves to another device (transfer_count): 0 no limit, NoTransfers none
	GracePeriod       int
	PreventVM         bool
	AllowOverages     bool
	MaxOverages       int
	// Consumption licenses: how many uses, and how they count.
	MaxConsumptions           int
	UnlimitedConsumptions     bool
	AllowNegativeConsumptions bool
	ResetConsumption          bool
	ConsumptionPeriod         string
	Metadata                  map[string]any
	CustomFields              []CustomField
	Features                  []Feature
	Customer                  Customer
	OrderStoreID              string
	// Floating licenses: devices share FloatingUsers seats (0: no limit); a seat not
	// renewed by a check within FloatingTimeout minutes is freed, unless it is borrowed.
	Floating        bool // is_floating
	FloatingCloud   bool // is_floating_cloud
	FloatingUsers   int
	FloatingTimeout int // minutes; 0 takes the product's
	CanBorrow       bool
	MaxBorrowTime   int    // hours
	Source          string // file:line

	// AllowOffline is allow_offline_activation: activate_offline may activate it.
	AllowOffline bool

	issued time.Time // when trial_key gave out a trial license

	// BlacklistedDevices are hardware ids the license refuses (blacklisted).
	BlacklistedDevices []string
}

// IsFloating reports whether the license's devices share floating seats.
func (l *License) IsFloating() bool { return l.Floating || l.FloatingCloud }

// Timeout is the license's floating_timeout in minutes.
func (l *License) Timeout() int {
	if l.FloatingTimeout > 0 {
		return l.FloatingTimeout
	}
	return l.Product.FloatingTimeout
}

// Ref names a license in state and in the admin API: its key, or "user:" and its username.
func (l *License) Ref() string {
	if l.User != nil {
		return "user:" + l.User.Username + "/" + l.Product.Code
	}
	return l.Key
}

// User is a license user, who logs in with a password.
type User struct {
	Username      string
	Password      string
	ChangeAllowed bool
	ID            int64
	FirstName     string
	LastName      string
	Phone         string
	// Initial is true for a password lsmock gave out (a trial user's), which the user has
	// not changed yet.
	Initial bool
	Source  string

	// MaxActivations is the user's own limit of devices on each of its licenses, below the
	// license's (licenseUserActivatedMaxTimes); 0 for none.
	MaxActivations int
}

// IsFloating reports whether the feature's seats float (on-premise or cloud).
func (f *Feature) IsFloating() bool { return f.Floating || f.FloatingCloud }

// Feature is a feature of a license.
type Feature struct {
	ID         int64
	Code       string
	Name       string
	Type       string // activation or consumption
	ExpiryDate time.Time
	Metadata   map[string]any

	MaxConsumption       int
	UnlimitedConsumption bool
	AllowOverages        bool
	MaxOverages          int
	AllowNegative        bool
	ResetConsumption     bool
	ConsumptionPeriod    string
	Floating             bool
	FloatingCloud        bool
	FloatingTimeout      int
	FloatingUsers        int
}

// CustomField is a named value of a license or product.
type CustomField struct {
	Name  string
	Value string
	ID    int64
}

// Customer is who a license was sold to.
type Customer struct {
	Email, CompanyName, Reference, Phone, FirstName, LastName string
	City, Postcode, State, Country, Address                   string
	Metadata                                                  map[string]any
	// Account is the customer account of the license's user, nil for none.
	Account *CustomerAccount
}

// Product returns the product with that code, or nil.
func (c *Catalog) Product(code string) *Product { return c.products[code] }

// ByKey returns the license with that key, or nil.
func (c *Catalog) ByKey(key string) *License { return c.byKey[key] }

// User returns the declared user with that username, or nil.
func (c *Catalog) User(username string) *User { return c.users[username] }

// ForUser returns the user's license of product, or nil.
func (c *Catalog) ForUser(u *User, product *Product) *License {
	for _, l := range c.byUser[u] {
		if l.Product == product {
			return l
		}
	}
	return nil
}

// OfUser returns the user's declared licenses, by product code.
func (c *Catalog) OfUser(u *User) []*License { return c.byUser[u] }

// OfCustomer returns the licenses of product whose customer has that email.
func (c *Catalog) OfCustomer(product *Product, email string) []*License {
	return c.byCustomer[customerKey(product.Code, email)]
}

// Empty reports whether the files declare nothing: lsmock then answers from the spec alone.
func (c *Catalog) Empty() bool {
	return c == nil || (len(c.Products) == 0 && len(c.Users) == 0)
}

// Declarations are what scenario files declare, names resolved, as NewCatalog takes it.
type Declarations struct {
	Products []*Product
	Licenses []*License
	Users    []*User
	Bundles  []*Bundle
	// Accounts are the customer accounts whose users log in by single sign-on (sso.go).
	Accounts []*CustomerAccount
	// Codes are the error codes lsmock answers for conditions the vendor publishes no code
	// for, by condition (see DefaultCodes); scenario files choose others with error_codes:.
	Codes map[string]string
	// AcceptUnknownUsers makes change_password accept any user not declared (the embedded
	// defaults do, so a change for any username succeeds), instead of answering the
	// wrong_password code.
	AcceptUnknownUsers bool
	// Base, when set, is a catalog these declarations extend (a session's run-time
	// declarations extend the files'): its products, licenses, users, bundles and accounts
	// join the new catalog as they are, unchecked and unchanged, and its codes are kept. A
	// declaration that repeats one of Base's is refused.
	Base *Catalog
}

// NewCatalog builds the catalog of declarations whose names are resolved: each license
// points at its product, and at its user when its product is user-based. It gives a license
// the id and trial days it leaves to be derived, and refuses, as Refusals, a license whose
// way of being activated is not its product's or that is declared twice. codes are the
// error_codes: chosen, by condition. It refuses, as BundleRefusals, a bundle that is not
// made of its licenses (bundle.go); the customer accounts are checked by checkAccounts.
func NewCatalog(d Declarations) (*Catalog, error) {
	products, licenses, users, accounts, bundles := d.Products, d.Licenses, d.Users, d.Accounts, d.Bundles
	c := &Catalog{Declarations: Declarations{Products: products, Users: users, Codes: d.Codes, AcceptUnknownUsers: d.AcceptUnknownUsers,
		Accounts: accounts, Base: d.Base}}
	if c.Codes == nil {
		c.Codes = map[string]string{}
	}
	var refused Refusals
	seen := map[string]*License{}
	if d.Base != nil {
		for _, l := range d.Base.Licenses {
			seen[l.Ref()] = l
		}
	}
	for _, l := range licenses {
		if r := refusal(l, seen); r != nil {
			refused = append(refused, r)
			continue
		}
		seen[l.Ref()] = l
		if l.ID == 0 {
			l.ID = StableID("license", l.Ref())
		}
		if l.Trial && l.TrialDays == 0 {
			l.TrialDays = l.Product.TrialDays
		}
		c.Licenses = append(c.Licenses, l)
	}
	refused = append(refused, checkAccounts(accounts, d.Base)...)
	releaseRefused := checkReleases(products)
	switch {
	case len(refused) > 0 && len(releaseRefused) > 0:
		return nil, errors.Join(refused, releaseRefused)
	case len(refused) > 0:
		return nil, refused
	case len(releaseRefused) > 0:
		return nil, releaseRefused
	}
	c.inherit(d.Base)
	if err := c.addBundles(bundles); err != nil {
		return nil, err
	}
	c.index()
	c.indexAccounts()
	return c, nil
}

// inherit puts base's declarations before c's own, as they are: base was checked and
// completed when it was built, and other sessions read it concurrently.
func (c *Catalog) inherit(base *Catalog) {
	c.bundles = map[string]*Bundle{}
	if base == nil {
		return
	}
	c.Products = slices.Concat(base.Products, c.Products)
	c.Licenses = slices.Concat(base.Licenses, c.Licenses)
	c.Users = slices.Concat(base.Users, c.Users)
	c.Accounts = slices.Concat(base.Accounts, c.Accounts)
	c.Bundles = slices.Clone(base.Bundles)
	for _, b := range base.Bundles {
		c.bundles[b.Code] = b
	}
	c.Codes, c.AcceptUnknownUsers = base.Codes, base.AcceptUnknownUsers
}

// refusal says why a license cannot join the catalog whose licenses so far are seen, or nil.
func refusal(l *License, seen map[string]*License) *Refused {
	switch {
	case l.Product == nil:
		return &Refused{License: l, Field: "product", Msg: "a license needs a product"}
	case l.User != nil && !l.Product.UserBased():
		return &Refused{License: l, Field: "username", Msg: fmt.Sprintf("product %q is activated by license key; give the license a license_key, or the product authorization_method: user", l.Product.Code)}
	case l.User == nil && l.Product.UserBased():
		return &Refused{License: l, Msg: fmt.Sprintf("product %q is user-based: give the license a username, not a license_key", l.Product.Code)}
	case seen[l.Ref()] != nil:
		field := "license_key" // what repeats the other's name, for the place of the refusal
		if l.User != nil {
			field = "username"
		}
		return &Refused{License: l, Field: field, Msg: fmt.Sprintf("license %s is already declared at %s", l.Ref(), seen[l.Ref()].Source)}
	}
	return entitlementRefusal(l)
}

// Refused is a license (or a customer account) NewCatalog refuses, and why.
type Refused struct {
	License *License
	// Account is the customer account refused, when it is not a license, and User the
	// account's user the problem is with, if one is.
	Account *CustomerAccount
	User    *User
	// Field is the key the problem is at ("username"); "" for the license as a whole.
	Field string
	// Item is the 1-based entry of a list Field the problem is at; 0 for the field itself.
	Item int
	Msg  string
}

// Refusals are the licenses NewCatalog refuses, in the order given.
type Refusals []*Refused

func (rs Refusals) Error() string {
	return sourcedLines(rs, func(r *Refused) (string, string) {
		switch {
		case r.License != nil:
			return r.License.Source, r.Msg
		case r.Account != nil:
			return r.Account.Source, r.Msg
		}
		return "", r.Msg
	})
}

// sourcedLines is the Error of a list of refusals: a "file:line: why" line each.
func sourcedLines[R any](rs []R, line func(R) (source, msg string)) string {
	msgs := make([]string, len(rs))
	for i, r := range rs {
		source, msg := line(r)
		msgs[i] = source + ": " + msg
	}
	return strings.Join(msgs, "\n")
}

// StableID derives a 16-digit id from what it identifies, the same on every run, so answers
// (and their signatures) repeat and tests can expect them.
func StableID(kind, name string) int64 {
	h := fnv.New64a()
	h.Write([]byte(kind + "\x00" + name))
	return 1_000_000_000_000_000 + int64(h.Sum64()%8_000_000_000_000_000)
}

// index builds the lookups once the declarations are complete.
func (c *Catalog) index() {
	c.products = map[string]*Product{}
	for _, p := range c.Products {
		c.products[p.Code] = p
	}
	c.byKey, c.byUser, c.byCustomer = map[string]*License{}, map[*User][]*License{}, map[string][]*License{}
	for _, l := range c.Licenses {
		if l.Key != "" {
			c.byKey[l.Key] = l
		}
		if l.User != nil {
			c.byUser[l.User] = append(c.byUser[l.User], l)
		}
		if l.Customer.Email != "" {
			k := customerKey(l.Product.Code, l.Customer.Email)
			c.byCustomer[k] = append(c.byCustomer[k], l)
		}
	}
	for _, list := range c.byUser {
		slices.SortStableFunc(list, func(x, y *License) int { return strings.Compare(x.Product.Code, y.Product.Code) })
	}
	c.users = map[string]*User{}
	for _, u := range c.Users {
		c.users[u.Username] = u
	}
}

// The conditions whose code a scenario file may choose, each a key of error_codes:. The
// vendor publishes no code for most of them; for the others the default is the vendor's.
const (
	CondWrongPassword         = "wrong_password"          // an unknown user or a wrong password
	CondWrongLicenseType      = "wrong_license_type"      // add_consumption for a license that is not a consumption license
	CondNotEnoughConsumptions = "not_enough_consumptions" // past max_consumptions (and the overages allowed)
	CondNegativeConsumptions  = "negative_consumptions"   // a negative amount without allow_negative_consumptions
	CondUnknownFeature        = "unknown_feature"         // a feature code the license does not have
	CondFeatureNotConsumption = "feature_not_consumption" // add_feature_consumption for an activation feature
	CondFeatureNotEnough      = "feature_not_enough"      // past the feature's max_consumption
	CondFeatureExpired        = "feature_expired"         // a feature past its expiry_date
	CondMaxFloatingReached    = "max_floating_reached"    // every floating seat taken by other devices
	CondLicenseNotFloating    = "license_not_floating"    // floating/borrow for a license that is not floating
	CondBorrowingNotAllowed   = "borrowing_not_allowed"   // floating/borrow for a license without can_borrow
	CondFeatureNotFloating    = "feature_not_floating"    // floating/feature_borrow for a feature that is not floating
	CondCustomerNotFound      = "customer_not_found"      // customer_license_users for an unknown customer
	CondSSOTokenInvalid       = "sso_token_invalid"       // an id_token or code lsmock did not issue, expired or used
	CondOfflineNotAllowed     = "offline_not_allowed"     // activate_offline for a license without allow_offline_activation
)

// defaultCodes are lsmock's codes for those conditions, in the order error_codes: lists
// them: the vendor's code where it publishes one for the condition, the Node SDK's own code
// where it raises one for the same condition, a code the vendor documents where its meaning
// fits, else a name for the condition.
func defaultCodes() [][2]string {
	return [][2]string{
		{CondWrongPassword, "invalid_credentials"},
		{CondWrongLicenseType, "wrong_license_type"},
		{CondNotEnoughConsumptions, "license_not_enough_consumptions"},
		{CondNegativeConsumptions, "negative_consumptions_not_allowed"},
		{CondUnknownFeature, "unsupported_product_feature"},
		{CondFeatureNotConsumption, "feature_not_consumption"},
		{CondFeatureNotEnough, "feature_not_enough_consumptions"},
		{CondFeatureExpired, "feature_expired"},
		{CondMaxFloatingReached, "floating_not_available"}, // the vendor's, on its borrow pages
		{CondLicenseNotFloating, "license_not_floating"},
		{CondBorrowingNotAllowed, "license_borrow_not_allowed"}, // the vendor's, on its borrow page
		{CondFeatureNotFloating, "feature_not_floating"},
		{CondCustomerNotFound, "customer_not_found"},
		{CondSSOTokenInvalid, "sso_token_invalid"}, // the C++ SDK's condition "SSO token invalid"
		{CondOfflineNotAllowed, "offline_activation_not_allowed"},
	}
}

// DefaultCode is lsmock's code for a condition; ok is false for an unknown condition.
func DefaultCode(condition string) (code string, ok bool) {
	for _, c := range defaultCodes() {
		if c[0] == condition {
			return c[1], true
		}
	}
	return "", false
}

// Conditions lists the conditions error_codes: may name.
func Conditions() []string {
	var out []string
	for _, c := range defaultCodes() {
		out = append(out, c[0])
	}
	return out
}

// Code is the code the catalog answers a condition with.
func (c *Catalog) Code(condition string) string {
	if code, ok := c.Codes[condition]; ok {
		return code
	}
	code, _ := DefaultCode(condition)
	return code
}
