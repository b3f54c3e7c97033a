package license

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/lsmock/lsmock/internal/jsoncanon"
	"github.com/lsmock/lsmock/internal/spec"
)

// The behaviours of a product's releases.
const (
	BehaviorVersions         = "versions"
	BehaviorInstallationFile = "installation_file"
)

// Release is a version of a product that scenario files declare (a product's releases:):
// what versions and installation_file answer, and the installation-file fields of
// check_license and product_details' latest_version.
type Release struct {
	ID               int64
	Version          string
	Channel          string // "" for none
	Environment      string // "" for none: e.g. win64, mac, linux
	ReleaseDate      time.Time
	InstallationFile string // the file's URL
	HashMD5          string
	Size             string // as the Node SDK types it: text ("" for none)
	EulaLink         string
	ReleaseNotesLink string
	RequiresVersion  string // "" for none
	Source           string // file:line
}

// ReleaseRefused is a release NewCatalog refuses, and why.
type ReleaseRefused struct {
	Release *Release
	// Field is the key the problem is at ("requires_version"); "" for the release as a whole.
	Field string
	Msg   string
}

// ReleaseRefusals are the releases NewCatalog refuses, in the order declared.
type ReleaseRefusals []*ReleaseRefused

func (rs ReleaseRefusals) Error() string {
	return sourcedLines(rs, func(r *ReleaseRefused) (string, string) { return r.Release.Source, r.Msg })
}

// checkReleases refuses the releases of ps that contradict each other: the same version
// twice for one environment and channel, a requires_version the product has no release
// of, a hash_md5 that is not 32 hex digits. It orders each product's releases by date (the
// order versions answers in) and gives each release its id.
func checkReleases(ps []*Product) ReleaseRefusals {
	var refused ReleaseRefusals
	for _, p := range ps {
		seen := map[string]*Release{}
		versions := map[string]bool{}
		for _, r := range p.Releases {
			versions[r.Version] = true
		}
		for _, r := range p.Releases {
			key := r.Version + "\x00" + r.Environment + "\x00" + r.Channel
			switch {
			case seen[key] != nil:
				refused = append(refused, &ReleaseRefused{Release: r, Field: "version", Msg: fmt.Sprintf("release %s of product %q (environment %q, channel %q) is already declared at %s", r.Version, p.Code, r.Environment, r.Channel, seen[key].Source)})
			case r.RequiresVersion != "" && !versions[r.RequiresVersion]:
				refused = append(refused, &ReleaseRefused{Release: r, Field: "requires_version", Msg: fmt.Sprintf("requires_version %q: product %q declares no release of that version", r.RequiresVersion, p.Code)})
			case r.HashMD5 != "" && !isMD5(r.HashMD5):
				refused = append(refused, &ReleaseRefused{Release: r, Field: "hash_md5", Msg: fmt.Sprintf("hash_md5 %q must be 32 hexadecimal digits", r.HashMD5)})
			}
			seen[key] = r
			if r.ID == 0 {
				r.ID = StableID("release", p.Code+"\x00"+key)
			}
		}
		slices.SortStableFunc(p.Releases, func(x, y *Release) int { return x.ReleaseDate.Compare(y.ReleaseDate) })
	}
	return refused
}

func isMD5(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

// releases are the product's releases for an environment and a channel, oldest first; an
// empty env or channel matches every one (lsmock's choice: the vendor does not say what
// it lists without them).
func releases(p *Product, env, channel string) []*Release {
	var out []*Release
	for _, r := range p.Releases {
		if (env == "" || r.Environment == env) && (channel == "" || r.Channel == channel) {
			out = append(out, r)
		}
	}
	return out
}

// latest is the newest of the product's releases for env and channel (the last declared
// among those of the same date), or nil.
func latest(p *Product, env, channel string) *Release {
	rs := releases(p, env, channel)
	if len(rs) == 0 {
		return nil
	}
	return rs[len(rs)-1]
}

// activeOn finds the license a request names and checks it is active on the request's
// device: versions and installation_file answer active_license_required otherwise (the
// vendor's error page), and the license's own refusals as a check does.
func (e *Engine) activeOn(op *spec.Operation, a *Account, p Params) (*Product, *Answer) {
	prod, refused := e.product(op, a, p)
	if refused != nil {
		return nil, refused
	}
	f, refused := e.identify(op, a, prod, p, false)
	if refused != nil {
		return nil, refused
	}
	ls := a.licenses[f.lic.Ref()]
	if !f.lic.Enabled || !f.lic.Active {
		return nil, e.refusal(op, a, f.lic, ls)
	}
	if ls == nil || ls.devices[p.Str("hardware_id")] == nil {
		r := e.fail(op, "active_license_required", "the license is not active on this hardware_id")
		return nil, &r
	}
	if r := e.refusal(op, a, f.lic, ls); r != nil {
		return nil, r
	}
	return prod, nil
}

// versions lists the versions of the product released for the request's env and channel.
func (e *Engine) versions(op *spec.Operation, a *Account, p Params) (any, Answer) {
	prod, refused := e.activeOn(op, a, p)
	if refused != nil {
		return nil, *refused
	}
	rs := releases(prod, p.Str("env"), p.Str("channel"))
	out := make([]jsoncanon.Object, len(rs))
	for i, r := range rs {
		out[i] = jsoncanon.Pairs(
			"version", r.Version,
			"release_date", isoOrNull(r.ReleaseDate),
		)
	}
	return out, Answer{}
}

// installationFile describes a release: the version asked for, else the latest, for the
// request's env and channel.
func (e *Engine) installationFile(op *spec.Operation, a *Account, p Params) (any, Answer) {
	prod, refused := e.activeOn(op, a, p)
	if refused != nil {
		return nil, *refused
	}
	rs := releases(prod, p.Str("env"), p.Str("channel"))
	want := p.Str("version")
	var r *Release
	for _, c := range rs {
		if want == "" || c.Version == want {
			r = c // the last one: the newest
		}
	}
	if r == nil {
		detail := fmt.Sprintf("product %s has no release %q for env %q and channel %q", prod.Code, want, p.Str("env"), p.Str("channel"))
		if want == "" {
			detail = fmt.Sprintf("product %s has no release for env %q and channel %q", prod.Code, p.Str("env"), p.Str("channel"))
		}
		return nil, e.fail(op, "version_not_found", detail)
	}
	return installationFileBody(r), Answer{}
}

func installationFileBody(r *Release) jsoncanon.Object {
	return jsoncanon.Pairs(
		"id", r.ID,
		"version", r.Version,
		"installation_file", r.InstallationFile,
		"release_date", isoOrNull(r.ReleaseDate),
		"hash_md5", r.HashMD5,
		"environment", r.Environment,
		"eula_link", r.EulaLink,
		"release_notes_link", r.ReleaseNotesLink,
		"size", orNull(r.Size),
		"requires_version", orNull(r.RequiresVersion),
		"channel", orNull(r.Channel),
		"company", jsoncanon.Pairs(
			"id", companyID,
		),
	)
}

// releaseFields are the installation-file fields of a check: the latest release's, or the
// empty values the vendor sends for a product without one.
func releaseFields(r *Release) jsoncanon.Object {
	if r == nil {
		r = &Release{}
	}
	return jsoncanon.Pairs(
		"version", r.Version,
		"installation_file", r.InstallationFile,
		"release_date", isoOrNull(r.ReleaseDate),
		"hash_md5", r.HashMD5,
		"requires_version", orNull(r.RequiresVersion),
		"environment", r.Environment,
		"eula_link", r.EulaLink,
		"release_notes_link", r.ReleaseNotesLink,
		"size", orNull(r.Size),
		"channel", r.Channel,
	)
}

// latestVersionBody is product_details' latest_version, in the shape of the Node SDK's
// fixture: the release row, its date without a time; null for a product without releases.
// lsmock's choice: created_at and updated_at are the release date.
func latestVersionBody(p *Product, r *Release) any {
	if r == nil {
		return nil
	}
	filename := any(nil)
	if r.InstallationFile != "" {
		filename = path.Base(r.InstallationFile)
	}
	date := any(nil)
	if !r.ReleaseDate.IsZero() {
		date = r.ReleaseDate.UTC().Format(time.DateOnly)
	}
	return jsoncanon.Pairs(
		"id", r.ID,
		"created_at", isoOrNull(r.ReleaseDate),
		"updated_at", isoOrNull(r.ReleaseDate),
		"version", r.Version,
		"full_link", r.InstallationFile,
		"filename", filename,
		"release_date", date,
		"enabled", true,
		"hash_md5", r.HashMD5,
		"product_id", p.ID,
		"environment", r.Environment,
		"eula_link", r.EulaLink,
		"release_notes_link", r.ReleaseNotesLink,
		"size", orNull(r.Size),
		"requires_version", orNull(r.RequiresVersion),
		"channel", orNull(r.Channel),
	)
}

// ReleaseListing is a declared release, as GET /__lsmock/licenses lists it.
type ReleaseListing struct {
	Version     string `json:"version"`
	Environment string `json:"environment,omitempty"`
	Channel     string `json:"channel,omitempty"`
	ReleaseDate string `json:"release_date,omitempty"`
	Source      string `json:"source"`
}

func releaseListing(p *Product) []ReleaseListing {
	var out []ReleaseListing
	for _, r := range p.Releases {
		rl := ReleaseListing{Version: r.Version, Environment: r.Environment, Channel: r.Channel, Source: r.Source}
		if !r.ReleaseDate.IsZero() {
			rl.ReleaseDate = iso(r.ReleaseDate)
		}
		out = append(out, rl)
	}
	return out
}
