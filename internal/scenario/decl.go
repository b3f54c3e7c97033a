package scenario

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pb33f/go-yaml"

	"github.com/lsmock/lsmock/internal/fileerr"
	"github.com/lsmock/lsmock/internal/license"
	"github.com/lsmock/lsmock/internal/yamldec"
)

// declarations gathers the products:, licenses: and users: of every scenario file; catalog
// resolves them together (a license may name a product declared in another file).
type declarations struct {
	products []*license.Product
	licenses []pendingLicense
	users    []*license.User
	bundles  []pendingBundle // bundle.go
	accounts []pendingAccount

	codes         map[string]chosenCode // error_codes: (and wrong_password_error:), by condition
	acceptUnknown bool
	unknownAt     *fileerr.Error

	releaseAt map[*license.Release]releaseKeys // where each release's keys are

	rt *runtime // set when a session's run-time declarations are read (runtime.go)
}

// chosenCode is a code a file chose for a condition, and where.
type chosenCode struct {
	code string
	at   *fileerr.Error
	key  string // the key that chose it, for messages
}

// chooseCode records a file's code for a condition; each condition is chosen once.
func (ds *declarations) chooseCode(d *yamldec.Decoder, n *yaml.Node, condition, code, key string) {
	if prev, ok := ds.codes[condition]; ok {
		d.Errorf(n, "%s: the code for %s is already chosen at %s:%d (%s)", key, condition, prev.at.File, prev.at.Line, prev.key)
		return
	}
	if ds.codes == nil {
		ds.codes = map[string]chosenCode{}
	}
	ds.codes[condition] = chosenCode{code: code, at: at(d, n), key: key}
}

// pendingLicense is a license whose product and user are resolved once every file is read.
type pendingLicense struct {
	lic     *license.License
	product string
	user    string
	at      *fileerr.Error // where the license is, for errors found later
	prodAt  *fileerr.Error
	userAt  *fileerr.Error
	keys    map[string]yamldec.Field // the license's keys, to place NewCatalog's refusals
	// generate is a run-time license declared with neither key nor username: lsmock gives
	// it a key, once its product is known to be key-based; decl is its declaration.
	generate bool
	decl     int
}

// declarationKeys are the keys of a scenario file that declare licenses.
var declarationKeys = []string{"products", "licenses", "users", "error_codes", "wrong_password_error", "unknown_users", "bundles", "customer_accounts"}

// decode reads one of the declarationKeys of a file.
func (ds *declarations) decode(d *yamldec.Decoder, key string, n *yaml.Node) {
	switch key {
	case "products":
		ds.decodeList(d, n, "products must be a list of products", func(item *yaml.Node) { ds.product(d, item) })
	case "licenses":
		ds.decodeList(d, n, "licenses must be a list of licenses", func(item *yaml.Node) { ds.licenseDecl(d, item) })
	case "users":
		ds.decodeList(d, n, "users must be a list of {username, password, change_allowed}", func(item *yaml.Node) { ds.user(d, item) })
	case "bundles":
		ds.decodeList(d, n, "bundles must be a list of bundles", func(item *yaml.Node) { ds.bundleDecl(d, item) })
	case "customer_accounts":
		ds.decodeList(d, n, "customer_accounts must be a list of {code, name, users}", func(item *yaml.Node) { ds.account(d, item) })
	case "wrong_password_error": // the older spelling of error_codes: {wrong_password: …}
		if code, ok := d.Str(n, "wrong_password_error"); ok {
			ds.chooseCode(d, n, license.CondWrongPassword, code, "wrong_password_error")
		}
	case "error_codes":
		for _, f := range d.Entries(n, "error_codes must map conditions to error codes, e.g. {wrong_password: invalid_credentials}") {
			if _, known := license.DefaultCode(f.Key.Value); !known {
				d.Errorf(f.Key, "unknown condition %q in error_codes (known: %s)", f.Key.Value, strings.Join(license.Conditions(), ", "))
				continue
			}
			if code, ok := d.Str(f.Value, "error_codes."+f.Key.Value); ok {
				ds.chooseCode(d, f.Value, f.Key.Value, code, "error_codes."+f.Key.Value)
			}
		}
	case "unknown_users":
		if v, ok := d.Str(n, "unknown_users"); ok {
			if ds.unknownAt != nil {
				d.Errorf(n, "unknown_users is already set at %s:%d", ds.unknownAt.File, ds.unknownAt.Line)
				return
			}
			ds.unknownAt = at(d, n)
			switch v {
			case "accept":
				ds.acceptUnknown = true
			case "refuse":
			default:
				d.Errorf(n, "unknown_users takes accept or refuse, not %q", v)
			}
		}
	}
}

func at(d *yamldec.Decoder, n *yaml.Node) *fileerr.Error {
	e := &fileerr.Error{File: d.File}
	if n != nil {
		e.Line, e.Col = n.Line, n.Column
	}
	return e
}

func (ds *declarations) decodeList(d *yamldec.Decoder, n *yaml.Node, msg string, item func(*yaml.Node)) {
	list := yamldec.Resolve(n)
	if list == nil || list.Kind != yaml.SequenceNode {
		d.Errorf(list, "%s", msg)
		return
	}
	for _, it := range list.Content {
		item(it)
	}
}

// fields decodes a mapping whose keys each set one thing, by a table of setters.
type fields map[string]func(d *yamldec.Decoder, n *yaml.Node)

func (f fields) decode(d *yamldec.Decoder, n *yaml.Node, what string) map[string]yamldec.Field {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	m := d.Mapping(n, what, keys...)
	inOrder := make([]string, 0, len(m))
	for k := range m {
		inOrder = append(inOrder, k)
	}
	sort.Slice(inOrder, func(i, j int) bool { // as written, so problems come in file order
		a, b := m[inOrder[i]].Key, m[inOrder[j]].Key
		return a.Line < b.Line || (a.Line == b.Line && a.Column < b.Column)
	})
	for _, k := range inOrder {
		f[k](d, m[k].Value)
	}
	return m
}

func str(p *string, what string) func(*yamldec.Decoder, *yaml.Node) {
	return func(d *yamldec.Decoder, n *yaml.Node) {
		if v, ok := d.Str(n, what); ok {
			*p = v
		}
	}
}

func integer(p *int, what string) func(*yamldec.Decoder, *yaml.Node) {
	return func(d *yamldec.Decoder, n *yaml.Node) {
		if v, ok := d.Int(n, what); ok {
			if v < 0 {
				d.Errorf(n, "%s must not be negative", what)
			}
			*p = v
		}
	}
}

func id(p *int64, what string) func(*yamldec.Decoder, *yaml.Node) {
	return func(d *yamldec.Decoder, n *yaml.Node) {
		if v, ok := d.Int(n, what); ok {
			if v <= 0 || int64(v) > maxSafeInteger {
				d.Errorf(n, "%s must be a whole number from 1 to 2^53-1 (JavaScript reads larger ones wrongly)", what)
			}
			*p = int64(v)
		}
	}
}

func boolean(p *bool, what string) func(*yamldec.Decoder, *yaml.Node) {
	return func(d *yamldec.Decoder, n *yaml.Node) {
		if v, ok := d.Bool(n, what); ok {
			*p = v
		}
	}
}

func date(p *time.Time, what string) func(*yamldec.Decoder, *yaml.Node) {
	return func(d *yamldec.Decoder, n *yaml.Node) {
		n = yamldec.Resolve(n)
		if n == nil || n.Kind != yaml.ScalarNode {
			d.Errorf(n, "%s must be a date such as 2027-01-31 or 2027-01-31T12:00:00Z", what)
			return
		}
		for _, layout := range []string{time.DateOnly, time.RFC3339Nano} {
			if t, err := time.Parse(layout, n.Value); err == nil {
				*p = t.UTC()
				return
			}
		}
		d.Errorf(n, "%s must be a date such as 2027-01-31 or 2027-01-31T12:00:00Z, not %q", what, n.Value)
	}
}

func object(p *map[string]any, what string) func(*yamldec.Decoder, *yaml.Node) {
	return func(d *yamldec.Decoder, n *yaml.Node) {
		v, ok := d.Value(n, what)
		if !ok {
			return
		}
		m, isMap := v.(map[string]any)
		if !isMap {
			d.Errorf(n, "%s must be a mapping", what)
			return
		}
		*p = m
	}
}

func oneOf(p *string, what string, allowed ...string) func(*yamldec.Decoder, *yaml.Node) {
	return func(d *yamldec.Decoder, n *yaml.Node) {
		if v, ok := d.Str(n, what); ok {
			if !slices.Contains(allowed, v) {
				d.Errorf(n, "%s must be one of %s, not %q", what, strings.Join(allowed, ", "), v)
			}
			*p = v
		}
	}
}

// duration reads a validity such as 30d, 12h, 2w, 6m or 1y (days, hours, weeks, months of
// 30 days, years of 365 days).
func duration(p *time.Duration, what string) func(*yamldec.Decoder, *yaml.Node) {
	return func(d *yamldec.Decoder, n *yaml.Node) {
		v, ok := d.Str(n, what)
		if !ok {
			return
		}
		unit := map[byte]time.Duration{'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour, 'm': 30 * 24 * time.Hour, 'y': 365 * 24 * time.Hour}
		if len(v) >= 2 {
			if u, known := unit[v[len(v)-1]]; known {
				if k, err := strconv.Atoi(v[:len(v)-1]); err == nil && k > 0 {
					*p = time.Duration(k) * u
					return
				}
			}
		}
		d.Errorf(n, "%s must be a count and a unit, such as 30d, 12h, 2w, 6m or 1y, not %q", what, v)
	}
}

// customFields reads {name: value, ...}: the license's (or the product's default) values.
func customFields(p *[]license.CustomField, what string) func(*yamldec.Decoder, *yaml.Node) {
	return func(d *yamldec.Decoder, n *yaml.Node) {
		for _, f := range d.Entries(n, what+" must map field names to values") {
			v := yamldec.Resolve(f.Value)
			if v == nil || v.Kind != yaml.ScalarNode {
				d.Errorf(f.Value, "%s %s must be a plain value", what, f.Key.Value)
				continue
			}
			*p = append(*p, license.CustomField{Name: f.Key.Value, Value: v.Value, ID: license.StableID("custom-field", f.Key.Value)})
		}
	}
}

func (ds *declarations) product(d *yamldec.Decoder, n *yaml.Node) {
	p := &license.Product{AuthorizationMethod: license.MethodKey, TrialType: license.Perpetual, TrialMaxActivations: 1, FloatingTimeout: 120,
		Metadata: map[string]any{}, Source: fmt.Sprintf("%s:%d", d.File, yamldec.Resolve(n).Line)}
	before := len(d.Errs)
	var releases *yaml.Node
	m := fields{
		"short_code":            str(&p.Code, "short_code"),
		"product_name":          str(&p.Name, "product_name"),
		"product_id":            id(&p.ID, "product_id"),
		"authorization_method":  oneOf(&p.AuthorizationMethod, "authorization_method", license.MethodKey, license.MethodUser),
		"allow_trial":           boolean(&p.AllowTrial, "allow_trial"),
		"trial_days":            integer(&p.TrialDays, "trial_days"),
		"trial_license_type":    oneOf(&p.TrialType, "trial_license_type", license.Perpetual, license.TimeLimited, license.Subscription, license.Consumption),
		"trial_max_activations": integer(&p.TrialMaxActivations, "trial_max_activations"),
		"floating_timeout":      integer(&p.FloatingTimeout, "floating_timeout"),
		"prevent_vm":            boolean(&p.PreventVM, "prevent_vm"),
		"metadata":              object(&p.Metadata, "metadata"),
		"custom_fields":         customFields(&p.CustomFields, "custom_fields"),
		"releases":              func(_ *yamldec.Decoder, n *yaml.Node) { releases = n },
		"status":                oneOf(&p.Status, "status", license.ProductActive, license.ProductDisabled, license.ProductArchived),
	}.decode(d, n, "a product")
	if m == nil {
		return
	}
	if !yamldec.Has(m, "short_code") {
		d.Errorf(n, "a product needs a short_code: the product code the SDKs send")
	}
	if releases != nil {
		ds.releases(d, releases, p)
	}
	if len(d.Errs) > before {
		return
	}
	for _, prev := range ds.products {
		if prev.Code == p.Code {
			d.Errorf(m["short_code"].Value, "%s", alreadyDeclared("product", p.Code, prev.Source))
			return
		}
	}
	if prev := ds.baseProduct(p.Code); prev != nil {
		d.Errorf(m["short_code"].Value, "%s", alreadyDeclared("product", p.Code, prev.Source))
		return
	}
	if b := ds.baseBundle(p.Code); b != nil {
		d.Errorf(m["short_code"].Value, "%q is the code of bundle (declared at %s): a product's short_code must be its own", p.Code, b.Source)
		return
	}
	if p.Name == "" {
		p.Name = p.Code
	}
	if p.ID == 0 {
		p.ID = license.StableID("product", p.Code)
	}
	if p.AllowTrial && p.TrialDays == 0 {
		p.TrialDays = 14
	}
	ds.products = append(ds.products, p)
}

func (ds *declarations) licenseDecl(d *yamldec.Decoder, n *yaml.Node) {
	l := &license.License{Type: license.Perpetual, MaxActivations: 1, Enabled: true, Active: true, Metadata: map[string]any{},
		Source: fmt.Sprintf("%s:%d", d.File, yamldec.Resolve(n).Line)}
	pl := pendingLicense{lic: l, at: at(d, yamldec.Resolve(n))}
	before := len(d.Errs)
	var features *yaml.Node
	var customer *yaml.Node
	m := fields{
		"license_key":                  str(&l.Key, "license_key"),
		"username":                     str(&pl.user, "username"),
		"product":                      str(&pl.product, "product"),
		"id":                           id(&l.ID, "id"),
		"license_type":                 oneOf(&l.Type, "license_type", license.Perpetual, license.TimeLimited, license.Subscription, license.Consumption),
		"max_activations":              integer(&l.MaxActivations, "max_activations"),
		"allow_unlimited_activations":  boolean(&l.UnlimitedActivations, "allow_unlimited_activations"),
		"license_enabled":              boolean(&l.Enabled, "license_enabled"),
		"license_active":               boolean(&l.Active, "license_active"),
		"is_trial":                     boolean(&l.Trial, "is_trial"),
		"trial_days":                   integer(&l.TrialDays, "trial_days"),
		"validity_period":              date(&l.ValidityPeriod, "validity_period"),
		"valid_duration":               duration(&l.ValidDuration, "valid_duration"),
		"start_date":                   date(&l.StartDate, "start_date"),
		"maintenance_period":           date(&l.MaintenancePeriod, "maintenance_period"),
		"max_transfers":                maxTransfers(&l.MaxTransfers),
		"blacklisted_devices":          strList(&l.BlacklistedDevices, "blacklisted_devices"),
		"grace_period":                 integer(&l.GracePeriod, "grace_period"),
		"prevent_vm":                   boolean(&l.PreventVM, "prevent_vm"),
		"allow_overages":               boolean(&l.AllowOverages, "allow_overages"),
		"max_overages":                 integer(&l.MaxOverages, "max_overages"),
		"max_consumptions":             integer(&l.MaxConsumptions, "max_consumptions"),
		"allow_unlimited_consumptions": boolean(&l.UnlimitedConsumptions, "allow_unlimited_consumptions"),
		"allow_negative_consumptions":  boolean(&l.AllowNegativeConsumptions, "allow_negative_consumptions"),
		"reset_consumption":            boolean(&l.ResetConsumption, "reset_consumption"),
		"consumption_period":           str(&l.ConsumptionPeriod, "consumption_period"),
		"metadata":                     object(&l.Metadata, "metadata"),
		"custom_fields":                customFields(&l.CustomFields, "custom_fields"),
		"order_store_id":               str(&l.OrderStoreID, "order_store_id"),
		"is_floating":                  boolean(&l.Floating, "is_floating"),
		"is_floating_cloud":            boolean(&l.FloatingCloud, "is_floating_cloud"),
		"floating_users":               integer(&l.FloatingUsers, "floating_users"),
		"floating_timeout":             integer(&l.FloatingTimeout, "floating_timeout"),
		"can_borrow":                   boolean(&l.CanBorrow, "can_borrow"),
		"max_borrow_time":              integer(&l.MaxBorrowTime, "max_borrow_time"),
		"allow_offline_activation":     boolean(&l.AllowOffline, "allow_offline_activation"),
		"product_features":             func(_ *yamldec.Decoder, n *yaml.Node) { features = n },
		"customer":                     func(_ *yamldec.Decoder, n *yaml.Node) { customer = n },
	}.decode(d, n, "a license")
	if m == nil {
		return
	}
	pl.keys = m
	switch {
	case ds.rt != nil && !yamldec.Has(m, "license_key") && !yamldec.Has(m, "username"):
		pl.generate, pl.decl = true, ds.rt.cur // lsmock gives it a key (catalog)
	case yamldec.Has(m, "license_key") == yamldec.Has(m, "username"):
		d.Errorf(n, "a license needs either a license_key or, for a user-based product, a username")
	case yamldec.Has(m, "username"):
		pl.userAt = at(d, m["username"].Value)
	}
	if f, ok := m["product"]; ok {
		pl.prodAt = at(d, f.Value)
	} else {
		d.Errorf(n, "a license needs a product (a product's short_code)")
	}
	if yamldec.Has(m, "validity_period") && yamldec.Has(m, "valid_duration") {
		d.Errorf(m["valid_duration"].Key, "a license has either a validity_period (a date) or a valid_duration (from its first activation), not both")
	}
	if features != nil {
		ds.features(d, features, l)
	}
	if customer != nil {
		ds.customer(d, customer, &l.Customer)
	}
	if len(d.Errs) > before {
		return
	}
	ds.licenses = append(ds.licenses, pl)
}

func (ds *declarations) features(d *yamldec.Decoder, n *yaml.Node, l *license.License) {
	list := yamldec.Resolve(n)
	if list == nil || list.Kind != yaml.SequenceNode {
		d.Errorf(list, "product_features must be a list of features")
		return
	}
	for _, item := range list.Content {
		f := license.Feature{Type: "activation", Metadata: map[string]any{}}
		var expiry time.Time
		m := fields{
			"code":                         str(&f.Code, "code"),
			"name":                         str(&f.Name, "name"),
			"id":                           id(&f.ID, "id"),
			"feature_type":                 oneOf(&f.Type, "feature_type", "activation", "consumption"),
			"expiry_date":                  date(&expiry, "expiry_date"),
			"metadata":                     object(&f.Metadata, "metadata"),
			"max_consumption":              integer(&f.MaxConsumption, "max_consumption"),
			"allow_unlimited_consumptions": boolean(&f.UnlimitedConsumption, "allow_unlimited_consumptions"),
			"allow_overages":               boolean(&f.AllowOverages, "allow_overages"),
			"max_overages":                 integer(&f.MaxOverages, "max_overages"),
			"allow_negative_consumptions":  boolean(&f.AllowNegative, "allow_negative_consumptions"),
			"reset_consumption":            boolean(&f.ResetConsumption, "reset_consumption"),
			"consumption_period":           str(&f.ConsumptionPeriod, "consumption_period"),
			"is_floating":                  boolean(&f.Floating, "is_floating"),
			"is_floating_cloud":            boolean(&f.FloatingCloud, "is_floating_cloud"),
			"floating_timeout":             integer(&f.FloatingTimeout, "floating_timeout"),
			"floating_users":               integer(&f.FloatingUsers, "floating_users"),
		}.decode(d, item, "a feature")
		if m == nil {
			continue
		}
		if !yamldec.Has(m, "code") {
			d.Errorf(item, "a feature needs a code")
			continue
		}
		f.ExpiryDate = expiry
		if f.Name == "" {
			f.Name = f.Code
		}
		if f.ID == 0 {
			f.ID = license.StableID("feature", f.Code)
		}
		l.Features = append(l.Features, f)
	}
}

func (ds *declarations) customer(d *yamldec.Decoder, n *yaml.Node, c *license.Customer) {
	c.Metadata = map[string]any{}
	fields{
		"email":        str(&c.Email, "email"),
		"company_name": str(&c.CompanyName, "company_name"),
		"reference":    str(&c.Reference, "reference"),
		"phone":        str(&c.Phone, "phone"),
		"first_name":   str(&c.FirstName, "first_name"),
		"last_name":    str(&c.LastName, "last_name"),
		"city":         str(&c.City, "city"),
		"postcode":     str(&c.Postcode, "postcode"),
		"state":        str(&c.State, "state"),
		"country":      str(&c.Country, "country"),
		"address":      str(&c.Address, "address"),
		"metadata":     object(&c.Metadata, "metadata"),
	}.decode(d, n, "customer")
}

func (ds *declarations) user(d *yamldec.Decoder, n *yaml.Node) {
	u := &license.User{ChangeAllowed: true, Source: fmt.Sprintf("%s:%d", d.File, yamldec.Resolve(n).Line)}
	before := len(d.Errs)
	m := fields{
		"username":       str(&u.Username, "username"),
		"password":       str(&u.Password, "password"),
		"change_allowed": boolean(&u.ChangeAllowed, "change_allowed"),
		"id":             id(&u.ID, "id"),
		"first_name":     str(&u.FirstName, "first_name"),
		"last_name":      str(&u.LastName, "last_name"),
		"phone_number":   str(&u.Phone, "phone_number"),

		// the user's own limit, below its licenses' (licenseUserActivatedMaxTimes)
		"max_activations": integer(&u.MaxActivations, "max_activations"),
	}.decode(d, n, "a user")
	if m == nil {
		return
	}
	if !yamldec.Has(m, "username") {
		d.Errorf(n, "a user needs a username")
		return
	}
	switch {
	case !yamldec.Has(m, "password") && ds.rt != nil:
		u.Password = ds.rt.generatedPassword()
	case !yamldec.Has(m, "password"):
		d.Errorf(n, "user %q needs a password", u.Username)
		return
	}
	if len(d.Errs) > before {
		return
	}
	for _, prev := range ds.users {
		if prev.Username == u.Username {
			d.Errorf(m["username"].Value, "%s", alreadyDeclared("user", u.Username, prev.Source))
			return
		}
	}
	if prev := ds.baseUser(u.Username); prev != nil {
		d.Errorf(m["username"].Value, "%s", alreadyDeclared("user", u.Username, prev.Source))
		return
	}
	u.Source = fmt.Sprintf("%s:%d", d.File, m["username"].Value.Line)
	if u.ID == 0 {
		u.ID = license.StableID("user", u.Username) % 1_000_000
	}
	ds.users = append(ds.users, u)
}

// catalog resolves each license's product and user by name and builds the catalog, placing
// every problem in its file. errorCode reports whether the spec documents a code (for
// error_codes:).
func (ds *declarations) catalog(errorCode func(code string) bool) (*license.Catalog, error) {
	var errs fileerr.List
	codes := map[string]string{}
	for _, cond := range license.Conditions() {
		chosen, ok := ds.codes[cond]
		if !ok {
			continue
		}
		codes[cond] = chosen.code
		if !errorCode(chosen.code) {
			errs = append(errs, placed(chosen.at, fmt.Sprintf("%s %q: the spec documents no such error code", chosen.key, chosen.code)))
		}
	}
	products := map[string]*license.Product{}
	for _, p := range ds.products {
		products[p.Code] = p
	}
	users := map[string]*license.User{}
	for _, u := range ds.users {
		users[u.Username] = u
	}
	resolved, index, problems := ds.resolveLicenses(products, users)
	inCatalog := map[*license.License]bool{}
	for _, l := range resolved {
		inCatalog[l] = true
	}
	bundles, bundleErrs := ds.resolveBundles(inCatalog)
	accounts, accountAt, problems := ds.resolveAccounts(users, problems)
	decl := license.Declarations{Products: ds.products, Licenses: resolved, Users: ds.users, Bundles: bundles,
		Accounts: accounts, Codes: codes, AcceptUnknownUsers: ds.acceptUnknown}
	if ds.rt != nil {
		decl.Base = ds.rt.base
	}
	c, err := license.NewCatalog(decl)
	var refused license.Refusals
	errors.As(err, &refused)
	var refusedBundles license.BundleRefusals
	errors.As(err, &refusedBundles)
	for _, r := range refused {
		if r.License == nil {
			problems = append(problems, placed(accountAt(r), r.Msg))
			continue
		}
		i := index[r.License]
		at := ds.licenses[i].at
		if r.Field == "username" {
			at = ds.licenses[i].userAt
		} else if r.Field != "" {
			at = ds.licenses[i].refusedAt(r)
		}
		problems[i] = placed(at, r.Msg)
	}
	for _, p := range problems {
		if p != nil {
			errs = append(errs, p)
		}
	}
	errs = append(append(errs, bundleErrs...), ds.bundleProblems(refusedBundles)...)
	var releaseRefused license.ReleaseRefusals
	errors.As(err, &releaseRefused)
	errs = append(errs, ds.placeReleases(releaseRefused)...)
	if err := errs.ErrOrNil(); err != nil {
		return nil, err
	}
	return c, nil
}

// resolveLicenses points each license at its product and user, by name; problems are the
// licenses' problems by license, so they come in file order, and index places each resolved
// license in ds.licenses.
func (ds *declarations) resolveLicenses(products map[string]*license.Product, users map[string]*license.User) (
	resolved []*license.License, index map[*license.License]int, problems []*fileerr.Error) {
	problems = make([]*fileerr.Error, len(ds.licenses))
	resolved = make([]*license.License, 0, len(ds.licenses))
	index = map[*license.License]int{} // into ds.licenses
	for i, pl := range ds.licenses {
		l := pl.lic
		if l.Product = products[pl.product]; l.Product == nil {
			l.Product = ds.baseProduct(pl.product)
		}
		if l.Product == nil {
			problems[i] = placed(pl.prodAt, fmt.Sprintf("unknown product %q: declare it under products: (known: %s)", pl.product, productCodes(ds.knownProducts())))
			continue
		}
		if pl.generate && !l.Product.UserBased() {
			l.Key = ds.rt.generatedKey(pl.decl, func(k string) bool { return ds.rt.base.ByKey(k) != nil })
		}
		if pl.user != "" {
			if l.User = users[pl.user]; l.User == nil {
				l.User = ds.baseUser(pl.user)
			}
			if l.User == nil {
				problems[i] = placed(pl.userAt, fmt.Sprintf("unknown user %q: declare it under users: with a password", pl.user))
				continue
			}
		}
		index[l] = i
		resolved = append(resolved, l)
	}
	return resolved, index, problems
}

// placed is msg at where.
func placed(where *fileerr.Error, msg string) *fileerr.Error {
	e := *where
	e.Msg = msg
	return &e
}

func productCodes(ps []*license.Product) string {
	if len(ps) == 0 {
		return "none"
	}
	codes := make([]string, len(ps))
	for i, p := range ps {
		codes[i] = p.Code
	}
	return strings.Join(codes, ", ")
}

// maxSafeInteger is the largest integer JavaScript reads exactly (2^53-1): every id lsmock
// sends stays below it, as the vendor's 16-digit ids do.
const maxSafeInteger = 1<<53 - 1
