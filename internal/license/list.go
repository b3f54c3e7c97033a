package license

import "time"

// Listing is the catalog as GET /__lsmock/licenses shows it, with the vendor's field names;
// passwords are never shown.
type Listing struct {
	Products []ProductListing `json:"products"`
	Licenses []LicenseListing `json:"licenses"`
	Users    []UserListing    `json:"users"`
	Bundles  []BundleListing  `json:"bundles"`
	// CustomerAccounts are the accounts whose users log in by single sign-on.
	CustomerAccounts []AccountListing `json:"customer_accounts"`
}

// AccountListing is a declared customer account.
type AccountListing struct {
	ID     int64    `json:"id"`
	Code   string   `json:"code"`
	Name   string   `json:"name"`
	Users  []string `json:"users"`
	Source string   `json:"source"`
}

// ProductListing is a declared product.
type ProductListing struct {
	ShortCode           string `json:"short_code"`
	ProductName         string `json:"product_name"`
	ProductID           int64  `json:"product_id"`
	AuthorizationMethod string `json:"authorization_method"`
	AllowTrial          bool   `json:"allow_trial"`
	TrialDays           int    `json:"trial_days"`
	FloatingTimeout     int    `json:"floating_timeout"`
	Source              string `json:"source"`
	// Releases are the product's releases, oldest first.
	Releases []ReleaseListing `json:"releases,omitempty"`

	Status string `json:"status,omitempty"` // disabled or archived; absent for active
}

// LicenseListing is a declared license.
type LicenseListing struct {
	ID                        int64             `json:"id"`
	LicenseKey                string            `json:"license_key,omitempty"`
	Username                  string            `json:"username,omitempty"`
	Product                   string            `json:"product"`
	LicenseType               string            `json:"license_type"`
	MaxActivations            int               `json:"max_activations"`
	AllowUnlimitedActivations bool              `json:"allow_unlimited_activations"`
	LicenseEnabled            bool              `json:"license_enabled"`
	LicenseActive             bool              `json:"license_active"`
	IsTrial                   bool              `json:"is_trial"`
	ValidityPeriod            *string           `json:"validity_period"`
	ValidDuration             string            `json:"valid_duration,omitempty"`
	MaxConsumptions           int               `json:"max_consumptions,omitempty"`
	AllowUnlimitedConsumption bool              `json:"allow_unlimited_consumptions,omitempty"`
	AllowOverages             bool              `json:"allow_overages,omitempty"`
	MaxOverages               int               `json:"max_overages,omitempty"`
	IsFloating                bool              `json:"is_floating,omitempty"`
	IsFloatingCloud           bool              `json:"is_floating_cloud,omitempty"`
	FloatingUsers             int               `json:"floating_users,omitempty"`
	FloatingTimeout           int               `json:"floating_timeout,omitempty"`
	CanBorrow                 bool              `json:"can_borrow,omitempty"`
	MaxBorrowTime             int               `json:"max_borrow_time,omitempty"`
	Customer                  string            `json:"customer,omitempty"` // its email
	ProductFeatures           []FeatureListing  `json:"product_features"`
	CustomFields              map[string]string `json:"custom_fields"`
	Metadata                  map[string]any    `json:"metadata"`
	Source                    string            `json:"source"`

	MaxTransfers           int      `json:"max_transfers,omitempty"`
	BlacklistedDevices     []string `json:"blacklisted_devices,omitempty"`
	AllowOfflineActivation bool     `json:"allow_offline_activation,omitempty"`
}

// FeatureListing is a feature of a declared license: what its behaviour depends on.
type FeatureListing struct {
	Code            string `json:"code"`
	FeatureType     string `json:"feature_type"`
	MaxConsumption  int    `json:"max_consumption,omitempty"`
	IsFloatingCloud bool   `json:"is_floating_cloud,omitempty"`
	IsFloating      bool   `json:"is_floating,omitempty"`
	FloatingUsers   int    `json:"floating_users,omitempty"`
	ExpiryDate      string `json:"expiry_date,omitempty"`
}

// UserListing is a declared license user.
type UserListing struct {
	Username      string `json:"username"`
	Password      string `json:"password"` // always "[redacted]"
	ChangeAllowed bool   `json:"change_allowed"`
	Source        string `json:"source"`

	MaxActivations int `json:"max_activations,omitempty"` // the user's own limit
}

// Declared lists the catalog.
func Declared(c *Catalog) Listing {
	out := Listing{Products: []ProductListing{}, Licenses: []LicenseListing{}, Users: []UserListing{}, Bundles: declaredBundles(c)}
	for _, p := range c.Products {
		out.Products = append(out.Products, ProductListing{ShortCode: p.Code, ProductName: p.Name, ProductID: p.ID,
			AuthorizationMethod: p.AuthorizationMethod, AllowTrial: p.AllowTrial, TrialDays: p.TrialDays,
			FloatingTimeout: p.FloatingTimeout, Source: p.Source, Releases: releaseListing(p), Status: p.Status})
	}
	for _, l := range c.Licenses {
		ll := LicenseListing{ID: l.ID, LicenseKey: l.Key, Product: l.Product.Code, LicenseType: l.Type,
			MaxActivations: l.MaxActivations, AllowUnlimitedActivations: l.UnlimitedActivations,
			LicenseEnabled: l.Enabled, LicenseActive: l.Active, IsTrial: l.Trial, MaxConsumptions: l.MaxConsumptions,
			AllowUnlimitedConsumption: l.UnlimitedConsumptions, AllowOverages: l.AllowOverages, MaxOverages: l.MaxOverages,
			IsFloating: l.Floating, IsFloatingCloud: l.FloatingCloud, CanBorrow: l.CanBorrow, MaxBorrowTime: l.MaxBorrowTime,
			Customer: l.Customer.Email, ProductFeatures: []FeatureListing{}, CustomFields: map[string]string{}, Metadata: l.Metadata, Source: l.Source,
			MaxTransfers: l.MaxTransfers, BlacklistedDevices: l.BlacklistedDevices, AllowOfflineActivation: l.AllowOffline}
		if l.IsFloating() {
			ll.FloatingUsers, ll.FloatingTimeout = l.FloatingUsers, l.Timeout()
		}
		if l.User != nil {
			ll.Username = l.User.Username
		}
		if !l.ValidityPeriod.IsZero() {
			v := iso(l.ValidityPeriod)
			ll.ValidityPeriod = &v
		}
		if l.ValidDuration > 0 {
			ll.ValidDuration = (l.ValidDuration / time.Hour * time.Hour).String() + " from the first activation"
		}
		for _, f := range l.Features {
			fl := FeatureListing{Code: f.Code, FeatureType: f.Type, MaxConsumption: f.MaxConsumption, IsFloatingCloud: f.FloatingCloud,
				IsFloating: f.Floating, FloatingUsers: f.FloatingUsers}
			if !f.ExpiryDate.IsZero() {
				fl.ExpiryDate = iso(f.ExpiryDate)
			}
			ll.ProductFeatures = append(ll.ProductFeatures, fl)
		}
		for _, f := range l.CustomFields {
			ll.CustomFields[f.Name] = f.Value
		}
		out.Licenses = append(out.Licenses, ll)
	}
	for _, u := range c.Users {
		out.Users = append(out.Users, UserListing{Username: u.Username, Password: "[redacted]", ChangeAllowed: u.ChangeAllowed, Source: u.Source,
			MaxActivations: u.MaxActivations})
	}
	out.CustomerAccounts = make([]AccountListing, 0, len(c.Accounts))
	for _, a := range c.Accounts {
		al := AccountListing{ID: a.ID, Code: a.Code, Name: a.Name, Users: make([]string, len(a.Users)), Source: a.Source}
		for i, u := range a.Users {
			al.Users[i] = u.Username
		}
		out.CustomerAccounts = append(out.CustomerAccounts, al)
	}
	return out
}
